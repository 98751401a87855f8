"""Quarterly liaison report pages: the board (who filed, who is late), the form, export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from core.access import business_only
from core.db import db, utcnow
from core.departments.models import Department
from core.exports import xlsx_response
from core.sharing import reports as service
from core.sharing.services import SharingError

bp = business_only(Blueprint("reports", __name__, url_prefix="/reports"))

STATE_LABELS = {
    "filed": _l("Filed"),
    "filed_late": _l("Filed late"),
    "late": _l("Late, not filed"),
    "pending": _l("Not yet due"),
}


class ReportForm(FlaskForm):
    """Only the CSRF token: the section fields come from the hook and are read by name."""


def _quarter(label: str | None) -> service.Quarter:
    if label:
        quarter = service.Quarter.parse(label)
        if quarter is None:
            abort(404)
        return quarter
    return service.Quarter.of(utcnow()).previous


@bp.route("/")
def board() -> Any:
    """Who has filed the quarter's report, who is late."""
    quarter = _quarter(request.args.get("quarter"))
    return render_template("reports/board.html", quarter=quarter,
                           board=service.status_board(quarter), states=STATE_LABELS,
                           may_read=service.may_read, due_label=_due_label(quarter))


def _due_label(quarter: service.Quarter) -> str:
    """The due time as people say it: the last minute of the due day, Beijing time."""
    from datetime import timedelta

    from flask_babel import format_datetime

    return format_datetime(quarter.due(service.due_days()) - timedelta(minutes=1),
                           "yyyy-MM-dd HH:mm")


def _department(code: str) -> Department:
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        abort(404)
    return department


@bp.route("/<quarter>/<code>", methods=["GET", "POST"])
def report(quarter: str, code: str) -> Any:
    """Read or file one department's report."""
    q = _quarter(quarter)
    department = _department(code)
    may_file = service.may_file(current_user, department)
    if not (may_file or service.may_read(current_user, department)):
        abort(404)
    existing = service.get_report(department, q)
    sections = service.sections_for(department, q)
    form = ReportForm()
    errors: dict[str, list[str]] = {}
    values = {s["code"]: {f["name"]: (existing.sections.get(s["code"], {}).get(f["name"])
                                      if existing else s["values"].get(f["name"]))
                          for f in s["fields"]} for s in sections}
    summary = existing.summary if existing else ""
    if request.method == "POST":
        if not may_file:
            abort(403)
        values = {s["code"]: {f["name"]: request.form.get(f"{s['code']}.{f['name']}", "")
                              for f in s["fields"]} for s in sections}
        summary = request.form.get("summary", "")
        if form.validate_on_submit():
            try:
                service.file_report(current_user, department, q, values, summary)
            except SharingError as exc:
                errors = exc.fields
            else:
                db.session.commit()
                flash(_("Report filed."), "success")
                return redirect(url_for("reports.report", quarter=q.label, code=code))
        else:
            abort(400)
    status = 400 if errors else 200
    return render_template("reports/form.html", quarter=q, department=department,
                           sections=sections, values=values, summary=summary, form=form,
                           errors=errors, may_file=may_file, report=existing,
                           due_label=_due_label(q)), status


@bp.route("/<quarter>/export.xlsx")
def export(quarter: str) -> Any:
    """The quarter's reports, one row per department (office staff)."""
    if current_user.role != "office":
        abort(403)
    q = _quarter(quarter)
    board = service.status_board(q)
    columns: list[tuple[str, str, str]] = []  # (section code, field name, header)
    seen = set()
    per_department = {}
    for status in board:
        sections = service.sections_for(status.department, q)
        per_department[status.department.id] = sections
        for section in sections:
            for field in section["fields"]:
                key = (section["code"], field["name"])
                if key not in seen:
                    seen.add(key)
                    columns.append((*key, f"{section['title']}：{field['label']}"))
    headers = ["部门", "状态", "提交时间", "提交人"] + [c[2] for c in columns] + ["其他情况"]

    def rows() -> Any:
        for status in board:
            stored = status.report.sections if status.report else {}
            yield ([status.department.name_zh, str(STATE_LABELS[status.state]),
                    status.report.filed_at if status.report else None,
                    status.report.filed_by.display_name if status.report else ""]
                   + [stored.get(code, {}).get(name) for code, name, _h in columns]
                   + [status.report.summary if status.report else ""])

    return xlsx_response(f"{q.label} 联络员季度报告", headers, rows(),
                         f"quarterly-reports-{q.label}.xlsx")


SCORE_HEADERS = ["排名", "部门", "联络员", "请求数", "按时答复数", "按时答复率", "季度报告",
                 "共享信息数", "得分"]


@bp.route("/scores")
def scores() -> Any:
    """Liaison scores for a quarter, ranked; the formula is shown on the page."""
    from core.sharing.scores import liaison_scores, visible_scores, weights

    quarter = _quarter(request.args.get("quarter"))
    return render_template("reports/scores.html", quarter=quarter,
                           scores=visible_scores(current_user, liaison_scores(quarter)),
                           states=STATE_LABELS, w=weights())


@bp.route("/scores/<quarter>.xlsx")
def scores_export(quarter: str) -> Any:
    """The ranking as an Excel file."""
    from core.sharing.scores import liaison_scores

    if current_user.role != "office":
        abort(403)
    q = _quarter(quarter)

    def rows() -> Any:
        for s in liaison_scores(q):
            yield [s.rank, s.department.name_zh, "、".join(u.display_name for u in s.liaisons),
                   s.requests, s.answered_on_time, round(s.answer_rate, 3),
                   str(STATE_LABELS[s.report_state]), s.items_shared, s.score]

    return xlsx_response(f"{q.label} 联络员考评", SCORE_HEADERS, rows(),
                         f"liaison-scores-{q.label}.xlsx")
