"""The inbox page: a person's own notifications, unread first tab, mark read."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts.views import safe_next
from core.app import kernel
from core.db import db, paginate
from core.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

STATES = ("unread", "all")


@bp.route("/")
def inbox() -> Any:
    """The signed-in user's notifications, newest first (unread ones, or all)."""
    state = request.args.get("state", "unread")
    if state not in STATES:
        state = "unread"
    page = paginate(services.inbox_query(current_user, state),  # type: ignore[arg-type]
                    per_page=kernel().settings["ui"]["per_page"])
    services.with_current_subjects(current_user, list(page.items))
    return render_template("notifications/inbox.html", page=page, state=state,
                           kind_label=services.kind_label)


@bp.route("/<int:notification_id>/read", methods=["POST"])
def read(notification_id: int) -> Any:
    """Mark one of the user's notifications read, then open what it is about (``open``)
    or go back to the inbox. Another person's notification answers 404."""
    notification = services.get_own(current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(current_user, [notification.id])
    db.session.commit()
    if request.form.get("open") and notification.link:
        return redirect(request.script_root + notification.link)
    return redirect(safe_next(request.form.get("next") or url_for("notifications.inbox")))


@bp.route("/read-all", methods=["POST"])
def read_all() -> Any:
    """Mark every notification of the user read."""
    count = services.mark_read(current_user, "all")
    db.session.commit()
    if count:
        flash(_("%(count)s notifications marked read.", count=count), "success")
    return redirect(url_for("notifications.inbox", state="all"))
