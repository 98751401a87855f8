"""Campaign reports: the progress reports on the rhythm (每月15、30日18时前, jiaocheng), the
staged reports by fixed dates (yangshan) and the final summary with its self-assessment.

The slots are created with the campaign (:func:`core.campaigns.services.create_from_template`,
one per reporting department and due time); this module files them, lists them, says which
are late, reminds of them and counts them for the assessment.

Who may do what:

* file (and correct before the deadline): the report's department's liaison or leader, while
  the campaign is active; filing stores a snapshot of the whole ledger;
* see: the office and the campaign office department see every department's reports; a
  department taking part sees its own.

A report is late when it was filed after its deadline, or is still not filed once the
deadline passed (:meth:`CampaignReport.is_late`); a late filing stays flagged late, because
a filed report can only be corrected before its deadline.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, false, func, or_, select, update

from core import access
from core.access import BUSINESS_ROLES, DEPARTMENT_VOICES
from core.campaigns.models import Campaign, CampaignReport
from core.campaigns.services import snapshot, takes_part
from core.db import db, utcnow
from core.departments.models import Department
from core.errors import InputError, StateConflict
from core.notifications import services as notifications
from core.timeutil import day_start

#: A report is "due" (rather than "upcoming") within this time of its deadline.
DUE_SOON = timedelta(days=7)
#: Reports past their deadline are reminded of for this long (the reminder job runs often;
#: this only bounds the query).
REMIND_PASSED_FOR = timedelta(days=31)
#: The longest report text (the API refuses longer ones too).
MAX_TEXT = 50_000
#: Statuses of :func:`status`, and the filters of :func:`report_query`.
STATUSES = ("filed", "filed_late", "overdue", "due", "upcoming")
FILTERS = ("due", "filed", "late", "overdue", "upcoming")
#: Who in the campaign office is told of a filed report.
OFFICE_RECIPIENTS = ("office", "leader", "liaison")


# --------------------------------------------------------------------------- access


def _campaign(report: CampaignReport) -> Campaign:
    campaign = db.session.get(Campaign, report.campaign_id)
    assert campaign is not None
    return campaign


def in_campaign_office(user: Any, campaign: Campaign) -> bool:
    """The office, or anyone (business roles) of the campaign office's department: they see
    every department's reports and clues, and attach clues."""
    return (getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and (access.is_office(user) or user.department_id == campaign.office_department_id))


def may_file(user: Any, report: CampaignReport) -> bool:
    """The report's department's liaison or leader, while the campaign is active."""
    return (getattr(user, "is_authenticated", False) and user.role in DEPARTMENT_VOICES
            and user.department_id == report.department_id
            and _campaign(report).state == "active")


def may_correct(report: CampaignReport, now: datetime) -> bool:
    """Whether the report may be filed now: not yet filed, or filed and still before its
    deadline (a correction). A report filed after its deadline cannot be re-filed."""
    return report.filed_at is None or now <= report.due_at


# --------------------------------------------------------------------------- filing


def report_path(report: CampaignReport) -> str:
    """The report's page inside the app (notifications and reminders link to it)."""
    return f"/campaigns/{report.campaign_id}/reports/{report.id}"


def _subject(campaign: Campaign, report: CampaignReport) -> str:
    return f"{campaign.title} · {report.department.name_zh} · {report.title}"


