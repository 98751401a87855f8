"""``/api/v1/campaigns``: the issue's checks through real HTTP — the mining template, the
group-scoped ledger, denial for departments that do not take part."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.testing import ApiCaller, api_error as error, api_ok as ok


@pytest.fixture
def people(api_callers: Any) -> dict[str, ApiCaller]:
    return api_callers({
        "office": ("wang.office", "office", "office"),
        "nr": ("su.nr", "liaison", "natural_resources"),
        "police": ("li.police", "liaison", "police"),
        "education": ("zhou.edu", "liaison", "education"),
        "admin": ("root.admin", "admin", "office"),
    })


def _mining(office: ApiCaller, **changes: Any) -> dict[str, Any]:
    return ok(office.post("/campaigns", {"template": "mining", **changes}), 201)


def test_templates_are_listed(people: dict[str, ApiCaller]) -> None:
    listed = ok(people["office"].get("/campaigns/templates"))
    mining = next(t for t in listed if t["code"] == "mining")
    assert [p["name_zh"] for p in mining["phases"]] == ["调查摸排阶段", "打击处理阶段",
                                                       "总结评估阶段"]


def test_mining_template_creates_three_phases_in_jiaocheng_pattern(
        people: dict[str, ApiCaller]) -> None:
    campaign = _mining(people["office"], starts_on="2027-04-01")
    assert [(p["key"], p["starts_on"], p["ends_on"]) for p in campaign["phases"]] == [
        ("survey", "2027-04-01", "2027-04-30"),
        ("crackdown", "2027-05-01", "2027-09-10"),
        ("review", "2027-09-11", "2027-11-30"),
    ]
    assert campaign["rhythm"]["days"] == [15, 30] and campaign["rhythm"]["time"] == "18:00"
    assert [m["role"] for m in campaign["leadership"]][:2] == ["leader", "deputy"]
    assert campaign["office"]["department"] == "natural_resources"
    groups = campaign["ledger_layout"]["groups"]
    assert [g["key"] for g in groups] == ["natural_resources", "police"]
    assert campaign["ledger_layout"]["units"] == "亩、元、吨、人"
    # The document's own dates when no start is given.
    default = _mining(people["office"])
    assert default["starts_on"] == "2021-04-01" and default["ends_on"] == "2021-11-30"


def test_phase_tasks_are_assigned_when_the_campaign_lies_ahead(
        people: dict[str, ApiCaller]) -> None:
    first = date.today().replace(day=1)
    start = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    _mining(people["office"], starts_on=start.isoformat())
    tasks = ok(people["nr"].get("/tasks", state="", source_kind="campaign.phase"))
    # Two survey tasks and one crackdown task are the natural-resources office's.
    assert len(tasks) == 3
    assert all(t["department"] == "natural_resources" for t in tasks)
    police = ok(people["police"].get("/tasks", state="", source_kind="campaign.phase"))
    assert len(police) == 2


def test_departments_fill_only_their_own_group(people: dict[str, ApiCaller]) -> None:
    office, nr, police = people["office"], people["nr"], people["police"]
    campaign = _mining(office, starts_on="2027-04-01")
    ledger = f"/campaigns/{campaign['id']}/ledger"
    row = ok(nr.post(ledger, {
        "county": "交城县", "party": "交城县某砂石厂", "location": "西社镇", "category": "砂石",
        "groups": {"natural_resources": {"land_area": 12.5, "land_fine": 30000,
                                         "land_restored": "否"}}}), 201)
    assert row["number"] == 1 and row["groups"]["natural_resources"]["land_area"] == 12.5
    patched = ok(police.patch(f"{ledger}/{row['id']}", {
        "groups": {"police": {"administrative_detentions": 1, "criminal_detentions": 2}}}))
    assert patched["groups"]["police"] == {"administrative_detentions": 1,
                                           "criminal_detentions": 2, "arrests": None}
    # Police cannot touch the natural-resources group, nor the office any group.
    error(police.patch(f"{ledger}/{row['id']}", {
        "groups": {"natural_resources": {"land_area": 1}}}), 403, "forbidden")
    error(office.patch(f"{ledger}/{row['id']}", {"groups": {"police": {"arrests": 1}}}),
          403, "forbidden")
    # Bad values are named; nothing is written.
    bad = error(nr.patch(f"{ledger}/{row['id']}", {
        "groups": {"natural_resources": {"land_area": "十二", "mined_quantity": 5}}}),
        422, "validation_error")
    assert "groups.natural_resources.land_area" in bad["fields"]
    rows = ok(office.get(ledger))
    assert rows[0]["groups"]["natural_resources"]["mined_quantity"] is None
    assert rows[0]["groups"]["police"]["criminal_detentions"] == 2
    # Core columns: the department that entered the row, not the police.
    error(police.patch(f"{ledger}/{row['id']}", {"party": "别人"}), 403, "forbidden")
    ok(nr.patch(f"{ledger}/{row['id']}", {"remarks": "已移送公安"}))
    stale = error(nr.patch(f"{ledger}/{row['id']}", {"remarks": "x", "version": 1}), 409,
                  "conflict")
    assert stale


def test_departments_outside_the_campaign_see_nothing(people: dict[str, ApiCaller]) -> None:
    campaign = _mining(people["office"], starts_on="2027-04-01")
    edu = people["education"]
    assert ok(edu.get("/campaigns")) == []
    for path in ("", "/ledger", "/ledger.xlsx", "/reports", "/results", "/clues"):
        error(edu.get(f"/campaigns/{campaign['id']}{path}"), 404, "not_found")
    error(edu.post(f"/campaigns/{campaign['id']}/ledger", {"party": "x"}), 404, "not_found")
    error(people["admin"].get("/campaigns"), 403, "forbidden")


def test_creation_needs_the_office_or_a_leader(people: dict[str, ApiCaller]) -> None:
    error(people["police"].post("/campaigns", {"template": "mining"}), 403, "forbidden")
    bad = error(people["office"].post("/campaigns", {"template": "nope"}), 422,
                "validation_error")
    assert "template" in bad["fields"]


def test_a_refused_row_leaves_nothing_behind(app: Any, people: dict[str, ApiCaller]) -> None:
    """One transaction per request: the row is not kept when its group is refused (a
    savepoint on SQLite must not commit the request's work early)."""
    from sqlalchemy import func, select

    from core.campaigns.models import LedgerRow
    from core.db import db

    campaign = _mining(people["office"], starts_on="2027-04-01")
    ledger = f"/campaigns/{campaign['id']}/ledger"
    error(people["nr"].post(ledger, {"party": "某厂", "groups": {
        "natural_resources": {"land_area": "abc"}}}), 422, "validation_error")
    error(people["police"].post(ledger, {"party": "某厂", "groups": {
        "natural_resources": {"land_area": 1}}}), 403, "forbidden")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LedgerRow)) == 0


