"""Cases and leads, their parties, and hand-overs between departments (行刑衔接)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: case: an administrative or criminal case; lead: a clue not yet a case (线索).
CASE_KINDS = ("case", "lead")
#: open (being handled) -> closed (concluded). Hand-overs do not change it: a transfer
#: accepted as a criminal case moves the handling department to the receiver.
CASE_STATES = ("open", "closed")
PARTY_KINDS = ("person", "company")

#: sent -> acknowledged -> answered -> confirmed (closed); both sides must act.
TRANSFER_STATES = ("sent", "acknowledged", "answered", "confirmed")
#: The receiver's feedback.
FEEDBACKS = ("accepted_criminal", "not_crime", "returned", "more_evidence")

#: Personal data: the audit log records that it changed, never the value.
REDACT = {"audit": "redact"}


class Case(db.Model):
    """A case or lead handled by one department, which may hand it to another."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="case", index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: A code from the ``offence_types`` hook.
    offence_type: Mapped[str] = mapped_column(String(80), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    place_name: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    occurred_on: Mapped[datetime | None] = mapped_column(UTCDateTime)
    facts: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    #: The inspection finding it came from, if any.
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), index=True)
    #: Listed supervision for a major case (the rhythm lives in ``core.supervision``).
    supervised: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(lazy="joined")
    parties: Mapped[list[CaseParty]] = relationship(
        cascade="all, delete-orphan", order_by="CaseParty.id")


class CaseParty(db.Model):
    """A person or company involved; the ID number is sensitive (see ``core.access``)."""

    __tablename__ = "case_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[str] = mapped_column(String(10), default="person")
    name: Mapped[str] = mapped_column(String(200), info=REDACT)
    #: 身份证号 / 统一社会信用代码: shown only to the departments handling the case.
    id_number: Mapped[str] = mapped_column(String(40), default="", info=REDACT)
    note: Mapped[str] = mapped_column(String(500), default="", info=REDACT)


class Transfer(db.Model):
    """A hand-over of a case or lead from one department to another, with its feedback.

    Overdue is computed: not acknowledged by ``ack_due_at``, or no feedback by
    ``feedback_due_at`` (both counted in working days by ``core.workdays``).
    """

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    to_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="sent", index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    feedback_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    feedback: Mapped[str | None] = mapped_column(String(30), index=True)
    feedback_text: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship(lazy="joined")
    from_department: Mapped[Department] = relationship(foreign_keys=[from_department_id],
                                                       lazy="joined")
    to_department: Mapped[Department] = relationship(foreign_keys=[to_department_id],
                                                     lazy="joined")
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id], lazy="joined")
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])

    def overdue_step(self, now: datetime) -> str | None:
        """``acknowledge`` or ``feedback`` when that step is late, else None."""
        if self.state == "sent" and now > self.ack_due_at:
            return "acknowledge"
        if self.state in ("sent", "acknowledged") and now > self.feedback_due_at:
            return "feedback"
        return None

    def display_state(self, now: datetime) -> str:
        return "overdue" if self.overdue_step(now) else self.state
