"""``/api/v1/campaigns``: special campaigns, their ledger (group-scoped), reports, results and
clues.

The rules live in ``core.campaigns.services`` (and ``reports``, ``results``, ``clues``,
``ledger_xlsx``); refusals answer 403, bad input 422 with ``error.fields`` (a ledger import
names the cells, e.g. ``"H7"``), a stale version 409. Departments appear as their codes;
ledger groups are keyed by their department's code.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.access import business_only
from core.api import (
    ID_RANGE,
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act,
    found,
    invalid,
    page,
)
from core.campaigns import services as service
from core.campaigns.config import template, templates
from core.campaigns.models import (
    CAMPAIGN_STATES,
    CLUE_KINDS,
    LEADERSHIP_ROLES,
    REPORT_KINDS,
    Campaign,
    CampaignReport,
)
from core.config import ConfigError
from core.db import db, utcnow
from core.departments.services import department_id as department_id_of
from core.timeutil import local_day

blp = business_only(Blueprint("api_campaigns", __name__, url_prefix="/api/v1",
                              description="Special campaigns: phases, ledger, reports, results"))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _campaign(campaign_id: int) -> Campaign:
    return found(service.get_visible_campaign(current_user, campaign_id))


# --------------------------------------------------------------------------- schemas


class CampaignPhaseSchema(Schema):
    key = fields.String(dump_only=True)
    name_zh = fields.String(dump_only=True)
    name_en = fields.String(dump_only=True)
    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True)
    description = fields.String(dump_only=True)


class CampaignLeaderSchema(Schema):
    role = fields.String(dump_only=True, metadata={"enum": list(LEADERSHIP_ROLES)})
    name = fields.String(dump_only=True)
    post = fields.String(dump_only=True)
    department = fields.Function(lambda m: m.department.code, dump_only=True)


def _current_phase(campaign: Campaign) -> str | None:
    phase = campaign.current_phase(local_day(utcnow()))
    return phase.key if phase else None


class CampaignSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    template = fields.String(dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": list(CAMPAIGN_STATES)})
    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True)
    current_phase = fields.Function(_current_phase, dump_only=True,
                                    metadata={"description": "the key of today's phase"})
    office_department = fields.Function(lambda c: c.office_department.code, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class CampaignDetailSchema(CampaignSchema):
    legal_basis = fields.Function(lambda c: [line for line in c.legal_basis.splitlines()
                                             if line.strip()], dump_only=True)
    goals = fields.String(dump_only=True)
    scope = fields.String(dump_only=True)
    focus_offence_types = fields.List(fields.String(), dump_only=True)
    phases = fields.List(fields.Nested(CampaignPhaseSchema), dump_only=True)
    leadership = fields.List(fields.Nested(CampaignLeaderSchema), attribute="leaders",
                             dump_only=True)
    office = fields.Function(lambda c: {
        "department": c.office_department.code, "location": c.office_location,
        "director": c.office_director, "deputy": c.office_deputy, "staff": c.office_staff},
        dump_only=True)
    departments = fields.Function(lambda c: [
        {"department": p.department.code, "reports": p.reports} for p in c.participants],
        dump_only=True)
    rhythm = fields.Dict(dump_only=True, metadata={
        "description": "days of the month progress reports are due, the time, staged and "
                       "final reports"})
    ledger_layout = fields.Dict(dump_only=True, metadata={
        "description": "title, units, category label, and the column groups (key = the "
                       "department's code) with their columns"})
    ledger_footer = fields.Function(lambda c: {
        "unit": c.ledger_unit, "reviewer": c.ledger_reviewer,
        "filed_on": c.ledger_filed_on.isoformat() if c.ledger_filed_on else None,
        "filed_by": c.ledger_filed_by}, dump_only=True)


class CampaignTemplateSchema(Schema):
    code = fields.String(dump_only=True)
    title = fields.Function(lambda t: t.data["title"], dump_only=True)
    starts_on = fields.Function(lambda t: t.data["starts_on"].isoformat(), dump_only=True)
    phases = fields.Function(lambda t: [
        {"key": p["key"], "name_zh": p["name_zh"], "starts_on": p["starts_on"].isoformat(),
         "ends_on": p["ends_on"].isoformat()} for p in t.data["phase"]], dump_only=True)


class CampaignArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(("", *CAMPAIGN_STATES)))


class CampaignInputSchema(Schema):
    template = fields.String(required=True, validate=validate.Length(max=40), metadata={
        "description": "a template code from GET /campaigns/templates (mining, wildlife)"})
    starts_on = fields.Date(load_default=None, metadata={
        "description": "the first day (default: the template document's own start); phases, "
                       "report dates and tasks move with it"})
    title = fields.String(load_default="", validate=validate.Length(max=200))
    ledger_unit = fields.String(load_default="", validate=validate.Length(max=200),
                                metadata={"description": "填报单位 on the ledger"})


class LedgerFooterSchema(Schema):
    reviewer = fields.String(load_default="", validate=validate.Length(max=100))
    filed_on = fields.Date(load_default=None, allow_none=True)
    filed_by = fields.String(load_default="", validate=validate.Length(max=100))
    unit = fields.String(load_default="", validate=validate.Length(max=200))


class CampaignLedgerRowSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True, metadata={"description": "序号"})
    county = fields.String(dump_only=True)
    party = fields.String(dump_only=True, metadata={"description": "company or person"})
    location = fields.String(dump_only=True)
    category = fields.String(dump_only=True)
    remarks = fields.String(dump_only=True)
    phase = fields.String(dump_only=True, allow_none=True)
    case_id = fields.Integer(dump_only=True, allow_none=True)
    department = fields.String(dump_only=True, metadata={"description": "who entered it"})
    version = fields.Integer(dump_only=True)
    groups = fields.Dict(dump_only=True, metadata={
        "description": "group key (department code) -> column key -> value (null: empty)"})


_GROUPS = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict,
                      metadata={"description": "group key -> column key -> value; only your "
                                               "department's group (403 otherwise)"})


class CampaignLedgerRowInputSchema(Schema):
    county = fields.String(load_default="", validate=validate.Length(max=100))
    party = fields.String(required=True, validate=validate.Length(max=200))
    location = fields.String(load_default="", validate=validate.Length(max=200))
    category = fields.String(load_default="", validate=validate.Length(max=100))
    remarks = fields.String(load_default="", validate=validate.Length(max=5000))
    phase = fields.String(load_default=None, allow_none=True,
                          metadata={"description": "a phase key (default: today's phase)"})
    case_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    groups = _GROUPS


class CampaignLedgerRowPatchSchema(Schema):
    county = fields.String(validate=validate.Length(max=100))
    party = fields.String(validate=validate.Length(max=200))
    location = fields.String(validate=validate.Length(max=200))
    category = fields.String(validate=validate.Length(max=100))
    remarks = fields.String(validate=validate.Length(max=5000))
    phase = fields.String(allow_none=True)
    case_id = fields.Integer(allow_none=True, validate=ID_RANGE)
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "the row's version you read (409 when "
                                                      "it changed since)"})
    groups = _GROUPS


class LedgerImportResultSchema(Schema):
    added = fields.Integer(dump_only=True)
    changed = fields.Integer(dump_only=True)
    unchanged = fields.Integer(dump_only=True)


class CampaignReportSchema(Schema):
    id = fields.Integer(dump_only=True)
    department = fields.Function(lambda r: r.department.code, dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(REPORT_KINDS)})
    title = fields.String(dump_only=True)
    due_at = fields.DateTime(dump_only=True)
    filed_at = fields.DateTime(dump_only=True, allow_none=True)
    filed_by = fields.Function(lambda r: r.filed_by.username if r.filed_by else None,
                               dump_only=True)
    status = fields.Function(lambda r: _report_status(r), dump_only=True, metadata={
        "enum": ["filed", "filed_late", "overdue", "due", "upcoming"]})
    late = fields.Function(lambda r: r.is_late(utcnow()), dump_only=True)
    content = fields.String(dump_only=True)
    self_assessment = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)


class CampaignReportDetailSchema(CampaignReportSchema):
    snapshot = fields.Dict(dump_only=True, allow_none=True, metadata={
        "description": "the ledger as it stood when the report was filed"})


def _report_status(report: CampaignReport) -> str:
    from core.campaigns.reports import status

    return status(report, utcnow())


class CampaignReportArgs(PageArgs):
    department = fields.String(load_default="")
    state = fields.String(load_default="", validate=validate.OneOf(
        ("", "due", "filed", "late", "overdue", "upcoming")))


class CampaignReportInputSchema(Schema):
    content = fields.String(required=True, validate=validate.Length(max=50_000))
    self_assessment = fields.String(load_default="", validate=validate.Length(max=50_000),
                                    metadata={"description": "required for the final report"})


def _source(clue: Any) -> dict[str, Any] | None:
    source = getattr(clue, "source", None)
    return source and {"kind": source.kind, "id": source.id, "summary": source.summary,
                       "state": source.state}


class CampaignClueSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(CLUE_KINDS)})
    tip_id = fields.Integer(dump_only=True, allow_none=True)
    case_id = fields.Integer(dump_only=True, allow_none=True)
    department = fields.Function(lambda c: c.department.code, dump_only=True)
    feedback_state = fields.Function(lambda c: _feedback_state(c), dump_only=True,
                                     metadata={"enum": ["awaiting", "answered"]})
    feedback = fields.String(dump_only=True)
    feedback_at = fields.DateTime(dump_only=True, allow_none=True)
    attached_at = fields.DateTime(dump_only=True)
    source = fields.Function(_source, dump_only=True, metadata={
        "description": "the tip or lead with its own state (a tip's text and contact are "
                       "never shown here)"})


def _feedback_state(clue: Any) -> str:
    from core.campaigns.clues import feedback_state

    return feedback_state(clue)


class CampaignResultsSchema(Schema):
    campaign_id = fields.Integer(dump_only=True)
    computed_at = fields.String(dump_only=True)
    rows = fields.Integer(dump_only=True, metadata={"description": "ledger rows"})
    category_label_zh = fields.String(dump_only=True)
    category_label_en = fields.String(dump_only=True)
    columns = fields.List(fields.Dict(), dump_only=True, metadata={
        "description": "every summed column: group, key, labels, kind, unit"})
    totals = fields.Dict(dump_only=True, metadata={
        "description": "group key -> column key -> total (yes/no columns count 是)"})
    by_department = fields.List(fields.Dict(), dump_only=True)
    by_category = fields.List(fields.Dict(), dump_only=True)
    by_phase = fields.List(fields.Dict(), dump_only=True)
    cases = fields.Dict(dump_only=True, metadata={
        "description": "rows linked to a case; cases of the focus offence types opened "
                       "during the campaign, by department"})


class CampaignClueArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(("", "awaiting",
                                                                    "answered")))


class CampaignClueInputSchema(Schema):
    tip_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    case_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE,
                             metadata={"description": "a lead (a case of kind lead)"})
    department = fields.String(load_default="", metadata={
        "description": "who must feed back on a tip (default: the tip's department)"})


class ClueFeedbackSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=20_000))


# -------------------------------------------------------------------------- campaigns


@blp.route("/campaigns")
@blp.arguments(CampaignArgs, location="query")
@blp.response(200, CampaignSchema(many=True), headers=TOTAL_HEADER)
def list_campaigns(args: dict[str, Any]) -> Any:
    """Campaigns you may see (the office: all; a department: those it takes part in)."""
    return page(service.campaign_query(current_user, args["state"]), args)


@blp.route("/campaigns/templates")
@blp.response(200, CampaignTemplateSchema(many=True))
def list_templates() -> Any:
    """The campaign templates in ``config/campaigns/``."""
    try:
        return list(templates().values())
    except ConfigError as exc:
        invalid({"template": [str(exc)]})


@blp.route("/campaigns", methods=["POST"])
@blp.arguments(CampaignInputSchema)
@blp.response(201, CampaignDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_campaign(data: dict[str, Any]) -> Any:
    """Create a campaign from a template (the office, or a department's leader): phases,
    leadership group, office, report slots, ledger layout and phase tasks in one step."""
    try:
        tpl = template(data["template"])
    except ConfigError as exc:
        invalid({"template": [str(exc)]})
    if tpl is None:
        invalid({"template": [_("No such template.")]})
    starts_on: date = data["starts_on"] or tpl.data["starts_on"]
    given = service.CampaignInput(starts_on=starts_on, title=data["title"],
                                  ledger_unit=data["ledger_unit"])
    try:
        return act(lambda user: service.create_from_template(user, tpl, given))
    except ConfigError as exc:
        db.session.rollback()
        invalid({"template": [str(exc)]})


@blp.route("/campaigns/<int:campaign_id>")
@blp.response(200, CampaignDetailSchema)
def get_campaign(campaign_id: int) -> Any:
    """One campaign with its phases, leadership group, office, rhythm and ledger layout."""
    return _campaign(campaign_id)


@blp.route("/campaigns/<int:campaign_id>/footer", methods=["PUT"])
@blp.arguments(LedgerFooterSchema)
@blp.response(200, CampaignDetailSchema)
def put_footer(data: dict[str, Any], campaign_id: int) -> Any:
    """The ledger's footer (审核人, 填报时间, 填报人) and 填报单位 (the campaign office)."""
    campaign = _campaign(campaign_id)
    act(service.update_footer, campaign, data["reviewer"], data["filed_on"],
        data["filed_by"], data["unit"])
    return campaign


@blp.route("/campaigns/<int:campaign_id>/close", methods=["POST"])
@blp.response(200, CampaignDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
def close_campaign(campaign_id: int) -> Any:
    """Close the campaign (the campaign office): its ledger and reports become read-only."""
    campaign = _campaign(campaign_id)
    act(service.close, campaign)
    return campaign


# ----------------------------------------------------------------------------- ledger


def _row(campaign: Campaign, row_id: int) -> Any:
    return found(service.get_row(campaign, row_id))


def _write_groups(user: Any, campaign: Campaign, row: Any, groups: dict[str, Any]) -> None:
    problems: dict[str, list[str]] = {}
    for key, values in groups.items():
        if not any(g["key"] == key for g in campaign.groups):
            problems[f"groups.{key}"] = [_("No such column group.")]
            continue
        try:
            service.set_group(user, campaign, row, key, values)
        except service.InputError as exc:
            problems.update({f"groups.{key}.{k}": v for k, v in exc.fields.items()})
    if problems:
        raise service.InputError(problems)


@blp.route("/campaigns/<int:campaign_id>/ledger")
@blp.arguments(PageArgs, location="query")
@blp.response(200, CampaignLedgerRowSchema(many=True), headers=TOTAL_HEADER)
def list_ledger(args: dict[str, Any], campaign_id: int) -> Any:
    """The ledger's rows in 序号 order, every department's group included."""
    campaign = _campaign(campaign_id)
    return page(service.ledger_rows(campaign), args,
                lambda rows: [service.row_record(r, campaign) for r in rows])


@blp.route("/campaigns/<int:campaign_id>/ledger", methods=["POST"])
@blp.arguments(CampaignLedgerRowInputSchema)
@blp.response(201, CampaignLedgerRowSchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_ledger_row(data: dict[str, Any], campaign_id: int) -> Any:
    """Add a row (a department taking part); ``groups`` may fill your own group at once."""
    campaign = _campaign(campaign_id)
    groups = data.pop("groups")

    def add(user: Any) -> Any:
        row = service.add_row(user, campaign, data)
        _write_groups(user, campaign, row, groups)
        return row

    row = act(add)
    return service.row_record(row, campaign)


@blp.route("/campaigns/<int:campaign_id>/ledger/<int:row_id>")
@blp.response(200, CampaignLedgerRowSchema)
def get_ledger_row(campaign_id: int, row_id: int) -> Any:
    campaign = _campaign(campaign_id)
    return service.row_record(_row(campaign, row_id), campaign)


@blp.route("/campaigns/<int:campaign_id>/ledger/<int:row_id>", methods=["PATCH"])
@blp.arguments(CampaignLedgerRowPatchSchema)
@blp.response(200, CampaignLedgerRowSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def patch_ledger_row(data: dict[str, Any], campaign_id: int, row_id: int) -> Any:
    """Change core columns (the row's department or the campaign office) and/or your own
    department's group; another department's group answers 403."""
    campaign = _campaign(campaign_id)
    row = _row(campaign, row_id)
    groups = data.pop("groups")
    version = data.pop("version")

    def patch(user: Any) -> Any:
        if data or version is not None:
            service.update_core(user, campaign, row, data, version=version)
        _write_groups(user, campaign, row, groups)
        return row

    act(patch)
    return service.row_record(row, campaign)


@blp.route("/campaigns/<int:campaign_id>/ledger/<int:row_id>", methods=["DELETE"])
@blp.response(204)
def delete_ledger_row(campaign_id: int, row_id: int) -> Any:
    """Remove a row entered by mistake (its department or the campaign office)."""
    campaign = _campaign(campaign_id)
    row = _row(campaign, row_id)
    act(service.delete_row, campaign, row)
    return ""


@blp.route("/campaigns/<int:campaign_id>/ledger.xlsx")
@blp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX)
def export_ledger(campaign_id: int) -> Any:
    """The ledger as the document's table: title, units line, the grouped header with merged
    cells, the rows and the footer."""
    from core.campaigns.ledger_xlsx import ledger_response

    return ledger_response(_campaign(campaign_id))


@blp.route("/campaigns/<int:campaign_id>/ledger.xlsx", methods=["POST"])
@blp.response(200, LedgerImportResultSchema)
@blp.alt_response(422, schema=ErrorSchema)
def import_ledger(campaign_id: int) -> Any:
    """Import a workbook of the same layout (multipart field ``file``). Every cell is
    checked first; any error imports nothing and ``error.fields`` names the cells."""
    from core.campaigns.ledger_xlsx import import_ledger as run_import

    campaign = _campaign(campaign_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        invalid({"file": [_("Attach the workbook as the multipart field 'file'.")]})
    return act(run_import, campaign, upload.stream)


# ---------------------------------------------------------------------------- reports


@blp.route("/campaigns/<int:campaign_id>/reports")
@blp.arguments(CampaignReportArgs, location="query")
@blp.response(200, CampaignReportSchema(many=True), headers=TOTAL_HEADER)
def list_reports(args: dict[str, Any], campaign_id: int) -> Any:
    """Reports owed on the campaign's rhythm, by deadline (the campaign office sees every
    department's; a department its own)."""
    from core.campaigns.reports import report_query

    campaign = _campaign(campaign_id)
    department_id = department_id_of(args["department"]) if args["department"] else None
    if args["department"] and department_id is None:
        invalid({"department": [_("No such department.")]})
    return page(report_query(current_user, campaign, department_id, args["state"]), args)


def _report(campaign: Campaign, report_id: int) -> CampaignReport:
    from core.campaigns.reports import get_report

    return found(get_report(current_user, campaign, report_id))


@blp.route("/campaigns/<int:campaign_id>/reports/<int:report_id>")
@blp.response(200, CampaignReportDetailSchema)
def get_report(campaign_id: int, report_id: int) -> Any:
    """One report with the ledger snapshot taken when it was filed."""
    return _report(_campaign(campaign_id), report_id)


@blp.route("/campaigns/<int:campaign_id>/reports/<int:report_id>", methods=["POST"])
@blp.arguments(CampaignReportInputSchema)
@blp.response(200, CampaignReportDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
def file_report(data: dict[str, Any], campaign_id: int, report_id: int) -> Any:
    """File the report (the department's liaison or leader); the ledger is snapshotted.
    Filed after its deadline it stays flagged late."""
    from core.campaigns.reports import file_report as file_it

    report = _report(_campaign(campaign_id), report_id)
    return act(file_it, report, data["content"], data["self_assessment"])


# ---------------------------------------------------------------------------- results


@blp.route("/campaigns/<int:campaign_id>/results")
@blp.response(200, CampaignResultsSchema)
def get_results(campaign_id: int) -> Any:
    """The results table (战果表): totals by department, category and phase, computed from
    the ledger and the cases."""
    from core.campaigns.results import as_dict, results

    return as_dict(results(_campaign(campaign_id)))


@blp.route("/campaigns/<int:campaign_id>/results.xlsx")
@blp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX)
def export_results(campaign_id: int) -> Any:
    from core.campaigns.results import results_response

    return results_response(_campaign(campaign_id))


# ------------------------------------------------------------------------------ clues


@blp.route("/campaigns/<int:campaign_id>/clues")
@blp.arguments(CampaignClueArgs, location="query")
@blp.response(200, CampaignClueSchema(many=True), headers=TOTAL_HEADER)
def list_clues(args: dict[str, Any], campaign_id: int) -> Any:
    """Tips and leads attached to the campaign, with each one's feedback state."""
    from core.campaigns.clues import clue_query, with_sources

    return page(clue_query(current_user, _campaign(campaign_id), args["state"]), args,
                lambda clues: with_sources(current_user, clues))


@blp.route("/campaigns/<int:campaign_id>/clues", methods=["POST"])
@blp.arguments(CampaignClueInputSchema)
@blp.response(201, CampaignClueSchema)
@blp.alt_response(422, schema=ErrorSchema)
def attach_clue(data: dict[str, Any], campaign_id: int) -> Any:
    """Attach a public tip (``tip_id``) or a department's lead (``case_id``)."""
    from core.campaigns import clues

    campaign = _campaign(campaign_id)
    if bool(data["tip_id"]) == bool(data["case_id"]):
        invalid({"tip_id": [_("Give either tip_id or case_id.")]})
    if data["tip_id"]:
        department_id = department_id_of(data["department"]) if data["department"] else None
        if data["department"] and department_id is None:
            invalid({"department": [_("No such department.")]})
        return act(clues.attach_tip, campaign, data["tip_id"], department_id)
    return act(clues.attach_lead, campaign, data["case_id"])


@blp.route("/campaigns/<int:campaign_id>/clues/<int:clue_id>/feedback", methods=["POST"])
@blp.arguments(ClueFeedbackSchema)
@blp.response(200, CampaignClueSchema)
def clue_feedback(data: dict[str, Any], campaign_id: int, clue_id: int) -> Any:
    """The responsible department's feedback on a clue (every lead gets one)."""
    from core.campaigns.clues import get_clue, record_feedback

    clue = found(get_clue(current_user, _campaign(campaign_id), clue_id))
    act(record_feedback, clue, data["text"])
    return clue
