"""Department tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow

#: Kinds of unit: from ``departments.toml`` (the office and the departments) and from
#: ``villages.toml`` (the township government and the villages, which receive
#: rectification tasks).
DEPARTMENT_KINDS = ("office", "department")
LOCAL_KINDS = ("township", "village")


class Department(db.Model):
    """A collaborating unit (成员单位) or the office itself, synced from departments.toml."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    duties: Mapped[str] = mapped_column(Text, default="")
    #: The plugin configuration assigns to this department (its main duties).
    plugin: Mapped[str | None] = mapped_column(String(40))
    #: One of DEPARTMENT_KINDS or LOCAL_KINDS.
    kind: Mapped[str] = mapped_column(String(20), default="department")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    #: Loaded on access: departments are joined into many lists, which rarely need these;
    #: lists that show them ask for ``selectinload(Department.plugin_choices)``.
    plugin_choices: Mapped[list[DepartmentPlugin]] = relationship(
        back_populates="department", cascade="all, delete-orphan", lazy="select"
    )

    @property
    def enabled_plugins(self) -> set[str]:
        """Plugins this department's leader has switched on for it."""
        return {choice.plugin for choice in self.plugin_choices}

    def name(self, locale: str) -> str:
        """The department's name in ``locale`` (Chinese unless English is asked for)."""
        return self.name_en if locale.startswith("en") else self.name_zh

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class DepartmentPlugin(db.Model):
    """One available plugin switched on for one department (the second level of enabling)."""

    __tablename__ = "department_plugins"
    __table_args__ = (UniqueConstraint("department_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), index=True
    )
    plugin: Mapped[str] = mapped_column(String(40))
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship(back_populates="plugin_choices")
