"""Pages for special campaigns (专项行动): the list, creation from a template, a campaign's
page (phases, leadership group, office, tasks, late reports, clues), its ledger (台账) in
the document's grouped layout with each department's own form, the reports on the
campaign's rhythm, the results table (战果表) and the clues (tips and leads).

Views parse and render; the rules live in ``core.campaigns.services`` (access, ledger),
``reports``, ``results``, ``clues`` and ``ledger_xlsx``. A campaign the user may not see is
a 404 on every page; a step the user may not take is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from core.access import business_only, visible_cases
from core.app import current_locale, kernel
from core.campaigns import services as service
from core.campaigns.config import templates
from core.campaigns.forms import (
    CELL,
    ActionForm,
    CampaignForm,
    FeedbackForm,
    FooterForm,
    ImportForm,
    LeadClueForm,
    ReportForm,
    RowForm,
    TipClueForm,
    column_label,
    group_form,
    group_values,
)
from core.campaigns.layout import (
    core_label,
    display,
    group_title,
    header_cells,
    number_text,
)
from core.campaigns.models import (
    CAMPAIGN_STATES,
    Campaign,
    CampaignClue,
    CampaignReport,
    LedgerRow,
)
from core.config import ConfigError
from core.db import db, paginate, utcnow
from core.departments.services import department_id as department_id_of
from core.errors import InputError, StateConflict
from core.forms import select_choices, submit
from core.timeutil import local_day

bp = business_only(Blueprint("campaigns", __name__, url_prefix="/campaigns"))

#: Ledger rows per page (the document's sheet is long; 50 keeps a page readable).
LEDGER_PER_PAGE = 50
#: Leads offered in the "attach a lead" choice (the most recent the user sees).
LEAD_CHOICES = 200
#: How a cell of each kind sits in its column: figures right, 是/否 centred.
ALIGN = {"number": "text-end", "integer": "text-end", "boolean": "text-center", "text": ""}
CONFLICT = _l("Someone else changed this first; nothing was overwritten. Reload to see it.")


def labels() -> dict[str, Any]:
    """The words the campaign pages show for states, roles, report statuses and clues."""
    return {
        "campaign_states": {"active": _l("Under way"), "closed": _l("Closed")},
        "roles": {"leader": _l("Group leader"), "deputy": _l("Deputy group leader"),
                  "member": _l("Group member")},
        "report_kinds": {"progress": _l("Progress report"), "staged": _l("Staged report"),
                         "final": _l("Final summary and self-assessment")},
        "report_statuses": {"filed": _l("Filed"), "filed_late": _l("Filed late"),
                            "overdue": _l("Overdue"), "due": _l("Due soon"),
                            "upcoming": _l("Upcoming")},
        "report_badges": {"filed": "text-bg-success", "filed_late": "text-bg-warning",
                          "overdue": "text-bg-danger", "due": "text-bg-primary",
                          "upcoming": "text-bg-secondary"},
        "report_filters": {"due": _l("Due soon"), "overdue": _l("Overdue"),
                           "upcoming": _l("Upcoming"), "filed": _l("Filed"),
                           "late": _l("Late (filed late or overdue)")},
        "clue_kinds": {"tip": _l("Public tip"), "lead": _l("Department lead")},
        "feedback_states": {"awaiting": _l("Awaiting feedback"),
                            "answered": _l("Feedback given")},
        "source_states": {"received": _l("Received"), "handling": _l("Being handled"),
                          "open": _l("Being handled"), "closed": _l("Concluded")},
        "core_label": _core_label,
        "group_title": lambda group: group_title(group, current_locale()),
    }


def _core_label(key: str, layout: dict[str, Any] | None = None) -> str:
    """A core column's label, as the document has it (Chinese) or in English."""
    return core_label(key, layout, current_locale())


def phase_name(phase: Any) -> str:
    """A phase's name in the page's language."""
    return (phase.name_en if current_locale() == "en" and phase.name_en else phase.name_zh)


