"""The campaign ledger (台账) as the document's Excel table, out and back in.

Export reproduces the table at the end of jiaocheng's document (吕梁市严厉打击非法采矿占地专项行动
台账): the title, the units line (单位：亩、元、吨、人) and 填报单位 on rows 1-3, then the grouped
header with merged cells starting on :data:`HEADER_ROW` (序号 … 开采矿种, one merged cell per
department group, its subgroups such as 占地方面 / 采矿方面, then the column labels; 备注 last),
the rows in 序号 order and the footer (审核人 / 填报时间 / 填报人).

Import reads a workbook of the same layout back. Every cell is checked before anything is
written, and only cells that differ from what is stored count as changes, so re-importing an
exported file changes nothing. Changes follow the ledger's rules (``core.campaigns.services``):
a department changes only its own group's columns, core columns only the row's department or
the campaign office. Any problem imports nothing: :class:`LedgerImportError` names every bad
cell (``"H7"``) with its column.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response
from flask_babel import get_locale, lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from core.campaigns import services
from core.campaigns.layout import (
    LEADING,
    TRAILING,
    cell_range,
    core_label,
    display,
    excel_header,
    header_cells,
    plain_number,
)
from core.campaigns.models import Campaign, LedgerRow
from core.db import db, utcnow
from core.departments.models import Department
from core.errors import InputError
from core.exports import FORMULA_START, safe_text

#: Row 1: the ledger's title; row 2: the units line; row 3: 填报单位.
TITLE_ROW, UNITS_ROW, UNIT_ROW = 1, 2, 3
#: The header's first row (its height is 2, or 3 when a group has subgroups).
HEADER_ROW = 4
#: The 序号 column's label (problems with a row's number name it).
NUMBER_LABEL = core_label("number")
#: The footer row's first cell starts with this; reading stops there.
FOOTER_MARK = "审核人"
#: The largest workbook accepted, and the most data rows.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
#: A workbook is a zip: refuse one whose content unpacks to more than this (a zip bomb).
MAX_UNPACKED = 100 * 1024 * 1024
#: At most this many problems are listed (the rest are counted).
MAX_PROBLEMS = 200
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TEXT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_NUMBER = Alignment(horizontal="right", vertical="center")


# ---------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class SheetColumn:
    """One column of the sheet: a core field (``number``, ``county``… ``remarks``) or a
    group's column (``group`` and ``column`` set)."""

    field: str
    label: str
    group: dict[str, Any] | None = None
    column: dict[str, Any] | None = None

    @property
    def key(self) -> str | tuple[str, str]:
        """The core field's name, or ``(group key, column key)``."""
        if self.group is None or self.column is None:
            return self.field
        return (self.group["key"], self.column["key"])


def sheet_columns(campaign: Campaign) -> list[SheetColumn]:
    """The sheet's columns left to right: 序号, 县市区, 企业名称(个人), 位置, the category, each
    group's columns, 备注."""
    layout = campaign.ledger_layout
    columns = [SheetColumn(name, core_label(name, layout)) for name in LEADING]
    for group in campaign.groups:
        columns += [SheetColumn("group", c["label_zh"], group, c) for c in group["columns"]]
    return columns + [SheetColumn(name, core_label(name, layout)) for name in TRAILING]


def header_layout(campaign: Campaign) -> tuple[list[list[str | None]], list[str]]:
    """The header as the document draws it (always in Chinese): its rows (``None`` under a
    merge) and the merged ranges (``"A4:A6"``, ``"F4:L4"``…), starting on
    :data:`HEADER_ROW`."""
    return excel_header(header_cells(campaign.ledger_layout), HEADER_ROW)


def header_end(campaign: Campaign) -> int:
    """The header's last row (the first data row is the next)."""
    return HEADER_ROW + len(header_cells(campaign.ledger_layout)) - 1


# ---------------------------------------------------------------------------- export


