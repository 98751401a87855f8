"""The results table (战果表): totals equal the sum of the ledger, the breakdowns by category
and phase add up to them, the query count does not grow with the ledger, cases are counted,
and the workbook and the chart show it."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.campaigns import results as results_module, services
from core.campaigns.models import LedgerCell
from core.testing import (
    CAMPAIGN_NOW as NOW,
    SHANGHAI,
    api_error,
    api_ok,
    campaign_of,
    make_api_caller,
    user_of,
)

IN_CAMPAIGN = datetime(2021, 5, 10, 9, 0, tzinfo=SHANGHAI)
CATEGORIES = ("砂石", "煤", "")
PHASES = ("survey", "crackdown", "review")


@pytest.fixture
def people(campaign_people: dict[str, int]) -> dict[str, int]:
    return campaign_people


def _fill(app: Any, people: dict[str, int], campaign_id: int, count: int) -> None:
    """``count`` rows with known, varied figures; every fourth row in no phase."""
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        campaign = campaign_of(campaign_id)
        nr, police = user_of(people["nr"]), user_of(people["police"])
        for n in range(count):
            data = {"county": "交城县", "party": f"企业{n}", "location": "西社镇",
                    "category": CATEGORIES[n % 3]}
            if n % 4:
                data["phase"] = PHASES[n % 3]
            row = services.add_row(nr, campaign, data, now=NOW)
            if n % 5 != 4:  # some rows have no natural-resources figures at all
                services.set_group(nr, campaign, row, "natural_resources", {
                    "land_area": f"{n}.25", "land_fine": 1000 * n + 0.5,
                    "land_restored": "是" if n % 2 else "否",
                    "mined_quantity": n * 3, "mining_fine": "" if n % 3 else 200,
                    "mining_banned": "是" if n % 3 == 0 else ""}, now=NOW)
            if n % 2 == 0:
                services.set_group(police, campaign, row, "police", {
                    "administrative_detentions": n % 4, "criminal_detentions": 1,
                    "arrests": n // 3}, now=NOW)
        db.session.commit()


def _ledger_sums(campaign_id: int) -> tuple[dict[tuple[str, str], Decimal], dict[str, int]]:
    """The sums the table must show, computed in Python from every cell, and the rows each
    group filled."""
    from core.db import db

    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    filled: dict[str, set[int]] = defaultdict(set)
    for cell in db.session.scalars(select(LedgerCell).where(
            LedgerCell.campaign_id == campaign_id)):
        filled[cell.group_key].add(cell.row_id)
        if cell.kind != "text" and cell.amount is not None:
            sums[(cell.group_key, cell.column_key)] += cell.amount
    return sums, {group: len(rows) for group, rows in filled.items()}


def test_results_totals_equal_the_sum_of_the_ledger(app: Any, make_campaign: Any,
                                                    people: dict[str, int]) -> None:
    campaign_id = make_campaign(people["office"])
    _fill(app, people, campaign_id, 12)
    with app.app_context():
        result = results_module.results(campaign_of(campaign_id))
        sums, filled = _ledger_sums(campaign_id)
        assert result.rows == 12
        assert [c.ident for c in result.columns] == [
            ("natural_resources", k) for k in (
                "land_area", "land_fine", "land_restored", "mined_quantity",
                "products_confiscated", "mining_fine", "mining_banned")] + [
            ("police", k) for k in ("administrative_detentions", "criminal_detentions",
                                    "arrests")]
        for column in result.columns:
            assert result.totals[column.ident] == sums.get(column.ident, Decimal(0)), column
        # Known values: yes/no columns count the rows answered 是.
        nr_rows = [n for n in range(12) if n % 5 != 4]
        assert result.totals[("natural_resources", "land_area")] == sum(
            Decimal(f"{n}.25") for n in nr_rows)
        assert result.totals[("natural_resources", "land_restored")] == len(
            [n for n in nr_rows if n % 2])
        assert result.totals[("natural_resources", "mining_banned")] == len(
            [n for n in nr_rows if n % 3 == 0])
        assert result.totals[("police", "criminal_detentions")] == 6

        for breakdown in (result.by_category, result.by_phase):
            assert sum(b.rows for b in breakdown) == result.rows
            for column in result.columns:
                assert sum(b.totals[column.ident] for b in breakdown) == \
                    result.totals[column.ident], column
        assert {b.key for b in result.by_category} == set(CATEGORIES)
        assert [b.key for b in result.by_phase] == [*PHASES, None]
        assert next(b for b in result.by_phase if b.key is None).rows == 3  # rows 0, 4, 8

        departments = {d.group: d for d in result.by_department}
        assert departments["natural_resources"].rows_filled == filled["natural_resources"]
        assert departments["police"].rows_filled == filled["police"] == 6
        assert departments["police"].department.code == "police"
        assert departments["police"].totals == {
            "administrative_detentions": sums[("police", "administrative_detentions")],
            "criminal_detentions": Decimal(6), "arrests": sums[("police", "arrests")]}

        data = results_module.as_dict(result)
        assert data["totals"]["police"]["criminal_detentions"] == 6
        assert data["totals"]["natural_resources"]["land_area"] == float(
            result.totals[("natural_resources", "land_area")])
        assert data["by_phase"][-1]["phase"] is None


def test_the_query_count_does_not_grow_with_the_ledger(app: Any, make_campaign: Any,
                                                       people: dict[str, int],
                                                       count_queries: Any) -> None:
    small, large = make_campaign(people["office"]), make_campaign(people["office"])
    _fill(app, people, small, 3)
    _fill(app, people, large, 30)
    counts = []
    for campaign_id in (small, large):
        with app.app_context():
            campaign = campaign_of(campaign_id)
            with count_queries() as queries:
                result = results_module.results(campaign)
            counts.append(queries.count)
            assert result.rows in (3, 30)
    assert counts[0] == counts[1] <= 8


def test_cases_linked_and_opened_during_the_campaign(app: Any, make_campaign: Any,
                                                     people: dict[str, int]) -> None:
    from core import audit
    from core.cases.services import CaseInput, offence_type_codes, open_case
    from core.db import db

    campaign_id = make_campaign(people["office"])
    with app.app_context(), audit.acting_as(name="test"):
        nr, police = user_of(people["nr"]), user_of(people["police"])
        mining = "forestry.unlicensed_mining"
        linked = open_case(nr, CaseInput("某砂石厂无证开采", mining), now=IN_CAMPAIGN)
        open_case(nr, CaseInput("越界开采", "forestry.cross_boundary_mining"),
                  now=IN_CAMPAIGN)
        open_case(police, CaseInput("非法采矿刑事案", mining), now=IN_CAMPAIGN)
        open_case(nr, CaseInput("线索：夜间采砂", mining, kind="lead"), now=IN_CAMPAIGN)
        open_case(nr, CaseInput("行动前的案件", mining), now=NOW)  # before the campaign
        open_case(nr, CaseInput("行动后的案件", mining),
                  now=datetime(2021, 12, 1, 0, 0, tzinfo=SHANGHAI))
        unrelated = next(c for c in sorted(offence_type_codes())
                         if c not in campaign_of(campaign_id).focus_offence_types)
        open_case(nr, CaseInput("其他案件", unrelated), now=IN_CAMPAIGN)
        campaign = campaign_of(campaign_id)
        services.add_row(nr, campaign, {"party": "某砂石厂", "case_id": linked.id},
                         now=IN_CAMPAIGN)
        services.add_row(nr, campaign, {"party": "无案件"}, now=IN_CAMPAIGN)
        db.session.commit()

        result = results_module.results(campaign_of(campaign_id))
        assert result.cases.linked_rows == 1
        assert result.cases.opened == 3
        assert {d.code: n for d, n in result.cases.opened_by_department} == {
            "natural_resources": 2, "police": 1}
        assert result.by_phase[1].rows == 2  # entered on 10 May: the crackdown phase


def test_the_workbook_has_chinese_headers_with_units_and_the_totals(
        app: Any, make_campaign: Any, people: dict[str, int]) -> None:
    from core import audit
    from core.db import db

    campaign_id = make_campaign(people["office"])
    _fill(app, people, campaign_id, 6)
    with app.app_context(), audit.acting_as(name="test"):
        campaign = campaign_of(campaign_id)
        services.add_row(user_of(people["nr"]), campaign,
                         {"party": "公式", "category": "=HYPERLINK(\"x\")"}, now=NOW)
        db.session.commit()
        result = results_module.results(campaign)
        response = results_module.results_response(campaign)
        body = b"".join(response.response)
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["按类别", "按阶段", "按部门", "案件"]
    sheet = book["按类别"]
    assert sheet["A1"].value.endswith("战果表")
    values = {cell.value for row in sheet.iter_rows(min_row=4, max_row=6) for cell in row}
    assert {"开采矿种", "台账行数（行）", "自然资源部门处理情况", "公安部门处理情况", "占地方面",
            "采矿方面", "非法占地面积（亩）", "罚款金额（元）", "行政拘留（人）",
            "是否恢复原状（“是”的行数）"} <= values
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "C4:I4" in merged and "J4:L4" in merged and "C5:E5" in merged
    assert "J5:J6" in merged and "A4:A6" in merged
    total_row = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "合计")
    assert total_row[1] == result.rows == 7
    assert Decimal(str(total_row[2])) == result.totals[("natural_resources", "land_area")]
    assert total_row[-2] == result.totals[("police", "criminal_detentions")]
    categories = [row[0] for row in sheet.iter_rows(min_row=7, values_only=True)]
    assert "'=HYPERLINK(\"x\")" in categories  # text is never a formula
    phases = [row[0] for row in book["按阶段"].iter_rows(min_row=7, values_only=True)]
    assert phases[:3] == ["调查摸排阶段", "打击处理阶段", "总结评估阶段"]
    department_lines = list(book["按部门"].iter_rows(min_row=5, values_only=True))
    assert department_lines[-1][1:] == (
        "逮捕（人）", int(result.totals[("police", "arrests")]))
    labels = [line[1] for line in department_lines]
    assert labels.count("采矿方面·罚款金额（元）") == 1  # the two fines told apart
    assert labels.count("占地方面·罚款金额（元）") == 1
    cases = list(book["案件"].iter_rows(min_row=5, values_only=True))
    assert cases[0] == ("关联案件的台账行数", 0)


def test_the_chart_is_inline_svg_with_escaped_labels(app: Any, make_campaign: Any,
                                                     people: dict[str, int]) -> None:
    from core import audit
    from core.db import db

    campaign_id = make_campaign(people["office"])
    with app.app_context(), audit.acting_as(name="test"):
        campaign = campaign_of(campaign_id)
        services.add_row(user_of(people["nr"]), campaign,
                         {"party": "x", "category": "<script>alert(1)</script>"}, now=NOW)
        db.session.commit()
    with app.test_request_context():
        svg = str(results_module.chart_svg(results_module.results(campaign_of(campaign_id))))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "style=" not in svg
    assert "调查摸排阶段" in svg


def test_results_over_the_api(app: Any, make_campaign: Any, make_user: Any,
                              people: dict[str, int]) -> None:
    campaign_id = make_campaign(people["office"])
    _fill(app, people, campaign_id, 4)
    police = make_api_caller(app, make_user, "api.police", "member", "police")
    finance = make_api_caller(app, make_user, "api.finance", "liaison", "finance")
    workbook = police.get(f"/campaigns/{campaign_id}/results.xlsx")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    api_error(finance.get(f"/campaigns/{campaign_id}/results"), 404, "not_found")
    api_error(finance.get(f"/campaigns/{campaign_id}/results.xlsx"), 404, "not_found")
    data = api_ok(police.get(f"/campaigns/{campaign_id}/results"))
    assert data["rows"] == 4 and data["totals"]["police"]["criminal_detentions"] == 2
