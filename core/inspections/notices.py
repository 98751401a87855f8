"""Notices (通报) issued from joint inspections: number, snapshot, circulate, render.

Rules (licheng 五: "督查结果以通报形式印发，对整改不力的单位进行点名"):

* Only the office issues a notice, once the inspection has started. It is numbered
  ``<prefix>〔year〕n号`` (prefix from ``[inspections] notice_number_prefix``, the site-local
  year, ``n`` counting up from 1 each year).
* The notice keeps a snapshot of the inspection and of all its findings as they stood when it
  was issued (``Notice.content``); the documents (HTML, PDF, Word) are rendered from that
  snapshot only, so later rectification never changes an issued notice.
* It is circulated to the office, the township government and the departments (not to the
  villages) and names the units whose findings are overdue.
* The document is an official one: its text is Chinese whatever the reader's language.

Nothing here commits: views commit once per request.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import defer, lazyload

from core import access
from core.accounts.models import User
from core.db import db, utcnow
from core.departments.models import Department
from core.errors import InputError
from core.inspections.models import (
    SEVERITY_ZH,
    STATE_ZH,
    Finding,
    Inspection,
    InspectionRecord,
    Notice,
)
from core.notifications import services as notifications
from core.records import add_numbered
from core.timeutil import local_day

#: Inspections a notice may be issued from (it reports what was found).
ISSUABLE_STATES = ("in_progress", "reported", "closed")
#: Units a notice is circulated to, and who in them receives it.
CIRCULATION_KINDS = ("office", "township", "department")
CIRCULATION_ROLES = ("office", "leader", "liaison")
MAX_TITLE = 200
TEMPLATE = "notices/document.html"
#: The Word document's East Asian font (what Chinese offices have; viewers substitute).
DOCX_FONT = "宋体"
DOCX_COLUMNS = ("序号", "问题描述", "严重程度", "整改期限", "整改状态", "是否逾期")


# -------------------------------------------------------------------------- snapshot


def _local_day(moment: datetime) -> str:
    """The site-local date of ``moment`` as ``YYYY-MM-DD``."""
    return local_day(moment).isoformat()


def _category_names() -> dict[str, str]:
    from core.app import kernel

    return {c["code"]: c.get("name_zh", c["code"]) for c in kernel().sharing_categories}


def _inspection_part(inspection: Inspection) -> dict[str, Any]:
    records = db.session.scalar(select(func.count(InspectionRecord.id)).where(
        InspectionRecord.inspection_id == inspection.id)) or 0
    return {
        "id": inspection.id,
        "title": inspection.title,
        "purpose": inspection.purpose,
        "scope": inspection.scope,
        "start_on": inspection.start_on.isoformat(),
        "end_on": inspection.end_on.isoformat(),
        "departments": [d.department.name_zh for d in inspection.departments],
        "villages": [v.department.name_zh for v in inspection.villages],
        "records": records,
    }


def _finding_part(finding: Finding, now: datetime, categories: dict[str, str]
                  ) -> dict[str, Any]:
    return {
        "id": finding.id,
        "description": finding.description,
        "location": finding.location_name,
        "severity": SEVERITY_ZH.get(finding.severity, finding.severity),
        "category": finding.category,
        "category_name": categories.get(finding.category, finding.category),
        "due_on": _local_day(finding.due_at),
        "state": STATE_ZH.get(finding.state, finding.state),
        "overdue": finding.is_overdue(now),
        "progress": finding.progress_percent,
        "supervised": finding.supervised,
    }


@dataclass
class _UnitFindings:
    """One responsible unit's findings while the snapshot is built."""

    unit: Department
    findings: list[dict[str, Any]] = field(default_factory=list)
    overdue: int = 0
    unfinished: int = 0

    def add(self, finding: Finding, now: datetime, categories: dict[str, str]) -> None:
        entry = _finding_part(finding, now, categories)
        self.findings.append(entry)
        self.overdue += entry["overdue"]
        self.unfinished += finding.state != "closed"

    def sort_key(self) -> tuple[int, int, bool, int, str]:
        """Units with overdue findings first, then the most unfinished, the township first."""
        return (-self.overdue, -self.unfinished, self.unit.kind != "township",
                self.unit.position, self.unit.name_zh)

    def as_dict(self) -> dict[str, Any]:
        """Overdue findings first, the rest in deadline order (the query's, kept stable)."""
        return {"name": self.unit.name_zh, "kind": self.unit.kind, "overdue": self.overdue,
                "findings": sorted(self.findings, key=lambda f: not f["overdue"])}


