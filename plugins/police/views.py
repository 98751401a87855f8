"""Pages of the police registers under ``/police``: lists with filters, pagination and
``.xlsx`` export, detail pages and forms. Rules live in ``plugins.police.services``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core import access
from core.access import business_only
from core.app import kernel
from core.cases.views import FEEDBACK_LABELS, TRANSFER_STATE_LABELS, offence_choices
from core.db import db, paginate, utcnow
from core.departments.services import active_departments
from core.exports import xlsx_response
from core.forms import select_choices, submit
from core.plugin_kit import landing_blueprint
from core.timeutil import local_day, parse_day
from plugins.police import services as service
from plugins.police.models import NOTICE_STATES, STAGES, CriminalCase, RiskNotice
from plugins.police.plugin import DUTIES, NAME, TITLE

bp = business_only(landing_blueprint(NAME, __name__, TITLE, DUTIES))

STAGE_LABELS = {
    "investigating": _l("Under investigation"),
    "prosecution": _l("Sent for prosecution"),
    "suspended": _l("Investigation suspended"),
    "withdrawn": _l("Case withdrawn"),
}
#: The words of the police's own registers (Chinese whatever the UI language).
STAGE_ZH = {"investigating": "立案侦查", "prosecution": "移送起诉", "suspended": "中止侦查",
            "withdrawn": "撤案"}
SOURCE_LABELS = {"transfer": _l("Hand-over accepted"), "own": _l("Opened by the police")}
SOURCE_ZH = {"transfer": "移送", "own": "自行立案"}
NOTICE_STATE_LABELS = {"sent": _l("Awaiting reply"), "replied": _l("Replied"),
                       "overdue": _l("Reply overdue")}
NOTICE_STATE_ZH = {"sent": "待回复", "replied": "已回复"}

CASE_HEADERS = ["序号", "刑事案件编号", "案件名称", "违法类型", "涉嫌罪名", "立案日期",
                "办案阶段", "案件来源", "移送单位", "立案单位"]
INTERVENTION_HEADERS = ["序号", "案件名称", "案件办理单位", "介入日期", "介入民警",
                        "介入单位", "情况说明"]
OUTCOME_HEADERS = ["序号", "案件名称", "刑事案件编号", "行政拘留(人)", "刑事拘留(人)",
                   "逮捕(人)", "涉案人员(人)", "备注"]
NOTICE_HEADERS = ["序号", "文号", "事由", "发函单位", "接收单位", "发函时间", "回复期限",
                  "回复内容", "回复时间", "状态", "是否逾期"]


def _labels() -> dict[str, Any]:
    offences = dict(offence_choices())
    return {"stages": STAGE_LABELS, "sources": SOURCE_LABELS,
            "notice_states": NOTICE_STATE_LABELS, "transfer_states": TRANSFER_STATE_LABELS,
            "feedbacks": FEEDBACK_LABELS, "offence_label": lambda c: offences.get(c, c)}


def _per_page() -> int:
    return int(kernel().settings["ui"]["per_page"])


def _department_choices(exclude: int | None = None) -> list[Any]:
    locale = str(get_locale())
    return select_choices((d.code, d.name(locale)) for d in active_departments()
                          if d.kind == "department" and d.id != exclude)


def _offence_zh() -> dict[str, str]:
    return {o["code"]: o["name_zh"] for o in kernel().offence_types}


# ------------------------------------------------------------------------------- forms


class CriminalCaseForm(FlaskForm):
    case_id = SelectField(_l("Case"), coerce=int, validate_choice=False)
    case_number = StringField(_l("Criminal case number"), validators=[Length(max=60)])
    filed_on = DateField(_l("Filed on"), validators=[InputRequired()])
    charge = StringField(_l("Charge"), validators=[Length(max=200)])
    stage = SelectField(_l("Stage"), choices=lambda: select_choices(STAGE_LABELS.items()))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=20_000)])
    version = HiddenField()


class InterventionForm(FlaskForm):
    case_id = IntegerField(_l("Case number"), validators=[InputRequired(),
                                                          NumberRange(1, 2**31 - 1)])
    intervened_on = DateField(_l("Date"), validators=[InputRequired()])
    officer = StringField(_l("Officer"), validators=[DataRequired(), Length(max=100)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=20_000)])


def _persons(label: Any) -> IntegerField:
    return IntegerField(label, default=0, validators=[InputRequired(),
                                                      NumberRange(0, service.MAX_PERSONS)])


class OutcomeForm(FlaskForm):
    admin_detentions = _persons(_l("Administrative detentions (persons)"))
    criminal_detentions = _persons(_l("Criminal detentions (persons)"))
    arrests = _persons(_l("Arrests (persons)"))
    persons_involved = _persons(_l("Persons involved"))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=20_000)])
    version = HiddenField()


class RiskNoticeForm(FlaskForm):
    target = SelectField(_l("To department"), validators=[DataRequired()])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    content = TextAreaField(_l("Loophole or hazard, and what is advised"),
                            validators=[DataRequired(), Length(max=50_000)])
    reply_due_on = DateField(_l("Reply due by"), validators=[Optional()])


class ReplyForm(FlaskForm):
    reply_text = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=50_000)])


def _version(form: FlaskForm) -> int | None:
    value = (form.version.data or "").strip()
    return int(value) if value.isdigit() else None


# ------------------------------------------------------------------------ criminal cases


def _case_filters() -> service.CriminalCaseFilters:
    args = request.args
    return service.CriminalCaseFilters(
        stage=args.get("stage", "") if args.get("stage") in STAGES else "",
        offence_type=args.get("offence_type", ""), q=args.get("q", "").strip(),
        since=parse_day(args.get("since")), until=parse_day(args.get("until")))


@bp.route("/cases")
def criminal_cases() -> Any:
    """The criminal-case register (刑事案件登记), newest filing first."""
    filters = _case_filters()
    page = paginate(service.criminal_case_query(current_user, filters), per_page=_per_page())
    return render_template("police/cases.html", page=page, filters=filters,
                           offences=offence_choices(), **_labels())


@bp.route("/cases.xlsx")
def criminal_cases_export() -> Any:
    """The filtered register in Excel, with Chinese headers."""
    stmt = service.criminal_case_query(current_user, _case_filters())
    offences = _offence_zh()

    def rows() -> Iterator[list[Any]]:
        for n, r in enumerate(db.session.scalars(stmt.execution_options(yield_per=500)), 1):
            sender = r.transfer.from_department.name_zh if r.transfer is not None else ""
            yield [n, r.case_number, r.case.title,
                   offences.get(r.case.offence_type, r.case.offence_type), r.charge,
                   r.filed_on, STAGE_ZH[r.stage], SOURCE_ZH.get(r.source, r.source), sender,
                   r.department.name_zh]

    return xlsx_response("刑事案件登记", CASE_HEADERS, rows(), "police-criminal-cases.xlsx")


@bp.route("/cases/new", methods=["GET", "POST"])
def criminal_case_new() -> Any:
    """File a criminal case on a case the police handle (one they opened themselves)."""
    if not access.can(current_user, "police.case.file"):
        abort(403)
    form = CriminalCaseForm()
    choices = [(c.id, f"#{c.id} {c.title}") for c in service.cases_to_file(current_user)]
    form.case_id.choices = choices
    if request.method == "GET":
        form.filed_on.data = local_day(utcnow())
        wanted = request.args.get("case_id", type=int)
        if wanted in {value for value, _label in choices}:
            form.case_id.data = wanted
    if form.validate_on_submit():
        done = submit(form, "case_id", lambda: service.file_criminal_case(
            current_user, form.case_id.data, _case_input(form)))
        if done.ok:
            flash(_("Criminal case filed."), "success")
            return redirect(url_for("police.criminal_case_detail", record_id=done.value.id))
    return render_template("police/case_form.html", form=form, has_cases=bool(choices),
                           **_labels()), 400 if form.errors else 200


def _case_input(form: CriminalCaseForm) -> service.CriminalCaseInput:
    return service.CriminalCaseInput(
        case_number=form.case_number.data or "", filed_on=form.filed_on.data,
        charge=form.charge.data or "", stage=form.stage.data, notes=form.notes.data or "")


def _criminal_case(record_id: int) -> CriminalCase:
    found = service.get_visible_criminal_case(current_user, record_id)
    if found is None:
        abort(404)
    return found


def _edit_form(record: CriminalCase) -> CriminalCaseForm:
    form = CriminalCaseForm(data={"case_number": record.case_number,
                                  "filed_on": record.filed_on, "charge": record.charge,
                                  "stage": record.stage, "notes": record.notes,
                                  "version": str(record.version)})
    form.case_id.choices = [(record.case_id, record.case.title)]
    return form


def _render_case(record: CriminalCase, form: CriminalCaseForm | None = None,
                 status: int = 200) -> Any:
    return render_template(
        "police/case_detail.html", record=record, form=form or _edit_form(record),
        outcome=service.outcome_of(record.case_id),
        interventions=service.interventions_of(current_user, record.case_id),
        may_edit=access.can(current_user, "police.case.file", record),
        may_edit_outcome=access.can(current_user, "police.outcome.edit", record.case),
        **_labels()), status


@bp.route("/cases/<int:record_id>")
def criminal_case_detail(record_id: int) -> Any:
    """One criminal case with its core case, outcome and early interventions."""
    return _render_case(_criminal_case(record_id))


@bp.route("/cases/<int:record_id>", methods=["POST"])
def criminal_case_update(record_id: int) -> Any:
    """Change the number, filing day, charge, stage or notes (the filing station)."""
    record = _criminal_case(record_id)
    form = CriminalCaseForm()
    form.case_id.choices = [(record.case_id, record.case.title)]
    form.case_id.data = record.case_id
    status = 400
    if form.validate_on_submit():
        done = submit(form, "case_number", lambda: service.update_criminal_case(
            current_user, record, _case_input(form), _version(form)), conflict=_(
            "Someone else saved this record first; nothing was overwritten. Reload it."))
        if done.ok:
            flash(_("Criminal case saved."), "success")
            return redirect(url_for("police.criminal_case_detail", record_id=record_id))
        status = done.status
    return _render_case(_criminal_case(record_id), form, status)


# ------------------------------------------------------------------- early interventions


def _intervention_filters() -> service.InterventionFilters:
    args = request.args
    return service.InterventionFilters(q=args.get("q", "").strip(),
                                       since=parse_day(args.get("since")),
                                       until=parse_day(args.get("until")))


@bp.route("/interventions")
def interventions() -> Any:
    """Early interventions (提前介入) in other departments' cases."""
    filters = _intervention_filters()
    page = paginate(service.intervention_query(current_user, filters), per_page=_per_page())
    shown = service.visible_case_ids(current_user, {i.case_id for i in page.items})
    return render_template("police/interventions.html", page=page, filters=filters,
                           shown=shown, may_record=access.can(
                               current_user, "police.intervention.record"), **_labels())


