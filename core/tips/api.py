"""``/api/v1/public/tips``, ``/api/v1/tips`` and ``/api/v1/rewards``.

Public (no sign-in, no session, no CSRF token; marked :func:`core.access.public`, documented
with ``security: []``): send a tip, add photos to it with its tracking code, look the code's
state up. Rate limited per client (``core.tips.limits``); nothing about the client is stored
or logged.

Staff (signed in, the office and the departments): the tips you may see, one tip (the
tipster's contact for the office's tip handlers only), routing, taking on, turning into a
case, closing; rewards. The rules live in ``core.tips.services``; every staff action goes
through :func:`_act` like ``core.inspections.api``: ``PermissionError`` answers 403,
``InputError`` 422 with its ``fields``, a state conflict 409; one commit on success, a
rollback otherwise. Departments appear as their codes, people as their user names.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from core import access, audit
from core.api import (
    DAY_RANGE,
    ID_RANGE,
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act as _act,
    filters_of,
    invalid as _invalid,
    page as _page,
)
from core.app import csrf, limiter
from core.attachments import storage
from core.db import db
from core.errors import InputError
from core.tips import limits, services as service
from core.tips.models import REWARD_STATES, TIP_STATES, Reward, Tip, TipPhoto

blp = Blueprint("api_tips", __name__, url_prefix="/api/v1",
                description="Public tips, their routing and rewards")


#: The public endpoints take no credentials (OpenAPI: no security requirement).
NO_AUTH: dict[str, Any] = {"security": []}


@blp.before_request
def _staff_endpoints_for_departments() -> None:
    """Public endpoints serve anyone; the staff ones the office and the departments (system
    roles, villages and the township government: 403). Sign-in is enforced by the app."""
    view = current_app.view_functions.get(request.endpoint or "")
    if access.is_public(view) or not current_user.is_authenticated:
        return
    if (current_user.role not in access.BUSINESS_ROLES
            or current_user.department.kind not in ("office", "department")):
        abort(403)


@blp.after_request
def _never_cache(response: Any) -> Any:
    """Answers carry tracking codes or tips: never cached by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- helpers


def _public_fields(problems: dict[str, list[str]]) -> dict[str, Any]:
    """The service's field names in the public API's terms (``contact_phone`` ->
    ``contact.phone``, as marshmallow reports nested fields)."""
    out: dict[str, Any] = {}
    for name, messages in problems.items():
        if name.startswith("contact_"):
            out.setdefault("contact", {})[name.removeprefix("contact_")] = messages
        else:
            out[name] = messages
    return out


def _tip(tip_id: int) -> Tip:
    """The tip in the path, or 404 (not there, or not yours to see: the same answer)."""
    found = service.get_visible_tip(current_user, tip_id)
    if found is None:
        abort(404)
    return found


def _reward(reward_id: int) -> Reward:
    found = service.get_visible_reward(current_user, reward_id)
    if found is None:
        abort(404)
    return found


def _photo_links(tip: Tip) -> list[dict[str, Any]]:
    return [{"id": p.id, "content_type": p.content_type, "size": p.size,
             "url": url_for("tips.photo", tip_id=tip.id, photo_id=p.id)}
            for p in service.photos_of(tip)]


def _contact(tip: Tip) -> dict[str, str] | None:
    contact = service.contact_for(current_user, tip)
    return {"name": contact.name, "phone": contact.phone} if contact is not None else None


# --------------------------------------------------------------------------- schemas

CATEGORY_HELP = ("an offence type code from GET /api/v1/public/tip-categories "
                 "(e.g. forestry.tree_theft), or other")
STATE_HELP = "received, handling (being handled) or closed"


class ContactSchema(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=100))
    phone = fields.String(load_default="", validate=validate.Length(max=40))


