"""Cases and hand-overs between departments (行刑衔接): the rules.

* A department opens a case (or a lead) of an offence type from the ``offence_types`` hook,
  with its place, facts, parties (ID numbers are sensitive) and evidence files.
* The handling department hands it to another department: reason, legal basis, materials.
  The receiver acknowledges within ``[transfers] acknowledge_working_days`` working days and
  gives feedback within ``feedback_working_days`` (both from the hand-over, counted by
  ``core.workdays``): accepted and filed as a criminal case (the receiver now handles the
  case), not a crime, returned with a reason, or more evidence needed. The sender then
  confirms it has the feedback. ``transfer_received`` and ``transfer_answered`` let plugins act.
* Nothing closes until both sides have done their step: a case with a hand-over not yet
  confirmed cannot be closed.

Nothing here commits: views and the API commit once per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select

from core import access
from core.accounts.models import User
from core.cases.models import (
    CASE_KINDS,
    FEEDBACKS,
    PARTY_KINDS,
    Case,
    CaseParty,
    Transfer,
)
from core.db import db, utcnow
from core.departments.models import Department
from core.errors import InputError, StateConflict
from core.notifications import services as notifications
from core.records import claim_state
from core.supervision import services as supervision
from core.timeutil import day_start

CASE_OWNER = "case"
TRANSFER_OWNER = "transfer"
#: Who acts for a department on hand-overs.
ACTING_ROLES = ("liaison", "leader")


def offence_type_codes() -> set[str]:
    from core.app import kernel

    return {o["code"] for o in kernel().offence_types}


# ------------------------------------------------------------------------------ cases


@dataclass
class PartyInput:
    name: str
    kind: str = "person"
    id_number: str = ""
    note: str = ""


@dataclass
class CaseInput:
    title: str
    offence_type: str
    kind: str = "case"
    place_name: str = ""
    lat: float | None = None
    lng: float | None = None
    occurred_on: date | None = None
    facts: str = ""
    parties: list[PartyInput] = field(default_factory=list)
    finding_id: int | None = None


def _validate_case(user: User, data: CaseInput) -> None:
    problems: dict[str, Any] = {}
    if not data.title.strip():
        problems["title"] = _l("A title is required.")
    elif len(data.title.strip()) > 200:
        problems["title"] = _l("At most %(n)d characters.", n=200)
    if len(data.place_name.strip()) > 200:
        problems["place_name"] = _l("At most %(n)d characters.", n=200)
    if data.finding_id is not None:
        from core.inspections.models import Finding

        if db.session.scalar(select(Finding.id).where(
                Finding.id == data.finding_id, access.visible_findings(user))) is None:
            problems["finding_id"] = _l("No finding with this number that you may see.")
    if data.kind not in CASE_KINDS:
        problems["kind"] = _l("Choose a case or a lead.")
    if data.offence_type not in offence_type_codes():
        problems["offence_type"] = _l("Choose an offence type.")
    if (data.lat is None) != (data.lng is None):
        problems["lat"] = _l("Give both latitude and longitude.")
    elif data.lat is not None and not (-90 <= data.lat <= 90 and -180 <= data.lng <= 180):
        problems["lat"] = _l("Latitude is between -90 and 90, longitude between -180 and 180.")
    for index, party in enumerate(data.parties):
        if not party.name.strip() or party.kind not in PARTY_KINDS:
            problems["parties"] = _l("Party %(n)d needs a name and a kind (person or "
                                     "company).", n=index + 1)
        elif (len(party.id_number.strip()) > 40 or len(party.name.strip()) > 200
              or len(party.note.strip()) > 500):
            problems["parties"] = _l("Party %(n)d: the name, ID number or note is too long.",
                                     n=index + 1)
    if problems:
        raise InputError.of(**problems)


def open_case(user: User, data: CaseInput, now: datetime | None = None) -> Case:
    """A department opens a case or lead it handles."""
    if (user.role not in access.BUSINESS_ROLES
            or user.department.kind not in ("office", "department")):
        raise PermissionError("departments open cases")
    _validate_case(user, data)
    case_ = Case(kind=data.kind, title=data.title.strip(), offence_type=data.offence_type,
                 department_id=user.department_id, place_name=data.place_name.strip(),
                 lat=data.lat, lng=data.lng, facts=data.facts.strip(),
                 occurred_on=day_start(data.occurred_on) if data.occurred_on else None,
                 finding_id=data.finding_id, created_by_id=user.id,
                 created_at=now or utcnow(), state="open")
    case_.parties = [CaseParty(kind=p.kind, name=p.name.strip(),
                               id_number=p.id_number.strip(), note=p.note.strip())
                     for p in data.parties]
    db.session.add(case_)
    db.session.flush()
    return case_


def close_case(user: User, case_: Case, outcome: str, now: datetime | None = None) -> None:
    """The handling department concludes the case, once every hand-over is confirmed."""
    if case_.state == "closed":
        raise StateConflict(case_.id)
    if not access.may_handle_case(user, case_):
        raise PermissionError("not the handling department")
    pending = db.session.scalar(select(func.count(Transfer.id)).where(
        Transfer.case_id == case_.id, Transfer.state != "confirmed"))
    if pending:
        raise InputError.of(outcome=_l("A hand-over of this case is not finished: both "
                                       "sides must have done their step."))
    if not outcome.strip():
        raise InputError.of(outcome=_l("Say how the case was concluded."))
    case_.state = "closed"
    case_.outcome = outcome.strip()
    case_.closed_at = now or utcnow()
    if case_.supervised:
        supervision.end("case", case_.id, case_.closed_at)
    db.session.flush()


# ------------------------------------------------------------------ listed supervision


def supervise_case(user: User, case_: Case, reason: str, now: datetime | None = None) -> None:
    """The office lists a major case for supervision (挂牌督办): the rhythm of
    ``core.supervision`` (monthly inquiry, quarterly report) applies until it is concluded."""
    if not access.is_office(user):
        raise PermissionError("only the office lists cases for supervision")
    if case_.state != "open":
        raise InputError.of(reason=_l("The case is concluded."))
    supervision.start("case", case_.id, case_.department_id, reason, user, now)
    case_.supervised = True
    db.session.flush()
    notifications.notify_department(case_.department_id, "case.supervised", case_.title,
                                    notifications.app_path("cases.detail", case_id=case_.id),
                                    "case", case_.id, roles=ACTING_ROLES)


def may_write_supervision(user: User, case_: Case, kind: str) -> bool:
    """Monthly inquiries are the office's; quarterly reports the handling department's
    liaison or leader (or the office)."""
    if not case_.supervised or case_.state != "open":
        return False
    if kind == "inquiry":
        return access.is_office(user)
    return access.is_office(user) or (user.department_id == case_.department_id
                                      and user.role in ACTING_ROLES)


def add_supervision_entry(user: User, case_: Case, kind: str, period: str, text: str,
                          now: datetime | None = None) -> Any:
    if not may_write_supervision(user, case_, kind):
        raise PermissionError("not yours to write")
    found = supervision.find("case", [case_.id]).get(case_.id)
    if found is None:
        raise PermissionError("not supervised")
    return supervision.add_entry(found, kind, period, text, user, now)


def describe_cases(ids: list[int]) -> dict[int, tuple[str, str]]:
    """``{id: (subject, link)}`` for reminders about supervised cases."""
    return {c.id: (c.title, notifications.app_path("cases.detail", case_id=c.id))
            for c in db.session.scalars(select(Case).where(Case.id.in_(ids)))}


def supervision_board(user: User, now: datetime | None = None, limit: int = 100
                      ) -> list[tuple[Case, Any]]:
    """Supervised open cases the user may see, those with missing entries first."""
    cases = list(db.session.scalars(select(Case).where(
        access.visible_cases(user), Case.supervised.is_(True), Case.state == "open")
        .order_by(Case.created_at, Case.id).limit(limit)))
    return supervision.board("case", cases, now)


def get_visible_case(user: User, case_id: int) -> Case | None:
    return db.session.scalar(select(Case).where(Case.id == case_id,
                                                access.visible_cases(user)))


def plugin_links(user: User, case_: Case) -> list[dict[str, Any]]:
    """Links to what department plugins keep about ``case_`` (``case_links`` hook), only
    from plugins that serve ``user``'s department."""
    from core.app import kernel
    from core.plugins import BUILTIN_PLUGINS, call_each

    links = []
    for plugin, answer in call_each(kernel().pm, "case_links", case=case_, user=user):
        if plugin in BUILTIN_PLUGINS or access.plugin_serves(user, plugin):
            links.extend({**link, "plugin": plugin} for link in answer)
    return links


