"""Pages for joint-meeting bodies: each body with its rhythm (next regular meeting due,
missed), and the office's form to define or change one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from core.access import business_only
from core.db import utcnow
from core.departments.services import active_departments
from core.forms import select_choices, submit
from core.meetings import bodies as service
from core.meetings.forms import BodyForm
from core.meetings.models import MeetingBody
from core.meetings.services import is_convener_leader, may_propose
from core.meetings.views import labels

bp = business_only(Blueprint("meeting_bodies", __name__, url_prefix="/meetings/bodies"))


@bp.route("/")
def index() -> Any:
    """Every body, with its conveners, members and the rhythm of its regular meetings."""
    now = utcnow()
    rhythms = service.rhythms(service.all_bodies())
    return render_template(
        "meetings/bodies.html", rhythms=rhythms, now=now,
        may_manage=service.may_manage(current_user),
        proposable={r.body.id for r in rhythms if may_propose(current_user, r.body)},
        convening={r.body.id for r in rhythms if is_convener_leader(current_user, r.body)},
        **labels())


def _form(body: MeetingBody | None) -> BodyForm:
    form = BodyForm(obj=service.body_input(body) if body is not None else None)
    locale = str(get_locale())
    choices = select_choices((d.code, d.name(locale)) for d in active_departments())
    form.liaison_office.choices = form.conveners.choices = form.members.choices = choices
    return form


def _save(body: MeetingBody | None) -> Any:
    if not service.may_manage(current_user):
        abort(403)
    form = _form(body)
    if form.validate_on_submit():
        data = service.BodyInput(
            code=(form.code.data or "").strip(), name_zh=form.name_zh.data or "",
            name_en=form.name_en.data or "", conveners=list(form.conveners.data or []),
            members=list(form.members.data or []), liaison_office=form.liaison_office.data,
            interval_days=form.interval_days.data or 0, active=bool(form.active.data))
        done = submit(form, "code", lambda: service.save_body(current_user, data, body))
        if done.ok:
            flash(_("Joint meeting saved."), "success")
            return redirect(url_for("meeting_bodies.index"))
    return render_template("meetings/body_form.html", form=form, body=body), (
        400 if form.errors else 200)


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    """The office defines a body."""
    return _save(None)


@bp.route("/<int:body_id>/edit", methods=["GET", "POST"])
def edit(body_id: int) -> Any:
    """The office changes a body (a seeded one is set back by the next sync)."""
    body = service.get_body(body_id)
    if body is None:
        abort(404)
    return _save(body)
