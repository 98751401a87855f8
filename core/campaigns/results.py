"""The results table (战果表, yangshan's 打击非法加工销售象牙及制品专项活动战果表; jiaocheng's
totals of the ledger): what the campaign achieved, computed from the ledger and the cases.

Everything is summed by the database (``SUM`` of the ledger cells grouped by column and by the
row's category and phase, ``COUNT`` of rows), so the table costs the same few queries however
long the ledger is. Yes/no columns count the rows answered "yes" (e.g. 非法采矿是否取缔: how
many were banned). Besides the ledger: how many rows are linked to a case, and how many cases
of the campaign's focus offence types the departments opened during the campaign.

The table is shown on the campaign's page (with :func:`chart_svg`), answered by the API
(:func:`as_dict`) and exported (:func:`results_response`).
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response
from flask_babel import get_locale, gettext as _
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import distinct, func, or_, select

from core.campaigns.layout import CATEGORY_LABEL, Column, excel_header, grouped_header, plain_number
from core.campaigns.models import Campaign, LedgerCell, LedgerRow
from core.db import db, utcnow
from core.departments.models import Department
from core.exports import safe_text
from core.timeutil import day_start, site_zone

#: Column kinds the table sums (text columns are not figures).
SUMMED_KINDS = ("number", "integer", "boolean")
CENT = Decimal("0.01")
ONE = Decimal(1)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Key = tuple[str, str]


# ----------------------------------------------------------------------------- model


@dataclass(frozen=True)
class ResultColumn:
    """A summed ledger column: its group (the department's code), key, labels and unit."""

    group: str
    key: str
    kind: str
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str
    subgroup_zh: str
    subgroup_en: str
    group_title_zh: str
    group_title_en: str

    @property
    def ident(self) -> Key:
        """``(group, column)``: the key of :attr:`Results.totals`."""
        return self.group, self.key

    @property
    def header_zh(self) -> str:
        """The Excel header: label and unit, e.g. 非法占地面积（亩）; yes/no columns count
        the rows answered 是."""
        if self.kind == "boolean":
            return f"{self.label_zh}（“是”的行数）"
        return f"{self.label_zh}（{self.unit_zh}）" if self.unit_zh else self.label_zh

    def label(self, english: bool = False) -> str:
        """The column's label in the reader's language, with the subgroup when it has one
        (the two 罚款金额 are land's and mining's)."""
        if english:
            label = self.label_en or self.label_zh
            sub = self.subgroup_en or self.subgroup_zh
            return f"{sub}: {label}" if sub else label
        return f"{self.subgroup_zh}·{self.label_zh}" if self.subgroup_zh else self.label_zh

    def unit(self, english: bool = False) -> str:
        return (self.unit_en or self.unit_zh) if english else self.unit_zh


@dataclass
class Breakdown:
    """One line of a breakdown: a category or a phase, its rows and its columns' totals."""

    key: str | None
    label_zh: str
    label_en: str
    rows: int = 0
    totals: dict[Key, Decimal] = field(default_factory=dict)

    def label(self, english: bool = False) -> str:
        return (self.label_en or self.label_zh) if english else self.label_zh


@dataclass
class DepartmentResult:
    """One column group: its department, the rows it filled (one cell or more) and the
    totals of its columns (by column key)."""

    group: str
    department: Department | None
    title_zh: str
    title_en: str
    columns: list[ResultColumn]
    rows_filled: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)

    def title(self, english: bool = False) -> str:
        return (self.title_en or self.title_zh) if english else self.title_zh


@dataclass
class CaseCounts:
    """Cases: ledger rows linked to a case; cases of the focus offence types opened during
    the campaign (its dates, site-local), in all and by department."""

    linked_rows: int = 0
    opened: int = 0
    opened_by_department: list[tuple[Department, int]] = field(default_factory=list)


@dataclass
class Results:
    """The results table of one campaign (see the module's docstring)."""

    campaign_id: int
    title: str
    category_label_zh: str
    category_label_en: str
    rows: int
    columns: list[ResultColumn]
    totals: dict[Key, Decimal]
    by_department: list[DepartmentResult]
    by_category: list[Breakdown]
    by_phase: list[Breakdown]
    cases: CaseCounts
    computed_at: datetime