def linked_tips(user: User, case_: Case) -> list[Any]:
    """The public tips that led to ``case_`` and that ``user`` may see (never contacts)."""
    from core.tips.models import Tip
    from core.tips.services import visible_tips

    return list(db.session.scalars(select(Tip).where(Tip.case_id == case_.id,
                                                     visible_tips(user))
                                   .order_by(Tip.received_at)))


def transfer_departments(case_: Case) -> set[int]:
    """Every department a hand-over of ``case_`` went from or to."""
    rows = db.session.execute(select(Transfer.from_department_id, Transfer.to_department_id)
                              .where(Transfer.case_id == case_.id)).all()
    return {d for row in rows for d in row}


def shown_parties(user: User, case_: Case) -> list[dict[str, Any]]:
    """The parties as ``user`` may see them: ID numbers masked unless the user's department
    handles the case (the office sees the non-sensitive fields only)."""
    identities = access.may_see_identities(user, case_, transfer_departments(case_))
    return [{"kind": p.kind, "name": p.name, "note": p.note,
             "id_number": p.id_number if identities else mask(p.id_number)}
            for p in case_.parties]


def mask(value: str) -> str:
    """``440181199001011234`` -> ``4401**********1234`` (nothing shown when short)."""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


@dataclass
class CaseFilters:
    state: str = ""
    kind: str = ""
    offence_type: str = ""
    department: str = ""
    q: str = ""
    since: date | None = None
    until: date | None = None


