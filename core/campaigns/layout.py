"""The ledger as the document lays it out and shows it, in one place for the pages, the
ledger workbook and the results workbook: the core columns' labels, the grouped header, and
how a cell's value is shown.

The grouped header (jiaocheng's 台账): the core columns (序号 … the category) stand over every
header row; each department group's title stands over its columns; a subgroup (占地方面 /
采矿方面) stands over its columns, and a column without one spans the lower rows; 备注 is last.
:func:`header_cells` computes it once; the page draws it as ``colspan``/``rowspan`` cells and
:func:`excel_header` turns it into a sheet's rows and merged ranges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils import get_column_letter

#: The core's columns as the document names them (Chinese) and in English; the category's
#: label is the layout's (开采矿种 for the mining ledger), :data:`CATEGORY_LABEL` without one.
CORE_LABELS = {"number": ("序号", "No."), "county": ("县市区", "County/district"),
               "party": ("企业名称(个人)", "Company (or person)"),
               "location": ("位置", "Location"), "remarks": ("备注", "Remarks")}
CATEGORY_LABEL = ("类别", "Category")
#: The core's columns before the department groups, and after them.
LEADING = ("number", "county", "party", "location", "category")
TRAILING = ("remarks",)


def _english(locale: str) -> bool:
    return locale.startswith("en")


def core_label(key: str, layout: dict[str, Any] | None = None, locale: str = "zh") -> str:
    """A core column's label, as the document has it (Chinese) or in English."""
    english = _english(locale)
    if key == "category":
        layout = layout or {}
        return str((layout.get("category_label_en") if english else None)
                   or layout.get("category_label_zh") or CATEGORY_LABEL[english])
    return CORE_LABELS[key][english]


def group_title(group: dict[str, Any], locale: str = "zh") -> str:
    """A column group's title in ``locale`` (the Chinese one when it has no other)."""
    return (group.get("title_en") if _english(locale) else None) or group["title_zh"]


# ---------------------------------------------------------------------------- header


@dataclass(frozen=True)
class Column:
    """A column under a grouped header: its label and unit, and its subgroup (columns side by
    side with the same ``subgroup`` share one cell showing ``subgroup_text``)."""

    text: str
    unit: str = ""
    subgroup: str = ""
    subgroup_text: str = ""
    nowrap: bool = False


@dataclass(frozen=True)
class HeaderCell:
    """One cell of a grouped header: its place in the grid (0-based), its text and unit, and
    how many columns and rows it spans."""

    row: int
    col: int
    text: str
    unit: str = ""
    colspan: int = 1
    rowspan: int = 1
    nowrap: bool = False


def grouped_header(leading: Sequence[Column], groups: Sequence[tuple[str, Sequence[Column]]],
                   trailing: Sequence[Column] = ()) -> list[list[HeaderCell]]:
    """The header rows, each a list of the cells that start on it, left to right: the
    ``leading`` and ``trailing`` columns span every row; each group's title spans its
    columns (a group without columns is left out); under it a subgroup spans its run of
    columns with their labels below, and a column without one spans the lower rows. Two rows,
    or three when any column has a subgroup."""
    depth = 3 if any(c.subgroup for _title, columns in groups for c in columns) else 2
    rows: list[list[HeaderCell]] = [[] for _ in range(depth)]
    position = 0

    def spanning(columns: Sequence[Column]) -> None:
        nonlocal position
        for column in columns:
            rows[0].append(HeaderCell(0, position, column.text, column.unit, rowspan=depth,
                                      nowrap=column.nowrap))
            position += 1

    spanning(leading)
    for title, columns in groups:
        if not columns:
            continue
        rows[0].append(HeaderCell(0, position, title, colspan=len(columns)))
        i = 0
        while i < len(columns):
            column = columns[i]
            if not column.subgroup:
                rows[1].append(HeaderCell(1, position + i, column.text, column.unit,
                                          rowspan=depth - 1, nowrap=column.nowrap))
                i += 1
                continue
            end = i
            while end < len(columns) and columns[end].subgroup == column.subgroup:
                end += 1
            rows[1].append(HeaderCell(1, position + i, column.subgroup_text or column.subgroup,
                                      colspan=end - i))
            rows[2] += [HeaderCell(2, position + k, c.text, c.unit, nowrap=c.nowrap)
                        for k, c in enumerate(columns[i:end], i)]
            i = end
        position += len(columns)
    spanning(trailing)
    return rows


def header_cells(layout: dict[str, Any], locale: str = "zh") -> list[list[HeaderCell]]:
    """The ledger's grouped header (see the module's docstring) in ``locale``: labels with
    their units apart; subgroups are told apart by their Chinese names."""
    english = _english(locale)

    def text(column: dict[str, Any], key: str) -> str:
        return ((column.get(f"{key}_en") if english else None)
                or column.get(f"{key}_zh") or "")

    def column(c: dict[str, Any]) -> Column:
        return Column(text(c, "label"), c.get("unit_en" if english else "unit_zh") or "",
                      c.get("subgroup_zh") or "", text(c, "subgroup"))

    return grouped_header(
        [Column(core_label(k, layout, locale), nowrap=k != "party") for k in LEADING],
        [(group_title(g, locale), [column(c) for c in g["columns"]])
         for g in layout.get("groups", [])],
        [Column(core_label(k, layout, locale), nowrap=True) for k in TRAILING])


def cell_range(first_col: int, first_row: int, last_col: int, last_row: int) -> str:
    """A sheet range such as ``"F4:L4"`` (1-based columns and rows)."""
    return (f"{get_column_letter(first_col)}{first_row}:"
            f"{get_column_letter(last_col)}{last_row}")


def excel_header(cells: list[list[HeaderCell]], first_row: int
                 ) -> tuple[list[list[str | None]], list[str]]:
    """A grouped header as a sheet holds it, starting on ``first_row``: its rows of texts
    (``None`` under a merge; units are not shown) and the merged ranges (``"A4:A6"``,
    ``"F4:L4"``…) from left to right."""
    width = sum(cell.colspan for cell in cells[0])
    rows: list[list[str | None]] = [[None] * width for _ in cells]
    merges: list[str] = []
    for cell in sorted((c for line in cells for c in line), key=lambda c: (c.col, c.row)):
        rows[cell.row][cell.col] = cell.text
        if cell.colspan > 1 or cell.rowspan > 1:
            top = first_row + cell.row
            merges.append(cell_range(cell.col + 1, top, cell.col + cell.colspan,
                                     top + cell.rowspan - 1))
    return rows, merges


# ---------------------------------------------------------------------------- values


def plain_number(value: Decimal) -> int | float:
    """A figure as JSON and Excel hold it: whole numbers as ``int``, others as ``float``."""
    return int(value) if value == value.to_integral_value() else float(value)


def number_text(value: Decimal | None) -> str:
    """A figure as people read it: 12.50 -> "12.5", 30000.00 -> "30000" ("" for none)."""
    return "" if value is None else format(value.normalize(), "f")


def display(column: dict[str, Any], value: Any, yes: str = "是", no: str = "否") -> str:
    """A cell's value as people read and type it: ``yes``/``no`` for yes/no columns, plain
    numbers (a snapshot's ``int``/``float`` too), text; "" when empty."""
    if value is None or value == "":
        return ""
    if column["kind"] == "boolean":
        return yes if value else no
    if column["kind"] in ("number", "integer") and not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except InvalidOperation:  # a snapshot holds what was stored; show it as it is
            return str(value)
    return number_text(value) if isinstance(value, Decimal) else str(value)
