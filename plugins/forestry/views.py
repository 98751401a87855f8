"""The forestry pages: the plugin's page, the permit registers (list, filters, export,
create, edit, detail) and forestry cases (details, technical support).

The core serves these pages only to the departments that switched the plugin on and to the
office (by blueprint owner, ``core.access.plugin_serves``); who may write is decided in
``services``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from core import access
from core.app import kernel
from core.attachments import storage
from core.cases import services as cases
from core.cases.models import CASE_STATES, Case
from core.cases.views import CASE_STATE_LABELS, offence_choices, offence_label
from core.db import db, paginate, utcnow
from core.exports import xlsx_response
from core.forms import select_choices, submit
from core.plugin_kit import plugin_vocabulary, served_departments
from core.timeutil import local_day, parse_day
from plugins.forestry import services
from plugins.forestry.forms import (
    CaseDetailsForm,
    ExpertForm,
    LandUseForm,
    PermitForm,
    ReportForm,
)
from plugins.forestry.models import ForestryCase, LandUsePermit, LoggingPermit

PLUGIN = services.PLUGIN
TITLE = _l("Forestry")
DUTIES = [
    _l("Logging permits (林木采伐许可证) issued and felling-area status"),
    _l("Forest-land use permits (使用林地许可)"),
    _l("Forest resource survey, monitoring and ownership registration"),
    _l("Mineral and forest resource protection, mine geological restoration"),
    _l("Administrative forest cases, technical experts and valuation reports for the police"),
]

bp = Blueprint(PLUGIN, __name__, url_prefix=f"/{PLUGIN}", template_folder="templates")

VALIDITY_LABELS = {"valid": _l("In force"), "expired": _l("Expired"),
                   "pending": _l("Not yet valid")}
REPORT_KIND_LABELS = {
    "species_identification": _l("Species identification"),
    "valuation": _l("Valuation"),
    "survey": _l("Site survey (inspection report)"),
    "land_damage": _l("Land survey and damage assessment"),
    "mineral_damage": _l("Mineral resource damage valuation"),
    "other": _l("Other technical report"),
}
#: 林木采伐许可证 register, as the offices keep it in Excel.
PERMIT_HEADERS = ["许可证编号", "持证人", "采伐地点", "树种", "采伐蓄积(立方米)", "采伐面积(亩)",
                  "有效期起", "有效期止", "发证日期"]
#: 使用林地审核同意书 register.
LAND_USE_HEADERS = ["审核同意书编号", "用地单位", "建设项目", "用地地点", "使用林地面积(亩)",
                    "用途", "审核同意日期", "有效期止"]
#: 林业行政案件 register (units: 立方米, 亩, 吨, 元).
CASE_HEADERS = ["序号", "案件名称", "违法类型", "办理部门", "立案时间", "地点",
                "林木蓄积(立方米)", "占用林地面积(亩)", "非法开采数量(吨)", "没收非法矿产品(吨)",
                "涉案价值(元)", "罚款金额(元)", "是否责令恢复原状", "恢复要求", "非法采矿是否取缔",
                "状态"]
CASE_STATE_ZH = {"open": "办理中", "closed": "已办结"}


def _today() -> Any:
    return local_day(utcnow())


def _per_page() -> int:
    return kernel().settings["ui"]["per_page"]


def _labels() -> dict[str, Any]:
    return {"validities": VALIDITY_LABELS, "report_kinds": REPORT_KIND_LABELS,
            "case_states": CASE_STATE_LABELS, "offence_label": offence_label,
            "may_issue": access.can(current_user, services.ISSUE_PERMIT)}


def _departments() -> list[Any]:
    return served_departments(PLUGIN)


@bp.route("/")
def index() -> Any:
    """The plugin's page: the registers with today's counts, duties, departments served."""
    return render_template("forestry/index.html", title=TITLE, duties=DUTIES,
                           departments=_departments(),
                           counts=services.register_counts(current_user),
                           **plugin_vocabulary(PLUGIN), **_labels())


def _one_of(value: str | None, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else ""


# ----------------------------------------------------------------- logging permits


def _permit_filters() -> services.PermitFilters:
    args = request.args
    return services.PermitFilters(
        q=args.get("q", "").strip()[:100], department=args.get("department", ""),
        validity=_one_of(args.get("validity"), services.VALIDITIES),
        since=parse_day(args.get("since")), until=parse_day(args.get("until")))


@bp.route("/permits/")
def permits() -> Any:
    """Logging permits (林木采伐许可证), filtered and paginated, with the totals."""
    filters = _permit_filters()
    stmt = services.permit_query(filters)
    return render_template("forestry/permits.html", page=paginate(stmt, _per_page()),
                           totals=services.permit_totals(stmt), filters=filters,
                           today=_today(), departments=_departments(), **_labels())


@bp.route("/permits.xlsx")
def permits_export() -> Any:
    """The filtered permits in Excel, with the register's Chinese headers."""
    stmt = services.permit_query(_permit_filters())

    def rows() -> Any:
        for p in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield [p.number, p.holder, p.place_name, p.species, p.volume_m3, p.area_mu,
                   p.valid_from, p.valid_until, p.issued_on]

    return xlsx_response("林木采伐许可证", PERMIT_HEADERS, rows(), "logging-permits.xlsx")


