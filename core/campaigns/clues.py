"""Clue intake: public tips and departments' leads attached to a campaign, each with the
feedback jiaocheng requires of every one (件件有落实、条条有反馈).

Who may do what:

* attach a public tip: the office or the campaign office (anyone of its department), for a
  tip they may see (``core.tips.services.visible_tips``); the responsible department is the
  tip's, or the one they name, and must take part in the campaign;
* attach a lead (a core case of kind ``lead``, seen through ``core.access.visible_cases``):
  the office or the campaign office, and the department that owns the lead; the lead's
  department answers for it;
* record (or update) the feedback: the responsible department's people, while the campaign is
  active;
* see: the office and the campaign office see every clue; another department taking part sees
  the clues it must feed back on.

A tip or lead is attached once per campaign (the database's UNIQUE constraints hold that even
for two people attaching at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, false, func, select
from sqlalchemy.exc import IntegrityError

from core.access import BUSINESS_ROLES, DEPARTMENT_VOICES, visible_cases
from core.campaigns.models import Campaign, CampaignClue
from core.campaigns.reports import in_campaign_office
from core.campaigns.services import takes_part
from core.db import db, savepoint, utcnow
from core.errors import InputError
from core.notifications import services as notifications

#: Feedback states (:func:`feedback_state`) and the filters of :func:`clue_query`.
FEEDBACK_STATES = ("awaiting", "answered")
MAX_FEEDBACK = 20_000


# --------------------------------------------------------------------------- access


def may_attach(user: Any, campaign: Campaign) -> bool:
    """The office or the campaign office attach tips and leads while the campaign runs."""
    return campaign.state == "active" and in_campaign_office(user, campaign)


def may_attach_lead(user: Any, campaign: Campaign, lead: Any) -> bool:
    """:func:`may_attach`, or the lead's own department when it takes part."""
    return may_attach(user, campaign) or (
        campaign.state == "active" and takes_part(user, campaign)
        and lead.department_id == user.department_id)


def may_feed_back(user: Any, clue: CampaignClue, campaign: Campaign) -> bool:
    """The responsible department's people, while the campaign is active."""
    return (getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and user.department_id == clue.department_id and campaign.state == "active")


# ------------------------------------------------------------------------- attaching


def clues_path(campaign: Campaign) -> str:
    """The campaign's clue list inside the app (notifications link to it)."""
    return f"/campaigns/{campaign.id}/clues"


def _participant(campaign: Campaign, department_id: int | None) -> bool:
    return any(p.department_id == department_id for p in campaign.participants)


def _store(user: Any, campaign: Campaign, clue: CampaignClue, field: str,
           subject: str) -> CampaignClue:
    """Insert ``clue`` (a second attachment of the same tip or lead is refused), then tell
    the responsible department's liaison and leader."""
    try:
        with savepoint():
            db.session.add(clue)
            db.session.flush()
    except IntegrityError:  # attached by someone else at the same moment
        raise InputError.of(**{field: _l("Already attached to this campaign.")}) from None
    notifications.notify_department(
        clue.department_id, "campaign.clue", f"{campaign.title} · {subject}",
        clues_path(campaign), "campaign_clue", clue.id, dedupe_key=f"campaign.clue:{clue.id}",
        roles=DEPARTMENT_VOICES, exclude=[user.id])
    return clue


def _attached(campaign: Campaign, column: Any, value: int) -> bool:
    return db.session.scalar(select(CampaignClue.id).where(
        CampaignClue.campaign_id == campaign.id, column == value).limit(1)) is not None


