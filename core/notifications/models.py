"""One row per message in a person's inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow


class Notification(db.Model):
    """Something a person should look at: an item shared with them, a request, a deadline.

    ``dedupe_key`` makes repeated work idempotent: a reminder is stored once per person and
    key (``UNIQUE (user_id, dedupe_key)``), so a job that runs again sends nothing twice.
    The subject may name restricted content (an item's title), so the audit log records that
    it was set, never its text; reading and e-mailing are bookkeeping, not business changes.
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    #: e.g. ``info_item.shared``, ``request.new``, ``request.answered``,
    #: ``deadline.approaching``, ``deadline.passed``
    kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(300), info={"audit": "redact"})
    #: A path inside the application (``/sharing/42``), never an outside address.
    link: Mapped[str] = mapped_column(String(300), default="")
    object_type: Mapped[str] = mapped_column(String(60), default="")
    object_id: Mapped[int | None] = mapped_column(Integer)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"audit": "skip"})
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"audit": "skip"})

    @property
    def unread(self) -> bool:
        return self.read_at is None