def case_query(user: User, filters: CaseFilters) -> Select[Any]:
    stmt = select(Case).where(access.visible_cases(user))
    if filters.state:
        stmt = stmt.where(Case.state == filters.state)
    if filters.kind:
        stmt = stmt.where(Case.kind == filters.kind)
    if filters.offence_type:
        stmt = stmt.where(Case.offence_type == filters.offence_type)
    if filters.department:
        stmt = stmt.where(Case.department_id == select(Department.id).where(
            Department.code == filters.department).scalar_subquery())
    if filters.q:
        stmt = stmt.where(or_(Case.title.icontains(filters.q, autoescape=True),
                              Case.place_name.icontains(filters.q, autoescape=True)))
    if filters.since:
        stmt = stmt.where(Case.created_at >= day_start(filters.since))
    if filters.until:
        stmt = stmt.where(Case.created_at < day_start(filters.until, end=True))
    return stmt.order_by(Case.created_at.desc(), Case.id.desc())


# -------------------------------------------------------------------------- transfers


@dataclass
class TransferInput:
    to: str  # department code
    reason: str
    legal_basis: str = ""


def _link(transfer: Transfer) -> str:
    return notifications.app_path("cases.detail", case_id=transfer.case_id,
                                  _anchor=f"transfer-{transfer.id}")


def _hook(name: str, transfer: Transfer) -> None:
    from core.app import kernel

    getattr(kernel().pm.hook, name)(transfer=transfer)


