"""Assigned tasks: assigned, worked on, reported done, verified or sent back; who sees and
does what; the list, its Excel ledger and reminders. Real HTTP, real database."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.testing import ApiCaller, api_error as error, api_ok as ok, post_form


def _due(days: int = 5) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.fixture
def people(api_callers: Any) -> dict[str, ApiCaller]:
    return api_callers({
        "office": ("wang.office", "office", "office"),
        "emergency": ("he.emergency", "liaison", "emergency"),
        "services": ("lu.services", "liaison", "public_services"),
        "services_member": ("ma.services", "member", "public_services"),
        "police": ("zhao.police", "liaison", "police"),
        "village": ("liu.dongpo", "liaison", "v_dongpo"),
        "admin": ("root.admin", "admin", "office"),
    })


def _assign(caller: ApiCaller, **changes: Any) -> dict[str, Any]:
    body = {"department": "public_services", "title": "救治火场受伤人员",
            "description": "火场 1 人烧伤，请组织救治并报告情况。", "due_at": _due(), **changes}
    return ok(caller.post("/tasks", body), 201)


def _task_count(app: Any) -> int:
    from core.db import db
    from core.tasks.models import Task

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Task))


def test_a_task_goes_from_assignment_to_verification(people):
    task = _assign(people["emergency"])
    assert task["department"] == "public_services" and task["assigned_by"] == "emergency"
    assert task["state"] == "open" and [e["kind"] for e in task["events"]] == ["assigned"]
    tid = task["id"]

    mine = ok(people["services"].get("/tasks?direction=mine"))
    assert [t["id"] for t in mine] == [tid]
    ok(people["services_member"].post(f"/tasks/{tid}/progress",
                                      {"text": "已送镇卫生院", "percent": 40}))
    # A member reports progress but not completion.
    error(people["services_member"].post(f"/tasks/{tid}/complete", {"text": "完成"}),
          403, "forbidden")
    done = ok(people["services"].post(f"/tasks/{tid}/complete", {"text": "伤者已出院"}))
    assert done["state"] == "completion_reported" and done["progress_percent"] == 100
    # The owner does not verify its own work; the assigning department does.
    error(people["services"].post(f"/tasks/{tid}/verify", {}), 403, "forbidden")
    back = ok(people["emergency"].post(f"/tasks/{tid}/reject", {"reason": "缺少诊断证明"}))
    assert back["state"] == "open" and back["progress_percent"] == 40
    ok(people["services"].post(f"/tasks/{tid}/complete", {"text": "已补诊断证明"}))
    closed = ok(people["office"].post(f"/tasks/{tid}/verify", {"text": "核实"}))
    assert closed["state"] == "closed" and closed["closed_at"]
    assert [e["kind"] for e in closed["events"]] == [
        "assigned", "progress", "completion", "rejected", "completion", "verified"]
    # A second verification finds it closed: 409, nothing changed.
    error(people["office"].post(f"/tasks/{tid}/verify", {}), 409, "conflict")


def test_only_the_departments_concerned_see_a_task(people):
    tid = _assign(people["emergency"])["id"]
    for who in ("police", "village", "admin"):
        response = people[who].get(f"/tasks/{tid}")
        assert response.status_code in (403, 404), who
    assert ok(people["police"].get("/tasks?state=")) == []
    assert ok(people["office"].get(f"/tasks/{tid}"))["id"] == tid
    # Not visible, so not workable either.
    error(people["police"].post(f"/tasks/{tid}/progress", {"text": "x"}), 404, "not_found")


def test_bad_tasks_are_refused_and_nothing_is_stored(app, people):
    before = _task_count(app)
    fields = error(people["emergency"].post("/tasks", {
        "department": "nowhere", "title": " ", "description": "",
        "due_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}),
        422, "validation_error")["fields"]
    assert {"department", "title", "due_at"} <= set(fields)
    error(people["emergency"].post("/tasks", {"department": "office", "title": "x",
                                              "due_at": _due()}), 422, "validation_error")
    # Villages do not assign tasks; members neither.
    error(people["village"].post("/tasks", {"department": "police", "title": "x",
                                            "due_at": _due()}), 403, "forbidden")
    error(people["services_member"].post("/tasks", {"department": "police", "title": "x",
                                                    "due_at": _due()}), 403, "forbidden")
    assert _task_count(app) == before


def test_overdue_tasks_come_first_and_are_reminded(app, people):
    from core.db import db
    from core.notifications.models import Notification
    from core.notifications.services import deadline_sources, remind_deadlines
    from core.tasks.models import Task

    late = _assign(people["office"], title="逾期任务")["id"]
    _assign(people["office"], title="未到期任务", due_at=_due(20))
    with app.app_context():
        db.session.get(Task, late).due_at = datetime.now(UTC) - timedelta(hours=2)
        db.session.commit()
    rows = ok(people["services"].get("/tasks"))
    assert rows[0]["id"] == late and rows[0]["state"] == "overdue"
    assert [r["id"] for r in ok(people["office"].get("/tasks?state=overdue"))] == [late]
    with app.app_context():
        first = remind_deadlines(datetime.now(UTC), deadline_sources())
        again = remind_deadlines(datetime.now(UTC), deadline_sources())
        db.session.commit()
        kinds = set(db.session.scalars(select(Notification.kind).where(
            Notification.object_type == "task", Notification.object_id == late)))
    assert first >= 2 and again == 0
    assert {"task.assigned", "deadline.passed"} <= kinds


def test_pages_list_assign_and_export(app, login_as, count_queries):
    office = login_as("office", "office")
    form = office.get("/tasks/new")
    assert form.status_code == 200
    bad = post_form(office, "/tasks/new", {"department": "public_services", "title": "",
                                           "due_on": "2020-01-01"})
    assert bad.status_code == 400 and "is-invalid" in bad.get_data(as_text=True)
    due = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    for n in range(3):
        created = post_form(office, "/tasks/new", {"department": "public_services",
                                                   "title": f"任务{n}", "due_on": due},
                            page="/tasks/new")
        assert created.status_code == 302
    page = office.get(created.headers["Location"])
    assert page.status_code == 200 and "任务2" in page.get_data(as_text=True)

    with count_queries() as q:
        listing = office.get("/tasks/")
    assert listing.status_code == 200 and listing.get_data(as_text=True).count("任务") >= 3
    small = q.count
    for n in range(3, 12):
        post_form(office, "/tasks/new", {"department": "police", "title": f"任务{n}",
                                         "due_on": due}, page="/tasks/new")
    with count_queries() as q:
        office.get("/tasks/")
    assert q.count == small

    export = office.get("/tasks/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.values)
    assert rows[0][:4] == ("编号", "任务", "内容", "承办单位") and len(rows) == 13

    services = login_as("liaison", "public_services")
    assert "data-testid=\"tasks-widget\"" in services.get("/").get_data(as_text=True)
    assert services.get("/tasks/new").status_code == 200
    police_member = login_as("member", "police")
    assert police_member.get("/tasks/new").status_code == 403
