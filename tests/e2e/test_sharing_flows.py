"""Browser flows for information sharing: publish with a file, read it elsewhere; the office
asks the police, the police answer, the office closes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def submit(session: Any, selector: str = "main form button[type=submit]") -> None:
    with session.page.expect_navigation():
        session.page.click(selector)
    session.settle()


def test_publish_an_internal_item_with_a_file(open_as: Any, tmp_path: Path) -> None:
    forestry = open_as("sharing-forestry", role="liaison", department="natural_resources")
    forestry.visit("/sharing/new", "sharing-new")
    page = forestry.page
    page.fill("input[name=title]", "三号伐区采伐许可情况")
    page.select_option("select[name=category]", "forestry.logging_permit")
    page.select_option("select[name=sensitivity]", "internal")
    page.fill("textarea[name=body]", "本月发放采伐许可证 3 份。")
    page.select_option("select[name=shared_with]", ["environment"])
    page.fill("input[name=tags]", "采伐, 许可")
    upload = tmp_path / "许可证清单.pdf"
    upload.write_bytes(PDF)
    page.set_input_files("input[name=files]", str(upload))
    submit(forestry)
    assert forestry.path().startswith("/sharing/"), forestry.page.url
    assert page.locator(".alert-success").count() == 1
    assert page.locator("main a:text-is('许可证清单.pdf')").count() == 1
    forestry.screenshot("sharing-detail")
    forestry.check("published")
    item_path = forestry.path()

    environment = open_as("sharing-environment", role="member", department="environment")
    environment.visit(item_path, "sharing-detail-shared")
    assert "本月发放采伐许可证" in environment.page.inner_text("main")
    environment.goto("/sharing/?q=伐区")
    environment.screenshot("sharing-search")
    assert environment.page.locator(f"main a[href='{item_path}']").count() == 1

    police = open_as("sharing-police", role="member", department="police")
    police.allowed.add((404, item_path))
    police.goto(item_path)
    assert "本月发放采伐许可证" not in police.page.inner_text("body")
    police.visit("/sharing/", "sharing-list-police")
    assert police.page.locator(f"main a[href='{item_path}']").count() == 0
    police.check("hidden")


def test_request_answer_and_close(open_as: Any) -> None:
    office = open_as("requests-office", role="office", department="office")
    office.visit("/requests/new", "requests-new")
    page = office.page
    page.select_option("select[name=target]", "police")
    page.fill("input[name=subject]", "请报送本月涉林案件情况")
    page.fill("textarea[name=details]", "包括立案数和移送数。")
    due = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)
    page.fill("input[name=due_at]", due.strftime("%Y-%m-%dT%H:%M"))
    submit(office)
    assert page.locator(".alert-success").count() == 1
    request_path = office.path()
    office.screenshot("requests-detail-open")

    police = open_as("requests-police", role="liaison", department="police")
    police.goto("/requests/?queue=to_answer")
    police.screenshot("requests-to-answer")
    assert police.page.locator(f"main a[href='{request_path}']").count() == 1
    police.visit(request_path, "requests-answer-form")
    police.page.fill("textarea[name=answer-answer_text]", "本月立案 2 起，移送 1 起。")
    submit(police, "main form[action$='/answer'] button[type=submit]")
    assert police.page.locator("[data-testid=answer]").count() == 1
    police.check("answered")

    office.visit(request_path, "requests-detail-answered")
    assert "本月立案 2 起" in office.page.inner_text("main")
    submit(office, "main form[action$='/close'] button[type=submit]")
    assert office.page.locator(".fc-state-closed").count() == 1
    office.visit("/requests/stats", "requests-stats")
    assert office.page.locator("tr[data-department=police]").count() == 1
    office.check("closed")
