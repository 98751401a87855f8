"""Liaison scores (yuxi 考评): per department and its liaisons, per quarter, from the system.

score = 100 x (w_answers x on-time answer rate
               + w_reports x on-time report rate
               + w_items x min(items shared / items target, 1))

* on-time answer rate: requests to the department created in the quarter and answered by
  their due time (a refusal is not an answer), over all such requests; 1 when none were asked.
* on-time report rate: 1 when the quarter's liaison report was filed by its due time, else 0.
* items shared: information items the department published in the quarter.
Weights and the items target are ``[sharing]`` settings (README).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select

from core.departments.services import liaisons_by_department
from core.sharing.models import InfoItem, InfoRequest
from core.sharing.reports import Quarter, status_board


@dataclass
class Score:
    department: Any
    liaisons: list[Any] = field(default_factory=list)
    requests: int = 0
    answered_on_time: int = 0
    answer_rate: float = 1.0
    report_state: str = "pending"
    report_rate: float = 0.0
    items_shared: int = 0
    items_rate: float = 0.0
    score: float = 0.0
    rank: int = 0


def visible_scores(user: Any, scores: list[Score]) -> list[Score]:
    """Office staff (the assessors) see every department's score; a department its own row
    (the figures count requests and items other departments may not see)."""
    if user.role == "office":
        return scores
    return [s for s in scores if s.department.id == user.department_id]


def weights() -> dict[str, Any]:
    from core.app import kernel

    return kernel().settings["sharing"]


def liaison_scores(quarter: Quarter) -> list[Score]:
    """Every reporting department's score for ``quarter``, ranked (a fixed number of queries)."""
    from core.db import db

    w = weights()
    board = status_board(quarter)
    ids = [s.department.id for s in board]
    in_quarter = (InfoRequest.created_at >= quarter.start, InfoRequest.created_at < quarter.end)
    on_time = case((InfoRequest.answered_at.is_not(None) & (InfoRequest.decline_reason == "")
                    & (InfoRequest.answered_at <= InfoRequest.due_at), 1), else_=0)
    requests = {row[0]: (row[1], row[2] or 0) for row in db.session.execute(
        select(InfoRequest.target_department_id, func.count(), func.sum(on_time))
        .where(*in_quarter, InfoRequest.target_department_id.in_(ids))
        .group_by(InfoRequest.target_department_id))}
    items = dict(db.session.execute(
        select(InfoItem.department_id, func.count())
        .where(InfoItem.created_at >= quarter.start, InfoItem.created_at < quarter.end,
               InfoItem.department_id.in_(ids))
        .group_by(InfoItem.department_id)).all())
    liaisons = liaisons_by_department(ids)
    scores = []
    for status in board:
        asked, answered = requests.get(status.department.id, (0, 0))
        shared = items.get(status.department.id, 0)
        s = Score(department=status.department, liaisons=liaisons[status.department.id],
                  requests=asked, answered_on_time=answered,
                  answer_rate=(answered / asked) if asked else 1.0,
                  report_state=status.state,
                  report_rate=1.0 if status.state == "filed" else 0.0,
                  items_shared=shared,
                  items_rate=min(shared / w["score_items_target"], 1.0))
        s.score = round(100 * (w["score_weight_answers"] * s.answer_rate
                               + w["score_weight_reports"] * s.report_rate
                               + w["score_weight_items"] * s.items_rate), 1)
        scores.append(s)
    scores.sort(key=lambda s: (-s.score, s.department.position))
    previous, rank = None, 0
    for index, s in enumerate(scores, start=1):
        if s.score != previous:
            rank, previous = index, s.score
        s.rank = rank  # equal scores share a rank
    return scores
