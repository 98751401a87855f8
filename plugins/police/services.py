"""The police station's registers: the rules (views, the API and the hooks call these).

* **Who is the police.** The police department is an active department whose configured
  ``plugin`` is ``police`` (``config/departments.toml``); a county may have several stations.
  Only its people write the registers (:func:`allowed`, answered through the
  ``permission_allowed`` hook so ``access.can`` stays the one check); other departments
  that switched the plugin on, and the office, read.
* **Criminal cases** (刑事案件) are the police's details of a core case, one-to-one: created
  when a hand-over to the police is answered ``accepted_criminal`` (:func:`record_from_transfer`),
  or filed by hand for a case the police handle themselves. They are visible with their core
  case (``core.access.visible_cases``): the police, the department that handed it over, the
  office.
* **Early interventions** (提前介入) name another department's open case. The police may
  not see that case yet (it has not been handed over), so a register row shows its title
  only to people who may see the case; others see its number.
* **Outcomes** per case: persons under administrative detention, criminal detention,
  arrested, involved (integers >= 0), for cases the police may see; the lists give totals.
* **Risk notices** (风险提示函) go from the police to a regulating department, which must
  reply by a due day (a chosen one, or ``[plugin.police] risk_notice_reply_working_days``
  working days); unreplied past it they are overdue (computed), reminded by
  ``forestchief jobs run``.

Nothing here commits: views and the API commit once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, false, func, or_, select, true

from core import access
from core.accounts.models import User
from core.cases.models import Case, Transfer
from core.cases.services import LedgerFilters, ledger_query
from core.db import db, utcnow
from core.departments.models import Department
from core.errors import InputError, StateConflict
from core.notifications import services as notifications
from core.records import add_numbered, claim_state
from core.timeutil import day_start, due_by, local_day
from plugins.police.models import (
    NOTICE_STATES,
    STAGES,
    CriminalCase,
    Intervention,
    Outcome,
    RiskNotice,
)

NAME = "police"
#: Who acts for a department on letters (send, reply), as for hand-overs.
ACTING_ROLES = ("liaison", "leader")
#: ``[plugin.police]`` settings and their defaults.
DEFAULT_SETTINGS: dict[str, Any] = {
    "risk_notice_reply_working_days": 15,
    "risk_notice_number_prefix": "公安风险提示函",
}
#: Outcome figures are people: an upper bound keeps typos (and overflows) out.
MAX_PERSONS = 100_000


def check_settings(settings: Any) -> None:
    """``configure``: refuse unknown or bad ``[plugin.police]`` keys, naming file and key."""
    from core.config import ConfigError

    problems = []
    for key, value in settings.plugin_settings(NAME).items():
        where = f"plugin.{NAME}.{key}"
        if key not in DEFAULT_SETTINGS:
            problems.append((where, "unknown key; known: " + ", ".join(DEFAULT_SETTINGS)))
        elif key == "risk_notice_reply_working_days" and not (
                isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 250):
            problems.append((where, "a whole number of working days from 1 to 250"))
        elif key == "risk_notice_number_prefix" and not (
                isinstance(value, str) and 0 < len(value.strip()) <= 30):
            problems.append((where, "a text of 1 to 30 characters"))
    if problems:
        raise ConfigError(settings.source, problems)


def setting(key: str) -> Any:
    """A ``[plugin.police]`` setting (validated at start-up by the ``configure`` hook)."""
    from core.app import kernel

    return kernel().settings.plugin_settings(NAME).get(key, DEFAULT_SETTINGS[key])


# ------------------------------------------------------------------------ who is police


def police_departments() -> list[Department]:
    """Active departments configured with the police plugin, in configuration order."""
    return list(db.session.scalars(select(Department).where(
        Department.plugin == NAME, Department.active.is_(True),
        Department.kind == "department").order_by(Department.position)))


def police_department_code() -> str | None:
    """The code of the (first) police department, for routing tips; None if there is none."""
    return db.session.scalar(select(Department.code).where(
        Department.plugin == NAME, Department.active.is_(True),
        Department.kind == "department").order_by(Department.position).limit(1))


def is_police(user: Any) -> bool:
    """A business user of a police department (they keep the registers)."""
    return (getattr(user, "is_authenticated", False) and user.role in access.BUSINESS_ROLES
            and user.department.plugin == NAME and user.department.active
            and user.department.kind == "department")


def may_see_case(user: Any, case_id: int) -> bool:
    """Whether ``user`` may see core case ``case_id`` (the core's one rule)."""
    return bool(db.session.scalar(select(func.count(Case.id)).where(
        Case.id == case_id, access.visible_cases(user))))


def allowed(user: Any, action: str, obj: Any) -> bool | None:
    """The plugin's vote in ``access.can`` (``permission_allowed``): ``None`` for actions
    that are not the police plugin's."""
    if not action.startswith(NAME + "."):
        return None
    if action == "police.risk_notice.reply":
        return (isinstance(obj, RiskNotice) and getattr(user, "is_authenticated", False)
                and user.role in ACTING_ROLES and obj.state == "sent"
                and user.department_id == obj.target_department_id)
    if not is_police(user):
        return False
    if action == "police.case.file":
        if isinstance(obj, Case):  # file a case the police handle themselves
            return obj.department_id == user.department_id
        if isinstance(obj, CriminalCase):  # edit a record of this station
            return obj.department_id == user.department_id
        return obj is None
    if action == "police.intervention.record":
        if isinstance(obj, Case):  # another department's open case
            return obj.department_id != user.department_id and obj.state == "open"
        return obj is None
    if action == "police.outcome.edit":
        if isinstance(obj, Case):
            return may_see_case(user, obj.id)
        return obj is None
    if action == "police.risk_notice.send":
        return user.role in ACTING_ROLES
    return None


def _require(user: Any, action: str, obj: Any = None) -> None:
    if not access.can(user, action, obj):
        raise PermissionError(action)


def _case(case_id: int | None, field: str) -> Case:
    found = db.session.get(Case, case_id) if case_id else None
    if found is None:
        raise InputError.of(**{field: _l("No case with this number.")})
    return found


# ----------------------------------------------------------------------- criminal cases


@dataclass
class CriminalCaseInput:
    case_number: str = ""
    filed_on: date | None = None
    charge: str = ""
    stage: str = "investigating"
    notes: str = ""


def _validate_criminal_case(data: CriminalCaseInput, record_id: int | None) -> None:
    problems: dict[str, Any] = {}
    number = data.case_number.strip()
    if len(number) > 60:
        problems["case_number"] = _l("The case number is at most 60 characters.")
    elif number and db.session.scalar(select(func.count(CriminalCase.id)).where(
            CriminalCase.case_number == number, CriminalCase.id != (record_id or 0))):
        problems["case_number"] = _l("Another criminal case has this number.")
    if data.filed_on is None:
        problems["filed_on"] = _l("Give the day the case was filed.")
    elif data.filed_on > local_day(utcnow()):
        problems["filed_on"] = _l("The filing day cannot be in the future.")
    if len(data.charge.strip()) > 200:
        problems["charge"] = _l("The charge is at most 200 characters.")
    if data.stage not in STAGES:
        problems["stage"] = _l("Choose the stage.")
    if problems:
        raise InputError.of(**problems)


def file_criminal_case(user: User, case_id: int, data: CriminalCaseInput) -> CriminalCase:
    """The police file a criminal case on a core case they handle (one they opened, or one
    handed to them): the record the hand-over hook did not create."""
    _require(user, "police.case.file")
    case_ = _case(case_id, "case_id")
    _require(user, "police.case.file", case_)
    if db.session.scalar(select(func.count(CriminalCase.id)).where(
            CriminalCase.case_id == case_.id)):
        raise InputError.of(case_id=_l("This case already has a criminal-case record."))
    _validate_criminal_case(data, None)
    record = CriminalCase(case_id=case_.id, department_id=user.department_id, source="own",
                          created_by_id=user.id)
    _apply(record, data)
    db.session.add(record)
    db.session.flush()
    return record


def update_criminal_case(user: User, record: CriminalCase, data: CriminalCaseInput,
                         version: int | None = None) -> None:
    """The police change a record (number, filing day, charge, stage, notes). ``version``:
    the one the editor loaded (a stale one is a conflict)."""
    _require(user, "police.case.file", record)
    if version is not None and version != record.version:
        raise StateConflict(record.id)
    _validate_criminal_case(data, record.id)
    _apply(record, data)
    db.session.flush()


def _apply(record: CriminalCase, data: CriminalCaseInput) -> None:
    record.case_number = data.case_number.strip()
    record.filed_on = data.filed_on  # type: ignore[assignment]
    record.charge = data.charge.strip()
    record.stage = data.stage
    record.notes = data.notes.strip()


def record_from_transfer(transfer: Transfer) -> CriminalCase | None:
    """``transfer_answered``: a hand-over to a police department accepted as a criminal case
    gets its criminal-case record (filed the day of the answer, stage 立案侦查; the police
    add the number and charge). Anything else is left alone. Same transaction."""
    receiver = transfer.to_department
    if (transfer.feedback != "accepted_criminal" or receiver.plugin != NAME
            or not receiver.active):
        return None
    record = db.session.scalar(select(CriminalCase).where(
        CriminalCase.case_id == transfer.case_id))
    if record is not None:  # handed over and accepted again: the latest hand-over counts
        record.department_id = receiver.id
        record.transfer_id = transfer.id
        record.source = "transfer"
    else:
        record = CriminalCase(
            case_id=transfer.case_id, department_id=receiver.id, source="transfer",
            transfer_id=transfer.id, stage="investigating",
            filed_on=local_day(transfer.answered_at or utcnow()),
            created_by_id=transfer.answered_by_id)
        db.session.add(record)
    db.session.flush()
    return record


@dataclass
class CriminalCaseFilters:
    stage: str = ""
    q: str = ""
    offence_type: str = ""
    since: date | None = None
    until: date | None = None


def criminal_case_query(user: User, filters: CriminalCaseFilters) -> Select[Any]:
    """The criminal cases ``user`` may see (with their core case), newest filing first."""
    stmt = (select(CriminalCase).join(Case, Case.id == CriminalCase.case_id)
            .where(access.visible_cases(user)))
    if filters.stage:
        stmt = stmt.where(CriminalCase.stage == filters.stage)
    if filters.offence_type:
        stmt = stmt.where(Case.offence_type == filters.offence_type)
    if filters.q:
        stmt = stmt.where(or_(Case.title.icontains(filters.q, autoescape=True),
                              CriminalCase.case_number.icontains(filters.q, autoescape=True),
                              CriminalCase.charge.icontains(filters.q, autoescape=True)))
    if filters.since:
        stmt = stmt.where(CriminalCase.filed_on >= filters.since)
    if filters.until:
        stmt = stmt.where(CriminalCase.filed_on <= filters.until)
    return stmt.order_by(CriminalCase.filed_on.desc(), CriminalCase.id.desc())


def get_visible_criminal_case(user: User, record_id: int) -> CriminalCase | None:
    """Criminal case ``record_id`` if ``user`` may see its core case (else None: 404)."""
    return db.session.scalar(criminal_case_query(user, CriminalCaseFilters()).where(
        CriminalCase.id == record_id))


def criminal_case_of(case_id: int) -> CriminalCase | None:
    """The criminal-case record of core case ``case_id``, if any (no access check)."""
    return db.session.scalar(select(CriminalCase).where(CriminalCase.case_id == case_id))


def cases_to_file(user: User, limit: int = 200) -> list[Case]:
    """Core cases ``user``'s department handles that have no criminal-case record yet."""
    return list(db.session.scalars(
        select(Case).where(Case.department_id == user.department_id,
                           ~exists().where(CriminalCase.case_id == Case.id))
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)))