def attach_tip(user: Any, campaign: Campaign, tip_id: int, department_id: int | None = None,
               now: datetime | None = None) -> CampaignClue:
    """Attach public tip ``tip_id`` (one ``user`` may see); the responsible department is the
    tip's; a tip still in triage is routed to ``department_id`` (the office triages), so the
    department that must feed back can read it. It must take part in the campaign. Raises
    ``PermissionError`` (not the office or the campaign office) or :class:`InputError`
    (no such tip, no department, already attached). Flushes; the caller commits."""
    from core.departments.models import Department
    from core.tips.services import get_visible_tip, reroute

    now = now or utcnow()
    if not may_attach(user, campaign):
        raise PermissionError("only the office or the campaign office attach tips")
    tip = get_visible_tip(user, tip_id)
    if tip is None:
        raise InputError.of(tip_id=_l("No such tip, or you may not see it."))
    responsible = department_id if department_id is not None else tip.department_id
    if responsible is None:
        raise InputError.of(department=_l(
            "The tip waits in triage: name the department that must feed back."))
    if responsible != tip.department_id and tip.department_id is not None:
        raise InputError.of(department=_l(
            "The tip is with its department: it feeds back (re-route the tip first)."))
    if not _participant(campaign, responsible):
        raise InputError.of(department=_l("That department does not take part in the "
                                          "campaign."))
    if _attached(campaign, CampaignClue.tip_id, tip.id):
        raise InputError.of(tip_id=_l("Already attached to this campaign."))
    if tip.department_id is None:  # the office triages it to the department now
        department = db.session.get(Department, responsible)
        assert department is not None
        reroute(user, tip, department.code, now)
    clue = CampaignClue(campaign_id=campaign.id, kind="tip", tip_id=tip.id,
                        department_id=responsible, attached_by_id=user.id, attached_at=now)
    return _store(user, campaign, clue, "tip_id", f"举报 #{tip.id}")


def attach_lead(user: Any, campaign: Campaign, case_id: int,
                now: datetime | None = None) -> CampaignClue:
    """Attach the lead ``case_id`` (a case of kind ``lead`` ``user`` may see); its
    department answers for it and must take part in the campaign. Raises
    ``PermissionError`` or :class:`InputError` (not a visible lead, already attached).
    Flushes; the caller commits."""
    from core.cases.models import Case

    now = now or utcnow()
    if not (may_attach(user, campaign)
            or (campaign.state == "active" and takes_part(user, campaign))):
        raise PermissionError("not taking part in the campaign")
    lead = db.session.scalar(select(Case).where(Case.id == case_id, visible_cases(user)))
    if lead is None or lead.kind != "lead":
        raise InputError.of(case_id=_l("No such lead, or you may not see it."))
    if not may_attach_lead(user, campaign, lead):
        raise PermissionError("another department's lead: the campaign office attaches it")
    if not _participant(campaign, lead.department_id):
        raise InputError.of(case_id=_l("The lead's department does not take part in the "
                                       "campaign."))
    if _attached(campaign, CampaignClue.case_id, lead.id):
        raise InputError.of(case_id=_l("Already attached to this campaign."))
    clue = CampaignClue(campaign_id=campaign.id, kind="lead", case_id=lead.id,
                        department_id=lead.department_id, attached_by_id=user.id,
                        attached_at=now)
    return _store(user, campaign, clue, "case_id", f"线索：{lead.title}")


# -------------------------------------------------------------------------- feedback


def record_feedback(user: Any, clue: CampaignClue, text: str,
                    now: datetime | None = None) -> CampaignClue:
    """The responsible department's feedback on ``clue`` (what was done, what came of it);
    recording again updates it. Raises ``PermissionError`` for another department and
    :class:`InputError` for empty text. Flushes; the caller commits."""
    now = now or utcnow()
    campaign = db.session.get(Campaign, clue.campaign_id)
    assert campaign is not None
    if not may_feed_back(user, clue, campaign):
        raise PermissionError("not the responsible department")
    text = (text or "").strip()
    if not text:
        raise InputError.of(text=_l("Write the feedback."))
    if len(text) > MAX_FEEDBACK:
        raise InputError.of(text=_l("At most %(n)s characters.", n=MAX_FEEDBACK))
    clue.feedback, clue.feedback_at, clue.feedback_by_id = text, now, user.id
    db.session.flush()
    return clue


