"""Assigned tasks (交办任务): work one unit hands to another, tracked to closure.

A task is what the office, a department or a plugin asks a department to do by a deadline
(treat the people injured in a fire, carry out a meeting's resolution...). It follows the
rectification rhythm of inspection findings: the owner reports progress, then completion;
the assigning side verifies it (closed) or sends it back (open again).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: open -> completion_reported -> closed (verified); a rejection goes back to open.
TASK_STATES = ("open", "completion_reported", "closed")
#: The words the office's ledger uses (Chinese whatever the UI language).
TASK_STATE_ZH = {"open": "办理中", "completion_reported": "待核验", "closed": "已办结"}
#: Steps kept on a task's timeline.
TASK_EVENT_KINDS = ("assigned", "progress", "completion", "rejected", "verified")


class Task(db.Model):
    """One assigned task: who asked whom to do what by when, and where it came from."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_department_state_due", "department_id", "state", "due_at"),
        Index("ix_tasks_source", "source_kind", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The department that must do it.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    #: The department that asked (and verifies).
    assigned_by_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"),
                                                           index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(30), default="open", index=True)
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    #: Where it came from: ``"<plugin or module>.<object>"`` and its id, with a link back
    #: (an application path) and a label, e.g. ``"emergency.fire"``, 12, "/emergency/fires/12".
    source_kind: Mapped[str] = mapped_column(String(60), default="")
    source_id: Mapped[int | None] = mapped_column(Integer)
    source_label: Mapped[str] = mapped_column(String(200), default="")
    source_path: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department] = relationship(lazy="joined", foreign_keys=[department_id])
    assigned_by_department: Mapped[Department] = relationship(
        lazy="joined", foreign_keys=[assigned_by_department_id])
    created_by: Mapped[User] = relationship(lazy="joined", foreign_keys=[created_by_id])

    def is_overdue(self, now: datetime) -> bool:
        """Not closed by its deadline (a reported completion still awaits verification)."""
        return self.state != "closed" and self.due_at < now

    def display_state(self, now: datetime) -> str:
        return "overdue" if self.is_overdue(now) else self.state


class TaskEvent(db.Model):
    """One step in a task's life: assignment, progress, completion, rejection, verification."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    percent: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
