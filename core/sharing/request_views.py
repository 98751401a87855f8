"""Pages for office information requests: queues, ask, answer/decline/close, statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateTimeLocalField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from core import access
from core.access import business_only
from core.app import kernel
from core.attachments import storage
from core.attachments.storage import UploadError
from core.db import db, paginate, utcnow
from core.departments.services import active_departments
from core.exports import xlsx_response
from core.forms import select_choices
from core.sharing import requests as service
from core.sharing.models import InfoItem
from core.sharing.services import SharingError
from core.timeutil import day_start, parse_day, site_zone

bp = business_only(Blueprint("requests", __name__, url_prefix="/requests"))

STATE_LABELS = {
    "open": _l("Awaiting answer"),
    "overdue": _l("Overdue"),
    "answered": _l("Answered"),
    "declined": _l("Declined"),
    "closed": _l("Closed"),
}
QUEUE_LABELS = {
    "to_answer": _l("To answer"),
    "waiting": _l("Waiting on others"),
    "done": _l("Done"),
    "all": _l("All"),
}
EXPORT_HEADERS = ["编号", "事项", "请求部门", "被请求部门", "截止时间", "状态", "答复时间",
                  "答复人", "请求人"]


class RequestForm(FlaskForm):
    target = SelectField(_l("Department asked"), validators=[DataRequired()])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    details = TextAreaField(_l("What is needed"), validators=[Length(max=20_000)])
    due_at = DateTimeLocalField(_l("Due"), format="%Y-%m-%dT%H:%M",
                                validators=[DataRequired()])


class AnswerForm(FlaskForm):
    answer_text = TextAreaField(_l("Answer"), validators=[Length(max=50_000)])
    items = SelectMultipleField(_l("Information items"), coerce=int, validate_choice=True)
    files = MultipleFileField(_l("Attachments"))


class DeclineForm(FlaskForm):
    decline_reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=5_000)])


class CloseForm(FlaskForm):
    pass


def _local_to_utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=site_zone()) if value is not None else None


def _filters() -> service.RequestFilters:
    queue = request.args.get("queue", "all")
    state = request.args.get("state", "")
    return service.RequestFilters(
        queue=queue if queue in service.QUEUES else "all",
        state=state if state in STATE_LABELS else "",
        department=request.args.get("department", ""), q=request.args.get("q", "").strip(),
        since=parse_day(request.args.get("since")), until=parse_day(request.args.get("until")),
        sort="newest" if request.args.get("sort") == "newest" else "due")


@bp.route("/")
def index() -> Any:
    """The user's queues: to answer, waiting on others, done."""
    filters = _filters()
    page = paginate(service.request_query(current_user, filters),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template("requests/index.html", page=page, filters=filters,
                           queues=QUEUE_LABELS, states=STATE_LABELS, now=utcnow(),
                           departments=active_departments(),
                           may_request=access.may_request_information(current_user))


@bp.route("/export.xlsx")
def export() -> Any:
    """The filtered list as an Excel file."""
    stmt = service.request_query(current_user, _filters())
    now = utcnow()

    def rows() -> Any:
        for r in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield [r.id, r.subject, r.requester_department.name_zh, r.target_department.name_zh,
                   r.due_at, str(STATE_LABELS[r.display_state(now)]), r.answered_at,
                   r.answered_by.display_name if r.answered_by else "",
                   r.requester.display_name]

    return xlsx_response("信息请求", EXPORT_HEADERS, rows(), "info-requests.xlsx")


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    """The office asks a department for information."""
    if not access.may_request_information(current_user):
        abort(403)
    form = RequestForm()
    locale = str(get_locale())
    form.target.choices = select_choices(
        (d.code, d.name(locale)) for d in active_departments()
        if d.id != current_user.department_id)
    if form.validate_on_submit():
        try:
            created = service.create_request(current_user, service.RequestInput(
                target=form.target.data, subject=form.subject.data or "",
                details=form.details.data or "", due_at=_local_to_utc(form.due_at.data)))
        except SharingError as exc:
            for name, messages in exc.fields.items():
                getattr(form, name).errors = [*getattr(form, name).errors, *messages]
        else:
            db.session.commit()
            flash(_("Request sent."), "success")
            return redirect(url_for("requests.detail", request_id=created.id))
    return render_template("requests/new.html", form=form), 400 if form.errors else 200


def _visible(request_id: int) -> Any:
    found = service.get_visible_request(current_user, request_id)
    if found is None:
        abort(404)
    return found


def _answer_form(req: Any) -> AnswerForm:
    form = AnswerForm(prefix="answer")
    items = db.session.scalars(select(InfoItem).where(
        InfoItem.department_id == current_user.department_id,
        access.visible_items(req.requester)).order_by(InfoItem.created_at.desc()).limit(100))
    form.items.choices = select_choices((i.id, i.title) for i in items)
    return form


@bp.route("/<int:request_id>", methods=["GET"])
def detail(request_id: int) -> Any:
    """One request with its answer and the actions the user may take."""
    req = _visible(request_id)
    return _render_detail(req)


def _render_detail(req: Any, answer: AnswerForm | None = None,
                   decline: DeclineForm | None = None, status: int = 200) -> Any:
    may_answer = access.may_answer_request(current_user, req)
    return render_template(
        "requests/detail.html", req=req, now=utcnow(), states=STATE_LABELS,
        may_answer=may_answer, may_close=access.may_close_request(current_user, req),
        answer_form=answer or (_answer_form(req) if may_answer else None),
        decline_form=decline or DeclineForm(prefix="decline"), close_form=CloseForm(),
        attachments=storage.attachments_of(service.OWNER_TYPE, [req.id])[req.id],
        visible_item_ids=set(db.session.scalars(select(InfoItem.id).where(
            InfoItem.id.in_([i.item_id for i in req.items]),
            access.visible_items(current_user)))) if req.items else set()), status


def _already_handled(request_id: int) -> Any:
    flash(_("Someone else answered or declined this request first; nothing was overwritten."),
          "warning")
    return _render_detail(_visible(request_id), status=409)


@bp.route("/<int:request_id>/answer", methods=["POST"])
def answer(request_id: int) -> Any:
    """Answer with text, existing items and/or new files."""
    req = _visible(request_id)
    if not access.may_answer_request(current_user, req):
        abort(403)
    form = _answer_form(req)
    if form.validate_on_submit():
        uploads = storage.uploads_from(form.files.data)
        saved: list[Any] = []
        try:
            for upload in uploads:
                saved.append(storage.save(upload, service.OWNER_TYPE, req.id, current_user))
            service.answer_request(current_user, req, form.answer_text.data or "",
                                   list(form.items.data or []), has_files=bool(saved))
            db.session.commit()
        except UploadError as exc:
            storage.discard(saved)
            db.session.rollback()
            form.files.errors = [*form.files.errors, str(exc)]
        except SharingError as exc:
            storage.discard(saved)
            db.session.rollback()
            for name, messages in exc.fields.items():
                target = form.answer_text if name == "answer_text" else form.items
                target.errors = [*target.errors, *messages]
        except service.AlreadyHandled:
            storage.discard(saved)
            db.session.rollback()
            return _already_handled(request_id)
        except Exception:
            storage.discard(saved)  # no file without its record
            raise
        else:
            flash(_("Answer sent."), "success")
            return redirect(url_for("requests.detail", request_id=req.id))
    return _render_detail(_visible(request_id), answer=form, status=400)


@bp.route("/<int:request_id>/decline", methods=["POST"])
def decline(request_id: int) -> Any:
    """Decline, with the reason."""
    req = _visible(request_id)
    if not access.may_answer_request(current_user, req):
        abort(403)
    form = DeclineForm(prefix="decline")
    if form.validate_on_submit():
        try:
            service.decline_request(current_user, req, form.decline_reason.data or "")
        except service.AlreadyHandled:
            db.session.rollback()
            return _already_handled(request_id)
        except SharingError as exc:
            form.decline_reason.errors = [*form.decline_reason.errors,
                                          *exc.fields["decline_reason"]]
        else:
            db.session.commit()
            flash(_("Request declined."), "info")
            return redirect(url_for("requests.detail", request_id=req.id))
    return _render_detail(req, decline=form, status=400)


@bp.route("/<int:request_id>/close", methods=["POST"])
def close(request_id: int) -> Any:
    """The requester accepts and closes the request."""
    req = _visible(request_id)
    if not access.may_close_request(current_user, req):
        abort(403)
    if CloseForm().validate_on_submit():
        service.close_request(current_user, req)
        db.session.commit()
        flash(_("Request closed."), "success")
    return redirect(url_for("requests.detail", request_id=req.id))


@bp.route("/<int:request_id>/attachments/<int:attachment_id>")
def download(request_id: int, attachment_id: int) -> Any:
    """A file of the answer; the request's visibility is checked on every request."""
    req = _visible(request_id)
    attachment = storage.find(service.OWNER_TYPE, req.id, attachment_id)
    if attachment is None:
        abort(404)
    return storage.send(attachment)


@bp.route("/stats")
def stats() -> Any:
    """Per-department statistics over a period (default: this year)."""
    since, until = parse_day(request.args.get("since")), parse_day(request.args.get("until"))
    rows = service.statistics_by_department(
        current_user, since=day_start(since) if since else None,
        until=day_start(until, end=True) if until else None)
    return render_template("requests/stats.html", rows=rows, since=since, until=until)

