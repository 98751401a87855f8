"""Information items, who they are shared with, and their versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: open: every department; internal: named departments; sensitive: named users;
#: classified: a register entry only (state secrets are never stored here).
SENSITIVITIES = ("open", "internal", "sensitive", "classified")

#: Content columns: the audit log records that they changed, never their text, so the
#: audit log (read by auditors) cannot leak restricted information.
REDACT = {"audit": "redact"}


class InfoItem(db.Model):
    """A piece of information a department publishes (信息共享)."""

    __tablename__ = "info_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), info=REDACT)
    #: Always empty for classified items: the platform keeps only the register entry.
    body: Mapped[str] = mapped_column(Text, default="", info=REDACT)
    category: Mapped[str] = mapped_column(String(80), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    sensitivity: Mapped[str] = mapped_column(String(20), index=True)
    reference_no: Mapped[str] = mapped_column(String(100), default="", info=REDACT)
    consult_at: Mapped[str] = mapped_column(String(200), default="", info=REDACT)
    location_name: Mapped[str] = mapped_column(String(200), default="", info=REDACT)
    lat: Mapped[float | None] = mapped_column(Float, info=REDACT)
    lng: Mapped[float | None] = mapped_column(Float, info=REDACT)
    tags: Mapped[str] = mapped_column(String(300), default="", info=REDACT)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(lazy="joined")
    shared_with: Mapped[list[InfoItemDepartment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    readers: Mapped[list[InfoItemReader]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (part.strip() for part in self.tags.split(",")) if t]


class InfoItemDepartment(db.Model):
    """A department an ``internal`` (or classified register) item is shared with."""

    __tablename__ = "info_item_departments"
    __table_args__ = (UniqueConstraint("item_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("info_items.id", ondelete="CASCADE"),
                                         index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    department: Mapped[Department] = relationship(lazy="joined")


class InfoItemReader(db.Model):
    """A user a ``sensitive`` item is shared with."""

    __tablename__ = "info_item_readers"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("info_items.id", ondelete="CASCADE"),
                                         index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    user: Mapped[User] = relationship(lazy="joined")


class InfoItemVersion(db.Model):
    """The text of an item as it was after each save (who changed what, when)."""

    __tablename__ = "info_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("info_items.id", ondelete="CASCADE"),
                                         index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), info=REDACT)
    body: Mapped[str] = mapped_column(Text, default="", info=REDACT)
    changed_fields: Mapped[str] = mapped_column(String(300), default="")
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[User] = relationship(lazy="joined")


#: Stored states of an office information request; "overdue" is computed, never stored.
REQUEST_STATES = ("open", "answered", "declined", "closed")


class InfoRequest(db.Model):
    """The office asks a department for information, by a due time (lianzhou art. 6)."""

    __tablename__ = "info_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"),
                                                         index=True)
    target_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200), info=REDACT)
    details: Mapped[str] = mapped_column(Text, default="", info=REDACT)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    answer_text: Mapped[str] = mapped_column(Text, default="", info=REDACT)
    decline_reason: Mapped[str] = mapped_column(Text, default="", info=REDACT)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined")
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id],
                                                    lazy="joined")
    requester_department: Mapped[Department] = relationship(
        foreign_keys=[requester_department_id], lazy="joined")
    target_department: Mapped[Department] = relationship(
        foreign_keys=[target_department_id], lazy="joined")
    items: Mapped[list[InfoRequestItem]] = relationship(cascade="all, delete-orphan",
                                                        lazy="selectin")

    def is_overdue(self, now: datetime) -> bool:
        """Open past its due time (computed from server time, never stored)."""
        return self.state == "open" and now > self.due_at

    def display_state(self, now: datetime) -> str:
        """The state as people see it: ``overdue`` for an open request past due."""
        return "overdue" if self.is_overdue(now) else self.state


class InfoRequestItem(db.Model):
    """An existing information item given as (part of) an answer."""

    __tablename__ = "info_request_items"
    __table_args__ = (UniqueConstraint("request_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("info_requests.id", ondelete="CASCADE"),
                                            index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("info_items.id"), index=True)
    item: Mapped[InfoItem] = relationship(lazy="joined")


class QuarterlyReport(db.Model):
    """A department liaison's quarterly report (licheng 四(一)1): sections plus free text."""

    __tablename__ = "quarterly_reports"
    __table_args__ = (UniqueConstraint("department_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    #: {section code: {field name: value}}
    sections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=REDACT)
    summary: Mapped[str] = mapped_column(Text, default="", info=REDACT)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    filed_by: Mapped[User] = relationship(lazy="joined")