# ------------------------------------------------------------------- early interventions


@dataclass
class InterventionInput:
    case_id: int | None
    intervened_on: date | None
    officer: str
    notes: str = ""


def record_intervention(user: User, data: InterventionInput) -> Intervention:
    """The police record joining another department's open case early (提前介入)."""
    _require(user, "police.intervention.record")
    case_ = _case(data.case_id, "case_id")
    if not access.can(user, "police.intervention.record", case_):
        raise InputError.of(case_id=_l("Early intervention is in another department's "
                                       "open case."))
    problems: dict[str, Any] = {}
    if data.intervened_on is None:
        problems["intervened_on"] = _l("Give the day of the intervention.")
    elif data.intervened_on > local_day(utcnow()):
        problems["intervened_on"] = _l("The day cannot be in the future.")
    if not data.officer.strip():
        problems["officer"] = _l("Name the officer.")
    elif len(data.officer.strip()) > 100:
        problems["officer"] = _l("At most 100 characters.")
    if problems:
        raise InputError.of(**problems)
    record = Intervention(case_id=case_.id, department_id=user.department_id,
                          intervened_on=data.intervened_on, officer=data.officer.strip(),
                          notes=data.notes.strip(), created_by_id=user.id)
    db.session.add(record)
    db.session.flush()
    return record


