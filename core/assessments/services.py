"""Assessments (考评, yuxi): 县级自查、市级评定、市级推优 — the indicators computed from the
system, the self-check, the office's evaluation, the ranking and the recommendation.

Who may do what (one place, used by the pages and the API alike):

* see (:func:`core.access.visible_assessments`): the office sees every assessment and
  entry; a department sees the assessments it is assessed in, its own entry, and, once
  published, the ranking (rank, total and recommendation of every department, not their
  details); system roles nothing;
* create, refresh the indicators (until published), move the state on, evaluate and
  recommend: the office (:func:`core.access.is_office`);
* self-check: the assessed department's leader or liaison, while the state is self_check.

States: self_check -> evaluation -> published (read-only). Entries without a self-check may
be evaluated (they are flagged) but are never recommended: "未按要求开展县级评定工作的地方，
一律取消参加推优的资格".

Indicators (each 0..100; one that does not apply is left out and the weights of the others
renormalised; ``system score = Σ weight × score ÷ Σ weight`` over the applicable ones):

* ``reports`` — on-time reports: campaign reports whose deadline fell in the period and has
  passed (:func:`core.campaigns.reports.on_time_rate`, every campaign) plus the quarterly
  liaison reports due in the period (due date passed); on time ÷ due;
* ``ledger`` — ledger completeness, only with a campaign whose ledger has a column group of
  the department and at least one row: rows where the group has a cell ÷ all rows;
* ``rectifications`` — inspection findings assigned to the department whose deadline fell in
  the period and has passed: verified (closed) by the deadline ÷ due;
* ``liaison`` — the average liaison score (:func:`core.sharing.scores.liaison_scores`) of
  the quarters overlapping the period whose quarterly report deadline has passed (so each
  quarter's score is final).

Total = the evaluation score if the office gave one, else the system score; equal totals
share a rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, select

from core import access
from core.access import BUSINESS_ROLES, DEPARTMENT_VOICES
from core.accounts.models import User
from core.assessments.models import (
    ASSESSMENT_STATES,
    DEFAULT_WEIGHTS,
    INDICATORS,
    Assessment,
    AssessmentEntry,
)
from core.db import db, utcnow
from core.departments.models import Department
from core.errors import InputError, StateConflict
from core.notifications import services as notifications
from core.records import claim_state
from core.timeutil import EARLIEST, LATEST, day_start

#: Roles of an assessed department told that the result is published.
READERS = ("liaison", "leader", "member")
#: The longest period one assessment covers (the liaison indicator reads every quarter).
MAX_PERIOD = timedelta(days=731)
#: The next state of each state the office may move on from.
NEXT_STATE = {"self_check": "evaluation", "evaluation": "published"}
MAX_TEXT = 20_000
ONE_DECIMAL = Decimal("0.1")


# --------------------------------------------------------------------------- access


def may_create(user: Any) -> bool:
    """The office assesses."""
    return access.is_office(user)


def may_refresh(user: Any, assessment: Assessment) -> bool:
    """The office recomputes the indicators until the result is published."""
    return access.is_office(user) and assessment.state != "published"


def may_advance(user: Any, assessment: Assessment) -> bool:
    """The office moves self_check -> evaluation -> published."""
    return access.is_office(user) and assessment.state in NEXT_STATE


def may_evaluate(user: Any, assessment: Assessment) -> bool:
    """The office evaluates (and recommends) while the state is evaluation."""
    return access.is_office(user) and assessment.state == "evaluation"


def own_entry(user: Any, assessment: Assessment) -> AssessmentEntry | None:
    """The entry of ``user``'s department, if it is assessed."""
    if not getattr(user, "is_authenticated", False) or user.role not in BUSINESS_ROLES:
        return None
    return next((e for e in assessment.entries if e.department_id == user.department_id),
                None)


def may_self_check(user: Any, assessment: Assessment) -> bool:
    """The assessed department's leader or liaison, while the state is self_check."""
    return (assessment.state == "self_check" and own_entry(user, assessment) is not None
            and user.role in DEPARTMENT_VOICES)


def get_visible_assessment(user: Any, assessment_id: int) -> Assessment | None:
    """The assessment if ``user`` may see it (callers answer 404 otherwise)."""
    return db.session.scalar(select(Assessment).where(Assessment.id == assessment_id,
                                                      access.visible_assessments(user)))


