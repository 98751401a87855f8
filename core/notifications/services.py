"""Notifications: who is told what, the inbox, and deadline reminders.

Callers decide the recipients; :func:`notify` stores one row per person and never stores the
same ``dedupe_key`` twice for a person, so jobs and repeated saves are idempotent. Nothing
here commits: views and jobs commit once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select, update

from core.access import BUSINESS_ROLES
from core.accounts.models import User
from core.db import db, utcnow
from core.departments.models import Department
from core.notifications.models import Notification

#: Reminders are sent this long before a deadline ("approaching"), and once it has passed.
APPROACHING = timedelta(hours=24)

KIND_LABELS = {
    "info_item.shared": _l("Information shared with you"),
    "request.new": _l("New information request"),
    "request.answered": _l("Request answered"),
    "deadline.approaching": _l("Deadline within a day"),
    "deadline.passed": _l("Deadline passed"),
    "inspection.planned": _l("Joint inspection planned"),
    "finding.assigned": _l("Finding to rectify"),
    "finding.copied": _l("Finding copied to you"),
    "finding.completion": _l("Rectification reported complete"),
    "finding.verified": _l("Rectification verified"),
    "finding.rejected": _l("Rectification not accepted"),
    "finding.supervised": _l("Finding under listed supervision"),
    "notice.issued": _l("Notice issued"),
    "transfer.received": _l("Case handed over to you"),
    "case.supervised": _l("Case under listed supervision"),
    "tip.received": _l("Public tip to handle"),
    "tip.triage": _l("Public tip to triage"),
    "reward.recorded": _l("Reward to approve"),
    "transfer.answered": _l("Feedback on a hand-over"),
    "task.assigned": _l("Task assigned to your department"),
    "task.completion": _l("Task reported done"),
    "task.verified": _l("Task verified"),
    "task.rejected": _l("Task sent back"),
    "meeting.proposed": _l("Joint meeting proposed: your approval"),
    "meeting.declined": _l("Joint meeting proposal declined"),
    "meeting.scheduled": _l("Joint meeting scheduled"),
    "meeting.widened": _l("More invited to a joint meeting"),
    "minutes.to_sign": _l("Minutes to sign"),
    "minutes.signed": _l("Minutes signed and circulated"),
    "campaign.started": _l("Special campaign: your department takes part"),
    "campaign.report_filed": _l("Campaign report filed"),
    "campaign.clue": _l("Campaign clue to feed back on"),
    "assessment.opened": _l("Assessment: self-check due"),
    "assessment.evaluated": _l("Assessment evaluated"),
}


def kind_label(kind: str) -> str:
    """A notification kind in the reader's language: the core's, then the plugins' own
    (``notification_kinds`` hook), else a generic label."""
    from core.app import kernel

    label = KIND_LABELS.get(kind) or kernel().notification_kinds.get(kind)
    return str(label or _l("Notification"))


def app_path(endpoint: str, **values: Any) -> str:
    """The path of ``endpoint`` inside the app, built without a request (jobs, CLI).

    Stored links are relative to the application root; pages prefix the script root.
    """
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _check_link(link: str) -> str:
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise ValueError(f"a notification links inside the app, not to {link!r}")
    return link


def _ids(users: Iterable[Any]) -> set[int]:
    return {u if isinstance(u, int) else u.id for u in users}


def notify(users: Iterable[Any], kind: str, subject: str, link: str = "",
           obj_type: str = "", obj_id: int | None = None,
           dedupe_key: str | None = None) -> int:
    """Put a notification in the inbox of each of ``users`` (User objects or ids).

    Inactive accounts are skipped, and so is everyone who already has ``dedupe_key``
    (one query for the whole batch). Returns how many were stored. Caller commits; if a
    concurrent run stored the same key first, the UNIQUE constraint refuses the commit and
    nothing is stored twice.
    """
    _check_link(link)
    wanted = _ids(users)
    if not wanted:
        return 0
    stmt = select(User.id).where(User.id.in_(wanted), User.active.is_(True))
    if dedupe_key is not None:
        stmt = stmt.where(~exists().where(Notification.user_id == User.id,
                                          Notification.dedupe_key == dedupe_key))
    recipients = sorted(db.session.scalars(stmt))
    db.session.add_all(
        Notification(user_id=user_id, kind=kind, subject=subject.strip()[:300], link=link,
                     object_type=obj_type, object_id=obj_id, dedupe_key=dedupe_key)
        for user_id in recipients)
    return len(recipients)


def _people(department_ids: Collection[int], roles: Collection[str] | None) -> Select[Any]:
    """Active users of active ``department_ids`` with one of ``roles`` (default: the
    business roles): ``(user id, department id)`` rows."""
    return (select(User.id, User.department_id)
            .join(Department, Department.id == User.department_id)
            .where(User.department_id.in_(department_ids), User.active.is_(True),
                   Department.active.is_(True),
                   User.role.in_(roles if roles is not None else BUSINESS_ROLES)))


def department_users(department_ids: Collection[int], roles: Collection[str] | None = None,
                     exclude: Collection[int] = ()) -> list[int]:
    """Ids of the active users of ``department_ids`` with one of ``roles`` (default: the
    business roles office/leader/liaison/member), minus ``exclude``."""
    if not department_ids:
        return []
    stmt = _people(department_ids, roles)
    if exclude:
        stmt = stmt.where(User.id.not_in(exclude))
    return [user_id for user_id, _department in db.session.execute(stmt)]


def users_by_department(department_ids: Collection[int], roles: Collection[str] | None = None
                        ) -> dict[int, list[int]]:
    """:func:`department_users` for many departments at once, by department (one query:
    deadline sources that remind several departments use it)."""
    out: dict[int, list[int]] = {d: [] for d in department_ids}
    if department_ids:
        for user_id, department_id in db.session.execute(_people(department_ids, roles)):
            out[department_id].append(user_id)
    return out


def notify_department(department_id: int, kind: str, subject: str, link: str = "",
                      obj_type: str = "", obj_id: int | None = None,
                      dedupe_key: str | None = None, roles: Collection[str] | None = None,
                      exclude: Collection[int] = ()) -> int:
    """Notify the active users of a department (business roles unless ``roles`` says)."""
    return notify(department_users([department_id], roles, exclude), kind, subject, link,
                  obj_type, obj_id, dedupe_key)


def notify_item_shared(item: Any) -> int:
    """Tell the people an information item was shared with; call after publishing it.

    ``internal`` and ``classified`` items: the business users of the named departments
    (not the publishing department, which sees its items anyway); ``sensitive``: the named
    readers; ``open``: nobody (it would be noise). Recipients are exactly the people the
    item names, so they may read its title. The author is never notified. Safe to call
    again after an edit: only people not yet told are notified.
    """
    author = [item.created_by_id]
    if item.sensitivity in ("internal", "classified"):
        named = {s.department_id for s in item.shared_with} - {item.department_id}
        recipients = department_users(named, exclude=author)
    elif item.sensitivity == "sensitive":
        recipients = list(db.session.scalars(select(User.id).where(
            User.id.in_({r.user_id for r in item.readers}), User.id.not_in(author),
            User.role.in_(BUSINESS_ROLES))))
    else:
        return 0
    return notify(recipients, "info_item.shared", item.title,
                  app_path("sharing.detail", item_id=item.id), "info_item", item.id,
                  dedupe_key=f"info_item.shared:{item.id}")


# ----------------------------------------------------------------------------- inbox


def with_current_subjects(user: Any, notifications: list[Any]) -> list[Any]:
    """Give each notification a ``shown_subject``: its subject, unless it is about an
    information item ``user`` may no longer see (its audience changed) — then only the
    item's number. One query; nothing stored changes."""
    from core.access import visible_items
    from core.sharing.models import InfoItem

    ids = {n.object_id for n in notifications if n.object_type == "info_item"}
    visible = set(db.session.scalars(select(InfoItem.id).where(
        InfoItem.id.in_(ids), visible_items(user)))) if ids else set()
    for n in notifications:
        hidden = n.object_type == "info_item" and n.object_id not in visible
        n.shown_subject = f"#{n.object_id}" if hidden else n.subject
    return notifications