def visible_interventions(user: Any) -> Any:
    """SQL condition (with ``Case`` joined): the office sees every intervention; the police
    department those it recorded; a department those in cases it may see (its own)."""
    if not (getattr(user, "is_authenticated", False) and user.role in access.BUSINESS_ROLES):
        return false()
    if access.is_office(user):
        return true()
    return or_(Intervention.department_id == user.department_id, access.visible_cases(user))


@dataclass
class InterventionFilters:
    q: str = ""
    since: date | None = None
    until: date | None = None


def intervention_query(user: User, filters: InterventionFilters) -> Select[Any]:
    """The early interventions ``user`` may see, newest first."""
    stmt = (select(Intervention).join(Case, Case.id == Intervention.case_id)
            .where(visible_interventions(user)))
    if filters.q:
        # Titles are searched only among the cases the user may see.
        stmt = stmt.where(or_(Intervention.officer.icontains(filters.q, autoescape=True),
                              and_(access.visible_cases(user),
                                   Case.title.icontains(filters.q, autoescape=True))))
    if filters.since:
        stmt = stmt.where(Intervention.intervened_on >= filters.since)
    if filters.until:
        stmt = stmt.where(Intervention.intervened_on <= filters.until)
    return stmt.order_by(Intervention.intervened_on.desc(), Intervention.id.desc())