def assessment_query(user: Any, state: str = "") -> Select[Any]:
    """The assessments ``user`` sees, newest period first."""
    stmt = select(Assessment).where(access.visible_assessments(user))
    if state in ASSESSMENT_STATES:
        stmt = stmt.where(Assessment.state == state)
    return stmt.order_by(Assessment.period_end.desc(), Assessment.id.desc())


# ----------------------------------------------------------------------- indicators


def _indicator(applicable: bool, score: float | None = None,
               **inputs: Any) -> dict[str, Any]:
    return {"applicable": applicable, "score": score if applicable else None,
            "inputs": inputs}


def _percent(part: int, whole: int) -> float:
    return float((Decimal(100 * part) / Decimal(whole)).quantize(ONE_DECIMAL, ROUND_HALF_UP))


def _bounds(assessment: Assessment) -> tuple[datetime, datetime]:
    """The period as site-local instants: ``[first day 00:00, day after the last 00:00)``."""
    return day_start(assessment.period_start), day_start(assessment.period_end, end=True)


def _quarterly_due(start: datetime, end: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """``(quarter label, due)`` of the quarterly liaison reports due in ``[start, end)`` and
    by ``now``."""
    from core.sharing.reports import Quarter, due_days

    days = due_days()
    quarter = Quarter.of(start - timedelta(days=days + 100))
    due = []
    while quarter.start < end:
        deadline = quarter.due(days)
        if start <= deadline < end and deadline <= now:
            due.append((quarter.label, deadline))
        quarter = quarter.next
    return due


def _reports(assessment: Assessment, departments: list[Department],
             now: datetime) -> dict[int, dict[str, Any]]:
    """On-time reports: campaign reports and quarterly liaison reports due in the period."""
    from core.campaigns.reports import on_time_rates
    from core.sharing.models import QuarterlyReport

    start, end = _bounds(assessment)
    quarters = _quarterly_due(start, end, now)
    filed: dict[tuple[int, str], datetime] = {}
    if quarters:
        filed = {(r.department_id, r.quarter): r.filed_at for r in db.session.execute(
            select(QuarterlyReport.department_id, QuarterlyReport.quarter,
                   QuarterlyReport.filed_at)
            .where(QuarterlyReport.quarter.in_([label for label, _ in quarters]),
                   QuarterlyReport.department_id.in_([d.id for d in departments])))}
    campaign_reports = on_time_rates([d.id for d in departments], start,
                                     end - timedelta(microseconds=1), now)
    out = {}
    for department in departments:
        on_time, due = campaign_reports[department.id]
        q_on_time = sum(1 for label, deadline in quarters
                        if (at := filed.get((department.id, label))) is not None
                        and at <= deadline)
        total, done = due + len(quarters), on_time + q_on_time
        out[department.id] = _indicator(
            total > 0, _percent(done, total) if total else None, campaign_due=due,
            campaign_on_time=on_time, quarterly_due=len(quarters), quarterly_on_time=q_on_time)
    return out


def _ledger(assessment: Assessment, departments: list[Department]) -> dict[int, dict[str, Any]]:
    """Ledger completeness: rows where the department's group has a cell ÷ all rows."""
    from core.campaigns.models import LedgerCell, LedgerRow

    campaign = assessment.campaign
    if campaign is None:
        return {d.id: _indicator(False, reason="no_campaign") for d in departments}
    rows = db.session.scalar(select(func.count(LedgerRow.id)).where(
        LedgerRow.campaign_id == campaign.id)) or 0
    filled = dict(db.session.execute(
        select(LedgerCell.group_key, func.count(func.distinct(LedgerCell.row_id)))
        .where(LedgerCell.campaign_id == campaign.id).group_by(LedgerCell.group_key)).all())
    out = {}
    for department in departments:
        group = campaign.group_of(department.code)
        if group is None:
            out[department.id] = _indicator(False, reason="no_group")
        elif not rows:
            out[department.id] = _indicator(False, reason="no_rows", group=group["key"])
        else:
            done = filled.get(group["key"], 0)
            out[department.id] = _indicator(True, _percent(done, rows), group=group["key"],
                                            rows=rows, filled=done)
    return out


def _rectifications(assessment: Assessment, departments: list[Department],
                    now: datetime) -> dict[int, dict[str, Any]]:
    """Findings due in the period (deadline passed) closed by their deadline ÷ due."""
    from core.inspections.models import Finding

    start, end = _bounds(assessment)
    on_time = case((and_(Finding.state == "closed", Finding.closed_at.is_not(None),
                         Finding.closed_at <= Finding.due_at), 1), else_=0)
    counts = {row[0]: (row[1], int(row[2] or 0)) for row in db.session.execute(
        select(Finding.unit_id, func.count(Finding.id), func.sum(on_time))
        .where(Finding.unit_id.in_([d.id for d in departments]), Finding.due_at >= start,
               Finding.due_at < end, Finding.due_at <= now)
        .group_by(Finding.unit_id))}
    out = {}
    for department in departments:
        due, done = counts.get(department.id, (0, 0))
        out[department.id] = _indicator(due > 0, _percent(done, due) if due else None,
                                        due=due, closed_on_time=done)
    return out


def _liaison(assessment: Assessment, departments: list[Department],
             now: datetime) -> dict[int, dict[str, Any]]:
    """The average liaison score of the period's quarters whose report deadline passed."""
    from core.sharing.reports import Quarter, due_days
    from core.sharing.scores import liaison_scores

    start, end = _bounds(assessment)
    days = due_days()
    by_quarter: dict[str, dict[int, float]] = {}
    quarter = Quarter.of(start)
    while quarter.start < end:
        if quarter.due(days) <= now:
            by_quarter[quarter.label] = {s.department.id: s.score
                                         for s in liaison_scores(quarter)}
        quarter = quarter.next
    out = {}
    for department in departments:
        scores = {label: board[department.id] for label, board in by_quarter.items()
                  if department.id in board}
        average = (float((sum(Decimal(str(s)) for s in scores.values()) / len(scores))
                         .quantize(ONE_DECIMAL, ROUND_HALF_UP)) if scores else None)
        out[department.id] = _indicator(bool(scores), average, quarters=scores)
    return out


def system_score(indicators: dict[str, dict[str, Any]], weights: dict[str, Any]
                 ) -> Decimal | None:
    """Σ weight × score ÷ Σ weight over the applicable indicators (None when none applies)."""
    used = [(Decimal(int(weights.get(key, 0))), Decimal(str(indicators[key]["score"])))
            for key in INDICATORS
            if key in indicators and indicators[key]["applicable"]
            and int(weights.get(key, 0)) > 0]
    total_weight = sum((w for w, _ in used), Decimal(0))
    if not total_weight:
        return None
    return (sum((w * s for w, s in used), Decimal(0)) / total_weight).quantize(
        ONE_DECIMAL, ROUND_HALF_UP)


def compute(assessment: Assessment, now: datetime | None = None) -> None:
    """(Re)compute every entry's indicators and system score from the system's records:
    a fixed number of queries per indicator (the reports one: one per department)."""
    now = now or utcnow()
    entries = list(assessment.entries)
    departments = [e.department for e in entries]
    found = {"reports": _reports(assessment, departments, now),
             "ledger": _ledger(assessment, departments),
             "rectifications": _rectifications(assessment, departments, now),
             "liaison": _liaison(assessment, departments, now)}
    for entry in entries:
        indicators = {key: {**found[key][entry.department_id],
                            "weight": int(assessment.weights.get(key, 0))}
                      for key in INDICATORS}
        entry.indicators = indicators
        entry.system_score = system_score(indicators, assessment.weights)
    assessment.computed_at = now


# ------------------------------------------------------------------------ creation


@dataclass
class AssessmentInput:
    """What the office gives when creating an assessment."""

    title: str
    period_start: date | None
    period_end: date | None
    campaign_id: int | None = None
    weights: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))


