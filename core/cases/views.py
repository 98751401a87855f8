"""Pages for cases and leads, their hand-overs, and the two-way hand-over ledger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    FloatField,
    Form,
    FormField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core import access
from core.access import business_only
from core.app import kernel
from core.attachments import storage
from core.cases import services as service
from core.cases.models import CASE_KINDS, CASE_STATES, FEEDBACKS, TRANSFER_STATES, Case
from core.db import db, paginate, utcnow
from core.departments.services import active_departments
from core.exports import xlsx_response
from core.forms import post_step, save_uploads, select_choices, submit
from core.supervision import services as supervision
from core.supervision.forms import EntryForm, SuperviseForm, entry_form
from core.timeutil import parse_day

bp = business_only(Blueprint("cases", __name__, url_prefix="/cases"))

KIND_LABELS = {"case": _l("Case"), "lead": _l("Lead")}
CASE_STATE_LABELS = {"open": _l("Being handled"), "closed": _l("Concluded")}
TRANSFER_STATE_LABELS = {
    "sent": _l("Awaiting acknowledgement"),
    "acknowledged": _l("Awaiting feedback"),
    "answered": _l("Awaiting confirmation"),
    "confirmed": _l("Finished"),
    "overdue": _l("Overdue"),
}
FEEDBACK_LABELS = {
    "accepted_criminal": _l("Accepted: filed as a criminal case"),
    "not_crime": _l("Not a crime"),
    "returned": _l("Returned"),
    "more_evidence": _l("More evidence needed"),
}
FEEDBACK_ZH = {"accepted_criminal": "已受理，刑事立案", "not_crime": "不构成犯罪",
               "returned": "退回", "more_evidence": "需补充证据"}
STATE_ZH = {"sent": "待接收", "acknowledged": "待反馈", "answered": "待确认",
            "confirmed": "已办结"}
#: 双向移交反馈台账, as the offices keep it in Excel.
LEDGER_HEADERS = ["序号", "案件（线索）名称", "违法类型", "移送单位", "接收单位", "移送时间",
                  "移送理由", "法律依据", "接收确认时间", "反馈时间", "反馈结果", "反馈说明",
                  "移送方确认时间", "状态", "是否逾期"]


def _labels() -> dict[str, Any]:
    return {"kinds": KIND_LABELS, "case_states": CASE_STATE_LABELS,
            "transfer_states": TRANSFER_STATE_LABELS, "feedbacks": FEEDBACK_LABELS,
            "offence_label": offence_label}


def offence_choices() -> list[tuple[str, str]]:
    english = str(get_locale()).startswith("en")
    return [(o["code"], o["name_en"] if english else o["name_zh"])
            for o in kernel().offence_types]


def offence_label(code: str) -> str:
    return dict(offence_choices()).get(code, code)


class PartyForm(Form):
    kind = SelectField(_l("Kind"), validate_choice=False, choices=lambda: select_choices(
        [("person", _l("Person")), ("company", _l("Company"))]))
    name = StringField(_l("Name"), validators=[Length(max=200)])
    id_number = StringField(_l("ID number"), validators=[Length(max=40)])


class CaseForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: select_choices(KIND_LABELS.items()))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    offence_type = SelectField(_l("Offence type"), validators=[DataRequired()])
    place_name = StringField(_l("Place"), validators=[Length(max=200)])
    lat = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lng = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    occurred_on = DateField(_l("Date of the offence"), validators=[Optional()])
    facts = TextAreaField(_l("Facts"), validators=[Length(max=50_000)])
    parties = FieldList(FormField(PartyForm), min_entries=3, max_entries=10)
    photos = MultipleFileField(_l("Evidence files"))


class TransferForm(FlaskForm):
    to = SelectField(_l("Hand over to"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=20_000)])
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Length(max=5_000)])
    photos = MultipleFileField(_l("Materials"))


class FeedbackForm(FlaskForm):
    feedback = SelectField(_l("Feedback"),
                           choices=lambda: select_choices(FEEDBACK_LABELS.items()))
    text = TextAreaField(_l("Explanation"), validators=[Length(max=20_000)])


class CloseForm(FlaskForm):
    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(), Length(max=20_000)])


class EmptyForm(FlaskForm):
    pass


def _visible(case_id: int) -> Case:
    found = service.get_visible_case(current_user, case_id)
    if found is None:
        abort(404)
    return found


def _case_filters() -> service.CaseFilters:
    args = request.args
    return service.CaseFilters(
        state=args.get("state", "") if args.get("state") in CASE_STATES else "",
        kind=args.get("kind", "") if args.get("kind") in CASE_KINDS else "",
        offence_type=args.get("offence_type", ""), department=args.get("department", ""),
        q=args.get("q", "").strip(), since=parse_day(args.get("since")),
        until=parse_day(args.get("until")))


@bp.route("/")
def index() -> Any:
    """Cases and leads the user's department handles or handed over, newest first."""
    filters = _case_filters()
    page = paginate(service.case_query(current_user, filters),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template("cases/index.html", page=page, filters=filters, now=utcnow(),
                           supervised=service.supervision_board(current_user),
                           offences=offence_choices(),
                           departments=[d for d in active_departments()
                                        if d.kind == "department"],
                           may_open=current_user.department.kind in ("office", "department"),
                           counts=service.waiting_counts(current_user), **_labels())


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    """A department opens a case or a lead."""
    if current_user.department.kind not in ("office", "department"):
        abort(403)
    form = CaseForm()
    form.offence_type.choices = select_choices(offence_choices())

    def open_() -> Any:
        created = service.open_case(current_user, service.CaseInput(
            title=form.title.data or "", offence_type=form.offence_type.data,
            kind=form.kind.data, place_name=form.place_name.data or "", lat=form.lat.data,
            lng=form.lng.data, occurred_on=form.occurred_on.data, facts=form.facts.data or "",
            parties=[service.PartyInput(name=p.form.name.data or "", kind=p.form.kind.data,
                                        id_number=p.form.id_number.data or "")
                     for p in form.parties if (p.form.name.data or "").strip()]))
        save_uploads(form.photos.data, service.CASE_OWNER, created.id)
        return created

    if form.validate_on_submit():
        done = submit(form, "title", open_)
        if done.ok:
            flash(_("Case opened."), "success")
            return redirect(url_for("cases.detail", case_id=done.value.id))
    return render_template("cases/form.html", form=form), 400 if form.errors else 200


def _transfer_form() -> TransferForm:
    form = TransferForm(prefix="transfer")
    locale = str(get_locale())
    form.to.choices = select_choices((d.code, d.name(locale)) for d in active_departments()
                                     if d.kind == "department"
                                     and d.id != current_user.department_id)
    return form


def _entry_form(case_: Case, found: Any) -> EntryForm | None:
    return entry_form(found, lambda kind: service.may_write_supervision(current_user, case_,
                                                                        kind))


def _render(case_: Case, status: int = 200, **forms: Any) -> Any:
    transfers = service.transfers_of(case_)
    found = supervision.find("case", [case_.id]).get(case_.id)
    defaults = {"transfer_form": _transfer_form(), "feedback_form": FeedbackForm(
        prefix="feedback"), "close_form": CloseForm(prefix="close"), "action_form": EmptyForm(),
        "supervise_form": SuperviseForm(prefix="supervise"),
        "entry_form": _entry_form(case_, found)}
    defaults.update(forms)
    return render_template(
        "cases/detail.html", case=case_, transfers=transfers, now=utcnow(),
        parties=service.shown_parties(current_user, case_),
        tips=service.linked_tips(current_user, case_),
        plugin_links=service.plugin_links(current_user, case_),
        files=storage.attachments_of(service.CASE_OWNER, [case_.id])[case_.id],
        materials=storage.attachments_of(service.TRANSFER_OWNER, [t.id for t in transfers]),
        may_handle=access.may_handle_case(current_user, case_),
        supervision=supervision.statuses([found])[found.id] if found else None,
        may_supervise=(access.is_office(current_user) and case_.state == "open"
                       and not case_.supervised),
        entry_kinds=supervision.KIND_LABELS,
        acting=current_user.role in service.ACTING_ROLES, **defaults, **_labels()), status


@bp.route("/<int:case_id>")
def detail(case_id: int) -> Any:
    """A case with its parties, evidence and hand-overs."""
    return _render(_visible(case_id))


def _step(case_id: int, form_name: str, form: FlaskForm, act: Callable[[Case], Any],
          done: str, fallback: str) -> Any:
    case_ = _visible(case_id)
    return post_step(
        form, fallback, lambda: act(case_), done, url_for("cases.detail", case_id=case_id),
        lambda status: _render(_visible(case_id), status=status, **{form_name: form}),
        conflict=_("Someone else acted on this hand-over first; nothing was overwritten."))


def _transfer_of(case_: Case) -> Any:
    transfer = service.get_visible_transfer(current_user, int(request.form.get("transfer",
                                                                               "0") or 0))
    if transfer is None or transfer.case_id != case_.id:
        abort(404)
    return transfer


@bp.route("/<int:case_id>/transfer", methods=["POST"])
def transfer(case_id: int) -> Any:
    """Hand the case over to another department, with materials."""
    form = _transfer_form()

    def send(case_: Case) -> Any:
        sent = service.send_transfer(current_user, case_, service.TransferInput(
            to=form.to.data, reason=form.reason.data or "",
            legal_basis=form.legal_basis.data or ""))
        save_uploads(form.photos.data, service.TRANSFER_OWNER, sent.id)
        return sent

    return _step(case_id, "transfer_form", form, send,
                 _("Handed over; the department was told."), "reason")


@bp.route("/<int:case_id>/acknowledge", methods=["POST"])
def acknowledge(case_id: int) -> Any:
    """The receiver acknowledges the hand-over."""
    return _step(case_id, "action_form", EmptyForm(),
                 lambda c: service.acknowledge(current_user, _transfer_of(c)),
                 _("Receipt acknowledged."), "csrf_token")


@bp.route("/<int:case_id>/feedback", methods=["POST"])
def feedback(case_id: int) -> Any:
    """The receiver gives its feedback."""
    form = FeedbackForm(prefix="feedback")
    return _step(case_id, "feedback_form", form,
                 lambda c: service.answer(current_user, _transfer_of(c), form.feedback.data,
                                          form.text.data or ""),
                 _("Feedback sent."), "text")


@bp.route("/<int:case_id>/confirm", methods=["POST"])
def confirm(case_id: int) -> Any:
    """The sender confirms it has the feedback."""
    return _step(case_id, "action_form", EmptyForm(),
                 lambda c: service.confirm(current_user, _transfer_of(c)),
                 _("Feedback confirmed; the hand-over is finished."), "csrf_token")


@bp.route("/<int:case_id>/close", methods=["POST"])
def close(case_id: int) -> Any:
    """The handling department concludes the case."""
    form = CloseForm(prefix="close")
    return _step(case_id, "close_form", form,
                 lambda c: service.close_case(current_user, c, form.outcome.data or ""),
                 _("Case concluded."), "outcome")


@bp.route("/<int:case_id>/supervise", methods=["POST"])
def supervise(case_id: int) -> Any:
    """The office lists the case for supervision."""
    form = SuperviseForm(prefix="supervise")
    return _step(case_id, "supervise_form", form,
                 lambda c: service.supervise_case(current_user, c, form.reason.data or ""),
                 _("The case is under listed supervision."), "reason")


@bp.route("/<int:case_id>/supervision", methods=["POST"])
def supervision_entry(case_id: int) -> Any:
    """A monthly inquiry or a quarterly report on a supervised case."""
    case_ = _visible(case_id)
    form = _entry_form(case_, supervision.find("case", [case_.id]).get(case_.id))
    if form is None:
        abort(403)
    return _step(case_id, "entry_form", form,
                 lambda c: service.add_supervision_entry(current_user, c, form.kind.data,
                                                         form.period.data, form.text.data or ""),
                 _("Entry filed."), "text")


@bp.route("/<int:case_id>/files/<int:attachment_id>")
def download(case_id: int, attachment_id: int) -> Any:
    """Evidence or hand-over materials; the case's visibility is checked each time."""
    case_ = _visible(case_id)
    attachment = storage.find(service.CASE_OWNER, case_.id, attachment_id)
    if attachment is None:
        by_transfer = storage.attachments_of(service.TRANSFER_OWNER,
                                             [t.id for t in service.transfers_of(case_)])
        attachment = next((a for files in by_transfer.values() for a in files
                           if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return storage.send(attachment)


# ----------------------------------------------------------------------------- ledger


def _ledger_filters() -> service.LedgerFilters:
    args = request.args
    state = args.get("state", "")
    return service.LedgerFilters(
        direction=args.get("direction", "") if args.get("direction") in ("sent", "received")
        else "",
        state=state if state in (*TRANSFER_STATES, "overdue", "open") else "",
        department=args.get("department", ""),
        feedback=args.get("feedback", "") if args.get("feedback") in FEEDBACKS else "",
        since=parse_day(args.get("since")), until=parse_day(args.get("until")))


@bp.route("/ledger")
def ledger() -> Any:
    """The two-way hand-over ledger (双向移交反馈台账)."""
    filters = _ledger_filters()
    page = paginate(service.ledger_query(current_user, filters),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template("cases/ledger.html", page=page, filters=filters, now=utcnow(),
                           departments=[d for d in active_departments()
                                        if d.kind == "department"], **_labels())


@bp.route("/ledger.xlsx")
def ledger_export() -> Any:
    """The filtered ledger in Excel, with the documents' Chinese headers."""
    stmt = service.ledger_query(current_user, _ledger_filters())
    now = utcnow()
    offences = {o["code"]: o["name_zh"] for o in kernel().offence_types}

    def rows() -> Any:
        for n, t in enumerate(db.session.scalars(stmt.execution_options(yield_per=500)), 1):
            yield [n, t.case.title, offences.get(t.case.offence_type, t.case.offence_type),
                   t.from_department.name_zh, t.to_department.name_zh, t.sent_at, t.reason,
                   t.legal_basis, t.acknowledged_at, t.answered_at,
                   FEEDBACK_ZH.get(t.feedback or "", ""), t.feedback_text, t.confirmed_at,
                   STATE_ZH[t.state], "是" if t.overdue_step(now) else "否"]

    return xlsx_response("双向移交反馈台账", LEDGER_HEADERS, rows(), "transfer-ledger.xlsx")