class PublicTipInputSchema(Schema):
    category = fields.String(required=True, validate=validate.Length(max=80),
                             metadata={"description": CATEGORY_HELP})
    place_name = fields.String(load_default="", validate=validate.Length(max=200),
                               metadata={"description": "where (or give lat/lng)"})
    lat = fields.Float(load_default=None, allow_none=True)
    lng = fields.Float(load_default=None, allow_none=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    contact = fields.Nested(ContactSchema, load_default=None, allow_none=True, metadata={
        "description": "how the office may reach you; omit (or null) to stay anonymous"})


class IdempotencyHeaderSchema(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key", load_default=None,
        validate=validate.Regexp(service.KEY_PATTERN, error="8 to 200 visible ASCII "
                                                           "characters, e.g. a UUID."),
        metadata={"description": "retries with the same key create one tip and answer its "
                                 "code again (200); the same key with another tip: 409"})


class PublicTipReceiptSchema(Schema):
    code = fields.Function(lambda t: service.format_code(t.code), metadata={
        "description": "the tracking code: keep it to look the state up"})
    state = fields.String(metadata={"description": STATE_HELP})
    photos_url = fields.Function(
        lambda t: url_for("api_tips.add_public_tip_photo", code=service.format_code(t.code)),
        metadata={"description": f"POST up to {service.MAX_PHOTOS} photos here (multipart "
                                 "field file) within 24 hours"})


class CategorySchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    group = fields.String(metadata={"description": "forest, mining, wildlife, fire, other"})


class PublicTipStatusSchema(Schema):
    code = fields.String(metadata={"description": "the tracking code"})
    state = fields.String(metadata={"description": STATE_HELP})


class PhotoUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "a JPEG, PNG, GIF or WebP photo"})


class PhotoReceiptSchema(Schema):
    photos = fields.Integer(metadata={"description": "photos the tip has now"})
    max_photos = fields.Integer()


class TipSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.Function(lambda t: service.format_code(t.code), dump_only=True)
    category = fields.String(dump_only=True)
    category_name = fields.Function(lambda t: service.category_label(t.category),
                                    dump_only=True)
    place_name = fields.String(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    description = fields.String(dump_only=True)
    anonymous = fields.Boolean(dump_only=True)
    state = fields.String(dump_only=True, metadata={"description": STATE_HELP})
    department = fields.Function(lambda t: t.department.code if t.department else None,
                                 dump_only=True, metadata={
                                     "description": "the handling department's code; null: "
                                                    "the office's triage queue"})
    case_id = fields.Integer(dump_only=True)
    reply = fields.String(dump_only=True)
    received_at = fields.DateTime(dump_only=True)
    routed_at = fields.DateTime(dump_only=True)
    closed_at = fields.DateTime(dump_only=True)


class TipDetailSchema(TipSchema):
    photos = fields.Function(_photo_links, dump_only=True, metadata={
        "description": "[{id, content_type, size, url}]"})
    contact = fields.Function(_contact, dump_only=True, metadata={
        "description": "{name, phone} for the office's tip handlers when the tipster left "
                       "one; null for everyone else"})


class TipArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(("", *TIP_STATES)))
    category = fields.String(load_default="")
    department = fields.String(load_default="", metadata={
        "description": "a department code, or triage (the office's queue)"})
    q = fields.String(load_default="", validate=validate.Length(max=200), metadata={
        "description": "search place, description or tracking code"})


class TipRouteSchema(Schema):
    department = fields.String(required=True, allow_none=True,
                               validate=validate.Length(max=40), metadata={
                                   "description": "a department code; null or \"\": back "
                                                  "to the office's triage queue"})


class TipCaseSchema(Schema):
    case_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE, metadata={
        "description": "link to this existing case; omit to open a new one"})
    title = fields.String(load_default="", validate=validate.Length(max=200))
    offence_type = fields.String(load_default="", validate=validate.Length(max=80), metadata={
        "description": "default: the tip's category"})
    kind = fields.String(load_default="case", validate=validate.OneOf(("case", "lead")))


class TipCloseSchema(Schema):
    reply = fields.String(required=True, validate=validate.Length(max=20_000))


class RewardSchema(Schema):
    id = fields.Integer(dump_only=True)
    tip_id = fields.Integer(dump_only=True)
    tip_code = fields.Function(lambda r: service.format_code(r.tip.code), dump_only=True)
    case_id = fields.Function(lambda r: r.tip.case_id, dump_only=True)
    amount = fields.Decimal(as_string=True, dump_only=True, metadata={"description": "yuan"})
    reason = fields.String(dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": list(REWARD_STATES)})
    recorded_by = fields.Function(lambda r: r.recorded_by.username, dump_only=True)
    recorded_at = fields.DateTime(dump_only=True)
    approved_by = fields.Function(lambda r: r.approved_by.username if r.approved_by else None,
                                  dump_only=True)
    approved_at = fields.DateTime(dump_only=True)
    paid_on = fields.Date(dump_only=True)


class RewardInputSchema(Schema):
    tip_id = fields.Integer(required=True, validate=ID_RANGE)
    amount = fields.Decimal(required=True, places=2, validate=validate.Range(
        min=0, min_inclusive=False, max=service.MAX_REWARD), metadata={"description": "yuan"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5_000))


class RewardPaidSchema(Schema):
    paid_on = fields.Date(required=True, validate=DAY_RANGE,
                          metadata={"description": "the day it was paid (site time)"})


class RewardArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(("", *REWARD_STATES)))


