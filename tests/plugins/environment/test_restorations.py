"""Restoration projects through the pages: registered for a problem, progress with photos,
acceptance by the leader once 100% done; the list's totals, query bound and export; photos
and pages only for those who may see the project."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from tests.plugins.environment.helpers import (
    PNG,
    post,
    signed_in,
    switch_on,
    today,
    user,
)


def project_form(**changes):
    return {"name": "东坡村废弃采石场生态修复工程", "place_name": "东坡村废弃采石场",
            "lat": "", "lng": "", "measures": "削坡减荷、覆土复绿，补植乡土树种约 3000 株",
            "budget_yuan": "860000", "start_on": (today() - timedelta(days=30)).isoformat(),
            "planned_end_on": (today() + timedelta(days=90)).isoformat(), "problem_id": "",
            **changes}


def test_project_for_a_problem_reports_progress_and_is_accepted(app, people):
    env = signed_in(app, "chen.env")
    problem = post(env, "/environment/problems/new", {"description": "废弃采石场裸露山体"})
    problem_id = int(re.search(r"/problems/(\d+)$", problem.headers["Location"]).group(1))
    form = env.get(f"/environment/restorations/new?problem_id={problem_id}").get_data(
        as_text=True)
    assert f'<option selected value="{problem_id}">' in form or (
        f'value="{problem_id}" selected' in form)

    bad = post(env, "/environment/restorations/new", project_form(
        budget_yuan="", planned_end_on=(today() - timedelta(days=60)).isoformat()))
    assert bad.status_code == 400
    other = post(env, "/environment/restorations/new", project_form(problem_id="9999"))
    assert other.status_code == 400  # not a problem of the department
    created = post(env, "/environment/restorations/new", project_form(problem_id=problem_id))
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    page = created.headers["Location"]

    reported = post(env, f"{page}/progress", {
        "progress-percent": "60", "progress-text": "削坡完成",
        "progress-photos": (io.BytesIO(PNG), "现场.png")}, page)
    assert reported.status_code == 302, reported.get_data(as_text=True)[:2000]
    body = env.get(page).get_data(as_text=True)
    photo = re.search(rf'{page}/files/(\d+)', body)
    assert photo and env.get(photo.group(0)).data == PNG
    # a file that is not what its name says refuses the whole report
    fake = post(env, f"{page}/progress", {
        "progress-percent": "70", "progress-photos": (io.BytesIO(b"#!/bin/sh"), "x.png")}, page)
    assert fake.status_code == 400
    # the leader cannot accept works not finished
    leader = signed_in(app, "wu.env")
    assert "accept-accepted_on" not in leader.get(page).get_data(as_text=True)
    assert post(leader, f"{page}/accept", {"accept-accepted_on": today().isoformat(),
                                           "accept-acceptance_note": "同意"},
                page).status_code == 400
    assert post(env, f"{page}/progress", {"progress-percent": "100",
                                          "progress-text": "补植完成"}, page).status_code == 302
    with app.app_context():
        from core.notifications.models import Notification

        assert list(db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "environment.restoration_done"))) == [user("wu.env").id]
    assert post(env, f"{page}/accept", {"accept-accepted_on": today().isoformat(),
                                        "accept-acceptance_note": "同意"},
                page).status_code == 403  # the liaison does not accept
    accepted = post(leader, f"{page}/accept", {
        "accept-accepted_on": today().isoformat(),
        "accept-acceptance_note": "植被覆盖率达到设计要求，同意验收。"}, page)
    assert accepted.status_code == 302
    body = leader.get(page).get_data(as_text=True)
    assert 'data-state="accepted"' in body and "同意验收" in body
    # the problem's timeline shows the acceptance; the project is listed on it
    problem_page = env.get(f"/environment/problems/{problem_id}").get_data(as_text=True)
    assert 'data-kind="restoration_accepted"' in problem_page
    assert f'href="{page}"' in problem_page
    # nothing more is reported on an accepted project
    assert post(env, f"{page}/progress", {"progress-percent": "100", "progress-text": "x"},
                page).status_code == 400


def test_restoration_list_totals_bound_and_export(app, people, count_queries):
    from core import audit
    from plugins.environment import services

    with app.test_request_context():
        env = user("chen.env")
        with audit.acting_as(env):
            for n in range(28):
                services.register_restoration(env, services.RestorationInput(
                    name=f"修复项目{n}", place_name="西山村", measures="补植",
                    budget_yuan=1000.5, start_on=today() - timedelta(days=n)))
        db.session.commit()
    client = signed_in(app, "chen.env")
    client.get("/environment/restorations/")
    with count_queries() as q:
        first = client.get("/environment/restorations/")
    assert first.status_code == 200 and q.count <= 8, q.statements
    body = first.get_data(as_text=True)
    assert body.count("data-restoration=") == 25 and "28014.00" in body
    since = (today() - timedelta(days=1)).isoformat()
    assert client.get(f"/environment/restorations/?since={since}").get_data(
        as_text=True).count("data-restoration=") == 2

    sheet = load_workbook(io.BytesIO(client.get(
        f"/environment/restorations.xlsx?since={since}").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["序号", "项目名称", "修复地点", "修复措施", "投资预算(元)", "开工日期",
                             "计划完工日期", "进度(%)", "状态", "验收日期", "验收意见", "关联问题"]
    assert [r[1] for r in rows[1:3]] == ["修复项目0", "修复项目1"] and rows[1][8] == "实施中"
    assert rows[-1][:5] == ("合计", "2 个", None, None, 2001.0)


def test_who_sees_restorations_and_their_photos(app, people):
    env = signed_in(app, "chen.env")
    page = post(env, "/environment/restorations/new", project_form()).headers["Location"]
    post(env, f"{page}/progress", {"progress-percent": "10",
                                   "progress-photos": (io.BytesIO(PNG), "a.png")}, page)
    photo = re.search(rf'{page}/files/\d+', env.get(page).get_data(as_text=True)).group(0)
    office = signed_in(app, "wang.office")
    assert office.get(page).status_code == 200 and office.get(photo).status_code == 200
    assert office.get("/environment/restorations/new").status_code == 403
    switch_on(app, "agriculture")
    agri = signed_in(app, "liu.agri")
    assert agri.get(page).status_code == 404 and agri.get(photo).status_code == 404
    assert signed_in(app, "sun.finance").get(photo).status_code == 403
    # a photo is served only under its own project
    other = post(env, "/environment/restorations/new", project_form(name="另一项目")).headers[
        "Location"]
    assert env.get(photo.replace(page, other)).status_code == 404