# ----------------------------------------------------------------------- computation


def result_columns(campaign: Campaign) -> list[ResultColumn]:
    """Every number, count and yes/no column of every group, in the ledger's order."""
    return [ResultColumn(group=g["key"], key=c["key"], kind=c["kind"], label_zh=c["label_zh"],
                         label_en=c.get("label_en", ""), unit_zh=c.get("unit_zh", ""),
                         unit_en=c.get("unit_en", ""), subgroup_zh=c.get("subgroup_zh", ""),
                         subgroup_en=c.get("subgroup_en", ""), group_title_zh=g["title_zh"],
                         group_title_en=g.get("title_en", ""))
            for g in campaign.groups for c in g["columns"] if c["kind"] in SUMMED_KINDS]


def _amount(value: Any, kind: str) -> Decimal:
    """A database sum as a Decimal: cents for amounts, whole numbers for counts (SQLite
    may answer a float)."""
    number = Decimal(str(value)) if value is not None else Decimal(0)
    return number.quantize(CENT if kind == "number" else ONE)


def _zeros(columns: list[ResultColumn]) -> dict[Key, Decimal]:
    return {c.ident: _amount(0, c.kind) for c in columns}


def results(campaign: Campaign, now: datetime | None = None) -> Results:
    """Compute the results table of ``campaign``: a fixed number of aggregate queries (cells
    by category, phase and column; rows by category and phase; rows filled per group; cases
    opened per department; the departments; the phases) whatever the ledger's size."""
    now = now or utcnow()
    columns = result_columns(campaign)
    kinds = {c.ident: c.kind for c in columns}
    phases = list(campaign.phases)

    cell_sums = db.session.execute(
        select(LedgerRow.category, LedgerRow.phase_id, LedgerCell.group_key,
               LedgerCell.column_key, func.sum(LedgerCell.amount))
        .join(LedgerRow, LedgerRow.id == LedgerCell.row_id)
        .where(LedgerCell.campaign_id == campaign.id, LedgerRow.campaign_id == campaign.id,
               LedgerCell.kind.in_(SUMMED_KINDS), LedgerCell.amount.is_not(None))
        .group_by(LedgerRow.category, LedgerRow.phase_id, LedgerCell.group_key,
                  LedgerCell.column_key)).all()
    row_counts = db.session.execute(
        select(LedgerRow.category, LedgerRow.phase_id, func.count(LedgerRow.id),
               func.count(LedgerRow.case_id))
        .where(LedgerRow.campaign_id == campaign.id)
        .group_by(LedgerRow.category, LedgerRow.phase_id)).all()
    filled = dict(db.session.execute(
        select(LedgerCell.group_key, func.count(distinct(LedgerCell.row_id)))
        .where(LedgerCell.campaign_id == campaign.id)
        .group_by(LedgerCell.group_key)).all())
    opened = _cases_opened(campaign)
    codes = [g["department"] for g in campaign.groups]
    departments = list(db.session.scalars(select(Department).where(
        or_(Department.code.in_(codes), Department.id.in_(list(opened))))
        .order_by(Department.position, Department.id))) if codes or opened else []

    totals = _zeros(columns)
    categories: dict[str, Breakdown] = {}
    by_phase_id: dict[int | None, Breakdown] = {
        p.id: Breakdown(p.key, p.name_zh, p.name_en, totals=_zeros(columns)) for p in phases}

    def category(name: str) -> Breakdown:
        if name not in categories:
            categories[name] = Breakdown(name, name or "（未填）", name or "(not given)",
                                         totals=_zeros(columns))
        return categories[name]

    def phase(phase_id: int | None) -> Breakdown:
        if phase_id not in by_phase_id:  # rows entered outside the phases' dates
            by_phase_id[phase_id] = Breakdown(None, "（未定阶段）", "(no phase)",
                                              totals=_zeros(columns))
        return by_phase_id[phase_id]

    for name, phase_id, group_key, column_key, value in cell_sums:
        key = (group_key, column_key)
        if key not in kinds:  # a column no longer in the layout (never expected)
            continue
        amount = _amount(value, "number")
        for target in (totals, category(name or "").totals, phase(phase_id).totals):
            target[key] = _amount(target[key] + amount, kinds[key])
    rows = linked = 0
    for name, phase_id, count, with_case in row_counts:
        category(name or "").rows += count
        phase(phase_id).rows += count
        rows += count
        linked += with_case

    by_code = {d.code: d for d in departments}
    by_department = [
        DepartmentResult(group=g["key"], department=by_code.get(g["department"]),
                         title_zh=g["title_zh"], title_en=g.get("title_en", ""),
                         columns=[c for c in columns if c.group == g["key"]],
                         rows_filled=int(filled.get(g["key"], 0)),
                         totals={c.key: totals[c.ident] for c in columns
                                 if c.group == g["key"]})
        for g in campaign.groups]
    by_id = {d.id: d for d in departments}
    cases = CaseCounts(
        linked_rows=linked, opened=sum(opened.values()),
        opened_by_department=[(by_id[i], opened[i]) for i in
                              sorted(opened, key=lambda i: (by_id[i].position, i))])
    layout = campaign.ledger_layout
    return Results(
        campaign_id=campaign.id, title=campaign.title,
        category_label_zh=layout.get("category_label_zh", CATEGORY_LABEL[0]),
        category_label_en=layout.get("category_label_en", CATEGORY_LABEL[1]),
        rows=rows, columns=columns, totals=totals, by_department=by_department,
        by_category=sorted(categories.values(), key=lambda b: (-b.rows, b.key or "")),
        by_phase=list(by_phase_id.values()), cases=cases, computed_at=now)


