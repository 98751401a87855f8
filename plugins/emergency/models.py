"""The emergency management office's registers (tables prefixed ``emergency_``).

* **Forest fires** (森林火情): when and where, cause, burned forest area, deaths and injuries,
  the level computed from them (``plugins.emergency.levels``), the state (reported ->
  extinguished -> assessed), the core case a suspected arson or negligence opened and its
  hand-over to the police, and how many injured people the public services office was asked
  to treat.
* The **response log** of a fire (扑救记录): actions, forces and resources, departments.
* **Readiness**: fire danger periods (防火期, with the 森林火险等级 1–5), the duty roster
  (值班表, one row per day) and patrol records (巡山护林).

Areas are ``NUMERIC`` hectares (exact in the database) read as ``float``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.accounts.models import User
from core.cases.models import Case, Transfer
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: Hectares, to the hundredth (what fire statistics report).
HECTARES = Numeric(12, 2, asdecimal=False)

#: reported (burning) -> extinguished (扑灭) -> assessed (核查评估: the figures are final).
FIRE_STATES = ("reported", "extinguished", "assessed")
#: 起火原因: suspected arson (疑似人为放火), negligence (失火: farming, graves, smoking...),
#: lightning (雷击), unknown (不明).
CAUSES = ("suspected_arson", "negligence", "lightning", "unknown")
#: 森林火险等级 of a fire danger period: 1 (low) to 5 (extreme).
DANGER_LEVELS = (1, 2, 3, 4, 5)


def _not_negative(*columns: str) -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(f"{c} >= 0", name=f"{c}_not_negative") for c in columns)


class Corrected:
    """When a record people correct was made and last changed, and its version: a save made
    on an older version is refused (optimistic locking), never silently overwritten."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class Fire(Corrected, db.Model):
    """A forest fire as the emergency office records it, from the first report to the
    assessed figures."""

    __tablename__ = "emergency_fires"
    __table_args__ = _not_negative("burned_area_ha", "deaths", "injuries", "injured_tasked")

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. 森林火情〔2026〕3号, numbered per site-local year.
    number: Mapped[str] = mapped_column(String(60), unique=True)
    #: The department that recorded it and handles it (one the plugin serves).
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    place_name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    cause: Mapped[str] = mapped_column(String(20), index=True)
    #: 受害森林面积 (hectares): the area the regulation grades by.
    burned_area_ha: Mapped[float] = mapped_column(HECTARES, default=0)
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    #: Seriously injured persons (重伤), the count the regulation grades by.
    injuries: Mapped[int] = mapped_column(Integer, default=0)
    #: 受害林分: forest type and species, as written.
    affected_forest: Mapped[str] = mapped_column(String(200), default="")
    #: Computed from area and casualties on every change (``levels.fire_level``); stored to
    #: filter and count by it.
    level: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(String(20), default="reported", index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    extinguished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assessment: Mapped[str] = mapped_column(Text, default="")
    #: The core case opened when the cause may be a crime (once per fire).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    #: Its hand-over to the police (once per fire).
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    #: Injured persons already handed to the public services office as tasks: a rise in
    #: ``injuries`` above it asks for the difference.
    injured_tasked: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()
    transfer: Mapped[Transfer | None] = relationship()


class LogEntry(db.Model):
    """One line of a fire's response log (扑救记录): what was done, by whom, with what."""

    __tablename__ = "emergency_log_entries"
    __table_args__ = _not_negative("personnel", "vehicles")

    id: Mapped[int] = mapped_column(primary_key=True)
    fire_id: Mapped[int] = mapped_column(ForeignKey("emergency_fires.id", ondelete="CASCADE"),
                                         index=True)
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(Text)
    #: The teams sent, as written (镇扑火队、村护林队...), and how many people.
    forces: Mapped[str] = mapped_column(String(500), default="")
    personnel: Mapped[int] = mapped_column(Integer, default=0)
    #: Equipment sent, as written (风力灭火机、水泵...), and how many vehicles.
    resources: Mapped[str] = mapped_column(String(500), default="")
    vehicles: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship(lazy="joined")
    departments: Mapped[list[LogDepartment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="LogDepartment.id")


class LogDepartment(db.Model):
    """A department involved in one step of the response."""

    __tablename__ = "emergency_log_departments"
    __table_args__ = (UniqueConstraint("entry_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("emergency_log_entries.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)

    department: Mapped[Department] = relationship(lazy="joined")


class DangerPeriod(Corrected, db.Model):
    """A fire danger period (防火期 / 火险预警): days with a fire danger level and a note."""

    __tablename__ = "emergency_danger_periods"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_1_to_5"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    level: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    #: The fire danger warning published with it (category emergency.fire_danger_warning).
    info_item_id: Mapped[int | None] = mapped_column(ForeignKey("info_items.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    department: Mapped[Department] = relationship(lazy="joined")


class DutyDay(Corrected, db.Model):
    """One day of the fire-prevention duty roster (值班表): who is on duty, who leads."""

    __tablename__ = "emergency_duty_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    #: 值班人员: an account, so the inbox and the directory know who it is.
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: 带班领导, as written (township leaders need no account).
    leader: Mapped[str] = mapped_column(String(100), default="")
    #: 值班电话.
    phone: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    #: The department that keeps the roster entry.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    officer: Mapped[User] = relationship(lazy="joined", foreign_keys=[officer_id])
    updated_by: Mapped[User] = relationship(foreign_keys=[updated_by_id])


class Patrol(Corrected, db.Model):
    """A patrol of the forest (巡山护林): route, members, what was found."""

    __tablename__ = "emergency_patrols"
    __table_args__ = _not_negative("hazards_found")

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    patrolled_on: Mapped[date] = mapped_column(Date, index=True)
    #: 巡护路线或区域.
    route: Mapped[str] = mapped_column(String(200))
    #: 巡护人员, as written.
    members: Mapped[str] = mapped_column(String(500))
    findings: Mapped[str] = mapped_column(Text, default="")
    #: 发现火灾隐患 (处).
    hazards_found: Mapped[int] = mapped_column(Integer, default=0)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship()
