"""Browser flows for the emergency plugin: the office puts the emergency liaison on today's
duty and enters a fire danger period, which the liaison's dashboard shows; the liaison reports
a 150 ha negligent fire with one injured person (a major fire, handed to the police, a task
for the public services office), logs the response and finds the fire in the register."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")


def submit(session: Any, selector: str = "main form button[type=submit]") -> None:
    with session.page.expect_navigation():
        session.page.click(selector)
    session.settle()


def today() -> date:
    return datetime.now(SHANGHAI).date()


def minutes_ago(minutes: int) -> str:
    return (datetime.now(SHANGHAI) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def test_duty_roster_danger_period_and_a_major_fire(open_as: Any) -> None:
    liaison = open_as("emergency-liaison", role="liaison", department="emergency",
                      username="e2e_li_emergency")

    # the office keeps the roster and the fire danger periods
    office = open_as("emergency-office", role="office", department="office")
    day = today().isoformat()
    office.visit(f"/emergency/duty/{day}", "duty-day")
    page = office.page
    page.select_option("select[name=officer]", "e2e_li_emergency")
    page.fill("input[name=leader]", "镇党委副书记 张明")
    page.fill("input[name=phone]", "0763-6612119")
    submit(office)
    assert office.path() == "/emergency/duty/"
    assert page.locator(".alert-success").count() == 1
    assert page.locator(f"main tr[data-day='{day}'] [data-testid=officer]").count() == 1
    office.assert_rendered()
    office.screenshot("duty-week")
    office.check("duty")

    office.visit("/emergency/danger-periods/new", "danger-period-new")
    page.select_option("select[name=level]", "4")
    submit(office)
    assert re.fullmatch(r"/emergency/danger-periods/\d+", office.path()), office.page.url
    assert page.locator("main h1 [data-danger='4']").count() == 1
    office.check("danger period")

    # the liaison's dashboard shows who is on duty and the fire danger
    liaison.visit("/", "dashboard")
    widget = liaison.page.locator("main [data-testid=emergency-widget]")
    assert "E2E emergency-liaison" in widget.locator("[data-testid=duty-officer]").inner_text()
    assert "0763-6612119" in widget.inner_text()
    assert widget.locator("[data-danger='4']").count() == 1
    liaison.check("dashboard")

    # a 150 ha fire caused by negligence with one seriously injured person
    liaison.visit("/emergency/fires/new", "fire-new")
    page = liaison.page
    page.fill("input[name=place_name]", "西山林场马鞍岭")
    page.fill("input[name=reported_at]", minutes_ago(90))
    page.select_option("select[name=cause]", "negligence")
    page.fill("input[name=burned_area_ha]", "150")
    page.fill("input[name=injuries]", "1")
    page.fill("input[name=affected_forest]", "马尾松林")
    liaison.screenshot("fire-new-filled")
    submit(liaison)
    assert re.fullmatch(r"/emergency/fires/\d+", liaison.path()), liaison.page.url
    fire = liaison.path()
    assert page.locator(".alert-success").count() == 1
    assert page.locator("main h1 [data-level=major]").count() == 1
    assert page.locator("main [data-testid=transfer]").count() == 1
    assert page.locator("main [data-testid=tasks] a[href^='/tasks/']").count() == 1
    liaison.assert_rendered()
    liaison.screenshot("fire-major")
    liaison.check("reported")

    page.fill("input[name=log-acted_at]", minutes_ago(60))
    page.fill("textarea[name=log-action]", "镇扑火队赶赴现场开设隔离带")
    page.fill("input[name=log-personnel]", "35")
    page.select_option("select[name=log-departments]", ["emergency", "police"])
    submit(liaison, "main form#log button[type=submit]")
    assert liaison.path() == fire
    assert page.locator("main [data-testid=log-entry]").count() == 1
    assert "镇扑火队赶赴现场开设隔离带" in page.inner_text("main [data-testid=timeline]")
    liaison.screenshot("fire-logged")
    liaison.check("logged")

    response = liaison.goto("/emergency/fires/?level=major")
    assert response is not None and response.status == 200
    liaison.assert_rendered()
    liaison.screenshot("fires-major")
    links = liaison.page.eval_on_selector_all(
        "main table[data-testid=fires] a[href^='/emergency/fires/']",
        "els => els.map(e => e.getAttribute('href'))")
    assert links == [fire], links
    liaison.visit("/emergency/", "emergency-overview")
    liaison.visit("/emergency/patrols/", "patrols")
    liaison.check("lists")
