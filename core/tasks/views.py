"""Pages for assigned tasks: the list (with its Excel ledger), a task's page with its
timeline and steps, and the form to assign one by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.access import business_only
from core.app import kernel
from core.db import db, paginate, utcnow
from core.departments.services import active_departments, active_local_units
from core.exports import xlsx_response
from core.forms import RejectForm, VerifyForm, post_step, select_choices, submit
from core.tasks import services as service
from core.tasks.models import TASK_STATE_ZH, Task
from core.timeutil import due_by

bp = business_only(Blueprint("tasks", __name__, url_prefix="/tasks"))

#: The task ledger's columns, as the office keeps it in Excel.
EXPORT_HEADERS = ["编号", "任务", "内容", "承办单位", "交办单位", "来源", "办理期限",
                  "进度(%)", "状态", "是否逾期", "交办时间", "办结时间"]


def _labels() -> dict[str, Any]:
    return {
        "task_states": {"open": _l("In progress"), "completion_reported": _l("To verify"),
                        "closed": _l("Done"), "overdue": _l("Overdue")},
        "filter_states": {"not_closed": _l("Not done"), "overdue": _l("Overdue"),
                          "open": _l("In progress"), "completion_reported": _l("To verify"),
                          "closed": _l("Done")},
        "directions": {"mine": _l("For my department"),
                       "assigned": _l("Assigned by my department")},
        "event_labels": {"assigned": _l("Assigned"), "progress": _l("Progress"),
                         "completion": _l("Reported done"), "rejected": _l("Sent back"),
                         "verified": _l("Verified")},
    }


class TaskForm(FlaskForm):
    department = SelectField(_l("Department that does it"), validators=[DataRequired()])
    title = StringField(_l("Task"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("What is to be done"), validators=[Length(max=20_000)])
    due_on = DateField(_l("Deadline"), validators=[DataRequired()])


class ProgressForm(FlaskForm):
    text = TextAreaField(_l("Progress"), validators=[DataRequired(), Length(max=20_000)])
    percent = IntegerField(_l("Percent done"), validators=[Optional(), NumberRange(0, 100)])


class CompletionForm(FlaskForm):
    text = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=20_000)])


def _filters() -> service.TaskFilters:
    args = request.args
    state = args.get("state", "not_closed")
    direction = args.get("direction", "")
    return service.TaskFilters(
        state=state if state in service.FILTER_STATES else "not_closed",
        direction=direction if direction in ("mine", "assigned") else "",
        department=args.get("department", ""), source_kind=args.get("source", ""),
        q=args.get("q", "").strip())


def _owner_units() -> list[Any]:
    """The units a task can be given to: the departments, then the township and villages."""
    return [*[d for d in active_departments() if d.kind == "department"],
            *active_local_units()]


def _owner_choices() -> list[Any]:
    locale = str(get_locale())
    return select_choices((d.code, d.name(locale)) for d in _owner_units())


@bp.route("/")
def index() -> Any:
    """The tasks the user sees: overdue first, then by deadline."""
    filters = _filters()
    now = utcnow()
    page = paginate(service.task_query(current_user, filters, now),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template("tasks/index.html", page=page, filters=filters, now=now,
                           departments=_owner_units(),
                           counts=service.open_counts(current_user, now),
                           may_assign=service.may_assign(current_user), **_labels())


@bp.route("/export.xlsx")
def export() -> Any:
    """The filtered list as the task ledger (交办任务台账) in Excel."""
    stmt = service.task_query(current_user, _filters())
    now = utcnow()

    def rows() -> Any:
        for t in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield [t.id, t.title, t.description, t.department.name_zh,
                   t.assigned_by_department.name_zh, t.source_label, t.due_at,
                   t.progress_percent, TASK_STATE_ZH[t.state],
                   "是" if t.is_overdue(now) else "否", t.created_at, t.closed_at]

    return xlsx_response("交办任务台账", EXPORT_HEADERS, rows(), "tasks.xlsx")


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    """Assign a task to a department or a village by hand."""
    if not service.may_assign(current_user):
        abort(403)
    form = TaskForm()
    form.department.choices = _owner_choices()

    def assign() -> Task:
        return service.assign(current_user, form.department.data, form.title.data or "",
                              form.description.data or "", due_by(form.due_on.data))

    if form.validate_on_submit():
        done = submit(form, "title", assign)
        if done.ok:
            flash(_("Task assigned; the department has been told."), "success")
            return redirect(url_for("tasks.detail", task_id=done.value.id))
    return render_template("tasks/form.html", form=form), 400 if form.errors else 200


def _visible(task_id: int) -> Task:
    task = service.get_visible_task(current_user, task_id)
    if task is None:
        abort(404)
    return task


def _render(task: Task, status: int = 200, **forms: Any) -> Any:
    defaults = {"progress_form": ProgressForm(prefix="progress"),
                "completion_form": CompletionForm(prefix="completion"),
                "verify_form": VerifyForm(prefix="verify"),
                "reject_form": RejectForm(prefix="reject")}
    defaults.update(forms)
    return render_template(
        "tasks/detail.html", task=task, events=service.events_of(task), now=utcnow(),
        may_progress=service.may_work(current_user, task),
        may_complete=service.may_complete(current_user, task),
        may_verify=service.may_verify(current_user, task), **defaults, **_labels()), status


@bp.route("/<int:task_id>")
def detail(task_id: int) -> Any:
    """One task with its timeline."""
    return _render(_visible(task_id))


def _step(task_id: int, form_name: str, form: FlaskForm, act: Callable[[Task], Any],
          done: str, fallback: str = "text") -> Any:
    """One step on a task from a posted form, committed once; errors re-render the page."""
    task = _visible(task_id)
    return post_step(form, fallback, lambda: act(task), done,
                     url_for("tasks.detail", task_id=task_id),
                     lambda status: _render(_visible(task_id), status=status,
                                            **{form_name: form}),
                     conflict=_("Someone else acted on this task first; nothing was "
                                "overwritten."))


@bp.route("/<int:task_id>/progress", methods=["POST"])
def progress(task_id: int) -> Any:
    """The owner department reports progress."""
    form = ProgressForm(prefix="progress")
    return _step(task_id, "progress_form", form, lambda t: service.report_progress(
        current_user, t, form.text.data or "", form.percent.data), _("Progress reported."))


@bp.route("/<int:task_id>/completion", methods=["POST"])
def completion(task_id: int) -> Any:
    """The owner department reports the task done."""
    form = CompletionForm(prefix="completion")
    return _step(task_id, "completion_form", form, lambda t: service.report_completion(
        current_user, t, form.text.data or ""),
        _("Reported done; the assigning department will verify it."))


@bp.route("/<int:task_id>/verify", methods=["POST"])
def verify(task_id: int) -> Any:
    """The assigning side accepts the completion."""
    form = VerifyForm(prefix="verify")
    return _step(task_id, "verify_form", form, lambda t: service.verify(
        current_user, t, form.text.data or ""), _("Verified: the task is done."))


@bp.route("/<int:task_id>/reject", methods=["POST"])
def reject(task_id: int) -> Any:
    """The assigning side sends the task back with a reason."""
    form = RejectForm(prefix="reject")
    return _step(task_id, "reject_form", form, lambda t: service.reject(
        current_user, t, form.reason.data or ""), _("Sent back with the reason."),
        fallback="reason")
