"""Public tips (举报) and rewards: the rules.

* Anyone may send a tip without signing in: a category (an offence type from the
  ``offence_types`` hook, ``other`` included), where (a place name and/or coordinates), what
  was seen, up to :data:`MAX_PHOTOS` photos, and optionally a contact (name, phone) — or
  nothing to identify them. The answer is a random tracking code; the code shows the state
  only (received / being handled / closed), never the content.
* Nothing about the sender's connection is kept: no IP address, no user agent, no account
  (the tip is recorded as from ``public`` even when someone signed in sends it).
* An ``Idempotency-Key`` makes retries create exactly one tip: its SHA-256 is stored with the
  tip under a UNIQUE constraint, so of two concurrent duplicates the database keeps one and
  the other answers the first tip's code (:func:`receive_tip`). The same key with a different
  tip is refused (:class:`IdempotencyConflict`), so a key never hands out another tip's code.
* Routing: the ``route_tip`` hook (firstresult) names the department; an unknown or
  inactive code, no answer, or a failing plugin puts the tip in the office's triage queue.
  That department's liaisons and leaders (for triage: the office) are told — with the
  category and place only. The office re-routes (:func:`reroute`).
* The tipster's contact is sensitive: only the office's tip handlers (:func:`may_see_contact`)
  see it; lists, exports, notifications and the API for anyone else never include it.
* The handling department takes the tip on, turns it into a case (or links an existing
  one), and closes it with a reply note. The office may close any tip (duplicates, spam).
* Rewards: for a tip that led to a case the office records a reward (amount in yuan,
  reason); a leader of the office's own department — not the one who recorded it — approves
  it; the office then records the day it was paid.

Nothing here commits except :func:`receive_tip` (one transaction per public submission, so
that the UNIQUE constraint can decide between concurrent duplicates).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import get_locale, lazy_gettext as _l
from sqlalchemy import Select, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError

from core import access, audit
from core.accounts.models import User
from core.attachments import storage
from core.db import db, utcnow
from core.departments.models import Department
from core.departments.services import office_department
from core.errors import InputError, StateConflict
from core.notifications import services as notifications
from core.tips.models import REWARD_STATES, TIP_STATES, Reward, Tip, TipContact, TipPhoto

log = logging.getLogger(__name__)

#: Tracking codes: no 0/O, 1/I/L, so they survive being read out on the phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: 12 characters of 31: about 59 bits, and lookups are rate limited.
CODE_LENGTH = 12
#: Photos a tip may carry, sent with it or afterwards with its code.
MAX_PHOTOS = 5
#: Photos may be added with the code for this long after the tip was sent.
PHOTO_WINDOW = timedelta(hours=24)
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp")
#: ``Idempotency-Key``: long enough that two senders do not pick the same one by chance.
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{8,200}$")
PHONE_PATTERN = re.compile(r"^[0-9+\-() ]{5,40}$")
#: Who is told that a tip arrived for a department.
DEPARTMENT_RECIPIENTS = ("liaison", "leader")
#: Who is told that a tip waits in the office's triage queue.
OFFICE_RECIPIENTS = ("office", "leader", "liaison")
#: The audit log's actor for everything a public submission writes.
PUBLIC_ACTOR = "public"
MAX_REWARD = Decimal("10000000")


class IdempotencyConflict(Exception):
    """The ``Idempotency-Key`` was already used for a different tip; nothing was created."""


# ------------------------------------------------------------------------------ access


def is_tip_handler(user: Any) -> bool:
    """The office's tip handlers: office staff, or anyone of the office's own department
    (``core.access.is_office``). They see every tip and the tipster's contact, re-route
    tips, and record rewards."""
    return access.is_office(user)


def visible_tips(user: Any) -> Any:
    """SQL condition: the tips ``user`` may see.

    The office sees every tip (its triage queue included); a department sees the tips routed
    to it; villages, the township government and system roles see none.
    """
    if (user is None or not getattr(user, "is_authenticated", False)
            or user.role not in access.BUSINESS_ROLES):
        return false()
    if is_tip_handler(user):
        return true()
    if user.department.kind != "department":
        return false()
    return Tip.department_id == user.department_id


def may_see_contact(user: Any) -> bool:
    """A tipster's contact is sensitive: only the office's tip handlers see it — never a
    department handling the tip, never in lists, exports or notifications."""
    return is_tip_handler(user)


def may_route(user: Any) -> bool:
    """The office re-routes tips."""
    return is_tip_handler(user)


def may_handle_tip(user: Any, tip: Tip) -> bool:
    """The department handling an open tip takes it on, turns it into a case and closes it;
    tips in triage are the office's to handle."""
    if not (getattr(user, "is_authenticated", False) and user.role in access.BUSINESS_ROLES):
        return False
    if tip.state == "closed":
        return False
    if tip.department_id is None:
        return is_tip_handler(user)
    return user.department_id == tip.department_id


