"""Department directory, department pages and each department's plugin settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms import SelectMultipleField, widgets

from core import access
from core.app import kernel
from core.db import db, paginate
from core.departments.models import DEPARTMENT_KINDS, Department
from core.departments.services import (
    liaisons_by_department,
    set_department_plugins,
)
from core.forms import select_choices
from core.plugins import loaded_department_plugins

bp = Blueprint("departments", __name__, url_prefix="/departments")


class PluginChoiceForm(FlaskForm):
    plugins = SelectMultipleField(
        _l("Plugins serving this department"),
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validate_choice=True,
    )


def _department(code: str) -> Department | None:
    return db.session.scalar(select(Department).where(Department.code == code))


@bp.route("/")
def directory() -> Any:
    """Every active department with its duties, plugins and liaisons."""
    q = request.args.get("q", "").strip()
    stmt = (select(Department).where(Department.active.is_(True),
                                     Department.kind.in_(DEPARTMENT_KINDS))
            .options(selectinload(Department.plugin_choices)).order_by(Department.position))
    if q:
        stmt = stmt.where(or_(*(column.icontains(q, autoescape=True) for column in (
            Department.code, Department.name_zh, Department.name_en, Department.duties))))
    page = paginate(stmt, per_page=50)
    departments = list(page.items)
    liaisons = liaisons_by_department([d.id for d in departments])
    return render_template("departments/directory.html", departments=departments,
                           liaisons=liaisons, q=q, page=page)


@bp.route("/<code>")
def detail(code: str) -> Any:
    """One department: duties, plugins, liaisons."""
    department = _department(code)
    if department is None:
        abort(404)
    liaisons = liaisons_by_department([department.id])[department.id]
    return render_template("departments/detail.html", department=department, liaisons=liaisons)


@bp.route("/<code>/settings", methods=["GET", "POST"])
@access.require("core.department.configure", obj_from=_department)
def settings(code: str) -> Any:
    """The department leader chooses which available plugins serve the department."""
    department = _department(code)
    assert department is not None  # checked by the decorator
    available = loaded_department_plugins(kernel().pm)
    form = PluginChoiceForm()
    titles = kernel().titles
    form.plugins.choices = select_choices((name, titles.get(name, name)) for name in available)
    if request.method == "GET":
        form.plugins.data = sorted(department.enabled_plugins & set(available))
    if form.validate_on_submit():
        changed = set_department_plugins(department, set(form.plugins.data or []), set(available))
        db.session.commit()
        flash(_("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
        return redirect(url_for("departments.settings", code=code))
    status = 400 if form.errors else 200
    return render_template("departments/settings.html", department=department, form=form,
                           available=available), status


def may_configure(department: Department) -> bool:
    """Whether the current user may change ``department``'s plugins (for templates)."""
    return access.can(current_user, "core.department.configure", department)