def _weights(given: dict[str, Any], problems: dict[str, Any]) -> dict[str, int]:
    weights: dict[str, int] = {}
    for key in INDICATORS:
        raw = given.get(key, DEFAULT_WEIGHTS[key])
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 100:
            problems[f"weight_{key}"] = _l("A weight is a whole number from 0 to 100.")
        else:
            weights[key] = raw
    unknown = set(given) - set(INDICATORS)
    if unknown:
        problems["weights"] = _l("Unknown indicators: %(names)s.",
                                 names=", ".join(sorted(unknown)))
    elif len(weights) == len(INDICATORS) and sum(weights.values()) != 100:
        problems["weights"] = _l("The weights must add up to 100.")
    return weights


def assessed_departments(campaign: Any | None) -> list[Department]:
    """The departments a campaign's assessment covers (its participants), else every active
    department; never the office, the township government or villages."""
    stmt = select(Department).where(Department.active.is_(True),
                                    Department.kind == "department")
    if campaign is not None:
        from core.campaigns.models import CampaignDepartment

        stmt = stmt.where(Department.id.in_(select(CampaignDepartment.department_id).where(
            CampaignDepartment.campaign_id == campaign.id)))
    return list(db.session.scalars(stmt.order_by(Department.position, Department.id)))


def _link(assessment: Assessment) -> str:
    return notifications.app_path("assessments.detail", assessment_id=assessment.id)


