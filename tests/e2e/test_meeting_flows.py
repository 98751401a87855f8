"""Browser flow for a joint meeting: the police's liaison proposes one, both conveners'
leaders approve, the office records it as held, the police draft the minutes, both leaders
sign with their passwords, and the signed minutes offer their PDF; the lists and the bodies
page render."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.testing import DEFAULT_PASSWORD
from tests.e2e.test_inspection_flows import submit

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_meeting_from_proposal_to_signed_minutes(open_as: Any, runner: Any) -> None:
    assert runner(["meetings", "sync"]).exit_code == 0
    police = open_as("meeting-police", role="liaison", department="police")
    police.visit("/meetings/proposals/new", "proposal-new")
    page = police.page
    page.select_option("select[name=body]", label="自然资源与公安联席会议")
    page.fill("input[name=topic]", "研究盗伐林木案件移送标准")
    page.fill("textarea[name=reasons]", "近期盗伐案件增多")
    page.select_option("select[name=lead]", "police")
    starts = (datetime.now(SHANGHAI) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("input[name=starts_at]", starts)
    page.fill("input[name=place]", "镇政府三楼会议室")
    submit(police)
    assert re.fullmatch(r"/meetings/proposals/\d+", police.path()), page.url
    proposal = police.path()
    assert page.locator("main h1 [data-state=pending]").count() == 1
    police.screenshot("proposal-pending")
    police.check("proposed")

    leaders = []
    for name, department in (("meeting-nr-leader", "natural_resources"),
                             ("meeting-police-leader", "police")):
        leader = open_as(name, role="leader", department=department)
        leader.visit(proposal, "proposal-to-answer")
        submit(leader, "main form[action$='/approve'] button[type=submit]")
        assert leader.page.locator(".alert-success").count() == 1
        leader.check("approved")
        leaders.append(leader)
    link = leaders[-1].page.locator("main [data-testid=meeting-link]")
    meeting = link.get_attribute("href") or ""
    assert re.fullmatch(r"/meetings/\d+", meeting), meeting

    office = open_as("meeting-office", role="office", department="office")
    office.visit(meeting, "meeting-scheduled")
    held_at = (datetime.now(SHANGHAI) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    office.page.fill("input[name='held-held_at']", held_at)
    submit(office, "main form[action$='/held'] button[type=submit]")
    assert office.page.locator("main h1 [data-state=held]").count() == 1
    office.check("held")

    police.visit(f"{meeting}/minutes", "minutes-draft")
    police.page.fill("textarea[name=text]", "会议研究了盗伐林木案件移送标准。")
    police.page.fill("textarea[name=decisions]", "派出所对三起案件立案侦查")
    submit(police)
    assert police.path() == meeting
    police.check("drafted")

    for leader in leaders:
        leader.visit(meeting, "minutes-to-sign")
        leader.page.fill("input[name='sign-password']", DEFAULT_PASSWORD)
        submit(leader, "main form[action$='/minutes/sign'] button[type=submit]")
        assert leader.page.locator(".alert-success").count() == 1
        leader.check("signed")
    office.visit(meeting, "minutes-signed")
    assert office.page.locator("main h1 [data-state=minutes_signed]").count() == 1
    assert office.page.locator(f"main a[href='{meeting}/minutes.pdf']").count() == 1
    assert office.page.locator("main [data-testid=signatures] .bi-check-circle").count() == 2

    for path, slug in (("/meetings/", "meetings"), ("/meetings/proposals/", "proposals"),
                       ("/meetings/resolutions", "resolutions"),
                       ("/meetings/bodies/", "bodies")):
        office.visit(path, slug)
