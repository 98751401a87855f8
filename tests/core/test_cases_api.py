"""``/api/v1`` for cases, hand-overs and the two-way ledger: real HTTP, real database.

Calls carry bearer tokens (stateless, so ``freeze_time`` can move the clock without the
session idling out).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core.testing import API_PREFIX, ApiCaller as Caller, api_error as error, api_ok as ok

API = API_PREFIX
SHANGHAI = ZoneInfo("Asia/Shanghai")
ID_NUMBER = "440181199001011234"
MASKED = "4401**********1234"


# ---------------------------------------------------------------------------- helpers


@pytest.fixture
def people(api_callers: Any) -> dict[str, Caller]:
    return api_callers({
        "forestry": ("li.forest", "liaison", "natural_resources"),
        "forestry_leader": ("zhou.forest", "leader", "natural_resources"),
        "police": ("zhao.police", "liaison", "police"),
        "police_member": ("qian.police", "member", "police"),
        "env": ("chen.env", "liaison", "environment"),
        "office": ("wang.office", "office", "office"),
        "village": ("liu.dongpo", "liaison", "v_dongpo"),
        "admin": ("root.admin", "admin", "office"),
    })


def case_body(**changes: Any) -> dict[str, Any]:
    return {"kind": "case", "title": "东坡村后山盗伐林木案",
            "offence_type": "forestry.tree_theft", "place_name": "东坡村后山",
            "lat": 24.78, "lng": 112.38, "occurred_on": "2026-09-20",
            "facts": "盗伐杉木 12 株，蓄积约 8 立方米。",
            "parties": [{"kind": "person", "name": "张某", "id_number": ID_NUMBER}], **changes}


def open_case(caller: Caller, **changes: Any) -> dict[str, Any]:
    return ok(caller.post("/cases", case_body(**changes)), 201)


def hand_over(caller: Caller, case_id: int, to: str = "police") -> dict[str, Any]:
    return ok(caller.post(f"/cases/{case_id}/transfers", {
        "to": to, "reason": "涉嫌盗伐林木罪，数量较大",
        "legal_basis": "《行政执法机关移送涉嫌犯罪案件的规定》第三条"}), 201)


# -------------------------------------------------------------------------- the flow


def test_hand_over_acknowledge_accept_confirm_and_close(app, people):
    forestry, police, office = people["forestry"], people["police"], people["office"]

    case = open_case(forestry)
    number = case["id"]
    assert case["department"] == "natural_resources" and case["state"] == "open"
    assert case["created_by"] == "li.forest" and case["occurred_on"] == "2026-09-20"
    assert case["parties"] == [{"kind": "person", "name": "张某", "id_number": ID_NUMBER,
                                "note": ""}]
    assert case["transfers"] == []

    sent = hand_over(forestry, number)
    tid = sent["id"]
    assert (sent["from"], sent["to"], sent["case_id"]) == ("natural_resources", "police", number)
    assert sent["state"] == sent["stored_state"] == "sent" and sent["overdue_step"] is None
    assert sent["sent_by"] == "li.forest" and sent["acknowledged_by"] is None
    assert sent["ack_due_at"] < sent["feedback_due_at"]
    # the receiver handles it too now: it sees the ID number in full
    seen = ok(police.get(f"/cases/{number}"))
    assert seen["parties"][0]["id_number"] == ID_NUMBER
    assert [(t["id"], t["from"], t["to"], t["state"]) for t in seen["transfers"]] == [
        (tid, "natural_resources", "police", "sent")]
    # the office sees the case, the ID number masked
    assert ok(office.get(f"/cases/{number}"))["parties"][0]["id_number"] == MASKED
    # a second hand-over waits for the first one's feedback
    assert set(error(forestry.post(f"/cases/{number}/transfers", {
        "to": "environment", "reason": "x"}), 422, "validation_error")["fields"]) == {"to"}

    # only the receiver's liaison or leader acts
    error(people["police_member"].post(f"/transfers/{tid}/acknowledge"), 403, "forbidden")
    error(forestry.post(f"/transfers/{tid}/acknowledge"), 403, "forbidden")
    acknowledged = ok(police.post(f"/transfers/{tid}/acknowledge"))
    assert acknowledged["state"] == "acknowledged"
    assert acknowledged["acknowledged_by"] == "zhao.police" and acknowledged["acknowledged_at"]
    error(police.post(f"/transfers/{tid}/acknowledge"), 409, "conflict")
    # the sender cannot answer its own hand-over
    error(forestry.post(f"/transfers/{tid}/feedback", {"feedback": "not_crime", "text": "x"}),
          403, "forbidden")

    answered = ok(police.post(f"/transfers/{tid}/feedback",
                              {"feedback": "accepted_criminal", "text": "已刑事立案"}))
    assert answered["state"] == "answered" and answered["feedback"] == "accepted_criminal"
    assert answered["feedback_text"] == "已刑事立案" and answered["answered_by"] == "zhao.police"
    error(police.post(f"/transfers/{tid}/feedback", {"feedback": "not_crime", "text": "x"}),
          409, "conflict")
    # accepted as a criminal case: the police handle it now
    moved = ok(police.get(f"/cases/{number}"))
    assert moved["department"] == "police" and moved["parties"][0]["id_number"] == ID_NUMBER
    assert ok(forestry.get(f"/cases/{number}"))["parties"][0]["id_number"] == ID_NUMBER
    # nothing closes until both sides have done their step
    refused = error(police.post(f"/cases/{number}/close", {"outcome": "移送起诉"}),
                    422, "validation_error")
    assert set(refused["fields"]) == {"outcome"}
    error(police.post(f"/transfers/{tid}/confirm"), 403, "forbidden")
    confirmed = ok(forestry.post(f"/transfers/{tid}/confirm"))
    assert confirmed["state"] == "confirmed" and confirmed["confirmed_by"] == "li.forest"
    error(forestry.post(f"/transfers/{tid}/confirm"), 409, "conflict")
    error(forestry.post(f"/cases/{number}/close", {"outcome": "x"}), 403, "forbidden")
    closed = ok(police.post(f"/cases/{number}/close", {"outcome": "移送起诉"}))
    assert closed["state"] == "closed" and closed["outcome"] == "移送起诉"
    assert closed["closed_at"] and closed["transfers"][0]["state"] == "confirmed"

    ledger = ok(forestry.get("/transfer-ledger"))
    assert [(r["id"], r["case_title"], r["state"], r["feedback"]) for r in ledger] == [
        (tid, "东坡村后山盗伐林木案", "confirmed", "accepted_criminal")]
    assert ok(forestry.get("/cases", state="closed"))[0]["id"] == number

    from core.audit import AuditRecord, verify
    from core.db import db

    with app.app_context():
        rows = list(db.session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))
        assert ID_NUMBER not in json.dumps([r.changes for r in rows], ensure_ascii=False)
        states = [(r.actor, r.changes["state"]) for r in rows
                  if r.object_type == "transfers" and r.object_id == str(tid)
                  and "state" in (r.changes or {})]
        assert ("zhao.police", ["sent", "acknowledged"]) in states
        assert ("zhao.police", ["acknowledged", "answered"]) in states
        assert ("li.forest", ["answered", "confirmed"]) in states
        assert verify().ok


def test_lead_returned_as_not_a_crime_stays_with_forestry(people):
    forestry, police = people["forestry"], people["police"]
    lead = open_case(forestry, kind="lead", title="疑似非法收购木材线索",
                     offence_type="forestry.illegal_timber")
    tid = hand_over(forestry, lead["id"])["id"]
    # answering without acknowledging first acknowledges it too
    answered = ok(police.post(f"/transfers/{tid}/feedback",
                              {"feedback": "not_crime", "text": "数量未达立案标准"}))
    assert answered["state"] == "answered" and answered["acknowledged_by"] == "zhao.police"
    after = ok(forestry.get(f"/cases/{lead['id']}"))
    assert after["department"] == "natural_resources" and after["kind"] == "lead"
    # still forestry's: the police neither hand it on nor conclude it
    error(police.post(f"/cases/{lead['id']}/transfers", {"to": "environment", "reason": "x"}),
          403, "forbidden")
    error(police.post(f"/cases/{lead['id']}/close", {"outcome": "x"}), 403, "forbidden")
    ok(people["forestry_leader"].post(f"/transfers/{tid}/confirm"))
    assert ok(forestry.post(f"/cases/{lead['id']}/close", {"outcome": "行政处罚"}))[
        "state"] == "closed"
    rows = ok(police.get("/transfers", feedback="not_crime"))
    assert [(r["id"], r["feedback_text"]) for r in rows] == [(tid, "数量未达立案标准")]


# ------------------------------------------------------------------- who sees what


def test_visibility_404_and_masked_identities(people):
    forestry, police, env, office = (people["forestry"], people["police"], people["env"],
                                     people["office"])
    case = open_case(forestry)
    number = case["id"]
    # not handed over yet: the police do not see it
    error(police.get(f"/cases/{number}"), 404, "not_found")
    assert police.get("/cases").headers["X-Total-Count"] == "0"
    tid = hand_over(forestry, number)["id"]

    for path in (f"/cases/{number}", f"/transfers/{tid}"):
        error(env.get(path), 404, "not_found")
        error(people["village"].get(path), 404, "not_found")
    error(env.post(f"/transfers/{tid}/acknowledge"), 404, "not_found")
    error(env.post(f"/cases/{number}/transfers", {"to": "police", "reason": "x"}),
          404, "not_found")
    for path in ("/cases", "/transfers", "/transfer-ledger"):
        assert env.get(path).headers["X-Total-Count"] == "0"
        assert people["village"].get(path).headers["X-Total-Count"] == "0"
        error(people["admin"].get(path), 403, "forbidden")

    seen = ok(office.get(f"/cases/{number}"))
    assert seen["parties"] == [{"kind": "person", "name": "张某", "id_number": MASKED,
                                "note": ""}]
    assert seen["title"] == "东坡村后山盗伐林木案" and seen["facts"]
    assert ok(office.get(f"/transfers/{tid}"))["reason"] == "涉嫌盗伐林木罪，数量较大"
    assert office.get("/transfer-ledger").headers["X-Total-Count"] == "1"
    assert ID_NUMBER not in office.get(f"/cases/{number}").get_data(as_text=True)
    # the office sees but does not act on other departments' hand-overs
    error(office.post(f"/transfers/{tid}/acknowledge"), 403, "forbidden")
    assert ok(police.get(f"/cases/{number}"))["parties"][0]["id_number"] == ID_NUMBER
    assert ok(police.get(f"/transfers/{tid}"))["to"] == "police"


def test_only_liaisons_and_leaders_hand_over(people):
    police_member = people["police_member"]
    # a member opens a case for the department but the liaison or leader hands it over
    case = open_case(police_member, offence_type="other", parties=[])
    error(police_member.post(f"/cases/{case['id']}/transfers",
                             {"to": "natural_resources", "reason": "x"}), 403, "forbidden")
    error(people["village"].post("/cases", case_body()), 403, "forbidden")
    assert ok(people["police"].post(f"/cases/{case['id']}/transfers", {
        "to": "natural_resources", "reason": "属林业行政案件"}), 201)["from"] == "police"


# ------------------------------------------------------------------------ bad input


def test_bad_input_answers_422_with_fields(people):
    forestry, police = people["forestry"], people["police"]

    def refused(**changes: Any) -> dict[str, Any]:
        return error(forestry.post("/cases", case_body(**changes)), 422,
                     "validation_error")["fields"]

    assert set(refused(offence_type="forestry.no_such_thing")) == {"offence_type"}
    assert set(refused(title="  ", kind="rumour")) == {"title", "kind"}
    assert set(refused(lat=24.0, lng=None)) == {"lat"}
    assert set(refused(parties=[{"kind": "alien", "name": "x"}])) == {"parties"}
    assert set(refused(parties=[{"name": "x", "id_number": "1" * 41}])) == {"parties"}
    assert set(refused(finding_id=987654)) == {"finding_id"}
    assert set(refused(colour="red")) == {"colour"}  # unknown fields are refused
    assert set(error(forestry.post("/cases", {}), 422, "validation_error")["fields"]) == {
        "title", "offence_type"}
    error(forestry.get("/cases", state="lost"), 422, "validation_error")
    error(forestry.get("/transfers", state="lost"), 422, "validation_error")
    error(forestry.get("/transfer-ledger", direction="sideways"), 422, "validation_error")
    assert forestry.get("/cases").headers["X-Total-Count"] == "0"  # nothing was written

    number = open_case(forestry)["id"]
    missing = error(forestry.post(f"/cases/{number}/transfers", {"to": "police"}),
                    422, "validation_error")
    assert set(missing["fields"]) == {"reason"}
    blank = error(forestry.post(f"/cases/{number}/transfers", {"to": "police", "reason": " "}),
                  422, "validation_error")
    assert set(blank["fields"]) == {"reason"}
    for to in ("natural_resources", "v_dongpo", "office", "atlantis"):
        assert set(error(forestry.post(f"/cases/{number}/transfers", {"to": to, "reason": "x"}),
                         422, "validation_error")["fields"]) == {"to"}
    tid = hand_over(forestry, number)["id"]
    for body, problems in (({"feedback": "not_crime"}, {"text"}),
                           ({"feedback": "returned", "text": " "}, {"text"}),
                           ({"feedback": "maybe", "text": "x"}, {"feedback"}),
                           ({"text": "x"}, {"feedback"})):
        assert set(error(police.post(f"/transfers/{tid}/feedback", body), 422,
                         "validation_error")["fields"]) == problems
    assert ok(police.get(f"/transfers/{tid}"))["state"] == "sent"  # nothing was written
    error(forestry.post(f"/cases/{number}/close", {}), 422, "validation_error")
    error(forestry.get("/transfers/987654"), 404, "not_found")
    error(forestry.get("/cases/987654"), 404, "not_found")


# ---------------------------------------------------------------- computed states


def test_unacknowledged_after_three_working_days_is_overdue(people):
    forestry, police = people["forestry"], people["police"]
    # Friday 2026-09-25: the third working day after it is Wednesday 2026-09-30 (the National
    # Day holiday starts on 1 October), so on Thursday 1 October it is overdue.
    with freeze_time(datetime(2026, 9, 25, 10, 0, tzinfo=SHANGHAI)):
        number = open_case(forestry)["id"]
        sent = hand_over(forestry, number)
    tid = sent["id"]
    due = datetime.fromisoformat(sent["ack_due_at"]).astimezone(SHANGHAI)
    assert due.date().isoformat() == "2026-09-30"
    with freeze_time(datetime(2026, 9, 30, 20, 0, tzinfo=SHANGHAI)):
        on_time = ok(police.get(f"/transfers/{tid}"))
        assert on_time["state"] == "sent" and on_time["overdue_step"] is None
        assert police.get("/transfers", state="overdue").headers["X-Total-Count"] == "0"
    with freeze_time(datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI)):
        late = ok(police.get(f"/transfers/{tid}"))
        assert late["state"] == "overdue" and late["stored_state"] == "sent"
        assert late["overdue_step"] == "acknowledge"
        rows = ok(forestry.get("/transfer-ledger", state="overdue", direction="sent"))
        assert [(r["id"], r["state"], r["overdue_step"]) for r in rows] == [
            (tid, "overdue", "acknowledge")]
        assert forestry.get("/transfers", state="overdue",
                            direction="received").headers["X-Total-Count"] == "0"
        summary = ok(forestry.get(f"/cases/{number}"))["transfers"][0]
        assert summary["state"] == "overdue" and summary["stored_state"] == "sent"
        # acknowledging (late) leaves only the feedback deadline, not yet passed
        acknowledged = ok(police.post(f"/transfers/{tid}/acknowledge"))
        assert acknowledged["state"] == "acknowledged"
        assert acknowledged["overdue_step"] is None


# ------------------------------------------------------------------------ lists


def test_ledger_rows_filters_and_pagination(people):
    forestry, police, office = people["forestry"], people["police"], people["office"]
    numbers = [open_case(forestry, title=f"案件{n}")["id"] for n in range(3)]
    tids = [hand_over(forestry, number)["id"] for number in numbers]
    returned = open_case(police, title="林区野生动物案", offence_type="other", parties=[])
    back = hand_over(police, returned["id"], to="natural_resources")["id"]
    ok(police.post(f"/transfers/{tids[0]}/feedback", {"feedback": "more_evidence",
                                                      "text": "请补充鉴定意见"}))

    first = forestry.get("/transfers", per_page=2)
    rest = forestry.get("/transfers", per_page=2, page=2)
    assert first.headers["X-Total-Count"] == rest.headers["X-Total-Count"] == "4"
    assert [t["id"] for t in ok(first) + ok(rest)] == [back, *reversed(tids)]  # newest first
    assert [t["id"] for t in ok(forestry.get("/transfers", direction="received"))] == [back]
    assert forestry.get("/transfers", direction="sent").headers["X-Total-Count"] == "3"
    assert [t["id"] for t in ok(forestry.get("/transfers", state="answered"))] == [tids[0]]
    assert forestry.get("/transfers", state="open").headers["X-Total-Count"] == "4"
    assert [t["id"] for t in ok(forestry.get("/transfers", feedback="more_evidence"))] == [
        tids[0]]
    assert forestry.get("/transfers", department="environment").headers[
        "X-Total-Count"] == "0"
    assert office.get("/transfer-ledger", department="police").headers["X-Total-Count"] == "4"
    assert forestry.get("/transfers", since="2999-01-01").headers["X-Total-Count"] == "0"

    row = next(r for r in ok(forestry.get("/transfer-ledger")) if r["id"] == tids[0])
    assert set(row) == {
        "id", "case_id", "case_title", "case_kind", "offence_type", "from", "to", "sent_at",
        "reason", "legal_basis", "ack_due_at", "acknowledged_at", "feedback_due_at",
        "answered_at", "feedback", "feedback_text", "confirmed_at", "state", "stored_state",
        "overdue_step"}
    assert (row["case_title"], row["offence_type"], row["from"], row["to"]) == (
        "案件0", "forestry.tree_theft", "natural_resources", "police")
    assert (row["feedback"], row["feedback_text"], row["state"]) == (
        "more_evidence", "请补充鉴定意见", "answered")
    assert row["acknowledged_at"] and row["answered_at"] and row["confirmed_at"] is None

    cases = forestry.get("/cases", per_page=2)
    assert cases.headers["X-Total-Count"] == "4"  # its three and the one handed to it
    assert [c["title"] for c in ok(cases)] == ["林区野生动物案", "案件2"]
    assert [c["title"] for c in ok(forestry.get("/cases", q="案件1"))] == ["案件1"]
    assert forestry.get("/cases", department="police").headers["X-Total-Count"] == "1"
    assert forestry.get("/cases", offence_type="other").headers["X-Total-Count"] == "1"
    assert police.get("/cases", kind="lead").headers["X-Total-Count"] == "0"


def test_every_case_route_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert set(paths["/api/v1/cases"]) >= {"get", "post"}
    for path, method in (("/api/v1/cases/{case_id}", "get"),
                         ("/api/v1/cases/{case_id}/close", "post"),
                         ("/api/v1/cases/{case_id}/transfers", "post"),
                         ("/api/v1/transfers", "get"),
                         ("/api/v1/transfer-ledger", "get"),
                         ("/api/v1/transfers/{transfer_id}", "get"),
                         ("/api/v1/transfers/{transfer_id}/acknowledge", "post"),
                         ("/api/v1/transfers/{transfer_id}/feedback", "post"),
                         ("/api/v1/transfers/{transfer_id}/confirm", "post")):
        assert method in paths[path], (path, method)
    transfer = spec["components"]["schemas"]["Transfer"]["properties"]
    assert {"from", "to", "state", "stored_state", "overdue_step"} <= set(transfer)
    assert "overdue" in transfer["state"]["enum"]
