"""Minutes (会议纪要): drafted by the lead unit within a week, signed by every convener's
leader, then circulated and downloadable as PDF and Word.

* The text is editable until signed; every edit is a new *revision*, and a signature counts
  only for the revision it signed: an edit after a signature voids it (the page shows it
  voided; the conveners are asked to sign again).
* Signing needs the leader's password again; a wrong one counts towards the account's
  lockout like a wrong sign-in and is audited.
* Concurrent signatures are safe: signers take the minutes' row one after the other
  (:func:`core.meetings.services.hold`), signatures are unique per department and revision,
  so nobody signs twice and the last signer always sees the others.
* The documents are official: Chinese whatever the reader's language.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from core.accounts import services as accounts
from core.accounts.models import User
from core.db import db, savepoint, utcnow
from core.departments.models import Department
from core.errors import InputError, StateConflict
from core.inspections.notices import _chinese_day, _east_asian_fonts
from core.meetings.models import KIND_ZH, Meeting, MeetingMinutes, MinutesSignature
from core.meetings.services import SPEAKERS, hold, is_convener_leader, meeting_path
from core.notifications import services as notifications
from core.records import claim_state
from core.timeutil import local_day

#: The minutes' Word document uses the notices' fonts (those Chinese offices have) and
#: their date style (_east_asian_fonts, _chinese_day).
TEMPLATE = "meetings/minutes_document.html"
MAX_DECISIONS = 100


# ------------------------------------------------------------------------ permissions


def may_draft(user: Any, meeting: Meeting) -> bool:
    """The lead unit's liaison, leader or office staff, once the meeting was held and
    until the minutes are signed."""
    return (getattr(user, "is_authenticated", False) and user.role in SPEAKERS
            and user.department_id == meeting.lead_department_id and meeting.state == "held")


def may_sign(user: Any, meeting: Meeting, minutes: MeetingMinutes | None) -> bool:
    """A convener's leader whose department has not signed the current revision."""
    return (minutes is not None and minutes.state == "draft" and meeting.state == "held"
            and is_convener_leader(user, meeting.body)
            and user.department_id not in {s.department_id
                                           for s in minutes.current_signatures()})


def may_read_documents(minutes: MeetingMinutes | None) -> bool:
    """The PDF and Word documents exist for signed minutes only."""
    return minutes is not None and minutes.state == "signed"


# ----------------------------------------------------------------------------- draft


def _clean_decisions(decisions: list[str]) -> list[str]:
    cleaned = [d.strip() for d in decisions if d and d.strip()]
    if len(cleaned) > MAX_DECISIONS:
        raise InputError.of(decisions=_l("At most %(n)d decisions.", n=MAX_DECISIONS))
    return cleaned


def save_minutes(user: User, meeting: Meeting, text: str, decisions: list[str],
                 revision: int | None = None, now: datetime | None = None
                 ) -> MeetingMinutes:
    """The lead unit drafts the minutes, or changes the draft it loaded at ``revision``.

    A change is a new revision: signatures of earlier revisions no longer count. A change
    on a stale revision (someone saved or the minutes were signed in between) is a
    :class:`StateConflict`. The conveners' leaders are asked to sign each revision.
    """
    now = now or utcnow()
    if not may_draft(user, meeting):
        raise PermissionError("not the lead unit, or the meeting is not awaiting minutes")
    if not text.strip():
        raise InputError.of(text=_l("The minutes need their text."))
    cleaned = _clean_decisions(decisions)
    content = {"text": text.strip(), "decisions": cleaned, "updated_by_id": user.id,
               "updated_at": now}
    minutes = meeting.minutes
    if minutes is None:
        minutes = MeetingMinutes(meeting_id=meeting.id, revision=1, state="draft",
                                 drafted_by_id=user.id, drafted_at=now, **content)
        try:
            with savepoint():
                db.session.add(minutes)
        except IntegrityError:  # drafted by a colleague a moment ago
            raise StateConflict(meeting.id) from None
    else:
        hold(MeetingMinutes, minutes, MeetingMinutes.state == "draft",
             MeetingMinutes.revision == revision)
        minutes.revision += 1
        for name, value in content.items():
            setattr(minutes, name, value)
    db.session.flush()
    _ask_to_sign(meeting, minutes)
    return minutes


