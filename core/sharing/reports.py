"""Quarterly liaison reports: sections from the ``quarterly_report_sections`` hook, due a
configurable number of days after the quarter ends; who is late; export."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.accounts.models import User
from core.db import db, utcnow
from core.departments.models import Department
from core.sharing.models import InfoItem, InfoRequest, QuarterlyReport
from core.sharing.services import SharingError
from core.timeutil import day_start, site_zone

QUARTER_RE = re.compile(r"^((?:19|20)\d\d)Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter in the site's time zone."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year,
                                                                        self.number + 1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year,
                                                                        self.number - 1)

    @property
    def start(self) -> datetime:
        return day_start(self.first_day)

    @property
    def end(self) -> datetime:
        return day_start(self.next.first_day)

    def due(self, days: int) -> datetime:
        """Reports are due at the end of the ``days``-th day after the quarter (site time)."""
        return self.end + timedelta(days=days)

    @classmethod
    def parse(cls, label: str) -> Quarter | None:
        match = QUARTER_RE.match(label or "")
        return cls(int(match.group(1)), int(match.group(2))) if match else None

    @classmethod
    def of(cls, moment: datetime) -> Quarter:
        local = moment.astimezone(site_zone())
        return cls(local.year, (local.month - 1) // 3 + 1)


def due_days() -> int:
    from core.app import kernel

    return kernel().settings["sharing"]["quarterly_report_due_days"]


def reporting_departments() -> list[Department]:
    """Every active department (not the office, not villages) files a quarterly report."""
    return list(db.session.scalars(select(Department).where(
        Department.active.is_(True), Department.kind == "department")
        .options(selectinload(Department.plugin_choices)).order_by(Department.position)))


def sections_for(department: Department, quarter: Quarter) -> list[dict[str, Any]]:
    """The report's sections for ``department``: every plugin's answer, in order."""
    from core.app import kernel
    from core.plugins import call_each

    sections: list[dict[str, Any]] = []
    answers = call_each(kernel().pm, "quarterly_report_sections", department=department,
                        quarter=quarter)
    for _plugin, answer in sorted(answers, key=lambda pa: pa[0] != "core"):  # core first
        sections.extend(answer)
    return sections


def core_section(department: Department, quarter: Quarter) -> dict[str, Any]:
    """The core's own figures: items shared and requests answered in the quarter."""
    in_quarter = (InfoItem.created_at >= quarter.start, InfoItem.created_at < quarter.end)
    items = db.session.scalar(select(func.count()).select_from(InfoItem).where(
        InfoItem.department_id == department.id, *in_quarter))
    answered = db.session.scalar(select(func.count()).select_from(InfoRequest).where(
        InfoRequest.target_department_id == department.id, InfoRequest.decline_reason == "",
        InfoRequest.answered_at >= quarter.start, InfoRequest.answered_at < quarter.end))
    return {
        "code": "sharing",
        "title": _l("Information sharing"),
        "fields": [{"name": "items_shared", "label": _l("Items shared"), "type": "int"},
                   {"name": "requests_answered", "label": _l("Requests answered"),
                    "type": "int"}],
        "values": {"items_shared": items, "requests_answered": answered},
    }


def get_report(department: Department, quarter: Quarter) -> QuarterlyReport | None:
    return db.session.scalar(select(QuarterlyReport).where(
        QuarterlyReport.department_id == department.id,
        QuarterlyReport.quarter == quarter.label))


def may_file(user: User, department: Department) -> bool:
    """The department's liaison or leader files its report (departments only: not the
    office, not villages or the township government)."""
    return (getattr(user, "is_authenticated", False) and user.department_id == department.id
            and user.role in ("liaison", "leader") and department.kind == "department")


def may_read(user: User, department: Department) -> bool:
    """Office staff read every report; a department reads its own."""
    return getattr(user, "is_authenticated", False) and (
        user.role == "office" or (user.role in ("leader", "liaison", "member")
                                  and user.department_id == department.id))


def _coerce(field: dict[str, Any], raw: Any) -> Any:
    if raw in (None, ""):
        return None
    kind = field.get("type", "text")
    try:
        if kind == "int":
            value = int(str(raw).strip())
            if not 0 <= value < 10**12:
                raise ValueError
            return value
        if kind == "float":
            value = float(str(raw).strip())
            if not math.isfinite(value) or not 0 <= value < 1e12:
                raise ValueError
            return value
    except ValueError:
        raise SharingError({f"{field['name']}": [str(_l(
            "Enter a number (0 or more)."))]}) from None
    return str(raw).strip()[:2000]


def file_report(user: User, department: Department, quarter: Quarter,
                values: dict[str, dict[str, Any]], summary: str) -> QuarterlyReport:
    """File (or correct) ``department``'s report for ``quarter``. Caller commits."""
    if not may_file(user, department):
        raise PermissionError("only the department's liaison or leader files its report")
    if utcnow() < quarter.end:
        raise SharingError({"quarter": [str(_l("A quarter's report is filed once the quarter "
                                               "has ended."))]})
    sections = sections_for(department, quarter)
    stored: dict[str, dict[str, Any]] = {}
    errors: dict[str, list[str]] = {}
    for section in sections:
        given = values.get(section["code"], {})
        stored[section["code"]] = {}
        for field in section["fields"]:
            try:
                stored[section["code"]][field["name"]] = _coerce(field, given.get(field["name"]))
            except SharingError as exc:
                for key, messages in exc.fields.items():
                    errors[f"{section['code']}.{key}"] = messages
    if errors:
        raise SharingError(errors)
    report = get_report(department, quarter)
    if report is None:
        report = QuarterlyReport(department_id=department.id, quarter=quarter.label,
                                 filed_by_id=user.id, filed_at=utcnow())
        db.session.add(report)
    report.sections = stored
    report.summary = summary.strip()[:20_000]
    report.filed_by_id = user.id
    db.session.flush()
    return report


@dataclass
class ReportStatus:
    department: Department
    report: QuarterlyReport | None
    due: datetime
    state: str  # "filed", "filed_late", "late", "pending"


def status_board(quarter: Quarter, now: datetime | None = None) -> list[ReportStatus]:
    """Every reporting department's report state for ``quarter`` (two queries)."""
    now = now or utcnow()
    due = quarter.due(due_days())
    reports = {r.department_id: r for r in db.session.scalars(
        select(QuarterlyReport).where(QuarterlyReport.quarter == quarter.label))}
    board = []
    for department in reporting_departments():
        report = reports.get(department.id)
        if report is not None:
            state = "filed" if report.filed_at <= due else "filed_late"
        else:
            state = "late" if now > due else "pending"
        board.append(ReportStatus(department, report, due, state))
    return board
