"""EIA approvals through the pages: registered by the office's people, approved by its leader
with conditions that become follow-up checks, refused or withdrawn; overdue conditions and
their reminders; the list, its filters, query bound and export; who may see and act."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from tests.plugins.environment.helpers import (
    post,
    signed_in,
    switch_on,
    today,
    user,
)


def eia_form(**changes):
    return {"project": "东坡村石场扩建项目", "developer": "东坡石材有限公司", "kind": "mining",
            "place_name": "东坡村北侧山地", "lat": "24.79", "lng": "112.38", "area_mu": "35.6",
            "submitted_on": today().isoformat(), "note": "", **changes}


def _register(client, **changes):
    response = post(client, "/environment/eia/new", eia_form(**changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def _approval(app, page):
    from plugins.environment.models import EiaApproval

    with app.app_context():
        approval = db.session.get(EiaApproval, int(page.rsplit("/", 1)[1]))
        approval.conditions  # noqa: B018 - loaded before the session ends
        db.session.expunge_all()
        return approval


def test_register_approve_with_conditions_and_check_them(app, people):
    env = signed_in(app, "chen.env")
    # refused input re-renders the form with the messages and saves nothing
    bad = post(env, "/environment/eia/new", eia_form(project="", area_mu="-1",
                                                     submitted_on="2999-01-01"))
    assert bad.status_code == 400
    assert bad.get_data(as_text=True).count("invalid-feedback") >= 2
    future = post(env, "/environment/eia/new", eia_form(
        submitted_on=(today() + timedelta(days=1)).isoformat()))
    assert future.status_code == 400
    with app.app_context():
        from plugins.environment.models import EiaApproval

        assert db.session.scalar(select(EiaApproval.id)) is None

    page = _register(env)
    assert 'data-state="submitted"' in env.get(page).get_data(as_text=True)
    with app.app_context():
        from core.notifications.models import Notification

        told = list(db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "environment.eia_submitted")))
        assert told == [user("wu.env").id]

    # only the leader decides
    decision = {"approve-approval_number": "清环审〔2026〕12号",
                "approve-decided_on": today().isoformat(),
                "approve-conditions-0-text": "施工期设置沉砂池，废水不得外排",
                "approve-conditions-0-due_on": (today() + timedelta(days=30)).isoformat(),
                "approve-conditions-1-text": "开采结束后一年内完成复绿",
                "approve-conditions-1-due_on": (today() + timedelta(days=400)).isoformat()}
    assert post(env, f"{page}/approve", decision, page).status_code == 403
    leader = signed_in(app, "wu.env")
    assert 'data-testid="approve-form"' in leader.get(page).get_data(as_text=True)
    # a condition without its day is refused, nothing approved
    missing = post(leader, f"{page}/approve", {**decision, "approve-conditions-1-due_on": ""},
                   page)
    assert missing.status_code == 400 and _approval(app, page).state == "submitted"
    approved = post(leader, f"{page}/approve", decision, page)
    assert approved.status_code == 302, approved.get_data(as_text=True)[:2000]
    approval = _approval(app, page)
    assert approval.state == "approved" and approval.approval_number == "清环审〔2026〕12号"
    assert approval.decided_on == today()
    assert [c.text for c in approval.conditions] == ["施工期设置沉砂池，废水不得外排",
                                                     "开采结束后一年内完成复绿"]
    # deciding twice: the second is a conflict, nothing overwritten
    assert post(leader, f"{page}/reject", {"reject-decided_on": today().isoformat(),
                                           "reject-decision_note": "x"}, page).status_code == 409

    first = approval.conditions[0]
    check = f"{page}/conditions/{first.id}/check"
    assert post(env, check, {"check-check_note": ""}, page).status_code == 400
    assert post(env, check, {"check-check_note": "现场核查沉砂池已建成"}, page).status_code == 302
    assert post(env, check, {"check-check_note": "again"}, page).status_code == 409
    body = env.get(page).get_data(as_text=True)
    assert "现场核查沉砂池已建成" in body and body.count('data-state="checked"') == 1
    added = post(env, f"{page}/conditions", {
        "condition-text": "每季度报送水土保持监测报告",
        "condition-due_on": (today() + timedelta(days=90)).isoformat()}, page)
    assert added.status_code == 302
    assert len(_approval(app, page).conditions) == 3


def test_refusal_and_withdrawal_need_a_reason(app, people):
    env, leader = signed_in(app, "chen.env"), signed_in(app, "wu.env")
    refused = _register(env, project="西山村度假山庄项目")
    assert post(leader, f"{refused}/reject", {"reject-decided_on": today().isoformat()},
                refused).status_code == 400
    assert post(leader, f"{refused}/reject", {
        "reject-decided_on": today().isoformat(),
        "reject-decision_note": "位于生态保护红线内"}, refused).status_code == 302
    assert _approval(app, refused).state == "rejected"
    withdrawn = _register(env, project="东坡村砖厂项目",
                          submitted_on=(today() - timedelta(days=2)).isoformat())
    assert post(env, f"{withdrawn}/withdraw", {  # not before it was submitted
        "withdraw-decided_on": (today() - timedelta(days=3)).isoformat(),
        "withdraw-decision_note": "建设单位撤回申请"}, withdrawn).status_code == 400
    assert post(env, f"{withdrawn}/withdraw", {
        "withdraw-decided_on": (today() - timedelta(days=1)).isoformat(),
        "withdraw-decision_note": "建设单位撤回申请"}, withdrawn).status_code == 302
    assert _approval(app, withdrawn).state == "withdrawn"
    assert "建设单位撤回申请" in env.get(withdrawn).get_data(as_text=True)


def test_overdue_conditions_are_shown_and_reminded_once(app, people):
    from core import audit
    from core.db import utcnow
    from plugins.environment import services

    with app.test_request_context():
        env, leader = user("chen.env"), user("wu.env")
        with audit.acting_as(env):
            approval = services.register_eia(env, services.EiaInput(
                project="石场", developer="甲公司", place_name="东坡村", area_mu=5,
                kind="mining", submitted_on=today()))
        with audit.acting_as(leader):
            services.approve_eia(leader, approval, today(), "清环审〔2026〕3号", [
                services.ConditionInput("设置沉砂池", today() + timedelta(days=2))])
        db.session.commit()
        approval_id = approval.id

    client = signed_in(app, "chen.env")
    assert 'data-state="open"' in client.get(f"/environment/eia/{approval_id}").get_data(
        as_text=True)
    with freeze_time(today() + timedelta(days=4)):
        client = signed_in(app, "chen.env")
        body = client.get(f"/environment/eia/{approval_id}").get_data(as_text=True)
        assert 'data-state="overdue"' in body
        listed = client.get("/environment/eia/?overdue=1").get_data(as_text=True)
        assert listed.count("data-eia=") == 1 and "data-overdue=\"1\"" in listed
        with app.app_context():
            assert services.register_counts(user("chen.env"))["overdue_conditions"] == 1
            stored = services.deadline_reminders_job(utcnow())
            again = services.deadline_reminders_job(utcnow())
            db.session.commit()
    assert (stored, again) == (2, 0)  # the liaison and the leader, once


def test_eia_list_is_bounded_filtered_and_exported(app, people, count_queries):
    from core import audit
    from plugins.environment import services

    with app.test_request_context():
        env, leader = user("chen.env"), user("wu.env")
        with audit.acting_as(env):
            approvals = [services.register_eia(env, services.EiaInput(
                project=f"项目{n}", developer="乙公司", place_name="西山村", area_mu=n,
                kind="forest_area" if n % 2 else "mining", submitted_on=today()))
                for n in range(30)]
        with audit.acting_as(leader):
            for approval in approvals[:3]:
                services.approve_eia(leader, approval, today(), f"清环审〔2026〕{approval.id}号", [
                    services.ConditionInput("复绿", today() + timedelta(days=10)),
                    services.ConditionInput("监测", today() + timedelta(days=20))])
        db.session.commit()
    client = signed_in(app, "chen.env")
    client.get("/environment/eia/")
    with count_queries() as q:
        first = client.get("/environment/eia/")
    assert first.status_code == 200 and q.count <= 8, q.statements
    assert first.get_data(as_text=True).count("data-eia=") == 25
    assert client.get("/environment/eia/?state=approved").get_data(as_text=True).count(
        "data-eia=") == 3
    assert client.get("/environment/eia/?kind=mining&q=项目1").get_data(as_text=True).count(
        "data-eia=") == 5  # 项目10, 12, 14, 16, 18

    sheet = load_workbook(io.BytesIO(client.get(
        "/environment/eia.xlsx?state=approved").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["序号", "项目名称", "建设单位", "项目类型", "建设地点", "占地面积(亩)",
                             "报批日期", "审批状态", "批复文号", "审批日期", "批复要求及落实情况",
                             "逾期未落实(条)", "登记部门"]
    assert len(rows) == 4 and rows[1][7] == "已批复" and rows[1][3] in ("矿产资源开发项目",
                                                                      "林区开发利用项目")
    assert re.match(r"1\. 复绿（期限 \d{4}-\d\d-\d\d，未落实）\n2\. 监测", rows[1][10])
    assert rows[1][11] == 0 and rows[1][12] == "镇环保办"


def test_who_sees_and_acts_on_approvals(app, people):
    page = _register(signed_in(app, "chen.env"))
    office = signed_in(app, "wang.office")
    assert office.get(page).status_code == 200
    assert 'data-testid="approve-form"' not in office.get(page).get_data(as_text=True)
    assert office.get("/environment/eia/new").status_code == 403
    assert post(office, f"{page}/approve", {"approve-approval_number": "x",
                                            "approve-decided_on": today().isoformat()},
                page).status_code == 403
    assert signed_in(app, "sun.finance").get("/environment/eia/").status_code == 403
    switch_on(app, "agriculture")
    agri = signed_in(app, "liu.agri")
    assert agri.get(page).status_code == 404
    assert agri.get(f"{page}/conditions/1/check").status_code == 405
    assert signed_in(app, "root.admin").get(page).status_code == 403