def create(user: User, data: AssessmentInput, now: datetime | None = None) -> Assessment:
    """Open an assessment: one entry per department assessed, indicators computed, and each
    department's leader and liaison told that its self-check is due."""
    now = now or utcnow()
    if not may_create(user):
        raise PermissionError("only the office assesses")
    problems: dict[str, Any] = {}
    title = (data.title or "").strip()
    if not title:
        problems["title"] = _l("Give the assessment a title.")
    elif len(title) > 200:
        problems["title"] = _l("At most %(n)s characters.", n=200)
    start, end = data.period_start, data.period_end
    if start is None or not EARLIEST <= start <= LATEST:
        problems["period_start"] = _l("Give the first day of the period.")
    if end is None or not EARLIEST <= end <= LATEST:
        problems["period_end"] = _l("Give the last day of the period.")
    elif start is not None and "period_start" not in problems:
        if end < start:
            problems["period_end"] = _l("The period ends after it starts.")
        elif end - start > MAX_PERIOD:
            problems["period_end"] = _l("A period covers at most two years.")
    weights = _weights(data.weights, problems)
    campaign = None
    if data.campaign_id is not None:
        from core.campaigns.models import Campaign

        campaign = db.session.scalar(select(Campaign).where(
            Campaign.id == data.campaign_id, access.visible_campaigns(user)))
        if campaign is None:
            problems["campaign"] = _l("No such campaign.")
    departments = assessed_departments(campaign) if "campaign" not in problems else []
    if not problems and not departments:
        problems["campaign"] = _l("There is no department to assess.")
    if problems:
        raise InputError.of(**problems)
    assessment = Assessment(title=title, period_start=start, period_end=end,
                            campaign_id=campaign.id if campaign else None, campaign=campaign,
                            state="self_check", weights=weights, created_by_id=user.id,
                            created_at=now, computed_at=now)
    assessment.entries = [AssessmentEntry(department_id=d.id, department=d)
                          for d in departments]
    db.session.add(assessment)
    db.session.flush()
    compute(assessment, now)
    for department in departments:
        notifications.notify_department(department.id, "assessment.opened", title,
                                        _link(assessment), "assessment", assessment.id,
                                        roles=DEPARTMENT_VOICES)
    db.session.flush()
    return assessment


def refresh(user: User, assessment: Assessment, now: datetime | None = None) -> None:
    """Recompute the indicators from the records as they stand (office, until published)."""
    if not access.is_office(user):
        raise PermissionError("only the office assesses")
    if assessment.state == "published":
        raise StateConflict(assessment.id)
    compute(assessment, now)
    db.session.flush()


# --------------------------------------------------------------------------- steps


def parse_score(raw: Any, name: str) -> Decimal:
    """A score 0..100 with at most one decimal, from a form or the API (else InputError)."""
    if raw is None or isinstance(raw, bool) or (isinstance(raw, str) and not raw.strip()):
        raise InputError.of(**{name: _l("Give a score from 0 to 100.")})
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise InputError.of(**{name: _l("Give a score from 0 to 100.")}) from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise InputError.of(**{name: _l("Give a score from 0 to 100.")})
    if value != value.quantize(ONE_DECIMAL):
        raise InputError.of(**{name: _l("At most one decimal place.")})
    return value.quantize(ONE_DECIMAL)


def self_check(user: User, assessment: Assessment, score: Any, text: str,
               now: datetime | None = None) -> AssessmentEntry:
    """The department's leader or liaison records its self-check (again, to correct it)."""
    now = now or utcnow()
    entry = own_entry(user, assessment)
    if entry is None or user.role not in DEPARTMENT_VOICES:
        raise PermissionError("only an assessed department's leader or liaison self-checks")
    if assessment.state != "self_check":
        raise StateConflict(assessment.id)
    problems: dict[str, Any] = {}
    try:
        value = parse_score(score, "score")
    except InputError as exc:
        problems.update({k: v[0] for k, v in exc.fields.items()})
    text = (text or "").strip()
    if not text:
        problems["text"] = _l("Describe how the self-check was done and what it found.")
    elif len(text) > MAX_TEXT:
        problems["text"] = _l("At most %(n)s characters.", n=MAX_TEXT)
    if problems:
        raise InputError.of(**problems)
    entry.self_score, entry.self_text = value, text
    entry.self_checked_at, entry.self_checked_by_id = now, user.id
    db.session.flush()
    return entry


