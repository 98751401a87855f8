"""The campaign ledger's Excel export and import: the document's table (jiaocheng's
吕梁市严厉打击非法采矿占地专项行动台账) with its grouped, merged header, and an import that checks
every cell, imports nothing when any is wrong, and changes nothing when a file comes back
unchanged."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.campaigns import ledger_xlsx, services
from core.errors import InputError
from core.testing import SHANGHAI, api_caller_for, campaign_of, user_of

LATER = datetime(2021, 5, 20, 10, 0, tzinfo=SHANGHAI)
IMPORTED = datetime(2021, 5, 25, 16, 0, tzinfo=SHANGHAI)

#: The document's header, cell by cell (rows 4-6, columns A..P).
HEADER = {
    4: ["序号", "县市区", "企业名称(个人)", "位置", "开采矿种", "自然资源部门处理情况",
        None, None, None, None, None, None, "公安部门处理情况", None, None, "备注"],
    5: [None, None, None, None, None, "占地方面", None, None, "采矿方面", None, None, None,
        "行政拘留", "刑事拘留", "逮捕", None],
    6: [None, None, None, None, None, "非法占地面积", "罚款金额", "是否恢复原状",
        "非法开采数量", "没收非法矿产品", "罚款金额", "非法采矿是否取缔", None, None, None,
        None],
}
HEADER_MERGES = {"A4:A6", "B4:B6", "C4:C6", "D4:D6", "E4:E6", "F4:L4", "M4:O4", "P4:P6",
                 "F5:H5", "I5:L5", "M5:M6", "N5:N6", "O5:O6"}


@pytest.fixture
def people(campaign_people: dict[str, int]) -> dict[str, int]:
    return campaign_people


@pytest.fixture
def campaign_id(app: Any, make_campaign: Any, people: dict[str, int]) -> int:
    """The mining campaign with two rows: NR figures and police detentions on the first,
    a few NR figures on the second, and the footer filled in."""
    from core import audit
    from core.db import db

    campaign_id = make_campaign(people["office"], ledger_unit="交城县自然资源局")
    with app.app_context(), audit.acting_as(name="test"):
        campaign = campaign_of(campaign_id)
        nr, police = user_of(people["nr"]), user_of(people["police"])
        first = services.add_row(nr, campaign, {
            "county": "交城县", "party": "某砂石厂", "location": "西社镇", "category": "砂石",
            "remarks": "已移交公安"}, now=LATER)
        services.set_group(nr, campaign, first, "natural_resources", {
            "land_area": "12.5", "land_fine": "30000", "land_restored": "否",
            "mined_quantity": "1500", "mining_fine": "45000.75", "mining_banned": "是"},
            now=LATER)
        services.set_group(police, campaign, first, "police",
                           {"criminal_detentions": 2, "arrests": 1}, now=LATER)
        second = services.add_row(police, campaign, {
            "county": "交城县", "party": "=HYPERLINK(\"http://x\")", "location": "夏家营镇",
            "category": "煤"}, now=LATER)
        services.set_group(nr, campaign, second, "natural_resources",
                           {"land_area": "3", "land_restored": "是"}, now=LATER)
        services.update_footer(user_of(people["office"]), campaign, "苏瑾", date(2021, 5, 20),
                               "李志刚", "交城县自然资源局")
        db.session.commit()
        return campaign_id


def _export(app: Any, campaign_id: int) -> bytes:
    with app.app_context():
        out = io.BytesIO()
        ledger_xlsx.write_ledger(campaign_of(campaign_id), out)
        return out.getvalue()


def _edit(data: bytes, **cells: Any) -> bytes:
    """The workbook with ``cells`` (``F8="十二"``) changed, as a person would in Excel."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    for ref, value in cells.items():
        sheet[ref] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _insert_row(data: bytes, values: list[Any]) -> bytes:
    """A new line typed just above the footer (序号 left empty)."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    footer = next(r for r in range(1, sheet.max_row + 1)
                  if str(sheet.cell(r, 1).value or "").startswith("审核人"))
    footer_values = [sheet.cell(footer, c).value for c in range(1, 17)]
    for merged in [m for m in sheet.merged_cells.ranges if m.min_row == footer]:
        sheet.unmerge_cells(str(merged))
    for column, value in enumerate(values, 1):
        sheet.cell(footer, column).value = value
    for column, value in enumerate(footer_values, 1):
        sheet.cell(footer + 1, column).value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _state(campaign_id: int) -> dict[str, Any]:
    """Everything an import could touch: rows, cells, versions and the audit log."""
    from core.audit import AuditRecord
    from core.campaigns.models import LedgerCell, LedgerRow
    from core.db import db

    rows = db.session.scalars(select(LedgerRow).where(LedgerRow.campaign_id == campaign_id)
                              .order_by(LedgerRow.number)).all()
    return {
        "rows": [(r.number, r.version, r.county, r.party, r.location, r.category, r.remarks)
                 for r in rows],
        "cells": sorted((c.row_id, c.group_key, c.column_key, c.amount, c.text)
                        for c in db.session.scalars(select(LedgerCell).where(
                            LedgerCell.campaign_id == campaign_id))),
        "audit": db.session.scalar(select(func.count(AuditRecord.id))),
    }


def _import(app: Any, user_id: int, campaign_id: int, data: bytes) -> Any:
    """Run the import as a request would: commit on success, roll back on error."""
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(user_of(user_id)):
        try:
            result = ledger_xlsx.import_ledger(user_of(user_id), campaign_of(campaign_id),
                                               io.BytesIO(data), now=IMPORTED)
            db.session.commit()
            return result
        except InputError:
            db.session.rollback()
            raise


# ---------------------------------------------------------------------------- export


def test_header_layout_is_the_documents_table(app: Any, campaign_id: int) -> None:
    with app.app_context():
        rows, merges = ledger_xlsx.header_layout(campaign_of(campaign_id))
    assert rows == [HEADER[4], HEADER[5], HEADER[6]]
    assert set(merges) == HEADER_MERGES and len(merges) == len(HEADER_MERGES)
    assert ledger_xlsx.HEADER_ROW == 4


def test_export_reproduces_title_units_header_rows_and_footer(app: Any,
                                                              campaign_id: int) -> None:
    sheet = load_workbook(io.BytesIO(_export(app, campaign_id))).active
    assert sheet.max_column == 16
    assert sheet["A1"].value == "吕梁市严厉打击非法采矿占地专项行动台账"
    assert sheet["A1"].font.bold and sheet["A1"].font.size > 11
    assert sheet["A1"].alignment.horizontal == "center"
    assert sheet["A2"].value == "单位：亩、元、吨、人"
    assert sheet["A3"].value == "填报单位：交城县自然资源局"
    for number, expected in HEADER.items():
        assert [sheet.cell(number, c).value for c in range(1, 17)] == expected, number
    merged = {str(m) for m in sheet.merged_cells.ranges}
    footer = {"A9:F9", "G9:K9", "L9:P9"}
    assert merged == HEADER_MERGES | {"A1:P1", "A2:P2", "A3:P3"} | footer
    assert [sheet.cell(7, c).value for c in range(1, 17)] == [
        1, "交城县", "某砂石厂", "西社镇", "砂石", 12.5, 30000, "否", 1500, None, 45000.75,
        "是", None, 2, 1, "已移交公安"]
    # Text that looks like a formula is written as text.
    assert sheet["C8"].value == "'=HYPERLINK(\"http://x\")" and sheet["C8"].data_type == "s"
    assert [sheet.cell(8, c).value for c in (1, 6, 8)] == [2, 3, "是"]
    assert sheet["A9"].value == "审核人：苏瑾"
    assert sheet["G9"].value == "填报时间：2021年5月20日"
    assert sheet["L9"].value == "填报人：李志刚"
    assert sheet.freeze_panes == "A7"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet["F6"].border.left.style == "thin"


def test_footer_date_left_blank_when_not_filed(app: Any, campaign_id: int,
                                               people: dict[str, int]) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        services.update_footer(user_of(people["office"]), campaign_of(campaign_id), "", None,
                               "", "")
        db.session.commit()
    sheet = load_workbook(io.BytesIO(_export(app, campaign_id))).active
    assert sheet["G9"].value == "填报时间：   年  月  日"
    assert sheet["A3"].value == "填报单位："


def test_ledger_response_streams_the_workbook(app: Any, campaign_id: int) -> None:
    with app.test_request_context(), app.app_context():
        response = ledger_xlsx.ledger_response(campaign_of(campaign_id))
        body = b"".join(response.response)
    assert response.mimetype == ledger_xlsx.XLSX_MIMETYPE
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and "%E5%8F%B0%E8%B4%A6.xlsx" in disposition
    assert load_workbook(io.BytesIO(body)).active["A1"].value.endswith("台账")


# ---------------------------------------------------------------------------- import


@pytest.mark.parametrize("who", ["nr", "police", "office", "finance"])
def test_reimporting_the_export_changes_nothing(app: Any, campaign_id: int,
                                                people: dict[str, int], who: str) -> None:
    data = _export(app, campaign_id)
    with app.app_context():
        before = _state(campaign_id)
    result = _import(app, people[who], campaign_id, data)
    assert (result.added, result.changed, result.unchanged) == (0, 0, 2)
    with app.app_context():
        assert _state(campaign_id) == before


def test_a_bad_number_imports_nothing_and_names_the_cell(app: Any, campaign_id: int,
                                                         people: dict[str, int]) -> None:
    # A valid change on row 1 (F7) and 十二 typed in row 2's 非法占地面积 (F8).
    data = _edit(_export(app, campaign_id), F7=20, F8="十二")
    with app.app_context():
        before = _state(campaign_id)
    with pytest.raises(ledger_xlsx.LedgerImportError) as refused:
        _import(app, people["nr"], campaign_id, data)
    assert [(ref, label) for ref, label, _ in refused.value.problems] == [("F8", "非法占地面积")]
    assert list(refused.value.fields) == ["F8"]
    assert refused.value.fields["F8"][0].startswith("非法占地面积: ")
    assert isinstance(refused.value, InputError)
    with app.app_context():
        assert _state(campaign_id) == before


def test_every_bad_cell_of_every_row_is_reported(app: Any, campaign_id: int,
                                                 people: dict[str, int]) -> None:
    data = _edit(_export(app, campaign_id), H7="也许", N7=1.5, C8="", A8=99)
    with pytest.raises(ledger_xlsx.LedgerImportError) as refused:
        _import(app, people["nr"], campaign_id, data)
    refs = {ref: label for ref, label, _ in refused.value.problems}
    assert refs == {"H7": "是否恢复原状", "N7": "刑事拘留", "C8": "企业名称(个人)",
                    "A8": "序号"}


def test_police_may_not_change_the_natural_resources_group(app: Any, campaign_id: int,
                                                           people: dict[str, int]) -> None:
    data = _edit(_export(app, campaign_id), G7=1, N7=3)
    with app.app_context():
        before = _state(campaign_id)
    with pytest.raises(ledger_xlsx.LedgerImportError) as refused:
        _import(app, people["police"], campaign_id, data)
    assert [(ref, label) for ref, label, _ in refused.value.problems] == [("G7", "罚款金额")]
    message = refused.value.problems[0][2]
    assert "镇自然资源所" in message or "Natural resources office" in message
    with app.app_context():
        assert _state(campaign_id) == before  # not even the police's own N7


def test_a_department_changes_its_own_cells_and_adds_rows(app: Any, campaign_id: int,
                                                          people: dict[str, int]) -> None:
    from core.audit import AuditRecord
    from core.campaigns.models import LedgerRow
    from core.db import db

    data = _edit(_export(app, campaign_id), F7=20, J7="800", L8="否")
    data = _insert_row(data, [None, "交城县", "新发现矿点", "天宁镇", "铁矿", 4.25, None,
                              "否", None, None, None, None, None, None, None, "巡查发现"])
    with app.app_context():
        before = _state(campaign_id)
    result = _import(app, people["nr"], campaign_id, data)
    assert (result.added, result.changed, result.unchanged) == (1, 2, 0)
    with app.app_context():
        rows = {r.number: r for r in db.session.scalars(select(LedgerRow).where(
            LedgerRow.campaign_id == campaign_id))}
        assert set(rows) == {1, 2, 3}
        first, second, added = rows[1].values(), rows[2].values(), rows[3]
        assert first[("natural_resources", "land_area")] == Decimal("20.00")
        assert first[("natural_resources", "products_confiscated")] == Decimal("800.00")
        assert first[("natural_resources", "land_fine")] == Decimal("30000.00")
        assert first[("police", "criminal_detentions")] == 2
        assert second[("natural_resources", "mining_banned")] is False
        assert (added.county, added.party, added.location, added.category, added.remarks) == (
            "交城县", "新发现矿点", "天宁镇", "铁矿", "巡查发现")
        assert added.department.code == "natural_resources"
        assert added.values() == {("natural_resources", "land_area"): Decimal("4.25"),
                                  ("natural_resources", "land_restored"): False}
        # One update per changed row; the rows' core columns kept their values.
        assert rows[1].version == before["rows"][0][1] + 1
        assert before["rows"][0][2:] == (rows[1].county, rows[1].party, rows[1].location,
                                         rows[1].category, rows[1].remarks)
        assert db.session.scalar(select(func.count(AuditRecord.id))) > before["audit"]
    # The file read back again is now unchanged.
    again = _import(app, people["nr"], campaign_id, _export(app, campaign_id))
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)


def test_core_columns_follow_the_rows_department(app: Any, campaign_id: int,
                                                 people: dict[str, int]) -> None:
    from core.campaigns.models import LedgerRow
    from core.db import db

    # Row 1 was entered by natural resources: the police may not rename it...
    data = _edit(_export(app, campaign_id), D7="东坡底乡")
    with pytest.raises(ledger_xlsx.LedgerImportError) as refused:
        _import(app, people["police"], campaign_id, data)
    assert [(ref, label) for ref, label, _ in refused.value.problems] == [("D7", "位置")]
    # ...the department that entered it may.
    result = _import(app, people["nr"], campaign_id, data)
    assert result.changed == 1
    with app.app_context():
        row = db.session.scalar(select(LedgerRow).where(LedgerRow.campaign_id == campaign_id,
                                                        LedgerRow.number == 1))
        assert row.location == "东坡底乡"


def test_outsiders_and_unknown_rows_are_refused(app: Any, campaign_id: int,
                                                people: dict[str, int]) -> None:
    data = _insert_row(_export(app, campaign_id),
                       [None, "交城县", "某石料厂", "", "石料"] + [None] * 11)
    with pytest.raises(ledger_xlsx.LedgerImportError) as refused:
        _import(app, people["finance"], campaign_id, data)
    assert [(ref, label) for ref, label, _ in refused.value.problems] == [("A9", "序号")]
    # A new row with figures of a group not one's own.
    data = _insert_row(_export(app, campaign_id),
                       [None, "交城县", "某石料厂", "", "石料", 1] + [None] * 10)
    with pytest.raises(ledger_xlsx.LedgerImportError) as refused:
        _import(app, people["police"], campaign_id, data)
    assert [(ref, label) for ref, label, _ in refused.value.problems] == [("F9", "非法占地面积")]
    # A 序号 the ledger does not have, and the same 序号 twice.
    data = _edit(_export(app, campaign_id), A7=42)
    with pytest.raises(ledger_xlsx.LedgerImportError) as refused:
        _import(app, people["nr"], campaign_id, data)
    assert refused.value.fields.keys() == {"A7"}
    data = _edit(_export(app, campaign_id), A8=1)
    with pytest.raises(ledger_xlsx.LedgerImportError) as refused:
        _import(app, people["nr"], campaign_id, data)
    assert refused.value.fields.keys() == {"A8"}


def test_a_closed_campaign_takes_no_changes(app: Any, campaign_id: int,
                                            people: dict[str, int]) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        services.close(user_of(people["office"]), campaign_of(campaign_id))
        db.session.commit()
    unchanged = _import(app, people["nr"], campaign_id, _export(app, campaign_id))
    assert unchanged.unchanged == 2
    with pytest.raises(ledger_xlsx.LedgerImportError) as refused:
        _import(app, people["nr"], campaign_id, _edit(_export(app, campaign_id), F7=1))
    assert refused.value.fields.keys() == {"F7"}


def test_a_changed_header_is_one_error_naming_the_cell(app: Any, campaign_id: int,
                                                       people: dict[str, int]) -> None:
    data = _edit(_export(app, campaign_id), F5="占地", F8="十二")
    with pytest.raises(ledger_xlsx.LedgerImportError) as refused:
        _import(app, people["nr"], campaign_id, data)
    assert list(refused.value.fields) == ["F5"]
    assert "占地方面" in refused.value.fields["F5"][0]


def test_blank_lines_are_skipped_and_reading_stops_at_the_footer(app: Any, campaign_id: int,
                                                                 people: dict[str, int]
                                                                 ) -> None:
    data = _insert_row(_export(app, campaign_id), [None] * 16)  # a blank line on row 9
    data = _insert_row(data, [None, "交城县", "某石料厂", "", "石料"] + [None] * 11)
    data = _edit(data, A20="anything after the footer is not the ledger", C20="")
    result = _import(app, people["nr"], campaign_id, data)
    assert (result.added, result.changed, result.unchanged) == (1, 0, 2)


@pytest.mark.parametrize("content", [
    b"\xef\xbb\xbf\xe5\xba\x8f\xe5\x8f\xb7,\xe5\x8e\xbf\n1,2\n",  # a CSV
    b"",
    b"PK\x03\x04 not really a zip",
])
def test_a_file_that_is_not_a_workbook_is_a_clear_error(app: Any, campaign_id: int,
                                                        people: dict[str, int],
                                                        content: bytes) -> None:
    with pytest.raises(InputError) as refused:
        _import(app, people["nr"], campaign_id, content)
    assert list(refused.value.fields) == ["file"]
    assert not isinstance(refused.value, ledger_xlsx.LedgerImportError)


def test_a_zip_that_is_not_a_workbook_and_a_huge_file_are_refused(app: Any, campaign_id: int,
                                                                  people: dict[str, int]
                                                                  ) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(InputError) as refused:
        _import(app, people["nr"], campaign_id, archive.getvalue())
    assert "Excel" in refused.value.fields["file"][0] or "xlsx" in refused.value.fields["file"][0]
    with pytest.raises(InputError) as refused:
        _import(app, people["nr"], campaign_id, b"0" * (ledger_xlsx.MAX_BYTES + 1))
    assert "5" in refused.value.fields["file"][0]


def test_too_many_rows_are_refused(app: Any, campaign_id: int, people: dict[str, int],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_xlsx, "MAX_ROWS", 1)
    with pytest.raises(InputError) as refused:
        _import(app, people["nr"], campaign_id, _export(app, campaign_id))
    assert list(refused.value.fields) == ["file"]


# ------------------------------------------------------------------ through the API


def _upload(caller: Any, campaign_id: int, data: bytes) -> Any:
    return caller.client.post(caller.url(f"/campaigns/{campaign_id}/ledger.xlsx"),
                              data={"file": (io.BytesIO(data), "台账.xlsx")},
                              headers=caller.headers, content_type="multipart/form-data")


def test_the_api_exports_and_imports_naming_bad_cells(app: Any, campaign_id: int,
                                                      people: dict[str, int]) -> None:
    from core.db import db
    from core.testing import api_error, api_ok

    nr, police, finance = (api_caller_for(app, people[k]) for k in ("nr", "police", "finance"))
    response = nr.get(f"/campaigns/{campaign_id}/ledger.xlsx")
    assert response.status_code == 200 and response.mimetype == ledger_xlsx.XLSX_MIMETYPE
    exported = response.get_data()
    assert load_workbook(io.BytesIO(exported)).active["F4"].value == "自然资源部门处理情况"
    assert api_ok(_upload(nr, campaign_id, exported)) == {"added": 0, "changed": 0,
                                                          "unchanged": 2}
    error = api_error(_upload(nr, campaign_id, _edit(exported, F7=20, F8="十二")), 422,
                      "validation_error")
    assert list(error["fields"]) == ["F8"]
    error = api_error(_upload(police, campaign_id, _edit(exported, G7=1)), 422, "validation_error")
    assert list(error["fields"]) == ["G7"]
    error = api_error(_upload(nr, campaign_id, b"not a workbook"), 422, "validation_error")
    assert list(error["fields"]) == ["file"]
    # A department not taking part does not see the campaign at all.
    assert finance.get(f"/campaigns/{campaign_id}/ledger.xlsx").status_code == 404
    assert _upload(finance, campaign_id, exported).status_code == 404
    with app.app_context():
        values = {r.number: r.values() for r in db.session.scalars(
            services.ledger_rows(campaign_of(campaign_id)))}
    assert values[1][("natural_resources", "land_area")] == Decimal("12.50")