def _unsafe(text: str) -> str:
    """Undo :func:`core.exports.safe_text` when reading an exported file back."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def _excel_number(value: Any) -> Any:
    """A figure as :func:`~core.campaigns.layout.plain_number` gives it, but Excel keeps 15
    significant digits: larger amounts are written as text so no cent is lost (and read back
    as the same number)."""
    if not isinstance(value, Decimal):
        return value
    whole = value == value.to_integral_value()
    if abs(value) >= (10**15 if whole else 10**12):
        return str(value.normalize() if whole else value)
    return plain_number(value)


def _width(col: SheetColumn) -> float:
    return {"number": 6, "county": 10, "party": 24, "location": 18, "category": 11,
            "remarks": 20}.get(col.field, 11)


def _cell(sheet: Any, value: Any, font: Font | None = None,
          alignment: Alignment | None = None, border: bool = True) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if border:
        cell.border = _BORDER
    return cell


def _filed_on(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "   年  月  日"


def _footer_spans(width: int) -> list[tuple[int, int]]:
    """Split ``width`` columns into left / middle / right thirds (1-based, inclusive)."""
    sizes = [width // 3 + (1 if i < width % 3 else 0) for i in range(3)]
    spans, first = [], 1
    for size in sizes:
        spans.append((first, first + max(size, 1) - 1))
        first += max(size, 1)
    return spans


def _data_rows(campaign: Campaign) -> Iterator[LedgerRow]:
    """The rows in 序号 order, loaded a batch at a time (the session only keeps weak
    references to unchanged rows, so memory stays bounded)."""
    yield from db.session.scalars(services.ledger_rows(campaign)
                                  .execution_options(yield_per=500))


def write_ledger(campaign: Campaign, fh: Any) -> None:
    """Write the ledger to ``fh`` as the document's table (write-only: constant memory)."""
    columns = sheet_columns(campaign)
    width = len(columns)
    header, merges = header_layout(campaign)
    last_header = header_end(campaign)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    for index, col in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(col)
    sheet.freeze_panes = f"A{last_header + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"{HEADER_ROW}:{last_header}"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.row_dimensions[TITLE_ROW].height = 32
    for row in range(HEADER_ROW, last_header + 1):
        sheet.row_dimensions[row].height = 30

    layout = campaign.ledger_layout
    full = lambda row: cell_range(1, row, width, row)  # noqa: E731
    sheet.append([_cell(sheet, layout.get("title") or campaign.title,
                        Font(bold=True, size=16), _CENTRE, border=False)])
    sheet.append([_cell(sheet, f"单位：{layout.get('units', '')}", None,
                        Alignment(horizontal="left", vertical="center"), border=False)])
    sheet.append([_cell(sheet, safe_text(f"填报单位：{campaign.ledger_unit}"), None,
                        Alignment(horizontal="left", vertical="center"), border=False)])
    for row in (TITLE_ROW, UNITS_ROW, UNIT_ROW):
        sheet.merged_cells.add(full(row))

    bold = Font(bold=True)
    for values in header:
        sheet.append([_cell(sheet, value, bold, _CENTRE) for value in values])
    for ref in merges:
        sheet.merged_cells.add(ref)

    count = 0
    for ledger_row in _data_rows(campaign):
        sheet.append(_row_cells(sheet, columns, ledger_row))
        count += 1

    footer_row = last_header + count + 1
    spans = _footer_spans(width)
    texts = [f"审核人：{campaign.ledger_reviewer}",
             f"填报时间：{_filed_on(campaign.ledger_filed_on)}",
             f"填报人：{campaign.ledger_filed_by}"]
    aligns = ("left", "center", "right")
    footer: list[Any] = [None] * width
    for (first, last), text, align in zip(spans, texts, aligns, strict=True):
        footer[first - 1] = _cell(sheet, safe_text(text), None,
                                  Alignment(horizontal=align, vertical="center"),
                                  border=False)
        if last > first:
            sheet.merged_cells.add(cell_range(first, footer_row, last, footer_row))
    sheet.append(footer)
    workbook.save(fh)


def _row_cells(sheet: Any, columns: list[SheetColumn], row: LedgerRow) -> list[Any]:
    values = row.values()
    cells = []
    for col in columns:
        if col.field == "number":
            cells.append(_cell(sheet, row.number, None, _CENTRE))
        elif col.group is not None and col.column is not None:
            value = values.get((col.group["key"], col.column["key"]))
            if col.column["kind"] in ("number", "integer"):
                cells.append(_cell(sheet, _excel_number(value), None, _NUMBER))
            else:  # 是/否, text
                shown = None if value is None else safe_text(display(col.column, value))
                cells.append(_cell(sheet, shown, None, _CENTRE))
        else:
            cells.append(_cell(sheet, safe_text(getattr(row, col.field) or None), None, _TEXT))
    return cells


