"""The environment office's registers: the rules (pages, the API and the hooks call these).

* **Who.** A department keeps its own registers: the business users (leader, liaison,
  member) of a department that switched the plugin on write them, its leader decides (EIA
  approval or refusal, closing a problem opened by hand, accepting a restoration project);
  the office reads every department's registers. Every check goes through
  :func:`core.access.can` (the plugin votes in ``permission_allowed``, see :func:`allowed`).
* **EIA approvals** are registered when submitted; the leader approves them (with the
  approval number, the day and the conditions, each due by a day) or refuses them; the
  developer may withdraw. A condition is checked once it is met; an open condition past its
  day is overdue (computed) and reminded by ``forestchief jobs run``.
* **Ecological problems** are opened by hand or, from ``finding_assigned``, for an inspection
  finding of one of ``[plugin.environment] problem_categories`` assigned to a department the
  plugin serves. When the office reports the restoration done the linked finding's completion
  is reported to the office (core service) if it is open and the user may do so; the
  office's verification of the finding closes the problem (``finding_verified``). A problem
  opened by hand is closed by the department's leader.
* **Restoration projects** report progress (percent, text, photos) and are accepted (验收) by
  the leader once 100% done.

Refused input raises :class:`core.errors.InputError`, a lost race
:class:`core.errors.StateConflict`, a refused user ``PermissionError``. Nothing here commits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, false, func, or_, select, true

from core import access
from core.accounts.models import User
from core.attachments import storage
from core.attachments.models import Attachment
from core.db import db, utcnow
from core.departments.models import Department
from core.errors import InputError
from core.notifications import services as notifications
from core.records import claim_state
from core.timeutil import EARLIEST, LATEST, day_start, due_by, local_day
from plugins.environment.models import (
    EIA_KINDS,
    EIA_STATES,
    PROBLEM_STATES,
    RESTORATION_STATES,
    EcologicalProblem,
    EiaApproval,
    EiaCondition,
    ProblemEvent,
    RestorationProgress,
    RestorationProject,
)

NAME = "environment"
#: Attachments (photos) of restoration progress reports.
PROGRESS_OWNER = "environment_restoration_progress"
#: Who writes the registers (of a department the plugin serves); leaders also decide.
WRITE_ROLES = ("leader", "liaison", "member")

RECORD_EIA = "environment.eia.record"
APPROVE_EIA = "environment.eia.approve"
RECORD_PROBLEM = "environment.problem.record"
CLOSE_PROBLEM = "environment.problem.close"
RECORD_RESTORATION = "environment.restoration.record"
ACCEPT_RESTORATION = "environment.restoration.accept"
#: Actions only a leader of the keeping department takes.
LEADER_ACTIONS = frozenset({APPROVE_EIA, CLOSE_PROBLEM, ACCEPT_RESTORATION})

PERMISSIONS = [
    {"action": RECORD_EIA, "description": "register EIA applications, record withdrawals, "
                                          "add and check approval conditions"},
    {"action": APPROVE_EIA, "description": "record an EIA approval or refusal"},
    {"action": RECORD_PROBLEM, "description": "open ecological problems, report progress "
                                              "and restoration"},
    {"action": CLOSE_PROBLEM, "description": "close an ecological problem opened by hand "
                                             "once its restoration is verified"},
    {"action": RECORD_RESTORATION, "description": "register restoration projects and report "
                                                  "their progress"},
    {"action": ACCEPT_RESTORATION, "description": "accept (验收) a finished restoration project"},
]

#: Offence types of the pollution the office pursues: public tips about them come here.
OFFENCE_TYPES = [
    {"code": "environment.pollution_dumping", "name_zh": "在林区倾倒、堆放固体废物",
     "name_en": "Dumping or piling solid waste in a forest area", "group": "other"},
    {"code": "environment.illegal_discharge", "name_zh": "向林区违法排放污染物",
     "name_en": "Illegal discharge of pollutants into a forest area", "group": "other"},
]

SHARING_CATEGORIES = [
    {"code": "environment.eia_approval", "name_zh": "环评审批", "name_en": "EIA approvals"},
    {"code": "environment.ecological_problem", "name_zh": "生态环境问题",
     "name_en": "Ecological problems"},
    {"code": "environment.pollution", "name_zh": "林区污染防治",
     "name_en": "Pollution in forest areas"},
    {"code": "environment.restoration", "name_zh": "生态保护修复",
     "name_en": "Ecological protection and restoration"},
]

#: Budgets and areas stay below this (what the NUMERIC columns hold).
MAX_AMOUNT = 1e9
REQUIRED = _l("This field is required.")


# --------------------------------------------------------------------------- settings


def check_settings(app: Any, settings: Any) -> None:
    """``configure``: refuse unknown keys and problem categories no plugin defines, naming
    the settings file and the key."""
    from core.app import kernel
    from core.config import ConfigError

    known = {c["code"] for c in kernel(app).sharing_categories}
    problems = []
    for key, value in settings.plugin_settings(NAME).items():
        where = f"plugin.{NAME}.{key}"
        if key != "problem_categories":
            problems.append((where, "unknown key; known: problem_categories"))
        elif not (isinstance(value, list) and value
                  and all(isinstance(code, str) for code in value)):
            problems.append((where, "a non-empty list of sharing category codes"))
        elif unknown := sorted(set(value) - known):
            problems.append((where, "unknown sharing categories: " + ", ".join(unknown)))
    if problems:
        raise ConfigError(settings.source, problems)


def problem_categories() -> set[str]:
    """The finding categories that open an ecological problem: ``[plugin.environment]
    problem_categories``, by default the plugin's own sharing categories."""
    from core.app import kernel

    configured = kernel().settings.plugin_settings(NAME).get("problem_categories")
    return set(configured or (c["code"] for c in SHARING_CATEGORIES))


