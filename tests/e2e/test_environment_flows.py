"""Browser flows for the environment office: an EIA application registered, approved with a
condition and the condition checked; a finding's ecological problem reported restored and
closed by the office's verification; a restoration project with a progress photo, accepted;
every list and the dashboard widget rendered."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.plugins.environment.helpers import PNG, assign_finding

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(SHANGHAI).date()


def submit(session: Any, selector: str = "main form button[type=submit]") -> None:
    with session.page.expect_navigation():
        session.page.click(selector)
    session.settle()


def test_eia_application_approved_and_its_condition_checked(open_as: Any) -> None:
    liaison = open_as("env-liaison", role="liaison", department="environment")
    liaison.visit("/environment/", "environment-index")
    liaison.visit("/environment/eia/new", "eia-new")
    page = liaison.page
    page.fill("input[name=project]", "东坡村石场扩建项目")
    page.fill("input[name=developer]", "东坡石材有限公司")
    page.select_option("select[name=kind]", "mining")
    page.fill("input[name=place_name]", "东坡村北侧山地")
    page.fill("input[name=area_mu]", "35.6")
    liaison.screenshot("eia-new-filled")
    submit(liaison)
    assert re.fullmatch(r"/environment/eia/\d+", liaison.path()), page.url
    detail = liaison.path()
    assert page.locator(".alert-success").count() == 1
    assert page.locator("main h1 [data-state=submitted]").count() == 1
    # the liaison registers; only the leader decides
    assert page.locator("main [data-testid=approve-form]").count() == 0
    liaison.screenshot("eia-submitted")
    liaison.check("registered")

    leader = open_as("env-leader", role="leader", department="environment")
    leader.visit(detail, "eia-to-decide")
    page = leader.page
    page.fill("input[name=approve-approval_number]", "清环审〔2026〕12号")
    page.fill("input[name='approve-conditions-0-text']", "施工期设置沉砂池，废水不得外排")
    page.fill("input[name='approve-conditions-0-due_on']",
              (today() + timedelta(days=30)).isoformat())
    submit(leader, "main form[action$='/approve'] button[type=submit]")
    assert leader.path() == detail
    assert page.locator("main h1 [data-state=approved]").count() == 1
    assert page.locator("main [data-testid=conditions] li[data-condition]").count() == 1
    leader.screenshot("eia-approved")
    leader.check("approved")

    liaison.visit(detail, "eia-conditions")
    page = liaison.page
    page.fill("main [data-testid=conditions] textarea", "现场核查：沉砂池已建成")
    submit(liaison, "main [data-testid=conditions] button[type=submit]")
    assert page.locator("main [data-testid=conditions] [data-state=checked]").count() == 1
    liaison.screenshot("eia-condition-checked")
    liaison.check("checked")
    liaison.visit("/environment/eia/", "eia-list")
    assert page.locator("main table[data-testid=eia-approvals] tbody tr").count() == 1


def test_problem_from_a_finding_closes_when_the_office_verifies(open_as: Any, app: Any) -> None:
    office = open_as("env-office", role="office", department="office", username="wang.office")
    finding_id = assign_finding(app)
    liaison = open_as("env-problem", role="liaison", department="environment")
    liaison.visit("/environment/problems/", "problems-list")
    page = liaison.page
    links = page.eval_on_selector_all(
        "main table[data-testid=problems] a[href^='/environment/problems/']",
        "els => els.map(e => e.getAttribute('href'))")
    assert len(links) == 1, links
    problem = links[0]
    liaison.visit(problem, "problem-open")
    assert page.locator(f"main a[href='/findings/{finding_id}']").count() >= 1
    page.fill("textarea[name=restored-text]", "已封堵排污口，清理河道淤泥")
    submit(liaison, "main form[action$='/restored'] button[type=submit]")
    assert liaison.path() == problem
    assert page.locator("main h1 [data-state=restored]").count() == 1
    kinds = page.eval_on_selector_all("main [data-testid=timeline] li",
                                      "els => els.map(e => e.dataset.kind)")
    assert kinds == ["assigned", "restored", "completion_reported"], kinds
    liaison.screenshot("problem-restored")
    liaison.check("restored")

    office.visit(f"/findings/{finding_id}", "finding-to-verify-environment")
    office.page.fill("textarea[name=verify-text]", "现场核验合格")
    submit(office, "main form[action$='/verify'] button[type=submit]")
    office.check("verified")
    office.visit(problem, "problem-closed-office")
    assert office.page.locator("main h1 [data-state=closed]").count() == 1
    assert office.page.locator("main [data-testid=timeline] li[data-kind=verified]").count() == 1
    office.check("closed")


def test_restoration_with_a_photo_is_accepted(open_as: Any, tmp_path: Path) -> None:
    liaison = open_as("env-restoration", role="liaison", department="environment")
    liaison.visit("/environment/restorations/new", "restoration-new")
    page = liaison.page
    page.fill("input[name=name]", "东坡村废弃采石场生态修复工程")
    page.fill("input[name=place_name]", "东坡村废弃采石场")
    page.fill("textarea[name=measures]", "削坡减荷、覆土复绿，补植乡土树种约 3000 株")
    page.fill("input[name=budget_yuan]", "860000")
    page.fill("input[name=start_on]", (today() - timedelta(days=30)).isoformat())
    submit(liaison)
    assert re.fullmatch(r"/environment/restorations/\d+", liaison.path()), page.url
    detail = liaison.path()
    photo = tmp_path / "复绿.png"
    photo.write_bytes(PNG)
    page.fill("input[name=progress-percent]", "100")
    page.fill("textarea[name=progress-text]", "补植完成")
    page.set_input_files("input[name=progress-photos]", str(photo))
    submit(liaison, "main form[action$='/progress'] button[type=submit]")
    thumbs = "main [data-testid=progress] img.fc-thumb"
    assert page.locator(thumbs).count() == 1
    assert page.eval_on_selector_all(
        thumbs, "els => els.filter(i => i.complete && i.naturalWidth > 0).length") == 1
    liaison.assert_rendered()
    liaison.screenshot("restoration-progress")
    liaison.check("progress")

    leader = open_as("env-accept", role="leader", department="environment")
    leader.visit(detail, "restoration-to-accept")
    leader.page.fill("textarea[name=accept-acceptance_note]", "植被覆盖率达到设计要求，同意验收")
    submit(leader, "main form[action$='/accept'] button[type=submit]")
    assert leader.page.locator("main h1 [data-state=accepted]").count() == 1
    leader.screenshot("restoration-accepted")
    leader.check("accepted")
    leader.visit("/environment/restorations/", "restorations-list")
    assert leader.page.locator("main table[data-testid=restorations] tbody tr").count() == 1
    leader.visit("/", "dashboard-environment")
    assert leader.page.locator("main [data-testid=environment-widget]").count() == 1
