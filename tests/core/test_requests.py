"""Office information requests: ask, answer, decline, close; overdue; queues; statistics."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from core.testing import csrf_token, post_form as post

PDF = b"%PDF-1.4\n%%EOF\n"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(dt: datetime) -> str:
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def ask(client, target="police", subject="请提供本季度涉林案件情况", due=None, **extra):
    due = due or datetime.now(SHANGHAI) + timedelta(days=1)
    data = {"csrf_token": csrf_token(client, "/requests/new"), "target": target,
            "subject": subject, "details": "含立案数、移送数", "due_at": local(due), **extra}
    return client.post("/requests/new", data=data)


def request_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/requests/(\d+)", response.headers["Location"]).group(1))


@pytest.fixture
def people(login_as):
    return {
        "office": login_as("office", "office", username="wang.office"),
        "police": login_as("liaison", "police", username="li.police"),
        "police_member": login_as("member", "police", username="zhou.police"),
        "environment": login_as("liaison", "environment", username="chen.env"),
    }


def test_request_answer_with_attachment_close_and_count_on_time(people):
    office, police = people["office"], people["police"]
    number = request_id(ask(office))
    assert "请提供本季度涉林案件情况" in police.get("/requests/?queue=to_answer").get_data(
        as_text=True)
    assert "请提供本季度涉林案件情况" in office.get("/requests/?queue=waiting").get_data(
        as_text=True)

    page = f"/requests/{number}"
    answered = post(police, f"/requests/{number}/answer", {
        "answer-answer_text": "本季度立案 3 起，移送 1 起。",
        "answer-files": [(io.BytesIO(PDF), "案件统计.pdf")]}, page)
    assert answered.status_code == 302, answered.get_data(as_text=True)[:2000]
    detail = office.get(page).get_data(as_text=True)
    assert "本季度立案 3 起" in detail and "案件统计.pdf" in detail
    link = re.search(rf'href="(/requests/{number}/attachments/\d+)"', detail).group(1)
    assert office.get(link).data == PDF
    assert people["environment"].get(link).status_code == 404

    assert post(office, f"/requests/{number}/close", {}, page).status_code == 302
    assert "fc-state-closed" in office.get(page).get_data(as_text=True)
    stats = office.get("/requests/stats").get_data(as_text=True)
    row = re.search(r'data-department="police">(.*?)</tr>', stats, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells[1:6] == ["1", "1", "0", "0", "0"]  # requested, on time, late, declined, open


def test_unanswered_request_becomes_overdue_by_server_time(people):
    office = people["office"]
    # (jumps stay under the 30-minute idle timeout, which would sign the user out)
    due = datetime.now(SHANGHAI) + timedelta(minutes=20)
    number = request_id(ask(office, due=due))
    assert "fc-state-open" in office.get(f"/requests/{number}").get_data(as_text=True)
    with freeze_time(due + timedelta(minutes=1)):
        page = office.get(f"/requests/{number}").get_data(as_text=True)
        assert "fc-state-overdue" in page
        listed = office.get("/requests/?state=overdue").get_data(as_text=True)
        assert f"/requests/{number}" in listed
        stats = office.get("/requests/stats").get_data(as_text=True)
        row = re.search(r'data-department="police">(.*?)</tr>', stats, re.S).group(1)
        assert re.findall(r"<td>(.*?)</td>", row)[3] == "1"  # late


def test_late_answer_counts_late(people, app):
    office, police = people["office"], people["police"]
    asked = datetime.now(SHANGHAI)
    due = asked + timedelta(minutes=5)
    number = request_id(ask(office, due=due))
    with freeze_time(asked + timedelta(minutes=20)):
        assert post(police, f"/requests/{number}/answer", {
            "answer-answer_text": "迟到的答复"}, f"/requests/{number}").status_code == 302
        stats = office.get("/requests/stats").get_data(as_text=True)
    row = re.search(r'data-department="police">(.*?)</tr>', stats, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells[2:4] == ["0", "1"] and cells[6] == "0.3"  # 20 minutes, in hours


def test_decline_needs_a_reason(people):
    office, police = people["office"], people["police"]
    number = request_id(ask(office))
    page = f"/requests/{number}"
    assert post(police, f"/requests/{number}/decline", {"decline-decline_reason": ""},
                page).status_code == 400
    assert post(police, f"/requests/{number}/decline",
                {"decline-decline_reason": "不属于本所职责"}, page).status_code == 302
    assert "不属于本所职责" in office.get(page).get_data(as_text=True)


def test_who_may_do_what(people, login_as):
    office, police = people["office"], people["police"]
    # Only the office asks.
    assert police.get("/requests/new").status_code == 403
    number = request_id(ask(office, target="environment", subject="环评审批情况"))
    page = f"/requests/{number}"
    # Other departments do not even see it.
    assert police.get(page).status_code == 404
    assert "环评审批情况" not in police.get("/requests/").get_data(as_text=True)
    assert "环评审批情况" in people["environment"].get(page).get_data(as_text=True)
    # Members answer nothing; liaisons of other departments neither.
    member = login_as("member", "environment")
    token = csrf_token(member, page)
    assert member.post(f"/requests/{number}/answer", data={
        "csrf_token": token, "answer-answer_text": "x"}).status_code == 403
    # The target cannot close; nothing to close while open.
    assert post(office, f"/requests/{number}/close", {}, page).status_code == 403
    assert login_as("auditor", "office").get("/requests/").status_code == 403


def test_answer_items_must_be_visible_to_the_requester(people, app):
    from core import audit
    from core.accounts.services import find_user
    from core.db import db
    from core.sharing.services import ItemInput, create_item

    office, police = people["office"], people["police"]
    with app.app_context(), audit.acting_as(name="test"):
        author = find_user("li.police")
        hidden = create_item(author, ItemInput(title="内部线索", category="enforcement",
                                               sensitivity="internal",
                                               shared_with=["environment"]))
        shared = create_item(author, ItemInput(title="共享统计", category="enforcement",
                                               sensitivity="internal", shared_with=["office"]))
        db.session.commit()
        hidden_id, shared_id = hidden.id, shared.id
    number = request_id(ask(office))
    page = f"/requests/{number}"
    form = police.get(page).get_data(as_text=True)
    assert "共享统计" in form and "内部线索" not in form  # only items the office may open
    refused = post(police, f"/requests/{number}/answer",
                   {"answer-items": str(hidden_id)}, page)
    assert refused.status_code == 400
    ok = post(police, f"/requests/{number}/answer", {"answer-items": str(shared_id)}, page)
    assert ok.status_code == 302
    assert "共享统计" in office.get(page).get_data(as_text=True)


def test_due_time_must_be_in_the_future(people):
    response = ask(people["office"], due=datetime.now(SHANGHAI) - timedelta(hours=1))
    assert response.status_code == 400


def test_export_and_query_count(people, count_queries):
    office = people["office"]
    for i in range(3):
        request_id(ask(office, subject=f"请求{i}"))
    with count_queries() as small:
        assert office.get("/requests/").status_code == 200
    for i in range(3, 30):
        request_id(ask(office, subject=f"请求{i}", target="environment"))
    with count_queries() as large:
        assert office.get("/requests/").status_code == 200
    assert large.count == small.count
    from openpyxl import load_workbook

    response = office.get("/requests/export.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data), read_only=True).active.iter_rows(
        values_only=True))
    assert rows[0][:4] == ("编号", "事项", "请求部门", "被请求部门") and len(rows) == 31


def test_api_flow(people):
    office, police = people["office"], people["police"]
    due = (datetime.now(SHANGHAI) + timedelta(days=1)).isoformat()
    headers_office = {"X-CSRFToken": csrf_token(office, "/requests/new")}
    created = office.post("/api/v1/info-requests", headers=headers_office, json={
        "target": "police", "subject": "API 请求", "due_at": due})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["state"] == "open" and body["target"] == "police"
    number = body["id"]
    assert office.post("/api/v1/info-requests", headers=headers_office, json={
        "target": "police", "subject": "x", "due_at": "2020-01-01T00:00:00+08:00"}
    ).status_code == 422
    queue = police.get("/api/v1/info-requests?queue=to_answer")
    assert [r["id"] for r in queue.get_json()] == [number]
    assert queue.headers["X-Total-Count"] == "1"
    headers_police = {"X-CSRFToken": csrf_token(police, "/requests/")}
    assert people["environment"].get(f"/api/v1/info-requests/{number}").status_code == 404
    answered = police.post(f"/api/v1/info-requests/{number}/answer", headers=headers_police,
                           json={"answer_text": "已答复"})
    assert answered.status_code == 200 and answered.get_json()["state"] == "answered"
    assert police.post(f"/api/v1/info-requests/{number}/close",
                       headers=headers_police).status_code == 403
    closed = office.post(f"/api/v1/info-requests/{number}/close", headers=headers_office)
    assert closed.get_json()["state"] == "closed"


def test_new_request_answer_and_deadline_reminders_reach_the_inbox(app, people, runner):
    from sqlalchemy import select

    from core.db import db
    from core.notifications.models import Notification

    office, police = people["office"], people["police"]
    asked = datetime.now(SHANGHAI)
    due = asked + timedelta(hours=2)
    number = request_id(ask(office, due=due, subject="火情通报请求"))

    def inbox(username):
        with app.app_context():
            from core.accounts.services import find_user

            user = find_user(username)
            return [(n.kind, n.subject) for n in db.session.scalars(
                select(Notification).where(Notification.user_id == user.id)
                .order_by(Notification.id))]

    assert inbox("li.police") == [("request.new", "火情通报请求")]
    assert inbox("zhou.police") == []  # members are not asked to answer
    assert "火情通报请求" in police.get("/notifications/").get_data(as_text=True)

    with freeze_time(asked + timedelta(hours=1, minutes=30)):
        assert "core.deadline_reminders: 1" in runner(["jobs", "run"]).output
        assert "core.deadline_reminders: 0" in runner(["jobs", "run"]).output
    assert inbox("li.police")[-1] == ("deadline.approaching", "火情通报请求")
    with freeze_time(due + timedelta(minutes=5)):
        assert "core.deadline_reminders: 2" in runner(["jobs", "run"]).output
        assert "core.deadline_reminders: 0" in runner(["jobs", "run"]).output
    assert inbox("li.police")[-1][0] == "deadline.passed"
    assert inbox("wang.office") == [("deadline.passed", "火情通报请求")]

    page = f"/requests/{number}"
    assert post(police, f"/requests/{number}/answer", {"answer-answer_text": "已处理"},
                page).status_code == 302
    assert inbox("wang.office")[-1] == ("request.answered", "火情通报请求")


def test_date_range_filter(people):
    office = people["office"]
    request_id(ask(office, subject="今天的请求"))
    today = datetime.now(SHANGHAI).date()
    listed = office.get(f"/requests/?since={today}&until={today}").get_data(as_text=True)
    assert "今天的请求" in listed
    tomorrow = today + timedelta(days=1)
    assert "今天的请求" not in office.get(f"/requests/?since={tomorrow}").get_data(as_text=True)
    assert office.get(f"/api/v1/info-requests?until={today - timedelta(days=1)}").get_json() == []


def test_dashboard_shows_the_request_queues(people):
    office, police = people["office"], people["police"]
    asked = datetime.now(SHANGHAI)
    request_id(ask(office, due=asked + timedelta(minutes=10)))
    request_id(ask(office))
    with freeze_time(asked + timedelta(minutes=15)):
        page = police.get("/").get_data(as_text=True)
    counts = re.findall(r'<div class="fs-3 fw-semibold">(\d+)</div>', page)
    assert counts[:3] == ["2", "1", "0"]  # to answer, overdue, waiting
    assert re.findall(r'<div class="fs-3 fw-semibold">(\d+)</div>',
                      office.get("/").get_data(as_text=True))[:3] == ["0", "0", "2"]


def test_answers_point_only_at_own_items_the_requester_can_open(people, app):
    from core import audit
    from core.accounts.services import find_user
    from core.db import db
    from core.sharing.services import ItemInput, create_item

    office, police = people["office"], people["police"]
    with app.app_context(), audit.acting_as(name="test"):
        other = create_item(find_user("chen.env"), ItemInput(
            title="环保办给林长办的敏感信息", category="enforcement", sensitivity="sensitive",
            readers=["wang.office"]))
        db.session.commit()
        other_id = other.id
    due = (datetime.now(SHANGHAI) + timedelta(days=1)).isoformat()
    number = office.post("/api/v1/info-requests", json={
        "target": "police", "subject": "x", "due_at": due},
        headers={"X-CSRFToken": csrf_token(office, "/requests/new")}).get_json()["id"]
    headers = {"X-CSRFToken": csrf_token(police, "/requests/")}
    refused = police.post(f"/api/v1/info-requests/{number}/answer", headers=headers,
                          json={"items": [other_id]})
    assert refused.status_code == 422
    missing = police.post(f"/api/v1/info-requests/{number}/answer", headers=headers,
                          json={"items": [987654]})
    assert missing.get_json()["error"]["fields"] == {
        "items": [m.replace(str(other_id), "987654")
                  for m in refused.get_json()["error"]["fields"]["items"]]}


def test_state_changes_are_audited(app, people):
    from sqlalchemy import select

    from core.audit import AuditRecord, verify
    from core.db import db

    office, police = people["office"], people["police"]
    number = request_id(ask(office))
    post(police, f"/requests/{number}/answer", {"answer-answer_text": "好"},
         f"/requests/{number}")
    with app.app_context():
        changes = [r.changes for r in db.session.scalars(select(AuditRecord).where(
            AuditRecord.object_type == "info_requests",
            AuditRecord.object_id == str(number)))]
        assert {"state": ["open", "answered"]} in changes
        assert verify().ok
