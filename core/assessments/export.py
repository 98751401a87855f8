"""The assessment's ranking as an Excel sheet (the pages and the API serve the same file)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response

from core.assessments import services as service
from core.assessments.models import INDICATORS, Assessment
from core.exports import xlsx_response

#: The sheet's columns, as the office keeps the assessment table.
EXPORT_HEADERS = ["排名", "单位", "按时报送率", "台账完整率", "整改按期办结率", "联络员评分",
                  "系统得分", "自查得分", "自查情况", "评定得分", "评定意见", "总分", "是否推优"]
NOT_APPLICABLE = "不适用"


def _number(value: Decimal | float | None) -> Any:
    if value is None:
        return None
    return float(value)


def rows(user: Any, assessment: Assessment) -> list[list[Any]]:
    """One row per entry the user may see; details only where the user sees them."""
    out = []
    for r in service.visible_ranking(user, assessment):
        e = r.entry
        if r.full:
            indicators = [e.indicators.get(key, {}) for key in INDICATORS]
            figures = [i.get("score") if i.get("applicable") else NOT_APPLICABLE
                       for i in indicators]
            details = [*figures, _number(e.system_score), _number(e.self_score), e.self_text,
                       _number(e.evaluation_score), e.evaluation_comment]
        else:
            details = [None] * 9
        out.append([r.rank, e.department.name_zh, *details, _number(r.total),
                    "是" if e.recommended else "否"])
    return out


def export_response(user: Any, assessment: Assessment) -> Response:
    """The ``.xlsx`` download (Chinese headers; text never run as a formula)."""
    return xlsx_response("考评结果", EXPORT_HEADERS, rows(user, assessment),
                         f"assessment-{assessment.id}.xlsx")