# ----------------------------------------------------------------------------- access


def serves(department: Department) -> bool:
    """A department (not a village or the office) that switched the plugin on."""
    return department.kind == "department" and NAME in department.enabled_plugins


def may_write(user: Any) -> bool:
    """A business user of a department the plugin serves (the office only reads)."""
    return (getattr(user, "is_authenticated", False) and user.role in WRITE_ROLES
            and serves(user.department))


def allowed(user: Any, action: str, obj: Any) -> bool | None:
    """The plugin's vote in ``permission_allowed``: ``None`` for other plugins' actions.

    ``obj`` (a register row) must belong to the user's department; the leader decides.
    """
    if not action.startswith(NAME + "."):
        return None
    if not may_write(user):
        return False
    if obj is not None and obj.department_id != user.department_id:
        return False
    if action in LEADER_ACTIONS:
        return user.role == "leader"
    return action in {p["action"] for p in PERMISSIONS}


def _require(user: Any, action: str, obj: Any = None) -> None:
    if not access.can(user, action, obj):
        raise PermissionError(action)


def visible(user: Any, model: Any) -> Any:
    """SQL condition on ``model`` (a register): the office sees every department's rows, a
    department its own; villages and system roles none."""
    if access.is_office(user):
        return true()
    if not (getattr(user, "is_authenticated", False) and user.role in access.BUSINESS_ROLES):
        return false()
    return model.department_id == user.department_id


def _get_visible(user: Any, model: Any, row_id: int) -> Any:
    return db.session.scalar(select(model).where(model.id == row_id, visible(user, model)))


def _search(stmt: Select[Any], text: str, *columns: Any) -> Select[Any]:
    """Rows where any of ``columns`` contains ``text`` (Chinese substrings; no filter when
    empty)."""
    if not text:
        return stmt
    return stmt.where(or_(*(column.icontains(text, autoescape=True) for column in columns)))


def _between(stmt: Select[Any], column: Any, since: date | None, until: date | None
             ) -> Select[Any]:
    """Rows whose day ``column`` is within ``since``..``until`` (either may be open)."""
    if since:
        stmt = stmt.where(column >= since)
    if until:
        stmt = stmt.where(column <= until)
    return stmt


# ------------------------------------------------------------------------- validation


class _Input:
    """Cleans typed values field by field and raises every problem at once."""

    def __init__(self) -> None:
        self.problems: dict[str, Any] = {}

    def fail(self, name: str, message: Any) -> None:
        self.problems.setdefault(name, message)

    def text(self, name: str, value: str | None, limit: int, required: bool = True) -> str:
        value = (value or "").strip()
        if required and not value:
            self.fail(name, REQUIRED)
        elif len(value) > limit:
            self.fail(name, _l("At most %(n)d characters.", n=limit))
        return value

    def amount(self, name: str, value: float | None) -> float | None:
        """A non-negative area or sum, rounded to cents (what the column keeps)."""
        if value is None:
            self.fail(name, REQUIRED)
        elif not (math.isfinite(value) and 0 <= round(value, 2) < MAX_AMOUNT):
            self.fail(name, _l("Enter a number of 0 or more."))
        else:
            return round(float(value), 2)
        return None

    def day(self, name: str, value: date | None, required: bool = True,
            not_after: date | None = None) -> date | None:
        if value is None:
            if required:
                self.fail(name, REQUIRED)
        elif not EARLIEST <= value <= LATEST:
            self.fail(name, _l("Enter a date between 1900 and 2999."))
        elif not_after is not None and value > not_after:
            self.fail(name, _l("The day cannot be in the future."))
        else:
            return value
        return None

    def place(self, lat: float | None, lng: float | None) -> None:
        if (lat is None) != (lng is None):
            self.fail("lat", _l("Give both latitude and longitude."))
        elif lat is not None and lng is not None and not (-90 <= lat <= 90
                                                          and -180 <= lng <= 180):
            self.fail("lat", _l("Latitude is between -90 and 90, longitude between "
                                "-180 and 180."))

    def check(self) -> None:
        if self.problems:
            raise InputError.of(**self.problems)


