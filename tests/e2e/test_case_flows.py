"""Browser flow for joint enforcement: forestry opens a case with a party and evidence, hands
it to the police; the police acknowledge and accept it as a criminal case; forestry confirms;
the two-way ledger shows the hand-over finished; the office sees the ID number masked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ID_NUMBER = "440181199001011234"


def submit(session: Any, selector: str) -> None:
    with session.page.expect_navigation():
        session.page.click(selector)
    session.settle()


def test_case_handed_to_the_police_and_back(open_as: Any, tmp_path: Path) -> None:
    forestry = open_as("cases-forestry", role="liaison", department="natural_resources")
    forestry.visit("/cases/new", "cases-new")
    page = forestry.page
    page.select_option("select[name=kind]", "case")
    page.fill("input[name=title]", "东坡村后山盗伐林木案")
    page.select_option("select[name=offence_type]", "forestry.tree_theft")
    page.fill("input[name=place_name]", "东坡村后山")
    page.fill("textarea[name=facts]", "盗伐杉木 12 株。")
    page.fill("input[name='parties-0-name']", "张某")
    page.fill("input[name='parties-0-id_number']", ID_NUMBER)
    evidence = tmp_path / "勘验笔录.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files("input[name=photos]", str(evidence))
    submit(forestry, "main form button[type=submit]")
    case_path = forestry.path()
    assert case_path.startswith("/cases/"), page.url
    assert page.locator("[data-testid=id-number]").inner_text() == ID_NUMBER
    forestry.screenshot("case-opened")

    page.select_option("select[name='transfer-to']", "police")
    page.fill("textarea[name='transfer-reason']", "涉嫌盗伐林木罪")
    page.fill("textarea[name='transfer-legal_basis']", "《行政执法机关移送涉嫌犯罪案件的规定》")
    submit(forestry, f"form[action='{case_path}/transfer'] button[type=submit]")
    assert page.locator("[data-testid=transfer] [data-state=sent]").count() == 1
    forestry.check("handed over")

    police = open_as("cases-police", role="liaison", department="police")
    police.goto("/cases/ledger?direction=received")
    police.screenshot("ledger-police")
    assert police.page.locator(f"main a[href^='{case_path}']").count() == 1
    police.visit(case_path, "case-police")
    submit(police, f"form[action='{case_path}/acknowledge'] button[type=submit]")
    police.page.select_option("select[name='feedback-feedback']", "accepted_criminal")
    police.page.fill("textarea[name='feedback-text']", "已刑事立案侦查")
    submit(police, f"form[action='{case_path}/feedback'] button[type=submit]")
    assert police.page.locator("[data-testid=feedback]").count() == 1
    police.screenshot("case-answered")
    police.check("answered")

    forestry.goto(case_path)
    submit(forestry, f"form[action='{case_path}/confirm'] button[type=submit]")
    assert page.locator("[data-testid=transfer] [data-state=confirmed]").count() == 1
    forestry.visit("/cases/ledger", "ledger-forestry")
    assert page.locator("[data-testid=ledger] [data-state=confirmed]").count() == 1
    forestry.check("confirmed")

    office = open_as("cases-office", role="office", department="office")
    office.visit(case_path, "case-office")
    assert office.page.locator("[data-testid=id-number]").inner_text() == "4401**********1234"
    office.check("office view")