@bp.route("/interventions.xlsx")
def interventions_export() -> Any:
    """The filtered interventions in Excel (case titles only where the reader sees them)."""
    stmt = service.intervention_query(current_user, _intervention_filters())

    def rows() -> Iterator[list[Any]]:
        batch = list(db.session.scalars(stmt))
        shown = service.visible_case_ids(current_user, {i.case_id for i in batch})
        for n, i in enumerate(batch, 1):
            visible = i.case_id in shown
            yield [n, i.case.title if visible else f"#{i.case_id}",
                   i.case.department.name_zh, i.intervened_on, i.officer,
                   i.department.name_zh, i.notes]

    return xlsx_response("提前介入登记", INTERVENTION_HEADERS, rows(),
                         "police-interventions.xlsx")


@bp.route("/interventions/new", methods=["GET", "POST"])
def intervention_new() -> Any:
    """Record joining another department's case early; the case number comes from it."""
    if not access.can(current_user, "police.intervention.record"):
        abort(403)
    form = InterventionForm()
    if request.method == "GET":
        form.intervened_on.data = local_day(utcnow())
        form.case_id.data = request.args.get("case_id", type=int)
    if form.validate_on_submit():
        done = submit(form, "case_id", lambda: service.record_intervention(
            current_user, service.InterventionInput(
                case_id=form.case_id.data, intervened_on=form.intervened_on.data,
                officer=form.officer.data or "", notes=form.notes.data or "")))
        if done.ok:
            flash(_("Early intervention recorded."), "success")
            return redirect(url_for("police.intervention_detail", record_id=done.value.id))
    return render_template("police/intervention_form.html", form=form), (
        400 if form.errors else 200)


