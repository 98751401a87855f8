"""Duty reports (lianzhou art. 9): before a meeting each invited department reports its
duty performance (results, problems, suggestions) and hands in its work summary.

Figures are pre-filled through the ``duty_report_figures`` hook for the period since the
body's previous meeting (the core's own: information shared, requests answered, tasks and
rectifications completed; plugins add theirs, e.g. the police's cases and detentions) and
can be corrected. Missing reports are listed for the conveners and reminded of.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from core.db import db, utcnow
from core.departments.models import Department
from core.errors import InputError, StateConflict
from core.meetings.models import DutyReport, Meeting, MeetingInvitation
from core.meetings.services import SPEAKERS, meeting_path, visible_meetings
from core.notifications import services as notifications

#: Reports are filed (or corrected) until the minutes are signed.
OPEN_STATES = ("scheduled", "held")
MAX_TEXT = 20_000
MAX_FIGURE = 1e12


# --------------------------------------------------------------------------- figures


def period(meeting: Meeting) -> tuple[datetime, datetime]:
    """The reporting period: since the body's previous meeting was held (else one rhythm
    interval) until the meeting starts."""
    previous = db.session.scalar(select(func.max(Meeting.held_at)).where(
        Meeting.body_id == meeting.body_id, Meeting.id != meeting.id,
        Meeting.held_at < meeting.starts_at))
    return (previous or meeting.starts_at - timedelta(days=meeting.body.interval_days),
            meeting.starts_at)


def figures_for(department: Department, since: datetime, until: datetime
                ) -> list[dict[str, Any]]:
    """The pre-filled figures for ``department``: the core's first, then the plugins'."""
    from core.app import kernel
    from core.plugins import call_each

    answers = call_each(kernel().pm, "duty_report_figures", department=department,
                        since=since, until=until)
    figures: list[dict[str, Any]] = []
    for _plugin, answer in sorted(answers, key=lambda pa: pa[0] != "core"):
        figures.extend(answer)
    return figures


def core_figures(department: Department, since: datetime, until: datetime
                 ) -> list[dict[str, Any]]:
    """The core's figures for a department over a period, one query each."""
    from core.inspections.models import Finding
    from core.sharing.models import InfoItem, InfoRequest
    from core.tasks.models import Task

    def count(model: Any, *conditions: Any) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(
            *conditions)) or 0

    return [
        {"code": "core.items_shared", "label_zh": "共享信息（条）",
         "label_en": "Information items shared",
         "value": count(InfoItem, InfoItem.department_id == department.id,
                        InfoItem.created_at >= since, InfoItem.created_at < until)},
        {"code": "core.requests_answered", "label_zh": "答复信息请求（件）",
         "label_en": "Information requests answered",
         "value": count(InfoRequest, InfoRequest.target_department_id == department.id,
                        InfoRequest.decline_reason == "", InfoRequest.answered_at >= since,
                        InfoRequest.answered_at < until)},
        {"code": "core.tasks_closed", "label_zh": "办结交办任务（件）",
         "label_en": "Assigned tasks completed",
         "value": count(Task, Task.department_id == department.id,
                        Task.closed_at >= since, Task.closed_at < until)},
        {"code": "core.findings_closed", "label_zh": "整改销号问题（个）",
         "label_en": "Inspection findings rectified",
         "value": count(Finding, Finding.unit_id == department.id,
                        Finding.closed_at >= since, Finding.closed_at < until)},
    ]


# --------------------------------------------------------------------------- filing


def may_file(user: Any, meeting: Meeting) -> bool:
    """An invited department's liaison, leader or office staff, until the minutes are
    signed."""
    return (getattr(user, "is_authenticated", False) and user.role in SPEAKERS
            and meeting.state in OPEN_STATES and user.department_id in meeting.department_ids)


def report_of(meeting: Meeting, department_id: int) -> DutyReport | None:
    """One department's report for a meeting."""
    return db.session.scalar(select(DutyReport).where(
        DutyReport.meeting_id == meeting.id, DutyReport.department_id == department_id))


def _number(raw: Any) -> int | float | None:
    if raw in (None, ""):
        return None
    value = float(raw) if not isinstance(raw, int | float) else raw
    if isinstance(value, bool) or not math.isfinite(value) or not 0 <= value < MAX_FIGURE:
        raise ValueError(raw)
    return int(value) if float(value).is_integer() else value


def _figures(prefilled: list[dict[str, Any]], given: dict[str, Any]) -> dict[str, Any]:
    """The figures to store: the pre-filled ones, corrected by ``given`` (code -> value)."""
    known = {f["code"]: f for f in prefilled}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InputError.of(figures=_l("Unknown figures: %(codes)s", codes=", ".join(unknown)))
    stored = {}
    for code, figure in known.items():
        try:
            value = _number(given[code]) if code in given else figure.get("value")
        except (TypeError, ValueError):
            raise InputError({f"figures.{code}": [str(_l(
                "Enter a number (0 or more)."))]}) from None
        stored[code] = {"label_zh": figure["label_zh"], "label_en": figure["label_en"],
                        "value": value}
    return stored


