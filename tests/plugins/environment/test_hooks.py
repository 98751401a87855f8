"""The environment plugin's hook answers: pollution offence types and tip routing, the
quarterly section and the duty report's figures from the registers, the dashboard widget,
the vocabulary, the reminder job and the demo installation's samples."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

from freezegun import freeze_time
from sqlalchemy import func, select

from core import audit
from core.app import kernel
from core.db import db
from tests.plugins.environment.helpers import signed_in, user


def test_vocabulary_permissions_and_kinds_are_registered(app):
    k = kernel(app)
    ours = {o["code"]: o for o in k.offence_types if o["plugin"] == "environment"}
    assert ours["environment.pollution_dumping"]["name_zh"] == "在林区倾倒、堆放固体废物"
    assert ours["environment.illegal_discharge"]["name_zh"] == "向林区违法排放污染物"
    assert {c["code"] for c in k.sharing_categories if c["plugin"] == "environment"} == {
        "environment.eia_approval", "environment.ecological_problem", "environment.pollution",
        "environment.restoration"}
    assert {p["action"] for p in k.permissions if p["plugin"] == "environment"} == {
        "environment.eia.record", "environment.eia.approve", "environment.problem.record",
        "environment.problem.close", "environment.restoration.record",
        "environment.restoration.accept"}
    assert set(k.notification_kinds) >= {"environment.eia_submitted",
                                         "environment.problem_restored",
                                         "environment.restoration_done"}


def test_pollution_tips_are_routed_to_the_environment_office(app):
    from core.tips import services as tips
    from plugins.environment import plugin

    with app.app_context():
        assert plugin.route_tip(tip=SimpleNamespace(category="environment.illegal_discharge")
                                ) == "environment"
        assert plugin.route_tip(tip=SimpleNamespace(category="forestry.tree_theft")) is None
        assert plugin.route_tip(tip=SimpleNamespace(category="other")) is None
    sent = app.test_client().post("/api/v1/public/tips", json={
        "category": "environment.pollution_dumping", "place_name": "西山村林缘",
        "description": "有人夜间倾倒建筑垃圾"})
    assert sent.status_code == 201, sent.get_data(as_text=True)
    categories = app.test_client().get("/api/v1/public/tip-categories").get_json()
    assert "environment.pollution_dumping" in {c["code"] for c in categories}
    with app.app_context():
        assert tips.tip_by_code(sent.get_json()["code"]).department.code == "environment"


def test_quarterly_section_and_duty_report_come_from_the_registers(app, people):
    from core.departments.models import Department
    from core.sharing.reports import Quarter, sections_for
    from plugins.environment import services

    with freeze_time("2026-08-03 02:00:00"), app.test_request_context():
        env, leader = user("chen.env"), user("wu.env")
        with audit.acting_as(env):
            summer = services.register_eia(env, services.EiaInput(
                project="石场", developer="甲", place_name="东坡村", area_mu=3, kind="mining",
                submitted_on=date(2026, 7, 20)))
            spring = services.register_eia(env, services.EiaInput(
                project="步道", developer="乙", place_name="西山村", area_mu=1,
                kind="forest_area", submitted_on=date(2026, 6, 1)))
            problem = services.open_problem(env, services.ProblemInput(description="垃圾"))
            services.report_restored(env, problem, "已清理")
            services.open_problem(env, services.ProblemInput(description="排污"))
            project = services.register_restoration(env, services.RestorationInput(
                name="复绿", place_name="东坡村", measures="植树", budget_yuan=50_000.25,
                start_on=date(2026, 7, 1)))
            services.report_progress(env, project, services.ProgressInput(100, "完工"))
        with audit.acting_as(leader):
            services.approve_eia(leader, summer, date(2026, 8, 2), "清环审〔2026〕1号", [])
            services.approve_eia(leader, spring, date(2026, 6, 30), "清环审〔2026〕2号", [])
            services.close_problem(leader, problem)
            services.accept_restoration(leader, project, date(2026, 8, 3), "同意")
        db.session.commit()
    with app.test_request_context():
        environment = db.session.scalar(select(Department).where(
            Department.code == "environment"))
        section = {s["code"]: s for s in sections_for(environment, Quarter(2026, 3))}[
            "environment.quarterly"]
        assert section["values"] == {"eia_approved": 1, "problems_opened": 2,
                                     "problems_closed": 1, "restorations_accepted": 1,
                                     "restoration_budget_yuan": 50_000.25}
        assert {f["name"] for f in section["fields"]} == set(section["values"])
        earlier = {s["code"]: s for s in sections_for(environment, Quarter(2026, 2))}[
            "environment.quarterly"]["values"]
        assert earlier["eia_approved"] == 1 and earlier["problems_opened"] == 0
        police = db.session.scalar(select(Department).where(Department.code == "police"))
        assert "environment.quarterly" not in {s["code"] for s in sections_for(
            police, Quarter(2026, 3))}

        # a joint meeting's duty report counts the same over the period since the last one
        from core.meetings.reports import figures_for

        ours = {f["code"]: f for f in figures_for(environment, Quarter(2026, 3).start,
                                                   Quarter(2026, 3).end)
                if f["code"].startswith("environment.")}
        assert {code.removeprefix("environment."): f["value"] for code, f in ours.items()} == (
            section["values"])
        assert ours["environment.eia_approved"]["label_zh"] == "批复环评项目(个)"
        assert ours["environment.eia_approved"]["label_en"] == "EIA applications approved"
        assert not any(f["code"].startswith("environment.") for f in figures_for(
            police, Quarter(2026, 3).start, Quarter(2026, 3).end))


def test_dashboard_widget_counts_in_bounded_queries(app, people, count_queries):
    from plugins.environment import services
    from tests.plugins.environment.helpers import assign_finding, today

    assign_finding(app)
    with app.test_request_context():
        env = user("chen.env")
        with audit.acting_as(env):
            services.register_eia(env, services.EiaInput(
                project="石场", developer="甲", place_name="东坡村", area_mu=3, kind="mining",
                submitted_on=today()))
        db.session.commit()
    for username in ("chen.env", "wang.office"):
        body = signed_in(app, username).get("/").get_data(as_text=True)
        widget = body[body.index('data-testid="environment-widget"'):]
        counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', widget)[:3])
        assert counts == {"open_problems": "1", "pending_approvals": "1",
                          "overdue_conditions": "0"}, username
    assert 'data-testid="environment-widget"' not in signed_in(app, "sun.finance").get(
        "/").get_data(as_text=True)
    with app.test_request_context(), count_queries() as q:
        services.register_counts(user("chen.env"))
    assert q.count == 2  # the user, then one query for every count


def test_reminder_job_runs_from_the_command_line(runner, app):
    result = runner(["jobs", "run", "--only", "environment.deadline_reminders"])
    assert result.exit_code == 0 and "environment.deadline_reminders" in result.output


def test_demo_data_fills_the_registers(runner, app, tmp_path):
    from plugins.environment.models import (
        EcologicalProblem,
        EiaApproval,
        RestorationProject,
    )

    assert runner(["demo", "--credentials", str(tmp_path / "demo.txt")]).exit_code == 0
    with app.app_context():
        def count(model, *where):
            return db.session.scalar(select(func.count(model.id)).where(*where))

        assert count(EiaApproval, EiaApproval.state == "submitted") == 2
        # one opened by hand, one from the demo inspection's finding for the office
        assert count(EcologicalProblem) == 2
        assert count(EcologicalProblem, EcologicalProblem.finding_id.is_not(None)) == 1
        assert db.session.scalar(select(RestorationProject.progress_percent)) == 40


def test_plugin_page_shows_the_registers_in_bounded_queries(app, people, count_queries):
    from tests.plugins.environment.helpers import assign_finding

    assign_finding(app)
    env = signed_in(app, "chen.env")
    env.get("/environment/")
    with count_queries() as q:
        page = env.get("/environment/")
    assert page.status_code == 200 and q.count <= 8, q.statements
    body = page.get_data(as_text=True)
    assert re.search(r'data-count="open_problems">1<', body)
    assert 'href="/environment/eia/new"' in body and "在林区倾倒、堆放固体废物" in body
    office = signed_in(app, "wang.office").get("/environment/").get_data(as_text=True)
    assert re.search(r'data-count="open_problems">1<', office)
    assert 'href="/environment/eia/new"' not in office  # the office reads only
