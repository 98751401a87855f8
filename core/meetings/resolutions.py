"""Resolutions: a decision of signed minutes becomes an assigned task (``core.tasks``) with
an owner department and a deadline, tracked to closure like a rectification and shown on
the task board (``/tasks/?source=meeting.resolution``). Overdue comes from the task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, select
from sqlalchemy.exc import IntegrityError

from core.db import db, savepoint, utcnow
from core.errors import InputError, StateConflict
from core.meetings.models import Meeting, MeetingBody, Resolution
from core.meetings.services import may_organise, meeting_path, visible_meetings
from core.tasks import services as tasks
from core.tasks.models import TASK_STATES, Task

SOURCE_KIND = "meeting.resolution"
FILTER_STATES = ("", "not_closed", "overdue", *TASK_STATES)


def may_resolve(user: Any, meeting: Meeting) -> bool:
    """An organiser who may assign tasks, once the minutes are signed (the decisions are
    final then)."""
    return (meeting.state == "minutes_signed" and may_organise(user, meeting)
            and tasks.may_assign(user))


def resolve(user: Any, meeting: Meeting, decision_index: int, department: str,
            due_at: datetime | None, now: datetime | None = None) -> Resolution:
    """Turn decision ``decision_index`` of the signed minutes into a task for
    ``department`` (a code) by ``due_at``; each decision becomes a task at most once."""
    now = now or utcnow()
    if not may_resolve(user, meeting):
        raise PermissionError("not an organiser, or the minutes are not signed")
    decisions = meeting.minutes.decisions if meeting.minutes is not None else []
    if not 0 <= decision_index < len(decisions):
        raise InputError.of(decision_index=_l("Choose a decision of the minutes."))
    decision = decisions[decision_index]
    task = tasks.assign(user, department, decision[:200],
                        f"{meeting.body.name_zh}：{meeting.title}\n{decision}", due_at,
                        source_kind=SOURCE_KIND, source_label=meeting.title,
                        source_path=meeting_path(meeting), now=now)
    resolution = Resolution(meeting_id=meeting.id, decision_index=decision_index,
                            decision=decision, task_id=task.id, created_by_id=user.id,
                            created_at=now)
    try:
        with savepoint():
            db.session.add(resolution)
    except IntegrityError:  # someone made this decision a task a moment ago
        raise StateConflict(meeting.id) from None
    task.source_id = resolution.id
    return resolution


def resolutions_of(meeting: Meeting) -> list[Resolution]:
    """A meeting's resolutions in the minutes' order, with their tasks."""
    return list(db.session.scalars(select(Resolution).where(
        Resolution.meeting_id == meeting.id).order_by(Resolution.decision_index)))


@dataclass
class ResolutionFilters:
    state: str = "not_closed"  # one of FILTER_STATES (the task's)
    body: str = ""
    department: str = ""  # the owner department's code
    q: str = ""


def resolution_query(user: Any, filters: ResolutionFilters, now: datetime | None = None
                     ) -> Select[Any]:
    """The resolutions of the meetings ``user`` sees: overdue first, then by deadline."""
    from core.departments.models import Department

    now = now or utcnow()
    stmt = (select(Resolution).join(Meeting, Meeting.id == Resolution.meeting_id)
            .join(Task, Task.id == Resolution.task_id).where(visible_meetings(user)))
    if filters.state == "not_closed":
        stmt = stmt.where(Task.state != "closed")
    elif filters.state == "overdue":
        stmt = stmt.where(Task.state != "closed", Task.due_at < now)
    elif filters.state in TASK_STATES:
        stmt = stmt.where(Task.state == filters.state)
    if filters.body:
        stmt = stmt.where(Meeting.body.has(MeetingBody.code == filters.body))
    if filters.department:
        stmt = stmt.where(Task.department.has(Department.code == filters.department))
    if filters.q:
        stmt = stmt.where(Resolution.decision.contains(filters.q, autoescape=True))
    overdue_first = case((Task.state != "closed", case((Task.due_at < now, 0), else_=1)),
                         else_=2)
    return stmt.order_by(overdue_first, Task.due_at, Resolution.id)