def _cases_opened(campaign: Campaign) -> dict[int, int]:
    """Department id -> cases (kind ``case``) of the focus offence types opened during the
    campaign's dates (site-local days) by the departments taking part."""
    from core.campaigns.models import CampaignDepartment
    from core.cases.models import Case

    if not campaign.focus_offence_types:
        return {}
    return {department_id: int(count) for department_id, count in db.session.execute(
        select(Case.department_id, func.count(Case.id))
        .where(Case.kind == "case", Case.offence_type.in_(campaign.focus_offence_types),
               Case.created_at >= day_start(campaign.starts_on),
               Case.created_at < day_start(campaign.ends_on, end=True),
               Case.department_id.in_(select(CampaignDepartment.department_id).where(
                   CampaignDepartment.campaign_id == campaign.id)))
        .group_by(Case.department_id))}


# -------------------------------------------------------------------------- as data


def _nested(totals: dict[Key, Decimal]) -> dict[str, dict[str, int | float]]:
    out: dict[str, dict[str, int | float]] = defaultdict(dict)
    for (group, column), value in totals.items():
        out[group][column] = plain_number(value)
    return dict(out)


def as_dict(result: Results) -> dict[str, Any]:
    """The table as plain data (the API): totals as ``{group: {column: value}}``;
    departments by code; phases by key (``None``: rows outside the phases)."""
    return {
        "campaign_id": result.campaign_id,
        "computed_at": result.computed_at.isoformat(),
        "rows": result.rows,
        "category_label_zh": result.category_label_zh,
        "category_label_en": result.category_label_en,
        "columns": [{"group": c.group, "key": c.key, "kind": c.kind, "label_zh": c.label_zh,
                     "label_en": c.label_en, "unit_zh": c.unit_zh, "unit_en": c.unit_en,
                     "subgroup_zh": c.subgroup_zh, "subgroup_en": c.subgroup_en,
                     "header_zh": c.header_zh} for c in result.columns],
        "totals": _nested(result.totals),
        "by_department": [{"group": d.group,
                           "department": d.department.code if d.department else d.group,
                           "title_zh": d.title_zh, "title_en": d.title_en,
                           "rows_filled": d.rows_filled,
                           "totals": {k: plain_number(v) for k, v in d.totals.items()}}
                          for d in result.by_department],
        "by_category": [{"category": b.key, "rows": b.rows, "totals": _nested(b.totals)}
                        for b in result.by_category],
        "by_phase": [{"phase": b.key, "name_zh": b.label_zh, "name_en": b.label_en,
                      "rows": b.rows, "totals": _nested(b.totals)} for b in result.by_phase],
        "cases": {"linked_rows": result.cases.linked_rows, "opened": result.cases.opened,
                  "opened_by_department": [{"department": d.code, "count": n}
                                           for d, n in result.cases.opened_by_department]},
    }


