"""``/api/v1/environment``: the registers through the API, the error shape, conflicts, who may
see and write, and the OpenAPI document."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from core.testing import api_error as error, api_ok as ok
from tests.plugins.environment.helpers import PNG, assign_finding, callers, switch_on, today


@pytest.fixture
def api(app, make_user):
    return callers(app, make_user)


def eia_body(**changes):
    return {"project": "西山村森林康养步道建设项目", "developer": "西山村股份经济合作社",
            "kind": "forest_area", "place_name": "西山村集体林区", "area_mu": 12.0,
            "submitted_on": today().isoformat(), **changes}


def test_eia_approvals_through_the_api(app, api):
    env, leader, member = api["env"], api["env_leader"], api["env_member"]
    fields = error(env.post("/eia-approvals", eia_body(project="", kind="quarry")), 422,
                   "validation_error")["fields"]
    assert set(fields) == {"project", "kind"}
    assert set(error(env.post("/eia-approvals", eia_body(
        submitted_on=(today() + timedelta(days=2)).isoformat())), 422,
        "validation_error")["fields"]) == {"submitted_on"}
    created = ok(env.post("/eia-approvals", eia_body()), 201)
    assert created["state"] == "submitted" and created["department"] == "environment"
    assert created["conditions"] == [] and created["created_by"] == "api.chen.env"
    path = f"/eia-approvals/{created['id']}"

    due = (today() + timedelta(days=60)).isoformat()
    decision = {"approval_number": "清环审〔2026〕5号", "decided_on": today().isoformat(),
                "conditions": [{"text": "步道不得硬化", "due_on": due}]}
    error(member.post(f"{path}/approve", decision), 403, "forbidden")
    error(leader.post(f"{path}/approve", {**decision, "conditions": [
        {"text": "x", "due_on": (today() - timedelta(days=1)).isoformat()}]}), 422,
        "validation_error")
    approved = ok(leader.post(f"{path}/approve", decision))
    assert approved["state"] == "approved" and approved["decided_by"] == "api.wu.env"
    [condition] = approved["conditions"]
    assert (condition["text"], condition["due_on"], condition["state"]) == (
        "步道不得硬化", due, "open")
    error(leader.post(f"{path}/approve", decision), 409, "conflict")
    error(leader.post(f"{path}/reject", {"decided_on": today().isoformat(),
                                         "decision_note": "x"}), 409, "conflict")

    check = f"{path}/conditions/{condition['id']}/check"
    checked = ok(member.post(check, {"check_note": "现场核查：步道为碎石铺装"}))
    assert checked["state"] == "checked" and checked["checked_by"] == "api.zhou.env"
    error(env.post(check, {"check_note": "again"}), 409, "conflict")
    error(env.post(f"{path}/conditions/999999/check", {"check_note": "x"}), 404, "not_found")
    added = ok(env.post(f"{path}/conditions", {"text": "每年报送监测报告", "due_on": due}), 201)
    assert added["state"] == "open"

    listed = env.get("/eia-approvals", state="approved")
    assert listed.headers["X-Total-Count"] == "1" and listed.get_json()[0]["id"] == created["id"]
    assert ok(env.get("/eia-approvals", overdue="true")) == []
    assert ok(api["office"].get(path))["approval_number"] == "清环审〔2026〕5号"

    withdrawn = ok(env.post("/eia-approvals", eia_body(project="砖厂")), 201)
    assert ok(env.post(f"/eia-approvals/{withdrawn['id']}/withdraw", {
        "decided_on": today().isoformat(), "decision_note": "撤回"}))["state"] == "withdrawn"


def test_problems_through_the_api(app, api, make_user):
    env, leader = api["env"], api["env_leader"]
    error(env.post("/problems", {"description": "", "due_on": "2020-01-01"}), 422,
          "validation_error")
    problem = ok(env.post("/problems", {"description": "林缘堆放生活垃圾", "place_name": "东坡村",
                                        "lat": 24.78, "lng": 112.38,
                                        "due_on": today().isoformat()}), 201)
    assert problem["finding_id"] is None and problem["state"] == "open"
    assert [e["kind"] for e in problem["events"]] == ["opened"]
    path = f"/problems/{problem['id']}"
    ok(env.post(f"{path}/progress", {"text": "已通知村委会清理"}))
    error(leader.post(f"{path}/close", {}), 409, "conflict")
    restored = ok(env.post(f"{path}/restored", {"text": "已清理"}))
    assert restored["state"] == "restored"
    error(env.post(f"{path}/close", {}), 403, "forbidden")
    closed = ok(leader.post(f"{path}/close", {"text": "核实"}))
    assert closed["state"] == "closed"
    assert [e["kind"] for e in closed["events"]] == ["opened", "progress", "restored", "closed"]

    make_user("wang.office", role="office", department="office")
    finding_id = assign_finding(app)
    linked = ok(env.get("/problems", source="finding"))
    assert [p["finding_id"] for p in linked] == [finding_id]
    detail = ok(env.get(f"/problems/{linked[0]['id']}"))
    assert detail["finding_state"] == "open" and detail["due_on"]
    error(env.post(f"/problems/{linked[0]['id']}/close", {}), 403, "forbidden")
    done = ok(env.post(f"/problems/{linked[0]['id']}/restored", {"text": "已整改"}))
    assert done["finding_state"] == "completion_reported"
    assert ok(env.get("/problems", state="closed"))[0]["id"] == problem["id"]


def test_restorations_through_the_api(app, api):
    env, leader = api["env"], api["env_leader"]
    body = {"name": "西山村矿山复绿工程", "place_name": "西山村", "measures": "覆土、种草、植树",
            "budget_yuan": 120000.5, "start_on": today().isoformat()}
    error(env.post("/restorations", {**body, "budget_yuan": -1}), 422, "validation_error")
    error(env.post("/restorations", {**body, "problem_id": 12345}), 422, "validation_error")
    project = ok(env.post("/restorations", body), 201)
    assert project["state"] == "in_progress" and project["progress"] == []
    path = f"/restorations/{project['id']}"
    report = ok(env.post(f"{path}/progress", {"percent": 50, "text": "覆土完成"}), 201)
    photos = f"{path}/progress/{report['id']}/photos"
    upload = env.client.post(env.url(photos), headers=env.headers,
                             data={"file": (io.BytesIO(PNG), "复绿.png")},
                             content_type="multipart/form-data")
    photo = ok(upload, 201)
    assert photo["content_type"] == "image/png"
    assert env.client.get(photo["url"], headers=env.headers).data == PNG
    refused = env.client.post(env.url(photos), headers=env.headers,
                              data={"file": (io.BytesIO(b"MZ..."), "x.png")},
                              content_type="multipart/form-data")
    assert set(error(refused, 422, "validation_error")["fields"]) == {"file"}
    assert [p["id"] for p in ok(env.get(photos))] == [photo["id"]]

    error(leader.post(f"{path}/accept", {"accepted_on": today().isoformat(),
                                         "acceptance_note": "同意"}), 422, "validation_error")
    ok(env.post(f"{path}/progress", {"percent": 100, "text": "完工"}), 201)
    error(env.post(f"{path}/accept", {"accepted_on": today().isoformat(),
                                      "acceptance_note": "同意"}), 403, "forbidden")
    accepted = ok(leader.post(f"{path}/accept", {"accepted_on": today().isoformat(),
                                                 "acceptance_note": "同意验收"}))
    assert accepted["state"] == "accepted" and accepted["accepted_by"] == "api.wu.env"
    assert [r["percent"] for r in accepted["progress"]] == [50, 100]
    error(leader.post(f"{path}/accept", {"accepted_on": today().isoformat(),
                                         "acceptance_note": "again"}), 409, "conflict")
    listed = env.get("/restorations", state="accepted")
    assert listed.headers["X-Total-Count"] == "1"


def test_who_may_use_the_api(app, api):
    created = ok(api["env"].post("/eia-approvals", eia_body()), 201)
    problem = ok(api["env"].post("/problems", {"description": "x"}), 201)
    # the office reads, never writes
    assert ok(api["office"].get("/eia-approvals"))[0]["id"] == created["id"]
    error(api["office"].post("/eia-approvals", eia_body()), 403, "forbidden")
    error(api["office"].post(f"/problems/{problem['id']}/progress", {"text": "x"}), 403,
          "forbidden")
    # a department without the plugin, and system roles: 403 on every route
    for caller in (api["finance"], api["admin"]):
        error(caller.get("/eia-approvals"), 403, "forbidden")
        error(caller.get(f"/problems/{problem['id']}"), 403, "forbidden")
    # a department that switched it on keeps its own registers and sees no one else's
    switch_on(app, "agriculture")
    agri = api["agri"]
    assert ok(agri.get("/eia-approvals")) == [] and ok(agri.get("/problems")) == []
    error(agri.get(f"/eia-approvals/{created['id']}"), 404, "not_found")
    error(agri.post(f"/problems/{problem['id']}/restored", {"text": "x"}), 404, "not_found")
    own = ok(agri.post("/problems", {"description": "农田边林地焚烧秸秆"}), 201)
    assert own["department"] == "agriculture"
    error(api["env"].get(f"/problems/{own['id']}"), 404, "not_found")


def test_openapi_documents_the_endpoints(app, api):
    spec = ok(api["env"].get("/api/v1/openapi.json"))
    paths = {p for p in spec["paths"] if p.startswith("/api/v1/environment/")}
    assert {"/api/v1/environment/eia-approvals",
            "/api/v1/environment/eia-approvals/{approval_id}/approve",
            "/api/v1/environment/eia-approvals/{approval_id}/conditions/{condition_id}/check",
            "/api/v1/environment/problems/{problem_id}/close",
            "/api/v1/environment/restorations/{project_id}/progress/{progress_id}/photos",
            "/api/v1/environment/restorations/{project_id}/accept"} <= paths
    for path in paths:
        for method, operation in spec["paths"][path].items():
            if method in ("get", "post"):
                assert operation.get("summary"), (method, path)
