"""Office information requests: ask, answer (text, items, files) or decline, close; queues
and per-department statistics. Deadlines are stored in UTC; "overdue" is computed."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select, update

from core import access, audit
from core.accounts.models import User
from core.db import db, utcnow
from core.departments.models import Department
from core.notifications import services as notifications
from core.sharing.models import InfoItem, InfoRequest, InfoRequestItem
from core.sharing.services import SharingError
from core.timeutil import day_start

OWNER_TYPE = "info_request"
MAX_DUE = timedelta(days=366)
#: Who is told of, and reminded about, a request to their department.
ANSWERING_ROLES = ("liaison", "leader")


def _link(request: InfoRequest) -> str:
    return notifications.app_path("requests.detail", request_id=request.id)


def deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Open requests due within a day or past due, for ``forestchief jobs run``: the target's
    liaisons and leaders are reminded, and the requester too once it is overdue."""
    soon = now + notifications.APPROACHING
    open_requests = db.session.scalars(select(InfoRequest).where(
        InfoRequest.state == "open", InfoRequest.due_at <= soon).order_by(InfoRequest.id))
    reminders = []
    for request in open_requests:
        recipients = set(notifications.department_users([request.target_department_id],
                                                        roles=ANSWERING_ROLES))
        if now >= request.due_at:
            recipients.add(request.requester_id)
        reminders.append(notifications.Reminder(
            recipients=recipients, subject=request.subject, link=_link(request),
            object_type=OWNER_TYPE, object_id=request.id, due_at=request.due_at))
    return reminders
QUEUES = ("to_answer", "waiting", "done", "all")


@dataclass
class RequestInput:
    target: str  # department code
    subject: str
    details: str
    due_at: datetime | None


def _errors(**fields: Any) -> SharingError:
    return SharingError({k: [str(v)] for k, v in fields.items()})


def create_request(user: User, data: RequestInput, now: datetime | None = None) -> InfoRequest:
    """The office asks ``data.target`` for information. Caller commits."""
    now = now or utcnow()
    if not access.may_request_information(user):
        raise PermissionError("only the office requests information")
    target = db.session.scalar(select(Department).where(Department.code == data.target,
                                                        Department.active.is_(True)))
    problems: dict[str, Any] = {}
    if target is None:
        problems["target"] = _l("Choose a department.")
    elif target.id == user.department_id:
        problems["target"] = _l("Ask another department.")
    if not data.subject.strip():
        problems["subject"] = _l("A subject is required.")
    if data.due_at is None:
        problems["due_at"] = _l("A due time is required.")
    elif data.due_at <= now:
        problems["due_at"] = _l("The due time must be in the future.")
    elif data.due_at - now > MAX_DUE:
        problems["due_at"] = _l("The due time must be within a year.")
    if problems:
        raise _errors(**problems)
    assert target is not None and data.due_at is not None
    request = InfoRequest(requester_id=user.id, requester_department_id=user.department_id,
                          target_department_id=target.id, subject=data.subject.strip(),
                          details=data.details.strip(), due_at=data.due_at, state="open")
    db.session.add(request)
    db.session.flush()
    notifications.notify_department(
        target.id, "request.new", request.subject, _link(request), OWNER_TYPE, request.id,
        roles=ANSWERING_ROLES)
    return request


class AlreadyHandled(Exception):
    """Someone else answered or declined the request first; nothing was overwritten."""