def may_close_tip(user: Any, tip: Tip) -> bool:
    """The handling department, or the office (duplicates, spam), closes an open tip."""
    return tip.state != "closed" and (may_handle_tip(user, tip) or is_tip_handler(user))


def may_manage_rewards(user: Any) -> bool:
    """The office records rewards and their payment, and sees the reward list."""
    return is_tip_handler(user)


def may_approve_reward(user: Any, reward: Reward | None = None) -> bool:
    """A leader of the office's own department approves rewards — the office runs the tip
    channel and its reward scheme, so its responsible leader signs, not another department's
    — and never a reward they recorded themselves (two people for every payment)."""
    if not (getattr(user, "is_authenticated", False) and user.role == "leader"
            and user.department.kind == "office"):
        return False
    return reward is None or (reward.state == "recorded" and reward.recorded_by_id != user.id)


# -------------------------------------------------------------------------- vocabulary


def categories() -> list[dict[str, str]]:
    """Offence types a tip may name, ``other`` last."""
    from core.app import kernel

    types = list(kernel().offence_types)
    return sorted(types, key=lambda o: o["code"] == "other")


def category_codes() -> set[str]:
    return {o["code"] for o in categories()} | {"other"}


def category_choices(locale: str | None = None) -> list[tuple[str, str]]:
    """``(code, name)`` in the reader's language."""
    english = str(locale or get_locale()).startswith("en")
    return [(o["code"], o["name_en"] if english else o["name_zh"]) for o in categories()]


def category_label(code: str, locale: str | None = None) -> str:
    """A category's name (the code itself when its plugin is no longer loaded)."""
    return dict(category_choices(locale)).get(code, code)


def category_zh(code: str) -> str:
    """A category's Chinese name, for exports and stored notification subjects."""
    return {o["code"]: o["name_zh"] for o in categories()}.get(code, code)


# ---------------------------------------------------------------------- tracking codes


def new_code() -> str:
    """A fresh tracking code not yet used."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Tip.id).where(Tip.code == code)) is None:
            return code


def normalize_code(text: str | None) -> str:
    """What a person typed (any case, dashes and spaces) as a stored code, or ``""``."""
    code = re.sub(r"[\s\-]", "", text or "").upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return ""
    return code


def format_code(code: str) -> str:
    """``ABCDEFGHJKMN`` -> ``ABCD-EFGH-JKMN``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def tip_by_code(text: str | None) -> Tip | None:
    code = normalize_code(text)
    return db.session.scalar(select(Tip).where(Tip.code == code)) if code else None


def public_status(text: str | None) -> str | None:
    """The state of the tip with that tracking code — nothing else — or None."""
    tip = tip_by_code(text)
    return tip.state if tip is not None else None


# ------------------------------------------------------------------------ submissions


@dataclass
class TipInput:
    category: str
    description: str
    place_name: str = ""
    lat: float | None = None
    lng: float | None = None
    contact_name: str = ""
    contact_phone: str = ""

    @property
    def anonymous(self) -> bool:
        return not (self.contact_name.strip() or self.contact_phone.strip())


