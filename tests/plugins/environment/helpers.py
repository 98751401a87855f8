"""Shared helpers of the environment plugin's tests: the people, signed-in clients, API
callers, form posts and inspection findings assigned through the core's services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.testing import csrf_token, login, make_api_caller

API = "/api/v1/environment"
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A valid 1x1 PNG.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")

#: key -> (username, role, department)
PEOPLE = {
    "env": ("chen.env", "liaison", "environment"),
    "env_member": ("zhou.env", "member", "environment"),
    "env_leader": ("wu.env", "leader", "environment"),
    "office": ("wang.office", "office", "office"),
    "agri": ("liu.agri", "liaison", "agriculture"),
    "finance": ("sun.finance", "liaison", "finance"),
    "admin": ("root.admin", "admin", "office"),
}


def make_people(make_user: Any) -> None:
    for username, role, department in PEOPLE.values():
        make_user(username, role=role, department=department)


def callers(app: Any, make_user: Any) -> dict[str, Any]:
    """A bearer-token API caller per key of :data:`PEOPLE` (new accounts ``api.<name>``)."""
    return {key: make_api_caller(app, make_user, f"api.{username}", role, department, API)
            for key, (username, role, department) in PEOPLE.items()}


def today() -> date:
    return datetime.now(SHANGHAI).date()


def user(username: str) -> Any:
    from core.accounts.models import User
    from core.db import db

    return db.session.scalar(select(User).where(User.username == username))


def signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def post(client: Any, path: str, data: dict[str, Any], page: str | None = None) -> Any:
    """Post a form with the CSRF token of ``page`` (default ``path``)."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page or path)},
                       content_type="multipart/form-data")


def switch_on(app: Any, code: str) -> None:
    """``code``'s leader switches the environment plugin on for the department."""
    from core import audit
    from core.db import db
    from core.departments.models import Department
    from core.departments.services import set_department_plugins

    with app.app_context(), audit.acting_as(name="test"):
        department = db.session.scalar(select(Department).where(Department.code == code))
        set_department_plugins(department, department.enabled_plugins | {"environment"},
                               {"forestry", "police", "environment", "emergency"})
        db.session.commit()


def assign_finding(app: Any, office: str = "wang.office", unit: str = "environment",
                   category: str = "environment.ecological_problem",
                   description: str = "西山村溪流下游养殖废水直排", days: int = 30) -> int:
    """The office plans and starts an inspection with the environment office and assigns a
    finding (as people do, through the core's services). Returns the finding's id; commits."""
    from core import audit
    from core.db import db
    from core.inspections import services as inspections

    with app.test_request_context():
        planner = user(office)
        with audit.acting_as(planner):
            inspection = inspections.plan_inspection(planner, inspections.InspectionInput(
                title="冬季联合督查", start_on=today(), end_on=today(),
                report_due_on=today() + timedelta(days=7),
                departments={"environment": "核查排污"}))
            inspections.start_inspection(planner, inspection)
            finding = inspections.create_finding(planner, inspection, inspections.FindingInput(
                description=description, severity="major", category=category, unit=unit,
                due_on=today() + timedelta(days=days), requirements="查明排污单位，限期整改。",
                location_name="西山村溪流下游", lat=24.7952, lng=112.3977))
        db.session.commit()
        return finding.id