# ---------------------------------------------------------------------------- Excel


BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _title(sheet: Any, text: str, width: int, computed_at: datetime) -> int:
    """The sheet's title and the time it was computed; returns the next free row."""
    sheet.cell(row=1, column=1, value=safe_text(text)).font = Font(bold=True, size=14)
    sheet.cell(row=1, column=1).alignment = CENTER
    if width > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    local = computed_at.astimezone(site_zone()).strftime("%Y-%m-%d %H:%M")
    sheet.cell(row=2, column=1, value=f"统计时间：{local}")
    return 4


def _wide_sheet(sheet: Any, result: Results, first_header: str, lines: list[Breakdown],
                title: str) -> None:
    """A breakdown as the ledger shows it: the first column, the rows, then one column per
    figure under its group's (and subgroup's) merged title; a 合计 line at the end."""
    columns = result.columns
    width = 2 + len(columns)
    top = _title(sheet, title, width, result.computed_at)
    header = grouped_header(
        [Column(first_header), Column("台账行数（行）")],
        [(group.title_zh, [Column(c.header_zh, subgroup=c.subgroup_zh) for c in group.columns])
         for group in result.by_department])
    texts, merges = excel_header(header, top)
    last = top + len(texts) - 1
    for offset, values in enumerate(texts):
        for col, text in enumerate(values, start=1):
            if text is not None:
                sheet.cell(row=top + offset, column=col, value=text)
    for ref in merges:
        sheet.merge_cells(ref)
    for row in sheet.iter_rows(min_row=top, max_row=last, max_col=width):
        for cell in row:
            cell.font, cell.alignment = BOLD, CENTER
    line = last + 1
    for item in lines:
        sheet.cell(row=line, column=1, value=safe_text(item.label_zh))
        sheet.cell(row=line, column=2, value=item.rows)
        for offset, column in enumerate(columns):
            sheet.cell(row=line, column=3 + offset, value=plain_number(item.totals[column.ident]))
        line += 1
    sheet.cell(row=line, column=1, value="合计").font = BOLD
    sheet.cell(row=line, column=2, value=result.rows).font = BOLD
    for offset, column in enumerate(columns):
        sheet.cell(row=line, column=3 + offset,
                   value=plain_number(result.totals[column.ident])).font = BOLD
    sheet.column_dimensions["A"].width = 22
    for col in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 14


def _department_sheet(sheet: Any, result: Results, title: str) -> None:
    top = _title(sheet, title, 3, result.computed_at)
    for col, text in enumerate(("部门", "项目", "合计"), start=1):
        cell = sheet.cell(row=top, column=col, value=text)
        cell.font, cell.alignment = BOLD, CENTER
    line = top + 1
    for group in result.by_department:
        name = group.department.name_zh if group.department else group.title_zh
        sheet.cell(row=line, column=1, value=name)
        sheet.cell(row=line, column=2, value="填报台账行数（行）")
        sheet.cell(row=line, column=3, value=group.rows_filled)
        line += 1
        for column in group.columns:
            label = (f"{column.subgroup_zh}·{column.header_zh}" if column.subgroup_zh
                     else column.header_zh)
            sheet.cell(row=line, column=1, value=name)
            sheet.cell(row=line, column=2, value=label)
            sheet.cell(row=line, column=3, value=plain_number(group.totals[column.key]))
            line += 1
    for letter, width in (("A", 22), ("B", 34), ("C", 14)):
        sheet.column_dimensions[letter].width = width


