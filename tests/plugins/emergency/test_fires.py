"""The fire register through its pages: report, correct, log, extinguish, assess; what a fire
sets in motion (a case handed to the police, a task for the public services office), once;
who may do what; the export and bounded queries."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core import audit
from core.cases.models import Case, Transfer
from core.db import db
from core.notifications.models import Notification
from core.tasks.models import Task
from core.testing import post_form
from plugins.emergency.models import Fire, LogEntry
from tests.plugins.emergency.helpers import fire_form, local_minute, one, today, user


def report(client, **changes):
    """Report a fire through the form; its page's path."""
    response = post_form(client, "/emergency/fires/new", fire_form(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    path = response.headers["Location"]
    assert re.fullmatch(r"/emergency/fires/\d+", path), path
    return path


def fire_id(path: str) -> int:
    return int(path.rsplit("/", 1)[1])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------ the check


def test_a_150_ha_negligent_fire_with_one_injured_is_major_goes_to_police_and_services(
        app, signed_in):
    liaison = signed_in("li.emergency")
    path = report(liaison, place_name="西山林场", burned_area_ha="150", cause="negligence",
                  injuries="1")
    page = liaison.get(path).get_data(as_text=True)
    assert 'data-level="major"' in page and 'data-state="reported"' in page

    with app.app_context():
        fire = db.session.get(Fire, fire_id(path))
        assert (fire.level, fire.state, fire.injured_tasked) == ("major", "reported", 1)
        assert fire.number == f"森林火情〔{today().year}〕1号"
        # a core case of the plugin's offence type, handled by the emergency office ...
        case = db.session.get(Case, fire.case_id)
        assert case.offence_type == "emergency.negligent_fire"
        assert case.department.code == "emergency" and "西山林场" in case.title
        # ... handed to the police through the core's hand-over
        transfer = one(Transfer, case_id=case.id)
        assert transfer.id == fire.transfer_id and transfer.state == "sent"
        assert transfer.to_department.code == "police" and "失火罪" in transfer.reason
        # the police were told, as for any hand-over
        assert db.session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == user("zhao.police").id,
            Notification.kind == "transfer.received")) == 1
        # one task for the public services office, linked back to the fire
        task = one(Task, source_kind="emergency.fire", source_id=fire.id)
        assert task.department.code == "public_services" and "1 人" in task.title
        assert task.source_path == path and task.state == "open"
        hours = (task.due_at - task.created_at).total_seconds() / 3600
        assert hours == pytest.approx(24)
        transfer_id, task_id, case_id = transfer.id, task.id, case.id
    assert f'href="/cases/{case_id}"' in page and f'href="/tasks/{task_id}"' in page

    # the police accept it as a criminal case: their own hook still files the record
    with app.test_request_context():
        from core.cases import services as cases
        from plugins.police.services import criminal_case_of

        police = user("zhao.police")
        with audit.acting_as(police):
            cases.answer(police, db.session.get(Transfer, transfer_id), "accepted_criminal", "")
        db.session.commit()
        assert criminal_case_of(case_id).source == "transfer"

    # corrections set nothing in motion twice; more injured ask for the difference only
    edit = f"{path}/edit"
    saved = post_form(liaison, edit, fire_form(
        place_name="西山林场", burned_area_ha="150", cause="suspected_arson", injuries="3",
        version=_version(liaison, edit)))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    with app.app_context():
        assert count(Case) == 1 and count(Transfer) == 1
        titles = list(db.session.scalars(select(Task.title).order_by(Task.id)))
        assert len(titles) == 2 and "新增受伤人员 2 人" in titles[1]
        assert db.session.get(Fire, fire_id(path)).injured_tasked == 3


def _version(client, page: str) -> str:
    match = re.search(r'name="version" type="hidden" value="(\d+)"',
                      client.get(page).get_data(as_text=True))
    assert match, page
    return match.group(1)