def _permit(permit_id: int) -> LoggingPermit:
    found = services.get_permit(permit_id)
    if found is None:
        abort(404)
    return found


@bp.route("/permits/<int:permit_id>")
def permit_detail(permit_id: int) -> Any:
    """One logging permit."""
    permit = _permit(permit_id)
    return render_template("forestry/permit_detail.html", permit=permit, today=_today(),
                           may_edit=access.can(current_user, services.EDIT_PERMIT, permit),
                           **_labels())


def _save(form: FlaskForm, template: str, action: Callable[[], Any], done: str,
          endpoint: str, key: str, **context: Any) -> Any:
    """Run ``action`` for a posted, valid ``form`` (one commit; refusals on the fields, a
    stale version as 409) and redirect to the saved object; else render ``template``."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            outcome = submit(form, "number", action, conflict=_(
                "Someone else saved this permit in the meantime; nothing was overwritten. "
                "Reload to see their version."))
            if outcome.ok:
                flash(done, "success")
                return redirect(url_for(endpoint, **{key: outcome.value.id}))
            status = outcome.status
    return render_template(template, form=form, **context), status


def _version(form: Any) -> int | None:
    try:
        return int(form.version.data) if form.version.data else None
    except ValueError:
        return -1  # a forged version is stale


@bp.route("/permits/new", methods=["GET", "POST"])
def permit_new() -> Any:
    """Register a logging permit (the departments the plugin serves)."""
    if not access.can(current_user, services.ISSUE_PERMIT):
        abort(403)
    form = PermitForm()
    return _save(form, "forestry/permit_form.html",
                 lambda: services.issue_permit(current_user, form.to_input()),
                 _("Logging permit registered."), "forestry.permit_detail", "permit_id",
                 permit=None)


@bp.route("/permits/<int:permit_id>/edit", methods=["GET", "POST"])
def permit_edit(permit_id: int) -> Any:
    """Correct a logging permit of one's own department (optimistic: 409 when stale)."""
    permit = _permit(permit_id)
    if not access.can(current_user, services.EDIT_PERMIT, permit):
        abort(403)
    form = PermitForm(obj=permit) if request.method == "GET" else PermitForm()
    if request.method == "GET":
        form.version.data = str(permit.version)
    return _save(form, "forestry/permit_form.html",
                 lambda: services.update_permit(current_user, permit, form.to_input(),
                                                _version(form)),
                 _("Logging permit saved."), "forestry.permit_detail", "permit_id",
                 permit=permit)


# ---------------------------------------------------------- forest-land use permits


def _land_use_filters() -> services.LandUseFilters:
    args = request.args
    return services.LandUseFilters(
        q=args.get("q", "").strip()[:100], department=args.get("department", ""),
        validity=_one_of(args.get("validity"), ("valid", "expired")),
        since=parse_day(args.get("since")), until=parse_day(args.get("until")))


@bp.route("/land-use/")
def land_use() -> Any:
    """Forest-land use permits (使用林地审核同意书), filtered and paginated."""
    filters = _land_use_filters()
    stmt = services.land_use_query(filters)
    return render_template("forestry/land_use.html", page=paginate(stmt, _per_page()),
                           totals=services.land_use_totals(stmt), filters=filters,
                           today=_today(), departments=_departments(), **_labels())