def feedback_state(clue: CampaignClue) -> str:
    """``answered`` once the responsible department fed back, else ``awaiting``."""
    return "answered" if clue.feedback_at is not None else "awaiting"


# ----------------------------------------------------------------------------- reads


def clue_query(user: Any, campaign: Campaign, state: str = "") -> Select[Any]:
    """The campaign's clues ``user`` sees, newest first: the office and the campaign office
    all of them, another department taking part those it must feed back on, anyone else
    none. ``state``: ``awaiting`` or ``answered`` (anything else: no filter)."""
    stmt = select(CampaignClue).where(CampaignClue.campaign_id == campaign.id)
    if not in_campaign_office(user, campaign):
        if takes_part(user, campaign):
            stmt = stmt.where(CampaignClue.department_id == user.department_id)
        else:
            stmt = stmt.where(false())
    if state == "awaiting":
        stmt = stmt.where(CampaignClue.feedback_at.is_(None))
    elif state == "answered":
        stmt = stmt.where(CampaignClue.feedback_at.is_not(None))
    return stmt.order_by(CampaignClue.attached_at.desc(), CampaignClue.id.desc())


def get_clue(user: Any, campaign: Campaign, clue_id: int) -> CampaignClue | None:
    """Clue ``clue_id`` of ``campaign`` if ``user`` sees it (callers answer 404 otherwise)."""
    return db.session.scalar(clue_query(user, campaign).where(CampaignClue.id == clue_id))


@dataclass(frozen=True)
class ClueSource:
    """What a clue points at, with its own state: a tip (``received``/``handling``/
    ``closed``) or a lead (``open``/``closed``)."""

    kind: str
    id: int
    #: A tip: its offence type (Chinese) and place; a lead: its title.
    summary: str
    state: str
    department_id: int | None


def with_sources(user: Any, clues: list[CampaignClue]) -> list[CampaignClue]:
    """Give each clue a ``source`` (:class:`ClueSource`): at most two queries for the whole
    page. ``None`` when the tip or lead is gone or ``user`` may not see it (the clue then
    shows its number only: attaching a tip does not open it to the campaign's readers)."""
    from core.cases.models import Case
    from core.tips.models import Tip
    from core.tips.services import category_zh, visible_tips

    tip_ids = {c.tip_id for c in clues if c.tip_id is not None}
    case_ids = {c.case_id for c in clues if c.case_id is not None}
    tips = {row.id: row for row in db.session.execute(
        select(Tip.id, Tip.category, Tip.place_name, Tip.state, Tip.department_id)
        .where(Tip.id.in_(tip_ids), visible_tips(user)))} if tip_ids else {}
    leads = {row.id: row for row in db.session.execute(
        select(Case.id, Case.title, Case.state, Case.department_id)
        .where(Case.id.in_(case_ids), visible_cases(user)))} if case_ids else {}
    for clue in clues:
        source = None
        if clue.tip_id in tips:
            tip = tips[clue.tip_id]
            summary = " · ".join(p for p in (category_zh(tip.category), tip.place_name) if p)
            source = ClueSource("tip", tip.id, summary, tip.state, tip.department_id)
        elif clue.case_id in leads:
            lead = leads[clue.case_id]
            source = ClueSource("lead", lead.id, lead.title, lead.state, lead.department_id)
        clue.source = source  # type: ignore[attr-defined]
    return clues


def counts(user: Any, campaign: Campaign) -> dict[str, int]:
    """``{total, awaiting, answered}`` over the clues ``user`` sees (one query)."""
    seen = clue_query(user, campaign).order_by(None).subquery()
    total, answered = db.session.execute(
        select(func.count(seen.c.id),
               func.coalesce(func.sum(case((seen.c.feedback_at.is_not(None), 1),
                                           else_=0)), 0))).one()
    return {"total": int(total), "awaiting": int(total) - int(answered),
            "answered": int(answered)}
