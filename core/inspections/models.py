"""Joint inspections (联合督查), their on-site records, findings and notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: planned -> in_progress -> reported -> closed
INSPECTION_STATES = ("planned", "in_progress", "reported", "closed")
#: open (rectifying) -> completion_reported -> closed (verified); a rejection goes back to open.
FINDING_STATES = ("open", "completion_reported", "closed")
#: 一般 / 较重 / 严重
SEVERITIES = ("general", "serious", "major")
#: The words official documents and the ledger use (Chinese whatever the UI language).
SEVERITY_ZH = {"general": "一般", "serious": "较重", "major": "严重"}
STATE_ZH = {"open": "整改中", "completion_reported": "待核验", "closed": "已销号"}
#: The answers a checklist item can get on site.
CHECK_ANSWERS = ("yes", "no", "na")


class Inspection(db.Model):
    """A joint inspection the office plans with departments (联合督查)."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    #: The area inspected, in words (villages in scope are listed separately).
    scope: Mapped[str] = mapped_column(Text, default="")
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    #: The inspection report is due by then.
    report_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(20), default="planned", index=True)
    #: Checklist items from the ``inspection_checklist`` hook, fixed when planned:
    #: ``[{"code", "label_zh", "label_en", "plugin"}]``.
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    report_text: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    created_by: Mapped[User] = relationship(lazy="joined")
    # Loaded on access (findings join their inspection; lists ask for what they show).
    departments: Mapped[list[InspectionDepartment]] = relationship(
        cascade="all, delete-orphan", order_by="InspectionDepartment.id")
    villages: Mapped[list[InspectionVillage]] = relationship(
        cascade="all, delete-orphan", order_by="InspectionVillage.id")
    members: Mapped[list[InspectionMember]] = relationship(
        cascade="all, delete-orphan", order_by="InspectionMember.id")

    @property
    def department_ids(self) -> set[int]:
        return {d.department_id for d in self.departments}

    def is_report_overdue(self, now: datetime) -> bool:
        return self.state in ("planned", "in_progress") and self.report_due_at < now


class InspectionDepartment(db.Model):
    """A participating department and its task in the inspection."""

    __tablename__ = "inspection_departments"
    __table_args__ = (UniqueConstraint("inspection_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    task: Mapped[str] = mapped_column(Text, default="")

    department: Mapped[Department] = relationship(lazy="joined")


class InspectionVillage(db.Model):
    """A village (or the township) in the inspection's scope."""

    __tablename__ = "inspection_villages"
    __table_args__ = (UniqueConstraint("inspection_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)

    department: Mapped[Department] = relationship(lazy="joined")


class InspectionMember(db.Model):
    """A person taking part in the inspection."""

    __tablename__ = "inspection_members"
    __table_args__ = (UniqueConstraint("inspection_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    user: Mapped[User] = relationship(lazy="joined")


class InspectionRecord(db.Model):
    """What a member saw at one place during the inspection (photos are attachments)."""

    __tablename__ = "inspection_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    place_name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    #: ``{checklist code: "yes" | "no" | "na"}`` against the inspection's checklist.
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(lazy="joined")


class Finding(db.Model):
    """A problem found by an inspection, to be rectified by a unit by a deadline (整改)."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_records.id"),
                                                  index=True)
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(20), index=True)
    #: A sharing category code (core or plugin vocabulary).
    category: Mapped[str] = mapped_column(String(80), index=True)
    location_name: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    #: The responsible unit: a village, the township government or a department.
    unit_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    requirements: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(30), default="open", index=True)
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    #: Raised to listed supervision (挂牌督办); the rhythm lives in ``core.supervision``.
    supervised: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    inspection: Mapped[Inspection] = relationship(lazy="joined")
    unit: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(lazy="joined", foreign_keys=[created_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    copies: Mapped[list[FindingCopy]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="FindingCopy.id")

    def is_overdue(self, now: datetime) -> bool:
        """Not verified by its deadline (a reported completion still awaits verification)."""
        return self.state != "closed" and self.due_at < now

    def display_state(self, now: datetime) -> str:
        return "overdue" if self.is_overdue(now) else self.state


class FindingCopy(db.Model):
    """A department a finding is copied to (抄送)."""

    __tablename__ = "finding_copies"
    __table_args__ = (UniqueConstraint("finding_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"),
                                            index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)

    department: Mapped[Department] = relationship(lazy="joined")


#: Steps kept on a finding's timeline.
EVENT_KINDS = ("assigned", "progress", "completion", "rejected", "verified", "supervised",
               "edited")


class FindingEvent(db.Model):
    """One step in a finding's life: progress, completion, rejection, verification..."""

    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    percent: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")


class Notice(db.Model):
    """A notice (通报) issued from an inspection; ``content`` is the text as issued."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    number: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    #: The snapshot the documents are rendered from (see ``core.inspections.notices``).
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    inspection: Mapped[Inspection] = relationship(lazy="joined")
    issued_by: Mapped[User] = relationship(lazy="joined")
