"""Ecological problems: opened from a finding in an environmental category assigned to the
environment office and closed by the office's verification (the issue's check), sent back
and reported again, opened and closed by hand, the categories setting, the list and its
export, and who may see and act."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from core.testing import ApiCaller, api_ok as ok, make_api_caller
from tests.plugins.environment.helpers import (
    assign_finding,
    post,
    signed_in,
    switch_on,
    today,
)


def _problem_of(app, finding_id):
    from plugins.environment.services import problem_of_finding

    with app.app_context():
        problem = problem_of_finding(finding_id)
        if problem is not None:
            db.session.expunge(problem)
        return problem


def _state(app, finding_id):
    from core.inspections.models import Finding

    with app.app_context():
        return db.session.get(Finding, finding_id).state


def _kinds(app, problem_id):
    from plugins.environment.models import ProblemEvent

    with app.app_context():
        return list(db.session.scalars(select(ProblemEvent.kind).where(
            ProblemEvent.problem_id == problem_id).order_by(ProblemEvent.id)))


def _office_api(app, make_user) -> ApiCaller:
    return make_api_caller(app, make_user, "api.office", "office", "office")


def test_finding_opens_a_problem_that_closes_when_the_office_verifies(app, people, make_user):
    finding_id = assign_finding(app)
    problem = _problem_of(app, finding_id)
    assert problem is not None and problem.state == "open"
    assert problem.description == "西山村溪流下游养殖废水直排"
    assert problem.place_name == "西山村溪流下游" and problem.lat == 24.7952
    with app.app_context():
        from core.inspections.models import Finding

        assert problem.due_at == db.session.get(Finding, finding_id).due_at
        assert problem.department_id == db.session.get(Finding, finding_id).unit_id
    assert _kinds(app, problem.id) == ["assigned"]

    env = signed_in(app, "chen.env")
    listed = env.get("/environment/problems/").get_data(as_text=True)
    assert f'href="/environment/problems/{problem.id}"' in listed
    page = f"/environment/problems/{problem.id}"
    detail = env.get(page).get_data(as_text=True)
    assert f'href="/findings/{finding_id}"' in detail and "查明排污单位" in detail

    done = post(env, f"{page}/restored", {"restored-text": "已封堵排污口，清理河道淤泥。"}, page)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    assert _problem_of(app, finding_id).state == "restored"
    assert _state(app, finding_id) == "completion_reported"
    assert _kinds(app, problem.id) == ["assigned", "restored", "completion_reported"]

    office = _office_api(app, make_user)
    ok(office.post(f"/findings/{finding_id}/verify", {"text": "现场核验，整改到位。"}))
    closed = _problem_of(app, finding_id)
    assert closed.state == "closed" and closed.closed_at is not None
    assert _kinds(app, problem.id)[-1] == "verified"
    body = env.get(page).get_data(as_text=True)
    assert 'data-state="closed"' in body and 'data-kind="verified"' in body
    # nothing left to do on a closed problem
    assert post(env, f"{page}/progress", {"progress-text": "再补充"}, page).status_code == 400


def test_sent_back_rectification_is_reported_again(app, people, make_user):
    finding_id = assign_finding(app)
    problem = _problem_of(app, finding_id)
    env = signed_in(app, "chen.env")
    page = f"/environment/problems/{problem.id}"
    assert post(env, f"{page}/restored", {"restored-text": "已整改"}, page).status_code == 302
    office = _office_api(app, make_user)
    ok(office.post(f"/findings/{finding_id}/reject", {"reason": "淤泥未清理完毕"}))
    assert _state(app, finding_id) == "open"
    assert 'data-testid="sent-back"' in env.get(page).get_data(as_text=True)
    again = post(env, f"{page}/restored", {"restored-text": "淤泥已全部清理"}, page)
    assert again.status_code == 302, again.get_data(as_text=True)[:2000]
    assert _state(app, finding_id) == "completion_reported"
    ok(office.post(f"/findings/{finding_id}/verify", {"text": ""}))
    assert _problem_of(app, finding_id).state == "closed"


def test_a_member_records_the_restoration_without_reporting_the_finding(app, people,
                                                                        make_user):
    """Only the unit's liaison or leader reports a finding complete: a member's report is
    recorded on the problem, and verifying the finding later still closes it."""
    finding_id = assign_finding(app)
    problem = _problem_of(app, finding_id)
    member = signed_in(app, "zhou.env")
    page = f"/environment/problems/{problem.id}"
    assert post(member, f"{page}/restored", {"restored-text": "完成"}, page).status_code == 302
    assert _state(app, finding_id) == "open"
    assert _kinds(app, problem.id) == ["assigned", "restored"]
    assert 'data-testid="sent-back"' in member.get(page).get_data(as_text=True)
    # the liaison reports it on the problem (allowed again while the finding is open)
    env = signed_in(app, "chen.env")
    assert post(env, f"{page}/restored", {"restored-text": "完成"}, page).status_code == 302
    assert _state(app, finding_id) == "completion_reported"


@pytest.mark.parametrize(("unit", "category"), [
    ("environment", "protection_restoration"),     # not an environmental category
    ("v_dongpo", "environment.ecological_problem"),  # not assigned to the environment office
    ("natural_resources", "environment.pollution"),  # a department without the plugin
])
def test_other_findings_open_no_problem(app, people, unit, category):
    assert _problem_of(app, assign_finding(app, unit=unit, category=category)) is None


@pytest.mark.parametrize("settings_extra", [
    '[plugin.environment]\nproblem_categories = ["protection_restoration"]\n'])
def test_problem_categories_are_configurable(app, people):
    assert _problem_of(app, assign_finding(app, category="protection_restoration"))
    assert _problem_of(app, assign_finding(app, category="environment.pollution")) is None


@pytest.mark.parametrize(("extra", "message"), [
    ('problem_categories = ["no.such"]', "unknown sharing categories: no.such"),
    ("problem_categories = []", "a non-empty list of sharing category codes"),
    ("colour = 1", "unknown key"),
])
def test_bad_settings_stop_start_up_naming_file_and_key(app_factory, extra, message):
    from core.config import ConfigError

    with pytest.raises(ConfigError) as error:
        app_factory(f"[plugin.environment]\n{extra}\n", sync=False)
    text = str(error.value)
    assert "settings.toml: plugin.environment." in text and message in text


def test_problem_opened_by_hand_is_closed_by_the_leader(app, people):
    env = signed_in(app, "chen.env")
    form = {"description": "林缘空地堆放建筑垃圾约 20 立方米", "place_name": "西山村林缘",
            "lat": "24.79", "lng": "112.39", "due_on": today().isoformat()}
    # refused input re-renders the form with the messages and saves nothing
    bad = post(env, "/environment/problems/new", {**form, "description": "", "lat": "91"})
    assert bad.status_code == 400
    assert bad.get_data(as_text=True).count("invalid-feedback") >= 2
    half = post(env, "/environment/problems/new", {**form, "lng": ""})  # the service's rule
    assert half.status_code == 400 and "is-invalid" in half.get_data(as_text=True)
    with env.application.app_context():
        from plugins.environment.models import EcologicalProblem

        assert db.session.scalar(select(EcologicalProblem.id)) is None

    opened = post(env, "/environment/problems/new", form)
    assert opened.status_code == 302, opened.get_data(as_text=True)[:2000]
    page = opened.headers["Location"]
    problem_id = int(re.search(r"/problems/(\d+)$", page).group(1))
    assert post(env, f"{page}/progress", {"progress-text": "已责令清运"}, page).status_code == 302
    # the leader closes only once the restoration is reported; the liaison may not
    leader = signed_in(app, "wu.env")
    assert post(leader, f"{page}/close", {"close-text": "核实"}, page).status_code == 409
    assert post(env, f"{page}/restored", {"restored-text": "已清运完毕"}, page).status_code == 302
    assert post(env, f"{page}/close", {"close-text": "核实"}, page).status_code == 403
    closed = post(leader, f"{page}/close", {"close-text": "现场核实，已清理。"}, page)
    assert closed.status_code == 302
    assert _kinds(app, problem_id) == ["opened", "progress", "restored", "closed"]
    with app.app_context():
        from core.notifications.models import Notification
        from tests.plugins.environment.helpers import user

        told = db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "environment.problem_restored"))
        assert list(told) == [user("wu.env").id]  # the leader, to verify it


def test_problem_list_filters_pages_in_bounded_queries_and_exports(app, people, count_queries):
    from core import audit
    from plugins.environment import services
    from tests.plugins.environment.helpers import user

    with app.test_request_context():
        env = user("chen.env")
        with audit.acting_as(env):
            for n in range(30):
                services.open_problem(env, services.ProblemInput(
                    description=f"问题{n}", place_name="东坡村" if n % 2 else "西山村"))
        db.session.commit()
    assign_finding(app)
    client = signed_in(app, "chen.env")
    client.get("/environment/problems/")  # warm up the session
    with count_queries() as q:
        first = client.get("/environment/problems/")
    assert first.status_code == 200 and q.count <= 8, q.statements
    with count_queries() as q:
        client.get("/environment/problems/?page=2")
    assert q.count <= 8
    assert first.get_data(as_text=True).count("data-problem=") == 25
    assert client.get("/environment/problems/?page=2").get_data(as_text=True).count(
        "data-problem=") == 6
    assert client.get("/environment/problems/?source=finding").get_data(
        as_text=True).count("data-problem=") == 1
    assert client.get("/environment/problems/?q=西山村&source=manual").get_data(
        as_text=True).count("data-problem=") == 15

    sheet = load_workbook(io.BytesIO(client.get(
        "/environment/problems.xlsx?source=finding").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["序号", "问题描述", "地点", "问题来源", "整改期限", "状态",
                             "是否逾期", "登记时间", "修复完成时间", "销号时间", "责任部门"]
    assert len(rows) == 2 and rows[1][1] == "西山村溪流下游养殖废水直排"
    assert rows[1][3].startswith("督查问题 #") and rows[1][5] == "整改中"
    assert rows[1][10] == "镇环保办"


def test_who_sees_and_acts_on_problems(app, people):
    finding_id = assign_finding(app)
    problem = _problem_of(app, finding_id)
    page = f"/environment/problems/{problem.id}"
    # the office reads every problem but does not write
    office = signed_in(app, "wang.office")
    assert office.get(page).status_code == 200
    assert office.get("/environment/problems/new").status_code == 403
    assert post(office, f"{page}/progress", {"progress-text": "x"}, page).status_code == 403
    # a department without the plugin gets 403; one that switched it on sees only its own
    assert signed_in(app, "sun.finance").get(page).status_code == 403
    switch_on(app, "agriculture")
    agri = signed_in(app, "liu.agri")
    assert agri.get(page).status_code == 404
    assert "data-problem=" not in agri.get("/environment/problems/").get_data(as_text=True)
    assert agri.get("/environment/problems.xlsx").status_code == 200
    # system roles see nothing of the plugin
    assert signed_in(app, "root.admin").get("/environment/problems/").status_code == 403