def _today(now: datetime | None = None) -> date:
    return local_day(now or utcnow())


def _leaders(department_id: int, kind: str, subject: str, link: str, obj_type: str,
             obj_id: int, actor: User) -> None:
    """Tell the department's leaders something awaits their decision."""
    notifications.notify_department(department_id, kind, subject, link, obj_type, obj_id,
                                    roles=("leader",), exclude=[actor.id])


# ----------------------------------------------------------------------- EIA approvals


@dataclass
class EiaInput:
    """An EIA application as registered when the developer submits it."""

    project: str
    developer: str
    place_name: str
    area_mu: float | None
    kind: str
    submitted_on: date | None
    lat: float | None = None
    lng: float | None = None
    note: str = ""


@dataclass
class ConditionInput:
    """A condition of an approval and the day it must be met by."""

    text: str
    due_on: date | None


def eia_link(approval: EiaApproval) -> str:
    return notifications.app_path("environment.eia_detail", approval_id=approval.id)


def register_eia(user: User, data: EiaInput, now: datetime | None = None) -> EiaApproval:
    """Register a submitted EIA application; the department's leaders are told to decide."""
    _require(user, RECORD_EIA)
    check = _Input()
    values = {
        "project": check.text("project", data.project, 200),
        "developer": check.text("developer", data.developer, 200),
        "place_name": check.text("place_name", data.place_name, 200),
        "area_mu": check.amount("area_mu", data.area_mu),
        "submitted_on": check.day("submitted_on", data.submitted_on, not_after=_today(now)),
        "note": check.text("note", data.note, 5_000, required=False),
        "lat": data.lat, "lng": data.lng, "kind": data.kind,
    }
    if data.kind not in EIA_KINDS:
        check.fail("kind", _l("Choose the kind of project."))
    check.place(data.lat, data.lng)
    check.check()
    approval = EiaApproval(**values, department_id=user.department_id, created_by_id=user.id)
    db.session.add(approval)
    db.session.flush()
    _leaders(approval.department_id, "environment.eia_submitted", approval.project,
             eia_link(approval), "environment_eia", approval.id, user)
    return approval


def _decision_day(check: _Input, approval: EiaApproval, day: date | None,
                  now: datetime | None) -> date | None:
    decided = check.day("decided_on", day, not_after=_today(now))
    if decided is not None and decided < approval.submitted_on:
        check.fail("decided_on", _l("The decision comes after the submission."))
    return decided


def _conditions(check: _Input, conditions: Iterable[ConditionInput], first_day: date | None,
                approval_id: int) -> list[EiaCondition]:
    """Clean conditions (problems named ``conditions``); each is due on or after
    ``first_day``, the approval day."""
    rows = []
    for condition in conditions:
        text = condition.text.strip()
        if not text or len(text) > 5_000:
            check.fail("conditions", _l("Each condition needs its text (at most 5000 "
                                        "characters)."))
        elif condition.due_on is None or not EARLIEST <= condition.due_on <= LATEST:
            check.fail("conditions", _l("Each condition needs the day it is due."))
        elif first_day is not None and condition.due_on < first_day:
            check.fail("conditions", _l("A condition is due on or after the approval."))
        else:
            rows.append(EiaCondition(approval_id=approval_id, text=text,
                                     due_at=due_by(condition.due_on)))
    return rows


def approve_eia(user: User, approval: EiaApproval, decided_on: date | None,
                approval_number: str, conditions: list[ConditionInput], note: str = "",
                now: datetime | None = None) -> EiaApproval:
    """The leader approves a submitted application: the number, the day and its
    conditions, which become follow-up checks due by their days."""
    _require(user, APPROVE_EIA, approval)
    check = _Input()
    decided = _decision_day(check, approval, decided_on, now)
    number = check.text("approval_number", approval_number, 60)
    note = check.text("decision_note", note, 5_000, required=False)
    rows = _conditions(check, conditions, decided, approval.id)
    check.check()
    claim_state(EiaApproval, approval, "submitted", "approved")
    approval.approval_number, approval.decided_on, approval.decision_note = number, decided, note
    approval.decided_by_id = user.id
    db.session.add_all(rows)
    db.session.flush()
    return approval


