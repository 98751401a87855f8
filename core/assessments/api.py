"""``/api/v1/assessments``: periodic assessment of departments (考评).

The rules live in ``core.assessments.services``; refusals answer 403, bad input 422 with
``error.fields``, a step the state does not allow (or someone else took first) 409.
Departments appear as their codes. A department sees its own entry, and once the result is
published every department's rank, total and recommendation (their details stay ``null``).
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, missing, validate

from core.access import business_only
from core.api import (
    DAY_RANGE,
    ID_RANGE,
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act,
    found,
    page,
)
from core.assessments import services as service
from core.assessments.export import export_response
from core.assessments.models import (
    ASSESSMENT_STATES,
    DEFAULT_WEIGHTS,
    INDICATORS,
    Assessment,
)

blp = business_only(Blueprint("api_assessments", __name__, url_prefix="/api/v1",
                              description="Assessments of departments and liaisons (考评)"))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCORE = validate.Range(min=0, max=100)


def _assessment(assessment_id: int) -> Assessment:
    return found(service.get_visible_assessment(current_user, assessment_id))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _detail(attribute: str) -> Any:
    """A field of the entry shown only to those who see its details."""
    return lambda r: getattr(r.entry, attribute) if r.full else None


# --------------------------------------------------------------------------- schemas


class WeightsSchema(Schema):
    reports = fields.Integer(load_default=DEFAULT_WEIGHTS["reports"], validate=SCORE,
                             metadata={"description": "on-time reports"})
    ledger = fields.Integer(load_default=DEFAULT_WEIGHTS["ledger"], validate=SCORE,
                            metadata={"description": "ledger completeness"})
    rectifications = fields.Integer(load_default=DEFAULT_WEIGHTS["rectifications"],
                                    validate=SCORE,
                                    metadata={"description": "rectifications closed on time"})
    liaison = fields.Integer(load_default=DEFAULT_WEIGHTS["liaison"], validate=SCORE,
                             metadata={"description": "liaison score"})


class EntrySchema(Schema):
    department = fields.Function(lambda r: r.entry.department.code, dump_only=True)
    department_name = fields.Function(lambda r: r.entry.department.name_zh, dump_only=True)
    rank = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "equal totals share a rank; null without a total, and for a "
                       "department's own entry before the result is published"})
    total = fields.Function(lambda r: _float(r.total), dump_only=True, metadata={
        "description": "evaluation_score if given, else system_score"})
    recommended = fields.Function(lambda r: r.entry.recommended, dump_only=True)
    self_checked = fields.Function(lambda r: r.entry.self_checked, dump_only=True, metadata={
        "description": "false: flagged, and not eligible for recommendation"})
    indicators = fields.Function(_detail("indicators"), dump_only=True, metadata={
        "description": "reports, ledger, rectifications, liaison: {applicable, score (0-100), "
                       "weight, inputs}; null when you may not see the details"})
    system_score = fields.Function(lambda r: _float(r.entry.system_score) if r.full else None,
                                   dump_only=True)
    self_score = fields.Function(lambda r: _float(r.entry.self_score) if r.full else None,
                                 dump_only=True)
    self_text = fields.Function(_detail("self_text"), dump_only=True)
    self_checked_at = fields.Function(
        lambda r: r.entry.self_checked_at.isoformat() if r.full and r.entry.self_checked_at
        else None, dump_only=True)
    evaluation_score = fields.Function(
        lambda r: _float(r.entry.evaluation_score) if r.full else None, dump_only=True)
    evaluation_comment = fields.Function(_detail("evaluation_comment"), dump_only=True)
    evaluated_at = fields.Function(
        lambda r: r.entry.evaluated_at.isoformat() if r.full and r.entry.evaluated_at
        else None, dump_only=True)


class _Ranking(fields.List):
    """The entries as the current user may see them, ranked."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None,
                  default: Any = missing) -> Any:
        return service.visible_ranking(current_user, obj)


class AssessmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    period_start = fields.Date(dump_only=True)
    period_end = fields.Date(dump_only=True)
    campaign = fields.Integer(attribute="campaign_id", dump_only=True, allow_none=True)
    state = fields.String(dump_only=True, metadata={"enum": list(ASSESSMENT_STATES)})
    weights = fields.Dict(dump_only=True, metadata={
        "description": "indicator -> weight (adding up to 100)"})
    created_by = fields.Function(lambda a: a.created_by.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    computed_at = fields.DateTime(dump_only=True)
    published_at = fields.DateTime(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)


class AssessmentDetailSchema(AssessmentSchema):
    entries = _Ranking(fields.Nested(EntrySchema), dump_only=True, metadata={
        "description": "the ranking, highest total first"})


class AssessmentArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(("", *ASSESSMENT_STATES)))


class AssessmentInputSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(max=200))
    period_start = fields.Date(required=True, validate=DAY_RANGE)
    period_end = fields.Date(required=True, validate=DAY_RANGE)
    campaign = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE, metadata={
        "description": "a campaign's id: its participating departments are assessed "
                       "(default: every department)"})
    weights = fields.Nested(WeightsSchema, load_default=lambda: dict(DEFAULT_WEIGHTS),
                            metadata={"description": "default 30/30/25/15; must add up to 100"})


class SelfCheckSchema(Schema):
    score = fields.Float(required=True, validate=SCORE)
    text = fields.String(required=True, validate=validate.Length(max=service.MAX_TEXT),
                         metadata={"description": "how the self-check was done (自查情况)"})


class EvaluateSchema(Schema):
    department = fields.String(required=True, validate=validate.Length(max=40))
    score = fields.Float(required=True, validate=SCORE)
    comment = fields.String(load_default="", validate=validate.Length(max=service.MAX_TEXT))


class RecommendSchema(Schema):
    department = fields.String(required=True, validate=validate.Length(max=40))
    recommended = fields.Boolean(load_default=True)


class AdvanceSchema(Schema):
    to = fields.String(load_default=None, allow_none=True,
                       validate=validate.OneOf(tuple(service.NEXT_STATE.values())), metadata={
                           "description": "the state expected next (409 if it is not): a "
                                          "repeated call never skips a step"})


# ---------------------------------------------------------------------------- routes


@blp.route("/assessments")
@blp.arguments(AssessmentArgs, location="query")
@blp.response(200, AssessmentSchema(many=True), headers=TOTAL_HEADER)
def list_assessments(args: dict[str, Any]) -> Any:
    """Assessments you may see (the office: all; a department: those it is assessed in),
    newest period first."""
    return page(service.assessment_query(current_user, args["state"]), args)


@blp.route("/assessments", methods=["POST"])
@blp.arguments(AssessmentInputSchema)
@blp.response(201, AssessmentDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_assessment(data: dict[str, Any]) -> Any:
    """Open an assessment (the office): indicators computed, each department told that its
    self-check is due."""
    weights = {key: data["weights"].get(key, DEFAULT_WEIGHTS[key]) for key in INDICATORS}
    return act(service.create, service.AssessmentInput(
        title=data["title"], period_start=data["period_start"],
        period_end=data["period_end"], campaign_id=data["campaign"], weights=weights))


@blp.route("/assessments/<int:assessment_id>")
@blp.response(200, AssessmentDetailSchema)
def get_assessment(assessment_id: int) -> Any:
    """One assessment with its ranked entries and their indicators (404 when you may not
    see it)."""
    return _assessment(assessment_id)


@blp.route("/assessments/<int:assessment_id>.xlsx")
@blp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX)
def export_assessment(assessment_id: int) -> Any:
    """The ranking as an Excel sheet (排名, 单位, the indicators, 系统得分, 自查, 评定, 总分,
    是否推优), as far as you may see it."""
    return export_response(current_user, _assessment(assessment_id))


@blp.route("/assessments/<int:assessment_id>/refresh", methods=["POST"])
@blp.response(200, AssessmentDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
def refresh_assessment(assessment_id: int) -> Any:
    """Recompute the indicators from the records as they stand (the office, until
    published)."""
    assessment = _assessment(assessment_id)
    act(service.refresh, assessment)
    return assessment


@blp.route("/assessments/<int:assessment_id>/self-check", methods=["POST"])
@blp.arguments(SelfCheckSchema)
@blp.response(200, AssessmentDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def self_check(data: dict[str, Any], assessment_id: int) -> Any:
    """Your department's self-check (自查): its leader or liaison, while in self_check."""
    assessment = _assessment(assessment_id)
    act(service.self_check, assessment, data["score"], data["text"])
    return assessment


@blp.route("/assessments/<int:assessment_id>/evaluate", methods=["POST"])
@blp.arguments(EvaluateSchema)
@blp.response(200, AssessmentDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def evaluate(data: dict[str, Any], assessment_id: int) -> Any:
    """The office's evaluation (评定) of one department, while in evaluation."""
    assessment = _assessment(assessment_id)
    act(service.evaluate, assessment, data["department"], data["score"], data["comment"])
    return assessment


@blp.route("/assessments/<int:assessment_id>/recommend", methods=["POST"])
@blp.arguments(RecommendSchema)
@blp.response(200, AssessmentDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def recommend(data: dict[str, Any], assessment_id: int) -> Any:
    """The office marks a department recommended (推优) or not, while in evaluation; one
    without a self-check is not eligible (422)."""
    assessment = _assessment(assessment_id)
    act(service.recommend, assessment, data["department"], data["recommended"])
    return assessment


@blp.route("/assessments/<int:assessment_id>/advance", methods=["POST"])
@blp.arguments(AdvanceSchema)
@blp.response(200, AssessmentDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
def advance(data: dict[str, Any], assessment_id: int) -> Any:
    """The office moves the assessment on: self_check -> evaluation -> published (then
    read-only; the departments are told)."""
    assessment = _assessment(assessment_id)
    act(service.advance, assessment, data["to"])
    return assessment