def send_transfer(user: User, case_: Case, data: TransferInput,
                  now: datetime | None = None) -> Transfer:
    """The handling department hands the case (or lead) to another department."""
    from core.app import kernel
    from core.workdays import due_after_working_days

    now = now or utcnow()
    if not (access.may_handle_case(user, case_) and user.role in ACTING_ROLES):
        raise PermissionError("the handling department's liaison or leader hands over")
    problems: dict[str, Any] = {}
    target = db.session.scalar(select(Department).where(
        Department.code == data.to, Department.active.is_(True),
        Department.kind == "department"))
    if target is None or target.id == case_.department_id:
        problems["to"] = _l("Choose another department.")
    if not data.reason.strip():
        problems["reason"] = _l("Say why it is handed over.")
    # One hand-over at a time: lock the case row (PostgreSQL; SQLite serialises writers),
    # then look for one not yet confirmed by both sides.
    db.session.execute(select(Case.id).where(Case.id == case_.id).with_for_update())
    busy = db.session.scalar(select(func.count(Transfer.id)).where(
        Transfer.case_id == case_.id, Transfer.state != "confirmed"))
    if busy:
        problems["to"] = _l("A hand-over of this case is not finished yet.")
    if problems:
        raise InputError.of(**problems)
    assert target is not None
    days = kernel().settings["transfers"]
    transfer = Transfer(
        case_id=case_.id, from_department_id=case_.department_id, to_department_id=target.id,
        reason=data.reason.strip(), legal_basis=data.legal_basis.strip(), state="sent",
        sent_at=now, sent_by_id=user.id,
        ack_due_at=due_after_working_days(now, days["acknowledge_working_days"]),
        feedback_due_at=due_after_working_days(now, days["feedback_working_days"]))
    db.session.add(transfer)
    db.session.flush()
    notifications.notify_department(target.id, "transfer.received", case_.title,
                                    _link(transfer), "transfer", transfer.id,
                                    roles=ACTING_ROLES)
    _hook("transfer_received", transfer)
    db.session.flush()
    return transfer


def _receiver(user: User, transfer: Transfer) -> bool:
    return (getattr(user, "is_authenticated", False) and user.role in ACTING_ROLES
            and user.department_id == transfer.to_department_id)


def acknowledge(user: User, transfer: Transfer, now: datetime | None = None) -> None:
    """The receiver confirms it has the hand-over and its materials."""
    if not _receiver(user, transfer):
        raise PermissionError("the receiving department acknowledges")
    claim_state(Transfer, transfer, "sent", "acknowledged")
    transfer.acknowledged_at = now or utcnow()
    transfer.acknowledged_by_id = user.id
    db.session.flush()


def answer(user: User, transfer: Transfer, feedback: str, text: str,
           now: datetime | None = None) -> None:
    """The receiver's feedback. Accepted as a criminal case: the receiver now handles the
    case. Not a crime / returned / more evidence: it stays with (goes back to) the sender."""
    if not _receiver(user, transfer):
        raise PermissionError("the receiving department answers")
    problems: dict[str, Any] = {}
    if feedback not in FEEDBACKS:
        problems["feedback"] = _l("Choose the feedback.")
    if feedback != "accepted_criminal" and not text.strip():
        problems["text"] = _l("Give the reason.")
    if problems:
        raise InputError.of(**problems)
    now = now or utcnow()
    if transfer.state == "sent":  # answering implies having received it
        claim_state(Transfer, transfer, "sent", "acknowledged")
        transfer.acknowledged_at = now
        transfer.acknowledged_by_id = user.id
    claim_state(Transfer, transfer, "acknowledged", "answered")
    transfer.feedback = feedback
    transfer.feedback_text = text.strip()
    transfer.answered_at = now
    transfer.answered_by_id = user.id
    if feedback == "accepted_criminal":
        transfer.case.department_id = transfer.to_department_id
    db.session.flush()
    notifications.notify_department(transfer.from_department_id, "transfer.answered",
                                    transfer.case.title, _link(transfer), "transfer",
                                    transfer.id, roles=ACTING_ROLES)
    _hook("transfer_answered", transfer)
    db.session.flush()


def confirm(user: User, transfer: Transfer, now: datetime | None = None) -> None:
    """The sender confirms it has the feedback: the hand-over is finished."""
    if not (getattr(user, "is_authenticated", False) and user.role in ACTING_ROLES
            and user.department_id == transfer.from_department_id):
        raise PermissionError("the sending department confirms")
    claim_state(Transfer, transfer, "answered", "confirmed")
    transfer.confirmed_at = now or utcnow()
    transfer.confirmed_by_id = user.id
    db.session.flush()


def get_visible_transfer(user: User, transfer_id: int) -> Transfer | None:
    return db.session.scalar(select(Transfer).where(Transfer.id == transfer_id,
                                                    access.visible_transfers(user)))


def transfers_of(case_: Case) -> list[Transfer]:
    return list(db.session.scalars(select(Transfer).where(Transfer.case_id == case_.id)
                                   .order_by(Transfer.sent_at, Transfer.id)))


