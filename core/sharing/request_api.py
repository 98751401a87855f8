"""``/api/v1/info-requests``: the office asks, departments answer; same rules as the pages."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.access import business_only
from core.api import DAY_RANGE, TOTAL_HEADER, ErrorSchema, PageArgs, paginate
from core.app import api_error
from core.db import db, utcnow
from core.sharing import requests as service
from core.sharing.services import SharingError

blp = business_only(Blueprint("api_requests", __name__, url_prefix="/api/v1",
                description="Office information requests with due times"))


class RequestCreateSchema(Schema):
    target = fields.String(required=True, validate=validate.Length(min=1, max=40),
                           metadata={"description": "department code asked"})
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    details = fields.String(load_default="", validate=validate.Length(max=20_000))
    due_at = fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with zone"})


class RequestSchema(Schema):
    id = fields.Integer(dump_only=True)
    target = fields.Function(lambda r: r.target_department.code,
                             metadata={"description": "department code asked"})
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    details = fields.String(load_default="", validate=validate.Length(max=20_000))
    due_at = fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with zone"})
    requester = fields.Function(lambda r: r.requester.username, dump_only=True)
    requester_department = fields.Function(lambda r: r.requester_department.code,
                                           dump_only=True)
    state = fields.Function(lambda r: r.display_state(utcnow()), dump_only=True, metadata={
        "description": "open, overdue (computed), answered, declined or closed"})
    answer_text = fields.String(dump_only=True)
    items = fields.Function(lambda r: [i.item_id for i in r.items], dump_only=True)
    decline_reason = fields.String(dump_only=True)
    answered_at = fields.DateTime(dump_only=True)
    answered_by = fields.Function(lambda r: r.answered_by.username if r.answered_by else None,
                                  dump_only=True)
    closed_at = fields.DateTime(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class RequestArgs(PageArgs):
    queue = fields.String(load_default="all", validate=validate.OneOf(service.QUEUES))
    state = fields.String(load_default="", validate=validate.OneOf(
        ("", "open", "overdue", "answered", "declined", "closed")))
    department = fields.String(load_default="")
    q = fields.String(load_default="")
    sort = fields.String(load_default="due", validate=validate.OneOf(("due", "newest")))
    since = fields.Date(load_default=None, validate=DAY_RANGE,
                         metadata={"description": "asked on or after"})
    until = fields.Date(load_default=None, validate=DAY_RANGE,
                         metadata={"description": "asked on or before"})


class AnswerSchema(Schema):
    answer_text = fields.String(load_default="", validate=validate.Length(max=50_000))
    items = fields.List(fields.Integer(), load_default=list,
                        metadata={"description": "ids of items the requester can open"})


class DeclineSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5_000))


def _invalid(exc: SharingError) -> Any:
    return api_error(422, "validation_error", "The request has invalid fields.", exc.fields)


def _act(req: Any, action: Any, *args: Any) -> Any:
    """Run a service action on ``req`` as the current user, mapping its refusals to the
    API's answers (403, 409, 422), and commit."""
    try:
        action(current_user, req, *args)
    except PermissionError:
        abort(403)
    except service.AlreadyHandled:
        db.session.rollback()
        return api_error(409, "conflict", "Someone else answered or declined this request "
                         "first; nothing was overwritten.")
    except SharingError as exc:
        return _invalid(exc)
    db.session.commit()
    return req


def _visible(request_id: int) -> Any:
    found = service.get_visible_request(current_user, request_id)
    if found is None:
        abort(404)
    return found


@blp.route("/info-requests")
@blp.arguments(RequestArgs, location="query")
@blp.response(200, RequestSchema(many=True), headers=TOTAL_HEADER)
def list_requests(args: dict[str, Any]) -> Any:
    """Requests you may see; ``queue`` = to_answer, waiting, done or all."""
    page, per_page = args.pop("page"), args.pop("per_page")
    items, headers = paginate(service.request_query(current_user,
                                                    service.RequestFilters(**args)),
                              page, per_page)
    return items, 200, headers


@blp.route("/info-requests", methods=["POST"])
@blp.arguments(RequestCreateSchema)
@blp.response(201, RequestSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_request(data: dict[str, Any]) -> Any:
    """Ask a department for information (office only)."""
    try:
        created = service.create_request(current_user, service.RequestInput(
            target=data["target"], subject=data["subject"], details=data["details"],
            due_at=data["due_at"]))
    except PermissionError:
        abort(403)
    except SharingError as exc:
        return _invalid(exc)
    db.session.commit()
    return created


@blp.route("/info-requests/<int:request_id>")
@blp.response(200, RequestSchema)
def get_request(request_id: int) -> Any:
    """One request (404 when you may not see it)."""
    return _visible(request_id)


@blp.route("/info-requests/<int:request_id>/answer", methods=["POST"])
@blp.arguments(AnswerSchema)
@blp.response(200, RequestSchema)
@blp.alt_response(422, schema=ErrorSchema)
def answer_request(data: dict[str, Any], request_id: int) -> Any:
    """Answer with text and/or items (files: POST them to the page form)."""
    req = _visible(request_id)
    return _act(req, service.answer_request, data["answer_text"], data["items"])


@blp.route("/info-requests/<int:request_id>/decline", methods=["POST"])
@blp.arguments(DeclineSchema)
@blp.response(200, RequestSchema)
def decline_request(data: dict[str, Any], request_id: int) -> Any:
    """Decline with a reason."""
    req = _visible(request_id)
    return _act(req, service.decline_request, data["reason"])


@blp.route("/info-requests/<int:request_id>/close", methods=["POST"])
@blp.response(200, RequestSchema)
def close_request(request_id: int) -> Any:
    """Accept the answer and close the request (the requesting side)."""
    return _act(_visible(request_id), service.close_request)
