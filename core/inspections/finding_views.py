"""The rectification board and a finding's page: progress, completion, verification,
listed supervision."""


from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    MultipleFileField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core import access
from core.access import business_only
from core.app import kernel
from core.attachments import storage
from core.db import db, paginate, utcnow
from core.departments.services import active_departments, active_local_units
from core.exports import xlsx_response
from core.forms import RejectForm, VerifyForm, post_step, save_uploads
from core.inspections import services as service
from core.inspections.labels import (
    FINDING_FILTER_LABELS,
    labels,
)
from core.inspections.models import (
    SEVERITIES,
    SEVERITY_ZH,
    STATE_ZH,
    Finding,
)
from core.sharing.views import category_choices, category_label
from core.supervision import services as supervision
from core.supervision.forms import EntryForm, SuperviseForm, entry_form
from core.timeutil import parse_day

bp = business_only(Blueprint("findings", __name__, url_prefix="/findings"))

#: The rectification ledger's columns, as the office keeps it in Excel.
EXPORT_HEADERS = ["编号", "督查名称", "问题描述", "严重程度", "问题类别", "地点", "责任单位",
                  "抄送单位", "整改要求", "整改期限", "整改进度(%)", "整改状态", "是否逾期",
                  "挂牌督办", "销号时间"]


class ProgressForm(FlaskForm):
    text = TextAreaField(_l("Progress"), validators=[Length(max=20_000)])
    percent = IntegerField(_l("Percent done"), validators=[Optional(), NumberRange(0, 100)])
    photos = MultipleFileField(_l("Photos"))


class CompletionForm(FlaskForm):
    text = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=20_000)])
    photos = MultipleFileField(_l("Evidence photos"))


# --------------------------------------------------------------------------- findings


def _finding_filters() -> service.FindingFilters:
    args = request.args
    state = args.get("state", "not_closed")
    supervised = {"1": True, "0": False}.get(args.get("supervised", ""))
    inspection_id = args.get("inspection", "")
    return service.FindingFilters(
        state=state if state in FINDING_FILTER_LABELS else "",
        unit=args.get("unit", ""),
        severity=args.get("severity", "") if args.get("severity") in SEVERITIES else "",
        category=args.get("category", ""),
        inspection_id=int(inspection_id) if re.fullmatch(r"[0-9]{1,9}", inspection_id) else None,
        supervised=supervised, q=args.get("q", "").strip(),
        due_before=parse_day(args.get("due_before")))