def test_a_member_opens_the_case_and_a_liaison_finishes_the_follow_up(app, signed_in):
    member = signed_in("ma.emergency")
    path = report(member, cause="suspected_arson", injuries="2", burned_area_ha="3")
    with app.app_context():
        fire = db.session.get(Fire, fire_id(path))
        # members may open a case, not hand it over nor assign tasks (the core's rule)
        assert fire.case_id is not None and fire.transfer_id is None
        assert count(Task) == 0 and fire.level == "large"
        told = db.session.scalars(select(Notification).where(
            Notification.kind == "emergency.follow_up")).all()
        assert {n.user_id for n in told} == {user("li.emergency").id}
        assert told[0].link == path
    assert 'data-testid="follow-up"' not in member.get(path).get_data(as_text=True)
    assert post_form(member, f"{path}/follow-up", {}, page=path).status_code == 403

    liaison = signed_in("li.emergency")
    assert 'data-testid="follow-up"' in liaison.get(path).get_data(as_text=True)
    done = post_form(liaison, f"{path}/follow-up", {}, page=path)
    assert done.status_code == 302
    with app.app_context():
        fire = db.session.get(Fire, fire_id(path))
        assert fire.transfer.to_department.code == "police"
        assert one(Task, source_id=fire.id).department.code == "public_services"
        assert db.session.get(Case, fire.case_id).offence_type == "emergency.arson"
    page = liaison.get(path).get_data(as_text=True)
    assert 'data-testid="follow-up"' not in page and 'data-testid="transfer"' in page


def test_a_fire_not_caused_by_people_opens_no_case_until_its_cause_changes(app, signed_in):
    liaison = signed_in("li.emergency")
    path = report(liaison, cause="lightning")
    with app.app_context():
        assert count(Case) == 0 and count(Task) == 0
    for cause in ("negligence", "suspected_arson"):
        edit = f"{path}/edit"
        assert post_form(liaison, edit, fire_form(cause=cause, version=_version(
            liaison, edit))).status_code == 302
    with app.app_context():
        assert count(Case) == 1 and count(Transfer) == 1  # once per fire


# --------------------------------------------------------------------- the form and steps


def test_refused_input_re_renders_the_form_and_saves_nothing(app, signed_in):
    liaison = signed_in("li.emergency")
    response = post_form(liaison, "/emergency/fires/new", fire_form(
        place_name="", reported_at=local_minute(hours_ago=-3), burned_area_ha="-1",
        lat="24.5", lng=""))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert body.count("is-invalid") >= 2 and 'value="马尾松林"' in body
    # the service's own checks (a time in the future, half a position)
    response = post_form(liaison, "/emergency/fires/new", fire_form(
        reported_at=local_minute(hours_ago=-3), lat="24.5", lng=""))
    assert response.status_code == 400
    assert "invalid-feedback" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Fire) == 0


def test_log_extinguish_and_assess(app, signed_in):
    liaison = signed_in("li.emergency")
    path = report(liaison, cause="unknown", burned_area_ha="0.8")
    logged = post_form(liaison, f"{path}/log", {
        "log-acted_at": local_minute(0.5), "log-action": "镇扑火队赶赴现场开设隔离带",
        "log-forces": "镇专业扑火队", "log-personnel": "30", "log-resources": "风力灭火机 6 台",
        "log-vehicles": "3", "log-departments": ["emergency", "police"]}, page=path)
    assert logged.status_code == 302, logged.get_data(as_text=True)[:3000]
    refused = post_form(liaison, f"{path}/log", {"log-acted_at": local_minute(0.2),
                                                 "log-action": ""}, page=path)
    assert refused.status_code == 400
    page = liaison.get(path).get_data(as_text=True)
    assert page.count('data-testid="log-entry"') == 1 and "镇专业扑火队" in page
    assert "30" in re.search(r'data-testid="dispatched">([^<]+)<', page).group(1)

    assert post_form(liaison, f"{path}/extinguish", {"out-extinguished_at": local_minute(0.1)},
                     page=path).status_code == 302
    again = post_form(liaison, f"{path}/extinguish", {"out-extinguished_at": local_minute(0)},
                      page=path)
    assert again.status_code == 409  # it is out already: nothing overwritten

    assessed = post_form(liaison, f"{path}/assess", {
        "assess-burned_area_ha": "120", "assess-deaths": "0", "assess-injuries": "0",
        "assess-assessment": "核定受害森林面积 120 公顷"}, page=path)
    assert assessed.status_code == 302, assessed.get_data(as_text=True)[:3000]
    with app.app_context():
        fire = db.session.get(Fire, fire_id(path))
        assert (fire.state, fire.level, fire.burned_area_ha) == ("assessed", "major", 120.0)
        entry = one(LogEntry, fire_id=fire.id)
        assert {d.department.code for d in entry.departments} == {"emergency", "police"}
    # assessed figures are final
    assert liaison.get(f"{path}/edit").status_code == 403
    assert post_form(liaison, f"{path}/log", {"log-acted_at": local_minute(0),
                                              "log-action": "复查"}, page=path).status_code == 403