@dataclass
class ReportInput:
    results: str
    problems: str = ""
    suggestions: str = ""
    work_summary: str = ""
    #: Corrections of pre-filled figures: code -> value (None clears it).
    figures: dict[str, Any] | None = None
    #: The version the form was loaded at, when correcting a filed report.
    version: int | None = None


def file_report(user: Any, meeting: Meeting, data: ReportInput,
                now: datetime | None = None) -> DutyReport:
    """File the user's department's report for ``meeting``, or correct the one filed
    (``data.version`` must be the filed version: a stale form is a conflict)."""
    now = now or utcnow()
    if not may_file(user, meeting):
        raise PermissionError("not an invited department's liaison or leader")
    problems: dict[str, Any] = {}
    if not data.results.strip():
        problems["results"] = _l("Report the results of your duties.")
    if not data.work_summary.strip():
        problems["work_summary"] = _l("The work summary is required.")
    if problems:
        raise InputError.of(**problems)
    report = report_of(meeting, user.department_id)
    if report is not None and data.version != report.version:  # a stale or blind overwrite
        raise StateConflict(report.id)
    figures = _figures(figures_for(user.department, *period(meeting)), data.figures or {})
    if report is None:
        report = DutyReport(meeting_id=meeting.id, department_id=user.department_id,
                            filed_at=now)
        db.session.add(report)
    report.results, report.problems = data.results.strip(), data.problems.strip()
    report.suggestions, report.work_summary = data.suggestions.strip(), data.work_summary.strip()
    report.figures, report.filed_by_id = figures, user.id
    db.session.flush()
    return report


# ----------------------------------------------------------------------------- reads


def reports_of(meeting: Meeting) -> list[DutyReport]:
    """The reports filed for a meeting, in the order the departments were invited."""
    order = {d: n for n, d in enumerate(i.department_id for i in meeting.invitations)}
    reports = db.session.scalars(select(DutyReport).where(DutyReport.meeting_id == meeting.id))
    return sorted(reports, key=lambda r: order.get(r.department_id, len(order)))


def missing(meeting: Meeting, reports: list[DutyReport]) -> list[Department]:
    """Invited departments that have not filed their report."""
    filed = {r.department_id for r in reports}
    return [i.department for i in meeting.invitations
            if i.department is not None and i.department_id not in filed]


@dataclass
class ReportFilters:
    meeting_id: int | None = None
    department: str = ""


def report_query(user: Any, filters: ReportFilters) -> Select[Any]:
    """The reports of the meetings ``user`` sees, newest meeting first."""
    stmt = select(DutyReport).join(Meeting, Meeting.id == DutyReport.meeting_id).where(
        visible_meetings(user))
    if filters.meeting_id:
        stmt = stmt.where(DutyReport.meeting_id == filters.meeting_id)
    if filters.department:
        stmt = stmt.where(DutyReport.department.has(Department.code == filters.department))
    return stmt.order_by(Meeting.starts_at.desc(), DutyReport.id)


def get_visible_report(user: Any, report_id: int) -> DutyReport | None:
    """One report if ``user`` sees its meeting (callers answer 404 otherwise)."""
    return db.session.scalar(select(DutyReport).join(
        Meeting, Meeting.id == DutyReport.meeting_id).where(
        DutyReport.id == report_id, visible_meetings(user)))


def deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Meetings starting within a day (or started, not yet recorded as held): invited
    departments that have not reported are reminded, by the meeting's start."""
    rows = db.session.execute(
        select(Meeting, MeetingInvitation.department_id)
        .join(MeetingInvitation, MeetingInvitation.meeting_id == Meeting.id)
        .where(Meeting.state == "scheduled",
               Meeting.starts_at <= now + notifications.APPROACHING,
               MeetingInvitation.department_id.is_not(None),
               ~select(DutyReport.id).where(
                   DutyReport.meeting_id == Meeting.id,
                   DutyReport.department_id == MeetingInvitation.department_id).exists())
        .order_by(Meeting.id)).all()
    if not rows:
        return []
    people = notifications.users_by_department({d for _m, d in rows}, roles=SPEAKERS)
    by_meeting: dict[int, tuple[Meeting, set[int]]] = {}
    for meeting, department_id in rows:
        by_meeting.setdefault(meeting.id, (meeting, set()))[1].update(people[department_id])
    return [notifications.Reminder(
        recipients=recipients, subject=f"履职情况报告：{meeting.title}",
        link=meeting_path(meeting), object_type="meeting_duty_report",
        object_id=meeting.id, due_at=meeting.starts_at)
        for meeting, recipients in by_meeting.values()]
