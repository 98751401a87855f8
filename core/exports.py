"""Excel exports: the exact headers people keep, streamed without holding rows in memory."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """Text people typed is never run as a formula: text starting like one gets a leading
    ``'``; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _local(value: Any, tz: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None)  # Excel has no time zones
    return safe_text(value)


def write_xlsx(title: str, headers: list[str], rows: Iterable[list[Any]], fh: Any,
               timezone: str = "Asia/Shanghai") -> int:
    """Write a one-sheet workbook to ``fh`` (write-only mode: constant memory)."""
    tz = ZoneInfo(timezone)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([_local(v, tz) for v in row])
        count += 1
    workbook.save(fh)
    return count


def xlsx_response(title: str, headers: list[str], rows: Iterable[list[Any]],
                  filename: str) -> Response:
    """Build the workbook in a temporary file, then stream it to the client in chunks."""
    from core.app import kernel

    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the streaming generator
    write_xlsx(title, headers, rows, spool, kernel().settings["app"]["timezone"])
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while chunk := spool.read(64 * 1024):
                yield chunk

    response = Response(chunks(), mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}")
    return response