def test_a_stale_correction_answers_409_and_overwrites_nothing(app, signed_in):
    liaison = signed_in("li.emergency")
    path = report(liaison)
    edit = f"{path}/edit"
    old = _version(liaison, edit)
    assert post_form(liaison, edit, fire_form(place_name="甲", version=old)).status_code == 302
    stale = post_form(liaison, edit, fire_form(place_name="乙", version=old))
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(Fire, fire_id(path)).place_name == "甲"


# ------------------------------------------------------------------------------ access


def test_who_reads_and_who_writes(app, signed_in, make_user):
    liaison = signed_in("li.emergency")
    path = report(liaison)
    office = signed_in("wang.office")
    assert office.get(path).status_code == 200  # the office reads every plugin
    assert office.get("/emergency/fires/new").status_code == 403
    assert office.get(f"{path}/edit").status_code == 403
    # a department the plugin does not serve: none of its pages
    police = signed_in("zhao.police")
    assert police.get("/emergency/fires/").status_code == 403
    assert police.get(path).status_code == 403
    # a department whose leader switches the plugin on reports its own fires, not others'
    make_user("liu.agri", role="leader", department="agriculture")
    agri = signed_in("liu.agri")
    settings = "/departments/agriculture/settings"
    assert post_form(agri, settings, {"plugins": ["emergency"]}).status_code == 302
    assert agri.get(path).status_code == 200
    assert agri.get(f"{path}/edit").status_code == 403
    assert post_form(agri, f"{path}/extinguish", {"out-extinguished_at": local_minute(0)},
                     page=path).status_code == 403
    own = report(agri)
    with app.app_context():
        assert db.session.get(Fire, fire_id(own)).department.code == "agriculture"
    assert liaison.get("/emergency/fires/999999").status_code == 404


# ------------------------------------------------------------------- list, export, queries


def test_list_filters_and_export(app, signed_in):
    liaison = signed_in("li.emergency")
    report(liaison, place_name="东坡村", burned_area_ha="0.5")
    report(liaison, place_name="西山林场", burned_area_ha="150", cause="lightning", deaths="1")
    listed = liaison.get("/emergency/fires/?level=major").get_data(as_text=True)
    assert "西山林场" in listed and "东坡村" not in listed
    assert "东坡村" in liaison.get("/emergency/fires/?q=东坡").get_data(as_text=True)

    sheet = load_workbook(io.BytesIO(liaison.get("/emergency/fires.xlsx").data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:9] == ["编号", "报告时间", "起火地点", "纬度", "经度", "起火原因",
                           "受害森林面积(公顷)", "死亡(人)", "重伤(人)"]
    assert rows[0][10:12] == ["火灾等级", "状态"]
    assert {r[10] for r in rows[1:3]} == {"一般森林火灾", "重大森林火灾"}
    assert rows[-1][0] == "合计" and rows[-1][6] == 150.5 and rows[-1][7] == 1


def test_the_list_page_runs_a_bounded_number_of_queries(app, signed_in, count_queries):
    liaison = signed_in("li.emergency")
    report(liaison, cause="negligence", injuries="1")

    def queries() -> int:
        with count_queries() as counter:
            assert liaison.get("/emergency/fires/").status_code == 200
        return counter.count

    few = queries()
    for n in range(6):
        report(liaison, place_name=f"林班{n}", cause="negligence", injuries="1")
    assert queries() == few
