"""Quarterly liaison reports: sections from plugins, filing, lateness, export."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from freezegun import freeze_time
from openpyxl import load_workbook

from core.sharing.reports import Quarter
from core.testing import csrf_token, login

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_quarter_arithmetic(app):
    with app.app_context():
        q = Quarter.parse("2026Q4")
        assert q.start == datetime(2026, 10, 1, tzinfo=SHANGHAI)
        assert q.end == datetime(2027, 1, 1, tzinfo=SHANGHAI)
        assert q.due(10) == datetime(2027, 1, 11, tzinfo=SHANGHAI)
        assert q.next.label == "2027Q1" and q.previous.label == "2026Q3"
        assert Quarter.of(datetime(2026, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC"))).label == "2027Q1"
        assert Quarter.parse("2026Q5") is None


def file(client, quarter, code, fields):
    page = f"/reports/{quarter}/{code}"
    return client.post(page, data={"csrf_token": csrf_token(client, page), **fields})


def board_states(client, quarter):
    page = client.get(f"/reports/?quarter={quarter}").get_data(as_text=True)
    return dict(re.findall(r'data-department="([a-z_]+)" data-state="([a-z_]+)"', page))


def test_filing_on_time_and_late_and_missing(app, login_as):
    with freeze_time("2026-10-05 10:00:00"):
        forestry = login_as("liaison", "natural_resources")
        office = login_as("office", "office")
        page = forestry.get("/reports/2026Q3/natural_resources").get_data(as_text=True)
        assert "forestry.quarterly.logging_permits" in page and "sharing.items_shared" in page
        filed = file(forestry, "2026Q3", "natural_resources", {
            "forestry.quarterly.logging_permits": "12",
            "forestry.quarterly.logging_volume_m3": "350.5",
            "forestry.quarterly.forest_cases": "2", "sharing.items_shared": "4",
            "summary": "本季度采伐管理正常。"})
        assert filed.status_code == 302
        states = board_states(office, "2026Q3")
        assert states["natural_resources"] == "filed"
        assert states["police"] == "pending"
    with freeze_time("2026-10-12 09:00:00"):  # past the due day (Oct 10, end of day)
        police = app.test_client()
        from core.accounts.services import create_user
        from core.db import db
        from core.testing import DEFAULT_PASSWORD

        with app.app_context():
            create_user("late.police", DEFAULT_PASSWORD, "police", "liaison")
            db.session.commit()
        login(police, "late.police")
        office = app.test_client()
        with app.app_context():
            create_user("office.late", DEFAULT_PASSWORD, "office", "office")
            db.session.commit()
        login(office, "office.late")
        states = board_states(office, "2026Q3")
        assert states["police"] == "late" and states["education"] == "late"
        assert states["natural_resources"] == "filed"
        assert file(police, "2026Q3", "police", {
            "police.quarterly.criminal_cases": "1"}).status_code == 302
        assert board_states(office, "2026Q3")["police"] == "filed_late"

        response = office.get("/reports/2026Q3/export.xlsx")
        rows = list(load_workbook(io.BytesIO(response.data), read_only=True).active.iter_rows(
            values_only=True))
        header = rows[0]
        assert header[:4] == ("部门", "状态", "提交时间", "提交人") and header[-1] == "其他情况"
        by_department = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
        forestry_row = by_department["镇自然资源所"]
        assert forestry_row["林业：已发放林木采伐许可证"] == 12
        assert forestry_row["其他情况"] == "本季度采伐管理正常。"
        assert by_department["镇教办"]["状态"] == "逾期未报"


def test_bad_numbers_are_refused_with_the_field_named(login_as):
    forestry = login_as("liaison", "natural_resources")
    response = file(forestry, "2026Q2", "natural_resources", {
        "forestry.quarterly.logging_permits": "十二", "summary": "保留的文字"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "保留的文字" in body and 'value="十二"' in body and "is-invalid" in body


def test_who_files_and_who_reads(login_as):
    member = login_as("member", "natural_resources")
    assert member.get("/reports/2026Q3/natural_resources").status_code == 200
    assert file(member, "2026Q3", "natural_resources", {}).status_code == 403
    other = login_as("liaison", "police")
    assert other.get("/reports/2026Q3/natural_resources").status_code == 404
    assert file(other, "2026Q3", "natural_resources", {}).status_code == 404
    assert other.get("/reports/2026Q3/export.xlsx").status_code == 403
    assert login_as("auditor", "office").get("/reports/").status_code == 403
    assert other.get("/reports/2026Q9/police").status_code == 404


def test_liaison_scores_rank_departments(app, login_as):
    from core import audit
    from core.accounts.services import find_user
    from core.db import db
    from core.sharing.services import ItemInput, create_item

    with freeze_time("2026-11-10 10:00:00"):
        login_as("liaison", "natural_resources", username="score.forestry")
        with app.app_context(), audit.acting_as(name="test"):
            author = find_user("score.forestry")
            for i in range(5):
                create_item(author, ItemInput(title=f"条目{i}", category="enforcement",
                                              sensitivity="open"))
            db.session.commit()
    with freeze_time("2027-01-05 10:00:00"):  # the quarter has ended; due Jan 10
        forestry = app.test_client()
        login(forestry, "score.forestry")
        office = login_as("office", "office")
        assert file(forestry, "2026Q4", "natural_resources", {}).status_code == 302
        page = office.get("/reports/scores?quarter=2026Q4").get_data(as_text=True)
        rows = re.findall(r'data-department="([a-z_]+)" data-score="([0-9.]+)" '
                          r'data-rank="(\d+)"', page)
        by_code = {code: (float(score), int(rank)) for code, score, rank in rows}
        # forestry: answers 1 (asked nothing), report on time, 5 items -> 100
        assert by_code["natural_resources"] == (100.0, 1)
        # nothing filed, nothing shared, nothing asked -> 50, sharing rank 2
        assert by_code["police"] == (50.0, 2) and by_code["education"] == (50.0, 2)
        assert "score.forestry" in page  # the liaison is named
        police = login_as("liaison", "police")
        own = police.get("/reports/scores?quarter=2026Q4").get_data(as_text=True)
        assert re.findall(r'data-department="([a-z_]+)"', own) == ["police"]
        assert police.get("/reports/scores/2026Q4.xlsx").status_code == 403
        response = office.get("/reports/scores/2026Q4.xlsx")
        rows = list(load_workbook(io.BytesIO(response.data), read_only=True).active.iter_rows(
            values_only=True))
        assert rows[0] == ("排名", "部门", "联络员", "请求数", "按时答复数", "按时答复率",
                           "季度报告", "共享信息数", "得分")
        assert rows[1][:2] == (1, "镇自然资源所") and rows[1][-1] == 100.0


def test_api_reports_and_scores(login_as):
    forestry = login_as("liaison", "natural_resources")
    assert file(forestry, "2026Q2", "natural_resources", {
        "forestry.quarterly.logging_permits": "3"}).status_code == 302
    police = login_as("liaison", "police")
    listed = {r["department"]: r for r in police.get(
        "/api/v1/quarterly-reports?quarter=2026Q2").get_json()}
    assert listed["natural_resources"]["state"] in ("filed_late", "filed")
    assert listed["natural_resources"]["sections"] is None  # not police's to read
    own = {r["department"]: r for r in forestry.get(
        "/api/v1/quarterly-reports?quarter=2026Q2").get_json()}
    assert own["natural_resources"]["sections"]["forestry.quarterly"]["logging_permits"] == 3
    assert police.get("/api/v1/quarterly-reports?quarter=2026Q9").status_code == 422
    scores = police.get("/api/v1/liaison-scores?quarter=2026Q2").get_json()
    assert scores[0]["rank"] == 1 and {"score", "answer_rate"} <= set(scores[0])


def test_a_quarter_is_reported_once_it_has_ended(login_as):
    forestry = login_as("liaison", "natural_resources")
    response = file(forestry, "2099Q1", "natural_resources", {})
    assert response.status_code == 400
    for value in ("inf", "nan", "1e309", "-1"):
        refused = file(forestry, "2026Q1", "natural_resources",
                       {"forestry.quarterly.logging_volume_m3": value})
        assert refused.status_code == 400, value
