"""The forestry plugin's registers (tables prefixed ``forestry_``).

* Logging permits (林木采伐许可证) and forest-land use permits (使用林地审核同意书), issued by a
  department the plugin serves.
* Administrative details of a core case (:class:`core.cases.models.Case`, one-to-one):
  quantities with their units, the fine, restoration ordered.
* Technical support for a case: experts appointed to survey it, and their reports (species
  identification, valuation...), whose files are attachments of owner ``forestry_report``.

Quantities and amounts are ``NUMERIC`` (exact in the database) read as ``float``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.cases.models import Case
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: Cubic metres (timber volume) and mu (area), as the permits state them.
VOLUME = Numeric(12, 3, asdecimal=False)
AREA = Numeric(12, 2, asdecimal=False)
#: Tonnes of mineral and yuan.
TONNES = Numeric(14, 2, asdecimal=False)
YUAN = Numeric(14, 2, asdecimal=False)

#: Technical reports an expert issues for a case (licheng 四(二)3, jiaocheng 四).
REPORT_KINDS = ("species_identification", "valuation", "survey", "land_damage",
                "mineral_damage", "other")


class LoggingPermit(db.Model):
    """A logging permit (林木采伐许可证) as issued; validity is computed from its dates."""

    __tablename__ = "forestry_logging_permits"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    #: The issuing department (one the plugin serves).
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    holder: Mapped[str] = mapped_column(String(200))
    place_name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    species: Mapped[str] = mapped_column(String(200))
    volume_m3: Mapped[float] = mapped_column(VOLUME)
    area_mu: Mapped[float] = mapped_column(AREA)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship()

    def validity(self, today: date) -> str:
        """``pending`` (not yet valid), ``valid`` or ``expired`` on ``today``."""
        if today < self.valid_from:
            return "pending"
        return "expired" if today > self.valid_until else "valid"


class LandUsePermit(db.Model):
    """A forest-land use permit (使用林地审核同意书): a project may occupy forest land."""

    __tablename__ = "forestry_land_use_permits"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    holder: Mapped[str] = mapped_column(String(200))
    project: Mapped[str] = mapped_column(String(200), default="")
    place_name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    area_mu: Mapped[float] = mapped_column(AREA)
    purpose: Mapped[str] = mapped_column(String(200))
    approved_on: Mapped[date] = mapped_column(Date, index=True)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship()

    def validity(self, today: date) -> str:
        """``valid`` from approval until ``valid_until``, then ``expired``."""
        return "expired" if today > self.valid_until else "valid"


class ForestryCase(db.Model):
    """The administrative side of a forest or mining case: what the handling department
    established (quantities, fine, restoration). One row per core case."""

    __tablename__ = "forestry_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    #: The department that recorded the details.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    timber_volume_m3: Mapped[float | None] = mapped_column(VOLUME)
    land_area_mu: Mapped[float | None] = mapped_column(AREA)
    mineral_tonnes: Mapped[float | None] = mapped_column(TONNES)
    #: Illegal mineral products confiscated (没收非法矿产品).
    confiscated_tonnes: Mapped[float | None] = mapped_column(TONNES)
    #: The value of the resources damaged (yuan).
    value_yuan: Mapped[float | None] = mapped_column(YUAN)
    fine_yuan: Mapped[float | None] = mapped_column(YUAN)
    restoration_ordered: Mapped[bool] = mapped_column(Boolean, default=False)
    restoration_text: Mapped[str] = mapped_column(Text, default="")
    #: Illegal mining banned (非法采矿是否取缔).
    mining_banned: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: When the police last returned it (not a crime / returned) for administrative handling.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship()


class ForestryExpert(db.Model):
    """A technical expert appointed to survey a case (勘验检查)."""

    __tablename__ = "forestry_experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(200))
    qualification: Mapped[str] = mapped_column(String(200), default="")
    task: Mapped[str] = mapped_column(Text, default="")
    appointed_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ForestryReport(db.Model):
    """A technical report for a case (species identification, valuation...); its files are
    attachments of owner ``forestry_report``."""

    __tablename__ = "forestry_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("forestry_experts.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    conclusion: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    expert: Mapped[ForestryExpert | None] = relationship()