def _filename(campaign: Campaign) -> str:
    title = campaign.ledger_layout.get("title") or campaign.title or "台账"
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", title).strip()[:150] + ".xlsx"


def ledger_response(campaign: Campaign) -> Response:
    """The ledger workbook as a download, built in a temporary file and streamed in chunks
    (named ``<ledger title>.xlsx``)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the streaming generator
    try:
        write_ledger(campaign, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while chunk := spool.read(64 * 1024):
                yield chunk

    filename = _filename(campaign)
    response = Response(chunks(), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"ledger-{campaign.id}.xlsx\"; "
        f"filename*=UTF-8''{quote(filename)}")
    return response


# ---------------------------------------------------------------------------- import


@dataclass
class ImportResult:
    """What an import did: rows added, rows changed, rows left as they were."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0


#: One problem: ``(cell reference like "H7", column header label, message)``.
Problem = tuple[str, str, str]


class LedgerImportError(InputError):
    """The workbook was refused; nothing was imported. ``problems`` lists every bad cell;
    ``fields`` maps cell references to ``"<column>: <message>"`` (the API's 422)."""

    def __init__(self, problems: list[Problem]):
        fields: dict[str, list[str]] = {}
        for ref, label, message in problems:
            fields.setdefault(ref, []).append(f"{label}: {message}" if label else message)
        super().__init__(fields)
        self.problems = problems


@dataclass
class _FileRow:
    """A data row as read: its sheet row, 序号 (None: a new row), core text and raw values."""

    line: int
    number: int | None
    core: dict[str, str]
    #: Its 序号 is wrong or repeated: reported once, not compared with any stored row.
    skip: bool = False
    raw: dict[tuple[str, str], Any] = field(default_factory=dict)
    parsed: dict[tuple[str, str], tuple[Decimal | None, str]] = field(default_factory=dict)


