"""``/api/v1`` for villages, joint inspections, findings and notices: real HTTP, real database.

Most calls carry bearer tokens (stateless, so ``freeze_time`` can move the clock without the
session idling out); one test goes through the browser session with its CSRF token.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core.testing import (
    API_PREFIX,
    ApiCaller as Caller,
    api_error as error,
    api_ok as ok,
    csrf_token,
)

API = API_PREFIX
SHANGHAI = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------------------- helpers


def today() -> date:
    return datetime.now(SHANGHAI).date()


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


@pytest.fixture
def people(api_callers: Any) -> dict[str, Caller]:
    return api_callers({
        "office": ("wang.office", "office", "office"),
        "nr": ("zhao.nr", "liaison", "natural_resources"),
        "env": ("chen.env", "liaison", "environment"),
        "police": ("li.police", "liaison", "police"),
        "dongpo": ("liu.dongpo", "liaison", "v_dongpo"),
        "dongpo_member": ("sun.dongpo", "member", "v_dongpo"),
        "xishan": ("he.xishan", "liaison", "v_xishan"),
        "admin": ("root.admin", "admin", "office"),
    })


def plan(office: Caller, **changes: Any) -> dict[str, Any]:
    body = {"title": "2026年林长制联合督查", "purpose": "检查林地保护与生态修复",
            "scope": "东坡村、西山村林区", "start_on": days(0), "end_on": days(3),
            "report_due_on": days(10),
            "departments": [{"code": "natural_resources", "task": "林地、林木"},
                            {"code": "environment", "task": "排污、修复"}],
            "villages": ["v_dongpo", "v_xishan"], "members": ["zhao.nr", "chen.env"],
            **changes}
    return ok(office.post("/inspections", body), 201)


def running(people: dict[str, Caller]) -> dict[str, Any]:
    """A planned inspection, started by the office."""
    inspection = plan(people["office"])
    return ok(people["office"].post(f"/inspections/{inspection['id']}/start"))


def finding_body(inspection_id: int, **changes: Any) -> dict[str, Any]:
    return {"inspection_id": inspection_id, "description": "林地内堆放建筑垃圾",
            "severity": "serious", "category": "protection_restoration", "unit": "v_dongpo",
            "due_on": days(10), "requirements": "十日内清理并复绿",
            "location_name": "东坡村后山", "lat": 24.78, "lng": 112.38, **changes}


def assign(office: Caller, inspection_id: int, **changes: Any) -> dict[str, Any]:
    return ok(office.post("/findings", finding_body(inspection_id, **changes)), 201)


# -------------------------------------------------------------------------- the flow


def test_full_flow_through_the_api_is_audited(app, people):
    office, nr, env, dongpo = people["office"], people["nr"], people["env"], people["dongpo"]

    inspection = plan(office)
    number = inspection["id"]
    assert inspection["state"] == "planned" and inspection["created_by"] == "wang.office"
    assert inspection["departments"] == [{"code": "natural_resources", "task": "林地、林木"},
                                         {"code": "environment", "task": "排污、修复"}]
    assert inspection["villages"] == ["v_dongpo", "v_xishan"]
    assert sorted(inspection["members"]) == ["chen.env", "zhao.nr"]
    assert inspection["report_due_on"] == days(10)
    checklist = {item["code"]: item["plugin"] for item in inspection["checklist"]}
    assert checklist["forestry.illegal_logging"] == "forestry"
    assert checklist["environment.pollution"] == "environment"

    first = ok(nr.post(f"/inspections/{number}/records", {
        "place_name": "东坡村后山", "lat": 24.78, "lng": 112.38,
        "answers": {"forestry.illegal_logging": "no", "forestry.land_occupation": "yes"},
        "notes": "发现建筑垃圾"}), 201)
    assert first["department"] == "natural_resources" and first["created_by"] == "zhao.nr"
    second = ok(env.post(f"/inspections/{number}/records", {
        "place_name": "西山溪流", "recorded_at": datetime.now(SHANGHAI).isoformat(),
        "answers": {"environment.pollution": "yes"}}), 201)
    records = env.get(f"/inspections/{number}/records")
    assert [r["id"] for r in ok(records)] == [first["id"], second["id"]]
    assert records.headers["X-Total-Count"] == "2"
    assert ok(office.get(f"/inspections/{number}"))["state"] == "in_progress"

    village = assign(office, number, record_id=first["id"], copies=["natural_resources"])
    assert village["unit"] == "v_dongpo" and village["state"] == "open"
    assert village["copies"] == ["natural_resources"] and village["due_on"] == days(10)
    assert [e["kind"] for e in village["events"]] == ["assigned"]
    department = assign(office, number, unit="environment", description="溪流排污",
                        category="enforcement", severity="major", record_id=second["id"])
    fid = village["id"]

    progress = ok(dongpo.post(f"/findings/{fid}/progress", {"text": "已清理一半",
                                                            "percent": 50}))
    assert progress["progress_percent"] == 50 and progress["state"] == "open"
    done = ok(dongpo.post(f"/findings/{fid}/progress", {"text": "已全部清理", "complete": True}))
    assert done["state"] == "completion_reported" and done["progress_percent"] == 100
    rejected = ok(office.post(f"/findings/{fid}/reject", {"reason": "未复绿"}))
    assert rejected["state"] == "open"
    ok(dongpo.post(f"/findings/{fid}/progress", {"text": "已复绿", "complete": True}))
    closed = ok(office.post(f"/findings/{fid}/verify", {"text": "现场核验通过"}))
    assert closed["state"] == "closed" and closed["verified_by"] == "wang.office"
    assert closed["closed_at"]
    assert [(e["kind"], e["user"], e["department"]) for e in closed["events"]] == [
        ("assigned", "wang.office", "office"), ("progress", "liu.dongpo", "v_dongpo"),
        ("completion", "liu.dongpo", "v_dongpo"), ("rejected", "wang.office", "office"),
        ("completion", "liu.dongpo", "v_dongpo"), ("verified", "wang.office", "office")]
    assert closed["events"][1]["percent"] == 50 and closed["events"][3]["text"] == "未复绿"
    assert closed["supervision"] is None

    # The inspection closes once every finding is verified.
    ok(office.post(f"/inspections/{number}/report", {"report_text": "督查报告"}))
    refused = error(office.post(f"/inspections/{number}/close"), 422, "validation_error")
    assert "state" in refused["fields"]
    ok(env.post(f"/findings/{department['id']}/progress", {"text": "已截污", "complete": True}))
    ok(office.post(f"/findings/{department['id']}/verify"))
    finished = ok(office.post(f"/inspections/{number}/close"))
    assert finished["state"] == "closed" and finished["closed_at"]

    from core.audit import AuditRecord, verify
    from core.db import db

    with app.app_context():
        rows = list(db.session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))
        of_finding = [(r.actor, r.changes) for r in rows
                      if r.object_type == "findings" and r.object_id == str(fid)]
        assert ("liu.dongpo", {"state": ["open", "completion_reported"]}) in of_finding
        assert ("wang.office", {"state": ["completion_reported", "open"]}) in of_finding
        assert ("wang.office", {"state": ["completion_reported", "closed"]}) in of_finding
        events = [r for r in rows if r.object_type == "finding_events" and r.action == "insert"
                  and r.changes["finding_id"][1] == fid]
        assert len(events) == 6
        assert {(r.object_type, r.action) for r in rows} >= {
            ("inspections", "insert"), ("inspection_records", "insert"),
            ("findings", "insert"), ("finding_events", "insert")}
        assert [r.changes["state"] for r in rows if r.object_type == "inspections"
                and r.object_id == str(number) and "state" in r.changes][1:] == [
            ["planned", "in_progress"], ["in_progress", "reported"], ["reported", "closed"]]
        assert verify().ok


def test_session_auth_needs_the_csrf_token(login_as):
    client = login_as("office", "office", username="wang.office")
    body = {"title": "会话督查", "start_on": days(0), "end_on": days(1),
            "report_due_on": days(5), "departments": [{"code": "police"}]}
    assert client.post(f"{API}/inspections", json=body).status_code == 400
    token = csrf_token(client, "/inspections/new")
    created = client.post(f"{API}/inspections", json=body, headers={"X-CSRFToken": token})
    assert ok(created, 201)["departments"] == [{"code": "police", "task": ""}]
    assert ok(client.get(f"{API}/inspections"))[0]["title"] == "会话督查"


# ------------------------------------------------------------------- who may do what


def test_only_the_office_plans_assigns_and_verifies(people):
    office, env, dongpo = people["office"], people["env"], people["dongpo"]
    error(people["nr"].post("/inspections", {
        "title": "x", "start_on": days(0), "end_on": days(1), "report_due_on": days(2),
        "departments": [{"code": "environment"}]}), 403, "forbidden")
    inspection = running(people)
    error(env.post("/findings", finding_body(inspection["id"])), 403, "forbidden")
    finding = assign(office, inspection["id"])
    error(env.post(f"/inspections/{inspection['id']}/report", {"report_text": "x"}),
          403, "forbidden")
    # A plain member of the unit reports progress but not completion.
    member = people["dongpo_member"]
    ok(member.post(f"/findings/{finding['id']}/progress", {"text": "进行中"}))
    error(member.post(f"/findings/{finding['id']}/progress", {"text": "完成", "complete": True}),
          403, "forbidden")
    ok(dongpo.post(f"/findings/{finding['id']}/progress", {"text": "完成", "complete": True}))
    for caller in (dongpo, env):
        error(caller.post(f"/findings/{finding['id']}/verify"), 403, "forbidden")
        error(caller.post(f"/findings/{finding['id']}/reject", {"reason": "x"}),
              403, "forbidden")
    assert ok(office.get(f"/findings/{finding['id']}"))["state"] == "completion_reported"


def test_system_roles_get_403(people):
    for path in ("/villages", "/inspections", "/findings", "/notices"):
        error(people["admin"].get(path), 403, "forbidden")


def test_visibility_404_and_own_findings_only(people):
    office, police, xishan, dongpo = (people["office"], people["police"], people["xishan"],
                                      people["dongpo"])
    inspection = running(people)
    own = assign(office, inspection["id"])
    other = assign(office, inspection["id"], unit="v_xishan", description="西山林地违建")
    assign(office, inspection["id"], unit="environment", description="排污")

    listed = dongpo.get("/findings")
    assert [f["id"] for f in ok(listed)] == [own["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    assert ok(dongpo.get(f"/findings/{own['id']}"))["unit"] == "v_dongpo"
    error(xishan.get(f"/findings/{own['id']}"), 404, "not_found")
    error(dongpo.get(f"/findings/{other['id']}"), 404, "not_found")
    error(xishan.post(f"/findings/{own['id']}/progress", {"text": "x"}), 404, "not_found")
    # A department that does not take part sees neither the inspection nor its findings.
    error(police.get(f"/inspections/{inspection['id']}"), 404, "not_found")
    error(police.get(f"/findings/{own['id']}"), 404, "not_found")
    error(police.get(f"/inspections/{inspection['id']}/records"), 404, "not_found")
    assert police.get("/findings").headers["X-Total-Count"] == "0"
    assert police.get("/inspections").headers["X-Total-Count"] == "0"
    # Villages see their findings, not inspections; participating departments see all three.
    error(dongpo.get(f"/inspections/{inspection['id']}"), 404, "not_found")
    assert people["nr"].get("/findings").headers["X-Total-Count"] == "3"
    assert office.get("/findings", unit="v_xishan").headers["X-Total-Count"] == "1"


# ------------------------------------------------------------------------ bad input


def test_bad_input_answers_422_with_fields(people):
    office = people["office"]
    inspection = running(people)
    number = inspection["id"]

    def refused(**changes: Any) -> dict[str, Any]:
        return error(office.post("/findings", {**finding_body(number), **changes}), 422,
                     "validation_error")["fields"]

    assert set(refused(description="  ")) == {"description"}
    assert set(refused(due_on=days(-1))) == {"due_on"}
    assert set(refused(unit="no_such_unit")) == {"unit"}
    assert set(refused(lat=123.0)) == {"lat"}
    assert set(refused(lat="north")) == {"lat"}
    assert set(refused(severity="tiny", copies=["nowhere"])) == {"severity", "copies"}
    assert set(refused(colour="red")) == {"colour"}  # unknown fields are refused
    assert set(refused(inspection_id=987654)) == {"inspection_id"}
    assert set(error(office.post("/findings", {}), 422, "validation_error")["fields"]) >= {
        "inspection_id", "description", "unit", "due_on"}

    bad_plan = error(office.post("/inspections", {
        "title": "x", "start_on": days(2), "end_on": days(1), "report_due_on": days(3),
        "departments": [{"code": "environment"}, {"code": "environment"}]}),
        422, "validation_error")["fields"]
    assert set(bad_plan) == {"departments"}
    bad_plan = error(office.post("/inspections", {
        "title": "x", "start_on": days(2), "end_on": days(1), "report_due_on": days(3),
        "departments": [{"code": "nowhere"}], "villages": ["v_atlantis"]}),
        422, "validation_error")["fields"]
    assert set(bad_plan) == {"end_on", "departments", "villages"}

    record = error(office.post(f"/inspections/{number}/records", {
        "place_name": "", "lat": 24.0, "answers": {"forestry.nope": "yes"}}),
        422, "validation_error")["fields"]
    assert set(record) == {"place_name", "lng", "answers"}
    error(office.get("/findings", state="lost"), 422, "validation_error")
    assert office.get("/findings").headers["X-Total-Count"] == "0"  # nothing was written


def test_conflicts_answer_409(people):
    office, dongpo = people["office"], people["dongpo"]
    inspection = plan(office)
    number = inspection["id"]
    edited = ok(office.patch(f"/inspections/{number}", {
        "title": "改名后的督查", "version": inspection["version"]}))
    assert edited["title"] == "改名后的督查" and edited["version"] > inspection["version"]
    assert edited["departments"] == inspection["departments"]  # untouched fields kept
    assert edited["villages"] == inspection["villages"]
    assert edited["report_due_on"] == inspection["report_due_on"]
    stale = error(office.patch(f"/inspections/{number}", {
        "scope": "全镇", "version": inspection["version"]}), 409, "conflict")
    assert stale["message"]
    assert ok(office.get(f"/inspections/{number}"))["scope"] == "东坡村、西山村林区"
    error(office.patch(f"/inspections/{number}", {"title": "x"}), 422, "validation_error")
    # a member of a department that no longer takes part must go too
    error(office.patch(f"/inspections/{number}", {
        "departments": [{"code": "environment", "task": "排污"}],
        "version": edited["version"]}), 422, "validation_error")
    narrowed = ok(office.patch(f"/inspections/{number}", {
        "departments": [{"code": "environment", "task": "排污"}], "members": [],
        "version": edited["version"]}))
    assert {i["plugin"] for i in narrowed["checklist"]} == {"environment"}

    ok(office.post(f"/inspections/{number}/start"))
    error(office.post(f"/inspections/{number}/start"), 409, "conflict")
    finding = assign(office, number)
    ok(dongpo.post(f"/findings/{finding['id']}/progress", {"text": "完成", "complete": True}))
    ok(office.post(f"/findings/{finding['id']}/verify"))
    error(office.post(f"/findings/{finding['id']}/verify"), 409, "conflict")
    error(office.post(f"/findings/{finding['id']}/reject", {"reason": "x"}), 409, "conflict")


# ---------------------------------------------------------------- computed states


def test_overdue_is_computed_from_the_deadline(people):
    office, dongpo = people["office"], people["dongpo"]
    inspection = running(people)
    finding = assign(office, inspection["id"], due_on=days(2))
    assert ok(office.get(f"/findings/{finding['id']}"))["state"] == "open"
    assert office.get("/findings", state="overdue").headers["X-Total-Count"] == "0"
    with freeze_time(datetime.now(SHANGHAI) + timedelta(days=5)):
        late = ok(office.get(f"/findings/{finding['id']}"))
        assert late["state"] == "overdue" and late["stored_state"] == "open"
        assert [f["id"] for f in ok(office.get("/findings", state="overdue"))] == [finding["id"]]
        ok(dongpo.post(f"/findings/{finding['id']}/progress", {"text": "完成", "complete": True}))
        waiting = ok(office.get(f"/findings/{finding['id']}"))
        assert waiting["state"] == "overdue"
        assert waiting["stored_state"] == "completion_reported"
        closed = ok(office.post(f"/findings/{finding['id']}/verify"))
        assert closed["state"] == "closed"
        assert office.get("/findings", state="not_closed").headers["X-Total-Count"] == "0"


def test_supervision_rhythm_and_entries(people):
    office, dongpo, env = people["office"], people["dongpo"], people["env"]
    inspection = running(people)
    finding = assign(office, inspection["id"])
    fid = finding["id"]
    error(env.post(f"/findings/{fid}/supervision", {"reason": "x"}), 403, "forbidden")
    listed = ok(office.post(f"/findings/{fid}/supervision", {"reason": "群众反映强烈"}))
    assert listed["supervised"] is True
    rhythm = listed["supervision"]
    assert rhythm["active"] is True and rhythm["reason"] == "群众反映强烈"
    assert rhythm["missing"] == [] and rhythm["overdue"] is False
    month = datetime.now(SHANGHAI).strftime("%Y-%m")
    assert {"kind": "inquiry", "label": month} in [
        {"kind": p["kind"], "label": p["label"]} for p in rhythm["periods"]]
    quarter = next(p["label"] for p in rhythm["periods"] if p["kind"] == "report")
    error(office.post(f"/findings/{fid}/supervision", {"reason": "again"}),
          422, "validation_error")
    assert office.get("/findings", supervised="true").headers["X-Total-Count"] == "1"

    now = datetime.now(SHANGHAI)
    next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=3, hour=12)
    with freeze_time(next_month):
        late = ok(office.get(f"/findings/{fid}"))["supervision"]
        assert late["overdue"] is True
        assert [(p["kind"], p["label"]) for p in late["missing"]] == [("inquiry", month)]
        error(env.post(f"/findings/{fid}/supervision/entries", {
            "kind": "inquiry", "period": month, "text": "x"}), 403, "forbidden")
        error(dongpo.post(f"/findings/{fid}/supervision/entries", {
            "kind": "inquiry", "period": month, "text": "x"}), 403, "forbidden")
        error(people["dongpo_member"].post(f"/findings/{fid}/supervision/entries", {
            "kind": "report", "period": quarter, "text": "x"}), 403, "forbidden")
        bad = error(office.post(f"/findings/{fid}/supervision/entries", {
            "kind": "inquiry", "period": "1999-01", "text": ""}), 422, "validation_error")
        assert set(bad["fields"]) == {"period", "text"}
        entry = ok(office.post(f"/findings/{fid}/supervision/entries", {
            "kind": "inquiry", "period": month, "text": "已电话询问进度"}), 201)
        assert entry["user"] == "wang.office" and entry["department"] == "office"
        ok(dongpo.post(f"/findings/{fid}/supervision/entries", {
            "kind": "report", "period": quarter, "text": "本季度整改情况"}), 201)
        after = ok(office.get(f"/findings/{fid}"))["supervision"]
        assert after["missing"] == [] and len(after["entries"]) == 2
        assert [(e["kind"], e["period"]) for e in after["entries"]] == [
            ("inquiry", month), ("report", quarter)]


# ------------------------------------------------------------------------ lists


def test_villages_and_pagination(people):
    office = people["office"]
    villages = office.get("/villages")
    assert villages.headers["X-Total-Count"] == "6"
    assert ok(villages)[0] == {"code": "township_gov", "name_zh": "连州镇人民政府",
                               "name_en": "Township government", "kind": "township"}
    assert {v["kind"] for v in ok(villages)[1:]} == {"village"}
    second = office.get("/villages", page=2, per_page=4)
    assert [v["code"] for v in ok(second)] == ["v_beihe", "c_zhenzhong"]
    assert second.headers["X-Total-Count"] == "6"

    inspection = running(people)
    for n in range(3):
        assign(office, inspection["id"], description=f"问题{n}", due_on=days(5 + n))
    first = office.get("/findings", per_page=2)
    rest = office.get("/findings", per_page=2, page=2)
    assert first.headers["X-Total-Count"] == rest.headers["X-Total-Count"] == "3"
    assert [f["description"] for f in ok(first) + ok(rest)] == ["问题0", "问题1", "问题2"]
    assert office.get("/findings", q="问题1").headers["X-Total-Count"] == "1"
    assert office.get("/findings", per_page=101).status_code == 422
    plan(office, title="另一次督查", start_on=days(1), end_on=days(2))
    assert office.get("/inspections").headers["X-Total-Count"] == "2"
    assert [i["title"] for i in ok(office.get("/inspections", q="另一次"))] == ["另一次督查"]
    assert office.get("/inspections", state="in_progress").headers["X-Total-Count"] == "1"
    assert office.get("/inspections", since=days(1)).headers["X-Total-Count"] == "1"
    assert office.get("/inspections", department="police").headers["X-Total-Count"] == "0"


# ----------------------------------------------------------------------- notices


def test_notices_issue_read_and_village_404(people):
    office, env, dongpo = people["office"], people["env"], people["dongpo"]
    planned = plan(office)
    title = error(office.post("/notices", {"inspection_id": planned["id"], "title": "通报"}),
                  422, "validation_error")
    assert set(title["fields"]) == {"title"}
    inspection = running(people)
    assign(office, inspection["id"])
    error(env.post("/notices", {"inspection_id": inspection["id"], "title": "通报"}),
          403, "forbidden")
    error(office.post("/notices", {"inspection_id": inspection["id"], "title": " "}),
          422, "validation_error")
    notice = ok(office.post("/notices", {"inspection_id": inspection["id"],
                                         "title": "关于联合督查情况的通报",
                                         "intro": "现将督查情况通报如下。"}), 201)
    assert notice["number"].endswith("1号") and notice["issued_by"] == "wang.office"
    assert notice["links"]["pdf"] == f"/notices/{notice['id']}.pdf"
    assert notice["links"]["docx"] == f"/notices/{notice['id']}.docx"
    assert notice["content"]["title"] == "关于联合督查情况的通报"

    listed = env.get("/notices", inspection_id=inspection["id"])
    assert listed.headers["X-Total-Count"] == "1"
    assert ok(listed)[0]["number"] == notice["number"] and "content" not in ok(listed)[0]
    assert ok(env.get(f"/notices/{notice['id']}"))["content"] == notice["content"]
    assert people["police"].get("/notices", q="联合督查").headers["X-Total-Count"] == "1"
    error(dongpo.get(f"/notices/{notice['id']}"), 404, "not_found")
    assert dongpo.get("/notices").headers["X-Total-Count"] == "0"


# ------------------------------------------------------------------ documentation


def test_every_endpoint_is_documented(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    ours = {path: ops for path, ops in spec["paths"].items()
            if path.split("/")[3] in ("villages", "inspections", "findings", "notices")}
    assert len(ours) == 18
    for path, ops in ours.items():
        for method, op in ops.items():
            if method != "parameters":
                assert op.get("summary"), (method, path)
    schemas = spec["components"]["schemas"]
    assert "overdue" in schemas["Finding"]["properties"]["state"]["description"]
    assert "readOnly" in schemas["Inspection"]["properties"]["id"]
