"""``/api/v1/emergency``: fires with their log and steps, danger periods, the duty roster,
patrols and today's readiness; the error shape, who may write, 409 on races."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.testing import api_error as error, api_ok as ok
from tests.plugins.emergency.helpers import SHANGHAI, fire_body, today


def iso(hours_ago: float) -> str:
    return (datetime.now(SHANGHAI) - timedelta(hours=hours_ago)).isoformat()


def test_the_issue_s_fire_through_the_api(api, people):
    liaison = api("liaison")
    fire = ok(liaison.post("/fires", fire_body(burned_area_ha=150, cause="negligence",
                                               injuries=1)), 201)
    assert (fire["level"], fire["level_name"], fire["state"]) == ("major", "重大森林火灾",
                                                                   "reported")
    assert fire["case_id"] and fire["transfer_id"]
    assert fire["pending"] == {"hand_over": False, "injured": 0}
    assert [(t["department"], t["state"]) for t in fire["tasks"]] == [("public_services",
                                                                       "open")]
    transfer = ok(liaison.get(f"/api/v1/transfers/{fire['transfer_id']}"))
    assert (transfer["from"], transfer["to"], transfer["case_id"]) == (
        "emergency", "police", fire["case_id"])
    error(liaison.post(f"/fires/{fire['id']}/follow-up"), 409, "conflict")  # nothing left

    listed = liaison.get("/fires", level="major")
    assert listed.headers["X-Total-Count"] == "1" and listed.get_json()[0]["id"] == fire["id"]
    assert ok(liaison.get("/fires", cause="lightning")) == []


def test_validation_and_access(api, people):
    liaison, office = api("liaison"), api("office", "office")
    body = error(liaison.post("/fires", fire_body(cause="meteor", deaths=-1)), 422,
                 "validation_error")
    assert set(body["fields"]) == {"cause", "deaths"}
    future = error(liaison.post("/fires", fire_body(reported_at=iso(-3))), 422,
                   "validation_error")
    assert set(future["fields"]) == {"reported_at"}
    half = error(liaison.post("/fires", fire_body(lat=24.5)), 422, "validation_error")
    assert set(half["fields"]) == {"lat"}
    error(liaison.post("/fires", {**fire_body(), "number": "X"}), 422, "validation_error")
    error(office.post("/fires", fire_body()), 403, "forbidden")
    error(api("liaison", "police").get("/fires"), 403, "forbidden")
    error(liaison.get("/fires/99999"), 404, "not_found")
    assert ok(office.get("/fires")) == []


def test_corrections_log_and_state_steps(api, people):
    liaison, member = api("liaison"), api("member")
    fire = ok(member.post("/fires", fire_body(cause="suspected_arson", injuries=2)), 201)
    assert fire["pending"] == {"hand_over": True, "injured": 2} and fire["transfer_id"] is None
    error(member.post(f"/fires/{fire['id']}/follow-up"), 403, "forbidden")
    done = ok(liaison.post(f"/fires/{fire['id']}/follow-up"))
    assert done["pending"] == {"hand_over": False, "injured": 0} and done["transfer_id"]

    path = f"/fires/{fire['id']}"
    changed = ok(liaison.put(path, {**fire_body(cause="suspected_arson", injuries=2,
                                                burned_area_ha=12),
                                    "version": done["version"]}))
    assert changed["level"] == "large"
    error(liaison.put(path, {**fire_body(), "version": done["version"]}), 409, "conflict")

    entry = ok(liaison.post(f"{path}/log", {
        "acted_at": iso(0.5), "action": "调派镇扑火队", "personnel": 30, "vehicles": 3,
        "departments": ["emergency", "police"]}), 201)
    assert entry["departments"] == ["police", "emergency"]  # in the directory's order
    bad = error(liaison.post(f"{path}/log", {"acted_at": iso(0.2), "action": "x",
                                              "departments": ["atlantis"]}), 422,
                "validation_error")
    assert set(bad["fields"]) == {"departments"}
    assert [e["action"] for e in ok(liaison.get(f"{path}/log"))] == ["调派镇扑火队"]

    error(liaison.post(f"{path}/assess", {"burned_area_ha": 12, "deaths": 0, "injuries": 2,
                                          "assessment": "核定"}), 409, "conflict")
    out = ok(liaison.post(f"{path}/extinguish", {}))
    assert out["state"] == "extinguished" and out["extinguished_at"]
    error(liaison.post(f"{path}/extinguish", {}), 409, "conflict")
    assessed = ok(liaison.post(f"{path}/assess", {"burned_area_ha": 1500, "deaths": 0,
                                                  "injuries": 2, "assessment": "核定"}))
    assert (assessed["state"], assessed["level"]) == ("assessed", "especially_major")
    error(liaison.put(path, {**fire_body(), "version": assessed["version"]}), 409, "conflict")
    detail = ok(liaison.get(path))
    assert len(detail["log"]) == 1 and len(detail["tasks"]) == 1


def test_readiness_registers(api, people):
    liaison, police, office = api("liaison"), api("liaison", "police"), api("office", "office")
    start = today() - timedelta(days=1)
    period = ok(liaison.post("/danger-periods", {
        "starts_on": start.isoformat(), "ends_on": (start + timedelta(days=5)).isoformat(),
        "level": 4, "publish": True}), 201)
    assert period["info_item_id"] and period["level_name"].startswith("四级")
    error(liaison.post("/danger-periods", {"starts_on": start.isoformat(),
                                           "ends_on": start.isoformat(), "level": 6}),
          422, "validation_error")
    moved = ok(liaison.put(f"/danger-periods/{period['id']}", {
        "starts_on": start.isoformat(), "ends_on": start.isoformat(), "level": 4,
        "version": period["version"]}))
    error(liaison.put(f"/danger-periods/{period['id']}", {
        "starts_on": start.isoformat(), "ends_on": start.isoformat(), "level": 2,
        "version": period["version"]}), 409, "conflict")
    assert moved["ends_on"] == start.isoformat()

    day = today().isoformat()
    duty = ok(office.put(f"/duty-roster/{day}", {"officer": "li.emergency", "phone": "12119",
                                                 "leader": "张明"}))
    assert (duty["officer"], duty["officer_department"]) == ("li.emergency", "emergency")
    bad = error(office.put(f"/duty-roster/{day}", {"officer": "zz", "phone": "1"}), 422,
                "validation_error")
    assert set(bad["fields"]) == {"officer"}
    error(liaison.get("/duty-roster/not-a-day"), 404, "not_found")
    assert ok(liaison.get(f"/duty-roster/{day}"))["leader"] == "张明"
    assert ok(liaison.get("/duty-roster", since=day, until=day))[0]["phone"] == "12119"

    now = ok(liaison.get("/today"))
    assert now["duty"]["officer"] == "li.emergency" and now["danger"] is None  # moved away
    assert now["burning"] == 0 and now["day"] == day
    assert liaison.open("DELETE", f"/duty-roster/{day}").status_code == 204
    error(liaison.get(f"/duty-roster/{day}"), 404, "not_found")

    patrol = ok(liaison.post("/patrols", {"patrolled_on": day, "route": "东坡",
                                          "members": "张伟", "hazards_found": 1}), 201)
    error(office.post("/patrols", {"patrolled_on": day, "route": "x", "members": "y"}), 403,
          "forbidden")
    error(liaison.put(f"/patrols/{patrol['id']}", {"patrolled_on": day, "route": "西山",
                                                   "members": "张伟", "version": 99}),
          409, "conflict")
    assert ok(liaison.get("/patrols", hazards=True))[0]["route"] == "东坡"
    error(police.get("/patrols"), 403, "forbidden")
