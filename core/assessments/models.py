"""Assessment (考评, yuxi): 县级自查、市级评定、市级推优.

An :class:`Assessment` covers a period and, optionally, a special campaign. Each department
assessed has an :class:`AssessmentEntry`: indicators computed from the system (stored as a
snapshot with their inputs, so a published result never moves), the department's self-check
(自查), the office's evaluation (评定) and the recommendation (推优).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
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

if TYPE_CHECKING:
    from core.campaigns.models import Campaign

#: self_check (departments check themselves) -> evaluation (the office scores and
#: recommends) -> published (read-only; departments see the ranking).
ASSESSMENT_STATES = ("self_check", "evaluation", "published")
#: The words the office's documents use (Chinese whatever the UI language).
ASSESSMENT_STATE_ZH = {"self_check": "县级自查", "evaluation": "市级评定", "published": "已公布"}
#: The indicators computed from the system, in the order they are shown.
INDICATORS = ("reports", "ledger", "rectifications", "liaison")
#: Their Chinese names (the export's headers).
INDICATOR_ZH = {"reports": "按时报送率", "ledger": "台账完整率",
                "rectifications": "整改按期办结率", "liaison": "联络员评分"}
#: Default weights (percent); an assessment fixes its own on creation.
DEFAULT_WEIGHTS = {"reports": 30, "ledger": 30, "rectifications": 25, "liaison": 15}


class Assessment(db.Model):
    """One round of assessment: its period, optional campaign, weights and state."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    #: The campaign assessed (its participants are the departments assessed), if any.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="self_check", index=True)
    #: ``{indicator: weight}`` (integers adding up to 100), fixed on creation.
    weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: When the indicators were last computed (creation or the office's refresh).
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    campaign: Mapped[Campaign | None] = relationship()
    created_by: Mapped[User] = relationship(lazy="joined")
    entries: Mapped[list[AssessmentEntry]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan",
        order_by="AssessmentEntry.id")


class AssessmentEntry(db.Model):
    """One department's entry: computed indicators, self-check, evaluation, recommendation."""

    __tablename__ = "assessment_entries"
    __table_args__ = (UniqueConstraint("assessment_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    #: ``{indicator: {"applicable": bool, "score": float | None, "weight": int,
    #: "inputs": {...}}}``: the snapshot of what the system counted.
    indicators: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The weighted score of the applicable indicators (None when none applies).
    system_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    #: 自查: the department's own score and account.
    self_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    self_text: Mapped[str] = mapped_column(Text, default="")
    self_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    self_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: 评定: the office's score and comment.
    evaluation_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    evaluation_comment: Mapped[str] = mapped_column(Text, default="")
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: 推优: recommended by the office (only with a self-check).
    recommended: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    assessment: Mapped[Assessment] = relationship(back_populates="entries")
    department: Mapped[Department] = relationship(lazy="joined")

    @property
    def self_checked(self) -> bool:
        """Whether the department did its self-check (自查)."""
        return self.self_score is not None

    @property
    def eligible(self) -> bool:
        """May be recommended: yuxi takes the right away from anyone without a self-check
        (未按要求开展县级评定工作的地方，一律取消参加推优的资格)."""
        return self.self_checked

    @property
    def total(self) -> Decimal | None:
        """The evaluation score if the office gave one, else the system score."""
        return self.evaluation_score if self.evaluation_score is not None else self.system_score
