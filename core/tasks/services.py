"""Assigned tasks: assign, report progress and completion, verify or send back; the list,
counts and reminders.

Who may do what (one place, used by pages and the API alike):

* see (:func:`core.access.visible_tasks`): the office; the owner department; the assigning
  department (system roles: none);
* assign: the office, or a department's liaison or leader (plugins assign as the person
  whose action caused the task, e.g. the emergency office's liaison recording injuries);
* report progress: the owner department's people while the task is open; report completion:
  its liaison or leader;
* verify or send back a reported completion: the assigning department's liaison or leader,
  or the office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select

from core import access
from core.access import BUSINESS_ROLES, DEPARTMENT_VOICES, visible_tasks
from core.accounts.models import User
from core.db import db, utcnow
from core.departments.models import Department
from core.errors import InputError, StateConflict
from core.notifications import services as notifications
from core.records import claim_state, last_reported_percent
from core.tasks.models import TASK_STATES, Task, TaskEvent

#: Roles of the owner department told of a new task.
OWNER_ROLES = ("liaison", "leader", "member")
#: The furthest a deadline may be set.
MAX_SPAN = timedelta(days=366)
#: The list's state filters besides the stored states.
FILTER_STATES = ("", "not_closed", "overdue", *TASK_STATES)


def _link(task: Task) -> str:
    return notifications.app_path("tasks.detail", task_id=task.id)


def _subject(task: Task) -> str:
    return f"#{task.id} {task.title}"


def _event(task: Task, user: User, kind: str, text: str = "", percent: int | None = None,
           now: datetime | None = None) -> TaskEvent:
    event = TaskEvent(task_id=task.id, kind=kind, text=text.strip(), percent=percent,
                      user_id=user.id, department_id=user.department_id,
                      created_at=now or utcnow())
    db.session.add(event)
    db.session.flush()
    return event


# --------------------------------------------------------------------------- access


def may_assign(user: User) -> bool:
    """The office, or a (non-village) department's liaison or leader."""
    if not getattr(user, "is_authenticated", False) or user.role not in BUSINESS_ROLES:
        return False
    return access.is_office(user) or (user.role in DEPARTMENT_VOICES
                                      and user.department.kind != "village")


def _of_owner(user: User, task: Task) -> bool:
    return (getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and user.department_id == task.department_id)


def _of_assigner(user: User, task: Task) -> bool:
    return getattr(user, "is_authenticated", False) and (
        access.is_office(user) or (user.role in DEPARTMENT_VOICES
                                   and user.department_id == task.assigned_by_department_id))


def may_work(user: User, task: Task) -> bool:
    """The owner department's people report progress while the task is open."""
    return task.state == "open" and _of_owner(user, task)


def may_complete(user: User, task: Task) -> bool:
    """The owner department's liaison or leader reports the open task done."""
    return may_work(user, task) and user.role in DEPARTMENT_VOICES


def may_verify(user: User, task: Task) -> bool:
    """The office, or the assigning department's liaison or leader, checks a reported
    completion."""
    return task.state == "completion_reported" and _of_assigner(user, task)


def get_visible_task(user: User, task_id: int) -> Task | None:
    """The task if ``user`` may see it (callers answer 404 otherwise)."""
    return db.session.scalar(select(Task).where(Task.id == task_id, visible_tasks(user)))


# --------------------------------------------------------------------------- steps