@dataclass
class LedgerFilters:
    direction: str = ""  # sent / received (from the user's department's point of view)
    state: str = ""  # a TRANSFER_STATE, "overdue" or "open" (not confirmed)
    department: str = ""  # the other side's code
    feedback: str = ""
    since: date | None = None
    until: date | None = None


def ledger_query(user: User, filters: LedgerFilters, now: datetime | None = None
                 ) -> Select[Any]:
    """The two-way hand-over ledger (双向移交反馈台账): every visible transfer in either
    direction, overdue first, then newest."""
    now = now or utcnow()
    overdue = or_(and_(Transfer.state == "sent", Transfer.ack_due_at < now),
                  and_(Transfer.state.in_(("sent", "acknowledged")),
                       Transfer.feedback_due_at < now))
    stmt = select(Transfer).where(access.visible_transfers(user))
    mine = user.department_id
    if filters.direction == "sent":
        stmt = stmt.where(Transfer.from_department_id == mine)
    elif filters.direction == "received":
        stmt = stmt.where(Transfer.to_department_id == mine)
    if filters.state == "overdue":
        stmt = stmt.where(overdue)
    elif filters.state == "open":
        stmt = stmt.where(Transfer.state != "confirmed")
    elif filters.state:
        stmt = stmt.where(Transfer.state == filters.state)
    if filters.department:
        other = select(Department.id).where(
            Department.code == filters.department).scalar_subquery()
        stmt = stmt.where(or_(Transfer.from_department_id == other,
                              Transfer.to_department_id == other))
    if filters.feedback:
        stmt = stmt.where(Transfer.feedback == filters.feedback)
    if filters.since:
        stmt = stmt.where(Transfer.sent_at >= day_start(filters.since))
    if filters.until:
        stmt = stmt.where(Transfer.sent_at < day_start(filters.until, end=True))
    return stmt.order_by(case((overdue, 0), else_=1), Transfer.sent_at.desc(),
                         Transfer.id.desc())


def waiting_counts(user: User, now: datetime | None = None) -> dict[str, int]:
    """For the dashboard: hand-overs waiting on the user's department (to acknowledge or
    answer, to confirm) and how many of them are overdue (one query)."""
    now = now or utcnow()
    mine = user.department_id
    to_answer = and_(Transfer.to_department_id == mine,
                     Transfer.state.in_(("sent", "acknowledged")))
    late = or_(and_(Transfer.state == "sent", Transfer.ack_due_at < now),
               Transfer.feedback_due_at < now)
    row = db.session.execute(select(
        func.sum(case((to_answer, 1), else_=0)),
        func.sum(case((and_(to_answer, late), 1), else_=0)),
        func.sum(case((and_(Transfer.from_department_id == mine,
                            Transfer.state == "answered"), 1), else_=0)),
    ).where(access.visible_transfers(user))).one()
    return {"to_answer": row[0] or 0, "overdue": row[1] or 0, "to_confirm": row[2] or 0}


def transfer_deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Hand-overs whose acknowledgement or feedback is due within a day or late: the
    receiver's liaisons and leaders are reminded (the sender too once it is late)."""
    soon = now + notifications.APPROACHING
    pending = list(db.session.scalars(select(Transfer).where(or_(
        and_(Transfer.state == "sent", Transfer.ack_due_at <= soon),
        and_(Transfer.state.in_(("sent", "acknowledged")),
             Transfer.feedback_due_at <= soon))).order_by(Transfer.id)))
    if not pending:
        return []
    people = notifications.users_by_department(
        {t.to_department_id for t in pending} | {t.from_department_id for t in pending},
        roles=ACTING_ROLES)
    reminders = []
    for t in pending:
        due = t.ack_due_at if t.state == "sent" and t.ack_due_at <= soon else t.feedback_due_at
        recipients = set(people[t.to_department_id])
        if now >= due:
            recipients |= set(people[t.from_department_id])
        reminders.append(notifications.Reminder(
            recipients=recipients, subject=t.case.title, link=_link(t),
            object_type="transfer", object_id=t.id, due_at=due))
    return reminders