def unread_count(user: Any) -> int:
    """How many of ``user``'s notifications are unread (one COUNT query)."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def inbox_query(user: Any, state: Literal["unread", "all"] = "all") -> Select[Any]:
    """``user``'s own notifications, newest first (only the unread ones for ``unread``)."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if state == "unread":
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def get_own(user: Any, notification_id: int) -> Notification | None:
    """Notification ``notification_id`` if it is ``user``'s (None otherwise: answer 404)."""
    return db.session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id))


def mark_read(user: Any, ids: Collection[int] | Literal["all"],
              now: datetime | None = None) -> int:
    """Mark ``user``'s notifications ``ids`` (or all of them) read; others' are untouched.

    Returns how many changed. Caller commits.
    """
    stmt = update(Notification).where(Notification.user_id == user.id,
                                      Notification.read_at.is_(None))
    if ids != "all":
        if not ids:
            return 0
        stmt = stmt.where(Notification.id.in_(ids))
    result = db.session.execute(stmt.values(read_at=now or utcnow()),
                                execution_options={"synchronize_session": "fetch"})
    return result.rowcount or 0


# ------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class Reminder:
    """Something with a deadline, as a deadline source reports it.

    A source returns the open things it knows (a request not yet answered...); whether a
    reminder is due, and which one, is decided by :func:`remind_deadlines` from ``due_at``.
    """

    recipients: Collection[int]
    subject: str
    link: str
    object_type: str
    object_id: int
    due_at: datetime


