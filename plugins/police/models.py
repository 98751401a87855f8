"""The police station's registers: criminal cases, early interventions, outcomes, risk notices.

Every table is prefixed ``police_`` (a plugin owns one name). Criminal cases, interventions and
outcomes hang off the core's :class:`core.cases.models.Case`; who may see them follows the
core case's visibility (``core.access.visible_cases``), see ``plugins.police.services``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.cases.models import Case, Transfer
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: 立案侦查 -> 移送起诉, or 中止侦查 / 撤案.
STAGES = ("investigating", "prosecution", "suspended", "withdrawn")
#: How a criminal case came to the police: handed over by an administrative department
#: (accepted as a criminal case) or opened by the police themselves.
SOURCES = ("transfer", "own")
#: sent -> replied; overdue (sent, past ``reply_due_at``) is computed, never stored.
NOTICE_STATES = ("sent", "replied")


class CriminalCase(db.Model):
    """The police's criminal-case details of one core case (刑事案件登记), one-to-one."""

    __tablename__ = "police_criminal_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    #: The police department that filed it.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    #: 刑事案件编号; empty until the police enter it (a hand-over creates the record first).
    case_number: Mapped[str] = mapped_column(String(60), default="", index=True)
    #: 立案日期 (site-local day).
    filed_on: Mapped[date] = mapped_column(Date, index=True)
    #: 涉嫌罪名, e.g. 盗伐林木罪.
    charge: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[str] = mapped_column(String(20), default="investigating", index=True)
    source: Mapped[str] = mapped_column(String(20), default="own")
    #: The hand-over it was accepted from (source ``transfer``).
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    transfer: Mapped[Transfer | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class Intervention(db.Model):
    """The police joining another department's administrative case early (提前介入)."""

    __tablename__ = "police_interventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: The police department that intervened.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    intervened_on: Mapped[date] = mapped_column(Date, index=True)
    #: The officer(s) who took part, as written.
    officer: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship()


class Outcome(db.Model):
    """What the police did with the people of one case (the jiaocheng ledger's police
    columns): persons under administrative detention, criminal detention, arrested."""

    __tablename__ = "police_outcomes"
    __table_args__ = (
        CheckConstraint("admin_detentions >= 0", name="admin_detentions_not_negative"),
        CheckConstraint("criminal_detentions >= 0", name="criminal_detentions_not_negative"),
        CheckConstraint("arrests >= 0", name="arrests_not_negative"),
        CheckConstraint("persons_involved >= 0", name="persons_involved_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    #: The police department that recorded it.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    admin_detentions: Mapped[int] = mapped_column(Integer, default=0)
    criminal_detentions: Mapped[int] = mapped_column(Integer, default=0)
    arrests: Mapped[int] = mapped_column(Integer, default=0)
    persons_involved: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    updated_by: Mapped[User] = relationship()


class RiskNotice(db.Model):
    """A risk notice (风险提示函) from the police to a regulating department about a loophole
    or hazard; the target department must reply by ``reply_due_at``."""

    __tablename__ = "police_risk_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. 公安风险提示函〔2026〕3号, numbered per site-local year.
    number: Mapped[str] = mapped_column(String(60), unique=True)
    #: The sending police department.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    target_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"),
                                                      index=True)
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="sent", index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The last second (site time) of the reply's due day.
    reply_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reply_text: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department] = relationship(foreign_keys=[department_id], lazy="joined")
    target_department: Mapped[Department] = relationship(foreign_keys=[target_department_id],
                                                         lazy="joined")
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id], lazy="joined")
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])

    def is_overdue(self, now: datetime) -> bool:
        """Not replied by its due time (computed from the server clock)."""
        return self.state == "sent" and now > self.reply_due_at

    def display_state(self, now: datetime) -> str:
        return "overdue" if self.is_overdue(now) else self.state
