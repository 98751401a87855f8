"""User and API token tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: Roles, from the least business-facing to the most (see README, access model).
ROLES = ("admin", "security", "auditor", "office", "leader", "liaison", "member")


class User(db.Model):
    """A person who signs in. One department, one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), index=True)
    password_hash: Mapped[str] = mapped_column(String(255), info={"audit": "redact"})
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Bumped on logout and password change: cookies carrying an older value are refused.
    session_version: Mapped[int] = mapped_column(Integer, default=1, info={"audit": "skip"})
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, info={"audit": "skip"})
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"audit": "skip"})
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locale: Mapped[str | None] = mapped_column(String(10))
    #: Where notifications are e-mailed when SMTP is configured (optional).
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")

    # Flask-Login protocol ------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.active and self.department.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The version travels in the cookie, so bumping it invalidates old cookies.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        code = self.department.code if self.department else "?"
        return f"<User {self.username} {self.role}@{code}>"


class ApiToken(db.Model):
    """A bearer token for the API. Only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"audit": "redact"})
    prefix: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"audit": "skip"})
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
