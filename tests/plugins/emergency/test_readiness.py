"""Fire-prevention readiness through the pages: fire danger periods (and the warning they
publish), the duty roster a week at a time, patrols; the dashboard shows today's duty officer
and the fire danger; who may keep them; exports and bounded queries."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import db
from core.sharing.models import InfoItem
from core.testing import post_form
from plugins.emergency.models import DangerPeriod, DutyDay, Patrol
from tests.plugins.emergency.helpers import one, today


def period_form(start_offset: int = -1, days: int = 7, level: int = 4, **changes):
    start = today() + timedelta(days=start_offset)
    return {"starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=days)).isoformat(), "level": str(level),
            "note": "气温高、湿度低，严禁野外用火", **changes}


def duty_form(officer: str = "li.emergency", **changes):
    return {"officer": officer, "leader": "镇党委副书记 张明", "phone": "0763-6612119",
            "note": "24小时值班", **changes}


def patrol_form(**changes):
    return {"patrolled_on": today().isoformat(), "route": "东坡村后山防火通道",
            "members": "张伟、李强", "hazards_found": "2", "findings": "林下堆放杂物 2 处",
            "lat": "", "lng": "", **changes}


def headers(client, path: str) -> list:
    response = client.get(path)
    assert response.status_code == 200, path
    return list(next(load_workbook(io.BytesIO(response.data)).active.iter_rows(
        values_only=True)))


# ------------------------------------------------------------------ fire danger periods


def test_danger_periods_set_today_s_fire_danger_and_publish_a_warning(app, signed_in):
    liaison = signed_in("li.emergency")
    saved = post_form(liaison, "/emergency/danger-periods/new",
                      period_form(level=3, days=30, publish="y"))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    assert post_form(liaison, "/emergency/danger-periods/new",
                     period_form(start_offset=0, days=2, level=5)).status_code == 302
    post_form(liaison, "/emergency/danger-periods/new",
              period_form(start_offset=5, days=3, level=2))  # not yet in force
    with app.app_context():
        from plugins.emergency.readiness import current_danger

        assert current_danger().level == 5  # the highest of those covering today
        assert current_danger(today() + timedelta(days=4)).level == 3
        assert current_danger(today() + timedelta(days=60)) is None
        published = one(DangerPeriod, level=3)
        item = db.session.get(InfoItem, published.info_item_id)
        assert item.category == "emergency.fire_danger_warning" and item.sensitivity == "open"
        assert "三级" in item.title and item.valid_from == published.starts_on
        assert one(DangerPeriod, level=5).info_item_id is None

    page = liaison.get("/emergency/danger-periods/").get_data(as_text=True)
    assert re.search(r'data-testid="current-danger">.*data-danger="5"', page, re.S)
    assert headers(liaison, "/emergency/danger-periods.xlsx") == [
        "起始日期", "终止日期", "森林火险等级", "说明", "登记单位"]

    refused = post_form(liaison, "/emergency/danger-periods/new",
                        period_form(days=-3))  # ends before it starts
    assert refused.status_code == 400 and "is-invalid" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(DangerPeriod.id))) == 3


def test_a_stale_period_edit_is_refused(app, signed_in):
    liaison = signed_in("li.emergency")
    path = post_form(liaison, "/emergency/danger-periods/new",
                     period_form()).headers["Location"]
    edit = f"{path}/edit"
    assert post_form(liaison, edit, period_form(level=2, version="1")).status_code == 302
    assert post_form(liaison, edit, period_form(level=5, version="1")).status_code == 409
    with app.app_context():
        assert db.session.scalar(select(DangerPeriod.level)) == 2


# --------------------------------------------------------------------------- duty roster


def test_the_dashboard_shows_today_s_duty_officer_and_fire_danger(app, signed_in):
    office = signed_in("wang.office")  # the office keeps the roster too
    day = today().isoformat()
    saved = post_form(office, f"/emergency/duty/{day}", duty_form())
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    post_form(office, "/emergency/danger-periods/new", period_form(level=4))

    liaison = signed_in("li.emergency")
    dashboard = liaison.get("/").get_data(as_text=True)
    widget = dashboard[dashboard.index('data-testid="emergency-widget"'):]
    officer = re.search(r'data-testid="duty-officer">([^<]+)<', widget).group(1)
    assert officer == "emergency li.emergency"  # the display name
    assert "镇党委副书记 张明" in widget and "0763-6612119" in widget
    assert 'data-danger="4"' in widget
    # the police do not use the plugin: no widget
    assert 'data-widget="emergency"' not in signed_in("zhao.police").get("/").get_data(
        as_text=True)

    week = liaison.get("/emergency/duty/").get_data(as_text=True)
    assert re.search(rf'data-day="{day}"[^>]*aria-current="date"', week)
    assert "emergency li.emergency" in week
    assert headers(liaison, "/emergency/duty.xlsx") == [
        "日期", "星期", "值班人员", "所在单位", "带班领导", "值班电话", "备注"]


def test_the_roster_is_kept_by_its_keepers_one_entry_a_day(app, signed_in):
    liaison = signed_in("li.emergency")
    day = (today() + timedelta(days=1)).isoformat()
    page = f"/emergency/duty/{day}"
    assert post_form(liaison, page, duty_form()).status_code == 302
    assert post_form(liaison, page, duty_form(officer="ma.emergency", version="1")
                     ).status_code == 302
    assert post_form(liaison, page, duty_form(officer="li.emergency", version="1")
                     ).status_code == 409  # stale
    refused = post_form(liaison, page, duty_form(officer="nobody", version="2"))
    assert refused.status_code == 400
    with app.app_context():
        entry = one(DutyDay)
        assert entry.officer.username == "ma.emergency"
    # a department the plugin does not serve sees none of it
    police = signed_in("zhao.police")
    assert police.get(page).status_code == 403
    assert post_form(liaison, f"{page}/clear", {}, page=page).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(DutyDay.id))) == 0
    assert liaison.get("/emergency/duty/2026-02-30").status_code == 404


# -------------------------------------------------------------------------------- patrols


def test_patrols_are_recorded_listed_and_exported(app, signed_in):
    liaison = signed_in("li.emergency")
    saved = post_form(liaison, "/emergency/patrols/new", patrol_form())
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    post_form(liaison, "/emergency/patrols/new", patrol_form(route="西山林场", hazards_found="0"))
    listed = liaison.get("/emergency/patrols/?hazards=1").get_data(as_text=True)
    assert "东坡村后山防火通道" in listed and "西山林场" not in listed
    assert "2" in re.search(r'data-testid="totals">([^<]+)<', listed).group(1)
    detail = liaison.get(saved.headers["Location"]).get_data(as_text=True)
    assert "林下堆放杂物 2 处" in detail

    refused = post_form(liaison, "/emergency/patrols/new", patrol_form(
        route="", patrolled_on=(today() + timedelta(days=2)).isoformat()))
    assert refused.status_code == 400
    future = post_form(liaison, "/emergency/patrols/new", patrol_form(
        patrolled_on=(today() + timedelta(days=2)).isoformat()))
    assert future.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Patrol.id))) == 2

    assert headers(liaison, "/emergency/patrols.xlsx") == [
        "巡护日期", "巡护路线(区域)", "巡护人员", "发现火灾隐患(处)", "巡护情况", "纬度", "经度",
        "巡护单位"]
    office = signed_in("wang.office")
    assert office.get(saved.headers["Location"]).status_code == 200
    assert office.get("/emergency/patrols/new").status_code == 403
    assert office.get(saved.headers["Location"] + "/edit").status_code == 403


# -------------------------------------------------------------------------------- queries


@pytest.mark.parametrize("path", ["/emergency/", "/emergency/danger-periods/",
                                  "/emergency/duty/", "/emergency/patrols/"])
def test_readiness_pages_run_a_bounded_number_of_queries(app, signed_in, count_queries,
                                                         path):
    liaison = signed_in("li.emergency")

    def add(n: int) -> None:
        for k in range(n):
            post_form(liaison, "/emergency/patrols/new", patrol_form(route=f"路线{k}"))
            post_form(liaison, "/emergency/danger-periods/new",
                      period_form(start_offset=-k, level=1 + k % 5))
            day = (today() + timedelta(days=k)).isoformat()
            post_form(liaison, f"/emergency/duty/{day}", duty_form())

    def queries() -> int:
        with count_queries() as counter:
            assert liaison.get(path).status_code == 200
        return counter.count

    add(1)
    few = queries()
    add(5)
    assert queries() == few