def file_report(user: Any, report: CampaignReport, content: str, self_assessment: str = "",
                now: datetime | None = None, version: int | None = None) -> CampaignReport:
    """File ``report`` (or correct it before its deadline) with ``content`` and, for the
    final report, the ``self_assessment``; the ledger is snapshotted as it stands.

    ``version`` is the version the form was loaded at (default: the loaded object's). The row
    is taken with one conditional UPDATE on its version, so of two people filing at once
    the second gets :class:`StateConflict`. Raises ``PermissionError`` for anyone but the
    department's liaison or leader, :class:`InputError` for missing text or a correction
    after the deadline. The campaign office is notified. Flushes; the caller commits.
    """
    now = now or utcnow()
    if not may_file(user, report):
        raise PermissionError("not the report's department's liaison or leader")
    content = (content or "").strip()
    self_assessment = (self_assessment or "").strip()
    problems: dict[str, Any] = {}
    if not content:
        problems["content"] = _l("Write the report.")
    elif len(content) > MAX_TEXT:
        problems["content"] = _l("At most %(n)s characters.", n=MAX_TEXT)
    if report.kind == "final" and not self_assessment:
        problems["self_assessment"] = _l("The final report needs the self-assessment.")
    elif len(self_assessment) > MAX_TEXT:
        problems["self_assessment"] = _l("At most %(n)s characters.", n=MAX_TEXT)
    if problems:
        raise InputError.of(**problems)
    if not may_correct(report, now):
        raise InputError.of(content=_l(
            "The deadline has passed: a filed report can no longer be corrected."))
    expected = report.version if version is None else version
    # Take the row: only if nobody filed since the version we hold, and it is still open
    # for filing (checked again in the database, not only on the loaded object).
    result = db.session.execute(
        update(CampaignReport)
        .where(CampaignReport.id == report.id, CampaignReport.version == expected,
               or_(CampaignReport.filed_at.is_(None), CampaignReport.due_at >= now))
        .values(version=CampaignReport.version + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StateConflict(report.id)
    db.session.refresh(report)
    campaign = _campaign(report)
    report.content = content
    report.self_assessment = self_assessment if report.kind == "final" else ""
    report.snapshot = snapshot(campaign)
    report.filed_at = now
    report.filed_by_id = user.id
    db.session.flush()
    notifications.notify_department(
        campaign.office_department_id, "campaign.report_filed", _subject(campaign, report),
        report_path(report), "campaign_report", report.id,
        dedupe_key=f"campaign.report_filed:{report.id}:{report.version}",
        roles=OFFICE_RECIPIENTS, exclude=[user.id])
    return report


# ----------------------------------------------------------------------------- reads


def status(report: CampaignReport, now: datetime) -> str:
    """``filed`` (on time), ``filed_late``, ``overdue`` (not filed, deadline passed),
    ``due`` (not filed, deadline within 7 days) or ``upcoming``."""
    if report.filed_at is not None:
        return "filed_late" if report.filed_at > report.due_at else "filed"
    if now > report.due_at:
        return "overdue"
    if report.due_at - now <= DUE_SOON:
        return "due"
    return "upcoming"


def _state_condition(state: str, now: datetime) -> Any:
    filed, unfiled = CampaignReport.filed_at.is_not(None), CampaignReport.filed_at.is_(None)
    if state == "filed":
        return filed
    if state == "late":
        return or_(and_(filed, CampaignReport.filed_at > CampaignReport.due_at),
                   and_(unfiled, CampaignReport.due_at < now))
    if state == "overdue":
        return and_(unfiled, CampaignReport.due_at < now)
    if state == "due":
        return and_(unfiled, CampaignReport.due_at >= now,
                    CampaignReport.due_at <= now + DUE_SOON)
    if state == "upcoming":
        return and_(unfiled, CampaignReport.due_at > now + DUE_SOON)
    return None


def report_query(user: Any, campaign: Campaign, department_id: int | None = None,
                 state: str = "", now: datetime | None = None) -> Select[Any]:
    """The campaign's reports ``user`` sees, by deadline: the office and the campaign office
    all departments' (or ``department_id``'s), another department taking part its own.

    ``state`` filters: ``due`` (not filed, within 7 days), ``filed``, ``late`` (filed late or
    overdue), ``overdue`` (not filed, deadline passed), ``upcoming`` (not filed, further
    off); anything else is no filter.
    """
    now = now or utcnow()
    stmt = select(CampaignReport).where(CampaignReport.campaign_id == campaign.id)
    if in_campaign_office(user, campaign):
        if department_id is not None:
            stmt = stmt.where(CampaignReport.department_id == department_id)
    elif takes_part(user, campaign):
        stmt = stmt.where(CampaignReport.department_id == user.department_id)
        if department_id is not None and department_id != user.department_id:
            stmt = stmt.where(false())
    else:
        stmt = stmt.where(false())
    condition = _state_condition(state, now)
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt.order_by(CampaignReport.due_at, CampaignReport.id)


@dataclass
class BoardRow:
    """One department's reports on a campaign: filed on time, filed late, not filed past
    the deadline, not yet due."""

    department: Department
    on_time: int = 0
    filed_late: int = 0
    overdue: int = 0
    upcoming: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.filed_late + self.overdue + self.upcoming

    @property
    def late(self) -> int:
        """Filed late or overdue: what the board flags."""
        return self.filed_late + self.overdue


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def late_board(campaign: Campaign, now: datetime | None = None) -> list[BoardRow]:
    """Per reporting department (in the departments' order): reports filed on time, filed
    late, overdue and upcoming (not filed, deadline not passed). Two queries."""
    now = now or utcnow()
    filed, unfiled = CampaignReport.filed_at.is_not(None), CampaignReport.filed_at.is_(None)
    counts = db.session.execute(
        select(CampaignReport.department_id,
               _count(and_(filed, CampaignReport.filed_at <= CampaignReport.due_at)),
               _count(and_(filed, CampaignReport.filed_at > CampaignReport.due_at)),
               _count(and_(unfiled, CampaignReport.due_at < now)),
               _count(and_(unfiled, CampaignReport.due_at >= now)))
        .where(CampaignReport.campaign_id == campaign.id)
        .group_by(CampaignReport.department_id)).all()
    if not counts:
        return []
    departments = db.session.scalars(select(Department).where(
        Department.id.in_([row[0] for row in counts]))
        .order_by(Department.position, Department.id)).all()
    by_id = {row[0]: row for row in counts}
    return [BoardRow(d, *(int(n) for n in by_id[d.id][1:])) for d in departments]


def _bounds(since: date | datetime, until: date | datetime) -> tuple[datetime, datetime]:
    start = since if isinstance(since, datetime) else day_start(since)
    end = until if isinstance(until, datetime) else day_start(until, end=True)
    return start, end


def on_time_rates(department_ids: Collection[int], since: date | datetime,
                  until: date | datetime, now: datetime | None = None
                  ) -> dict[int, tuple[int, int]]:
    """:func:`on_time_rate` for many departments in one query: ``department id ->
    (filed on time, due)`` (``(0, 0)`` for a department that owed nothing)."""
    now = now or utcnow()
    out = {department_id: (0, 0) for department_id in department_ids}
    if not out:
        return out
    start, end = _bounds(since, until)
    for department_id, on_time, due in db.session.execute(
            select(CampaignReport.department_id,
                   _count(and_(CampaignReport.filed_at.is_not(None),
                               CampaignReport.filed_at <= CampaignReport.due_at)),
                   func.count(CampaignReport.id))
            .where(CampaignReport.department_id.in_(list(out)),
                   CampaignReport.due_at >= start, CampaignReport.due_at <= end,
                   CampaignReport.due_at <= now)
            .group_by(CampaignReport.department_id)):
        out[department_id] = (int(on_time or 0), int(due or 0))
    return out


def on_time_rate(department_id: int, since: date | datetime, until: date | datetime,
                 now: datetime | None = None) -> tuple[int, int]:
    """``(filed on time, due)`` for ``department_id`` over every campaign: the reports whose
    deadline fell between ``since`` and ``until`` (days are site-local and ``until`` is
    included; datetimes are taken as they are) and has passed by ``now``. One query (the
    assessment's on-time indicator)."""
    return on_time_rates([department_id], since, until, now)[department_id]


# ------------------------------------------------------------------------- reminders


def deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Unfiled reports of active campaigns due within a day, or past due (for a month at
    most): the department's liaison and leader are reminded; once past due, the campaign
    office's too. Two queries whatever the number of reports."""
    soon = now + notifications.APPROACHING
    rows = db.session.execute(
        select(CampaignReport, Campaign.title, Campaign.office_department_id)
        .join(Campaign, Campaign.id == CampaignReport.campaign_id)
        .where(Campaign.state == "active", CampaignReport.filed_at.is_(None),
               CampaignReport.due_at <= soon,
               CampaignReport.due_at >= now - REMIND_PASSED_FOR)
        .order_by(CampaignReport.due_at, CampaignReport.id)).all()
    if not rows:
        return []
    people = notifications.users_by_department(
        {r.department_id for r, _, _ in rows} | {office for _, _, office in rows},
        roles=DEPARTMENT_VOICES)
    reminders = []
    for report, title, office_id in rows:
        recipients = set(people.get(report.department_id, []))
        if now >= report.due_at:
            recipients |= set(people.get(office_id, []))
        reminders.append(notifications.Reminder(
            recipients=recipients, subject=f"{title} · {report.title}",
            link=report_path(report), object_type="campaign_report", object_id=report.id,
            due_at=report.due_at))
    return reminders


def get_report(user: Any, campaign: Campaign, report_id: int) -> CampaignReport | None:
    """Report ``report_id`` of ``campaign`` if ``user`` sees it (callers answer 404)."""
    return db.session.scalar(report_query(user, campaign).where(
        CampaignReport.id == report_id).limit(1))
