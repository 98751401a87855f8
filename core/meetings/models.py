"""Joint meetings (联席会议, licheng 三; lianzhou art. 9): bodies, proposals, meetings,
minutes with the conveners' signatures, resolutions and duty reports.

The core owns them because a joint meeting involves every department: conveners and members
are departments, whatever plugins serve them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db import UTCDateTime, db, utcnow
from core.departments.models import Department
from core.tasks.models import Task

#: A regular meeting keeps the body's rhythm; an ad-hoc one is called on demand.
MEETING_KINDS = ("regular", "ad_hoc")
#: pending -> approved (the meeting is scheduled) or declined.
PROPOSAL_STATES = ("pending", "approved", "declined")
#: scheduled -> held -> minutes_signed.
MEETING_STATES = ("scheduled", "held", "minutes_signed")
#: draft (editable; signatures of the current revision count) -> signed (locked).
MINUTES_STATES = ("draft", "signed")
#: The words official documents and the register use (Chinese whatever the UI language).
KIND_ZH = {"regular": "例会", "ad_hoc": "临时会议"}
MEETING_STATE_ZH = {"scheduled": "已确定", "held": "已召开", "minutes_signed": "纪要已签发"}


class MeetingBody(db.Model):
    """A joint-meeting body: who convenes, who takes part, who runs it, how often it meets
    (e.g. the natural-resources/police joint meeting; the township forest-chief meeting)."""

    __tablename__ = "meeting_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identifier, matched by ``forestchief meetings sync``.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: Days between regular meetings (182: every half year; campaign bodies 2 or 10).
    interval_days: Mapped[int] = mapped_column(Integer, default=182)
    #: The liaison office (联络办公室) that runs the body's paperwork.
    liaison_office_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    liaison_office: Mapped[Department] = relationship(lazy="joined")
    members: Mapped[list[MeetingBodyMember]] = relationship(
        back_populates="body", cascade="all, delete-orphan", lazy="selectin",
        order_by="MeetingBodyMember.id")

    def name(self, locale: str) -> str:
        """The body's name in ``locale`` (Chinese unless English is asked for and known)."""
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh

    @property
    def convener_ids(self) -> set[int]:
        return {m.department_id for m in self.members if m.convener}

    @property
    def member_ids(self) -> set[int]:
        return {m.department_id for m in self.members}