@bp.route("/interventions/<int:record_id>")
def intervention_detail(record_id: int) -> Any:
    """One early intervention."""
    record = service.get_visible_intervention(current_user, record_id)
    if record is None:
        abort(404)
    return render_template("police/intervention_detail.html", record=record,
                           case_visible=service.may_see_case(current_user, record.case_id),
                           **_labels())


# ------------------------------------------------------------------------------ outcomes


def _outcome_filters() -> service.OutcomeFilters:
    return service.OutcomeFilters(q=request.args.get("q", "").strip(),
                                  offence_type=request.args.get("offence_type", ""))


@bp.route("/outcomes")
def outcomes() -> Any:
    """Detentions and arrests per case, with the totals of the filtered list."""
    if "case_id" in request.args:  # "record an outcome for case #n"
        wanted = request.args.get("case_id", type=int)
        if wanted:
            return redirect(url_for("police.outcome_edit", case_id=wanted))
    filters = _outcome_filters()
    stmt = service.outcome_query(current_user, filters)
    page = paginate(stmt, per_page=_per_page())
    return render_template(
        "police/outcomes.html", page=page, filters=filters, offences=offence_choices(),
        totals=service.outcome_totals(stmt),
        numbers=service.case_numbers({o.case_id for o in page.items}),
        may_edit=access.can(current_user, "police.outcome.edit"), **_labels())


