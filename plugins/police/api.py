"""``/api/v1/police`` for the police registers: criminal cases, early interventions, outcomes
and risk notices (with the target department's reply).

The rules live in ``plugins.police.services``; this module parses, calls them as the signed-in
user and renders. Every service call goes through :func:`_act`: ``PermissionError`` answers
403, ``InputError`` 422 with its ``fields``, ``StateConflict`` (or a stale version) 409; one
commit on success, a rollback otherwise. Departments appear as their codes, people as their
user names; lists take ``page``/``per_page`` and answer ``X-Total-Count``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core import access
from core.access import business_only
from core.api import (
    DAY_RANGE,
    ID_RANGE,
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act as _act,
    filters_of as _filters,
    found as _found,
    page as _page,
)
from core.db import utcnow
from core.timeutil import local_day
from plugins.police import services as service
from plugins.police.models import (
    NOTICE_STATES,
    SOURCES,
    STAGES,
    CriminalCase,
    Intervention,
    Outcome,
    RiskNotice,
)

blp = business_only(Blueprint("police_api", __name__, url_prefix="/api/v1/police",
                              description="Police registers: criminal cases, early "
                                          "interventions, outcomes, risk notices"))


# --------------------------------------------------------------------------- helpers


@dataclass
class Shown:
    """A register row with what the reader may see of its core case; reads through."""

    record: Any
    case_title: str | None
    case_number: str = ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.record, name)


def _shown(records: list[Any]) -> list[Shown]:
    """Rows with their case titles (``None`` where the reader may not see the case) and
    criminal case numbers, in two queries for the page."""
    ids = {r.case_id for r in records}
    visible = service.visible_case_ids(current_user, ids)
    numbers = service.case_numbers(ids)
    return [Shown(r, r.case.title if r.case_id in visible else None,
                  numbers.get(r.case_id, "")) for r in records]


# --------------------------------------------------------------------------- schemas


class CriminalCaseSchema(Schema):
    id = fields.Integer(dump_only=True)
    case_id = fields.Integer(dump_only=True, metadata={"description": "the core case"})
    case_title = fields.Function(lambda r: r.case.title, dump_only=True)
    offence_type = fields.Function(lambda r: r.case.offence_type, dump_only=True)
    case_number = fields.String(dump_only=True, metadata={"description": "刑事案件编号"})
    filed_on = fields.Date(dump_only=True, metadata={"description": "立案日期"})
    charge = fields.String(dump_only=True, metadata={"description": "涉嫌罪名"})
    stage = fields.String(dump_only=True, metadata={"enum": list(STAGES)})
    source = fields.String(dump_only=True, metadata={
        "enum": list(SOURCES), "description": "transfer (accepted hand-over) or own"})
    transfer_id = fields.Integer(dump_only=True, allow_none=True)
    department = fields.Function(lambda r: r.department.code, dump_only=True,
                                 metadata={"description": "the filing police department"})
    notes = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True, metadata={"description": "send it back to PATCH"})


class CriminalCaseFieldsSchema(Schema):
    case_number = fields.String(load_default="", validate=validate.Length(max=60))
    filed_on = fields.Date(required=True, validate=DAY_RANGE)
    charge = fields.String(load_default="", validate=validate.Length(max=200))
    stage = fields.String(load_default="investigating", validate=validate.OneOf(STAGES))
    notes = fields.String(load_default="", validate=validate.Length(max=20_000))


class CriminalCaseInputSchema(CriminalCaseFieldsSchema):
    case_id = fields.Integer(required=True, validate=ID_RANGE, metadata={
        "description": "a core case your department handles, without a record yet"})


#: The record's fields: a PATCH may send any of them.
CASE_FIELDS = tuple(CriminalCaseFieldsSchema().fields)


class CriminalCasePatchSchema(CriminalCaseFieldsSchema):
    version = fields.Integer(required=True, metadata={
        "description": "the version you loaded; a stale one answers 409"})


class CriminalCaseArgs(PageArgs):
    stage = fields.String(load_default="", validate=validate.OneOf(("", *STAGES)))
    offence_type = fields.String(load_default="")
    q = fields.String(load_default="", metadata={
        "description": "search case title, case number, charge"})
    since = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "filed on or after"})
    until = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "filed on or before"})


class InterventionSchema(Schema):
    id = fields.Integer(dump_only=True)
    case_id = fields.Integer(dump_only=True)
    case_title = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "null when you may not see the case"})
    case_department = fields.Function(lambda i: i.case.department.code, dump_only=True,
                                      metadata={"description": "the case's department"})
    department = fields.Function(lambda i: i.department.code, dump_only=True,
                                 metadata={"description": "the police department"})
    intervened_on = fields.Date(dump_only=True)
    officer = fields.String(dump_only=True)
    notes = fields.String(dump_only=True)
    created_by = fields.Function(lambda i: i.created_by.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class InterventionInputSchema(Schema):
    case_id = fields.Integer(required=True, validate=ID_RANGE, metadata={
        "description": "another department's open case (its number)"})
    intervened_on = fields.Date(required=True, validate=DAY_RANGE)
    officer = fields.String(required=True, validate=validate.Length(max=100))
    notes = fields.String(load_default="", validate=validate.Length(max=20_000))


class InterventionArgs(PageArgs):
    q = fields.String(load_default="", metadata={"description": "search officer, case title"})
    since = fields.Date(load_default=None, validate=DAY_RANGE)
    until = fields.Date(load_default=None, validate=DAY_RANGE)


PERSONS = validate.Range(min=0, max=service.MAX_PERSONS)


class OutcomeSchema(Schema):
    case_id = fields.Integer(dump_only=True)
    case_title = fields.String(dump_only=True, allow_none=True)
    case_number = fields.String(dump_only=True, metadata={
        "description": "刑事案件编号, empty without a criminal-case record"})
    admin_detentions = fields.Integer(dump_only=True, metadata={"description": "行政拘留(人)"})
    criminal_detentions = fields.Integer(dump_only=True,
                                         metadata={"description": "刑事拘留(人)"})
    arrests = fields.Integer(dump_only=True, metadata={"description": "逮捕(人)"})
    persons_involved = fields.Integer(dump_only=True, metadata={"description": "涉案人员(人)"})
    notes = fields.String(dump_only=True)
    department = fields.Function(lambda o: o.department.code, dump_only=True)
    updated_by = fields.Function(lambda o: o.updated_by.username, dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class OutcomeInputSchema(Schema):
    admin_detentions = fields.Integer(required=True, validate=PERSONS)
    criminal_detentions = fields.Integer(required=True, validate=PERSONS)
    arrests = fields.Integer(required=True, validate=PERSONS)
    persons_involved = fields.Integer(required=True, validate=PERSONS)
    notes = fields.String(load_default="", validate=validate.Length(max=20_000))
    version = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "the version you loaded when changing an outcome (409 if stale)"})


class OutcomeArgs(PageArgs):
    q = fields.String(load_default="", metadata={"description": "case title or number"})
    offence_type = fields.String(load_default="")


class OutcomeTotalsArgs(Schema):
    q = fields.String(load_default="")
    offence_type = fields.String(load_default="")


class OutcomeTotalsSchema(Schema):
    cases = fields.Integer(dump_only=True)
    admin_detentions = fields.Integer(dump_only=True)
    criminal_detentions = fields.Integer(dump_only=True)
    arrests = fields.Integer(dump_only=True)
    persons_involved = fields.Integer(dump_only=True)


class RiskNoticeSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True,
                           metadata={"description": "e.g. 公安风险提示函〔2026〕1号"})
    department = fields.Function(lambda n: n.department.code, dump_only=True,
                                 metadata={"description": "the sending police department"})
    target = fields.Function(lambda n: n.target_department.code, dump_only=True,
                             metadata={"description": "the department that must reply"})
    subject = fields.String(dump_only=True)
    content = fields.String(dump_only=True)
    state = fields.Function(lambda n: n.display_state(utcnow()), dump_only=True, metadata={
        "description": "sent (awaiting reply), replied, or overdue (computed: not replied "
                       "by reply_due_at)"})
    stored_state = fields.String(attribute="state", dump_only=True,
                                 metadata={"enum": list(NOTICE_STATES)})
    overdue = fields.Function(lambda n: n.is_overdue(utcnow()), dump_only=True)
    sent_at = fields.DateTime(dump_only=True)
    sent_by = fields.Function(lambda n: n.sent_by.username, dump_only=True)
    reply_due_on = fields.Function(lambda n: local_day(n.reply_due_at).isoformat(),
                                   dump_only=True, metadata={"format": "date"})
    reply_due_at = fields.DateTime(dump_only=True)
    reply_text = fields.String(dump_only=True)
    replied_at = fields.DateTime(dump_only=True)
    replied_by = fields.Function(lambda n: n.replied_by.username if n.replied_by else None,
                                 dump_only=True)
    version = fields.Integer(dump_only=True)


class RiskNoticeInputSchema(Schema):
    target = fields.String(required=True, validate=validate.Length(min=1, max=40),
                           metadata={"description": "the regulating department's code"})
    subject = fields.String(required=True, validate=validate.Length(max=200))
    content = fields.String(required=True, validate=validate.Length(max=50_000))
    reply_due_on = fields.Date(load_default=None, allow_none=True, validate=DAY_RANGE,
                               metadata={"description": "reply by the end of this day (site "
                                                        "time); default: the configured "
                                                        "number of working days"})


class RiskNoticeArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(
        ("", *NOTICE_STATES, "overdue")))
    direction = fields.String(load_default="", validate=validate.OneOf(
        ("", "sent", "received")), metadata={"description": "from your department's view"})
    target = fields.String(load_default="", metadata={"description": "target department"})
    q = fields.String(load_default="", metadata={"description": "search subject, number"})
    since = fields.Date(load_default=None, validate=DAY_RANGE)
    until = fields.Date(load_default=None, validate=DAY_RANGE)


class ReplyInputSchema(Schema):
    reply_text = fields.String(required=True, validate=validate.Length(min=1, max=50_000))


# ------------------------------------------------------------------------ criminal cases


def _criminal_case(record_id: int) -> CriminalCase:
    return _found(service.get_visible_criminal_case(current_user, record_id))


@blp.route("/cases")
@blp.arguments(CriminalCaseArgs, location="query")
@blp.response(200, CriminalCaseSchema(many=True), headers=TOTAL_HEADER)
def list_criminal_cases(args: dict[str, Any]) -> Any:
    """Criminal cases you may see (with their core case), newest filing first."""
    return _page(service.criminal_case_query(
        current_user, service.CriminalCaseFilters(**_filters(args))), args)


@blp.route("/cases", methods=["POST"])
@blp.arguments(CriminalCaseInputSchema)
@blp.response(201, CriminalCaseSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_criminal_case(data: dict[str, Any]) -> Any:
    """File a criminal case on a core case your police department handles.

    Hand-overs accepted as criminal cases get their record automatically.
    """
    case_id = data.pop("case_id")
    return _act(service.file_criminal_case, case_id, service.CriminalCaseInput(**data))


@blp.route("/cases/<int:record_id>")
@blp.response(200, CriminalCaseSchema)
def get_criminal_case(record_id: int) -> Any:
    """One criminal case (404 when you may not see its core case)."""
    return _criminal_case(record_id)


@blp.route("/cases/<int:record_id>", methods=["PATCH"])
@blp.arguments(CriminalCasePatchSchema(partial=CASE_FIELDS))
@blp.response(200, CriminalCaseSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def update_criminal_case(data: dict[str, Any], record_id: int) -> Any:
    """Change the number, filing day, charge, stage or notes (the filing station).

    Send only the fields to change and the ``version`` you loaded.
    """
    record = _criminal_case(record_id)
    version = data.pop("version")
    current = {"case_number": record.case_number, "filed_on": record.filed_on,
               "charge": record.charge, "stage": record.stage, "notes": record.notes}
    _act(service.update_criminal_case, record,
         service.CriminalCaseInput(**{**current, **data}), version)
    return record


# ------------------------------------------------------------------- early interventions


@blp.route("/interventions")
@blp.arguments(InterventionArgs, location="query")
@blp.response(200, InterventionSchema(many=True), headers=TOTAL_HEADER)
def list_interventions(args: dict[str, Any]) -> Any:
    """Early interventions you may see, newest first (case titles only where you may see
    the case)."""
    return _page(service.intervention_query(
        current_user, service.InterventionFilters(**_filters(args))), args, _shown)


@blp.route("/interventions", methods=["POST"])
@blp.arguments(InterventionInputSchema)
@blp.response(201, InterventionSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_intervention(data: dict[str, Any]) -> Any:
    """Record an early intervention (提前介入) in another department's open case (police)."""
    record: Intervention = _act(service.record_intervention, service.InterventionInput(**data))
    return _shown([record])[0]