#: A deadline source: ``source(now) -> list[Reminder]``.
DeadlineSource = Callable[[datetime], list[Reminder]]


def reminder_kind(due_at: datetime, now: datetime) -> str | None:
    """``deadline.passed`` after the due time, ``deadline.approaching`` within a day of it,
    else None (too early to remind)."""
    if now >= due_at:
        return "deadline.passed"
    if due_at - now <= APPROACHING:
        return "deadline.approaching"
    return None


def remind_deadlines(now: datetime, sources: Iterable[DeadlineSource]) -> int:
    """Store the reminders that are due; returns how many notifications were stored.

    Idempotent: each (person, kind, object, due time) is stored once, so running it again
    stores nothing; the "approaching" and "passed" reminders are distinct, and a deadline
    that is moved is reminded of again.
    """
    stored = 0
    for source in sources:
        for reminder in source(now):
            kind = reminder_kind(reminder.due_at, now)
            if kind is None:
                continue
            stamp = int(reminder.due_at.timestamp())
            stored += notify(reminder.recipients, kind, reminder.subject, reminder.link,
                             reminder.object_type, reminder.object_id,
                             dedupe_key=f"{kind}:{reminder.object_type}:"
                                        f"{reminder.object_id}:{stamp}")
    return stored


def deadline_sources() -> list[DeadlineSource]:
    """The deadline sources of the core: office information requests, inspection reports,
    findings to rectify, the listed-supervision rhythm, case hand-overs, assigned tasks, and
    joint meetings (minutes, duty reports, the regular rhythm), campaign reports."""
    from core.campaigns.reports import deadline_source as campaign_report_source
    from core.cases.services import transfer_deadline_source
    from core.inspections.services import finding_deadline_source, report_deadline_source
    from core.meetings.bodies import rhythm_deadline_source
    from core.meetings.minutes import deadline_source as minutes_source
    from core.meetings.reports import deadline_source as duty_report_source
    from core.sharing.requests import deadline_source
    from core.supervision.services import deadline_source as supervision_source
    from core.tasks.services import deadline_source as task_source

    return [deadline_source, report_deadline_source, finding_deadline_source,
            supervision_source, transfer_deadline_source, task_source, minutes_source,
            duty_report_source, rhythm_deadline_source, campaign_report_source]


def deadline_reminders_job(now: datetime) -> int:
    """Scheduled job ``core.deadline_reminders``."""
    return remind_deadlines(now, deadline_sources())