def _case_sheet(sheet: Any, result: Results, title: str) -> None:
    top = _title(sheet, title, 2, result.computed_at)
    for col, text in enumerate(("项目", "数量（起）"), start=1):
        cell = sheet.cell(row=top, column=col, value=text)
        cell.font, cell.alignment = BOLD, CENTER
    lines = [("关联案件的台账行数", result.cases.linked_rows),
             ("专项行动期间立案数（重点打击类别）", result.cases.opened)]
    lines += [(f"　其中：{d.name_zh}", n) for d, n in result.cases.opened_by_department]
    for offset, (label, count) in enumerate(lines, start=1):
        sheet.cell(row=top + offset, column=1, value=label)
        sheet.cell(row=top + offset, column=2, value=count)
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 14


def write_results(result: Results, fh: Any) -> None:
    """Write the table as a workbook to ``fh``: sheets 按类别, 按阶段, 按部门, 案件."""
    workbook = Workbook()
    title = f"{result.title}战果表"
    by_category = workbook.active
    by_category.title = "按类别"
    _wide_sheet(by_category, result, result.category_label_zh, result.by_category, title)
    _wide_sheet(workbook.create_sheet("按阶段"), result, "阶段", result.by_phase, title)
    _department_sheet(workbook.create_sheet("按部门"), result, title)
    _case_sheet(workbook.create_sheet("案件"), result, title)
    workbook.save(fh)


def results_response(campaign: Campaign) -> Response:
    """The results table as ``.xlsx``, built in a temporary file and streamed in chunks.
    The caller has checked that the user may see the campaign."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the streaming generator
    write_results(results(campaign), spool)
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while chunk := spool.read(64 * 1024):
                yield chunk

    filename = f"campaign-{campaign.id}-results.xlsx"
    response = Response(chunks(), mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}")
    return response


# ---------------------------------------------------------------------------- chart

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, CHART_WIDTH = 18, 6, 170, 300, 540
PALETTE = ("#2f7d4f", "#3b6ea8", "#b5762a")


def _bars(sections: list[tuple[str, list[tuple[str, int]]]]) -> Iterator[Markup]:
    """SVG elements of horizontal bar sections: a heading, then one bar per item (every
    text goes through ``Markup.format``, which escapes it)."""
    y = 0
    for index, (heading, items) in enumerate(sections):
        colour = PALETTE[index % len(PALETTE)]
        y += 20
        yield Markup('<text x="0" y="{}" font-size="13" font-weight="bold" '
                     'fill="#222">{}</text>').format(y, heading)
        y += 8
        biggest = max((count for _label, count in items), default=0) or 1
        if not items:
            y += BAR_HEIGHT
            yield Markup('<text x="0" y="{}" font-size="12" fill="#666">—</text>').format(y - 4)
        for label, count in items:
            length = round(BAR_WIDTH * count / biggest)
            short = label if len(label) <= 14 else label[:13] + "…"
            yield Markup('<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#222">'
                         '<title>{}</title>{}</text>').format(
                LABEL_WIDTH - 6, y + BAR_HEIGHT - 5, label, short)
            yield Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>').format(
                LABEL_WIDTH, y, length, BAR_HEIGHT, colour)
            yield Markup('<text x="{}" y="{}" font-size="12" fill="#222">{}</text>').format(
                LABEL_WIDTH + length + 4, y + BAR_HEIGHT - 5, count)
            y += BAR_HEIGHT + GAP
        y += GAP


def chart_svg(result: Results) -> Markup:
    """A server-rendered bar chart (inline SVG, no script, no style attribute: the CSP
    allows it): ledger rows per phase, rows each department filled, rows per category (the
    ten largest). Every label is escaped."""
    locale = str(get_locale() or "zh")
    english = locale.startswith("en")
    sections = [
        (_("Ledger rows by phase"), [(b.label(english), b.rows) for b in result.by_phase]),
        (_("Rows filled by department"),
         [(d.department.name(locale) if d.department else d.title(english), d.rows_filled)
          for d in result.by_department]),
        (_("Ledger rows by category"),
         [(b.label(english), b.rows) for b in result.by_category[:10]]),
    ]
    height = 28 * len(sections) + sum((BAR_HEIGHT + GAP) * max(len(items), 1) + GAP
                                      for _heading, items in sections) + 10
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
        'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'font-family="sans-serif"><title>{label}</title>{body}</svg>').format(
        label=_("Results of the campaign"), width=CHART_WIDTH, height=height,
        body=Markup("").join(_bars(sections)))