@blp.route("/interventions/<int:record_id>")
@blp.response(200, InterventionSchema)
def get_intervention(record_id: int) -> Any:
    """One early intervention."""
    return _shown([_found(service.get_visible_intervention(current_user, record_id))])[0]


# ------------------------------------------------------------------------------ outcomes


@blp.route("/outcomes")
@blp.arguments(OutcomeArgs, location="query")
@blp.response(200, OutcomeSchema(many=True), headers=TOTAL_HEADER)
def list_outcomes(args: dict[str, Any]) -> Any:
    """Outcomes of the cases you may see, most recently changed first."""
    return _page(service.outcome_query(
        current_user, service.OutcomeFilters(**_filters(args))), args, _shown)


@blp.route("/outcomes/totals")
@blp.arguments(OutcomeTotalsArgs, location="query")
@blp.response(200, OutcomeTotalsSchema)
def outcome_totals(args: dict[str, Any]) -> Any:
    """The figures of the outcomes the same filters select, added up."""
    return service.outcome_totals(service.outcome_query(current_user,
                                                        service.OutcomeFilters(**args)))


def _outcome(case_id: int) -> Outcome:
    from core.cases.services import get_visible_case

    _found(get_visible_case(current_user, case_id))
    return _found(service.outcome_of(case_id))


