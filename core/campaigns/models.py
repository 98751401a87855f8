"""Special campaigns (专项行动, jiaocheng; yangshan): phases, the leadership group and the
campaign office, the ledger (台账) with one column group per department, the reports due on
the campaign's rhythm, and the clues (tips and leads) attached to it.

The core owns campaigns because a campaign involves several departments; what each department
records in the ledger (its column group) comes from its plugin through the ``ledger_columns``
hook and is fixed on the campaign when it is created (:attr:`Campaign.ledger_layout`), so later
plugin changes never alter a ledger already kept.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department

#: active (phases running or upcoming) -> closed (the office closed it after the review).
CAMPAIGN_STATES = ("active", "closed")
#: Roles in the leadership group (领导小组): 组长, 副组长, 成员.
LEADERSHIP_ROLES = ("leader", "deputy", "member")
LEADERSHIP_ROLE_ZH = {"leader": "组长", "deputy": "副组长", "member": "成员"}
#: Progress reports on the rhythm (每月15、30日), staged reports by fixed dates, the final
#: summary with the self-assessment.
REPORT_KINDS = ("progress", "staged", "final")
REPORT_KIND_ZH = {"progress": "阶段工作进展", "staged": "阶段性工作情况",
                  "final": "工作总结及自评报告"}
#: A ledger cell's kinds: decimal amounts (area, fines, tonnes), counts (persons), yes/no, text.
COLUMN_KINDS = ("number", "integer", "boolean", "text")
#: A clue is a public tip or a department's lead (a core case of kind "lead").
CLUE_KINDS = ("tip", "lead")


class Campaign(db.Model):
    """A time-boxed joint operation with phases, a leadership group, an office and a ledger."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The template it was created from (``config/campaigns/<code>.toml``), "" when by hand.
    template: Mapped[str] = mapped_column(String(40), default="", index=True)
    #: Documents the campaign rests on, one per line (根据…文件精神).
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    #: Offence type codes (the ``offence_types`` hook) the campaign targets (打击重点).
    focus_offence_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The campaign office (领导小组办公室): where it sits and who runs it.
    office_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    office_location: Mapped[str] = mapped_column(String(200), default="")
    office_director: Mapped[str] = mapped_column(String(200), default="")
    office_deputy: Mapped[str] = mapped_column(String(200), default="")
    office_staff: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(20), default="active", index=True)
    #: The reporting rhythm as created: ``{"days": [15, 30], "time": "18:00",
    #: "staged": [{"title", "due"}], "final": {"title", "due"}}`` (dates ISO, local time).
    rhythm: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The ledger's layout, fixed at creation: ``{"title", "units", "category_label_zh",
    #: "category_label_en", "groups": [{"department", "key", "title_zh", "title_en",
    #: "columns": [{"key", "label_zh", "label_en", "subgroup_zh", "subgroup_en", "kind",
    #: "unit_zh", "unit_en"}]}]}``.
    ledger_layout: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Ledger footer (审核人 / 填报时间 / 填报人), kept by the campaign office.
    ledger_reviewer: Mapped[str] = mapped_column(String(100), default="")
    ledger_filed_on: Mapped[date | None] = mapped_column(Date)
    ledger_filed_by: Mapped[str] = mapped_column(String(100), default="")
    #: 填报单位 on the sheet.
    ledger_unit: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    office_department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(lazy="joined")
    phases: Mapped[list[CampaignPhase]] = relationship(
        back_populates="campaign", order_by="CampaignPhase.position",
        cascade="all, delete-orphan")
    leaders: Mapped[list[CampaignLeader]] = relationship(
        back_populates="campaign", order_by="CampaignLeader.position",
        cascade="all, delete-orphan")
    participants: Mapped[list[CampaignDepartment]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan")

    def current_phase(self, today: date) -> CampaignPhase | None:
        """The phase running on ``today`` (local date), if any."""
        return next((p for p in self.phases if p.starts_on <= today <= p.ends_on), None)

    @property
    def groups(self) -> list[dict[str, Any]]:
        return list(self.ledger_layout.get("groups", []))

    def group_of(self, department_code: str) -> dict[str, Any] | None:
        return next((g for g in self.groups if g["department"] == department_code), None)


class CampaignPhase(db.Model):
    """One phase (阶段): survey, crackdown, review... with its dates."""

    __tablename__ = "campaign_phases"
    __table_args__ = (UniqueConstraint("campaign_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")

    campaign: Mapped[Campaign] = relationship(back_populates="phases")


class CampaignLeader(db.Model):
    """A member of the leadership group (领导小组): leader, deputy or member."""

    __tablename__ = "campaign_leaders"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    #: Post, e.g. 局党组书记、局长.
    post: Mapped[str] = mapped_column(String(200), default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)

    campaign: Mapped[Campaign] = relationship(back_populates="leaders")
    department: Mapped[Department] = relationship(lazy="joined")


class CampaignDepartment(db.Model):
    """A department taking part: it sees the campaign and, when ``reports``, owes reports."""

    __tablename__ = "campaign_departments"
    __table_args__ = (UniqueConstraint("campaign_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    reports: Mapped[bool] = mapped_column(default=True)

    campaign: Mapped[Campaign] = relationship(back_populates="participants")
    department: Mapped[Department] = relationship(lazy="joined")


class LedgerRow(db.Model):
    """One row of the ledger: a case or target, with the core's columns (序号, 县市区,
    企业名称(个人), 位置, category, 备注); each department's figures are :class:`LedgerCell`."""

    __tablename__ = "campaign_ledger_rows"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number"),
        Index("ix_campaign_ledger_rows_campaign_phase", "campaign_id", "phase_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    #: 序号 within the campaign.
    number: Mapped[int] = mapped_column(Integer)
    county: Mapped[str] = mapped_column(String(100), default="")
    party: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_phases.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    #: The department that entered the row (it and the campaign office edit the core columns).
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    phase: Mapped[CampaignPhase | None] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    cells: Mapped[list[LedgerCell]] = relationship(
        back_populates="row", cascade="all, delete-orphan", lazy="selectin")

    def values(self) -> dict[tuple[str, str], Any]:
        """``(group key, column key) -> value`` of the department cells."""
        return {(c.group_key, c.column_key): c.value for c in self.cells}


class LedgerCell(db.Model):
    """One department figure on a ledger row (its group's column)."""

    __tablename__ = "campaign_ledger_cells"
    __table_args__ = (
        UniqueConstraint("row_id", "group_key", "column_key"),
        Index("ix_campaign_ledger_cells_campaign_group", "campaign_id", "group_key",
              "column_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    row_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_ledger_rows.id", ondelete="CASCADE"), index=True)
    #: The owning department (the group's).
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    group_key: Mapped[str] = mapped_column(String(60))
    column_key: Mapped[str] = mapped_column(String(60))
    #: number/integer/boolean (1 or 0) cells; summed by the results table.
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    text: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(10))
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    row: Mapped[LedgerRow] = relationship(back_populates="cells")

    @property
    def value(self) -> Any:
        if self.kind == "text":
            return self.text
        if self.amount is None:
            return None
        if self.kind == "boolean":
            return bool(self.amount)
        if self.kind == "integer":
            return int(self.amount)
        return self.amount


class CampaignReport(db.Model):
    """A report a department owes (progress, staged or final), created as a slot when the
    campaign is created; filing stores the text and a snapshot of the ledger."""

    __tablename__ = "campaign_reports"
    __table_args__ = (
        UniqueConstraint("campaign_id", "department_id", "kind", "due_at"),
        Index("ix_campaign_reports_due_filed", "due_at", "filed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    content: Mapped[str] = mapped_column(Text, default="")
    #: The final report's self-assessment (自评).
    self_assessment: Mapped[str] = mapped_column(Text, default="")
    #: The ledger as it stood when filed: ``{"layout": ..., "rows": [...]}``.
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department] = relationship(lazy="joined")
    filed_by: Mapped[User | None] = relationship(lazy="joined")

    def is_late(self, now: datetime) -> bool:
        """Filed after its deadline, or still not filed once the deadline passed."""
        if self.filed_at is not None:
            return self.filed_at > self.due_at
        return now > self.due_at


class CampaignClue(db.Model):
    """A public tip or a department's lead attached to the campaign, with the feedback every
    lead must get (件件有落实、条条有反馈)."""

    __tablename__ = "campaign_clues"
    __table_args__ = (
        UniqueConstraint("campaign_id", "tip_id", name="uq_campaign_clues_campaign_id_tip_id"),
        UniqueConstraint("campaign_id", "case_id",
                         name="uq_campaign_clues_campaign_id_case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(10))
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    #: The department that must feed back on it.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    attached_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    feedback: Mapped[str] = mapped_column(Text, default="")
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    department: Mapped[Department] = relationship(lazy="joined")
