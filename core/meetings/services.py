"""Joint meetings: who may do what, proposals and their approval round, the meeting itself
(invitations, agenda, attendance), lists and the duty-report reminders.

Who may do what (one place, used by pages and the API alike):

* see a body's proposals and meetings: the office; the body's member departments and its
  liaison office; invited departments and people (system roles: none);
* propose: a member department's liaison, leader or office staff;
* approve or decline: the leader (分管领导) of a convener department, once per department;
  the meeting is convened when every convener department approved, declined by any one;
* organise (agenda, attendance, resolutions): the lead unit, the conveners and the liaison
  office (their liaisons, leaders and office staff), and the office;
* widen the scope (invite another department or a person): a convener's leader, whose act
  is that convener's consent; the other conveners are told.

Nothing here commits: views and the API commit once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, exists, false, func, or_, select, true, update

from core import access
from core.access import BUSINESS_ROLES
from core.accounts.models import User
from core.db import db, savepoint, utcnow
from core.departments.models import Department
from core.errors import InputError, StateConflict
from core.meetings.models import (
    MEETING_KINDS,
    MEETING_STATES,
    PROPOSAL_STATES,
    AgendaItem,
    Meeting,
    MeetingBody,
    MeetingBodyMember,
    MeetingInvitation,
    MeetingMinutes,
    MeetingProposal,
    ProposalApproval,
)
from core.notifications import services as notifications
from core.records import claim_state
from core.timeutil import due_by, local_day

#: Roles that speak for their department in a meeting's business.
SPEAKERS = ("office", "liaison", "leader")
#: Minutes are due this many days after the day the meeting was held (licheng 三: 一周内).
MINUTES_DUE_DAYS = 7
#: How far ahead a meeting may be proposed.
MAX_AHEAD = timedelta(days=366)
#: Owner type of agenda items' papers in the attachments table.
AGENDA_OWNER = "meeting_agenda_item"
#: The list's state filters besides the stored states.
FILTER_STATES = ("", "minutes_overdue", *MEETING_STATES)


def _business(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES


def _speaks_for(user: Any, department_ids: set[int]) -> bool:
    return _business(user) and user.role in SPEAKERS and user.department_id in department_ids


def is_convener_leader(user: Any, body: MeetingBody) -> bool:
    """The responsible leader of one of ``body``'s convener departments."""
    return _business(user) and user.role == "leader" and user.department_id in body.convener_ids


def department_by_code(code: str) -> Department | None:
    """An active office or department (not a village) by its code."""
    return db.session.scalar(select(Department).where(
        Department.code == code, Department.active.is_(True),
        Department.kind.in_(("office", "department"))))