def _findings_of(inspection: Inspection) -> list[Finding]:
    """All the inspection's findings with their units, in one query."""
    return list(db.session.scalars(
        select(Finding).where(Finding.inspection_id == inspection.id)
        .options(lazyload(Finding.copies), lazyload(Finding.created_by),
                 lazyload(Finding.inspection))
        .order_by(Finding.due_at, Finding.id)))


def _summary(findings: list[Finding], now: datetime) -> dict[str, int]:
    states = [f.state for f in findings]
    return {
        "total": len(findings),
        "closed": states.count("closed"),
        "awaiting_verification": states.count("completion_reported"),
        "open": states.count("open"),
        "overdue": sum(1 for f in findings if f.is_overdue(now)),
    }


def _units_part(findings: list[Finding], now: datetime) -> list[_UnitFindings]:
    categories = _category_names()
    units: dict[int, _UnitFindings] = {}
    for finding in findings:
        units.setdefault(finding.unit_id, _UnitFindings(finding.unit)).add(
            finding, now, categories)
    return sorted(units.values(), key=_UnitFindings.sort_key)


def build_content(inspection: Inspection, now: datetime) -> dict[str, Any]:
    """The notice body as of ``now``: a JSON-serialisable snapshot in Chinese.

    ``inspection`` (what was inspected), ``summary`` (counts of findings), ``units`` (one
    entry per responsible unit with its findings, units with overdue findings first) and
    ``overdue_units`` (the units named for stalling). Every finding of the inspection is
    included: the office issues the notice. Two queries whatever the volume.
    """
    findings = _findings_of(inspection)
    units = _units_part(findings, now)
    return {
        "inspection": _inspection_part(inspection),
        "summary": _summary(findings, now),
        "units": [u.as_dict() for u in units],
        "overdue_units": [{"name": u.unit.name_zh, "count": u.overdue}
                          for u in units if u.overdue],
    }


# --------------------------------------------------------------------------- issuing


def _prefix() -> str:
    from core.app import kernel

    return str(kernel().settings["inspections"]["notice_number_prefix"])


def _validate(user: User, inspection: Inspection, title: str) -> str:
    if not access.is_office(user):
        raise PermissionError("only the office issues notices")
    title = title.strip()
    if not title:
        raise InputError.of(title=_l("A title is required."))
    if len(title) > MAX_TITLE:
        raise InputError.of(title=_l("A title is at most %(n)d characters.", n=MAX_TITLE))
    if inspection.state not in ISSUABLE_STATES:
        raise InputError.of(title=_l("A notice is issued once the inspection has started."))
    return title


def _circulation(issuer: User) -> list[int]:
    """The office, the township government and the departments: their active leaders,
    liaisons and office staff, not the issuer."""
    units = db.session.scalars(select(Department.id).where(
        Department.kind.in_(CIRCULATION_KINDS), Department.active.is_(True)))
    return notifications.department_users(list(units), roles=CIRCULATION_ROLES,
                                          exclude=[issuer.id])


def issue_notice(user: User, inspection: Inspection, title: str, intro: str = "",
                 now: datetime | None = None) -> Notice:
    """The office issues a notice from ``inspection`` and circulates it; caller commits.

    Raises PermissionError for anyone but the office and InputError (on ``title``) for a
    missing or too long title or an inspection that has not started.
    """
    now = now or utcnow()
    title = _validate(user, inspection, title)
    body = build_content(inspection, now)

    def build(number: str) -> Notice:
        content = {**body, "title": title, "intro": intro.strip(), "number": number,
                   "issued_on": _local_day(now), "issuer": user.department.name_zh}
        return Notice(inspection_id=inspection.id, number=number, title=title,
                      content=content, issued_at=now, issued_by_id=user.id)

    notice = add_numbered(build, Notice.number, _prefix(), now)
    notifications.notify(_circulation(user), "notice.issued", title,
                         notifications.app_path("notices.detail", notice_id=notice.id),
                         "notice", notice.id)
    return notice


# --------------------------------------------------------------------------- reading


def notice_query(user: User, q: str = "", inspection_id: int | None = None) -> Select[Any]:
    """The notices ``user`` may read, newest first; ``q`` searches title and number."""
    # Lists never show the issued text: leave it in the database.
    stmt = select(Notice).options(defer(Notice.content)).where(access.visible_notices(user))
    if q:
        stmt = stmt.where(or_(Notice.title.icontains(q, autoescape=True),
                              Notice.number.icontains(q, autoescape=True)))
    if inspection_id:
        stmt = stmt.where(Notice.inspection_id == inspection_id)
    return stmt.order_by(Notice.issued_at.desc(), Notice.id.desc())