@bp.route("/")
def board() -> Any:
    """The rectification board: findings by unit, overdue first, and the listed-supervision
    rhythm."""
    filters = _finding_filters()
    now = utcnow()
    page = paginate(service.finding_query(current_user, filters, now),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template(
        "findings/board.html", page=page, filters=filters, now=now,
        summary=service.unit_summary(current_user, now),
        supervised=service.supervision_board(current_user, now),
        units=[*active_local_units(), *[d for d in active_departments()
                                        if d.kind == "department"]],
        categories=category_choices(), filter_states=FINDING_FILTER_LABELS, **labels())


@bp.route("/export.xlsx")
def export() -> Any:
    """The filtered board as the rectification ledger (整改台账) in Excel."""
    stmt = service.finding_query(current_user, _finding_filters())
    now = utcnow()

    def rows() -> Any:
        for f in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield [f.id, f.inspection.title, f.description, SEVERITY_ZH[f.severity],
                   category_label(f.category), f.location_name, f.unit.name_zh,
                   "、".join(c.department.name_zh for c in f.copies), f.requirements,
                   f.due_at, f.progress_percent, STATE_ZH[f.state],
                   "是" if f.is_overdue(now) else "否", "是" if f.supervised else "否",
                   f.closed_at]

    return xlsx_response("整改台账", EXPORT_HEADERS, rows(), "rectification-ledger.xlsx")


def _visible_finding(finding_id: int) -> Finding:
    found = service.get_visible_finding(current_user, finding_id)
    if found is None:
        abort(404)
    return found


def _entry_form(finding: Finding, found: Any) -> EntryForm | None:
    return entry_form(found, lambda kind: service.may_write_supervision(current_user, finding,
                                                                        kind))


def _render_finding(finding: Finding, status: int = 200, **forms: Any) -> Any:
    events = service.events_of(finding)
    found = supervision.find("finding", [finding.id]).get(finding.id)
    state = supervision.statuses([found])[found.id] if found else None
    office = access.is_office(current_user)
    defaults = {
        "progress_form": ProgressForm(prefix="progress"),
        "completion_form": CompletionForm(prefix="completion"),
        "verify_form": VerifyForm(prefix="verify"), "reject_form": RejectForm(prefix="reject"),
        "supervise_form": SuperviseForm(prefix="supervise"),
        "entry_form": _entry_form(finding, found),
    }
    defaults.update(forms)
    return render_template(
        "findings/detail.html", finding=finding, events=events, now=utcnow(),
        files=storage.attachments_of(service.EVENT_OWNER, [e.id for e in events]),
        own_files=storage.attachments_of(service.FINDING_OWNER, [finding.id])[finding.id],
        supervision=state, office=office,
        inspection_visible=service.get_visible_inspection(current_user,
                                                          finding.inspection_id) is not None,
        may_progress=access.may_report_rectification(current_user, finding),
        may_complete=access.may_report_completion(current_user, finding),
        may_verify=office and finding.state == "completion_reported",
        may_supervise=office and not finding.supervised and finding.state != "closed",
        **defaults, **labels()), status


@bp.route("/<int:finding_id>")
def detail(finding_id: int) -> Any:
    """One finding with its whole timeline."""
    return _render_finding(_visible_finding(finding_id))


def _finding_step(finding_id: int, form_name: str, form: FlaskForm,
                  act: Callable[[Finding, FlaskForm, bool], Any], files: Any, done: str,
                  fallback: str = "text") -> Any:
    """Run one step on a finding from a posted form: validate, store photos on the event,
    commit once; field errors re-render the page with what was typed."""
    finding = _visible_finding(finding_id)
    uploads = storage.uploads_from(files) if files is not None else []

    def step() -> Any:
        event = act(finding, form, bool(uploads))
        if uploads:
            save_uploads(files, service.EVENT_OWNER, event.id)

    return post_step(
        form, fallback, step, done, url_for("findings.detail", finding_id=finding_id),
        lambda status: _render_finding(_visible_finding(finding_id), status=status,
                                       **{form_name: form}),
        conflict=_("Someone else acted on this finding first; nothing was overwritten."))


@bp.route("/<int:finding_id>/progress", methods=["POST"])
def progress(finding_id: int) -> Any:
    """The responsible unit reports progress."""
    form = ProgressForm(prefix="progress")
    return _finding_step(
        finding_id, "progress_form", form,
        lambda f, fm, has_files: service.report_progress(
            current_user, f, fm.text.data or "", fm.percent.data, has_files),
        form.photos.data, _("Progress reported."))


@bp.route("/<int:finding_id>/completion", methods=["POST"])
def completion(finding_id: int) -> Any:
    """The responsible unit reports the rectification complete."""
    form = CompletionForm(prefix="completion")
    return _finding_step(
        finding_id, "completion_form", form,
        lambda f, fm, has_files: service.report_completion(
            current_user, f, fm.text.data or "", has_files),
        form.photos.data, _("Completion reported; the office will verify it."))


@bp.route("/<int:finding_id>/verify", methods=["POST"])
def verify(finding_id: int) -> Any:
    """The office verifies the rectification and strikes the finding off."""
    form = VerifyForm(prefix="verify")
    return _finding_step(
        finding_id, "verify_form", form,
        lambda f, fm, _files: service.verify_finding(current_user, f, fm.text.data or ""),
        None, _("Verified: the finding is closed."))


@bp.route("/<int:finding_id>/reject", methods=["POST"])
def reject(finding_id: int) -> Any:
    """The office does not accept the rectification: open again, with the reason."""
    form = RejectForm(prefix="reject")
    return _finding_step(
        finding_id, "reject_form", form,
        lambda f, fm, _files: service.reject_completion(current_user, f, fm.reason.data or ""),
        None, _("Sent back to the unit with the reason."), fallback="reason")


@bp.route("/<int:finding_id>/supervise", methods=["POST"])
def supervise(finding_id: int) -> Any:
    """The office raises the finding to listed supervision."""
    form = SuperviseForm(prefix="supervise")
    return _finding_step(
        finding_id, "supervise_form", form,
        lambda f, fm, _files: service.supervise_finding(current_user, f, fm.reason.data or ""),
        None, _("The finding is under listed supervision."), fallback="reason")


@bp.route("/<int:finding_id>/supervision", methods=["POST"])
def supervision_entry(finding_id: int) -> Any:
    """A monthly inquiry or a quarterly report on a supervised finding."""
    finding = _visible_finding(finding_id)
    found = supervision.find("finding", [finding.id]).get(finding.id)
    form = _entry_form(finding, found)
    if form is None:
        abort(403)
    return _finding_step(
        finding_id, "entry_form", form,
        lambda f, fm, _files: service.add_supervision_entry(
            current_user, f, fm.kind.data, fm.period.data, fm.text.data or ""),
        None, _("Entry filed."))


@bp.route("/<int:finding_id>/attachments/<int:attachment_id>")
def download(finding_id: int, attachment_id: int) -> Any:
    """A photo of the finding or of one of its steps; visibility checked each time."""
    finding = _visible_finding(finding_id)
    attachment = storage.find(service.FINDING_OWNER, finding.id, attachment_id)
    if attachment is None:
        event_ids = [e.id for e in service.events_of(finding)]
        candidates = storage.attachments_of(service.EVENT_OWNER, event_ids)
        attachment = next((a for files in candidates.values() for a in files
                           if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return storage.send(attachment)

