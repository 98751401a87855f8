"""Browser flow for a special campaign: the office creates the mining campaign from its
template (three phases, today's highlighted); the natural resources' liaison adds a ledger row
and fills its own column group; the police see the row but only their own group's form; every
page renders without console errors."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_inspection_flows import submit

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_mining_campaign_created_and_ledger_filled(open_as: Any) -> None:
    office = open_as("campaign-office", role="office", department="office")
    office.visit("/campaigns/", "campaigns-empty")
    with office.page.expect_navigation():
        office.page.click("[data-testid=new-campaign]")
    office.settle()
    assert office.path() == "/campaigns/new"
    office.screenshot("campaign-new")
    page = office.page
    page.select_option("select[name=template]", "mining")
    month_start = datetime.now(SHANGHAI).date().replace(day=1).isoformat()
    page.fill("input[name=starts_on]", month_start)
    page.fill("input[name=ledger_unit]", "交城县自然资源局")
    submit(office, "[data-testid=create-campaign]")
    assert re.fullmatch(r"/campaigns/\d+", office.path()), page.url
    campaign = office.path()
    assert page.locator("[data-testid=phases] li").count() == 3
    assert page.locator("[data-testid=phases] [aria-current=step]").get_attribute(
        "data-phase") == "survey"
    assert page.locator("main .alert-success").count() == 1
    office.screenshot("campaign-created")
    office.check("created")

    nr = open_as("campaign-nr", role="liaison", department="natural_resources")
    nr.visit(f"{campaign}/ledger", "ledger-empty")
    page = nr.page
    page.click("[data-testid=add-row] summary")
    page.fill("input[name='row-county']", "交城县")
    page.fill("input[name='row-party']", "某砂石厂")
    page.fill("input[name='row-location']", "西社镇")
    page.fill("input[name='row-category']", "砂石")
    submit(nr, "[data-testid=add-row] button[type=submit]")
    assert re.fullmatch(rf"{campaign}/ledger/\d+", nr.path()), page.url
    row = nr.path()
    page.fill("input[name=cell_land_area]", "12.5")
    page.fill("input[name=cell_land_fine]", "30000")
    page.select_option("select[name=cell_land_restored]", "否")
    page.select_option("select[name=cell_mining_banned]", "是")
    submit(nr, "[data-testid=fill-group] button[type=submit]")
    assert nr.path() == row and page.locator("main .alert-success").count() == 1
    nr.screenshot("row-filled")
    nr.check("filled")
    nr.visit(f"{campaign}/ledger", "ledger-filled")
    cells = page.locator("[data-testid=ledger] tbody tr").first.locator("td[data-cell]")
    assert cells.all_inner_texts()[:3] == ["12.5", "30000", "否"]

    police = open_as("campaign-police", role="liaison", department="police")
    police.visit(row, "row-police")
    assert police.page.locator("input[name=cell_criminal_detentions]").count() == 1
    assert police.page.locator("input[name=cell_land_area]").count() == 0
    for path, slug in ((campaign, "campaign"), (f"{campaign}/reports", "reports"),
                       (f"{campaign}/results", "results"), (f"{campaign}/clues", "clues")):
        office.visit(path, slug)