def entry_of(assessment: Assessment, department: str) -> AssessmentEntry:
    """The entry of the department with code ``department`` (else InputError)."""
    entry = next((e for e in assessment.entries if e.department.code == department), None)
    if entry is None:
        raise InputError.of(department=_l("This department is not assessed here."))
    return entry


def evaluate(user: User, assessment: Assessment, department: str, score: Any,
             comment: str = "", now: datetime | None = None) -> AssessmentEntry:
    """The office's evaluation (评定) of one department's entry, while in evaluation."""
    now = now or utcnow()
    if not access.is_office(user):
        raise PermissionError("only the office evaluates")
    if assessment.state != "evaluation":
        raise StateConflict(assessment.id)
    entry = entry_of(assessment, department)
    value = parse_score(score, "score")
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise InputError.of(comment=_l("At most %(n)s characters.", n=MAX_TEXT))
    entry.evaluation_score, entry.evaluation_comment = value, comment
    entry.evaluated_at, entry.evaluated_by_id = now, user.id
    db.session.flush()
    return entry


def recommend(user: User, assessment: Assessment, department: str,
              recommended: bool = True) -> AssessmentEntry:
    """The office marks (or unmarks) an entry as recommended (推优), while in evaluation;
    an entry without a self-check is not eligible."""
    if not access.is_office(user):
        raise PermissionError("only the office recommends")
    if assessment.state != "evaluation":
        raise StateConflict(assessment.id)
    entry = entry_of(assessment, department)
    if recommended and not entry.eligible:
        raise InputError.of(recommended=_l(
            "Not eligible: the department did no self-check (未按要求开展县级自查的，"
            "取消推优资格)."))
    entry.recommended = bool(recommended)
    db.session.flush()
    return entry


def advance(user: User, assessment: Assessment, to: str | None = None,
            now: datetime | None = None) -> str:
    """Move self_check -> evaluation -> published (the office). ``to``, when given, must be
    the next state: a repeated click never skips a step. Publishing tells the departments."""
    now = now or utcnow()
    if not access.is_office(user):
        raise PermissionError("only the office assesses")
    current = assessment.state
    target = NEXT_STATE.get(current)
    if target is None or (to is not None and to != target):
        raise StateConflict(assessment.id)
    claim_state(Assessment, assessment, current, target)
    if target == "published":
        assessment.published_at = now
        for entry in assessment.entries:
            notifications.notify_department(entry.department_id, "assessment.evaluated",
                                            assessment.title, _link(assessment), "assessment",
                                            assessment.id, roles=READERS)
    db.session.flush()
    return target


# ------------------------------------------------------------------------- ranking


@dataclass
class Ranked:
    """An entry in the ranking: ``full`` says whether the viewer sees its details (the
    indicators, self-check and evaluation) or only rank, total and recommendation."""

    entry: AssessmentEntry
    rank: int | None
    total: Decimal | None
    full: bool = True

    @property
    def department(self) -> Department:
        return self.entry.department


def ranking(assessment: Assessment) -> list[Ranked]:
    """Every entry by total, highest first (equal totals share a rank; no total, no rank)."""
    entries = sorted(assessment.entries, key=lambda e: (
        e.total is None, -(e.total or 0), e.department.position, e.department_id))
    ranked: list[Ranked] = []
    previous, rank = None, 0
    for index, entry in enumerate(entries, start=1):
        total = entry.total
        if total is not None and total != previous:
            rank, previous = index, total
        ranked.append(Ranked(entry, rank if total is not None else None, total))
    return ranked


def visible_ranking(user: Any, assessment: Assessment) -> list[Ranked]:
    """The ranking as ``user`` may see it: the office everything; a department its own
    entry, and once published every department's rank and total."""
    rows = ranking(assessment)
    if access.is_office(user):
        return rows
    mine = getattr(user, "department_id", None)
    if assessment.state == "published":
        for row in rows:
            row.full = row.entry.department_id == mine
        return rows
    return [Ranked(r.entry, None, r.total) for r in rows if r.entry.department_id == mine]


def counts(assessment: Assessment) -> dict[str, int]:
    """How many entries were self-checked, evaluated and recommended (office's summary)."""
    entries = assessment.entries
    return {"entries": len(entries),
            "self_checked": sum(1 for e in entries if e.self_checked),
            "evaluated": sum(1 for e in entries if e.evaluation_score is not None),
            "recommended": sum(1 for e in entries if e.recommended)}