# ---------------------------------------------------------------------------- public


@blp.route("/public/tip-categories")
@access.public
@blp.doc(**NO_AUTH)
@blp.response(200, CategorySchema(many=True))
def list_tip_categories() -> Any:
    """What a tip may be about: the offence types of this installation, ``other`` last."""
    return service.categories()


@blp.route("/public/tips", methods=["POST"])
@access.public
# CSRF: none is needed, and this exemption states it. A CSRF token protects actions taken
# with a victim's session cookie; this endpoint acts for nobody (the tip is written as from
# "public" whoever is signed in) and must work without a session. The app's before_request
# checks CSRF only for signed-in, non-public requests, so nothing checks it here today; the
# exemption keeps it so should Flask-WTF's global check (WTF_CSRF_CHECK_DEFAULT) ever be
# switched on. Browsers cannot send a cross-site application/json POST without a CORS
# preflight, which this app never grants. The page form (/tips/new) keeps its CSRF token.
@csrf.exempt
@limiter.shared_limit(limits.tip_limit, scope=limits.SUBMIT_SCOPE, key_func=limits.client_key)
@blp.doc(**NO_AUTH)
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
@blp.arguments(PublicTipInputSchema)
@blp.response(201, PublicTipReceiptSchema)
@blp.alt_response(200, schema=PublicTipReceiptSchema,
                  description="a retry with the same Idempotency-Key: the first tip's code")
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
def create_public_tip(data: dict[str, Any], idempotency_key: str | None = None) -> Any:
    """Send a tip (no sign-in): the answer is its tracking code.

    Leave ``contact`` out to stay anonymous. Nothing about your connection is kept. Send an
    ``Idempotency-Key`` header so that a retry does not create a second tip.
    """
    contact = data.pop("contact") or {}
    tip_input = service.TipInput(**data, contact_name=contact.get("name", ""),
                                 contact_phone=contact.get("phone", ""))
    try:
        tip, created = service.receive_tip(tip_input, idempotency_key)
    except InputError as exc:
        _invalid(_public_fields(exc.fields))
    except service.IdempotencyConflict:
        abort(409, message="This Idempotency-Key was already used for a different tip; "
                           "nothing was created. Use a new key for a new tip.")
    return tip, 201 if created else 200


@blp.route("/public/tips/<code>")
@access.public
@limiter.shared_limit(limits.lookup_limit, scope=limits.LOOKUP_SCOPE,
                      key_func=limits.client_key)