def test_an_absurd_start_day_is_refused(people: dict[str, ApiCaller]) -> None:
    bad = error(people["office"].post("/campaigns", {"template": "mining",
                                                     "starts_on": "9999-12-31"}),
                422, "validation_error")
    assert "starts_on" in bad["fields"]


def test_the_dashboard_shows_the_campaigns_a_department_takes_part_in(
        app: Any, people: dict[str, ApiCaller], login_as: Any, count_queries: Any) -> None:
    _mining(people["office"])  # the document's own dates: every report is overdue
    police = login_as("liaison", "police")
    page = police.get("/").get_data(as_text=True)
    widget = page.split('data-testid="campaigns-widget"')[1].split("</div>\n</div>")[0]
    assert "严厉打击非法违法采矿、非法占地专项行动" in widget
    assert 'data-testid="campaign-reports-overdue"' in widget
    assert "17" in widget.split('campaign-reports-overdue">')[1].split("<")[0]
    # Not taking part: no widget at all.
    assert 'campaigns-widget' not in login_as("liaison", "education").get("/").get_data(
        as_text=True)
    # The widget's queries do not grow with the campaigns.
    with count_queries() as few:
        police.get("/")
    for _ in range(3):
        _mining(people["office"], starts_on="2027-04-01")
    with count_queries() as many:
        police.get("/")
    assert many.count == few.count