def get_visible_intervention(user: User, record_id: int) -> Intervention | None:
    """Intervention ``record_id`` if ``user`` may see it (else None: 404)."""
    return db.session.scalar(intervention_query(user, InterventionFilters()).where(
        Intervention.id == record_id))


def visible_case_ids(user: User, case_ids: set[int]) -> set[int]:
    """Which of ``case_ids`` ``user`` may see (one query): the others show as a number."""
    if not case_ids:
        return set()
    return set(db.session.scalars(select(Case.id).where(Case.id.in_(case_ids),
                                                        access.visible_cases(user))))


def interventions_of(user: User, case_id: int) -> list[Intervention]:
    """The interventions in core case ``case_id`` that ``user`` may see."""
    return list(db.session.scalars(intervention_query(user, InterventionFilters()).where(
        Intervention.case_id == case_id)))


# ------------------------------------------------------------------------------ outcomes

OUTCOME_FIGURES = ("admin_detentions", "criminal_detentions", "arrests", "persons_involved")


@dataclass
class OutcomeInput:
    admin_detentions: int | None = 0
    criminal_detentions: int | None = 0
    arrests: int | None = 0
    persons_involved: int | None = 0
    notes: str = ""


def save_outcome(user: User, case_id: int, data: OutcomeInput,
                 version: int | None = None) -> Outcome:
    """The police record (or correct) a case's outcome. ``version``: the one the editor
    loaded, if the outcome existed (a stale one is a conflict)."""
    _require(user, "police.outcome.edit")
    case_ = _case(case_id, "case_id")
    _require(user, "police.outcome.edit", case_)
    problems: dict[str, Any] = {}
    for name in OUTCOME_FIGURES:
        value = getattr(data, name)
        if value is None or not isinstance(value, int) or not 0 <= value <= MAX_PERSONS:
            problems[name] = _l("A number of persons from 0 to %(n)d.", n=MAX_PERSONS)
    if problems:
        raise InputError.of(**problems)
    outcome = outcome_of(case_.id)
    if outcome is None:
        outcome = Outcome(case_id=case_.id, department_id=user.department_id)
        db.session.add(outcome)
    elif version is not None and version != outcome.version:
        raise StateConflict(outcome.id)
    for name in OUTCOME_FIGURES:
        setattr(outcome, name, getattr(data, name))
    outcome.notes = data.notes.strip()
    outcome.updated_by_id = user.id
    db.session.flush()
    return outcome