@bp.route("/land-use.xlsx")
def land_use_export() -> Any:
    """The filtered land-use permits in Excel."""
    stmt = services.land_use_query(_land_use_filters())

    def rows() -> Any:
        for p in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield [p.number, p.holder, p.project, p.place_name, p.area_mu, p.purpose,
                   p.approved_on, p.valid_until]

    return xlsx_response("使用林地审核同意书", LAND_USE_HEADERS, rows(), "land-use-permits.xlsx")


def _land_use(permit_id: int) -> LandUsePermit:
    found = services.get_land_use(permit_id)
    if found is None:
        abort(404)
    return found


@bp.route("/land-use/<int:permit_id>")
def land_use_detail(permit_id: int) -> Any:
    """One forest-land use permit."""
    permit = _land_use(permit_id)
    return render_template("forestry/land_use_detail.html", permit=permit, today=_today(),
                           may_edit=access.can(current_user, services.EDIT_PERMIT, permit),
                           **_labels())


@bp.route("/land-use/new", methods=["GET", "POST"])
def land_use_new() -> Any:
    """Register a forest-land use permit."""
    if not access.can(current_user, services.ISSUE_PERMIT):
        abort(403)
    form = LandUseForm()
    return _save(form, "forestry/land_use_form.html",
                 lambda: services.approve_land_use(current_user, form.to_input()),
                 _("Forest-land use permit registered."), "forestry.land_use_detail",
                 "permit_id", permit=None)


@bp.route("/land-use/<int:permit_id>/edit", methods=["GET", "POST"])
def land_use_edit(permit_id: int) -> Any:
    """Correct a forest-land use permit of one's own department."""
    permit = _land_use(permit_id)
    if not access.can(current_user, services.EDIT_PERMIT, permit):
        abort(403)
    form = LandUseForm(obj=permit) if request.method == "GET" else LandUseForm()
    if request.method == "GET":
        form.version.data = str(permit.version)
    return _save(form, "forestry/land_use_form.html",
                 lambda: services.update_land_use(current_user, permit, form.to_input(),
                                                  _version(form)),
                 _("Forest-land use permit saved."), "forestry.land_use_detail", "permit_id",
                 permit=permit)


# ------------------------------------------------------------------------- cases


def _forestry_offences() -> list[tuple[str, str]]:
    codes = set(services.forestry_offence_codes())
    return [(code, label) for code, label in offence_choices() if code in codes]


def _case_filters() -> services.CaseFilters:
    args = request.args
    return services.CaseFilters(
        q=args.get("q", "").strip()[:100],
        offence_type=args.get("offence_type", ""),
        state=_one_of(args.get("state"), CASE_STATES),
        returned=args.get("returned") == "1",
        since=parse_day(args.get("since")), until=parse_day(args.get("until")))


@bp.route("/cases/")
def case_list() -> Any:
    """Forest and mining cases the user may see, with their details and the totals."""
    filters = _case_filters()
    stmt = services.case_query(current_user, filters)
    page = paginate(stmt, _per_page())
    return render_template(
        "forestry/cases.html", page=page, filters=filters, offences=_forestry_offences(),
        details=services.details_by_case([c.id for c in page.items]),
        totals=services.case_totals(stmt),
        may_open=current_user.department.kind in ("office", "department"), **_labels())


@bp.route("/cases.xlsx")
def case_export() -> Any:
    """The filtered forestry cases in Excel, with the quantities and their units."""
    stmt = services.case_query(current_user, _case_filters())
    offences = {o["code"]: o["name_zh"] for o in kernel().offence_types}

    def rows() -> Any:
        with_details = stmt.add_columns(ForestryCase).execution_options(yield_per=500)
        for n, (c, d) in enumerate(db.session.execute(with_details), 1):
            yield [n, c.title, offences.get(c.offence_type, c.offence_type),
                   c.department.name_zh, c.created_at, c.place_name,
                   *(getattr(d, name) if d else None for name in services.QUANTITIES),
                   _yes_no(d.restoration_ordered) if d else "",
                   d.restoration_text if d else "",
                   _yes_no(d.mining_banned) if d else "",
                   CASE_STATE_ZH.get(c.state, c.state)]

    return xlsx_response("林业行政案件", CASE_HEADERS, rows(), "forestry-cases.xlsx")


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _case(case_id: int) -> Case:
    found = cases.get_visible_case(current_user, case_id)
    if found is None:
        abort(404)
    return found


