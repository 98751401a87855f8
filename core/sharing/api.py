"""``/api/v1/info-items``: the same rules as the pages (core.sharing.services)."""

from __future__ import annotations

from typing import Any

from flask import abort, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from sqlalchemy.orm.exc import StaleDataError

from core.access import business_only
from core.api import DAY_RANGE, TOTAL_HEADER, ErrorSchema, PageArgs, paginate
from core.app import api_error
from core.attachments.storage import Upload as UploadedFile, UploadError, discard
from core.db import db
from core.sharing import services
from core.sharing.models import SENSITIVITIES

blp = business_only(Blueprint("api_sharing", __name__, url_prefix="/api/v1",
                description="Information sharing: items departments publish"))


class ItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="", validate=validate.Length(max=100_000))
    category = fields.String(required=True)
    sensitivity = fields.String(required=True, validate=validate.OneOf(SENSITIVITIES))
    department = fields.Function(lambda i: i.department.code, dump_only=True)
    shared_with = fields.List(fields.String(), load_default=list,
                              metadata={"description": "department codes (internal, classified)"})
    readers = fields.List(fields.String(), load_default=list,
                          metadata={"description": "user names (sensitive)"})
    reference_no = fields.String(load_default="", validate=validate.Length(max=100))
    consult_at = fields.String(load_default="", validate=validate.Length(max=200))
    location_name = fields.String(load_default="", validate=validate.Length(max=200))
    lat = fields.Float(load_default=None, allow_none=True)
    lng = fields.Float(load_default=None, allow_none=True)
    tags = fields.String(load_default="", validate=validate.Length(max=300))
    valid_from = fields.Date(load_default=None, allow_none=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    created_by = fields.Function(lambda i: i.created_by.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class ItemDumpSchema(ItemSchema):
    shared_with = fields.Function(lambda i: [s.department.code for s in i.shared_with])
    readers = fields.Function(lambda i: [r.user.username for r in i.readers])


class ItemUpdateSchema(ItemSchema):
    version = fields.Integer(required=True, metadata={
        "description": "the version you edited; a stale one answers 409"})


class ItemArgs(PageArgs):
    q = fields.String(load_default="")
    category = fields.String(load_default="")
    department = fields.String(load_default="")
    sensitivity = fields.String(load_default="", validate=validate.OneOf(("", *SENSITIVITIES)))
    since = fields.Date(load_default=None, validate=DAY_RANGE)
    until = fields.Date(load_default=None, validate=DAY_RANGE)
    tag = fields.String(load_default="")
    sort = fields.String(load_default="newest", validate=validate.OneOf(tuple(
        services.ITEM_SORTS)))


def _input(data: dict[str, Any]) -> services.ItemInput:
    return services.ItemInput(**{k: v for k, v in data.items() if k != "version"})


def _invalid(exc: services.SharingError) -> Any:
    return api_error(422, "validation_error", "The request has invalid fields.", exc.fields)


@blp.route("/info-items")
@blp.arguments(ItemArgs, location="query")
@blp.response(200, ItemDumpSchema(many=True), headers=TOTAL_HEADER)
def list_items(args: dict[str, Any]) -> Any:
    """Information items you may see, newest first; filters as on the page."""
    page, per_page = args.pop("page"), args.pop("per_page")
    items, headers = paginate(services.item_query(current_user, services.ItemFilters(**args)),
                              page, per_page)
    return items, 200, headers


@blp.route("/info-items", methods=["POST"])
@blp.arguments(ItemSchema)
@blp.response(201, ItemDumpSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_item(data: dict[str, Any]) -> Any:
    """Publish an item for your department."""
    try:
        item = services.create_item(current_user, _input(data))
    except services.SharingError as exc:
        return _invalid(exc)
    db.session.commit()
    return item


@blp.route("/info-items/<int:item_id>")
@blp.response(200, ItemDumpSchema)
def get_item(item_id: int) -> Any:
    """One item (404 when you may not see it)."""
    item = services.get_visible_item(current_user, item_id)
    if item is None:
        abort(404)
    return item


@blp.route("/info-items/<int:item_id>", methods=["PUT"])
@blp.arguments(ItemUpdateSchema)
@blp.response(200, ItemDumpSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def update_item(data: dict[str, Any], item_id: int) -> Any:
    """Replace an item's fields; send the ``version`` you edited (409 if someone saved since)."""
    item = services.get_visible_item(current_user, item_id)
    if item is None:
        abort(404)
    if not services.may_edit(current_user, item):
        abort(403)
    try:
        services.update_item(current_user, item, _input(data), data["version"])
        db.session.commit()
    except services.SharingError as exc:
        return _invalid(exc)
    except (services.StaleEdit, StaleDataError):
        db.session.rollback()
        return api_error(409, "conflict", "The item was changed since your version; nothing "
                         "was overwritten. Fetch it again and reapply your change.",
                         {"version": ["stale"]})
    return item


class AttachmentSchema(Schema):
    id = fields.Integer()
    original_name = fields.String(metadata={"description": "file name, for download only"})
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.Function(lambda a: a.uploaded_by.username)
    uploaded_at = fields.DateTime()
    url = fields.Function(lambda a: url_for("sharing.download", item_id=a.owner_id,
                                            attachment_id=a.id))


class UploadSchema(Schema):
    file = Upload(required=True)


def _item_or_404(item_id: int) -> Any:
    item = services.get_visible_item(current_user, item_id)
    if item is None:
        abort(404)
    return item


@blp.route("/info-items/<int:item_id>/attachments")
@blp.response(200, AttachmentSchema(many=True))
def list_attachments(item_id: int) -> Any:
    """The item's files (download them from each ``url``)."""
    return services.item_attachments(_item_or_404(item_id))


@blp.route("/info-items/<int:item_id>/attachments", methods=["POST"])
@blp.arguments(UploadSchema, location="files")
@blp.response(201, AttachmentSchema)
@blp.alt_response(422, schema=ErrorSchema)
def upload_attachment(files: dict[str, Any], item_id: int) -> Any:
    """Attach a file (multipart field ``file``); the type is checked by content."""
    item = _item_or_404(item_id)
    if not services.may_edit(current_user, item):
        abort(403)
    upload = files["file"]
    try:
        [saved] = services.add_attachments(current_user, item,
                                           [UploadedFile(upload.filename, upload.stream)])
    except UploadError as exc:
        return api_error(422, "validation_error", str(exc), {"file": [str(exc)]})
    try:
        db.session.commit()
    except Exception:
        discard([saved])
        raise
    return saved