@bp.route("/outcomes.xlsx")
def outcomes_export() -> Any:
    """The filtered outcomes in Excel, the totals in the last row (合计)."""
    stmt = service.outcome_query(current_user, _outcome_filters())
    totals = service.outcome_totals(stmt)

    def rows() -> Iterator[list[Any]]:
        batch = list(db.session.scalars(stmt))
        numbers = service.case_numbers({o.case_id for o in batch})
        for n, o in enumerate(batch, 1):
            yield [n, o.case.title, numbers.get(o.case_id, ""), o.admin_detentions,
                   o.criminal_detentions, o.arrests, o.persons_involved, o.notes]
        yield ["合计", f"{totals['cases']} 件", "", totals["admin_detentions"],
               totals["criminal_detentions"], totals["arrests"], totals["persons_involved"],
               ""]

    return xlsx_response("公安处理情况", OUTCOME_HEADERS, rows(), "police-outcomes.xlsx")


@bp.route("/outcomes/<int:case_id>", methods=["GET", "POST"])
def outcome_edit(case_id: int) -> Any:
    """Record or correct the outcome of a case the police may see."""
    from core.cases.services import get_visible_case

    case_ = get_visible_case(current_user, case_id)
    if case_ is None:
        abort(404)
    if not access.can(current_user, "police.outcome.edit", case_):
        abort(403)
    outcome = service.outcome_of(case_.id)
    form = OutcomeForm(data={name: getattr(outcome, name) for name in (
        *service.OUTCOME_FIGURES, "notes")} | {"version": str(outcome.version)}
        if outcome is not None and request.method == "GET" else None)
    if form.validate_on_submit():
        done = submit(form, "notes", lambda: service.save_outcome(
            current_user, case_.id, service.OutcomeInput(
                **{name: getattr(form, name).data for name in service.OUTCOME_FIGURES},
                notes=form.notes.data or ""), _version(form)), conflict=_(
            "Someone else saved this outcome first; nothing was overwritten. Reload it."))
        if done.ok:
            flash(_("Outcome saved."), "success")
            return redirect(url_for("police.outcomes"))
        return render_template("police/outcome_form.html", form=form, case=case_,
                               outcome=outcome, **_labels()), done.status
    return render_template("police/outcome_form.html", form=form, case=case_, outcome=outcome,
                           **_labels()), 400 if form.errors else 200


# -------------------------------------------------------------------------- risk notices


def _notice_filters() -> service.RiskNoticeFilters:
    args = request.args
    state = args.get("state", "")
    return service.RiskNoticeFilters(
        state=state if state in (*NOTICE_STATES, "overdue") else "",
        direction=args.get("direction", "") if args.get("direction") in ("sent", "received")
        else "",
        target=args.get("target", ""), q=args.get("q", "").strip(),
        since=parse_day(args.get("since")), until=parse_day(args.get("until")))


@bp.route("/risk-notices")
def risk_notices() -> Any:
    """Risk notices (风险提示函) sent and received, overdue replies first."""
    filters = _notice_filters()
    page = paginate(service.risk_notice_query(current_user, filters), per_page=_per_page())
    return render_template(
        "police/risk_notices.html", page=page, filters=filters, now=utcnow(),
        departments=[d for d in active_departments() if d.kind == "department"],
        may_send=access.can(current_user, "police.risk_notice.send"), **_labels())


