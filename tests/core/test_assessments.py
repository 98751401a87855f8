"""Assessments (考评, yuxi): indicators computed from real records (campaign reports, quarterly
liaison reports, the ledger, inspection findings, liaison scores), then self-check ->
evaluation -> ranking -> recommendation -> publication through HTTP, with the denials."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import select

from core.testing import (
    SHANGHAI,
    ApiCaller as Caller,
    api_caller_for,
    api_error as error,
    api_ok as ok,
    login,
    post_form,
)

#: When the assessment of April-June 2021 is opened (Q2's liaison report deadline passed).
ASSESSED = datetime(2021, 7, 20, 10, 0, tzinfo=SHANGHAI)
PERIOD = {"period_start": "2021-04-01", "period_end": "2021-06-30"}
HEADERS = ["排名", "单位", "按时报送率", "台账完整率", "整改按期办结率", "联络员评分", "系统得分",
           "自查得分", "自查情况", "评定得分", "评定意见", "总分", "是否推优"]


@pytest.fixture
def people(app: Any, campaign_people: dict[str, int]) -> dict[str, Caller]:
    return {key: api_caller_for(app, user_id) for key, user_id in campaign_people.items()}


def _user(username: str) -> Any:
    from core.accounts.models import User
    from core.db import db

    return db.session.scalar(select(User).where(User.username == username))


def _department_id(code: str) -> int:
    from core.db import db
    from core.departments.models import Department

    return db.session.scalar(select(Department.id).where(Department.code == code))


@pytest.fixture
def campaign_id(make_campaign: Any, campaign_people: dict[str, int]) -> int:
    """The jiaocheng mining campaign from its template, starting 2021-04-01 (created on
    2021-03-20, before its first phase)."""
    return make_campaign(campaign_people["office"])


def file_reports(app: Any, campaign_id: int) -> None:
    """Natural resources files five of its six April-June progress reports on time and one a
    day late, and its 2021Q1 liaison report on time (due 2021-04-10) and its 2021Q2 one (so
    its Q2 liaison score has the report); the police file three on time and nothing else."""
    from core import audit
    from core.campaigns.models import CampaignReport
    from core.db import db
    from core.sharing.models import QuarterlyReport

    with app.app_context(), audit.acting_as(name="test"):
        for code, late, missing in (("natural_resources", {5}, set()),
                                    ("police", set(), {3, 4, 5})):
            reports = db.session.scalars(select(CampaignReport).where(
                CampaignReport.campaign_id == campaign_id, CampaignReport.kind == "progress",
                CampaignReport.department_id == _department_id(code),
                CampaignReport.due_at < datetime(2021, 7, 1, tzinfo=SHANGHAI))
                .order_by(CampaignReport.due_at)).all()
            assert len(reports) == 6
            for index, report in enumerate(reports):
                if index in missing:
                    continue
                report.filed_at = report.due_at + (timedelta(days=1) if index in late
                                                   else -timedelta(hours=2))
                report.content = "进展"
        nr, by = _department_id("natural_resources"), _user("su.nr").id
        db.session.add_all([
            QuarterlyReport(department_id=nr, quarter="2021Q1", sections={}, summary="一季度",
                            filed_by_id=by, filed_at=datetime(2021, 4, 5, tzinfo=SHANGHAI)),
            QuarterlyReport(department_id=nr, quarter="2021Q2", sections={}, summary="二季度",
                            filed_by_id=by, filed_at=datetime(2021, 7, 5, tzinfo=SHANGHAI))])
        db.session.commit()


def fill_ledger(app: Any, campaign_id: int) -> None:
    """Four rows: natural resources fills its group on three, the police on one."""
    from core import audit
    from core.campaigns import services
    from core.campaigns.models import Campaign
    from core.db import db

    now = datetime(2021, 5, 10, 9, 0, tzinfo=SHANGHAI)
    with app.app_context(), audit.acting_as(name="test"):
        campaign = db.session.get(Campaign, campaign_id)
        nr, police = _user("su.nr"), _user("li.police")
        rows = [services.add_row(nr, campaign, {"county": "交城县", "party": f"砂石厂{i}",
                                                "category": "砂石"}, now=now)
                for i in range(4)]
        for row in rows[:3]:
            services.set_group(nr, campaign, row, "natural_resources",
                               {"land_area": "2.5", "land_restored": "否"}, now=now)
        services.set_group(police, campaign, rows[0], "police", {"criminal_detentions": 1},
                           now=now)
        db.session.commit()


def make_findings(people: dict[str, Caller]) -> None:
    """Natural resources: one finding verified by its deadline, one verified late (both due
    in April), one due after the period; the police: one never closed (due in May)."""
    office, nr = people["office"], people["nr"]
    with freeze_time(datetime(2021, 4, 2, 9, 0, tzinfo=SHANGHAI)):
        inspection = ok(office.post("/inspections", {
            "title": "2021年二季度联合督查", "start_on": "2021-04-02", "end_on": "2021-04-05",
            "report_due_on": "2021-04-30",
            "departments": [{"code": "natural_resources", "task": "矿山"},
                            {"code": "police", "task": "治安"}]}), 201)
        ok(office.post(f"/inspections/{inspection['id']}/start"))

        def finding(unit: str, due_on: str) -> int:
            return ok(office.post("/findings", {
                "inspection_id": inspection["id"], "description": f"{unit} 整改 {due_on}",
                "severity": "serious", "category": "protection_restoration", "unit": unit,
                "due_on": due_on}), 201)["id"]

        on_time = finding("natural_resources", "2021-04-20")
        late = finding("natural_resources", "2021-04-25")
        later = finding("natural_resources", "2021-08-01")
        finding("police", "2021-05-10")
    for fid, moment in ((on_time, datetime(2021, 4, 15, 9, 0, tzinfo=SHANGHAI)),
                        (late, datetime(2021, 5, 1, 9, 0, tzinfo=SHANGHAI)),
                        (later, datetime(2021, 5, 2, 9, 0, tzinfo=SHANGHAI))):
        with freeze_time(moment):
            ok(nr.post(f"/findings/{fid}/progress", {"text": "已整改", "complete": True}))
            ok(office.post(f"/findings/{fid}/verify", {"text": "核验通过"}))
    # The police's finding stays open past its deadline.


def scenario(app: Any, people: dict[str, Caller], campaign_id: int) -> dict[str, Any]:
    """The campaign with its records, and the assessment of April-June opened on 2021-07-20."""
    file_reports(app, campaign_id)
    fill_ledger(app, campaign_id)
    make_findings(people)
    with freeze_time(ASSESSED):
        return ok(people["office"].post("/assessments", {
            "title": "2021年二季度打击非法采矿专项行动考评", **PERIOD, "campaign": campaign_id}),
            201)


def entries(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["department"]: e for e in body["entries"]}


# ------------------------------------------------------------------ the indicators


def test_indicators_are_computed_from_the_records(app, people, campaign_id):
    assessment = scenario(app, people, campaign_id)
    assert assessment["state"] == "self_check" and assessment["weights"] == {
        "reports": 30, "ledger": 30, "rectifications": 25, "liaison": 15}
    # The campaign's participants of kind "department" (not the office itself).
    by = entries(assessment)
    assert set(by) == {"natural_resources", "police"}
    nr, police = by["natural_resources"]["indicators"], by["police"]["indicators"]

    # 5 of 6 progress reports on time + the Q1 liaison report (due 2021-04-10) on time.
    assert nr["reports"]["inputs"] == {"campaign_due": 6, "campaign_on_time": 5,
                                       "quarterly_due": 1, "quarterly_on_time": 1}
    assert nr["reports"]["score"] == 85.7
    assert police["reports"]["inputs"]["campaign_on_time"] == 3
    assert police["reports"]["score"] == 42.9  # 3 of 7
    # Rows where the department's group has a cell, of all four rows.
    assert nr["ledger"] == {"applicable": True, "score": 75.0, "weight": 30, "inputs": {
        "group": "natural_resources", "rows": 4, "filled": 3}}
    assert police["ledger"]["score"] == 25.0
    # Findings due in the period: one of two verified by the deadline; the police's open.
    assert nr["rectifications"]["inputs"] == {"due": 2, "closed_on_time": 1}
    assert nr["rectifications"]["score"] == 50.0
    assert police["rectifications"]["score"] == 0.0
    # 2021Q2's liaison score: nothing asked (0.5), report filed (0.3), no items.
    assert nr["liaison"]["inputs"] == {"quarters": {"2021Q2": 80.0}}
    assert police["liaison"]["score"] == 50.0
    # (30×85.7 + 30×75 + 25×50 + 15×80) / 100 and (30×42.9 + 30×25 + 25×0 + 15×50) / 100
    assert by["natural_resources"]["system_score"] == 72.7
    assert by["police"]["system_score"] == 27.9
    assert by["natural_resources"]["total"] == 72.7
    assert [e["department"] for e in assessment["entries"]] == ["natural_resources", "police"]
    assert [e["rank"] for e in assessment["entries"]] == [1, 2]

    from core.db import db
    from core.notifications.models import Notification

    with app.app_context():
        told = db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "assessment.opened")).all()
        assert _user("su.nr").id in told and _user("meng.police").id in told
        assert _user("liu.nr").id not in told and _user("qian.finance").id not in told


def test_system_score_renormalises_the_weights_of_what_applies():
    from core.assessments.services import system_score

    weights = {"reports": 30, "ledger": 30, "rectifications": 25, "liaison": 15}
    indicators = {"reports": {"applicable": True, "score": 80.0},
                  "ledger": {"applicable": False, "score": None},
                  "rectifications": {"applicable": True, "score": 100.0},
                  "liaison": {"applicable": True, "score": 50.0}}
    # (30×80 + 25×100 + 15×50) / 70
    assert system_score(indicators, weights) == Decimal("80.7")
    assert system_score({k: {"applicable": False, "score": None} for k in weights},
                        weights) is None
    assert system_score(indicators, {**weights, "reports": 0, "rectifications": 0,
                                     "liaison": 0, "ledger": 100}) is None


def test_without_a_campaign_every_department_is_assessed_and_the_ledger_does_not_apply(
        app, people):
    with freeze_time(ASSESSED):
        body = ok(people["office"].post("/assessments", {
            "title": "2021年二季度考评", **PERIOD,
            "weights": {"reports": 50, "ledger": 0, "rectifications": 25, "liaison": 25}}), 201)
    by = entries(body)
    from core.db import db
    from core.departments.models import Department

    with app.app_context():
        expected = set(db.session.scalars(select(Department.code).where(
            Department.active.is_(True), Department.kind == "department")))
    assert set(by) == expected and "office" not in by
    finance = by["finance"]["indicators"]
    assert finance["ledger"] == {"applicable": False, "score": None, "weight": 0,
                                 "inputs": {"reason": "no_campaign"}}
    assert finance["rectifications"]["applicable"] is False
    # The Q1 liaison report was due in the period and not filed: 0 of 1.
    assert finance["reports"]["score"] == 0.0
    # (50×0 + 25×50) / 75 (rectifications do not apply)
    assert by["finance"]["system_score"] == 16.7


# ------------------------------------------------------------- the flow, through HTTP


def test_self_check_evaluation_ranking_recommendation_and_publication(app, people, campaign_id):
    office, nr, police = people["office"], people["nr"], people["police"]
    number = scenario(app, people, campaign_id)["id"]
    path = f"/assessments/{number}"

    # Self-check: the department's leader or liaison, for its own entry only.
    error(office.post(f"{path}/evaluate", {"department": "police", "score": 80}), 409,
          "conflict")
    bad = error(nr.post(f"{path}/self-check", {"score": 101, "text": "x"}), 422,
                "validation_error")
    assert "score" in bad["fields"]
    assert "text" in error(nr.post(f"{path}/self-check", {"score": 90, "text": " "}), 422,
                           "validation_error")["fields"]
    error(people["nr_member"].post(f"{path}/self-check", {"score": 99, "text": "自查"}), 403,
          "forbidden")
    error(office.post(f"{path}/self-check", {"score": 99, "text": "自查"}), 403, "forbidden")
    error(people["finance"].post(f"{path}/self-check", {"score": 99, "text": "自查"}), 404,
          "not_found")
    mine = ok(nr.post(f"{path}/self-check", {"score": 92.5, "text": "逐项自查，台账齐全"}))
    assert [e["department"] for e in mine["entries"]] == ["natural_resources"]
    own = mine["entries"][0]
    assert own["self_score"] == 92.5 and own["self_checked"] and own["rank"] is None
    # The police never self-check: flagged, and not eligible.

    # The office moves on (entries without a self-check are allowed) ...
    error(nr.post(f"{path}/advance"), 403, "forbidden")
    moved = ok(office.post(f"{path}/advance", {"to": "evaluation"}))
    assert moved["state"] == "evaluation"
    error(office.post(f"{path}/advance", {"to": "evaluation"}), 409, "conflict")  # no skip
    error(nr.post(f"{path}/self-check", {"score": 95, "text": "补充"}), 409, "conflict")

    # ... and evaluates; a department cannot.
    error(police.post(f"{path}/evaluate", {"department": "police", "score": 100}), 403,
          "forbidden")
    assert "department" in error(office.post(f"{path}/evaluate", {
        "department": "finance", "score": 80}), 422, "validation_error")["fields"]
    assert "score" in error(office.post(f"{path}/evaluate", {
        "department": "police", "score": -1}), 422, "validation_error")["fields"]
    ok(office.post(f"{path}/evaluate", {"department": "natural_resources", "score": 88,
                                        "comment": "台账规范"}))
    ranked = ok(office.post(f"{path}/evaluate", {"department": "police", "score": 88}))
    by = entries(ranked)
    assert by["natural_resources"]["total"] == 88.0 and by["police"]["total"] == 88.0
    assert by["natural_resources"]["rank"] == by["police"]["rank"] == 1  # a tie shares a rank
    ranked = ok(office.post(f"{path}/evaluate", {"department": "police", "score": 60.5}))
    assert [(e["department"], e["rank"], e["total"]) for e in ranked["entries"]] == [
        ("natural_resources", 1, 88.0), ("police", 2, 60.5)]

    # Recommendation: only with a self-check (未按要求开展县级自查的，取消推优资格).
    refused = error(office.post(f"{path}/recommend", {"department": "police"}), 422,
                    "validation_error")
    assert "recommended" in refused["fields"]
    error(nr.post(f"{path}/recommend", {"department": "natural_resources"}), 403, "forbidden")
    marked = entries(ok(office.post(f"{path}/recommend", {"department": "natural_resources"})))
    assert marked["natural_resources"]["recommended"] and not marked["police"]["recommended"]

    # Before publication a department sees its own entry, without a rank.
    before = ok(police.get(path))
    assert [(e["department"], e["rank"]) for e in before["entries"]] == [("police", None)]
    assert before["entries"][0]["self_checked"] is False

    published = ok(office.post(f"{path}/advance"))
    assert published["state"] == "published" and published["published_at"]
    for step, body in (("advance", {}), ("refresh", {}),
                       ("recommend", {"department": "natural_resources", "recommended": False}),
                       ("evaluate", {"department": "police", "score": 99})):
        error(office.post(f"{path}/{step}", body), 409, "conflict")

    # Published: the ranking for every department, the details of its own entry only.
    seen = entries(ok(police.get(path)))
    assert seen["natural_resources"]["rank"] == 1 and seen["natural_resources"]["recommended"]
    assert seen["natural_resources"]["indicators"] is None
    assert seen["natural_resources"]["self_text"] is None
    assert seen["police"]["indicators"]["ledger"]["score"] == 25.0
    assert seen["police"]["evaluation_score"] == 60.5

    from core.audit import AuditRecord, verify
    from core.db import db
    from core.notifications.models import Notification

    with app.app_context():
        told = db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "assessment.evaluated")).all()
        assert {_user("su.nr").id, _user("liu.nr").id, _user("li.police").id} <= set(told)
        changes = [(r.actor, r.changes) for r in db.session.scalars(select(AuditRecord).where(
            AuditRecord.object_type.in_(("assessments", "assessment_entries")),
            AuditRecord.action == "update").order_by(AuditRecord.seq))]
        assert ("wang.office", {"state": ["self_check", "evaluation"]}) in changes
        assert ("wang.office", {"state": ["evaluation", "published"]}) in changes
        assert any(actor == "su.nr" and "self_score" in c for actor, c in changes)
        assert any(actor == "wang.office" and c.get("recommended") == [False, True]
                   for actor, c in changes)
        assert verify().ok


def test_refresh_recomputes_until_published(app, people, campaign_id):
    number = scenario(app, people, campaign_id)["id"]
    from core import audit
    from core.campaigns.models import CampaignReport
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        for report in db.session.scalars(select(CampaignReport).where(
                CampaignReport.department_id == _department_id("police"),
                CampaignReport.filed_at.is_(None),
                CampaignReport.due_at < datetime(2021, 7, 1, tzinfo=SHANGHAI))):
            report.filed_at = report.due_at - timedelta(minutes=5)
        db.session.commit()
    error(people["police"].post(f"/assessments/{number}/refresh"), 403, "forbidden")
    with freeze_time(ASSESSED):
        refreshed = entries(ok(people["office"].post(f"/assessments/{number}/refresh")))
    assert refreshed["police"]["indicators"]["reports"]["score"] == 85.7  # 6 of 7 now


# ------------------------------------------------------------------ input and access


def test_bad_input_answers_422_and_only_the_office_opens_one(people):
    office = people["office"]

    def refused(**changes: Any) -> dict[str, Any]:
        body = {"title": "考评", **PERIOD, **changes}
        return error(office.post("/assessments", body), 422, "validation_error")["fields"]

    assert "weights" in refused(weights={"reports": 50, "ledger": 50, "rectifications": 25,
                                         "liaison": 15})
    assert "weights" in refused(weights={"reports": 101})
    assert "period_end" in refused(period_start="2021-06-30", period_end="2021-04-01")
    assert "period_end" in refused(period_start="2019-01-01", period_end="2021-06-30")
    assert "campaign" in refused(campaign=999)
    assert "title" in refused(title="  ")
    assert "unexpected" in refused(unexpected=1)
    error(people["police_leader"].post("/assessments", {"title": "考评", **PERIOD}), 403,
          "forbidden")
    error(people["admin"].get("/assessments"), 403, "forbidden")


def test_visibility_lists_and_404(app, people, campaign_id):
    number = scenario(app, people, campaign_id)["id"]
    office, finance = people["office"], people["finance"]
    listed = office.get("/assessments")
    assert listed.headers["X-Total-Count"] == "1" and ok(listed)[0]["id"] == number
    assert ok(office.get("/assessments", state="published")) == []
    error(office.get("/assessments", state="nonsense"), 422, "validation_error")
    assert [a["id"] for a in ok(people["nr_member"].get("/assessments"))] == [number]
    # Finance takes no part in the campaign: it is not assessed and sees nothing.
    assert ok(finance.get("/assessments")) == []
    error(finance.get(f"/assessments/{number}"), 404, "not_found")
    assert finance.get(f"/api/v1/assessments/{number}.xlsx").status_code == 404
    error(people["admin"].get(f"/assessments/{number}"), 403, "forbidden")


def test_export_has_the_chinese_headers(app, people, campaign_id):
    number = scenario(app, people, campaign_id)["id"]
    response = people["office"].get(f"/assessments/{number}.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    with app.app_context():
        from core.db import db
        from core.departments.models import Department

        names = dict(db.session.execute(select(Department.code, Department.name_zh)).all())
    assert rows[1] == (1, names["natural_resources"], 85.7, 75, 50, 80, 72.7, None, None,
                       None, None, 72.7, "否")
    assert rows[2][:2] == (2, names["police"]) and rows[2][-2:] == (27.9, "否")
    # A department's export has its own row only, before publication.
    mine = people["police"].get(f"/assessments/{number}.xlsx")
    own = list(load_workbook(io.BytesIO(mine.data)).active.iter_rows(values_only=True))
    assert [r[1] for r in own[1:]] == [names["police"]] and own[1][0] is None


# -------------------------------------------------------------------------- the pages


def _signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def test_pages_open_self_check_evaluate_recommend_publish(app, people, campaign_id):
    office = _signed_in(app, "wang.office")
    form = {"title": "", "period_start": "2021-04-01", "period_end": "2021-03-01",
            "campaign": str(campaign_id), "weight_reports": "30", "weight_ledger": "30",
            "weight_rectifications": "25", "weight_liaison": "15"}
    bad = post_form(office, "/assessments/new", form)
    assert bad.status_code == 400
    assert bad.get_data(as_text=True).count("is-invalid") >= 1
    bad = post_form(office, "/assessments/new", {**form, "title": "专项行动考评",
                                                 "period_end": "2021-06-30",
                                                 "weight_liaison": "20"})
    assert bad.status_code == 400 and "100" in bad.get_data(as_text=True)
    done = post_form(office, "/assessments/new", {**form, "title": "专项行动考评",
                                                  "period_end": "2021-06-30"})
    assert done.status_code == 302
    page_path = done.headers["Location"]
    assert re.fullmatch(r"/assessments/\d+", page_path)
    listing = office.get("/assessments/?state=self_check").get_data(as_text=True)
    assert "专项行动考评" in listing
    assert "专项行动考评" not in office.get("/assessments/?state=published").get_data(
        as_text=True)
    page = office.get(page_path).get_data(as_text=True)
    assert 'data-testid="ranking"' in page and 'data-testid="no-self-check"' in page

    # Only the assessed department's leader or liaison self-checks; others are refused.
    nr = _signed_in(app, "su.nr")
    assert "self-score" in nr.get(page_path).get_data(as_text=True)
    refused = post_form(nr, f"{page_path}/self-check", {"self-score": "120", "self-text": ""},
                        page=page_path)
    assert refused.status_code == 400 and "is-invalid" in refused.get_data(as_text=True)
    ok_ = post_form(nr, f"{page_path}/self-check", {"self-score": "91.5",
                                                    "self-text": "自查完毕"}, page=page_path)
    assert ok_.status_code == 302
    assert "91.5" in nr.get(page_path).get_data(as_text=True)
    member = _signed_in(app, "liu.nr")
    assert post_form(member, f"{page_path}/self-check", {"self-score": "99",
                                                         "self-text": "x"},
                     page=page_path).status_code == 403
    finance = _signed_in(app, "qian.finance")
    assert finance.get(page_path).status_code == 404
    assert finance.get(f"{page_path}/export.xlsx").status_code == 404
    assert post_form(nr, f"{page_path}/evaluate", {"evaluate-department": "police",
                                                   "evaluate-score": "10"},
                     page=page_path).status_code == 403

    moved = post_form(office, f"{page_path}/advance", {"advance-to": "evaluation"},
                      page=page_path)
    assert moved.status_code == 302
    again = post_form(office, f"{page_path}/advance", {"advance-to": "evaluation"},
                      page=page_path)
    assert again.status_code == 409  # a repeated click never skips a step
    bad = post_form(office, f"{page_path}/evaluate", {"evaluate-department": "police",
                                                      "evaluate-score": "abc"},
                    page=page_path)
    assert bad.status_code == 400
    assert post_form(office, f"{page_path}/evaluate", {
        "evaluate-department": "natural_resources", "evaluate-score": "86",
        "evaluate-comment": "规范"}, page=page_path).status_code == 302
    not_eligible = post_form(office, f"{page_path}/recommend",
                             {"recommend-department": "police",
                              "recommend-recommended": "1"}, page=page_path)
    assert not_eligible.status_code == 400
    assert "推优" in not_eligible.get_data(as_text=True)
    assert post_form(office, f"{page_path}/recommend", {
        "recommend-department": "natural_resources", "recommend-recommended": "1"},
        page=page_path).status_code == 302
    assert post_form(office, f"{page_path}/refresh", {}, page=page_path).status_code == 302
    assert post_form(office, f"{page_path}/advance", {"advance-to": "published"},
                     page=page_path).status_code == 302
    shown = nr.get(page_path).get_data(as_text=True)
    assert 'data-department="natural_resources" data-rank="1" data-total="86.0" ' \
           'data-recommended="1"' in shown
    assert 'data-department="police"' in shown

    export = office.get(f"{page_path}/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1][0] == 1 and rows[1][-2:] == (86, "是") and rows[2][-1] == "否"
    assert rows[1][8] == "自查完毕" and rows[2][7] is None


def test_system_roles_and_other_departments_are_refused(app, people):
    office = _signed_in(app, "wang.office")
    assert office.get("/assessments/new").status_code == 200
    assert _signed_in(app, "li.police").get("/assessments/new").status_code == 403
    admin = _signed_in(app, "root.admin")
    assert admin.get("/assessments/").status_code == 403


def test_the_detail_page_runs_a_bounded_number_of_queries(app, people, campaign_id,
                                                          count_queries):
    office = people["office"]
    small = ok(office.post("/assessments", {"title": "两个单位", **PERIOD,
                                            "campaign": campaign_id}), 201)
    large = ok(office.post("/assessments", {"title": "所有单位", **PERIOD}), 201)
    assert len(large["entries"]) > 2 * len(small["entries"])
    client = _signed_in(app, "wang.office")

    def measure(number: int) -> int:
        client.get(f"/assessments/{number}")  # warm caches
        with count_queries() as q:
            assert client.get(f"/assessments/{number}").status_code == 200
        return q.count

    few, many = measure(small["id"]), measure(large["id"])
    assert many <= few <= 6, (few, many)  # the campaign's title is one more


def test_every_endpoint_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    ours = {path: ops for path, ops in spec["paths"].items()
            if path.startswith("/api/v1/assessments")}
    assert set(ours) == {
        "/api/v1/assessments", "/api/v1/assessments/{assessment_id}",
        "/api/v1/assessments/{assessment_id}.xlsx",
        *(f"/api/v1/assessments/{{assessment_id}}/{step}"
          for step in ("refresh", "self-check", "evaluate", "recommend", "advance"))}
    for path, ops in ours.items():
        for method, op in ops.items():
            if method != "parameters":
                assert op.get("summary"), (method, path)
    entry = spec["components"]["schemas"]["Entry"]["properties"]
    assert "evaluation_score" in entry["total"]["description"]