def _read_bytes(fh: Any) -> bytes:
    data = fh if isinstance(fh, bytes | bytearray) else fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InputError.of(file=_l("The file is larger than %(n)s MB.",
                                    n=MAX_BYTES // (1024 * 1024)))
    if not data:
        raise InputError.of(file=_l("The file is empty."))
    return bytes(data)


def _open(data: bytes) -> Any:
    """The workbook's first sheet, or :class:`InputError` for anything not an xlsx."""
    not_xlsx = InputError.of(file=_l("This is not an Excel workbook (.xlsx). Export the "
                                     "ledger, fill in that file and import it."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise InputError.of(file=_l("The workbook is too large once unpacked."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - a foreign file may fail anywhere in openpyxl
        raise not_xlsx from None
    if not workbook.worksheets:
        raise not_xlsx
    sheet = workbook.worksheets[0]
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # the stored size may be wrong: read what is there
    return sheet


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    """A core cell as text, as typed (numbers without a trailing ``.0``)."""
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        value = value.isoformat()
    return _unsafe(str(value).strip())


def _number(value: Any) -> int | None:
    """The 序号 cell: a whole number, or None (raises ``ValueError``)."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        value = int(value)
    number = int(str(value).strip())
    if not 1 <= number <= 2**31 - 1:  # the column is a 32-bit integer
        raise ValueError
    return number


def _ref(index: int, line: int) -> str:
    return f"{get_column_letter(index + 1)}{line}"


def _check_header(sheet_rows: Iterator[tuple[Any, ...]], campaign: Campaign,
                  width: int) -> None:
    expected, _ = header_layout(campaign)
    for offset, want in enumerate(expected):
        got = next(sheet_rows, ())
        for index in range(width):
            found = got[index] if index < len(got) else None
            found_text = None if _blank(found) else str(found).strip()
            if found_text != want[index]:
                raise LedgerImportError([(
                    _ref(index, HEADER_ROW + offset), "",
                    str(_l("The header does not match this ledger: expected “%(want)s”, "
                           "found “%(got)s”. Export the ledger and fill in that file.",
                           want=want[index] or "", got=found_text or "")))])


def _read_rows(sheet: Any, campaign: Campaign, columns: list[SheetColumn],
               problems: list[Problem]) -> list[_FileRow]:
    """Check the header, then read and parse every data row (problems collected)."""
    width = len(columns)
    sheet_rows = sheet.iter_rows(min_row=HEADER_ROW, max_col=width, values_only=True)
    _check_header(sheet_rows, campaign, width)
    first = header_end(campaign) + 1
    rows: list[_FileRow] = []
    seen: dict[int, int] = {}
    for line, values in enumerate(sheet_rows, first):
        values = tuple(values) + (None,) * (width - len(values))
        if isinstance(values[0], str) and values[0].strip().startswith(FOOTER_MARK):
            break
        if all(_blank(v) for v in values):
            if line - first >= 2 * MAX_ROWS:
                raise InputError.of(file=_l("The table has no footer (审核人) and runs on "
                                            "too far."))
            continue  # a blank line inside the table is harmless
        if len(rows) >= MAX_ROWS:
            raise InputError.of(file=_l("At most %(n)s rows can be imported at once.",
                                        n=MAX_ROWS))
        rows.append(_parse_row(line, values, columns, seen, problems))
    return rows


def _parse_row(line: int, values: tuple[Any, ...], columns: list[SheetColumn],
               seen: dict[int, int], problems: list[Problem]) -> _FileRow:
    """One data row: its 序号 (``seen``: 序号 -> sheet row so far), core text and every
    group cell parsed by the ledger's rules; problems are collected, not raised."""
    skip = False
    try:
        number = _number(values[0])
    except ValueError:
        number, skip = None, True
        problems.append((_ref(0, line), NUMBER_LABEL,
                         str(_l("Enter the row's 序号 as a whole number, or leave it empty "
                                "to add a row."))))
    else:
        if number is not None and number in seen:
            skip = True
            problems.append((_ref(0, line), NUMBER_LABEL,
                             str(_l("The same 序号 is on row %(line)s too.",
                                    line=seen[number]))))
        elif number is not None:
            seen[number] = line
    row = _FileRow(line=line, number=number, core={}, skip=skip)
    for index, col in enumerate(columns):
        value = values[index]
        if col.field == "number":
            continue
        if col.group is None or col.column is None:
            row.core[col.field] = _text(value)
            continue
        key = (col.group["key"], col.column["key"])
        if col.column["kind"] == "text" and isinstance(value, str):
            value = _unsafe(value)  # as exported: formula-like text was written as text
        row.raw[key] = value
        try:
            row.parsed[key] = services.parse_cell(col.column, value)
        except ValueError as exc:
            problems.append((_ref(index, line), col.label, str(exc)))
    for name, message in services.check_core(row.core).items():
        index = next(i for i, c in enumerate(columns) if c.field == name)
        problems.append((_ref(index, line), columns[index].label, message))
    return row


def _existing(campaign: Campaign, numbers: list[int]) -> dict[int, LedgerRow]:
    """The stored rows with these 序号 (in chunks: databases limit a query's parameters)."""
    rows: dict[int, LedgerRow] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        rows.update((r.number, r) for r in db.session.scalars(select(LedgerRow).where(
            LedgerRow.campaign_id == campaign.id, LedgerRow.number.in_(chunk))))
    return rows


def _same(kind: str, stored: Any, parsed: tuple[Decimal | None, str]) -> bool:
    """Whether a parsed cell equals the stored one (``stored``: a LedgerCell or None)."""
    amount, text = parsed
    if stored is None:
        return amount is None and not text
    if kind == "text":
        return stored.text == text
    return stored.amount is not None and amount is not None and stored.amount == amount


def _owner_names(campaign: Campaign) -> dict[str, str]:
    codes = [g["department"] for g in campaign.groups]
    locale = str(get_locale() or "zh")
    return {d.code: d.name(locale) for d in db.session.scalars(
        select(Department).where(Department.code.in_(codes)))}


@dataclass
class _Plan:
    """What one file row changes: core fields, group cells (raw values), or a new row."""

    row: LedgerRow | None
    file_row: _FileRow
    core: dict[str, str] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)


def _plan(user: Any, campaign: Campaign, columns: list[SheetColumn], rows: list[_FileRow],
          problems: list[Problem]) -> list[_Plan]:
    """Compare every row with what is stored and check who may change what."""
    existing = _existing(campaign, [r.number for r in rows if r.number is not None])
    owners = _owner_names(campaign)
    index_of = {c.key: i for i, c in enumerate(columns)}
    closed = str(_l("The campaign is closed."))
    plans: list[_Plan] = []
    campaign_groups = {g["key"]: g for g in campaign.groups}
    may_group = {key: services.may_edit_group(user, campaign, key) for key in campaign_groups}
    for file_row in rows:
        if file_row.skip:
            continue
        row = existing.get(file_row.number) if file_row.number is not None else None
        if file_row.number is not None and row is None:
            problems.append((_ref(0, file_row.line), NUMBER_LABEL,
                             str(_l("No row has 序号 %(n)s in this ledger; leave 序号 empty "
                                    "to add a row.", n=file_row.number))))
            continue
        plan = _Plan(row=row, file_row=file_row)
        if row is None:
            plan.core = dict(file_row.core)
            if not services.may_add_row(user, campaign):
                message = (closed if campaign.state != "active" else
                           str(_l("You do not take part in this campaign, so you may not "
                                  "add rows.")))
                problems.append((_ref(0, file_row.line), NUMBER_LABEL, message))
        else:
            plan.core = {name: text for name, text in file_row.core.items()
                         if text != (getattr(row, name) or "")}
            if plan.core and not services.may_edit_core(user, campaign, row):
                message = closed if campaign.state != "active" else str(_l(
                    "Only the department that entered the row or the campaign office may "
                    "change this."))
                for name in plan.core:
                    index = index_of[name]
                    problems.append((_ref(index, file_row.line), columns[index].label,
                                     message))
        stored = ({(c.group_key, c.column_key): c for c in row.cells}
                  if row is not None else {})
        for key, parsed in file_row.parsed.items():
            col = columns[index_of[key]]
            group_key, column_key = key
            group = campaign_groups[group_key]
            kind = next(c["kind"] for c in group["columns"] if c["key"] == column_key)
            if _same(kind, stored.get(key), parsed):
                continue
            if not may_group[group_key]:
                message = closed if campaign.state != "active" else str(_l(
                    "This column belongs to %(department)s.",
                    department=owners.get(group["department"], group["department"])))
                problems.append((_ref(index_of[key], file_row.line), col.label, message))
                continue
            plan.groups.setdefault(group_key, {})[column_key] = file_row.raw[key]
        plans.append(plan)
    return plans


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS],
            ("file", "", str(_l("%(n)s more problems are not listed.", n=rest)))]


def import_ledger(user: Any, campaign: Campaign, fh: Any,
                  now: datetime | None = None) -> ImportResult:
    """Import a workbook of the export's layout (a file object or bytes).

    Every cell is checked first; if anything is wrong :class:`LedgerImportError` lists the
    cells and nothing is written. Otherwise rows with a known 序号 are updated (cells equal
    to the stored ones are left alone), rows with an empty 序号 are added. Writes happen in
    the caller's transaction (the caller commits).
    """
    now = now or utcnow()
    sheet = _open(_read_bytes(fh))
    columns = sheet_columns(campaign)
    problems: list[Problem] = []
    try:
        rows = _read_rows(sheet, campaign, columns, problems)
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - broken XML shows only while reading rows
        raise InputError.of(file=_l("The workbook is damaged and cannot be read.")) from None
    finally:
        sheet.parent.close()
    plans = _plan(user, campaign, columns, rows, problems)
    if problems:
        raise LedgerImportError(_capped(problems))
    result = ImportResult()
    for plan in plans:
        if plan.row is None:
            continue
        if not (plan.core or plan.groups):
            result.unchanged += 1
            continue
        result.changed += 1
        if plan.core:
            services.update_core(user, campaign, plan.row, plan.core, now=now)
        for group_key, values in plan.groups.items():
            services.set_group(user, campaign, plan.row, group_key, values, now=now)
    # New rows last, in file order (their 序号 follow the ledger's); each add flushes, so
    # their figures are written afterwards to keep it to one flush per new row.
    added = [(plan, services.add_row(user, campaign, plan.core, now=now))
             for plan in plans if plan.row is None]
    for plan, row in added:
        for group_key, values in plan.groups.items():
            services.set_group(user, campaign, row, group_key, values, now=now)
    result.added = len(added)
    db.session.flush()
    return result