@bp.route("/risk-notices.xlsx")
def risk_notices_export() -> Any:
    """The filtered risk notices in Excel, with Chinese headers."""
    stmt = service.risk_notice_query(current_user, _notice_filters())
    now = utcnow()

    def rows() -> Iterator[list[Any]]:
        for n, r in enumerate(db.session.scalars(stmt.execution_options(yield_per=500)), 1):
            yield [n, r.number, r.subject, r.department.name_zh, r.target_department.name_zh,
                   r.sent_at, _due_day(r), r.reply_text, r.replied_at,
                   NOTICE_STATE_ZH[r.state], "是" if r.is_overdue(now) else "否"]

    return xlsx_response("风险提示函", NOTICE_HEADERS, rows(), "police-risk-notices.xlsx")


def _due_day(notice: RiskNotice) -> date:
    return local_day(notice.reply_due_at)


@bp.route("/risk-notices/new", methods=["GET", "POST"])
def risk_notice_new() -> Any:
    """Send a risk notice to a regulating department (police liaison or leader)."""
    if not access.can(current_user, "police.risk_notice.send"):
        abort(403)
    form = RiskNoticeForm()
    form.target.choices = _department_choices(exclude=current_user.department_id)
    if form.validate_on_submit():
        done = submit(form, "subject", lambda: service.send_risk_notice(
            current_user, service.RiskNoticeInput(
                target=form.target.data, subject=form.subject.data or "",
                content=form.content.data or "", reply_due_on=form.reply_due_on.data)))
        if done.ok:
            flash(_("Risk notice sent; the department was told."), "success")
            return redirect(url_for("police.risk_notice_detail", notice_id=done.value.id))
    return render_template("police/risk_notice_form.html", form=form,
                           default_days=service.setting("risk_notice_reply_working_days")), (
        400 if form.errors else 200)


def _notice(notice_id: int) -> RiskNotice:
    found = service.get_visible_risk_notice(current_user, notice_id)
    if found is None:
        abort(404)
    return found


def _render_notice(notice: RiskNotice, form: ReplyForm | None = None,
                   status: int = 200) -> Any:
    return render_template(
        "police/risk_notice_detail.html", notice=notice, now=utcnow(),
        form=form or ReplyForm(), due_day=_due_day(notice),
        may_reply=access.can(current_user, "police.risk_notice.reply", notice),
        serves=access.plugin_serves(current_user, NAME), **_labels()), status


@bp.route("/risk-notices/<int:notice_id>")
def risk_notice_detail(notice_id: int) -> Any:
    """A risk notice with its reply."""
    return _render_notice(_notice(notice_id))


@bp.route("/risk-notices/<int:notice_id>/reply", methods=["GET", "POST"])
@access.for_every_department
def risk_notice_reply(notice_id: int) -> Any:
    """The target department reads the notice and replies (liaison or leader)."""
    notice = _notice(notice_id)
    form = ReplyForm()
    if request.method == "GET":
        return _render_notice(notice, form)
    status = 400
    if form.validate_on_submit():
        done = submit(form, "reply_text", lambda: service.reply_risk_notice(
            current_user, notice, form.reply_text.data or ""), conflict=_(
            "This notice was replied to already; nothing was overwritten."))
        if done.ok:
            flash(_("Reply sent; the police were told."), "success")
            return redirect(url_for("police.risk_notice_reply", notice_id=notice_id))
        status = done.status
    return _render_notice(_notice(notice_id), form, status)


# ----------------------------------------------------------------------------- transfers


@bp.route("/transfers")
def transfers() -> Any:
    """Hand-overs to the police still to acknowledge, answer or confirm (``state=all``: all).

    They are acknowledged and answered on the core's case pages, which this list links to.
    """
    state = request.args.get("state", "open")
    state = state if state in ("open", "overdue", "all") else "open"
    page = paginate(service.transfers_received(current_user, "" if state == "all" else state),
                    per_page=_per_page())
    records = {r.case_id: r for r in db.session.scalars(
        service.criminal_case_query(current_user, service.CriminalCaseFilters()).where(
            CriminalCase.case_id.in_({t.case_id for t in page.items})))} if page.items else {}
    return render_template("police/transfers.html", page=page, state=state, now=utcnow(),
                           records=records, **_labels())