def _ask_to_sign(meeting: Meeting, minutes: MeetingMinutes) -> None:
    notifications.notify(
        notifications.department_users(meeting.body.convener_ids, roles=("leader",)),
        "minutes.to_sign", meeting.title, meeting_path(meeting), "meeting", meeting.id,
        dedupe_key=f"minutes.to_sign:{minutes.id}:{minutes.revision}")


# ----------------------------------------------------------------------------- sign


def password_confirmed(user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s, for a signature. A wrong one counts towards the
    lockout and is audited (``signature_failed``): the caller commits before refusing, so
    a stolen session cannot guess passwords without limit here either."""
    from core.app import kernel

    if accounts.is_locked(user):
        return False
    if accounts.check_password(user, password):
        return True
    security = kernel().settings["security"]
    policy = accounts.LoginPolicy(threshold=security["lockout_threshold"],
                                  lockout=timedelta(minutes=security["lockout_minutes"]))
    accounts.register_failure(user, policy, "wrong password at signing",
                              action="signature_failed")
    return False


def sign(user: User, meeting: Meeting, revision: int, now: datetime | None = None
         ) -> MinutesSignature:
    """A convener's leader signs revision ``revision`` of the minutes (after
    :func:`password_confirmed`). The last convener's signature locks the minutes, moves
    the meeting to ``minutes_signed`` and circulates them."""
    now = now or utcnow()
    minutes = meeting.minutes
    if minutes is None or not is_convener_leader(user, meeting.body):
        raise PermissionError("not a convener's leader, or nothing to sign")
    hold(MeetingMinutes, minutes, MeetingMinutes.state == "draft",
         MeetingMinutes.revision == revision)
    signature = MinutesSignature(minutes_id=minutes.id, department_id=user.department_id,
                                 revision=revision, user_id=user.id, signed_at=now)
    try:
        with savepoint():
            db.session.add(signature)
    except IntegrityError:  # this department signed this revision already
        raise StateConflict(minutes.id) from None
    db.session.expire(minutes, ["signatures"])
    signed = set(db.session.scalars(select(MinutesSignature.department_id).where(
        MinutesSignature.minutes_id == minutes.id, MinutesSignature.revision == revision)))
    if meeting.body.convener_ids <= signed:
        _lock_and_circulate(meeting, minutes, now)
    return signature


def _lock_and_circulate(meeting: Meeting, minutes: MeetingMinutes, now: datetime) -> None:
    claim_state(MeetingMinutes, minutes, "draft", "signed")
    minutes.signed_at = now
    claim_state(Meeting, meeting, "held", "minutes_signed")
    readers = meeting.department_ids | meeting.body.member_ids
    people = {i.user_id for i in meeting.invitations if i.user_id is not None}
    notifications.notify({*notifications.department_users(readers), *people},
                         "minutes.signed", meeting.title, meeting_path(meeting), "meeting",
                         meeting.id)


# ------------------------------------------------------------------------- reminders


def deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Held meetings without minutes: the lead unit is reminded a day before the week is
    up and once it has passed; once passed, the conveners' leaders too."""
    meetings = list(db.session.scalars(select(Meeting).where(
        Meeting.state == "held", Meeting.minutes_due_at <= now + notifications.APPROACHING,
        ~exists().where(MeetingMinutes.meeting_id == Meeting.id)).order_by(Meeting.id)))
    if not meetings:
        return []
    leads = notifications.users_by_department({m.lead_department_id for m in meetings},
                                              roles=SPEAKERS)
    reminders = []
    for meeting in meetings:
        assert meeting.minutes_due_at is not None
        recipients = set(leads[meeting.lead_department_id])
        if now >= meeting.minutes_due_at:
            recipients |= set(notifications.department_users(meeting.body.convener_ids,
                                                             roles=("leader",)))
        reminders.append(notifications.Reminder(
            recipients=recipients, subject=f"会议纪要：{meeting.title}",
            link=meeting_path(meeting), object_type="meeting_minutes",
            object_id=meeting.id, due_at=meeting.minutes_due_at))
    return reminders