def assign(by: User, department: Department | str, title: str, description: str = "",
           due_at: datetime | None = None, source_kind: str = "",
           source_id: int | None = None, source_label: str = "", source_path: str = "",
           now: datetime | None = None) -> Task:
    """Ask ``department`` (a Department or its code) to do something by ``due_at``.

    The owner department is told at once; the deadline is reminded of like any other.
    ``source_*`` say where the task came from (a plugin's record, a meeting's resolution)
    and link back to it.
    """
    now = now or utcnow()
    if not may_assign(by):
        raise PermissionError("may not assign tasks")
    owner = department if isinstance(department, Department) else db.session.scalar(
        select(Department).where(Department.code == department))
    problems: dict[str, Any] = {}
    if owner is None or not owner.active or owner.kind == "office":
        problems["department"] = _l("Choose the department that does the task.")
    if not title.strip():
        problems["title"] = _l("Say what is to be done.")
    if due_at is None:
        problems["due_at"] = _l("A deadline is required.")
    elif due_at <= now:
        problems["due_at"] = _l("The deadline must be in the future.")
    elif due_at - now > MAX_SPAN:
        problems["due_at"] = _l("The deadline must be within a year.")
    if problems:
        raise InputError.of(**problems)
    assert owner is not None and due_at is not None
    task = Task(title=title.strip()[:200], description=description.strip(),
                department_id=owner.id, department=owner,
                assigned_by_department_id=by.department_id, due_at=due_at, state="open",
                source_kind=source_kind, source_id=source_id, source_label=source_label[:200],
                source_path=source_path, created_by_id=by.id, created_at=now)
    db.session.add(task)
    db.session.flush()
    _event(task, by, "assigned", owner.name_zh, now=now)
    notifications.notify_department(owner.id, "task.assigned", _subject(task), _link(task),
                                    "task", task.id, roles=OWNER_ROLES)
    return task


def report_progress(user: User, task: Task, text: str, percent: int | None = None,
                    now: datetime | None = None) -> TaskEvent:
    """The owner department says how far it has come."""
    if not _of_owner(user, task):
        raise PermissionError("not the owner department")
    if task.state != "open":
        raise StateConflict(task.id)
    problems: dict[str, Any] = {}
    if not text.strip():
        problems["text"] = _l("Describe the progress.")
    if percent is not None and not 0 <= percent <= 100:
        problems["percent"] = _l("A percentage is between 0 and 100.")
    if problems:
        raise InputError.of(**problems)
    if percent is not None:
        task.progress_percent = percent
    return _event(task, user, "progress", text, percent, now)


def _verifiers(task: Task) -> set[int]:
    """Who is told that a completion waits for verification."""
    departments = {task.assigned_by_department_id}
    departments |= set(db.session.scalars(select(Department.id).where(
        Department.kind == "office")))
    return {*notifications.department_users(departments, roles=("office", *DEPARTMENT_VOICES)),
            task.created_by_id}


def report_completion(user: User, task: Task, text: str,
                      now: datetime | None = None) -> TaskEvent:
    """The owner's liaison or leader reports the task done; the assigning side verifies."""
    if not (_of_owner(user, task) and user.role in DEPARTMENT_VOICES):
        raise PermissionError("not the owner department's liaison or leader")
    if not text.strip():
        raise InputError.of(text=_l("Describe what was done."))
    claim_state(Task, task, "open", "completion_reported")
    task.progress_percent = 100
    event = _event(task, user, "completion", text, 100, now)
    notifications.notify(_verifiers(task), "task.completion", _subject(task), _link(task),
                         "task", task.id)
    return event


def verify(user: User, task: Task, text: str = "", now: datetime | None = None) -> TaskEvent:
    """The assigning side accepts the completion: the task is closed."""
    now = now or utcnow()
    if not _of_assigner(user, task):
        raise PermissionError("not the assigning department or the office")
    claim_state(Task, task, "completion_reported", "closed")
    task.closed_at = now
    event = _event(task, user, "verified", text, now=now)
    notifications.notify_department(task.department_id, "task.verified", _subject(task),
                                    _link(task), "task", task.id, roles=OWNER_ROLES)
    return event


def reject(user: User, task: Task, reason: str, now: datetime | None = None) -> TaskEvent:
    """The assigning side does not accept the completion: open again, with the reason."""
    if not _of_assigner(user, task):
        raise PermissionError("not the assigning department or the office")
    if not reason.strip():
        raise InputError.of(reason=_l("Say why the task is not done."))
    claim_state(Task, task, "completion_reported", "open")
    task.progress_percent = last_reported_percent(TaskEvent, TaskEvent.task_id, task.id)
    event = _event(task, user, "rejected", reason, now=now)
    notifications.notify_department(task.department_id, "task.rejected", _subject(task),
                                    _link(task), "task", task.id, roles=OWNER_ROLES)
    return event