def refuse_eia(user: User, approval: EiaApproval, decided_on: date | None, reason: str,
               withdrawn: bool = False, now: datetime | None = None) -> EiaApproval:
    """The leader refuses a submitted application, or anyone keeping the register records
    that the developer withdrew it (``withdrawn``); either needs the reason."""
    _require(user, RECORD_EIA if withdrawn else APPROVE_EIA, approval)
    check = _Input()
    decided = _decision_day(check, approval, decided_on, now)
    reason = check.text("decision_note", reason, 5_000)
    check.check()
    claim_state(EiaApproval, approval, "submitted", "withdrawn" if withdrawn else "rejected")
    approval.decided_on, approval.decision_note = decided, reason
    approval.decided_by_id = user.id
    db.session.flush()
    return approval


def add_condition(user: User, approval: EiaApproval, data: ConditionInput) -> EiaCondition:
    """Add a condition to an approved application (one set later, e.g. after a check)."""
    _require(user, RECORD_EIA, approval)
    if approval.state != "approved":
        raise InputError.of(conditions=_l("Conditions belong to approved applications."))
    check = _Input()
    rows = _conditions(check, [data], approval.decided_on, approval.id)
    check.check()
    db.session.add(rows[0])
    db.session.flush()
    return rows[0]


def check_condition(user: User, condition: EiaCondition, note: str,
                    now: datetime | None = None) -> EiaCondition:
    """Record that a condition was met (on-site check); one person wins a race."""
    _require(user, RECORD_EIA, condition.approval)
    check = _Input()
    note = check.text("check_note", note, 5_000)
    check.check()
    claim_state(EiaCondition, condition, "open", "checked")
    condition.check_note, condition.checked_at = note, now or utcnow()
    condition.checked_by_id = user.id
    db.session.flush()
    return condition


def _overdue_condition(now: datetime) -> Any:
    return and_(EiaCondition.state == "open", EiaCondition.due_at < now)


@dataclass
class EiaFilters:
    q: str = ""
    state: str = ""
    kind: str = ""
    overdue: bool = False  # with an open condition past its day
    since: date | None = None  # submitted on or after
    until: date | None = None


def eia_query(user: User, filters: EiaFilters, now: datetime | None = None) -> Select[Any]:
    """The applications ``user`` may see, latest submitted first."""
    stmt = _search(select(EiaApproval).where(visible(user, EiaApproval)), filters.q,
                   EiaApproval.project, EiaApproval.developer, EiaApproval.place_name,
                   EiaApproval.approval_number)
    if filters.state in EIA_STATES:
        stmt = stmt.where(EiaApproval.state == filters.state)
    if filters.kind in EIA_KINDS:
        stmt = stmt.where(EiaApproval.kind == filters.kind)
    if filters.overdue:
        stmt = stmt.where(exists().where(EiaCondition.approval_id == EiaApproval.id,
                                         _overdue_condition(now or utcnow())))
    stmt = _between(stmt, EiaApproval.submitted_on, filters.since, filters.until)
    return stmt.order_by(EiaApproval.submitted_on.desc(), EiaApproval.id.desc())


def get_eia(user: User, approval_id: int) -> EiaApproval | None:
    """Application ``approval_id`` if ``user`` may see it (else None: 404)."""
    return _get_visible(user, EiaApproval, approval_id)


def get_condition(approval: EiaApproval, condition_id: int) -> EiaCondition | None:
    return next((c for c in approval.conditions if c.id == condition_id), None)


def condition_counts(approval_ids: list[int], now: datetime | None = None
                     ) -> dict[int, dict[str, int]]:
    """Per application: its conditions, those still open and those overdue (one query)."""
    counts = {i: {"all": 0, "open": 0, "overdue": 0} for i in approval_ids}
    if approval_ids:
        rows = db.session.execute(
            select(EiaCondition.approval_id, func.count(),
                   func.sum(case((EiaCondition.state == "open", 1), else_=0)),
                   func.sum(case((_overdue_condition(now or utcnow()), 1), else_=0)))
            .where(EiaCondition.approval_id.in_(approval_ids))
            .group_by(EiaCondition.approval_id))
        for approval_id, total, still_open, overdue in rows:
            counts[approval_id] = {"all": total, "open": int(still_open or 0),
                                   "overdue": int(overdue or 0)}
    return counts


# ---------------------------------------------------------------- ecological problems


@dataclass
class ProblemInput:
    """A problem opened by hand (one found on a patrol, reported by a village...)."""

    description: str
    place_name: str = ""
    lat: float | None = None
    lng: float | None = None
    due_on: date | None = None


def problem_link(problem: EcologicalProblem) -> str:
    return notifications.app_path("environment.problem_detail", problem_id=problem.id)


def _event(problem: EcologicalProblem, user_id: int, kind: str, text: str = "",
           now: datetime | None = None) -> ProblemEvent:
    event = ProblemEvent(problem_id=problem.id, kind=kind, text=text.strip(), user_id=user_id,
                         created_at=now or utcnow())
    db.session.add(event)
    db.session.flush()
    return event