class MeetingBodyMember(db.Model):
    """A member department of a body; conveners (召集人: their responsible leaders) approve
    meetings and sign the minutes."""

    __tablename__ = "meeting_body_members"
    __table_args__ = (UniqueConstraint("body_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("meeting_bodies.id", ondelete="CASCADE"),
                                         index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    convener: Mapped[bool] = mapped_column(Boolean, default=False)

    body: Mapped[MeetingBody] = relationship(back_populates="members")
    department: Mapped[Department] = relationship(lazy="joined")


class MeetingProposal(db.Model):
    """A member department's proposal to meet (topic, reasons, lead unit, time, place); the
    meeting is convened only when every convener department has approved."""

    __tablename__ = "meeting_proposals"
    __table_args__ = (Index("ix_meeting_proposals_body_state", "body_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("meeting_bodies.id"))
    kind: Mapped[str] = mapped_column(String(20), default="ad_hoc")
    topic: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(Text, default="")
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    #: The departments to invite (all members, or some of them for an ad-hoc meeting).
    department_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    proposed_by_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    body: Mapped[MeetingBody] = relationship(lazy="joined")
    lead_department: Mapped[Department] = relationship(
        lazy="joined", foreign_keys=[lead_department_id])
    proposed_by_department: Mapped[Department] = relationship(
        lazy="joined", foreign_keys=[proposed_by_department_id])
    created_by: Mapped[User] = relationship(lazy="joined")
    approvals: Mapped[list[ProposalApproval]] = relationship(
        lazy="selectin", order_by="ProposalApproval.id", cascade="all, delete-orphan")


class ProposalApproval(db.Model):
    """One convener department's answer to a proposal: one per department, so two leaders
    answering at once cannot both count."""

    __tablename__ = "meeting_proposal_approvals"
    __table_args__ = (UniqueConstraint("proposal_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_proposals.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    approved: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")


class Meeting(db.Model):
    """A convened meeting, created exactly once from its approved proposal."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_body_kind_state", "body_id", "kind", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("meeting_bodies.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("meeting_proposals.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(Text, default="")
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Minutes are due by the last second of the 7th day after the meeting (site time).
    minutes_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    body: Mapped[MeetingBody] = relationship(lazy="joined")
    lead_department: Mapped[Department] = relationship(lazy="joined")
    invitations: Mapped[list[MeetingInvitation]] = relationship(
        lazy="selectin", order_by="MeetingInvitation.id", cascade="all, delete-orphan")
    minutes: Mapped[MeetingMinutes | None] = relationship(lazy="selectin", uselist=False)

    @property
    def department_ids(self) -> set[int]:
        """The invited departments (the meeting's scope)."""
        return {i.department_id for i in self.invitations if i.department_id is not None}

    def minutes_overdue(self, now: datetime) -> bool:
        """Held, and no minutes drafted by their deadline."""
        return (self.state == "held" and self.minutes_due_at is not None
                and self.minutes_due_at < now and self.minutes is None)


class MeetingInvitation(db.Model):
    """A department or a person invited to a meeting, with their attendance once held."""

    __tablename__ = "meeting_invitations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "department_id", name="uq_meeting_invitations_department"),
        UniqueConstraint("meeting_id", "user_id", name="uq_meeting_invitations_user"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: None until the meeting is recorded as held.
    attended: Mapped[bool | None] = mapped_column(Boolean)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[user_id])


class AgendaItem(db.Model):
    """One item on a meeting's agenda, owned by the department that presents it; its
    papers are core attachments (owner type ``meeting_agenda_item``)."""

    __tablename__ = "meeting_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    owner_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner_department: Mapped[Department] = relationship(lazy="joined")


class MeetingMinutes(db.Model):
    """The minutes (会议纪要) the lead unit drafts: text and decisions.

    ``revision`` counts the text's changes; a signature counts only for the revision it
    signed, so an edit after a signature voids it. ``version`` is the row's own counter,
    bumped by every conditional update (signing serialises on it).
    """

    __tablename__ = "meeting_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    #: The decisions (议定事项), one string each, in order.
    decisions: Mapped[list[str]] = mapped_column(JSON, default=list)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    drafted_by: Mapped[User] = relationship(lazy="joined", foreign_keys=[drafted_by_id])
    updated_by: Mapped[User] = relationship(lazy="joined", foreign_keys=[updated_by_id])
    signatures: Mapped[list[MinutesSignature]] = relationship(
        lazy="selectin", order_by="MinutesSignature.id", cascade="all, delete-orphan")

    def current_signatures(self) -> list[MinutesSignature]:
        """The signatures of the current revision (earlier ones were voided by an edit)."""
        return [s for s in self.signatures if s.revision == self.revision]


class MinutesSignature(db.Model):
    """A convener department's sign-off of one revision of the minutes, by its leader
    after re-entering their password. Unique per department and revision: no double
    signing, and two conveners signing at once each get their row."""

    __tablename__ = "meeting_minutes_signatures"
    __table_args__ = (UniqueConstraint("minutes_id", "department_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_minutes.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    revision: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")


class Resolution(db.Model):
    """A decision of signed minutes turned into an assigned task (``core.tasks``), which
    tracks it to closure like a rectification."""

    __tablename__ = "meeting_resolutions"
    __table_args__ = (UniqueConstraint("meeting_id", "decision_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: Position of the decision in the signed minutes (fixed once signed).
    decision_index: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(Text)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(lazy="joined")
    task: Mapped[Task] = relationship(lazy="joined")


class DutyReport(db.Model):
    """A member department's report on its duty performance before a meeting (lianzhou
    art. 9): results, problems, suggestions, its work summary, and figures pre-filled by
    the ``duty_report_figures`` hook (``{code: {"label", "value"}}``)."""

    __tablename__ = "meeting_duty_reports"
    __table_args__ = (UniqueConstraint("meeting_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    results: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")
    work_summary: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department] = relationship(lazy="joined")
    filed_by: Mapped[User] = relationship(lazy="joined")
    meeting: Mapped[Meeting] = relationship(lazy="joined")