def valid_key(key: str | None) -> bool:
    """Whether ``key`` is an acceptable ``Idempotency-Key`` (8-200 visible ASCII characters)."""
    return bool(key) and bool(KEY_PATTERN.match(key or ""))


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def request_hash(data: TipInput) -> str:
    """A fingerprint of the submission (photos aside), to recognise a true retry."""
    canonical = json.dumps(asdict(data), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _validate(data: TipInput) -> None:
    problems: dict[str, Any] = {}
    if data.category not in category_codes():
        problems["category"] = _l("Choose what kind of offence it is.")
    if not data.description.strip():
        problems["description"] = _l("Describe what you saw.")
    elif len(data.description) > 20_000:
        problems["description"] = _l("Please keep the description under 20,000 characters.")
    if len(data.place_name) > 200:
        problems["place_name"] = _l("The place name is too long.")
    if (data.lat is None) != (data.lng is None):
        problems["lat"] = _l("Give both latitude and longitude.")
    elif data.lat is not None and not (-90 <= data.lat <= 90 and -180 <= data.lng <= 180):
        problems["lat"] = _l("Latitude is between -90 and 90, longitude between -180 and 180.")
    elif not data.place_name.strip() and data.lat is None:
        problems["place_name"] = _l("Say where: a place name or coordinates.")
    if len(data.contact_name) > 100:
        problems["contact_name"] = _l("The name is too long.")
    if data.contact_phone.strip() and not PHONE_PATTERN.match(data.contact_phone.strip()):
        problems["contact_phone"] = _l("Give a phone number of digits (and + - ( ) spaces).")
    if problems:
        raise InputError.of(**problems)


def find_by_key(hashed: str) -> Tip | None:
    """The tip sent with the ``Idempotency-Key`` hashed as ``hashed``."""
    return db.session.scalar(select(Tip).where(Tip.idempotency_key_hash == hashed))


def submit_tip(data: TipInput, idempotency_key: str | None = None,
               uploads: Iterable[storage.Upload] = (), saved: list[TipPhoto] | None = None,
               now: datetime | None = None) -> tuple[Tip, bool]:
    """Record a public tip, route it and tell the department; ``(tip, created)``.

    With a key already used for the same submission, the tip it created is returned and
    nothing is written (``created`` is False). Photos written to disk are appended to
    ``saved`` so a caller whose transaction fails can remove them. Raises
    :class:`InputError`, :class:`~core.attachments.storage.UploadError`,
    :class:`IdempotencyConflict`, or ``IntegrityError`` when a concurrent request with the
    same key won (see :func:`receive_tip`).
    """
    _validate(data)
    uploads = list(uploads)
    if len(uploads) > MAX_PHOTOS:
        raise InputError.of(photos=_l("Send at most %(n)d photos.", n=MAX_PHOTOS))
    fingerprint = request_hash(data)
    hashed = key_hash(idempotency_key) if idempotency_key else None
    if hashed is not None:
        existing = find_by_key(hashed)
        if existing is not None:
            if existing.request_hash != fingerprint:
                raise IdempotencyConflict()
            return existing, False
    now = now or utcnow()
    tip = Tip(code=new_code(), category=data.category, place_name=data.place_name.strip(),
              lat=data.lat, lng=data.lng, description=data.description.strip(),
              anonymous=data.anonymous, state="received", idempotency_key_hash=hashed,
              request_hash=fingerprint, received_at=now)
    db.session.add(tip)
    db.session.flush()  # a concurrent request with the same key: IntegrityError here
    if not data.anonymous:
        db.session.add(TipContact(tip_id=tip.id, name=data.contact_name.strip(),
                                  phone=data.contact_phone.strip()))
    for upload in uploads:
        photo = store_photo(tip, upload)
        if saved is not None:
            saved.append(photo)
    route(tip, now)
    db.session.flush()
    return tip, True


def receive_tip(data: TipInput, idempotency_key: str | None = None,
                uploads: Iterable[storage.Upload] = ()) -> tuple[Tip, bool]:
    """:func:`submit_tip` in its own transaction, committed, written as ``public``.

    If a concurrent request with the same ``Idempotency-Key`` committed first, the UNIQUE
    constraint refuses this one; it is rolled back and the first tip is answered instead.
    Photos of a failed attempt are removed from disk.
    """
    with audit.acting_as(name=PUBLIC_ACTOR):
        saved: list[TipPhoto] = []
        try:
            result = submit_tip(data, idempotency_key, uploads, saved)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            storage.discard(saved)  # type: ignore[arg-type]
            winner = find_by_key(key_hash(idempotency_key)) if idempotency_key else None
            if winner is None:
                raise
            if winner.request_hash != request_hash(data):
                raise IdempotencyConflict() from None
            return winner, False
        except BaseException:
            db.session.rollback()
            storage.discard(saved)  # type: ignore[arg-type]
            raise
        return result


# ---------------------------------------------------------------------------- photos


def photo_count(tip: Tip) -> int:
    return db.session.scalar(select(func.count(TipPhoto.id)).where(TipPhoto.tip_id == tip.id))


def store_photo(tip: Tip, upload: storage.Upload) -> TipPhoto:
    """Write one photo for ``tip`` (checked by content, like every attachment). Raises
    :class:`~core.attachments.storage.UploadError`; caller commits."""
    from core.app import kernel

    original = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    if extension not in PHOTO_EXTENSIONS:
        raise storage.UploadError(str(_l("Send photos (%(list)s).",
                                         list=", ".join(PHOTO_EXTENSIONS))))
    number = photo_count(tip) + 1
    if number > MAX_PHOTOS:
        raise storage.UploadError(str(_l("A tip takes at most %(n)d photos.", n=MAX_PHOTOS)))
    kind, mimetype = storage.ALLOWED[extension]
    limit = kernel().settings["uploads"]["max_size_mb"] * 1024 * 1024
    photo = TipPhoto(tip_id=tip.id, stored_name=secrets.token_hex(16),
                     original_name=f"photo-{number}.{extension}", content_type=mimetype)
    path = storage.path_of(photo)  # type: ignore[arg-type]  # the attachments' layout
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(path, "wb") as out:
        while chunk := upload.stream.read(64 * 1024):
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
            out.write(chunk)
    if size > limit:
        path.unlink(missing_ok=True)
        raise storage.UploadError(str(_l("The file is larger than %(n)s MB.",
                                         n=limit // (1024 * 1024))))
    if size == 0 or storage.detect(path) != kind:
        path.unlink(missing_ok=True)
        raise storage.UploadError(str(_l("This is not a real .%(ext)s photo.", ext=extension)))
    photo.size = size
    photo.sha256 = digest.hexdigest()
    db.session.add(photo)
    db.session.flush()
    return photo


def add_photo_by_code(code: str, upload: storage.Upload, now: datetime | None = None
                      ) -> TipPhoto:
    """The tipster adds a photo with the tracking code: while the tip is open, within
    :data:`PHOTO_WINDOW` of sending it, up to :data:`MAX_PHOTOS`. ``LookupError`` for an
    unknown code. Caller commits (as ``public``)."""
    tip = tip_by_code(code)
    if tip is None:
        raise LookupError(code)
    now = now or utcnow()
    if tip.state == "closed" or now - tip.received_at > PHOTO_WINDOW:
        raise InputError.of(file=_l("Photos can be added for %(hours)d hours after sending "
                                    "a tip, while it is open.",
                                    hours=PHOTO_WINDOW // timedelta(hours=1)))
    return store_photo(tip, upload)


def photos_of(tip: Tip) -> list[TipPhoto]:
    return list(db.session.scalars(select(TipPhoto).where(TipPhoto.tip_id == tip.id)
                                   .order_by(TipPhoto.id)))


def find_photo(tip: Tip, photo_id: int) -> TipPhoto | None:
    return db.session.scalar(select(TipPhoto).where(TipPhoto.id == photo_id,
                                                    TipPhoto.tip_id == tip.id))


# --------------------------------------------------------------------------- routing


def _link(tip: Tip) -> str:
    return notifications.app_path("tips.detail", tip_id=tip.id)


def _subject(tip: Tip) -> str:
    """What a notification says: the category and the place — never the content or the
    tipster's contact."""
    return " · ".join(part for part in (category_zh(tip.category), tip.place_name) if part)


def routable_department(code: Any) -> Department | None:
    """The active department ``code`` names (not the office, not a village), or None."""
    if not isinstance(code, str) or not code:
        return None
    return db.session.scalar(select(Department).where(
        Department.code == code, Department.active.is_(True), Department.kind == "department"))


def _ask_plugins(tip: Tip) -> Any:
    from core.app import kernel

    try:
        return kernel().pm.hook.route_tip(tip=tip)
    except Exception:  # a broken plugin must not lose a tip: triage takes it
        log.exception("route_tip failed for tip %s; it waits in the office's triage queue",
                      tip.id)
        return None


def _notify(tip: Tip) -> None:
    if tip.department_id is not None:
        notifications.notify_department(tip.department_id, "tip.received", _subject(tip),
                                        _link(tip), "tip", tip.id, roles=DEPARTMENT_RECIPIENTS)
        return
    office = office_department()
    if office is not None:
        notifications.notify_department(office.id, "tip.triage", _subject(tip), _link(tip),
                                        "tip", tip.id, roles=OFFICE_RECIPIENTS)


def route(tip: Tip, now: datetime | None = None) -> Department | None:
    """Ask ``route_tip`` where the new tip goes; an unknown or inactive answer (or none)
    leaves it in the office's triage queue. The department (or the office) is told."""
    target = routable_department(_ask_plugins(tip))
    tip.department_id = target.id if target is not None else None
    tip.routed_at = now or utcnow()
    db.session.flush()
    _notify(tip)
    return target


def reroute(user: User, tip: Tip, department_code: str | None,
            now: datetime | None = None) -> None:
    """The office sends a tip to another department, or back to its triage queue (``None``
    or ``""``). The tip starts again as received there; the department is told."""
    if not may_route(user):
        raise PermissionError("the office re-routes tips")
    problems: dict[str, Any] = {}
    target = None
    if department_code:
        target = routable_department(department_code)
        if target is None:
            problems["department"] = _l("Choose an active department.")
    if tip.state == "closed":
        problems["department"] = _l("This tip is closed.")
    elif tip.case_id is not None:
        problems["department"] = _l("This tip became a case; hand the case over instead.")
    elif not problems and (target.id if target else None) == tip.department_id:
        problems["department"] = _l("The tip is already there.")
    if problems:
        raise InputError.of(**problems)
    tip.department_id = target.id if target is not None else None
    tip.state = "received"
    tip.routed_at = now or utcnow()
    db.session.flush()
    _notify(tip)


# -------------------------------------------------------------------------- handling


def take(user: User, tip: Tip) -> None:
    """The handling department takes the tip on: received -> handling."""
    if not may_handle_tip(user, tip):
        raise PermissionError("the handling department takes a tip on")
    if tip.state != "received":
        raise StateConflict(tip.id)
    tip.state = "handling"
    db.session.flush()


def close(user: User, tip: Tip, reply: str, now: datetime | None = None) -> None:
    """Close the tip with a reply note (the outcome, or why nothing was done)."""
    if not may_close_tip(user, tip):
        raise PermissionError("the handling department or the office closes a tip")
    if not reply.strip():
        raise InputError.of(reply=_l("Say how the tip was handled."))
    tip.state = "closed"
    tip.reply = reply.strip()
    tip.closed_at = now or utcnow()
    tip.closed_by_id = user.id
    db.session.flush()


def _check_can_attach_case(user: User, tip: Tip) -> None:
    if not may_handle_tip(user, tip):
        raise PermissionError("the handling department turns a tip into a case")
    if tip.case_id is not None:
        raise InputError.of(case_id=_l("This tip is already linked to case #%(n)d.",
                                       n=tip.case_id))


def default_case_title(tip: Tip) -> str:
    return (_subject(tip) or category_zh(tip.category))[:200]


def open_case_from_tip(user: User, tip: Tip, title: str = "", offence_type: str = "",
                       kind: str = "case") -> Any:
    """The handling department turns the tip into a case (or lead): the tip's place,
    coordinates and description become the case's, its photos the evidence; the offence
    type is the tip's category unless another is chosen (it must be one)."""
    from core.cases import services as cases

    _check_can_attach_case(user, tip)
    case_ = cases.open_case(user, cases.CaseInput(
        title=(title or "").strip() or default_case_title(tip),
        offence_type=offence_type or tip.category, kind=kind,
        place_name=tip.place_name, lat=tip.lat, lng=tip.lng,
        facts=tip.description))
    copied: list[Any] = []
    try:
        for photo in photos_of(tip):
            with open(storage.path_of(photo), "rb") as fh:  # type: ignore[arg-type]
                copied.append(storage.save(storage.Upload(photo.original_name, fh),
                                           cases.CASE_OWNER, case_.id, user))
    except Exception:
        storage.discard(copied)
        raise
    _attach(tip, case_.id)
    return case_


def link_case(user: User, tip: Tip, case_id: int) -> None:
    """Link the tip to a case the user's department can see (the same matter, already open)."""
    from core.cases import services as cases

    _check_can_attach_case(user, tip)
    if cases.get_visible_case(user, case_id) is None:
        raise InputError.of(case_id=_l("No case with this number that you may see."))
    _attach(tip, case_id)


def _attach(tip: Tip, case_id: int) -> None:
    tip.case_id = case_id
    if tip.state == "received":
        tip.state = "handling"
    db.session.flush()


# ------------------------------------------------------------------------------ lists


@dataclass
class TipFilters:
    state: str = ""
    category: str = ""
    #: a department code, or ``triage`` for the office's queue
    department: str = ""
    q: str = ""


def get_visible_tip(user: User, tip_id: int) -> Tip | None:
    return db.session.scalar(select(Tip).where(Tip.id == tip_id, visible_tips(user)))


def tip_query(user: User, filters: TipFilters) -> Select[Any]:
    """Tips ``user`` may see, newest first (filters: state, category, department, text)."""
    stmt = select(Tip).where(visible_tips(user))
    if filters.state in TIP_STATES:
        stmt = stmt.where(Tip.state == filters.state)
    if filters.category:
        stmt = stmt.where(Tip.category == filters.category)
    if filters.department == "triage":
        stmt = stmt.where(Tip.department_id.is_(None))
    elif filters.department:
        stmt = stmt.where(Tip.department_id == select(Department.id).where(
            Department.code == filters.department).scalar_subquery())
    q = filters.q.strip()
    if q:
        by_text = [Tip.place_name.icontains(q, autoescape=True),
                   Tip.description.icontains(q, autoescape=True)]
        if normalize_code(q):
            by_text.append(Tip.code == normalize_code(q))
        stmt = stmt.where(or_(*by_text))
    return stmt.order_by(Tip.received_at.desc(), Tip.id.desc())


def contact_for(user: User, tip: Tip) -> TipContact | None:
    """The tipster's contact if ``user`` may see it (and one was left), else None."""
    if not may_see_contact(user) or tip.anonymous:
        return None
    return db.session.get(TipContact, tip.id)


def state_counts(user: User) -> dict[str, int]:
    """Visible tips per state, and how many wait in triage (for the list's header)."""
    rows = db.session.execute(select(Tip.state, func.count(Tip.id))
                              .where(visible_tips(user)).group_by(Tip.state)).all()
    counts = {state: 0 for state in TIP_STATES} | dict(rows)  # type: ignore[arg-type]
    counts["triage"] = db.session.scalar(select(func.count(Tip.id)).where(
        visible_tips(user), Tip.department_id.is_(None), Tip.state != "closed")) or 0
    return counts


# ---------------------------------------------------------------------------- rewards


def parse_amount(value: Any) -> Decimal | None:
    """A yuan amount from text or a number, to the fen; None when it is not one."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    return amount.quantize(Decimal("0.01"))


def record_reward(user: User, tip: Tip, amount: Decimal | None, reason: str,
                  now: datetime | None = None) -> Reward:
    """The office records a reward for a tip that led to a case; the office's leaders are
    asked to approve it."""
    if not may_manage_rewards(user):
        raise PermissionError("the office records rewards")
    problems: dict[str, Any] = {}
    if tip.case_id is None:
        problems["tip_id"] = _l("A reward is for a tip that led to a case.")
    elif db.session.scalar(select(Reward.id).where(Reward.tip_id == tip.id)) is not None:
        problems["tip_id"] = _l("This tip already has a reward.")
    if amount is None or amount <= 0 or amount > MAX_REWARD:
        problems["amount"] = _l("Give the amount in yuan (more than 0).")
    if not reason.strip():
        problems["reason"] = _l("Say what the reward is for.")
    if problems:
        raise InputError.of(**problems)
    reward = Reward(tip_id=tip.id, amount=amount, reason=reason.strip(), state="recorded",
                    recorded_by_id=user.id, recorded_at=now or utcnow())
    db.session.add(reward)
    try:
        db.session.flush()
    except IntegrityError:  # two people at once: the UNIQUE tip_id refuses the second
        raise StateConflict(tip.id) from None
    office = office_department()
    if office is not None:
        notifications.notify_department(
            office.id, "reward.recorded", f"{format_code(tip.code)} · ¥{amount}",
            notifications.app_path("tips.rewards"), "reward", reward.id, roles=("leader",),
            exclude=[user.id])
    return reward


def approve_reward(user: User, reward: Reward, now: datetime | None = None) -> None:
    """A leader of the office approves a recorded reward (not one they recorded)."""
    if reward.state != "recorded":
        raise StateConflict(reward.id)
    if not may_approve_reward(user, reward):
        raise PermissionError("a leader of the office, not the recorder, approves")
    reward.state = "approved"
    reward.approved_by_id = user.id
    reward.approved_at = now or utcnow()
    db.session.flush()


def mark_paid(user: User, reward: Reward, paid_on: date | None,
              now: datetime | None = None) -> None:
    """The office records the day an approved reward was paid."""
    from core.timeutil import local_day

    if not may_manage_rewards(user):
        raise PermissionError("the office records payments")
    if reward.state != "approved":
        raise StateConflict(reward.id)
    today = local_day(now or utcnow())
    approved = local_day(reward.approved_at) if reward.approved_at else today
    if paid_on is None or paid_on > today or paid_on < approved:
        raise InputError.of(paid_on=_l("Give the day it was paid: after the approval, "
                                       "not in the future."))
    reward.state = "paid"
    reward.paid_on = paid_on
    reward.paid_recorded_by_id = user.id
    db.session.flush()


def visible_rewards(user: Any) -> Any:
    """SQL condition: the office (its tip handlers and leaders) sees every reward; nobody
    else sees any."""
    return true() if may_manage_rewards(user) else false()


def reward_query(user: User, state: str = "") -> Select[Any]:
    stmt = select(Reward).where(visible_rewards(user))
    if state in REWARD_STATES:
        stmt = stmt.where(Reward.state == state)
    return stmt.order_by(Reward.recorded_at.desc(), Reward.id.desc())


def get_visible_reward(user: User, reward_id: int) -> Reward | None:
    return db.session.scalar(select(Reward).where(Reward.id == reward_id,
                                                  visible_rewards(user)))


def reward_of(tip: Tip) -> Reward | None:
    return db.session.scalar(select(Reward).where(Reward.tip_id == tip.id))