def hold(model: Any, obj: Any, *conditions: Any) -> None:
    """Take ``obj``'s row for this transaction if ``conditions`` still hold, by bumping its
    ``version`` with one conditional UPDATE; raise :class:`StateConflict` otherwise.

    Concurrent steps on the same object (two conveners approving or signing at once) then
    run one after the other: PostgreSQL's row lock, SQLite's write lock. The later step
    sees what the earlier one committed, so a count taken afterwards loses nobody.
    """
    result = db.session.execute(
        update(model).where(model.id == obj.id, *conditions)
        .values(version=model.version + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StateConflict(obj.id)
    db.session.refresh(obj)


# ------------------------------------------------------------------------- visibility


def _of_body(user: Any, body_id: Any) -> Any:
    """SQL: ``user``'s department is a member or the liaison office of body ``body_id``."""
    return or_(
        exists().where(MeetingBodyMember.body_id == body_id,
                       MeetingBodyMember.department_id == user.department_id),
        exists().where(MeetingBody.id == body_id,
                       MeetingBody.liaison_office_id == user.department_id))


def visible_proposals(user: Any) -> Any:
    """SQL condition: the proposals ``user`` may see (the office; the body's departments)."""
    if not _business(user):
        return false()
    if access.is_office(user):
        return true()
    return _of_body(user, MeetingProposal.body_id)


def visible_meetings(user: Any) -> Any:
    """SQL condition: the meetings ``user`` may see: the office; the body's departments;
    invited departments and people. The one rule for lists, pages, exports and the API."""
    if not _business(user):
        return false()
    if access.is_office(user):
        return true()
    invited = exists().where(MeetingInvitation.meeting_id == Meeting.id, or_(
        MeetingInvitation.department_id == user.department_id,
        MeetingInvitation.user_id == user.id))
    return or_(_of_body(user, Meeting.body_id), invited)


def get_visible_proposal(user: Any, proposal_id: int) -> MeetingProposal | None:
    """The proposal if ``user`` may see it (callers answer 404 otherwise)."""
    return db.session.scalar(select(MeetingProposal).where(
        MeetingProposal.id == proposal_id, visible_proposals(user)))


def get_visible_meeting(user: Any, meeting_id: int) -> Meeting | None:
    """The meeting if ``user`` may see it (callers answer 404 otherwise)."""
    return db.session.scalar(select(Meeting).where(Meeting.id == meeting_id,
                                                   visible_meetings(user)))


# ------------------------------------------------------------------------- permissions


def may_propose(user: Any, body: MeetingBody) -> bool:
    """A member department's liaison, leader or office staff, for an active body."""
    return body.active and _speaks_for(user, body.member_ids)


def proposable_bodies(user: Any) -> list[MeetingBody]:
    """The active bodies ``user`` may propose a meeting of."""
    return [b for b in db.session.scalars(select(MeetingBody).where(
        MeetingBody.active.is_(True)).order_by(MeetingBody.id)) if may_propose(user, b)]


def may_answer(user: Any, proposal: MeetingProposal) -> bool:
    """A convener's leader whose department has not answered the pending proposal yet."""
    return (proposal.state == "pending" and is_convener_leader(user, proposal.body)
            and user.department_id not in {a.department_id for a in proposal.approvals})


def organisers(meeting: Meeting) -> set[int]:
    """The departments that run a meeting: its lead unit, the conveners, the liaison office."""
    return {meeting.lead_department_id, meeting.body.liaison_office_id,
            *meeting.body.convener_ids}


def may_organise(user: Any, meeting: Meeting) -> bool:
    """The organising departments' liaisons, leaders and office staff, or the office."""
    return access.is_office(user) or _speaks_for(user, organisers(meeting))


def may_widen(user: Any, meeting: Meeting) -> bool:
    """A convener's leader invites more departments or people before the meeting is held."""
    return meeting.state == "scheduled" and is_convener_leader(user, meeting.body)


# -------------------------------------------------------------------------- proposals


@dataclass
class ProposalInput:
    body: MeetingBody
    topic: str
    starts_at: datetime | None
    lead: str  # department code
    reasons: str = ""
    place: str = ""
    kind: str = "ad_hoc"
    #: Codes of the member departments to invite; empty: every member.
    departments: tuple[str, ...] = ()


def _proposal_problems(data: ProposalInput, lead: Department | None,
                       invited: dict[str, Department | None], now: datetime) -> dict[str, Any]:
    members = data.body.member_ids
    problems: dict[str, Any] = {}
    if data.kind not in MEETING_KINDS:
        problems["kind"] = _l("Choose a regular or an ad-hoc meeting.")
    if not data.topic.strip():
        problems["topic"] = _l("Say what the meeting is about.")
    if lead is None or lead.id not in members:
        problems["lead"] = _l("The lead unit must be a member of the joint meeting.")
    if data.starts_at is None:
        problems["starts_at"] = _l("A time is required.")
    elif data.starts_at <= now:
        problems["starts_at"] = _l("The meeting must be in the future.")
    elif data.starts_at - now > MAX_AHEAD:
        problems["starts_at"] = _l("The meeting must be within a year.")
    if any(d is None or d.id not in members for d in invited.values()):
        problems["departments"] = _l("Only member departments can be invited this way.")
    return problems


def propose(user: User, data: ProposalInput, now: datetime | None = None) -> MeetingProposal:
    """A member department proposes a meeting; the conveners' leaders are asked."""
    now = now or utcnow()
    if not may_propose(user, data.body):
        raise PermissionError("not a member department's liaison or leader")
    lead = department_by_code(data.lead)
    invited = {code: department_by_code(code) for code in data.departments}
    problems = _proposal_problems(data, lead, invited, now)
    if problems:
        raise InputError.of(**problems)
    assert lead is not None and data.starts_at is not None
    # The conveners and the lead unit always take part, whoever else is invited.
    scope = ({d.id for d in invited.values() if d} or data.body.member_ids) | {
        lead.id, *data.body.convener_ids}
    proposal = MeetingProposal(
        body_id=data.body.id, body=data.body, kind=data.kind, topic=data.topic.strip()[:200],
        reasons=data.reasons.strip(), lead_department_id=lead.id, starts_at=data.starts_at,
        place=data.place.strip()[:200], department_ids=sorted(scope), state="pending",
        proposed_by_department_id=user.department_id, created_by_id=user.id, created_at=now)
    db.session.add(proposal)
    db.session.flush()
    notifications.notify(
        notifications.department_users(data.body.convener_ids, roles=("leader",),
                                       exclude=[user.id]),
        "meeting.proposed", proposal.topic,
        notifications.app_path("meeting_proposals.detail", proposal_id=proposal.id),
        "meeting_proposal", proposal.id)
    return proposal


def _answer(user: User, proposal: MeetingProposal, approved: bool, reason: str,
            now: datetime) -> ProposalApproval:
    """Record one convener department's answer, after taking the proposal's row."""
    from sqlalchemy.exc import IntegrityError

    if not is_convener_leader(user, proposal.body):
        raise PermissionError("not a convener's leader")
    hold(MeetingProposal, proposal, MeetingProposal.state == "pending")
    answer = ProposalApproval(proposal_id=proposal.id, department_id=user.department_id,
                              approved=approved, reason=reason.strip(), user_id=user.id,
                              created_at=now)
    try:
        with savepoint():
            db.session.add(answer)
    except IntegrityError:  # this department has answered already
        raise StateConflict(proposal.id) from None
    db.session.expire(proposal, ["approvals"])
    return answer


def approve(user: User, proposal: MeetingProposal, now: datetime | None = None
            ) -> ProposalApproval:
    """A convener approves; the last approval convenes the meeting, exactly once."""
    now = now or utcnow()
    answer = _answer(user, proposal, True, "", now)
    approved = set(db.session.scalars(select(ProposalApproval.department_id).where(
        ProposalApproval.proposal_id == proposal.id, ProposalApproval.approved.is_(True))))
    if proposal.body.convener_ids <= approved:
        _convene(user, proposal, now)
    return answer


def decline(user: User, proposal: MeetingProposal, reason: str,
            now: datetime | None = None) -> ProposalApproval:
    """A convener declines with a reason: the proposal is declined, the proposer told."""
    now = now or utcnow()
    if not reason.strip():
        raise InputError.of(reason=_l("Say why the meeting should not be held."))
    answer = _answer(user, proposal, False, reason, now)
    claim_state(MeetingProposal, proposal, "pending", "declined")
    proposal.decline_reason = reason.strip()
    proposal.decided_at = now
    notifications.notify_department(
        proposal.proposed_by_department_id, "meeting.declined", proposal.topic,
        notifications.app_path("meeting_proposals.detail", proposal_id=proposal.id),
        "meeting_proposal", proposal.id, roles=SPEAKERS)
    return answer


def _convene(user: User, proposal: MeetingProposal, now: datetime) -> Meeting:
    claim_state(MeetingProposal, proposal, "pending", "approved")
    proposal.decided_at = now
    meeting = Meeting(body_id=proposal.body_id, body=proposal.body, proposal_id=proposal.id,
                      kind=proposal.kind, title=proposal.topic, reasons=proposal.reasons,
                      lead_department_id=proposal.lead_department_id,
                      starts_at=proposal.starts_at, place=proposal.place, state="scheduled",
                      created_at=now)
    meeting.invitations = [MeetingInvitation(department_id=d, added_by_id=user.id)
                           for d in proposal.department_ids]
    db.session.add(meeting)
    db.session.flush()
    notifications.notify(notifications.department_users(meeting.department_ids),
                         "meeting.scheduled", meeting.title, meeting_path(meeting),
                         "meeting", meeting.id)
    return meeting


def meeting_of(proposal: MeetingProposal) -> Meeting | None:
    """The meeting an approved proposal convened."""
    return db.session.scalar(select(Meeting).where(Meeting.proposal_id == proposal.id))


# --------------------------------------------------------------------------- meetings


def meeting_path(meeting: Meeting) -> str:
    """The meeting page's path inside the app (links in notifications and tasks)."""
    return notifications.app_path("meetings.detail", meeting_id=meeting.id)


def invite(user: User, meeting: Meeting, department: str = "", username: str = "",
           now: datetime | None = None) -> MeetingInvitation:
    """A convener's leader widens the scope: one more department or person is invited and
    told; the other conveners hear of it."""
    from sqlalchemy.exc import IntegrityError

    if not may_widen(user, meeting):
        raise PermissionError("not a convener's leader, or the meeting was held")
    invitation = MeetingInvitation(meeting_id=meeting.id, added_by_id=user.id,
                                   created_at=now or utcnow())
    if department:
        found = department_by_code(department)
        if found is None:
            raise InputError.of(department=_l("Choose a department."))
        invitation.department_id, recipients = found.id, notifications.department_users(
            [found.id])
    else:
        person = db.session.scalar(select(User).where(User.username == username,
                                                      User.active.is_(True)))
        if person is None or person.role not in BUSINESS_ROLES:
            raise InputError.of(username=_l("No such person."))
        invitation.user_id, recipients = person.id, [person.id]
    try:
        with savepoint():
            db.session.add(invitation)
    except IntegrityError:
        raise InputError.of(**{"department" if department else "username":
                               _l("Already invited.")}) from None
    notifications.notify(recipients, "meeting.scheduled", meeting.title,
                         meeting_path(meeting), "meeting", meeting.id)
    others = meeting.body.convener_ids - {user.department_id}
    notifications.notify(notifications.department_users(others, roles=("leader",)),
                         "meeting.widened", meeting.title, meeting_path(meeting), "meeting",
                         meeting.id)
    return invitation


def add_agenda_item(user: User, meeting: Meeting, title: str, owner: str,
                    notes: str = "", now: datetime | None = None) -> AgendaItem:
    """An organiser puts an item on the agenda of a meeting not yet held; the owner
    department (an invited one) presents it."""
    if not may_organise(user, meeting):
        raise PermissionError("not an organiser of the meeting")
    if meeting.state != "scheduled":
        raise StateConflict(meeting.id)
    department = department_by_code(owner)
    problems: dict[str, Any] = {}
    if not title.strip():
        problems["title"] = _l("Say what the item is.")
    if department is None or department.id not in meeting.department_ids:
        problems["owner"] = _l("The owner must be an invited department.")
    if problems:
        raise InputError.of(**problems)
    assert department is not None
    item = AgendaItem(meeting_id=meeting.id, title=title.strip()[:200], notes=notes.strip(),
                      owner_department_id=department.id, owner_department=department,
                      created_by_id=user.id, created_at=now or utcnow())
    db.session.add(item)
    db.session.flush()
    return item


def agenda_of(meeting: Meeting) -> list[AgendaItem]:
    """The meeting's agenda, in the order it was set."""
    return list(db.session.scalars(select(AgendaItem).where(
        AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.id)))


def record_held(user: User, meeting: Meeting, held_at: datetime | None,
                present: set[int], now: datetime | None = None) -> Meeting:
    """An organiser records that the meeting took place and who attended (``present``:
    invitation ids); the minutes are due a week after that day."""
    now = now or utcnow()
    if not may_organise(user, meeting):
        raise PermissionError("not an organiser of the meeting")
    if held_at is None or held_at > now:
        raise InputError.of(held_at=_l("When the meeting was held: not in the future."))
    if held_at < meeting.created_at - timedelta(days=1):
        raise InputError.of(held_at=_l("The meeting was held after it was convened."))
    unknown = present - {i.id for i in meeting.invitations}
    if unknown:
        raise InputError.of(present=_l("Attendance names only the invited."))
    claim_state(Meeting, meeting, "scheduled", "held")
    meeting.held_at = held_at
    meeting.minutes_due_at = due_by(local_day(held_at) + timedelta(days=MINUTES_DUE_DAYS))
    for invitation in meeting.invitations:
        invitation.attended = invitation.id in present
    return meeting


# ------------------------------------------------------------------------------ lists


@dataclass
class MeetingFilters:
    state: str = ""  # one of FILTER_STATES
    body: str = ""  # a body's code
    kind: str = ""
    q: str = ""


def meeting_query(user: Any, filters: MeetingFilters, now: datetime | None = None
                  ) -> Select[Any]:
    """The meetings ``user`` sees, filtered: those with overdue minutes first, then the
    most recent."""
    now = now or utcnow()
    no_minutes = ~exists().where(MeetingMinutes.meeting_id == Meeting.id)
    late = (Meeting.state == "held") & (Meeting.minutes_due_at < now) & no_minutes
    stmt = select(Meeting).where(visible_meetings(user))
    if filters.state == "minutes_overdue":
        stmt = stmt.where(late)
    elif filters.state in MEETING_STATES:
        stmt = stmt.where(Meeting.state == filters.state)
    if filters.body:
        stmt = stmt.where(Meeting.body.has(MeetingBody.code == filters.body))
    if filters.kind in MEETING_KINDS:
        stmt = stmt.where(Meeting.kind == filters.kind)
    if filters.q:
        stmt = stmt.where(Meeting.title.contains(filters.q, autoescape=True))
    return stmt.order_by(case((late, 0), else_=1), Meeting.starts_at.desc(), Meeting.id.desc())


@dataclass
class ProposalFilters:
    state: str = ""  # one of PROPOSAL_STATES, or empty for all
    body: str = ""


def proposal_query(user: Any, filters: ProposalFilters) -> Select[Any]:
    """The proposals ``user`` sees: pending first, then the newest."""
    stmt = select(MeetingProposal).where(visible_proposals(user))
    if filters.state in PROPOSAL_STATES:
        stmt = stmt.where(MeetingProposal.state == filters.state)
    if filters.body:
        stmt = stmt.where(MeetingProposal.body.has(MeetingBody.code == filters.body))
    pending_first = case((MeetingProposal.state == "pending", 0), else_=1)
    return stmt.order_by(pending_first, MeetingProposal.created_at.desc(),
                         MeetingProposal.id.desc())


def pending_for(user: Any) -> int:
    """Proposals waiting for ``user``'s department's answer (for a convener's leader)."""
    if not (_business(user) and user.role == "leader"):
        return 0
    answered = exists().where(ProposalApproval.proposal_id == MeetingProposal.id,
                              ProposalApproval.department_id == user.department_id)
    convener = exists().where(MeetingBodyMember.body_id == MeetingProposal.body_id,
                              MeetingBodyMember.department_id == user.department_id,
                              MeetingBodyMember.convener.is_(True))
    return db.session.scalar(select(func.count(MeetingProposal.id)).where(
        MeetingProposal.state == "pending", convener, ~answered)) or 0


def dashboard_counts(user: Any, now: datetime | None = None) -> dict[str, int]:
    """For the dashboard: meetings ahead, proposals waiting for the user's answer, and
    meetings whose minutes are overdue (those the user sees)."""
    now = now or utcnow()
    visible = visible_meetings(user)
    no_minutes = ~exists().where(MeetingMinutes.meeting_id == Meeting.id)
    row = db.session.execute(select(
        func.count().filter(Meeting.state == "scheduled"),
        func.count().filter(Meeting.state == "held", Meeting.minutes_due_at < now,
                            no_minutes),
    ).select_from(Meeting).where(visible)).one()
    return {"upcoming": row[0] or 0, "minutes_overdue": row[1] or 0,
            "to_answer": pending_for(user)}