def outcome_of(case_id: int) -> Outcome | None:
    """The outcome of core case ``case_id``, if recorded (no access check)."""
    return db.session.scalar(select(Outcome).where(Outcome.case_id == case_id))


@dataclass
class OutcomeFilters:
    q: str = ""
    offence_type: str = ""


def outcome_query(user: User, filters: OutcomeFilters) -> Select[Any]:
    """The outcomes of cases ``user`` may see, most recently changed first."""
    stmt = (select(Outcome).join(Case, Case.id == Outcome.case_id)
            .where(access.visible_cases(user)))
    if filters.offence_type:
        stmt = stmt.where(Case.offence_type == filters.offence_type)
    if filters.q:
        stmt = stmt.where(or_(Case.title.icontains(filters.q, autoescape=True),
                              exists().where(CriminalCase.case_id == Case.id,
                                             CriminalCase.case_number.icontains(
                                                 filters.q, autoescape=True))))
    return stmt.order_by(Outcome.updated_at.desc(), Outcome.id.desc())


def outcome_totals(stmt: Select[Any]) -> dict[str, int]:
    """The figures of every outcome ``stmt`` selects, added up (one query)."""
    rows = stmt.order_by(None).subquery()
    sums = db.session.execute(select(*(func.coalesce(func.sum(rows.c[name]), 0)
                                       for name in OUTCOME_FIGURES),
                                     func.count())).one()
    return {**dict(zip(OUTCOME_FIGURES, (int(v) for v in sums[:-1]), strict=True)),
            "cases": int(sums[-1])}


def case_numbers(case_ids: set[int]) -> dict[int, str]:
    """``case_id -> 刑事案件编号`` for those with a criminal-case record (one query)."""
    if not case_ids:
        return {}
    rows = db.session.execute(select(CriminalCase.case_id, CriminalCase.case_number)
                              .where(CriminalCase.case_id.in_(case_ids)))
    return {case_id: number for case_id, number in rows}


# -------------------------------------------------------------------------- risk notices


@dataclass
class RiskNoticeInput:
    target: str  # department code
    subject: str
    content: str
    reply_due_on: date | None = None  # default: the configured number of working days


def _reply_link(notice: RiskNotice) -> str:
    return notifications.app_path("police.risk_notice_reply", notice_id=notice.id)


def _link(notice: RiskNotice) -> str:
    return notifications.app_path("police.risk_notice_detail", notice_id=notice.id)