def open_problem(user: User, data: ProblemInput, now: datetime | None = None
                 ) -> EcologicalProblem:
    """Open a problem by hand for the user's department."""
    _require(user, RECORD_PROBLEM)
    check = _Input()
    description = check.text("description", data.description, 20_000)
    place = check.text("place_name", data.place_name, 200, required=False)
    due_on = check.day("due_on", data.due_on, required=False)
    if due_on is not None and due_on < _today(now):
        check.fail("due_on", _l("The deadline cannot be in the past."))
    check.place(data.lat, data.lng)
    check.check()
    problem = EcologicalProblem(
        department_id=user.department_id, description=description, place_name=place,
        lat=data.lat, lng=data.lng, due_at=due_by(due_on) if due_on else None, state="open",
        created_by_id=user.id, created_at=now or utcnow())
    db.session.add(problem)
    db.session.flush()
    _event(problem, user.id, "opened", now=now)
    return problem


def open_for_finding(finding: Any) -> EcologicalProblem | None:
    """``finding_assigned``: a finding in a problem category assigned to a department the
    plugin serves opens a problem copying its description, place and deadline."""
    unit = finding.unit
    if finding.category not in problem_categories() or not serves(unit):
        return None
    problem = EcologicalProblem(
        department_id=unit.id, finding_id=finding.id, description=finding.description,
        place_name=finding.location_name, lat=finding.lat, lng=finding.lng,
        due_at=finding.due_at, state="open", created_by_id=finding.created_by_id,
        created_at=finding.created_at)
    db.session.add(problem)
    db.session.flush()
    _event(problem, finding.created_by_id, "assigned", finding.requirements,
           now=finding.created_at)
    return problem


def problem_of_finding(finding_id: int) -> EcologicalProblem | None:
    return db.session.scalar(select(EcologicalProblem).where(
        EcologicalProblem.finding_id == finding_id))


def close_for_finding(finding: Any) -> EcologicalProblem | None:
    """``finding_verified``: the office verified the finding's rectification, so the problem
    opened for it is closed, with the verification on its timeline."""
    problem = problem_of_finding(finding.id)
    if problem is None or problem.state == "closed":
        return problem
    claim_state(EcologicalProblem, problem, ("open", "restored"), "closed")
    problem.closed_at = finding.closed_at or utcnow()
    db.session.flush()
    _event(problem, finding.verified_by_id, "verified", now=problem.closed_at)
    return problem


def note_progress(user: User, problem: EcologicalProblem, text: str,
                  now: datetime | None = None) -> ProblemEvent:
    """A note on how the handling goes (investigation, orders given, works begun)."""
    _require(user, RECORD_PROBLEM, problem)
    check = _Input()
    text = check.text("text", text, 20_000)
    if problem.state == "closed":
        check.fail("text", _l("The problem is closed."))
    check.check()
    return _event(problem, user.id, "progress", text, now)


def finding_sent_back(problem: EcologicalProblem) -> bool:
    """Reported restored, but its finding is open: the office sent the rectification back,
    or nobody who may report completion has done so yet."""
    return (problem.state == "restored" and problem.finding is not None
            and problem.finding.state == "open")


def report_restored(user: User, problem: EcologicalProblem, text: str,
                    now: datetime | None = None) -> ProblemEvent:
    """The restoration is done. A linked open finding's completion goes to the office for
    verification when the user may report it (the unit's liaison or leader); else the step
    is only recorded. A problem opened by hand waits for the leader to close it."""
    from core.inspections import services as inspections

    _require(user, RECORD_PROBLEM, problem)
    check = _Input()
    text = check.text("text", text, 20_000)
    check.check()
    again = ("open", "restored") if finding_sent_back(problem) else ("open",)
    claim_state(EcologicalProblem, problem, again, "restored")
    problem.restored_at = now or utcnow()
    event = _event(problem, user.id, "restored", text, now)
    finding = problem.finding
    if finding is None:
        _leaders(problem.department_id, "environment.problem_restored",
                 problem.description[:120], problem_link(problem), "environment_problem",
                 problem.id, user)
    elif finding.state == "open" and access.may_report_completion(user, finding):
        inspections.report_completion(user, finding, text, now=now)
        _event(problem, user.id, "completion_reported", now=now)
    return event


def close_problem(user: User, problem: EcologicalProblem, text: str = "",
                  now: datetime | None = None) -> ProblemEvent:
    """The leader verifies the restoration of a problem opened by hand and closes it (a
    linked one closes with its finding, when the office verifies it)."""
    _require(user, CLOSE_PROBLEM, problem)
    if problem.finding_id is not None:
        raise InputError.of(text=_l("This problem closes when the office verifies its "
                                    "inspection finding."))
    claim_state(EcologicalProblem, problem, "restored", "closed")
    problem.closed_at = now or utcnow()
    return _event(problem, user.id, "closed", text, now)