def _visible(campaign_id: int) -> Campaign:
    campaign = service.get_visible_campaign(current_user, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _today() -> date:
    return local_day(utcnow())


def _template_titles() -> dict[str, str]:
    """Template code -> title, for the list (a broken template folder shows codes)."""
    try:
        return {code: tpl.title for code, tpl in templates().items()}
    except ConfigError:
        return {}


# ------------------------------------------------------------------------------ list


@bp.get("/")
def index() -> Any:
    """The campaigns the user sees, newest first, with today's phase."""
    state = request.args.get("state", "")
    state = state if state in CAMPAIGN_STATES else ""
    stmt = service.campaign_query(current_user, state).options(selectinload(Campaign.phases))
    page = paginate(stmt, per_page=kernel().settings["ui"]["per_page"])
    return render_template("campaigns/index.html", page=page, state=state, today=_today(),
                           template_titles=_template_titles(), phase_name=phase_name,
                           may_create=service.may_create(current_user), **labels())


def _next_month_start() -> date:
    """The first day of next month, site time (the usual start of a campaign)."""
    return (_today() + relativedelta(months=1)).replace(day=1)


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    """Create a campaign from a template: phases, leadership group, office, report slots,
    ledger layout and phase tasks in one step."""
    if not service.may_create(current_user):
        abort(403)
    try:
        available = templates()
    except ConfigError as exc:
        flash(str(exc), "danger")
        available = {}
    form = CampaignForm()
    form.template.choices = select_choices((code, t.title) for code, t in available.items())
    if request.method == "GET":
        form.starts_on.data = _next_month_start()
    if form.validate_on_submit():
        tpl = available[form.template.data]
        given = service.CampaignInput(starts_on=form.starts_on.data,
                                      title=form.title.data or "",
                                      ledger_unit=form.ledger_unit.data or "")

        def make() -> Campaign:
            try:
                return service.create_from_template(current_user, tpl, given)
            except ConfigError as exc:  # a department or column set the file names is gone
                flash(str(exc), "danger")  # names the file and the key
                raise InputError.of(template=_l(
                    "This template cannot be used as it stands; see the message above.")
                ) from exc

        done = submit(form, "template", make)
        if done.ok:
            flash(_("Campaign created with its phases, reports, ledger and phase tasks."),
                  "success")
            return redirect(url_for("campaigns.detail", campaign_id=done.value.id))
    return render_template("campaigns/new.html", form=form, templates=available), (
        400 if form.errors else 200)


# ----------------------------------------------------------------------- campaign page


@bp.get("/<int:campaign_id>")
def detail(campaign_id: int) -> Any:
    """A campaign: phases (today's highlighted), basis, goals, scope, focus offences,
    leadership group, office, phase tasks, late reports and clue counts."""
    from core.campaigns import clues, reports

    campaign = _visible(campaign_id)
    now = utcnow()
    offences = {o["code"]: o for o in kernel().offence_types}
    return render_template(
        "campaigns/detail.html", campaign=campaign, now=now, today=local_day(now),
        current=campaign.current_phase(local_day(now)), offences=offences,
        tasks=service.phase_tasks(campaign), late=reports.late_board(campaign, now),
        clue_counts=clues.counts(current_user, campaign),
        may_manage=service.may_manage(current_user, campaign),
        close_form=ActionForm(prefix="close"), phase_name=phase_name, **labels())


@bp.post("/<int:campaign_id>/close")
def close(campaign_id: int) -> Any:
    """The campaign office closes the campaign (after the review)."""
    campaign = _visible(campaign_id)
    if not service.may_manage(current_user, campaign):
        abort(403)
    form = ActionForm(prefix="close")
    if form.validate_on_submit():
        try:
            service.close(current_user, campaign)
            db.session.commit()
            flash(_("Campaign closed: its ledger and reports are now read-only."), "success")
        except (StateConflict, StaleDataError):
            db.session.rollback()
            flash(_("The campaign was already closed."), "warning")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


# ------------------------------------------------------------------------------ ledger


def _columns(layout: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(g["key"], c) for g in layout.get("groups", []) for c in g["columns"]]


def cell_text(column: dict[str, Any], value: Any) -> str:
    """A cell as the page shows it: Yes/No in the page's language, plain numbers, text."""
    return display(column, value, _("Yes"), _("No"))


def live_rows(campaign: Campaign, rows: list[LedgerRow]) -> list[dict[str, Any]]:
    """Ledger rows as the table shows them (core columns, every group's cells in order)."""
    columns = _columns(campaign.ledger_layout)
    out = []
    for row in rows:
        values = row.values()
        out.append({"row": row, "number": row.number, "county": row.county,
                    "party": row.party, "location": row.location, "category": row.category,
                    "remarks": row.remarks, "case_id": row.case_id,
                    "phase": phase_name(row.phase) if row.phase else "",
                    "cells": [(cell_text(c, values.get((key, c["key"]))), ALIGN[c["kind"]])
                              for key, c in columns]})
    return out


def snapshot_rows(snapshot: dict[str, Any], phases: dict[str, str]) -> list[dict[str, Any]]:
    """A report's ledger snapshot (``services.snapshot``) as the table shows it (``phases``:
    phase key -> name)."""
    columns = _columns(snapshot.get("layout") or {})
    out = []
    for record in snapshot.get("rows", []):
        groups = record.get("groups") or {}
        out.append({"row": None, "number": record.get("number"),
                    "county": record.get("county", ""), "party": record.get("party", ""),
                    "location": record.get("location", ""),
                    "category": record.get("category", ""),
                    "remarks": record.get("remarks", ""), "case_id": record.get("case_id"),
                    "phase": phases.get(record.get("phase") or "", ""),
                    "cells": [(cell_text(c, (groups.get(key) or {}).get(c["key"])),
                               ALIGN[c["kind"]]) for key, c in columns]})
    return out


def _phase_choices(campaign: Campaign) -> list[Any]:
    return select_choices([("", _l("Today's phase")),
                           *((p.key, phase_name(p)) for p in campaign.phases)])


def _row_form(campaign: Campaign, posted: bool = False, **kwargs: Any) -> RowForm:
    form = RowForm(prefix="row", **({} if posted else {"formdata": None}), **kwargs)
    form.phase.choices = _phase_choices(campaign)
    form.category.label.text = _core_label("category", campaign.ledger_layout)
    return form


def _footer_form(campaign: Campaign, posted: bool = False) -> FooterForm:
    if posted:
        return FooterForm(prefix="footer")
    return FooterForm(prefix="footer", formdata=None, data={
        "unit": campaign.ledger_unit, "reviewer": campaign.ledger_reviewer,
        "filed_on": campaign.ledger_filed_on, "filed_by": campaign.ledger_filed_by})


def import_problems(error: Any) -> list[dict[str, str]]:
    """An import's refusals as the page lists them: cell (``H7``), its column, the message."""
    return [{"cell": ref, "column": label, "message": message}
            for ref, label, message in error.problems]


def _render_ledger(campaign: Campaign, status: int = 200, **context: Any) -> Any:
    user = current_user
    page = paginate(service.ledger_rows(campaign), per_page=LEDGER_PER_PAGE,
                    max_per_page=LEDGER_PER_PAGE)
    forms = {"row_form": _row_form(campaign), "footer_form": _footer_form(campaign),
             "import_form": ImportForm(prefix="import", formdata=None)}
    forms.update({k: v for k, v in context.items() if k.endswith("_form")})
    own = service.own_group(user, campaign)
    return render_template(
        "campaigns/ledger.html", campaign=campaign, page=page,
        rows=live_rows(campaign, list(page.items)),
        header=header_cells(campaign.ledger_layout, current_locale()),
        own=own, may_add=service.may_add_row(user, campaign),
        may_manage=service.may_manage(user, campaign),
        may_edit={r.id: service.may_edit_core(user, campaign, r) for r in page.items},
        problems=context.get("problems", []), **forms, **labels()), status


@bp.get("/<int:campaign_id>/ledger")
def ledger(campaign_id: int) -> Any:
    """The ledger in the document's layout, 50 rows a page, with the forms the user may
    use (add a row, the footer, Excel import)."""
    return _render_ledger(_visible(campaign_id))


@bp.post("/<int:campaign_id>/ledger")
def add_row(campaign_id: int) -> Any:
    """A department taking part adds a row (core columns, phase, linked case)."""
    campaign = _visible(campaign_id)
    if not service.may_add_row(current_user, campaign):
        abort(403)
    form = _row_form(campaign, posted=True)
    if form.validate_on_submit():
        done = submit(form, "party", lambda: service.add_row(current_user, campaign, {
            "county": form.county.data, "party": form.party.data,
            "location": form.location.data, "category": form.category.data,
            "remarks": form.remarks.data, "phase": form.phase.data or None,
            "case_id": form.case_id.data}), conflict=str(CONFLICT))
        if done.ok:
            flash(_("Row %(number)s added; fill in your department's figures.",
                    number=done.value.number), "success")
            return redirect(url_for("campaigns.ledger_row", campaign_id=campaign_id,
                                    row_id=done.value.id))
        return _render_ledger(_visible(campaign_id), done.status, row_form=form)
    return _render_ledger(campaign, 400, row_form=form)


@bp.post("/<int:campaign_id>/ledger/footer")
def footer(campaign_id: int) -> Any:
    """The campaign office keeps the footer (审核人, 填报时间, 填报人) and 填报单位."""
    campaign = _visible(campaign_id)
    if not service.may_manage(current_user, campaign):
        abort(403)
    form = _footer_form(campaign, posted=True)
    if form.validate_on_submit():
        done = submit(form, "unit", lambda: service.update_footer(
            current_user, campaign, form.reviewer.data or "", form.filed_on.data,
            form.filed_by.data or "", form.unit.data or ""), conflict=str(CONFLICT))
        if done.ok:
            flash(_("Ledger footer saved."), "success")
            return redirect(url_for("campaigns.ledger", campaign_id=campaign_id))
        return _render_ledger(_visible(campaign_id), done.status, footer_form=form)
    return _render_ledger(campaign, 400, footer_form=form)


@bp.get("/<int:campaign_id>/ledger.xlsx")
def ledger_xlsx(campaign_id: int) -> Any:
    """The ledger as the document's table in Excel (grouped header, units, footer)."""
    from core.campaigns.ledger_xlsx import ledger_response

    return ledger_response(_visible(campaign_id))


@bp.post("/<int:campaign_id>/ledger/import")
def import_ledger(campaign_id: int) -> Any:
    """Import a workbook of the ledger's layout: every cell is checked first; any error
    imports nothing and the page lists the cells."""
    from core.campaigns.ledger_xlsx import LedgerImportError, import_ledger as run_import

    campaign = _visible(campaign_id)
    if not service.may_add_row(current_user, campaign):
        abort(403)
    form = ImportForm(prefix="import")
    if not form.validate_on_submit():
        return _render_ledger(campaign, 400, import_form=form)
    try:
        result = run_import(current_user, campaign, form.file.data.stream)
    except PermissionError:
        db.session.rollback()
        abort(403)
    except LedgerImportError as exc:
        db.session.rollback()
        form.file.errors = [*form.file.errors, _("Nothing was imported: correct the cells "
                                                   "listed below and import again.")]
        return _render_ledger(_visible(campaign_id), 400, import_form=form,
                              problems=import_problems(exc))
    except InputError as exc:
        db.session.rollback()
        form.file.errors = [*form.file.errors, *(m for ms in exc.fields.values() for m in ms)]
        return _render_ledger(_visible(campaign_id), 400, import_form=form)
    except (StateConflict, StaleDataError):
        db.session.rollback()
        form.file.errors = [*form.file.errors, str(CONFLICT)]
        return _render_ledger(_visible(campaign_id), 409, import_form=form)
    db.session.commit()
    flash(_("Ledger imported: %(added)s rows added, %(changed)s changed, %(unchanged)s "
            "unchanged.", added=result.added, changed=result.changed,
            unchanged=result.unchanged), "success")
    return redirect(url_for("campaigns.ledger", campaign_id=campaign_id))


# -------------------------------------------------------------------------- ledger row


def _row(campaign: Campaign, row_id: int) -> LedgerRow:
    row = service.get_row(campaign, row_id)
    if row is None:
        abort(404)
    return row


def _core_form(campaign: Campaign, row: LedgerRow, posted: bool = False) -> RowForm:
    if posted:
        return _row_form(campaign, posted=True)
    return _row_form(campaign, data={
        "county": row.county, "party": row.party, "location": row.location,
        "category": row.category, "remarks": row.remarks,
        "phase": row.phase.key if row.phase else "", "case_id": row.case_id,
        "version": str(row.version)})


def _render_row(campaign: Campaign, row: LedgerRow, status: int = 200,
                **forms: Any) -> Any:
    user, locale = current_user, current_locale()
    own = service.own_group(user, campaign)
    values = row.values()
    context: dict[str, Any] = {"core_form": None, "group_form": None}
    if service.may_edit_core(user, campaign, row):
        context["core_form"] = _core_form(campaign, row)
    if own is not None:
        context["group_form"] = group_form(own, locale, {
            c["key"]: values.get((own["key"], c["key"])) for c in own["columns"]})
    context.update(forms)
    return render_template(
        "campaigns/row.html", campaign=campaign, row=row, own=own,
        groups=[(g, [(column_label(c, locale), cell_text(c, values.get((g["key"], c["key"]))))
                     for c in g["columns"]]) for g in campaign.groups],
        phase=phase_name(row.phase) if row.phase else "",
        delete_form=ActionForm(prefix="delete", formdata=None),
        may_delete=service.may_edit_core(user, campaign, row), **context,
        **labels()), status


@bp.get("/<int:campaign_id>/ledger/<int:row_id>")
def ledger_row(campaign_id: int, row_id: int) -> Any:
    """One row: every group's figures, and the forms the user may use on it."""
    campaign = _visible(campaign_id)
    return _render_row(campaign, _row(campaign, row_id))


def _row_step(campaign_id: int, row_id: int, form_name: str, form: FlaskForm,
              act: Callable[[Campaign, LedgerRow], Any], done: str, fallback: str) -> Any:
    """A posted step on a row, committed once; errors re-render the row's page."""
    campaign = _visible(campaign_id)
    row = _row(campaign, row_id)
    if form.validate_on_submit():
        outcome = submit(form, fallback, lambda: act(campaign, row), conflict=str(CONFLICT))
        if outcome.ok:
            flash(done, "success")
            return redirect(url_for("campaigns.ledger_row", campaign_id=campaign_id,
                                    row_id=row_id))
        campaign = _visible(campaign_id)
        return _render_row(campaign, _row(campaign, row_id), outcome.status,
                           **{form_name: form})
    return _render_row(campaign, row, 400, **{form_name: form})


@bp.post("/<int:campaign_id>/ledger/<int:row_id>/core")
def edit_core(campaign_id: int, row_id: int) -> Any:
    """The row's department or the campaign office corrects the core columns."""
    campaign = _visible(campaign_id)
    row = _row(campaign, row_id)
    if not service.may_edit_core(current_user, campaign, row):
        abort(403)
    form = _row_form(campaign, posted=True)

    def change(c: Campaign, r: LedgerRow) -> None:
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        data: dict[str, Any] = {"county": form.county.data or "", "party": form.party.data or "",
                                "location": form.location.data or "",
                                "category": form.category.data or "",
                                "remarks": form.remarks.data or "",
                                "case_id": form.case_id.data}
        if (form.phase.data or "") != (r.phase.key if r.phase else ""):
            data["phase"] = form.phase.data or None
        service.update_core(current_user, c, r, data, version=version)

    return _row_step(campaign_id, row_id, "core_form", form, change,
                     _("Row corrected."), "party")


@bp.post("/<int:campaign_id>/ledger/<int:row_id>/group/<group_key>")
def fill_group(campaign_id: int, row_id: int, group_key: str) -> Any:
    """A department fills its own column group on the row; any other group is 403."""
    campaign = _visible(campaign_id)
    _row(campaign, row_id)
    group = next((g for g in campaign.groups if g["key"] == group_key), None)
    if group is None:
        abort(404)
    if not service.may_edit_group(current_user, campaign, group_key):
        abort(403)
    form = group_form(group, current_locale(), posted=True)

    def fill(c: Campaign, r: LedgerRow) -> int:
        try:
            return service.set_group(current_user, c, r, group_key, group_values(form, group))
        except InputError as exc:  # the service names columns; the form's fields are cells
            raise InputError({CELL + k: v for k, v in exc.fields.items()}) from None

    return _row_step(campaign_id, row_id, "group_form", form, fill,
                     _("Your department's figures are saved."),
                     CELL + group["columns"][0]["key"])


@bp.post("/<int:campaign_id>/ledger/<int:row_id>/delete")
def delete_row(campaign_id: int, row_id: int) -> Any:
    """Remove a row entered by mistake (its department or the campaign office)."""
    campaign = _visible(campaign_id)
    row = _row(campaign, row_id)
    if not service.may_edit_core(current_user, campaign, row):
        abort(403)
    form = ActionForm(prefix="delete")
    if form.validate_on_submit():
        number = row.number
        try:
            service.delete_row(current_user, campaign, row)
            db.session.commit()
            flash(_("Row %(number)s deleted.", number=number), "success")
        except StaleDataError:  # deleted or changed by someone else meanwhile
            db.session.rollback()
            flash(str(CONFLICT), "warning")
    return redirect(url_for("campaigns.ledger", campaign_id=campaign_id))


# ----------------------------------------------------------------------------- reports


def _reporting_departments(campaign: Campaign) -> list[Any]:
    return sorted((p.department for p in campaign.participants if p.reports),
                  key=lambda d: d.id)


@bp.get("/<int:campaign_id>/reports")
def reports(campaign_id: int) -> Any:
    """Reports owed on the campaign's rhythm by deadline, with their status; the user's
    department's unfiled ones first."""
    from core.campaigns import reports as report_service

    campaign = _visible(campaign_id)
    now = utcnow()
    departments = _reporting_departments(campaign)
    code = request.args.get("department", "")
    chosen = next((d for d in departments if d.code == code), None)
    state = request.args.get("state", "")
    state = state if state in labels()["report_filters"] else ""
    stmt = report_service.report_query(current_user, campaign,
                                       chosen.id if chosen else None, state)
    page = paginate(stmt, per_page=kernel().settings["ui"]["per_page"])
    mine = []
    if any(d.id == current_user.department_id for d in departments):
        pending = db.session.scalars(report_service.report_query(
            current_user, campaign, current_user.department_id, "")
            .where(CampaignReport.filed_at.is_(None)).limit(10)).all()
        mine = [r for r in pending if report_service.status(r, now) in ("overdue", "due")
                and report_service.may_file(current_user, r)]
    return render_template(
        "campaigns/reports.html", campaign=campaign, page=page, now=now,
        departments=departments, department=chosen.code if chosen else "", state=state,
        status=lambda r: report_service.status(r, now), mine=mine, **labels())


def _report(campaign: Campaign, report_id: int) -> CampaignReport:
    from core.campaigns import reports as report_service

    report = report_service.get_report(current_user, campaign, report_id)
    if report is None:
        abort(404)
    return report


def _render_report(campaign: Campaign, report: CampaignReport, status: int = 200,
                   form: ReportForm | None = None) -> Any:
    from core.campaigns import reports as report_service

    now = utcnow()
    snapshot = report.snapshot or None
    layout = (snapshot or {}).get("layout") or campaign.ledger_layout
    return render_template(
        "campaigns/report.html", campaign=campaign, report=report, now=now,
        report_status=report_service.status(report, now),
        may_file=(report_service.may_file(current_user, report)
                  and report_service.may_correct(report, now)),
        form=form or ReportForm(formdata=None, content=report.content,
                                self_assessment=report.self_assessment,
                                version=str(report.version)), snapshot=snapshot,
        header=header_cells(layout, current_locale()),
        rows=snapshot_rows(snapshot, {p.key: phase_name(p) for p in campaign.phases})
        if snapshot else [], **labels()), status


@bp.get("/<int:campaign_id>/reports/<int:report_id>")
def report(campaign_id: int, report_id: int) -> Any:
    """A report: its text, and once filed the ledger as it stood then."""
    campaign = _visible(campaign_id)
    return _render_report(campaign, _report(campaign, report_id))


@bp.post("/<int:campaign_id>/reports/<int:report_id>")
def file_report(campaign_id: int, report_id: int) -> Any:
    """The department files the report; the ledger is snapshotted with it."""
    from core.campaigns import reports as report_service

    campaign = _visible(campaign_id)
    target = _report(campaign, report_id)
    if not report_service.may_file(current_user, target):
        abort(403)
    form = ReportForm()
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        done = submit(form, "content", lambda: report_service.file_report(
            current_user, target, form.content.data or "", form.self_assessment.data or "",
            version=version), conflict=str(CONFLICT))
        if done.ok:
            flash(_("Report filed with a snapshot of the ledger."), "success")
            return redirect(url_for("campaigns.report", campaign_id=campaign_id,
                                    report_id=report_id))
        campaign = _visible(campaign_id)
        return _render_report(campaign, _report(campaign, report_id), done.status, form)
    return _render_report(campaign, target, 400, form)


# ----------------------------------------------------------------------------- results


@bp.get("/<int:campaign_id>/results")
def results(campaign_id: int) -> Any:
    """The results table (战果表) from the ledger and cases, with its chart."""
    from core.campaigns import results as result_service

    campaign = _visible(campaign_id)
    table = result_service.results(campaign)
    return render_template("campaigns/results.html", campaign=campaign, results=table,
                           chart=result_service.chart_svg(table), figure=number_text,
                           **labels())


@bp.get("/<int:campaign_id>/results.xlsx")
def results_xlsx(campaign_id: int) -> Any:
    """The results table in Excel."""
    from core.campaigns.results import results_response

    return results_response(_visible(campaign_id))


# ------------------------------------------------------------------------------- clues


def _lead_choices(campaign: Campaign) -> list[Any]:
    """Leads the user may attach, not yet attached (the most recent first): any visible
    lead for the campaign office, else the user's department's own."""
    from core.campaigns.clues import may_attach
    from core.cases.models import Case

    attached = select(CampaignClue.case_id).where(CampaignClue.campaign_id == campaign.id,
                                                  CampaignClue.case_id.is_not(None))
    stmt = (select(Case.id, Case.title)
            .where(Case.kind == "lead", visible_cases(current_user), Case.id.not_in(attached))
            .order_by(Case.id.desc()).limit(LEAD_CHOICES))
    if not may_attach(current_user, campaign):
        stmt = stmt.where(Case.department_id == current_user.department_id)
    return [(case_id, f"#{case_id} {title}") for case_id, title in db.session.execute(stmt)]


def _department_choices(campaign: Campaign) -> list[Any]:
    locale = current_locale()
    return select_choices([("", _l("The department handling the tip")),
                           *((p.department.code, p.department.name(locale))
                             for p in sorted(campaign.participants,
                                             key=lambda p: p.department_id))])


def _tip_form(campaign: Campaign, posted: bool = False) -> TipClueForm:
    form = TipClueForm(prefix="tip", **({} if posted else {"formdata": None}))
    form.department.choices = _department_choices(campaign)
    return form


def _lead_form(campaign: Campaign, posted: bool = False) -> LeadClueForm:
    form = LeadClueForm(prefix="lead", **({} if posted else {"formdata": None}))
    form.case_id.choices = _lead_choices(campaign)
    return form


def _render_clues(campaign: Campaign, status: int = 200, **forms: Any) -> Any:
    from core.campaigns import clues as clue_service

    user = current_user
    state = request.args.get("state", "")
    state = state if state in clue_service.FEEDBACK_STATES else ""
    page = paginate(clue_service.clue_query(user, campaign, state),
                    per_page=kernel().settings["ui"]["per_page"])
    items = clue_service.with_sources(current_user, list(page.items))
    may_attach = clue_service.may_attach(user, campaign)
    may_attach_leads = may_attach or (campaign.state == "active"
                                      and service.takes_part(user, campaign))
    context: dict[str, Any] = {
        "tip_form": _tip_form(campaign) if may_attach else None,
        "lead_form": _lead_form(campaign) if may_attach_leads else None,
        "feedback_form": FeedbackForm(prefix="feedback", formdata=None),
        "feedback_for": None}
    context.update(forms)
    return render_template(
        "campaigns/clues.html", campaign=campaign, page=page, items=items, state=state,
        feedback_state=clue_service.feedback_state,
        counts=clue_service.counts(current_user, campaign),
        may_feed_back={c.id: clue_service.may_feed_back(user, c, campaign) for c in items},
        **context, **labels()), status


@bp.get("/<int:campaign_id>/clues")
def clues(campaign_id: int) -> Any:
    """Tips and leads attached to the campaign, each with its feedback state and the state
    of the tip or lead itself."""
    return _render_clues(_visible(campaign_id))


def _clue_step(campaign_id: int, form_name: str, form: FlaskForm,
               act: Callable[[Campaign], Any], done: str, fallback: str,
               **extra: Any) -> Any:
    """A posted step on the clues page, committed once; errors re-render the page."""
    campaign = _visible(campaign_id)
    if form.validate_on_submit():
        outcome = submit(form, fallback, lambda: act(campaign), conflict=str(CONFLICT))
        if outcome.ok:
            flash(done, "success")
            return redirect(url_for("campaigns.clues", campaign_id=campaign_id))
        return _render_clues(_visible(campaign_id), outcome.status, **{form_name: form},
                             **extra)
    return _render_clues(campaign, 400, **{form_name: form}, **extra)


@bp.post("/<int:campaign_id>/clues/tip")
def attach_tip(campaign_id: int) -> Any:
    """The campaign office attaches a public tip by its number, naming the department that
    must feed back (default: the tip's)."""
    from core.campaigns import clues as clue_service

    campaign = _visible(campaign_id)
    if not clue_service.may_attach(current_user, campaign):
        abort(403)
    form = _tip_form(campaign, posted=True)

    def attach(c: Campaign) -> Any:
        department_id = department_id_of(form.department.data) if form.department.data else None
        return clue_service.attach_tip(current_user, c, form.tip_id.data, department_id)

    return _clue_step(campaign_id, "tip_form", form, attach,
                      _("Tip attached; the department has been asked for feedback."),
                      "tip_id")


@bp.post("/<int:campaign_id>/clues/lead")
def attach_lead(campaign_id: int) -> Any:
    """Attach a lead: the campaign office any it sees, a department its own."""
    from core.campaigns import clues as clue_service

    campaign = _visible(campaign_id)
    form = _lead_form(campaign, posted=True)
    return _clue_step(campaign_id, "lead_form", form, lambda c: clue_service.attach_lead(
        current_user, c, form.case_id.data), _("Lead attached."), "case_id")


@bp.post("/<int:campaign_id>/clues/<int:clue_id>/feedback")
def clue_feedback(campaign_id: int, clue_id: int) -> Any:
    """The responsible department records (or updates) its feedback on a clue."""
    from core.campaigns import clues as clue_service

    campaign = _visible(campaign_id)
    clue = clue_service.get_clue(current_user, campaign, clue_id)
    if clue is None:
        abort(404)
    if not clue_service.may_feed_back(current_user, clue, campaign):
        abort(403)
    form = FeedbackForm(prefix="feedback")
    return _clue_step(campaign_id, "feedback_form", form, lambda c: clue_service.record_feedback(
        current_user, clue, form.text.data or ""), _("Feedback recorded."), "text",
        feedback_for=clue_id)
