"""Special campaigns, the service layer: templates create phases, report slots and the ledger
layout; each department fills only its own column group; cells are validated."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from core.campaigns import services
from core.campaigns.config import TEMPLATES_DIR, load_template, shift, templates
from core.campaigns.models import CampaignReport
from core.config import ConfigError
from core.testing import CAMPAIGN_NOW as NOW, SHANGHAI, user_of


@pytest.fixture
def people(campaign_people: dict[str, int]) -> dict[str, int]:
    return campaign_people


def test_shipped_templates_load() -> None:
    assert set(templates()) == {"mining", "wildlife"}


def test_shift_keeps_month_ends() -> None:
    origin = date(2021, 4, 1)
    start = date(2026, 12, 1)
    assert shift(date(2021, 4, 30), origin, start) == date(2026, 12, 31)
    assert shift(date(2021, 9, 10), origin, start) == date(2027, 5, 10)
    assert shift(date(2021, 11, 30), origin, start) == date(2027, 7, 31)


def test_mining_template_makes_three_phases_reports_and_the_ledger(
        app: Any, make_campaign: Any, people: dict[str, int]) -> None:
    from core.campaigns.models import Campaign
    from core.db import db

    campaign_id = make_campaign(people["office"])
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert [(p.name_zh, p.starts_on, p.ends_on) for p in campaign.phases] == [
            ("调查摸排阶段", date(2021, 4, 1), date(2021, 4, 30)),
            ("打击处理阶段", date(2021, 5, 1), date(2021, 9, 10)),
            ("总结评估阶段", date(2021, 9, 11), date(2021, 11, 30)),
        ]
        assert campaign.current_phase(date(2021, 6, 1)).key == "crackdown"
        groups = campaign.groups
        assert [g["title_zh"] for g in groups] == ["自然资源部门处理情况", "公安部门处理情况"]
        assert [c["label_zh"] for c in groups[0]["columns"]] == [
            "非法占地面积", "罚款金额", "是否恢复原状", "非法开采数量", "没收非法矿产品",
            "罚款金额", "非法采矿是否取缔"]
        assert [c["label_zh"] for c in groups[1]["columns"]] == ["行政拘留", "刑事拘留", "逮捕"]
        reports = db.session.scalars(select(CampaignReport).where(
            CampaignReport.campaign_id == campaign_id, CampaignReport.kind == "progress")
            .order_by(CampaignReport.due_at)).all()
        nr = [r for r in reports if r.department.code == "natural_resources"]
        local = [r.due_at.astimezone(SHANGHAI) for r in nr]
        # 15th and 30th of April..November (16), 18:00 local.
        assert len(nr) == 16 and len(reports) == 32
        assert local[0] == datetime(2021, 4, 15, 18, 0, tzinfo=SHANGHAI)
        assert local[1] == datetime(2021, 4, 30, 18, 0, tzinfo=SHANGHAI)
        finals = db.session.scalars(select(CampaignReport).where(
            CampaignReport.campaign_id == campaign_id, CampaignReport.kind == "final")).all()
        assert len(finals) == 2


def test_february_report_falls_on_the_last_day() -> None:
    days = services.rhythm_days([15, 30], date(2022, 2, 1), date(2022, 3, 31))
    assert days == [date(2022, 2, 15), date(2022, 2, 28), date(2022, 3, 15), date(2022, 3, 30)]


def test_each_department_edits_only_its_group(app: Any, make_campaign: Any,
                                              people: dict[str, int]) -> None:
    from core import audit
    from core.campaigns.models import Campaign
    from core.db import db

    campaign_id = make_campaign(people["office"])
    with app.app_context(), audit.acting_as(name="test"):
        campaign = db.session.get(Campaign, campaign_id)
        row = services.add_row(user_of(people["nr"]), campaign, {
            "county": "交城县", "party": "某砂石厂", "location": "西社镇", "category": "砂石"},
            now=NOW)
        services.set_group(user_of(people["nr"]), campaign, row, "natural_resources",
                           {"land_area": "12.5", "land_fine": "30000", "land_restored": "否"},
                           now=NOW)
        services.set_group(user_of(people["police"]), campaign, row, "police",
                           {"criminal_detentions": 2}, now=NOW)
        with pytest.raises(PermissionError):
            services.set_group(user_of(people["police"]), campaign, row, "natural_resources",
                               {"land_area": "1"}, now=NOW)
        with pytest.raises(PermissionError):
            services.set_group(user_of(people["office"]), campaign, row, "police",
                               {"arrests": "1"}, now=NOW)
        with pytest.raises(services.InputError) as bad:
            services.set_group(user_of(people["police"]), campaign, row, "police",
                               {"arrests": "1.5"}, now=NOW)
        assert "arrests" in bad.value.fields
        db.session.commit()
        values = row.values()
        assert values[("natural_resources", "land_area")] == Decimal("12.50")
        assert values[("natural_resources", "land_restored")] is False
        assert values[("police", "criminal_detentions")] == 2
        assert row.number == 1


def test_a_template_naming_an_unknown_department_names_file_and_key(tmp_path: Any,
                                                                    app: Any,
                                                                    people: dict[str, int]
                                                                    ) -> None:
    text = (TEMPLATES_DIR / "mining.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('department = "police"\ncolumns = "detentions"',
                                'department = "nowhere"\ncolumns = "detentions"'),
                   encoding="utf-8")
    from core import audit

    with app.app_context(), audit.acting_as(name="test"), pytest.raises(ConfigError) as err:
        services.create_from_template(user_of(people["office"]), load_template(bad),
                                      services.CampaignInput(starts_on=date(2021, 4, 1)),
                                      now=NOW)
    assert "bad.toml: ledger.group[1].department" in str(err.value)


def test_cli_checks_and_lists_the_templates(runner: Any) -> None:
    result = runner(["campaigns", "templates"])
    assert result.exit_code == 0, result.output
    assert "mining" in result.output and "调查摸排阶段 2021-04-01~2021-04-30" in result.output
    assert "wildlife" in result.output


def test_phases_stay_contiguous_whatever_the_start_day() -> None:
    from datetime import timedelta
    from itertools import pairwise

    from core.campaigns.config import phase_dates

    for code in ("mining", "wildlife"):
        tpl = templates()[code]
        day = date(2024, 1, 1)
        while day < date(2026, 1, 1):
            dates = phase_dates(tpl, day)
            assert dates[0][0] == day
            for (_, end), (begins, _) in pairwise(dates):
                assert begins == end + timedelta(days=1), (code, day, dates)
            assert all(b <= e for b, e in dates)
            day += timedelta(days=1)
    # From the 1st, jiaocheng's own pattern: a month, then to the 10th, then to a month end.
    assert phase_dates(templates()["mining"], date(2026, 12, 1)) == [
        (date(2026, 12, 1), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 5, 10)),
        (date(2027, 5, 11), date(2027, 7, 31))]