def send_risk_notice(user: User, data: RiskNoticeInput,
                     now: datetime | None = None) -> RiskNotice:
    """A police liaison or leader sends a risk notice; the target department's liaisons and
    leaders are told (with a link to the reply page)."""
    from core.workdays import due_after_working_days

    now = now or utcnow()
    _require(user, "police.risk_notice.send")
    problems: dict[str, Any] = {}
    target = db.session.scalar(select(Department).where(
        Department.code == data.target, Department.active.is_(True),
        Department.kind == "department"))
    if target is None or target.id == user.department_id:
        problems["target"] = _l("Choose another department.")
    subject, content = data.subject.strip(), data.content.strip()
    if not subject:
        problems["subject"] = _l("A subject is required.")
    elif len(subject) > 200:
        problems["subject"] = _l("At most 200 characters.")
    if not content:
        problems["content"] = _l("Say what the loophole or hazard is.")
    if data.reply_due_on is not None and data.reply_due_on <= local_day(now):
        problems["reply_due_on"] = _l("The reply is due after today.")
    if problems:
        raise InputError.of(**problems)
    assert target is not None
    due = (due_by(data.reply_due_on) if data.reply_due_on is not None
           else due_after_working_days(now, int(setting("risk_notice_reply_working_days"))))
    notice = add_numbered(
        lambda number: RiskNotice(
            number=number, department_id=user.department_id, target_department_id=target.id,
            subject=subject, content=content, state="sent", sent_at=now, sent_by_id=user.id,
            reply_due_at=due),
        RiskNotice.number, str(setting("risk_notice_number_prefix")), now)
    notifications.notify_department(target.id, "police.risk_notice", subject,
                                    _reply_link(notice), "police_risk_notice", notice.id,
                                    roles=ACTING_ROLES)
    return notice


def reply_risk_notice(user: User, notice: RiskNotice, text: str,
                      now: datetime | None = None) -> None:
    """The target department's liaison or leader replies (once); the sending department's
    liaisons and leaders, and the sender, are told."""
    _require(user, "police.risk_notice.reply", notice)
    text = text.strip()
    if not text:
        raise InputError.of(reply_text=_l("Write the reply."))
    claim_state(RiskNotice, notice, "sent", "replied")
    notice.reply_text = text
    notice.replied_at = now or utcnow()
    notice.replied_by_id = user.id
    db.session.flush()
    recipients = set(notifications.department_users([notice.department_id],
                                                    roles=ACTING_ROLES)) | {notice.sent_by_id}
    notifications.notify(recipients, "police.risk_notice.replied", notice.subject,
                         _link(notice), "police_risk_notice", notice.id)


def visible_risk_notices(user: Any) -> Any:
    """SQL condition: the sending and the target department see a notice, the office all;
    villages and system roles none."""
    if not (getattr(user, "is_authenticated", False) and user.role in access.BUSINESS_ROLES):
        return false()
    if access.is_office(user):
        return true()
    return or_(RiskNotice.department_id == user.department_id,
               RiskNotice.target_department_id == user.department_id)


@dataclass
class RiskNoticeFilters:
    state: str = ""  # sent, replied, overdue
    direction: str = ""  # sent / received, from the user's department
    target: str = ""  # department code
    q: str = ""
    since: date | None = None
    until: date | None = None


def _overdue(now: datetime) -> Any:
    return and_(RiskNotice.state == "sent", RiskNotice.reply_due_at < now)


def risk_notice_query(user: User, filters: RiskNoticeFilters,
                      now: datetime | None = None) -> Select[Any]:
    """The notices ``user`` may see: overdue first, then newest."""
    now = now or utcnow()
    stmt = select(RiskNotice).where(visible_risk_notices(user))
    if filters.state == "overdue":
        stmt = stmt.where(_overdue(now))
    elif filters.state in NOTICE_STATES:
        stmt = stmt.where(RiskNotice.state == filters.state)
    if filters.direction == "sent":
        stmt = stmt.where(RiskNotice.department_id == user.department_id)
    elif filters.direction == "received":
        stmt = stmt.where(RiskNotice.target_department_id == user.department_id)
    if filters.target:
        stmt = stmt.where(RiskNotice.target_department_id == select(Department.id).where(
            Department.code == filters.target).scalar_subquery())
    if filters.q:
        stmt = stmt.where(or_(RiskNotice.subject.icontains(filters.q, autoescape=True),
                              RiskNotice.number.icontains(filters.q, autoescape=True)))
    if filters.since:
        stmt = stmt.where(RiskNotice.sent_at >= day_start(filters.since))
    if filters.until:
        stmt = stmt.where(RiskNotice.sent_at < day_start(filters.until, end=True))
    return stmt.order_by(case((_overdue(now), 0), else_=1), RiskNotice.sent_at.desc(),
                         RiskNotice.id.desc())