def events_of(problem: EcologicalProblem) -> list[ProblemEvent]:
    return list(db.session.scalars(select(ProblemEvent).where(
        ProblemEvent.problem_id == problem.id).order_by(ProblemEvent.created_at,
                                                        ProblemEvent.id)))


def _overdue_problem(now: datetime) -> Any:
    return and_(EcologicalProblem.state != "closed", EcologicalProblem.due_at < now)


@dataclass
class ProblemFilters:
    q: str = ""
    state: str = ""  # open, restored, closed, overdue
    source: str = ""  # finding, manual
    since: date | None = None  # opened on or after
    until: date | None = None


def problem_query(user: User, filters: ProblemFilters, now: datetime | None = None
                  ) -> Select[Any]:
    """The problems ``user`` may see: overdue first, then those not closed, newest first."""
    now = now or utcnow()
    stmt = _search(select(EcologicalProblem).where(visible(user, EcologicalProblem)),
                   filters.q, EcologicalProblem.description, EcologicalProblem.place_name)
    if filters.state == "overdue":
        stmt = stmt.where(_overdue_problem(now))
    elif filters.state in PROBLEM_STATES:
        stmt = stmt.where(EcologicalProblem.state == filters.state)
    if filters.source == "finding":
        stmt = stmt.where(EcologicalProblem.finding_id.is_not(None))
    elif filters.source == "manual":
        stmt = stmt.where(EcologicalProblem.finding_id.is_(None))
    if filters.since:  # opened on a site-local day, stored as a UTC moment
        stmt = stmt.where(EcologicalProblem.created_at >= day_start(filters.since))
    if filters.until:
        stmt = stmt.where(EcologicalProblem.created_at < day_start(filters.until, end=True))
    return stmt.order_by(case((_overdue_problem(now), 0),
                              (EcologicalProblem.state != "closed", 1), else_=2),
                         EcologicalProblem.created_at.desc(), EcologicalProblem.id.desc())


def get_problem(user: User, problem_id: int) -> EcologicalProblem | None:
    """Problem ``problem_id`` if ``user`` may see it (else None: 404)."""
    return _get_visible(user, EcologicalProblem, problem_id)


def problem_choices(user: User) -> list[EcologicalProblem]:
    """The department's problems not closed, for linking a restoration project."""
    return list(db.session.scalars(select(EcologicalProblem).where(
        EcologicalProblem.department_id == user.department_id,
        EcologicalProblem.state != "closed").order_by(EcologicalProblem.id.desc()).limit(200)))


# ---------------------------------------------------------------- restoration projects


@dataclass
class RestorationInput:
    """A restoration project as registered."""

    name: str
    place_name: str
    measures: str
    budget_yuan: float | None
    start_on: date | None
    planned_end_on: date | None = None
    problem_id: int | None = None
    lat: float | None = None
    lng: float | None = None


@dataclass
class ProgressInput:
    percent: int | None
    text: str = ""
    files: list[storage.Upload] = field(default_factory=list)


def restoration_link(project: RestorationProject) -> str:
    return notifications.app_path("environment.restoration_detail", project_id=project.id)


def register_restoration(user: User, data: RestorationInput) -> RestorationProject:
    """Register a restoration project of the user's department, possibly restoring one of
    its ecological problems."""
    _require(user, RECORD_RESTORATION)
    check = _Input()
    values = {
        "name": check.text("name", data.name, 200),
        "place_name": check.text("place_name", data.place_name, 200),
        "measures": check.text("measures", data.measures, 20_000),
        "budget_yuan": check.amount("budget_yuan", data.budget_yuan),
        "start_on": check.day("start_on", data.start_on),
        "planned_end_on": check.day("planned_end_on", data.planned_end_on, required=False),
        "lat": data.lat, "lng": data.lng, "problem_id": data.problem_id,
    }
    if values["start_on"] and values["planned_end_on"] and (
            values["planned_end_on"] < values["start_on"]):
        check.fail("planned_end_on", _l("The planned end comes after the start."))
    if data.problem_id is not None and db.session.scalar(select(EcologicalProblem.id).where(
            EcologicalProblem.id == data.problem_id,
            EcologicalProblem.department_id == user.department_id)) is None:
        check.fail("problem_id", _l("Choose an ecological problem of your department."))
    check.place(data.lat, data.lng)
    check.check()
    project = RestorationProject(**values, department_id=user.department_id,
                                 created_by_id=user.id)
    db.session.add(project)
    db.session.flush()
    return project