# ------------------------------------------------------------------------- documents


def _attendance(meeting: Meeting) -> tuple[list[str], list[str]]:
    """Names of the departments and people present and absent."""
    present, absent = [], []
    for invitation in meeting.invitations:
        name = (invitation.department.name_zh if invitation.department is not None
                else invitation.user.display_name if invitation.user is not None else "")
        (present if invitation.attended else absent).append(name)
    return present, absent


def document_content(meeting: Meeting) -> dict[str, Any]:
    """What the documents show, in Chinese: the meeting, the minutes and who signed."""
    minutes = meeting.minutes
    assert minutes is not None and meeting.held_at is not None
    present, absent = _attendance(meeting)
    return {
        "title": f"{meeting.body.name_zh}会议纪要",
        "meeting": meeting.title,
        "kind": KIND_ZH.get(meeting.kind, meeting.kind),
        "held_on": _chinese_day(local_day(meeting.held_at).isoformat()),
        "place": meeting.place,
        "lead": meeting.lead_department.name_zh,
        "present": present,
        "absent": absent,
        "text": minutes.text,
        "decisions": list(minutes.decisions),
        "signatures": [{"department": s.department.name_zh, "name": s.user.display_name,
                        "on": _chinese_day(local_day(s.signed_at).isoformat())}
                       for s in minutes.current_signatures()],
    }


def render_html(meeting: Meeting) -> str:
    """The signed minutes as a complete HTML document without external resources."""
    template = current_app.jinja_env.get_template(TEMPLATE)
    return template.render(content=document_content(meeting))


def pdf_bytes(meeting: Meeting) -> bytes:
    """The minutes as an A4 PDF (WeasyPrint; Noto CJK from fontconfig; nothing fetched)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=render_html(meeting),
                url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def docx_bytes(meeting: Meeting) -> bytes:
    """The minutes as a Word document (python-docx), in the notices' fonts."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    content = document_content(meeting)
    document = Document()
    _east_asian_fonts(document)
    document.add_heading(content["title"], level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (f"会议名称：{content['meeting']}（{content['kind']}）",
                 f"会议时间：{content['held_on']}", f"会议地点：{content['place'] or '—'}",
                 f"牵头单位：{content['lead']}",
                 f"出席：{'、'.join(content['present']) or '—'}",
                 f"缺席：{'、'.join(content['absent']) or '无'}"):
        document.add_paragraph(line)
    document.add_heading("一、会议纪要", level=1)
    for paragraph in filter(None, content["text"].splitlines()):
        document.add_paragraph(paragraph)
    document.add_heading("二、议定事项", level=1)
    for number, decision in enumerate(content["decisions"], start=1):
        document.add_paragraph(f"{number}. {decision}")
    document.add_heading("三、签发", level=1)
    for s in content["signatures"]:
        document.add_paragraph(f"{s['department']}  {s['name']}  {s['on']}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------ reads


def signers(meeting: Meeting) -> list[tuple[Department, MinutesSignature | None]]:
    """Each convener department with its signature of the current revision (or None)."""
    minutes = meeting.minutes
    current = {s.department_id: s for s in minutes.current_signatures()} if minutes else {}
    return [(m.department, current.get(m.department_id))
            for m in meeting.body.members if m.convener]


def voided(minutes: MeetingMinutes | None) -> list[MinutesSignature]:
    """Signatures voided by a later edit (shown so nobody thinks they still count)."""
    if minutes is None:
        return []
    return [s for s in minutes.signatures if s.revision != minutes.revision]
