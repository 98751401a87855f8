"""Listed supervision of a subject (a finding, later a case) and its entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: inquiry: the monthly inquiry (月询); report: the quarterly report (季报).
ENTRY_KINDS = ("inquiry", "report")


class Supervision(db.Model):
    """A subject under listed supervision (挂牌督办) from ``started_at`` until ``ended_at``."""

    __tablename__ = "supervisions"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    #: The unit that files the quarterly reports.
    unit_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    unit: Mapped[Department] = relationship(lazy="joined")
    started_by: Mapped[User] = relationship(lazy="joined")


class SupervisionEntry(db.Model):
    """A monthly inquiry or a quarterly report for one period (``2026-11``, ``2026Q4``)."""

    __tablename__ = "supervision_entries"
    __table_args__ = (Index("ix_supervision_entries_period", "supervision_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supervision_id: Mapped[int] = mapped_column(
        ForeignKey("supervisions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