def _claim(request: InfoRequest, new_state: str) -> None:
    """Move an open request to ``new_state`` only if it is still open (one UPDATE), so two
    people answering at once cannot overwrite each other."""
    result = db.session.execute(
        update(InfoRequest).where(InfoRequest.id == request.id, InfoRequest.state == "open")
        .values(state=new_state).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise AlreadyHandled(request.id)
    # A statement, not an ORM change: recorded here so the audit log misses nothing.
    audit.record("update", InfoRequest.__tablename__, request.id, {"state": ["open", new_state]})
    db.session.refresh(request, ["state"])


def answer_request(user: User, request: InfoRequest, text: str, item_ids: list[int],
                   has_files: bool = False, now: datetime | None = None) -> None:
    """The target answers with text, existing items and/or files. Caller commits."""
    if not access.may_answer_request(user, request):
        raise PermissionError("not yours to answer")
    items = []
    if item_ids:
        # The answer may only point at items the requester can open.
        # Only the department's own items, and only those the requester can open; an id
        # that does not qualify gets the same answer whether or not it exists.
        items = list(db.session.scalars(select(InfoItem).where(
            InfoItem.id.in_(item_ids), InfoItem.department_id == user.department_id,
            access.visible_items(request.requester))))
        missing = set(item_ids) - {i.id for i in items}
        if missing:
            raise _errors(items=_l("Items %(ids)s are not your department's items that the "
                                   "requester can open: share them with the office first.",
                                   ids=", ".join(map(str, sorted(missing)))))
    if not text.strip() and not items and not has_files:
        raise _errors(answer_text=_l("Answer with text, items or files."))
    _claim(request, "answered")
    request.answer_text = text.strip()
    request.items = [InfoRequestItem(item_id=i.id) for i in items]
    request.answered_at = now or utcnow()
    request.answered_by_id = user.id
    db.session.flush()
    notifications.notify([request.requester_id], "request.answered", request.subject,
                         _link(request), OWNER_TYPE, request.id)


def decline_request(user: User, request: InfoRequest, reason: str,
                    now: datetime | None = None) -> None:
    """The target declines, saying why. Caller commits."""
    if not access.may_answer_request(user, request):
        raise PermissionError("not yours to decline")
    if not reason.strip():
        raise _errors(decline_reason=_l("Say why the request is declined."))
    _claim(request, "declined")
    request.decline_reason = reason.strip()
    request.answered_at = now or utcnow()
    request.answered_by_id = user.id
    db.session.flush()
    notifications.notify([request.requester_id], "request.answered", request.subject,
                         _link(request), OWNER_TYPE, request.id)


def close_request(user: User, request: InfoRequest, now: datetime | None = None) -> None:
    """The requester accepts the answer (or the refusal). Caller commits."""
    if not access.may_close_request(user, request):
        raise PermissionError("not yours to close")
    request.state = "closed"
    request.closed_at = now or utcnow()
    db.session.flush()


def get_visible_request(user: User, request_id: int) -> InfoRequest | None:
    """The request if ``user`` may see it (callers answer 404 otherwise)."""
    return db.session.scalar(select(InfoRequest).where(InfoRequest.id == request_id,
                                                       access.visible_requests(user)))


@dataclass
class RequestFilters:
    queue: str = "all"
    state: str = ""  # open, answered, declined, closed, overdue
    department: str = ""  # target department code
    q: str = ""
    since: date | None = None  # asked on or after (site day)
    until: date | None = None  # asked on or before (site day)
    sort: str = "due"  # "due": open ones first, soonest due; "newest": latest asked first


def request_query(user: User, filters: RequestFilters, now: datetime | None = None
                  ) -> Select[Any]:
    """Visible requests in one of the user's queues, soonest due first for open ones."""
    now = now or utcnow()
    stmt = select(InfoRequest).where(access.visible_requests(user))
    mine = user.department_id
    if filters.queue == "to_answer":
        stmt = stmt.where(InfoRequest.target_department_id == mine,
                          InfoRequest.state == "open")
    elif filters.queue == "waiting":
        stmt = stmt.where(InfoRequest.requester_department_id == mine,
                          InfoRequest.state.in_(("open", "answered", "declined")))
    elif filters.queue == "done":
        stmt = stmt.where(or_(InfoRequest.state == "closed",
                              and_(InfoRequest.target_department_id == mine,
                                   InfoRequest.state.in_(("answered", "declined")))))
    if filters.state == "overdue":
        stmt = stmt.where(InfoRequest.state == "open", InfoRequest.due_at < now)
    elif filters.state:
        stmt = stmt.where(InfoRequest.state == filters.state)
    if filters.department:
        stmt = stmt.join(Department, Department.id == InfoRequest.target_department_id).where(
            Department.code == filters.department)
    if filters.since:
        stmt = stmt.where(InfoRequest.created_at >= day_start(filters.since))
    if filters.until:
        stmt = stmt.where(InfoRequest.created_at < day_start(filters.until, end=True))
    if filters.q:
        stmt = stmt.where(or_(InfoRequest.subject.icontains(filters.q, autoescape=True),
                              InfoRequest.details.icontains(filters.q, autoescape=True)))
    if filters.sort == "newest":
        return stmt.order_by(InfoRequest.created_at.desc(), InfoRequest.id.desc())
    open_first = case((InfoRequest.state == "open", 0), else_=1)
    return stmt.order_by(open_first, InfoRequest.due_at, InfoRequest.id)


@dataclass
class DepartmentStats:
    department: Department
    requested: int = 0
    answered_on_time: int = 0
    late: int = 0
    declined: int = 0
    open: int = 0
    median_hours: float | None = None


def statistics_by_department(user: User, since: datetime | None = None,
                             until: datetime | None = None,
                             now: datetime | None = None) -> list[DepartmentStats]:
    """Requested, answered on time, late, declined, open and median answer time per target
    department, over the requests ``user`` may see (two queries whatever the volume)."""
    now = now or utcnow()
    visible = access.visible_requests(user)
    period = [visible]
    if since:
        period.append(InfoRequest.created_at >= since)
    if until:
        period.append(InfoRequest.created_at < until)
    # Answered = answered (and perhaps closed since), not declined.
    answered = (InfoRequest.state.in_(("answered", "closed"))
                & InfoRequest.answered_at.is_not(None) & (InfoRequest.decline_reason == ""))
    rows = db.session.execute(
        select(
            InfoRequest.target_department_id,
            func.count(),
            func.sum(case((answered & (InfoRequest.answered_at <= InfoRequest.due_at), 1),
                          else_=0)),
            func.sum(case((answered & (InfoRequest.answered_at > InfoRequest.due_at), 1),
                          (and_(InfoRequest.state == "open", InfoRequest.due_at < now), 1),
                          else_=0)),
            func.sum(case((InfoRequest.state == "declined", 1), else_=0)),
            func.sum(case((InfoRequest.state == "open", 1), else_=0)),
        ).where(*period).group_by(InfoRequest.target_department_id)
    ).all()
    if not rows:
        return []
    durations: dict[int, list[float]] = {}
    for department_id, created, answered_at in db.session.execute(
        select(InfoRequest.target_department_id, InfoRequest.created_at,
               InfoRequest.answered_at).where(*period, answered)
    ):
        durations.setdefault(department_id, []).append(
            (answered_at - created).total_seconds() / 3600)
    departments = {d.id: d for d in db.session.scalars(select(Department).where(
        Department.id.in_([r[0] for r in rows])))}
    result = []
    for department_id, requested, on_time, late, declined, still_open in rows:
        times = durations.get(department_id)
        result.append(DepartmentStats(
            departments[department_id], requested, on_time or 0, late or 0, declined or 0,
            still_open or 0, round(statistics.median(times), 1) if times else None))
    result.sort(key=lambda s: s.department.position)
    return result


def queue_counts(user: User, now: datetime | None = None) -> dict[str, int]:
    """How many requests wait on the user's department, how many of them are overdue, and how
    many the department waits for (one query)."""
    now = now or utcnow()
    mine = user.department_id
    to_answer = (InfoRequest.target_department_id == mine) & (InfoRequest.state == "open")
    row = db.session.execute(select(
        func.sum(case((to_answer, 1), else_=0)),
        func.sum(case((to_answer & (InfoRequest.due_at < now), 1), else_=0)),
        func.sum(case(((InfoRequest.requester_department_id == mine)
                       & (InfoRequest.state == "open"), 1), else_=0)),
    ).where(access.visible_requests(user))).one()
    return {"to_answer": row[0] or 0, "overdue": row[1] or 0, "waiting": row[2] or 0}
