"""Joint inspections through the pages: plan, on-site records with photos, findings for a
village and a department, rectification rejected then verified, overdue, supervision rhythm,
the board and its export, the map data, notices."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from core.testing import csrf_token, post_form as post

SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def today() -> date:
    return datetime.now(SHANGHAI).date()


def location_id(response, pattern) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(pattern, response.headers["Location"]).group(1))


@pytest.fixture
def people(login_as):
    return {
        "office": login_as("office", "office", username="wang.office"),
        "forestry": login_as("liaison", "natural_resources", username="li.forest"),
        "environment": login_as("liaison", "environment", username="chen.env"),
        "police": login_as("liaison", "police", username="zhao.police"),
        "village": login_as("liaison", "v_dongpo", username="liu.dongpo"),
        "other_village": login_as("liaison", "v_xishan", username="he.xishan"),
    }


def plan(office, **extra):
    start = today()
    data = {"title": "春季森林资源联合督查", "purpose": "检查林地保护情况",
            "scope": "东坡村、西山村林区",
            "start_on": start.isoformat(), "end_on": (start + timedelta(days=2)).isoformat(),
            "report_due_on": (start + timedelta(days=7)).isoformat(),
            "dept": ["natural_resources", "environment"],
            "task-natural_resources": "核查林地占用", "task-environment": "核查排污",
            "villages": ["v_dongpo", "v_xishan"], **extra}
    return location_id(post(office, "/inspections/new", data), r"/inspections/(\d+)")


def record(client, inspection_id, place, lat, lng, **extra):
    page = f"/inspections/{inspection_id}/records/new"
    return post(client, page, {"place_name": place, "lat": str(lat), "lng": str(lng),
                               "notes": "现场发现", "photos": [(io.BytesIO(PNG), "现场.png")],
                               **extra})


def add_finding(office, inspection_id, unit, due, **extra):
    page = f"/inspections/{inspection_id}/findings/new"
    data = {"description": f"{unit} 林地被占用建棚", "severity": "serious",
            "category": "protection_restoration", "unit": unit, "due_on": due.isoformat(),
            "requirements": "拆除并复绿", "lat": "24.8", "lng": "112.4", **extra}
    return location_id(post(office, page, data), r"/findings/(\d+)")


def test_plan_records_findings_reject_verify_and_audit(app, people):
    office, village = people["office"], people["village"]
    inspection_id = plan(office)
    detail = office.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert "核查林地占用" in detail and "东坡村" in detail
    # the forestry and environment plugins added their checklist items
    assert "有无非法占用林地" in detail and "有无排污或倾倒固体废物" in detail

    forestry = people["forestry"]
    first = record(forestry, inspection_id, "东坡村后山", 24.78, 112.38,
                   **{"check-forestry.land_occupation": "yes"})
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    assert record(people["environment"], inspection_id, "西山村溪边", 24.79, 112.39
                  ).status_code == 302
    detail = office.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert detail.count('data-testid="record"') == 2 and "有无非法占用林地: 是" in detail
    photo = re.search(rf'src="(/inspections/{inspection_id}/records/\d+/attachments/\d+)"',
                      detail).group(1)
    assert office.get(photo).data == PNG
    assert people["police"].get(photo).status_code == 404  # not in the inspection

    due = today() + timedelta(days=10)
    village_finding = add_finding(office, inspection_id, "v_dongpo", due)
    env_finding = add_finding(office, inspection_id, "environment", due, copies=["police"])
    assert "林地被占用" in village.get("/notifications/").get_data(as_text=True)

    page = f"/findings/{village_finding}"
    done = post(village, f"{page}/completion", {"completion-text": "已拆除并补植",
                                               "completion-photos": [(io.BytesIO(PNG),
                                                                      "复绿.png")]}, page)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    rejected = post(office, f"{page}/reject", {"reject-reason": "补植不足"}, page)
    assert rejected.status_code == 302
    assert "fc-state-open" in office.get(page).get_data(as_text=True)
    assert post(village, f"{page}/completion", {"completion-text": "补植完成"},
                page).status_code == 302
    assert post(office, f"{page}/verify", {"verify-text": "现场核验合格"}, page).status_code == 302
    shown = village.get(page).get_data(as_text=True)
    assert "fc-state-closed" in shown
    kinds = re.findall(r'data-kind="(\w+)"', shown)
    assert kinds == ["assigned", "completion", "rejected", "completion", "verified"]

    with app.app_context():
        from sqlalchemy import select

        from core.audit import AuditRecord as AuditLog
        from core.db import db

        rows = db.session.execute(select(AuditLog.action, AuditLog.object_type,
                                         AuditLog.changes).where(
            AuditLog.object_type.in_(("findings", "finding_events")))).all()
    states = [r.changes.get("state") for r in rows if r.object_type == "findings"
              and r.action == "update" and r.changes.get("state")]
    assert ["open", "completion_reported"] in states and ["completion_reported", "open"] in states
    assert ["completion_reported", "closed"] in states
    # two findings assigned, then completion, rejection, completion, verification
    assert sum(1 for r in rows if r.object_type == "finding_events" and r.action == "insert") == 6
    # the environment finding is still open: the unit sees it, police (copied) too
    assert people["environment"].get(f"/findings/{env_finding}").status_code == 200
    assert people["police"].get(f"/findings/{env_finding}").status_code == 200


def test_village_sees_only_its_own_findings(people):
    office = people["office"]
    inspection_id = plan(office)
    record(people["forestry"], inspection_id, "东坡村", 24.7, 112.3)
    mine = add_finding(office, inspection_id, "v_dongpo", today() + timedelta(days=5))
    theirs = add_finding(office, inspection_id, "v_xishan", today() + timedelta(days=5))
    village = people["village"]
    board = village.get("/findings/").get_data(as_text=True)
    assert f'/findings/{mine}"' in board and f'/findings/{theirs}"' not in board
    assert village.get(f"/findings/{theirs}").status_code == 404
    assert village.get(f"/inspections/{inspection_id}").status_code == 404
    assert village.get("/notices/").status_code == 200  # empty for villages
    data = village.get("/inspections/map.json").get_json()
    assert [f["properties"]["url"] for f in data["features"]] == [f"/findings/{mine}"]
    assert people["other_village"].post(f"/findings/{mine}/completion",
                                        data={}).status_code in (400, 404)


def test_only_the_office_plans_assigns_and_verifies(people):
    office = people["office"]
    forestry = people["forestry"]
    assert forestry.get("/inspections/new").status_code == 403
    inspection_id = plan(office)
    record(forestry, inspection_id, "东坡村", 24.7, 112.3)
    assert forestry.get(f"/inspections/{inspection_id}/findings/new").status_code == 403
    finding = add_finding(office, inspection_id, "v_dongpo", today() + timedelta(days=5))
    page = f"/findings/{finding}"
    post(people["village"], f"{page}/completion", {"completion-text": "完成"}, page)
    response = post(forestry, f"{page}/verify", {"verify-text": "ok"}, page)
    assert response.status_code == 403
    # nothing closes without verification: a unit cannot strike its own finding off
    response = post(people["village"], f"{page}/verify", {"verify-text": "ok"}, page)
    assert response.status_code == 403
    assert "fc-state-completion_reported" in office.get(page).get_data(as_text=True)


def test_bad_input_rerenders_with_field_errors_and_stores_nothing(app, people):
    office = people["office"]
    response = post(office, "/inspections/new", {
        "title": "缺部门", "start_on": today().isoformat(),
        "end_on": (today() - timedelta(days=1)).isoformat(),
        "report_due_on": today().isoformat()})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "结束日期早于开始日期" in body or "The end date is before" in body
    inspection_id = plan(office)
    record(people["forestry"], inspection_id, "东坡村", 24.7, 112.3)
    page = f"/inspections/{inspection_id}/findings/new"
    response = post(office, page, {"description": "x", "severity": "serious",
                                   "category": "protection_restoration", "unit": "v_dongpo",
                                   "due_on": (today() - timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    response = post(office, page, {"description": "坐标错误", "severity": "serious",
                                   "category": "protection_restoration", "unit": "v_dongpo",
                                   "due_on": (today() + timedelta(days=3)).isoformat(),
                                   "lat": "95", "lng": "112"})
    assert response.status_code == 400 and "坐标错误" in response.get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import func, select

        from core.db import db
        from core.inspections.models import Finding, Inspection

        assert db.session.scalar(select(func.count(Inspection.id))) == 1
        assert db.session.scalar(select(func.count(Finding.id))) == 0


def test_overdue_on_board_export_and_notice(app, people):
    office = people["office"]
    inspection_id = plan(office)
    record(people["forestry"], inspection_id, "东坡村", 24.7, 112.3)
    late = add_finding(office, inspection_id, "v_dongpo", today() + timedelta(days=1))
    add_finding(office, inspection_id, "environment", today() + timedelta(days=20))
    later = datetime.now(SHANGHAI) + timedelta(days=3)
    with freeze_time(later, tick=True):
        # a fresh sign-in: the jump is longer than the idle timeout
        from core.testing import login

        login(office, "wang.office")
        board = office.get("/findings/").get_data(as_text=True)
        rows = re.findall(r'<tr( class="table-danger")?>\s*<td class="small">(\d+)</td>', board)
        assert rows[0] == (' class="table-danger"', str(late))  # overdue first
        assert 'data-state="overdue"' in board
        export = office.get("/findings/export.xlsx?state=overdue")
        sheet = load_workbook(io.BytesIO(export.data)).active
        values = list(sheet.values)
        assert values[0][:4] == ("编号", "督查名称", "问题描述", "严重程度")
        assert len(values) == 2 and values[1][0] == late and values[1][12] == "是"
        preview = office.get(f"/inspections/{inspection_id}/notice").get_data(as_text=True)
        assert "逾期未整改单位" in preview and "东坡村" in preview
        issued = post(office, f"/inspections/{inspection_id}/notice",
                      {"title": "关于春季联合督查情况的通报", "intro": "现将督查情况通报如下。"})
        notice_id = location_id(issued, r"/notices/(\d+)")
        pdf = office.get(f"/notices/{notice_id}.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        from pypdf import PdfReader

        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
        assert "关于春季联合督查情况的通报" in text
        overdue_part = text[text.index("逾期未整改单位"):]
        assert "东坡村" in overdue_part
        docx = office.get(f"/notices/{notice_id}.docx")
        assert docx.status_code == 200 and docx.data[:2] == b"PK"
        environment, village = people["environment"], people["village"]
        login(environment, "chen.env")
        login(village, "liu.dongpo")
        assert environment.get(f"/notices/{notice_id}").status_code == 200
        assert village.get(f"/notices/{notice_id}").status_code == 404


def test_supervised_finding_without_monthly_inquiry_shows_overdue(app, people):
    office = people["office"]
    inspection_id = plan(office)
    record(people["forestry"], inspection_id, "东坡村", 24.7, 112.3)
    finding = add_finding(office, inspection_id, "v_dongpo", today() + timedelta(days=200))
    page = f"/findings/{finding}"
    assert post(office, f"{page}/supervise", {"supervise-reason": "重大问题，挂牌督办"},
                page).status_code == 302
    board = office.get("/findings/").get_data(as_text=True)
    assert 'data-testid="supervision"' in board and 'data-testid="missing"' not in board
    now = datetime.now(SHANGHAI)
    next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=2, hour=10)
    with freeze_time(next_month, tick=True):
        from core.testing import login

        login(office, "wang.office")
        board = office.get("/findings/").get_data(as_text=True)
        missing = re.findall(r'data-testid="missing">(.*?)</span>', board)
        assert any(f"{now:%Y-%m}" in m for m in missing), missing
        # filing the inquiry for that month clears it
        filed = post(office, f"{page}/supervision", {
            "entry-kind": "inquiry", "entry-period": f"{now:%Y-%m}",
            "entry-text": "已询问整改进度"}, page)
        assert filed.status_code == 302, filed.get_data(as_text=True)[:2000]
        board = office.get("/findings/").get_data(as_text=True)
        missing = re.findall(r'data-testid="missing">(.*?)</span>', board)
        assert not any(f"{now:%Y-%m}" in m for m in missing)


def test_map_page_and_data(people):
    office = people["office"]
    inspection_id = plan(office)
    record(people["forestry"], inspection_id, "东坡村", 24.7, 112.3)
    add_finding(office, inspection_id, "v_dongpo", today() + timedelta(days=5))
    page = office.get("/inspections/map").get_data(as_text=True)
    assert "vendor/leaflet/leaflet.js" in page and 'id="fc-map"' in page
    data = office.get("/inspections/map.json").get_json()
    kinds = sorted(f["properties"]["kind"] for f in data["features"])
    assert kinds == ["finding", "record"]


def test_board_runs_a_bounded_number_of_queries(app, people, count_queries):
    office = people["office"]
    inspection_id = plan(office)
    record(people["forestry"], inspection_id, "东坡村", 24.7, 112.3)

    def measure():
        with count_queries() as counter:
            assert office.get("/findings/").status_code == 200
        return counter.count

    def supervised_finding(unit):
        finding = add_finding(office, inspection_id, unit, today() + timedelta(days=5),
                              copies=["police"])
        post(office, f"/findings/{finding}/supervise", {"supervise-reason": "督办"},
             f"/findings/{finding}")

    supervised_finding("v_dongpo")
    few = measure()
    for unit in ("v_xishan", "environment", "township_gov", "police", "v_nanling"):
        supervised_finding(unit)
    assert measure() == few


def test_reminders_before_and_after_the_deadline_and_for_the_rhythm(app, people, runner):
    from sqlalchemy import select

    from core.accounts.models import User
    from core.db import db
    from core.notifications.models import Notification

    office = people["office"]
    inspection_id = plan(office)
    record(people["forestry"], inspection_id, "东坡村", 24.7, 112.3)
    finding = add_finding(office, inspection_id, "v_dongpo", today() + timedelta(days=1))
    page = f"/findings/{finding}"
    post(office, f"{page}/supervise", {"supervise-reason": "督办"}, page)

    def kinds(username):
        with app.app_context():
            user_id = db.session.scalar(select(User.id).where(User.username == username))
            return sorted((n.kind, n.object_type) for n in db.session.scalars(
                select(Notification).where(Notification.user_id == user_id,
                                           Notification.kind.like("deadline.%"))))

    def run_jobs():
        result = runner(["jobs", "run", "--only", "core.deadline_reminders"])
        assert result.exit_code == 0, result.output

    # the deadline is the end of tomorrow: within a day of it, the village is reminded
    with freeze_time(datetime.combine(today() + timedelta(days=1), datetime.min.time(),
                                      SHANGHAI) + timedelta(hours=9)):
        run_jobs()
        run_jobs()  # idempotent
    assert ("deadline.approaching", "finding") in kinds("liu.dongpo")
    assert kinds("liu.dongpo").count(("deadline.approaching", "finding")) == 1
    assert ("deadline.approaching", "finding") not in kinds("wang.office")
    # past it: the village again, and the office that assigned it
    with freeze_time(datetime.combine(today() + timedelta(days=2), datetime.min.time(),
                                      SHANGHAI) + timedelta(hours=9)):
        run_jobs()
    assert ("deadline.passed", "finding") in kinds("liu.dongpo")
    assert ("deadline.passed", "finding") in kinds("wang.office")
    # the month's inquiry is the office's to file; once the month is over it is overdue
    next_month = (datetime.now(SHANGHAI).replace(day=1) + timedelta(days=32)).replace(
        day=3, hour=9)
    with freeze_time(next_month):
        run_jobs()
    assert ("deadline.passed", "supervision.inquiry") in kinds("wang.office")
    assert ("deadline.passed", "supervision.inquiry") not in kinds("liu.dongpo")


def test_odd_query_strings_are_ignored_not_errors(people):
    office = people["office"]
    for path in ("/inspections/map?endpoint=x&_external=1", "/findings/?inspection=²",
                 "/findings/?inspection=99999999999999999999", "/findings/export.xlsx?inspection=²",
                 "/findings/?due_before=9999-99-99&state=nope&severity=x",
                 "/inspections/?since=0001-01-01&state=zzz"):
        assert office.get(path).status_code == 200, path


def test_a_closed_supervised_finding_owes_nothing_more(app, people):
    office, village = people["office"], people["village"]
    inspection_id = plan(office)
    record(people["forestry"], inspection_id, "东坡村", 24.7, 112.3)
    finding = add_finding(office, inspection_id, "v_dongpo", today() + timedelta(days=20))
    page = f"/findings/{finding}"
    post(office, f"{page}/supervise", {"supervise-reason": "督办"}, page)
    post(village, f"{page}/completion", {"completion-text": "完成"}, page)
    assert post(office, f"{page}/verify", {"verify-text": "合格"}, page).status_code == 302
    with app.app_context():
        from core.supervision import services as supervision

        found = supervision.find("finding", [finding])[finding]
        assert found.ended_at is not None
        later = datetime.now(SHANGHAI) + timedelta(days=200)
        assert supervision.statuses([found], later)[found.id].missing == []


def test_photos_through_the_api(app, people):
    office = people["office"]
    inspection_id = plan(office)
    record(people["forestry"], inspection_id, "东坡村", 24.7, 112.3)
    finding = add_finding(office, inspection_id, "v_dongpo", today() + timedelta(days=5))
    village = people["village"]
    village_token = csrf_token(village, f"/findings/{finding}")
    headers = {"X-CSRFToken": village_token}
    progress = village.post(f"/api/v1/findings/{finding}/progress", json={
        "text": "已拆除一半", "percent": 50}, headers=headers)
    assert progress.status_code == 200, progress.get_data(as_text=True)
    event = next(e for e in progress.get_json()["events"] if e["kind"] == "progress")["id"]
    path = f"/api/v1/findings/{finding}/events/{event}/photos"
    sent = village.post(path, data={"file": (io.BytesIO(PNG), "半拆.png")}, headers=headers,
                        content_type="multipart/form-data")
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert village.get(sent.get_json()["url"]).data == PNG
    refused = village.post(path, data={"file": (io.BytesIO(b"#!/bin/sh\n"), "x.png")},
                           headers=headers, content_type="multipart/form-data")
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]["file"]
    other = people["other_village"]
    assert other.get(path).status_code == 404
    forestry = people["forestry"]
    assert forestry.post(path, data={"file": (io.BytesIO(PNG), "x.png")},
                         headers={"X-CSRFToken": csrf_token(forestry, "/findings/")},
                         content_type="multipart/form-data").status_code == 403
    assert len(village.get(path).get_json()) == 1