def report_progress(user: User, project: RestorationProject, data: ProgressInput
                    ) -> RestorationProgress:
    """Report how far the works are, with photos; 100% asks the leader to accept it. A
    refused photo refuses the report (``UploadError``) and removes the files written."""
    _require(user, RECORD_RESTORATION, project)
    check = _Input()
    text = check.text("text", data.text, 20_000, required=not data.files)
    if project.state != "in_progress":
        check.fail("percent", _l("The project was accepted already."))
    elif data.percent is None or not 0 <= data.percent <= 100:
        check.fail("percent", _l("A percentage is between 0 and 100."))
    check.check()
    progress = RestorationProgress(project_id=project.id, percent=data.percent, text=text,
                                   user_id=user.id)
    project.progress_percent = data.percent
    db.session.add(progress)
    db.session.flush()
    saved: list[Any] = []
    try:
        for upload in data.files:
            saved.append(storage.save(upload, PROGRESS_OWNER, progress.id, user))
    except Exception:
        storage.discard(saved)
        raise
    if data.percent == 100:
        _leaders(project.department_id, "environment.restoration_done", project.name,
                 restoration_link(project), "environment_restoration", project.id, user)
    return progress


def add_progress_photo(user: User, project: RestorationProject,
                       progress: RestorationProgress, upload: storage.Upload) -> Any:
    """Attach a photo to a progress report of a project not yet accepted; a refused file is
    an input error on ``file``. Caller commits."""
    _require(user, RECORD_RESTORATION, project)
    if progress.project_id != project.id or project.state != "in_progress":
        raise PermissionError("not a progress report of an open project")
    try:
        return storage.save(upload, PROGRESS_OWNER, progress.id, user)
    except storage.UploadError as exc:
        raise InputError.of(file=str(exc)) from None


def accept_restoration(user: User, project: RestorationProject, accepted_on: date | None,
                       note: str, now: datetime | None = None) -> RestorationProject:
    """The leader accepts (验收) a project reported 100% done; a linked problem's timeline
    shows it."""
    _require(user, ACCEPT_RESTORATION, project)
    check = _Input()
    day = check.day("accepted_on", accepted_on, not_after=_today(now))
    if day is not None and day < project.start_on:
        check.fail("accepted_on", _l("The acceptance comes after the start of the works."))
    note = check.text("acceptance_note", note, 20_000)
    if project.progress_percent < 100:
        check.fail("acceptance_note", _l("Report the works complete before accepting them."))
    check.check()
    claim_state(RestorationProject, project, "in_progress", "accepted")
    project.accepted_on, project.acceptance_note = day, note
    project.accepted_by_id = user.id
    db.session.flush()
    if project.problem is not None:
        _event(project.problem, user.id, "restoration_accepted", project.name, now)
    return project


def progress_of(project: RestorationProject) -> list[RestorationProgress]:
    return list(db.session.scalars(select(RestorationProgress).where(
        RestorationProgress.project_id == project.id).order_by(RestorationProgress.created_at,
                                                               RestorationProgress.id)))


def progress_file(project: RestorationProject, attachment_id: int) -> Any:
    """A photo of one of ``project``'s progress reports (None otherwise: 404)."""
    ids = select(RestorationProgress.id).where(RestorationProgress.project_id == project.id)
    return db.session.scalar(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.owner_type == PROGRESS_OWNER,
        Attachment.owner_id.in_(ids)))


@dataclass
class RestorationFilters:
    q: str = ""
    state: str = ""
    since: date | None = None  # started on or after
    until: date | None = None


def restoration_query(user: User, filters: RestorationFilters) -> Select[Any]:
    """The projects ``user`` may see, latest started first."""
    stmt = _search(select(RestorationProject).where(visible(user, RestorationProject)),
                   filters.q, RestorationProject.name, RestorationProject.place_name,
                   RestorationProject.measures)
    if filters.state in RESTORATION_STATES:
        stmt = stmt.where(RestorationProject.state == filters.state)
    stmt = _between(stmt, RestorationProject.start_on, filters.since, filters.until)
    return stmt.order_by(RestorationProject.start_on.desc(), RestorationProject.id.desc())


def restoration_totals(stmt: Select[Any]) -> dict[str, Any]:
    """Projects and their budget over what ``stmt`` selects (one query)."""
    sub = stmt.order_by(None).subquery()
    count, budget = db.session.execute(select(func.count(), func.sum(sub.c.budget_yuan))).one()
    return {"count": count, "budget_yuan": round(float(budget or 0), 2)}


def get_restoration(user: User, project_id: int) -> RestorationProject | None:
    """Project ``project_id`` if ``user`` may see it (else None: 404)."""
    return _get_visible(user, RestorationProject, project_id)


def restorations_of(problem: EcologicalProblem) -> list[RestorationProject]:
    return list(db.session.scalars(select(RestorationProject).where(
        RestorationProject.problem_id == problem.id).order_by(RestorationProject.id)))


# ---------------------------------------------------------------------- deadlines


def _department_leads(department_ids: set[int]) -> dict[int, list[int]]:
    return notifications.users_by_department(department_ids, roles=("liaison", "leader"))


def deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Open approval conditions and problems opened by hand that are due within a day or
    late: the keeping department's liaisons and leaders are reminded. (Problems from a
    finding are reminded of as findings.)"""
    soon = now + notifications.APPROACHING
    conditions = list(db.session.execute(
        select(EiaCondition, EiaApproval).join(EiaApproval)
        .where(EiaCondition.state == "open", EiaApproval.state == "approved",
               EiaCondition.due_at <= soon).order_by(EiaCondition.id)))
    problems = list(db.session.scalars(select(EcologicalProblem).where(
        EcologicalProblem.finding_id.is_(None), EcologicalProblem.state != "closed",
        EcologicalProblem.due_at <= soon).order_by(EcologicalProblem.id)))
    people = _department_leads({a.department_id for _c, a in conditions}
                               | {p.department_id for p in problems})
    return [
        *(notifications.Reminder(
            recipients=people[a.department_id], subject=f"{a.project}：{c.text[:80]}",
            link=eia_link(a), object_type="environment_eia_condition", object_id=c.id,
            due_at=c.due_at) for c, a in conditions),
        *(notifications.Reminder(
            recipients=people[p.department_id], subject=p.description[:120],
            link=problem_link(p), object_type="environment_problem", object_id=p.id,
            due_at=p.due_at) for p in problems if p.due_at is not None),
    ]


def deadline_reminders_job(now: datetime) -> int:
    """Scheduled job ``environment.deadline_reminders`` (idempotent, like the core's)."""
    return notifications.remind_deadlines(now, [deadline_source])


# --------------------------------------------------------------------- tips, figures


def tip_department(category: str | None) -> str | None:
    """The department that handles a pollution tip: the first active department configured
    with this plugin (``config/departments.toml``); None for other categories."""
    if category not in {o["code"] for o in OFFENCE_TYPES}:
        return None
    return db.session.scalar(select(Department.code).where(
        Department.plugin == NAME, Department.active.is_(True),
        Department.kind == "department").order_by(Department.position).limit(1))


#: The figures the registers give for a period: (name, label_zh, English label).
FIGURES = [
    ("eia_approved", "批复环评项目(个)", _l("EIA applications approved")),
    ("problems_opened", "新登记生态环境问题(个)", _l("Ecological problems opened")),
    ("problems_closed", "销号生态环境问题(个)", _l("Ecological problems closed")),
    ("restorations_accepted", "验收生态修复项目(个)", _l("Restoration projects accepted")),
    ("restoration_budget_yuan", "验收修复项目投资(元)",
     _l("Budget of the projects accepted (yuan)")),
]


def period_figures(department: Department, since: datetime, until: datetime
                   ) -> dict[str, Any]:
    """The department's registers from ``since`` until before ``until`` (one query): EIA
    applications approved, problems opened and closed, restoration projects accepted and
    their budget. Days (approval, acceptance) count by the site-local day."""
    first, after = local_day(since), local_day(until)
    mine = department.id

    def count(model: Any, *where: Any) -> Any:
        return select(func.count(model.id)).where(model.department_id == mine,
                                                  *where).scalar_subquery()

    accepted = (RestorationProject.state == "accepted", RestorationProject.accepted_on >= first,
                RestorationProject.accepted_on < after)
    row = db.session.execute(select(
        count(EiaApproval, EiaApproval.state == "approved", EiaApproval.decided_on >= first,
              EiaApproval.decided_on < after),
        count(EcologicalProblem, EcologicalProblem.created_at >= since,
              EcologicalProblem.created_at < until),
        count(EcologicalProblem, EcologicalProblem.closed_at >= since,
              EcologicalProblem.closed_at < until),
        count(RestorationProject, *accepted),
        select(func.sum(RestorationProject.budget_yuan)).where(
            RestorationProject.department_id == mine, *accepted).scalar_subquery())).one()
    return {**dict(zip([f[0] for f in FIGURES[:4]], row[:4], strict=True)),
            "restoration_budget_yuan": round(float(row[4] or 0), 2)}


def register_counts(user: User, now: datetime | None = None) -> dict[str, int]:
    """For the dashboard and the plugin's page (one query): problems not closed,
    applications awaiting a decision, conditions overdue, projects under way."""
    now = now or utcnow()

    def count(model: Any, *where: Any) -> Any:
        return select(func.count(model.id)).where(visible(user, model), *where)

    overdue = (select(func.count(EiaCondition.id)).join(EiaApproval)
               .where(visible(user, EiaApproval), _overdue_condition(now)))
    row = db.session.execute(select(*(stmt.scalar_subquery() for stmt in (
        count(EcologicalProblem, EcologicalProblem.state != "closed"),
        count(EiaApproval, EiaApproval.state == "submitted"), overdue,
        count(RestorationProject, RestorationProject.state == "in_progress"))))).one()
    return dict(zip(("open_problems", "pending_approvals", "overdue_conditions",
                     "restorations"), row, strict=True))