def get_visible_risk_notice(user: User, notice_id: int) -> RiskNotice | None:
    """Risk notice ``notice_id`` if ``user``'s department sent or received it, or the
    user is the office (else None: 404)."""
    return db.session.scalar(select(RiskNotice).where(RiskNotice.id == notice_id,
                                                      visible_risk_notices(user)))


def risk_notice_deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Notices not replied whose reply is due within a day or late: the target's liaisons and
    leaders are reminded, and the sending department's too once it is late."""
    soon = now + notifications.APPROACHING
    pending = list(db.session.scalars(select(RiskNotice).where(
        RiskNotice.state == "sent", RiskNotice.reply_due_at <= soon).order_by(RiskNotice.id)))
    reminders = []
    for notice in pending:
        recipients = set(notifications.department_users([notice.target_department_id],
                                                        roles=ACTING_ROLES))
        link = _reply_link(notice)
        if now >= notice.reply_due_at:
            recipients |= set(notifications.department_users([notice.department_id],
                                                             roles=ACTING_ROLES))
        reminders.append(notifications.Reminder(
            recipients=recipients, subject=notice.subject, link=link,
            object_type="police_risk_notice", object_id=notice.id, due_at=notice.reply_due_at))
    return reminders


def risk_notice_reminders_job(now: datetime) -> int:
    """Scheduled job ``police.risk_notice_reminders`` (idempotent, like the core's)."""
    return notifications.remind_deadlines(now, [risk_notice_deadline_source])


# ---------------------------------------------------------------------------- transfers


def transfers_received(user: User, state: str = "open") -> Select[Any]:
    """Hand-overs to the police (the two-way ledger's rows): a police department's own
    (``direction="received"``); for the office and others, those to any police department
    they may see. ``state``: a ledger state, ``open`` (not confirmed) or ``""`` (all)."""
    if is_police(user):
        return ledger_query(user, LedgerFilters(direction="received", state=state))
    police = select(Department.id).where(Department.plugin == NAME)
    return ledger_query(user, LedgerFilters(state=state)).where(
        Transfer.to_department_id.in_(police))


# ----------------------------------------------------------------------- quarterly report


def quarterly_values(department: Department, quarter: Any) -> dict[str, int]:
    """The figures of the police section of ``department``'s report for ``quarter``."""
    return figures(department, quarter.start, quarter.end)


def figures(department: Department, since: datetime, until: datetime) -> dict[str, int]:
    """What ``department`` did from ``since`` to ``until``: criminal cases it filed (立案日期,
    site-local days), cases handed to it, and criminal detentions in the criminal cases it
    filed; for the quarterly report and a joint meeting's duty report."""
    filed = and_(CriminalCase.department_id == department.id,
                 CriminalCase.filed_on >= local_day(since),
                 CriminalCase.filed_on < local_day(until))
    criminal_cases = db.session.scalar(select(func.count(CriminalCase.id)).where(filed)) or 0
    transfers = db.session.scalar(select(func.count(Transfer.id)).where(
        Transfer.to_department_id == department.id, Transfer.sent_at >= since,
        Transfer.sent_at < until)) or 0
    detentions = db.session.scalar(
        select(func.coalesce(func.sum(Outcome.criminal_detentions), 0)).select_from(Outcome)
        .join(CriminalCase, CriminalCase.case_id == Outcome.case_id).where(filed)) or 0
    return {"criminal_cases": int(criminal_cases), "transfers_received": int(transfers),
            "detentions": int(detentions)}
