"""``/api/v1/notifications``: your own inbox (the same rules as the page)."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core.api import TOTAL_HEADER, PageArgs, paginate
from core.db import db
from core.notifications import services

blp = Blueprint("api_notifications", __name__, url_prefix="/api/v1",
                description="Notifications: your own inbox")


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "e.g. info_item.shared, deadline.passed"})
    subject = fields.String(attribute="shown_subject", metadata={
        "description": "what it is about (only the number, if you may no longer see it)"})
    link = fields.String(metadata={"description": "path of the page it is about"})
    object_type = fields.String()
    object_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    unread = fields.Boolean()


class NotificationArgs(PageArgs):
    unread = fields.Boolean(load_default=False,
                            metadata={"description": "only unread notifications"})


class MarkedSchema(Schema):
    marked = fields.Integer(metadata={"description": "how many were unread and are now read"})


@blp.route("/notifications")
@blp.arguments(NotificationArgs, location="query")
@blp.response(200, NotificationSchema(many=True), headers=TOTAL_HEADER)
def list_notifications(args: dict[str, Any]) -> Any:
    """Your notifications, newest first (``unread=true``: only the unread ones)."""
    stmt = services.inbox_query(current_user, "unread" if args["unread"] else "all")
    items, headers = paginate(stmt, args["page"], args["per_page"])
    return services.with_current_subjects(current_user, items), 200, headers


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@blp.response(200, NotificationSchema)
def read_notification(notification_id: int) -> Any:
    """Mark one of your notifications read (404 for anyone else's)."""
    notification = services.get_own(current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(current_user, [notification.id])
    db.session.commit()
    return services.with_current_subjects(current_user, [notification])[0]


@blp.route("/notifications/read-all", methods=["POST"])
@blp.response(200, MarkedSchema)
def read_all() -> Any:
    """Mark all your notifications read."""
    marked = services.mark_read(current_user, "all")
    db.session.commit()
    return {"marked": marked}
