"""Campaign reports: filing on the rhythm (每月15、30日18时前), late flags, the ledger snapshot,
corrections before the deadline only, conflicts, who sees and files what, reminders and the
on-time counts the assessment uses."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.campaigns import reports, services
from core.campaigns.models import CampaignReport
from core.errors import InputError, StateConflict
from core.testing import SHANGHAI, api_error, api_ok, campaign_of, make_api_caller, user_of

APRIL_15 = datetime(2021, 4, 15, 18, 0, tzinfo=SHANGHAI)


def at(hour: int, minute: int = 0, second: int = 0, day: int = 15) -> datetime:
    return datetime(2021, 4, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture
def people(campaign_people: dict[str, int]) -> dict[str, int]:
    return campaign_people


@pytest.fixture
def campaign_id(make_campaign: Any, people: dict[str, int]) -> int:
    return make_campaign(people["office"])


def _report(campaign_id: int, department: str, due_at: datetime = APRIL_15,
            kind: str = "progress") -> CampaignReport:
    from core.db import db
    from core.departments.models import Department

    return db.session.scalar(select(CampaignReport).join(
        Department, Department.id == CampaignReport.department_id).where(
        CampaignReport.campaign_id == campaign_id, Department.code == department,
        CampaignReport.kind == kind, CampaignReport.due_at == due_at))


def test_a_report_not_filed_by_the_15th_at_18_00_is_late(app: Any, people: dict[str, int],
                                                          campaign_id: int) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        nr_report = _report(campaign_id, "natural_resources")
        police_report = _report(campaign_id, "police")
        assert nr_report.due_at == APRIL_15
        assert reports.status(nr_report, at(10, day=1)) == "upcoming"
        assert reports.status(nr_report, at(17, 59)) == "due"
        assert reports.status(nr_report, at(18, 0, 0)) == "due"  # by 18:00 is still on time
        assert reports.status(nr_report, at(18, 0, 1)) == "overdue"
        assert nr_report.is_late(at(18, 0, 1))

        reports.file_report(user_of(people["police"]), police_report, "四月上半月进展",
                            now=at(17, 59))
        reports.file_report(user_of(people["nr"]), nr_report, "四月上半月进展（迟报）",
                            now=at(18, 30))
        db.session.commit()
        assert reports.status(police_report, at(19)) == "filed"
        assert reports.status(nr_report, at(19)) == "filed_late"
        assert nr_report.is_late(at(19)) and not police_report.is_late(at(19))
        assert nr_report.filed_at.astimezone(SHANGHAI) == at(18, 30)
        assert nr_report.filed_by_id == people["nr"]

        office = user_of(people["office"])
        campaign = campaign_of(campaign_id)
        late = db.session.scalars(reports.report_query(office, campaign, state="late",
                                                       now=at(19))).all()
        # NR's late filing, and nothing else: every other report is still ahead.
        assert [r.id for r in late] == [nr_report.id]
        filed = db.session.scalars(reports.report_query(office, campaign, state="filed",
                                                        now=at(19))).all()
        assert {r.id for r in filed} == {nr_report.id, police_report.id}
        due = db.session.scalars(reports.report_query(office, campaign, state="due",
                                                      now=at(19, day=25))).all()
        assert {r.due_at for r in due} == {datetime(2021, 4, 30, 18, 0, tzinfo=SHANGHAI)}
        assert len(due) == 2
        overdue = db.session.scalars(reports.report_query(
            office, campaign, state="overdue", now=at(18, 0, 1, day=30))).all()
        assert len(overdue) == 2 and all(r.filed_at is None for r in overdue)


def test_a_report_is_corrected_before_its_deadline_only(app: Any, people: dict[str, int],
                                                        campaign_id: int) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        report = _report(campaign_id, "natural_resources")
        reports.file_report(user_of(people["nr"]), report, "初稿", now=at(17))
        db.session.commit()
        reports.file_report(user_of(people["nr_leader"]), report, "更正稿", now=at(17, 30))
        db.session.commit()
        assert report.content == "更正稿" and report.filed_by_id == people["nr_leader"]
        assert reports.status(report, at(20)) == "filed"
        with pytest.raises(InputError) as refused:
            reports.file_report(user_of(people["nr"]), report, "截止后改", now=at(18, 30))
        assert "content" in refused.value.fields
        db.session.rollback()
        assert db.session.get(CampaignReport, report.id).content == "更正稿"

        late = _report(campaign_id, "police")
        reports.file_report(user_of(people["police"]), late, "迟报", now=at(19))
        db.session.commit()
        with pytest.raises(InputError):  # a late filing stays late: no re-filing
            reports.file_report(user_of(people["police"]), late, "再报", now=at(19, 30))
        db.session.rollback()
        assert reports.status(db.session.get(CampaignReport, late.id), at(20)) == "filed_late"


def test_text_is_required_and_the_final_report_needs_the_self_assessment(
        app: Any, people: dict[str, int], campaign_id: int) -> None:
    from core import audit

    with app.app_context(), audit.acting_as(name="test"):
        progress = _report(campaign_id, "natural_resources")
        with pytest.raises(InputError) as empty:
            reports.file_report(user_of(people["nr"]), progress, "   ", now=at(12))
        assert "content" in empty.value.fields
        final = _report(campaign_id, "natural_resources",
                        datetime(2021, 11, 30, 18, 0, tzinfo=SHANGHAI), kind="final")
        with pytest.raises(InputError) as missing:
            reports.file_report(user_of(people["nr"]), final, "工作总结", now=at(12))
        assert set(missing.value.fields) == {"self_assessment"}
        reports.file_report(user_of(people["nr"]), final, "工作总结", "自评：优秀", now=at(12))
        assert final.self_assessment == "自评：优秀"


def test_the_snapshot_keeps_the_ledger_as_it_was_when_filed(app: Any, people: dict[str, int],
                                                            campaign_id: int) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        campaign = campaign_of(campaign_id)
        nr = user_of(people["nr"])
        row = services.add_row(nr, campaign, {"county": "交城县", "party": "某砂石厂",
                                              "category": "砂石"}, now=at(9))
        services.set_group(nr, campaign, row, "natural_resources",
                           {"land_area": "12.5", "land_restored": "否"}, now=at(9))
        report = _report(campaign_id, "natural_resources")
        reports.file_report(nr, report, "进展", now=at(10))
        db.session.commit()
        report_id = row_id = None
        report_id, row_id = report.id, row.id

    with app.app_context(), audit.acting_as(name="test"):
        campaign = campaign_of(campaign_id)
        nr = user_of(people["nr"])
        row = services.get_row(campaign, row_id)
        services.set_group(nr, campaign, row, "natural_resources", {"land_area": "99"},
                           now=at(11))
        services.add_row(nr, campaign, {"party": "另一家"}, now=at(11))
        db.session.commit()

    with app.app_context():
        snapshot = db.session.get(CampaignReport, report_id).snapshot
        assert [r["party"] for r in snapshot["rows"]] == ["某砂石厂"]
        assert snapshot["rows"][0]["groups"]["natural_resources"]["land_area"] == 12.5
        assert snapshot["rows"][0]["groups"]["natural_resources"]["land_restored"] is False
        assert snapshot["layout"]["groups"][0]["key"] == "natural_resources"


def test_two_people_filing_at_once_the_second_gets_a_conflict(
        app: Any, people: dict[str, int], campaign_id: int) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        mine = _report(campaign_id, "natural_resources")  # loaded at this version
        loaded_version = mine.version
        with app.app_context(), audit.acting_as(name="test"):  # a second request
            theirs = db.session.get(CampaignReport, mine.id)
            reports.file_report(user_of(people["nr_leader"]), theirs, "领导先报", now=at(10))
            db.session.commit()
        with pytest.raises(StateConflict):
            reports.file_report(user_of(people["nr"]), mine, "联络员后报", now=at(10, 1))
        db.session.rollback()
        stored = db.session.get(CampaignReport, mine.id)
        assert stored.content == "领导先报" and stored.version > loaded_version
        # A form loaded before someone else's filing is stale too.
        with pytest.raises(StateConflict):
            reports.file_report(user_of(people["nr"]), stored, "旧表单", now=at(10, 2),
                                version=loaded_version)


def test_who_may_file_and_see_reports(app: Any, people: dict[str, int],
                                      campaign_id: int) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        campaign = campaign_of(campaign_id)
        nr_report = _report(campaign_id, "natural_resources")
        police, finance = user_of(people["police"]), user_of(people["finance"])
        with pytest.raises(PermissionError):  # police cannot file NR's report
            reports.file_report(police, nr_report, "代报", now=at(10))
        with pytest.raises(PermissionError):  # the office neither: each files its own
            reports.file_report(user_of(people["office"]), nr_report, "代报", now=at(10))
        with pytest.raises(PermissionError):  # liaison or leader, not any member
            reports.file_report(user_of(people["nr_member"]), nr_report, "代报", now=at(10))
        assert not reports.may_file(finance, nr_report)

        police_seen = db.session.scalars(reports.report_query(police, campaign)).all()
        assert police_seen and {r.department.code for r in police_seen} == {"police"}
        assert db.session.scalars(reports.report_query(
            police, campaign, department_id=nr_report.department_id)).all() == []
        assert db.session.scalars(reports.report_query(finance, campaign)).all() == []
        assert services.get_visible_campaign(finance, campaign_id) is None
        everyone = db.session.scalars(reports.report_query(user_of(people["office"]),
                                                           campaign)).all()
        assert {r.department.code for r in everyone} == {"natural_resources", "police"}
        member_sees = db.session.scalars(reports.report_query(user_of(people["nr_member"]),
                                                              campaign)).all()
        assert len(member_sees) == len(everyone)  # the campaign office's department
        dues = [r.due_at for r in everyone]
        assert dues == sorted(dues)

        services.close(user_of(people["office"]), campaign)
        db.session.flush()
        with pytest.raises(PermissionError):  # a closed campaign takes no more reports
            reports.file_report(user_of(people["nr"]), nr_report, "关闭后", now=at(10))


def test_filing_tells_the_campaign_office(app: Any, people: dict[str, int],
                                          campaign_id: int) -> None:
    from core import audit
    from core.db import db
    from core.notifications.models import Notification

    with app.app_context(), audit.acting_as(name="test"):
        reports.file_report(user_of(people["police"]), _report(campaign_id, "police"), "进展",
                            now=at(10))
        db.session.commit()
        told = set(db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "campaign.report_filed")))
        # The campaign office is the natural resources bureau: its liaison and leader.
        assert told == {people["nr"], people["nr_leader"]}


def test_the_late_board_and_the_on_time_rate(app: Any, people: dict[str, int],
                                             campaign_id: int, count_queries: Any) -> None:
    from core import audit
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        reports.file_report(user_of(people["nr"]), _report(campaign_id, "natural_resources"),
                            "按时", now=at(17))
        reports.file_report(user_of(people["police"]), _report(campaign_id, "police"), "迟报",
                            now=at(19))
        db.session.commit()
        campaign = campaign_of(campaign_id)
        moment = at(12, day=30) + timedelta(hours=7)  # 30 April 19:00: second one overdue
        with count_queries() as queries:
            board = reports.late_board(campaign, moment)
        assert queries.count <= 2
        rows = {row.department.code: row for row in board}
        assert (rows["natural_resources"].on_time, rows["natural_resources"].filed_late,
                rows["natural_resources"].overdue) == (1, 0, 1)
        assert (rows["police"].on_time, rows["police"].filed_late,
                rows["police"].overdue) == (0, 1, 1)
        assert rows["police"].late == 2
        assert rows["police"].total == 17 and rows["police"].upcoming == 15

        nr_id = user_of(people["nr"]).department_id
        police_id = user_of(people["police"]).department_id
        assert reports.on_time_rate(nr_id, date(2021, 4, 1), date(2021, 4, 30), moment) == (1, 2)
        assert reports.on_time_rate(police_id, date(2021, 4, 1), date(2021, 4, 30),
                                    moment) == (0, 2)
        assert reports.on_time_rates([nr_id, police_id, 999], date(2021, 4, 1),
                                     date(2021, 4, 30), moment) == {
            nr_id: (1, 2), police_id: (0, 2), 999: (0, 0)}
        assert reports.on_time_rate(nr_id, at(0, day=1), at(0, day=16), moment) == (1, 1)
        # Deadlines not yet reached do not count as due.
        assert reports.on_time_rate(nr_id, date(2021, 4, 1), date(2021, 4, 30),
                                    at(12, day=20)) == (1, 1)


def test_reminders_for_reports_due_within_a_day_or_passed(app: Any, people: dict[str, int],
                                                          campaign_id: int) -> None:
    from core import audit
    from core.db import db
    from core.notifications.services import remind_deadlines

    with app.app_context(), audit.acting_as(name="test"):
        police_report = _report(campaign_id, "police")
        reports.file_report(user_of(people["police"]), police_report, "进展", now=at(9))
        db.session.commit()
        assert reports.deadline_source(at(9, day=1)) == []  # a fortnight ahead
        soon = reports.deadline_source(at(9))
        assert [r.object_id for r in soon] == [_report(campaign_id, "natural_resources").id]
        assert set(soon[0].recipients) == {people["nr"], people["nr_leader"]}
        assert soon[0].link == f"/campaigns/{campaign_id}/reports/{soon[0].object_id}"
        passed = reports.deadline_source(at(19))
        assert len(passed) == 1
        # Once passed, the campaign office is told too (here: the same department).
        assert set(passed[0].recipients) == {people["nr"], people["nr_leader"]}
        assert remind_deadlines(at(19), [reports.deadline_source]) == 2
        assert remind_deadlines(at(19, 30), [reports.deadline_source]) == 0  # once only

        services.close(user_of(people["office"]), campaign_of(campaign_id))
        db.session.flush()
        assert reports.deadline_source(at(19)) == []


def test_the_staged_reports_of_the_wildlife_campaign_remind_the_office(
        app: Any, make_campaign: Any, people: dict[str, int]) -> None:
    from core import audit

    campaign_id = make_campaign(people["office"], "wildlife", date(2017, 8, 10))
    with app.app_context(), audit.acting_as(name="test"):
        due = datetime(2017, 9, 18, 18, 0, tzinfo=SHANGHAI)
        staged = _report(campaign_id, "finance", due, kind="staged")
        assert staged is not None and staged.title == "阶段性工作情况（第一次）"
        passed = {r.object_id: r for r in reports.deadline_source(due + timedelta(hours=1))}
        # The finance bureau's liaison, and the campaign office's (the police's) people.
        assert set(passed[staged.id].recipients) == {
            people["finance"], people["police"], people["police_leader"]}
        ahead = reports.deadline_source(due - timedelta(hours=2))
        assert people["police"] not in {u for r in ahead if r.object_id == staged.id
                                        for u in r.recipients}


# ------------------------------------------------------------------------------ HTTP


def test_reports_over_the_api(app: Any, make_user: Any, people: dict[str, int],
                              campaign_id: int) -> None:
    from core import audit
    from core.db import db

    police = make_api_caller(app, make_user, "api.police", "liaison", "police")
    finance = make_api_caller(app, make_user, "api.finance", "liaison", "finance")
    with app.app_context(), audit.acting_as(name="test"):
        nr_report_id = _report(campaign_id, "natural_resources").id
        police_report_id = _report(campaign_id, "police").id
        db.session.commit()
    listed = api_ok(police.get(f"/campaigns/{campaign_id}/reports", per_page=100))
    assert listed and {r["department"] for r in listed} == {"police"}
    api_error(police.post(f"/campaigns/{campaign_id}/reports/{nr_report_id}",
                          {"content": "代报"}), 404, "not_found")
    api_error(finance.get(f"/campaigns/{campaign_id}/reports"), 404, "not_found")
    filed = api_ok(police.post(f"/campaigns/{campaign_id}/reports/{police_report_id}",
                               {"content": "四月上半月进展"}))
    assert filed["filed_at"] and filed["snapshot"]["rows"] == []
    api_error(police.post(f"/campaigns/{campaign_id}/reports/{police_report_id}",
                          {"content": " "}), 422, "validation_error")
