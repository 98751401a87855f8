"""Core pages: dashboard, language, health, administration and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, text

from core import access
from core.accounts.forms import EmptyForm
from core.accounts.models import ROLES, User
from core.accounts.views import safe_next
from core.app import kernel
from core.audit import AuditRecord
from core.db import db, paginate
from core.departments.models import Department
from core.plugins import BUILTIN_PLUGINS, call_each, hook_names, plugin_infos
from core.timeutil import day_start, parse_day

main_bp = Blueprint("main", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
audit_bp = Blueprint("audit", __name__, url_prefix="/audit")


@main_bp.route("/")
def dashboard() -> Any:
    """The dashboard: widgets from the core and the plugins serving the user."""
    widgets: list[dict[str, Any]] = []
    for plugin_name, answers in call_each(kernel().pm, "dashboard_widgets", user=current_user):
        if plugin_name not in BUILTIN_PLUGINS and not access.plugin_serves(current_user,
                                                                            plugin_name):
            continue
        for widget in answers:
            widgets.append({"order": 100, "width": 6, "data": {}, **widget,
                            "plugin": plugin_name})
    widgets.sort(key=lambda w: (w["order"], w["plugin"]))
    return render_template("dashboard.html", widgets=widgets)


@main_bp.route("/lang/<code>", methods=["POST"])
@access.public
def set_language(code: str) -> Any:
    """Switch the interface language (zh_CN or en) for this browser session."""
    if code not in ("zh_CN", "en"):
        abort(404)
    if EmptyForm().validate_on_submit():
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@main_bp.route("/healthz")
@access.public
def healthz() -> Any:
    """Liveness and database check for load balancers."""
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


# ------------------------------------------------------------------------------ admin


@admin_bp.route("/plugins")
@access.require("core.admin.plugins")
def plugins() -> Any:
    """Every available plugin, its state and the hooks it implements."""
    infos = plugin_infos(kernel().pm)
    return render_template("admin/plugins.html", plugins=infos,
                           hookspecs=hook_names())


@admin_bp.route("/settings")
@access.require("core.admin.settings")
def settings() -> Any:
    """The effective settings, read-only, secrets hidden."""
    s = kernel().settings
    return render_template("admin/settings.html", settings=s.redacted(), source=s.source,
                           overrides=s.overrides, departments_file=s.departments_file)


@admin_bp.route("/users")
@access.require("core.users.manage")
def users() -> Any:
    """Accounts, filterable by department, role and state."""
    stmt = select(User).join(User.department).order_by(Department.position, User.username)
    department = request.args.get("department", "")
    role = request.args.get("role", "")
    if department:
        stmt = stmt.where(Department.code == department)
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    if request.args.get("state") == "inactive":
        stmt = stmt.where(User.active.is_(False))
    elif request.args.get("state") != "all":
        stmt = stmt.where(User.active.is_(True))
    page = paginate(stmt, per_page=kernel().settings["ui"]["per_page"])
    departments = db.session.scalars(select(Department).order_by(Department.position)).all()
    return render_template("admin/users.html", page=page, roles=ROLES, departments=departments)


# ------------------------------------------------------------------------------ audit


def _local_day(value: str, end: bool) -> datetime | None:
    """Parse a ``YYYY-MM-DD`` day in the site's time zone; the end of that day if ``end``."""
    day = parse_day(value)
    return day_start(day, end) if day else None


@audit_bp.route("/")
@access.require("core.audit.view")
def log() -> Any:
    """The audit log with filters (auditors only)."""
    stmt = select(AuditRecord).order_by(AuditRecord.seq.desc())
    filters = {k: request.args.get(k, "").strip() for k in
               ("actor", "action", "object_type", "object_id", "since", "until")}
    if filters["actor"]:
        stmt = stmt.where(AuditRecord.actor == filters["actor"])
    if filters["action"]:
        stmt = stmt.where(AuditRecord.action == filters["action"])
    if filters["object_type"]:
        stmt = stmt.where(AuditRecord.object_type == filters["object_type"])
    if filters["object_id"]:
        stmt = stmt.where(AuditRecord.object_id == filters["object_id"])
    for key, end, op in (("since", False, "ge"), ("until", True, "lt")):
        if filters[key]:
            bound = _local_day(filters[key], end)
            if bound is None:
                flash(_("Dates are written YYYY-MM-DD."), "warning")
                continue
            column = AuditRecord.at
            stmt = stmt.where(column >= bound if op == "ge" else column < bound)
    page = paginate(stmt, per_page=50)
    return render_template("audit/log.html", page=page, filters=filters,
                           actions=["insert", "update", "delete", "login", "login_failed",
                                    "lockout", "logout"])