def _report_form(case_id: int) -> ReportForm:
    form = ReportForm(prefix="report")
    form.kind.choices = select_choices(REPORT_KIND_LABELS.items())
    form.expert_id.choices = select_choices(
        [("", "—")] + [(str(e.id), f"{e.name}（{e.organisation}）")
                       for e in services.experts_of(case_id)])
    return form


def _details_form(details: Any) -> CaseDetailsForm:
    # From the stored details only: another form's POST must not reset the check boxes.
    form = CaseDetailsForm(prefix="details", formdata=None, obj=details)
    if details is not None:
        form.version.data = str(details.version)
    return form


def _render_case(case_: Case, status: int = 200, **forms: Any) -> Any:
    details = services.details_of(case_.id)
    reports = services.reports_of(case_.id)
    context = {"details_form": None, "expert_form": ExpertForm(prefix="expert"),
               "report_form": _report_form(case_.id)}
    if access.can(current_user, services.RECORD_CASE, case_):
        context["details_form"] = _details_form(details)
    context.update(forms)
    return render_template(
        "forestry/case_detail.html", case=case_, details=details,
        is_forestry=case_.offence_type in services.forestry_offence_codes(),
        experts=services.experts_of(case_.id), reports=reports,
        files=storage.attachments_of(services.REPORT_OWNER, [r.id for r in reports]),
        may_support=access.can(current_user, services.SUPPORT_CASE, case_),
        may_hand_over=(access.may_handle_case(current_user, case_)
                       and current_user.role in cases.ACTING_ROLES),
        **context, **_labels()), status


def _case_step(case_id: int, name: str, form: FlaskForm, act: Callable[[Case], Any],
               done: str, fallback: str) -> Any:
    case_ = _case(case_id)
    status = 400
    if form.validate_on_submit():
        outcome = submit(form, fallback, lambda: act(case_), conflict=_(
            "Someone else saved these details in the meantime; nothing was overwritten. "
            "Reload to see their version."))
        if outcome.ok:
            flash(done, "success")
            return redirect(url_for("forestry.case_detail", case_id=case_id))
        status = outcome.status
    return _render_case(_case(case_id), status, **{name: form})


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
def case_detail(case_id: int) -> Any:
    """A core case's administrative details (quantities, fine, restoration), recorded by
    the department handling it, and its technical support."""
    if request.method == "GET":
        return _render_case(_case(case_id))
    if not access.can(current_user, services.RECORD_CASE, _case(case_id)):
        abort(403)
    form = CaseDetailsForm(prefix="details")
    return _case_step(case_id, "details_form", form,
                      lambda c: services.record_case_details(current_user, c, form.to_input(),
                                                             _version(form)),
                      _("Case details saved."), "notes")


@bp.route("/cases/<int:case_id>/experts", methods=["POST"])
def case_expert(case_id: int) -> Any:
    """Appoint an expert to survey the case."""
    form = ExpertForm(prefix="expert")
    return _case_step(case_id, "expert_form", form,
                      lambda c: services.appoint_expert(current_user, c, services.ExpertInput(
                          name=form.name.data or "", organisation=form.organisation.data or "",
                          qualification=form.qualification.data or "",
                          appointed_on=form.appointed_on.data, task=form.task.data or "")),
                      _("Expert appointed."), "name")


@bp.route("/cases/<int:case_id>/reports", methods=["POST"])
def case_report(case_id: int) -> Any:
    """Attach a technical report (species identification, valuation...) with its files."""
    form = _report_form(case_id)

    def add(case_: Case) -> Any:
        expert = form.expert_id.data
        return services.add_report(current_user, case_, services.ReportInput(
            kind=form.kind.data, title=form.title.data or "", issued_on=form.issued_on.data,
            expert_id=int(expert) if expert and expert.isdigit() else None,
            conclusion=form.conclusion.data or "",
            files=storage.uploads_from(form.photos.data)))

    return _case_step(case_id, "report_form", form, add, _("Report attached."), "title")


@bp.route("/cases/<int:case_id>/reports/<int:report_id>/files/<int:attachment_id>")
def report_download(case_id: int, report_id: int, attachment_id: int) -> Any:
    """A report's file; the case's visibility is checked on every request."""
    attachment = services.report_file(_case(case_id).id, report_id, attachment_id)
    if attachment is None:
        abort(404)
    return storage.send(attachment)