def get_visible_notice(user: User, notice_id: int) -> Notice | None:
    """The notice if ``user`` may read it (callers answer 404 otherwise)."""
    return db.session.scalar(select(Notice).where(Notice.id == notice_id,
                                                  access.visible_notices(user)))


# ------------------------------------------------------------------------- documents


def render_html(notice: Notice) -> str:
    """The notice as a complete HTML document (no external resources), from its snapshot.

    Needs an app context only: the template is rendered by the app's Jinja environment
    directly (the app's context processors want a signed-in request).
    """
    template = current_app.jinja_env.get_template(TEMPLATE)
    return template.render(content=notice.content)


def pdf_bytes(notice: Notice) -> bytes:
    """The notice as an A4 PDF with page numbers (WeasyPrint; CJK fonts from fontconfig).

    Nothing is fetched: the document has no external resources and every URL is refused.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    refuse_all = URLFetcher(allowed_protocols=())
    return HTML(string=render_html(notice), url_fetcher=refuse_all).write_pdf()


def _east_asian_fonts(document: Any) -> None:
    """Make every style use :data:`DOCX_FONT` for Chinese (theme fonts would override it)."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn

    for style in document.styles:
        if style.type not in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER,
                              WD_STYLE_TYPE.TABLE):
            continue
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), DOCX_FONT)
        fonts.attrib.pop(qn("w:eastAsiaTheme"), None)


def _chinese_day(iso: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{year}年{month}月{day}日"


def _summary_text(summary: dict[str, int]) -> str:
    return (f"本次督查共发现问题{summary['total']}个，已整改销号{summary['closed']}个，"
            f"待核验{summary['awaiting_verification']}个，正在整改{summary['open']}个，"
            f"其中逾期未整改{summary['overdue']}个。")


def _inspection_text(inspection: dict[str, Any]) -> list[str]:
    lines = [f"督查名称：{inspection['title']}",
             f"督查时间：{_chinese_day(inspection['start_on'])}至"
             f"{_chinese_day(inspection['end_on'])}"]
    if inspection["purpose"]:
        lines.append(f"督查目的：{inspection['purpose']}")
    if inspection["scope"]:
        lines.append(f"督查范围：{inspection['scope']}")
    lines.append(f"参加部门：{'、'.join(inspection['departments']) or '无'}")
    if inspection["villages"]:
        lines.append(f"督查村（社区）：{'、'.join(inspection['villages'])}")
    lines.append(f"现场检查记录：{inspection['records']}条")
    return lines


def _overdue_text(overdue_units: list[dict[str, Any]]) -> str:
    if not overdue_units:
        return "截至通报印发之日，无逾期未整改单位。"
    named = "、".join(f"{u['name']}（{u['count']}个）" for u in overdue_units)
    return (f"以下单位存在逾期未整改问题，予以通报：{named}。"
            "请上述单位立即整改，并按期报告整改情况。")


def _unit_table(document: Any, unit: dict[str, Any]) -> None:
    table = document.add_table(rows=1, cols=len(DOCX_COLUMNS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, DOCX_COLUMNS, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for number, finding in enumerate(unit["findings"], start=1):
        values = (str(number), finding["description"], finding["severity"],
                  _chinese_day(finding["due_on"]), finding["state"],
                  "是" if finding["overdue"] else "否")
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text


def docx_bytes(notice: Notice) -> bytes:
    """The notice as a Word document (python-docx), from its snapshot."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    content = notice.content
    document = Document()
    _east_asian_fonts(document)
    document.add_heading(content["title"], level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(content["number"]).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for paragraph in filter(None, content["intro"].splitlines()):
        document.add_paragraph(paragraph)
    document.add_heading("一、督查基本情况", level=1)
    for line in _inspection_text(content["inspection"]):
        document.add_paragraph(line)
    document.add_heading("二、问题整改总体情况", level=1)
    document.add_paragraph(_summary_text(content["summary"]))
    document.add_heading("三、各单位问题整改情况", level=1)
    for unit in content["units"]:
        document.add_heading(unit["name"], level=2)
        _unit_table(document, unit)
    document.add_heading("四、逾期未整改单位", level=1)
    document.add_paragraph(_overdue_text(content["overdue_units"]))
    for line in filter(None, (content.get("issuer"), _chinese_day(content["issued_on"]))):
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