def events_of(task: Task) -> list[TaskEvent]:
    """The task's timeline, oldest first."""
    return list(db.session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id)
                                   .order_by(TaskEvent.created_at, TaskEvent.id)))


# --------------------------------------------------------------------------- lists


@dataclass
class TaskFilters:
    state: str = "not_closed"  # one of FILTER_STATES
    direction: str = ""  # "" (all I see), "mine" (to do), "assigned" (asked by my department)
    department: str = ""  # the owner department's code
    source_kind: str = ""
    q: str = ""


def task_query(user: User, filters: TaskFilters, now: datetime | None = None) -> Select[Any]:
    """The tasks ``user`` sees, filtered: overdue first, then by deadline."""
    now = now or utcnow()
    stmt = select(Task).where(visible_tasks(user))
    if filters.state == "not_closed":
        stmt = stmt.where(Task.state != "closed")
    elif filters.state == "overdue":
        stmt = stmt.where(Task.state != "closed", Task.due_at < now)
    elif filters.state in TASK_STATES:
        stmt = stmt.where(Task.state == filters.state)
    if filters.direction == "mine":
        stmt = stmt.where(Task.department_id == user.department_id)
    elif filters.direction == "assigned":
        stmt = stmt.where(Task.assigned_by_department_id == user.department_id)
    if filters.department:
        stmt = stmt.join(Department, Department.id == Task.department_id).where(
            Department.code == filters.department)
    if filters.source_kind:
        stmt = stmt.where(Task.source_kind == filters.source_kind)
    if filters.q:
        stmt = stmt.where(Task.title.contains(filters.q, autoescape=True))
    overdue_first = case((Task.state != "closed", case((Task.due_at < now, 0), else_=1)),
                         else_=2)
    return stmt.order_by(overdue_first, Task.due_at, Task.id)


def tasks_from(user: User, source_kind: str, source_id: int) -> list[Task]:
    """The tasks a record gave rise to, as ``user`` may see them (for the record's page)."""
    return list(db.session.scalars(select(Task).where(
        visible_tasks(user), Task.source_kind == source_kind, Task.source_id == source_id)
        .order_by(Task.id)))


def open_counts(user: User, now: datetime | None = None) -> dict[str, int]:
    """For the dashboard, in one query: the open tasks of the user's department and how many
    of them are overdue, and completions waiting for the user's department to verify."""
    now = now or utcnow()
    mine = Task.department_id == user.department_id
    row = db.session.execute(select(
        func.count().filter(mine, Task.state == "open"),
        func.count().filter(mine, Task.state != "closed", Task.due_at < now),
        func.count().filter(Task.assigned_by_department_id == user.department_id,
                            Task.state == "completion_reported"),
    ).where(visible_tasks(user))).one()
    return {"open": row[0] or 0, "overdue": row[1] or 0, "to_verify": row[2] or 0}


# ------------------------------------------------------------------------- reminders


def deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Open tasks due within a day or past due: the owner department is reminded; once past
    due, whoever assigned it too."""
    soon = now + notifications.APPROACHING
    tasks = list(db.session.scalars(select(Task).where(
        Task.state == "open", Task.due_at <= soon).order_by(Task.id)))
    if not tasks:
        return []
    owners = notifications.users_by_department({t.department_id for t in tasks},
                                               roles=DEPARTMENT_VOICES)
    reminders = []
    for task in tasks:
        recipients = set(owners[task.department_id])
        if now >= task.due_at:
            recipients.add(task.created_by_id)
        reminders.append(notifications.Reminder(
            recipients=recipients, subject=_subject(task), link=_link(task),
            object_type="task", object_id=task.id, due_at=task.due_at))
    return reminders
