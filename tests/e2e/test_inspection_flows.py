"""Browser flows for joint inspections: the office plans one, a forestry liaison records on
site with a photo, the office hands findings to a village and a department; the village's
rectification is sent back once, then verified; the map shows the markers without tiles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A valid 1x1 transparent PNG.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
LAND_OCCUPATION = "forestry.land_occupation"
#: Checklist items the forestry and environment plugins add (plugin data, not UI strings).
CHECKLIST_ZH = ("有无非法占用林地", "有无排污或倾倒固体废物")


def submit(session: Any, selector: str = "main form button[type=submit]") -> None:
    with session.page.expect_navigation():
        session.page.click(selector)
    session.settle()


def today() -> date:
    return datetime.now(SHANGHAI).date()


def png(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    target.write_bytes(PNG)
    return target


def images_loaded(session: Any, selector: str) -> int:
    """How many images matching ``selector`` finished loading with real pixels."""
    return session.page.eval_on_selector_all(
        selector, "els => els.filter(i => i.complete && i.naturalWidth > 0).length")


@dataclass
class Planned:
    office: Any
    forestry: Any
    inspection: str  # /inspections/<id>
    record_id: int
    village_finding: str  # /findings/<id>
    environment_finding: str


def plan_record_and_assign(open_as: Any, tmp_path: Path, prefix: str) -> Planned:
    """Through the pages: plan, record on site with a photo, assign two findings."""
    office = open_as(f"{prefix}-office", role="office", department="office")
    office.visit("/inspections/new", "inspection-new")
    page = office.page
    start = today()
    page.fill("input[name=title]", "春季森林资源联合督查")
    page.fill("textarea[name=purpose]", "检查林地保护情况")
    page.fill("input[name=start_on]", start.isoformat())
    page.fill("input[name=end_on]", (start + timedelta(days=2)).isoformat())
    page.fill("input[name=report_due_on]", (start + timedelta(days=7)).isoformat())
    page.check("input[name=dept][value=natural_resources]")
    page.fill("input[name=task-natural_resources]", "核查林地占用")
    page.check("input[name=dept][value=environment]")
    page.fill("input[name=task-environment]", "核查排污")
    page.select_option("select[name=villages]", ["v_dongpo"])
    office.screenshot("inspection-new-filled")
    submit(office)
    assert re.fullmatch(r"/inspections/\d+", office.path()), office.page.url
    inspection = office.path()
    assert page.locator(".alert-success").count() == 1
    assert page.locator("main [data-testid=tasks] tbody tr").count() == 2
    main = page.inner_text("main")
    for label in CHECKLIST_ZH:
        assert label in main, f"checklist item {label!r} missing on {inspection}"
    assert "核查林地占用" in main and "核查排污" in main
    office.screenshot("inspection-planned")
    office.check("planned")

    forestry = open_as(f"{prefix}-forestry", role="liaison", department="natural_resources")
    forestry.visit(f"{inspection}/records/new", "record-new")
    page = forestry.page
    assert page.locator("main [data-testid=checklist]").count() == 1
    page.fill("input[name=place_name]", "东坡村后山")
    page.fill("input[name=lat]", "24.78")
    page.fill("input[name=lng]", "112.38")
    page.check(f"input[name='check-{LAND_OCCUPATION}'][value=yes]")
    page.fill("textarea[name=notes]", "发现林地内新建简易棚")
    page.set_input_files("input[name=photos]", str(png(tmp_path, "现场.png")))
    forestry.screenshot("record-new-filled")
    submit(forestry)
    assert forestry.path() == inspection, forestry.page.url
    assert page.locator(".alert-success").count() == 1
    records = page.locator("main [data-testid=record]")
    assert records.count() == 1
    record_id = int((records.first.get_attribute("id") or "").removeprefix("record-"))
    thumbs = f"#record-{record_id} img.fc-thumb"
    assert page.locator(thumbs).count() == 1
    assert images_loaded(forestry, thumbs) == 1, "the record's thumbnail did not load"
    forestry.assert_rendered()
    forestry.screenshot("inspection-recorded")
    forestry.check("recorded")

    # the office: a finding for the village from the record, one for a department
    office.visit(inspection, "inspection-with-record")
    page = office.page
    assert images_loaded(office, f"#record-{record_id} img.fc-thumb") == 1
    from_record = f"#record-{record_id} a[href$='/findings/new?record={record_id}']"
    with page.expect_navigation():
        page.click(from_record)
    office.settle()
    assert office.path() == f"{inspection}/findings/new"
    assert page.input_value("select[name=record_id]") == str(record_id)
    due = (today() + timedelta(days=10)).isoformat()
    page.fill("textarea[name=description]", "东坡村后山林地被占用建棚")
    page.select_option("select[name=severity]", "serious")
    page.select_option("select[name=category]", "protection_restoration")
    page.fill("input[name=due_on]", due)
    page.select_option("select[name=unit]", "v_dongpo")
    page.fill("textarea[name=requirements]", "拆除并复绿")
    page.fill("input[name=lat]", "24.8")
    page.fill("input[name=lng]", "112.4")
    office.screenshot("finding-new-village")
    submit(office)
    assert re.fullmatch(r"/findings/\d+", office.path()), office.page.url
    village_finding = office.path()
    assert page.locator(".alert-success").count() == 1
    assert page.locator("main h1 [data-state=open]").count() == 1
    assert page.locator("main [data-testid=timeline] li").count() == 1
    assert page.locator("main [data-testid=timeline] li[data-kind=assigned]").count() == 1
    office.screenshot("finding-village")
    office.check("village finding")

    office.visit(f"{inspection}/findings/new", "finding-new-environment")
    page.fill("textarea[name=description]", "溪边有倾倒固体废物痕迹")
    page.select_option("select[name=severity]", "serious")
    page.select_option("select[name=category]", "protection_restoration")
    page.fill("input[name=due_on]", due)
    page.select_option("select[name=unit]", "environment")
    submit(office)
    assert re.fullmatch(r"/findings/\d+", office.path()), office.page.url
    environment_finding = office.path()
    assert environment_finding != village_finding
    office.screenshot("finding-environment")

    office.visit(inspection, "inspection-with-findings")
    links = page.eval_on_selector_all(
        "main table[data-testid=findings] a[href^='/findings/']",
        "els => els.map(e => e.getAttribute('href'))")
    assert sorted(links) == sorted([village_finding, environment_finding])
    office.check("assigned")
    return Planned(office=office, forestry=forestry, inspection=inspection,
                   record_id=record_id, village_finding=village_finding,
                   environment_finding=environment_finding)


def test_plan_record_and_assign(open_as: Any, tmp_path: Path) -> None:
    planned = plan_record_and_assign(open_as, tmp_path, "inspection")
    # the forestry liaison takes part: it sees the inspection and both findings' table
    forestry = planned.forestry
    forestry.visit(planned.inspection, "inspection-forestry")
    assert forestry.page.locator("main [data-testid=record]").count() == 1
    # but only the office hands out findings
    assert forestry.page.locator(
        f"main a[href*='{planned.inspection}/findings/new']").count() == 0
    forestry.check("forestry view")


def test_rectification_rejected_then_verified(open_as: Any, tmp_path: Path) -> None:
    planned = plan_record_and_assign(open_as, tmp_path, "rectify")
    office, finding = planned.office, planned.village_finding

    village = open_as("rectify-village", role="liaison", department="v_dongpo")
    assert not any(link.startswith("/inspections") for link in village.nav_links()), (
        village.nav_links())
    assert "/findings/" in village.nav_links()
    village.visit("/findings/", "findings-board-village")
    links = village.page.eval_on_selector_all(
        "main table[data-testid=findings] a[href^='/findings/']",
        "els => els.map(e => e.getAttribute('href'))")
    assert links == [finding], links
    # the inspection itself and the other unit's finding are not the village's
    village.allowed.update({(404, planned.inspection), (404, planned.environment_finding)})
    for hidden in (planned.inspection, planned.environment_finding):
        response = village.goto(hidden)
        assert response is not None and response.status == 404, hidden
    village.check("hidden")

    village.visit(finding, "finding-village-open")
    page = village.page
    page.fill("textarea[name=completion-text]", "已拆除并补植")
    page.set_input_files("input[name=completion-photos]", str(png(tmp_path, "复绿.png")))
    submit(village, "main form[action$='/completion'] button[type=submit]")
    assert village.path() == finding
    assert page.locator(".alert-success").count() == 1
    assert page.locator("main h1 [data-state=completion_reported]").count() == 1
    photo = "main [data-testid=timeline] li[data-kind=completion] img.fc-thumb"
    assert images_loaded(village, photo) == 1, "the completion photo did not load"
    village.assert_rendered()
    village.screenshot("finding-completion-reported")
    village.check("completion reported")

    office.visit(finding, "finding-to-verify")
    page = office.page
    assert images_loaded(office, photo) == 1
    page.fill("textarea[name=reject-reason]", "补植不足")
    submit(office, "main form[action$='/reject'] button[type=submit]")
    assert office.path() == finding
    assert page.locator("main h1 [data-state=open]").count() == 1
    assert page.locator("main [data-testid=timeline] li[data-kind=rejected]").count() == 1
    assert "补植不足" in page.inner_text("main [data-testid=timeline]")
    office.screenshot("finding-rejected")
    office.check("rejected")

    village.visit(finding, "finding-village-sent-back")
    page = village.page
    assert "补植不足" in page.inner_text("main [data-testid=timeline]")
    page.fill("textarea[name=completion-text]", "补植完成")
    submit(village, "main form[action$='/completion'] button[type=submit]")
    assert page.locator("main h1 [data-state=completion_reported]").count() == 1
    village.check("completion reported again")

    office.visit(finding, "finding-to-verify-again")
    page = office.page
    page.fill("textarea[name=verify-text]", "现场核验合格")
    submit(office, "main form[action$='/verify'] button[type=submit]")
    assert office.path() == finding
    assert page.locator(".alert-success").count() == 1
    office.screenshot("finding-verified")
    office.check("verified")

    village.visit(finding, "finding-village-closed")
    page = village.page
    assert page.locator("main h1 [data-state=closed]").count() == 1
    kinds = page.eval_on_selector_all("main [data-testid=timeline] li",
                                      "els => els.map(e => e.dataset.kind)")
    assert kinds == ["assigned", "completion", "rejected", "completion", "verified"], kinds
    # nothing left to report on a closed finding
    assert page.locator("main form[action$='/completion']").count() == 0
    response = village.goto("/findings/?state=")  # any state, closed included
    assert response is not None and response.status == 200
    village.assert_rendered()
    village.screenshot("findings-board-village-all")
    links = village.page.eval_on_selector_all(
        "main table[data-testid=findings] a[href^='/findings/']",
        "els => els.map(e => e.getAttribute('href'))")
    assert links == [finding], links
    assert village.page.locator("main table[data-testid=findings] [data-state=closed]"
                                ).count() == 1
    village.check("closed")


def test_map_shows_markers_without_tiles(open_as: Any, tmp_path: Path) -> None:
    planned = plan_record_and_assign(open_as, tmp_path, "map")
    office = planned.office
    # the on-site record and the village finding have coordinates; the department's not
    office.goto("/inspections/map")
    assert office.path() == "/inspections/map"
    page = office.page
    page.wait_for_function(
        "() => (document.querySelector('#fc-map').getAttribute('data-markers') || '') !== ''")
    office.settle()
    assert page.get_attribute("#fc-map", "data-markers") == "2"
    assert page.locator("#fc-map path.leaflet-interactive").count() == 2
    assert page.locator("#fc-map path.fc-marker-record").count() == 1
    assert page.locator("#fc-map path.fc-marker-open").count() == 1
    assert page.locator("#fc-map img.leaflet-tile").count() == 0  # no tiles configured
    office.assert_rendered()
    office.screenshot("inspections-map")
    office.check("map")

    # a marker's popup links to the finding
    page.locator("#fc-map path.fc-marker-open").click()
    link = page.locator(f"#fc-map .leaflet-popup a[href='{planned.village_finding}']")
    link.wait_for(state="visible")
    office.screenshot("inspections-map-popup")
    office.check("map popup")