@blp.doc(**NO_AUTH)
@blp.response(200, PublicTipStatusSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
def get_public_tip(code: str) -> Any:
    """The state of the tip with this tracking code — the state only, never its content."""
    state = service.public_status(code)
    if state is None:
        abort(404, message="No tip has this tracking code.")
    return {"code": service.format_code(service.normalize_code(code)), "state": state}


@blp.route("/public/tips/<code>/photos", methods=["POST"])
@access.public
@csrf.exempt  # as create_public_tip: no session, acts for nobody
@limiter.limit(limits.photo_limit, key_func=limits.client_key)
@blp.doc(**NO_AUTH)
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, PhotoReceiptSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
def add_public_tip_photo(files: dict[str, Any], code: str) -> Any:
    """Add a photo to your tip with its tracking code (multipart field ``file``).

    At most five photos, within 24 hours of sending the tip and while it is open.
    """
    upload = files["file"]
    saved: list[TipPhoto] = []
    with audit.acting_as(name=service.PUBLIC_ACTOR):
        try:
            saved.append(service.add_photo_by_code(
                code, storage.Upload(upload.filename or "", upload.stream)))
            db.session.commit()
        except LookupError:
            db.session.rollback()
            abort(404, message="No tip has this tracking code.")
        except InputError as exc:
            db.session.rollback()
            _invalid(exc.fields)
        except storage.UploadError as exc:
            db.session.rollback()
            _invalid({"file": [str(exc)]})
        except BaseException:
            db.session.rollback()
            storage.discard(saved)  # type: ignore[arg-type]
            raise
    tip = service.tip_by_code(code)
    assert tip is not None
    return {"photos": service.photo_count(tip), "max_photos": service.MAX_PHOTOS}, 201


# ----------------------------------------------------------------------------- staff


@blp.route("/tips")
@blp.arguments(TipArgs, location="query")
@blp.response(200, TipSchema(many=True), headers=TOTAL_HEADER)
def list_tips(args: dict[str, Any]) -> Any:
    """Tips you may see, newest first: the office all, a department those routed to it.

    Never the tipster's contact.
    """
    filters = service.TipFilters(**filters_of(args))
    return _page(service.tip_query(current_user, filters), args)


@blp.route("/tips/<int:tip_id>")
@blp.response(200, TipDetailSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_tip(tip_id: int) -> Any:
    """One tip with its photos; the contact for the office's tip handlers only."""
    return _tip(tip_id)


@blp.route("/tips/<int:tip_id>/route", methods=["POST"])
@blp.arguments(TipRouteSchema)
@blp.response(200, TipDetailSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def route_tip(data: dict[str, Any], tip_id: int) -> Any:
    """Re-route a tip to another department, or back to the triage queue (office only).

    The tip starts again as received there; the department's liaisons and leaders are told.
    """
    tip = _tip(tip_id)
    _act(service.reroute, tip, data["department"] or None)
    return tip


@blp.route("/tips/<int:tip_id>/take", methods=["POST"])
@blp.response(200, TipDetailSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def take_tip(tip_id: int) -> Any:
    """The handling department takes the tip on: received -> handling."""
    tip = _tip(tip_id)
    _act(service.take, tip)
    return tip


@blp.route("/tips/<int:tip_id>/case", methods=["POST"])
@blp.arguments(TipCaseSchema)
@blp.response(200, TipDetailSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def tip_to_case(data: dict[str, Any], tip_id: int) -> Any:
    """Turn the tip into a case or lead, or link it to an existing case (``case_id``).

    The handling department does this; a new case takes the tip's place, description and
    photos, and its category as offence type unless ``offence_type`` says otherwise.
    """
    tip = _tip(tip_id)
    if data["case_id"] is not None:
        _act(service.link_case, tip, data["case_id"])
    else:
        _act(service.open_case_from_tip, tip, data["title"], data["offence_type"],
             data["kind"])
    return tip


@blp.route("/tips/<int:tip_id>/close", methods=["POST"])
@blp.arguments(TipCloseSchema)
@blp.response(200, TipDetailSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def close_tip(data: dict[str, Any], tip_id: int) -> Any:
    """Close the tip with a reply note (the handling department, or the office)."""
    tip = _tip(tip_id)
    _act(service.close, tip, data["reply"])
    return tip


# --------------------------------------------------------------------------- rewards


@blp.route("/rewards")
@blp.arguments(RewardArgs, location="query")
@blp.response(200, RewardSchema(many=True), headers=TOTAL_HEADER)
def list_rewards(args: dict[str, Any]) -> Any:
    """Rewards for tips, newest first (the office only; others get an empty list)."""
    return _page(service.reward_query(current_user, args["state"]), args)


@blp.route("/rewards", methods=["POST"])
@blp.arguments(RewardInputSchema)
@blp.response(201, RewardSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_reward(data: dict[str, Any]) -> Any:
    """Record a reward for a tip that led to a case (office); its leaders are asked to
    approve it."""
    tip = service.get_visible_tip(current_user, data["tip_id"])
    if tip is None:
        _invalid({"tip_id": ["No tip with this id that you may see."]})
    return _act(service.record_reward, tip, data["amount"], data["reason"])


@blp.route("/rewards/<int:reward_id>")
@blp.response(200, RewardSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_reward(reward_id: int) -> Any:
    """One reward (the office only)."""
    return _reward(reward_id)


@blp.route("/rewards/<int:reward_id>/approve", methods=["POST"])
@blp.response(200, RewardSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def approve_reward(reward_id: int) -> Any:
    """A leader of the office approves a recorded reward (not one they recorded)."""
    reward = _reward(reward_id)
    _act(service.approve_reward, reward)
    return reward


@blp.route("/rewards/<int:reward_id>/paid", methods=["POST"])
@blp.arguments(RewardPaidSchema)
@blp.response(200, RewardSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def pay_reward(data: dict[str, Any], reward_id: int) -> Any:
    """The office records the day an approved reward was paid."""
    reward = _reward(reward_id)
    _act(service.mark_paid, reward, data["paid_on"])
    return reward
