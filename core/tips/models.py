"""Public tips (举报), their photos and contact, and the rewards paid for them.

What a tip does **not** have, on purpose: no IP address, no user agent, no session or account
of the sender. The tipster's contact (name, phone) lives in its own table,
:class:`TipContact`, which lists, exports, the API for departments, notifications and the
``route_tip`` hook never load; only the office's tip handlers read it
(``core.tips.services.may_see_contact``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: received (waiting for the department, or for the office's triage) -> handling -> closed.
TIP_STATES = ("received", "handling", "closed")
#: recorded by the office -> approved by a leader of the office -> paid.
REWARD_STATES = ("recorded", "approved", "paid")

#: Personal or sensitive text: the audit log records that it changed, never the value.
REDACT = {"audit": "redact"}


class Tip(db.Model):
    """A report from the public, possibly anonymous.

    ``department_id`` is the department handling it; ``None`` is the office's triage queue.
    """

    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The tracking code the tipster keeps (random, unguessable; shown as XXXX-XXXX-XXXX).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    #: An offence type code from the ``offence_types`` hook (``other`` included).
    category: Mapped[str] = mapped_column(String(80), index=True)
    place_name: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text, info=REDACT)
    #: No contact was left (then no :class:`TipContact` row exists).
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(20), default="received", index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The case it became, or was linked to.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    #: The handler's closing note (internal: the tipster sees the state only).
    reply: Mapped[str] = mapped_column(Text, default="")
    #: SHA-256 of the ``Idempotency-Key`` the tip was sent with: a retry finds it again.
    idempotency_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: SHA-256 of the submission, to refuse a key re-used for a different tip.
    request_hash: Mapped[str] = mapped_column(String(64), default="", info=REDACT)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department | None] = relationship(lazy="joined")
    closed_by: Mapped[User | None] = relationship()

    @property
    def in_triage(self) -> bool:
        """Waiting in the office's triage queue (no department handles it)."""
        return self.department_id is None


class TipContact(db.Model):
    """How to reach a tipster who chose to leave a contact. Sensitive: the office only."""

    __tablename__ = "tip_contacts"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"),
                                        primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="", info=REDACT)
    phone: Mapped[str] = mapped_column(String(40), default="", info=REDACT)


class TipPhoto(db.Model):
    """A photo sent with a tip, stored like attachments (random name under the upload path,
    type checked by content) but without an uploader: the public has no account. The
    sender's file name is not kept either (it may name them): photos are ``photo-<n>``."""

    __tablename__ = "tip_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reward(db.Model):
    """A reward for a tip that led to a case: recorded by the office, approved by a leader
    of the office, then paid. One per tip."""

    __tablename__ = "tip_rewards"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id"), unique=True)
    #: Yuan, two decimals.
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="recorded", index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The day it was paid (site-local), entered by the office.
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    tip: Mapped[Tip] = relationship(lazy="joined")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id], lazy="joined")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    paid_recorded_by: Mapped[User | None] = relationship(foreign_keys=[paid_recorded_by_id])
