"""``/api/v1/quarterly-reports`` and ``/api/v1/liaison-scores``."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validates

from core.access import business_only
from core.db import utcnow
from core.sharing import reports
from core.sharing.scores import liaison_scores, visible_scores

blp = business_only(Blueprint("api_reports", __name__, url_prefix="/api/v1",
                description="Quarterly liaison reports and liaison scores"))


class QuarterArgs(Schema):
    quarter = fields.String(load_default="", metadata={
        "description": "e.g. 2026Q4 (default: the last quarter that ended)"})

    @validates("quarter")
    def _valid(self, value: str, **kwargs: Any) -> None:
        if value and reports.Quarter.parse(value) is None:
            raise ValidationError("write the quarter like 2026Q4")


def _quarter(args: dict[str, Any]) -> reports.Quarter:
    return reports.Quarter.parse(args["quarter"]) or reports.Quarter.of(utcnow()).previous


class ReportStatusSchema(Schema):
    department = fields.Function(lambda s: s.department.code)
    state = fields.String(metadata={"description": "filed, filed_late, late or pending"})
    due = fields.DateTime()
    filed_at = fields.Function(lambda s: s.report.filed_at.isoformat() if s.report else None)
    filed_by = fields.Function(lambda s: s.report.filed_by.username if s.report else None)
    sections = fields.Raw(metadata={"description": "only for reports you may read"})
    summary = fields.String(allow_none=True)


class ScoreSchema(Schema):
    rank = fields.Integer()
    department = fields.Function(lambda s: s.department.code)
    liaisons = fields.Function(lambda s: [u.username for u in s.liaisons])
    requests = fields.Integer()
    answered_on_time = fields.Integer()
    answer_rate = fields.Float()
    report_state = fields.String()
    report_rate = fields.Float()
    items_shared = fields.Integer()
    items_rate = fields.Float()
    score = fields.Float()


@blp.route("/quarterly-reports")
@blp.arguments(QuarterArgs, location="query")
@blp.response(200, ReportStatusSchema(many=True))
def list_reports(args: dict[str, Any]) -> Any:
    """Every department's report state for the quarter; contents where you may read them."""
    out = []
    for status in reports.status_board(_quarter(args)):
        readable = status.report is not None and reports.may_read(current_user,
                                                                  status.department)
        status.sections = status.report.sections if readable else None
        status.summary = status.report.summary if readable else None
        out.append(status)
    return out


@blp.route("/liaison-scores")
@blp.arguments(QuarterArgs, location="query")
@blp.response(200, ScoreSchema(many=True))
def list_scores(args: dict[str, Any]) -> Any:
    """Liaison scores for the quarter, ranked (formula in the README); office staff see every
    department, others their own."""
    return visible_scores(current_user, liaison_scores(_quarter(args)))
