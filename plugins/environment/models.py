"""The environment office's registers (tables prefixed ``environment_``).

* EIA approvals (环评审批) of projects in forest areas and of mining, with the conditions the
  approval sets; each condition is a follow-up check due by a day.
* Ecological problems (生态环境问题), opened by hand or from an inspection finding assigned to
  the office (``finding_id``), with a timeline until the restoration is verified.
* Restoration projects (生态保护修复项目): site, measures, budget, progress reports with
  photos (attachments of owner ``environment_restoration_progress``), acceptance (验收).

Every row belongs to the department that keeps it (``department_id``). Overdue states are
computed from the server clock, never stored. Areas and sums are ``NUMERIC`` read as floats.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department
from core.inspections.models import Finding

#: Mu (area), as the EIA documents state it; yuan (budgets).
AREA = Numeric(12, 2, asdecimal=False)
YUAN = Numeric(14, 2, asdecimal=False)

#: 林区开发利用项目, 矿产资源开发项目, 其他.
EIA_KINDS = ("forest_area", "mining", "other")
#: submitted -> approved | rejected | withdrawn.
EIA_STATES = ("submitted", "approved", "rejected", "withdrawn")
#: A condition is open until someone checks it was met; overdue is computed.
CONDITION_STATES = ("open", "checked")
#: open -> restored (restoration reported done) -> closed (verified).
PROBLEM_STATES = ("open", "restored", "closed")
#: in_progress -> accepted (验收).
RESTORATION_STATES = ("in_progress", "accepted")


class _Kept:
    """What every register row has: the department that keeps it, who registered it, and
    the version that makes a stale edit or a lost race fail instead of overwriting."""

    #: The department keeping the row (one the plugin serves); only it sees and writes it.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}

    @declared_attr
    def department(cls) -> Mapped[Department]:
        return relationship(lazy="joined")

    @declared_attr
    def created_by(cls) -> Mapped[User]:
        return relationship(foreign_keys=f"{cls.__name__}.created_by_id")


class EiaApproval(_Kept, db.Model):
    """An EIA application of a project in a forest area or of mining, and its decision."""

    __tablename__ = "environment_eia_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String(200))
    #: 建设单位.
    developer: Mapped[str] = mapped_column(String(200))
    place_name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    area_mu: Mapped[float] = mapped_column(AREA)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    submitted_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    #: 批复文号, given with the approval.
    approval_number: Mapped[str] = mapped_column(String(60), default="")
    #: The day of the approval, refusal or withdrawal.
    decided_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: Why it was refused or withdrawn; remarks on an approval.
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    conditions: Mapped[list[EiaCondition]] = relationship(
        back_populates="approval", order_by="EiaCondition.id", cascade="all, delete-orphan")


class EiaCondition(db.Model):
    """A condition of an approval (环评批复要求), checked on site by its due day."""

    __tablename__ = "environment_eia_conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(
        ForeignKey("environment_eia_approvals.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    #: The last second (site time) of the due day.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    check_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    approval: Mapped[EiaApproval] = relationship(back_populates="conditions")
    checked_by: Mapped[User | None] = relationship()

    def is_overdue(self, now: datetime) -> bool:
        """Not checked by its due time (computed from the server clock)."""
        return self.state == "open" and now > self.due_at

    def display_state(self, now: datetime) -> str:
        return "overdue" if self.is_overdue(now) else self.state


class EcologicalProblem(_Kept, db.Model):
    """An ecological problem in a forest area, tracked until its restoration is verified.

    One opened from an inspection finding links it (``finding_id``): the office's
    verification of the finding closes the problem.
    """

    __tablename__ = "environment_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), unique=True)
    description: Mapped[str] = mapped_column(Text)
    place_name: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    #: The restoration deadline (last second of a site-local day), if one was set.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    finding: Mapped[Finding | None] = relationship()

    def is_overdue(self, now: datetime) -> bool:
        """Not closed by its deadline (problems without one are never overdue)."""
        return self.state != "closed" and self.due_at is not None and self.due_at < now

    def display_state(self, now: datetime) -> str:
        return "overdue" if self.is_overdue(now) else self.state


class ProblemEvent(db.Model):
    """One step on a problem's timeline (opened, progress, restored, closed...)."""

    __tablename__ = "environment_problem_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(
        ForeignKey("environment_problems.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class RestorationProject(_Kept, db.Model):
    """An ecological protection and restoration project (生态保护修复), accepted when done."""

    __tablename__ = "environment_restorations"
    __table_args__ = (
        CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The ecological problem the project restores, if any.
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("environment_problems.id"),
                                                   index=True)
    name: Mapped[str] = mapped_column(String(200))
    place_name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    #: 修复措施: replanting, slope protection, waste removal...
    measures: Mapped[str] = mapped_column(Text)
    budget_yuan: Mapped[float] = mapped_column(YUAN)
    start_on: Mapped[date] = mapped_column(Date, index=True)
    planned_end_on: Mapped[date | None] = mapped_column(Date)
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="in_progress", index=True)
    accepted_on: Mapped[date | None] = mapped_column(Date, index=True)
    acceptance_note: Mapped[str] = mapped_column(Text, default="")
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    problem: Mapped[EcologicalProblem | None] = relationship()
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])


class RestorationProgress(db.Model):
    """A progress report on a restoration project: percent done, what was done, photos."""

    __tablename__ = "environment_restoration_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("environment_restorations.id", ondelete="CASCADE"), index=True)
    percent: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