@blp.route("/outcomes/<int:case_id>")
@blp.response(200, OutcomeSchema)
def get_outcome(case_id: int) -> Any:
    """The outcome of one case (404 when there is none or you may not see the case)."""
    return _shown([_outcome(case_id)])[0]


@blp.route("/outcomes/<int:case_id>", methods=["PUT"])
@blp.arguments(OutcomeInputSchema)
@blp.response(200, OutcomeSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def put_outcome(data: dict[str, Any], case_id: int) -> Any:
    """Record or replace the outcome of a case you may see (police).

    Persons under administrative or criminal detention, arrested, involved: integers >= 0.
    """
    from core.cases.services import get_visible_case

    _found(get_visible_case(current_user, case_id))
    version = data.pop("version")
    outcome = _act(service.save_outcome, case_id, service.OutcomeInput(**data), version)
    return _shown([outcome])[0]


# -------------------------------------------------------------------------- risk notices


def _notice(notice_id: int) -> RiskNotice:
    return _found(service.get_visible_risk_notice(current_user, notice_id))


@blp.route("/risk-notices")
@access.for_every_department
@blp.arguments(RiskNoticeArgs, location="query")
@blp.response(200, RiskNoticeSchema(many=True), headers=TOTAL_HEADER)
def list_risk_notices(args: dict[str, Any]) -> Any:
    """Risk notices your department sent or received (the office: all), overdue first."""
    return _page(service.risk_notice_query(
        current_user, service.RiskNoticeFilters(**_filters(args))), args)


@blp.route("/risk-notices", methods=["POST"])
@blp.arguments(RiskNoticeInputSchema)
@blp.response(201, RiskNoticeSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_risk_notice(data: dict[str, Any]) -> Any:
    """Send a risk notice (风险提示函) to a regulating department (police liaison or leader).

    It is numbered per year; the target's liaisons and leaders are told.
    """
    return _act(service.send_risk_notice, service.RiskNoticeInput(**data))


@blp.route("/risk-notices/<int:notice_id>")
@access.for_every_department
@blp.response(200, RiskNoticeSchema)
def get_risk_notice(notice_id: int) -> Any:
    """One risk notice with its reply (404 unless your department sent or received it)."""
    return _notice(notice_id)


@blp.route("/risk-notices/<int:notice_id>/reply", methods=["POST"])
@access.for_every_department
@blp.arguments(ReplyInputSchema)
@blp.response(200, RiskNoticeSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def reply_risk_notice(data: dict[str, Any], notice_id: int) -> Any:
    """The target department's liaison or leader replies, once (409 if already replied)."""
    notice = _notice(notice_id)
    _act(service.reply_risk_notice, notice, data["reply_text"])
    return notice
