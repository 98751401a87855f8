"""Public tips and rewards over real HTTP: one tip per Idempotency-Key, routing through
``route_tip`` (and triage when nobody answers), re-routing, nothing kept about the sender,
the tipster's contact for the office only, rate limits, status by code only, tip -> case,
rewards approved by an office leader and paid, error shapes and CSRF."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.app import kernel, limiter
from core.hookspecs import hookimpl
from core.testing import csrf_token, login

FELLING = {"category": "forestry.tree_theft", "place_name": "东坡村后山",
           "lat": 24.78, "lng": 112.38,
           "description": "有人夜间在东坡村后山盗伐杉木，约十余株，用摩托车运走。"}
WILDLIFE = {"category": "police.wildlife_trade", "place_name": "镇墟集市",
            "description": "集市上有人出售穿山甲鳞片。"}
CONTACT = {"name": "王举报人", "phone": "13800138000"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PUBLIC = "/api/v1/public/tips"


def site_today():
    """Today in Asia/Shanghai (the site's days, not the test machine's)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


class Router:
    """A test plugin answering ``route_tip`` by category prefix (asked before the bundled
    plugins, whatever they answer)."""

    def __init__(self, answers=None):
        self.answers = answers if answers is not None else {
            "forestry.": "natural_resources", "police.": "police"}
        self.asked = []

    @hookimpl(tryfirst=True)
    def route_tip(self, tip):
        self.asked.append({"category": tip.category, "id": tip.id,
                           "has_contact": hasattr(tip, "contact")})
        for prefix, code in self.answers.items():
            if tip.category.startswith(prefix):
                return code() if callable(code) else code
        return None


@pytest.fixture
def router(app):
    plugin = Router()
    kernel(app).pm.register(plugin, name="test-router")
    return plugin


@pytest.fixture
def people(login_as):
    """Signed-in browsers; their API calls carry the session's CSRF token in a header."""
    clients = {
        "office": login_as("office", "office", username="wang.office"),
        "office_leader": login_as("leader", "office", username="zhou.leader"),
        "forestry": login_as("liaison", "natural_resources", username="li.forest"),
        "forestry_leader": login_as("leader", "natural_resources", username="sun.forest"),
        "police": login_as("liaison", "police", username="zhao.police"),
    }
    for client in clients.values():
        client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/")
    return clients


def send(client, body, key=None, **kwargs):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(PUBLIC, json=body, headers=headers, **kwargs)


def tip_row(app, code=None, **where):
    from core.db import db
    from core.tips.models import Tip

    with app.app_context():
        stmt = select(Tip)
        if code:
            stmt = stmt.where(Tip.code == code.replace("-", ""))
        for name, value in where.items():
            stmt = stmt.where(getattr(Tip, name) == value)
        tip = db.session.scalars(stmt).one()
        db.session.expunge(tip)
        return tip


def count(app, model) -> int:
    from core.db import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def department_of(app, tip) -> str | None:
    from core.db import db
    from core.departments.models import Department

    with app.app_context():
        if tip.department_id is None:
            return None
        return db.session.get(Department, tip.department_id).code


def notified(app, username, kind) -> list[str]:
    """Subjects of ``username``'s notifications of ``kind``."""
    from core.accounts.models import User
    from core.db import db
    from core.notifications.models import Notification

    with app.app_context():
        return list(db.session.scalars(
            select(Notification.subject).join(User, User.id == Notification.user_id)
            .where(User.username == username, Notification.kind == kind)))


def all_text(app) -> str:
    """Every value of every row of every table, as one string (canary searches)."""
    from core.db import db

    chunks = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).all():
                chunks.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(chunks)


# ---------------------------------------------------------------------- idempotency


def test_felling_tip_sent_twice_with_one_key_makes_one_tip_routed_to_forestry(
        app, client, router, people):
    from core.tips.models import Tip

    first = send(client, FELLING, key="retry-5b3c7a90-felling")
    assert first.status_code == 201, first.get_json()
    receipt = first.get_json()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", receipt["code"])
    assert receipt["state"] == "received"
    again = send(client, FELLING, key="retry-5b3c7a90-felling")
    assert again.status_code == 200
    assert again.get_json()["code"] == receipt["code"]
    assert count(app, Tip) == 1
    assert len(router.asked) == 1  # the retry neither created nor routed anything
    assert router.asked[0]["has_contact"] is False  # the hook never gets the contact
    tip = tip_row(app, receipt["code"])
    assert department_of(app, tip) == "natural_resources"
    assert notified(app, "li.forest", "tip.received") == ["盗伐林木 · 东坡村后山"]
    assert notified(app, "zhao.police", "tip.received") == []
    # the same key for another tip: refused, and it never hands out the first tip's code
    other = send(client, {**FELLING, "description": "另一件事"}, key="retry-5b3c7a90-felling")
    assert other.status_code == 409 and receipt["code"] not in other.get_data(as_text=True)
    assert count(app, Tip) == 1
    # without a key, every post is a new tip
    assert send(client, FELLING).status_code == 201
    assert count(app, Tip) == 2


def test_concurrent_duplicates_the_unique_constraint_decides(app, client, router, monkeypatch):
    from core.tips import services
    from core.tips.models import Tip

    first = send(client, FELLING, key="race-0a1b2c3d4e")
    real = services.find_by_key
    calls = []

    def late(hashed):
        # The racing request looked before the first one committed: it sees nothing.
        calls.append(hashed)
        return None if len(calls) == 1 else real(hashed)

    monkeypatch.setattr(services, "find_by_key", late)
    second = send(client, FELLING, key="race-0a1b2c3d4e")
    assert len(calls) == 2  # the insert failed on the UNIQUE key, then found the winner
    assert second.status_code == 200
    assert second.get_json()["code"] == first.get_json()["code"]
    assert count(app, Tip) == 1


def test_an_idempotency_key_must_be_a_real_key(client, router):
    response = send(client, FELLING, key="abc")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["error"]["fields"]


# -------------------------------------------------------------------------- routing


def test_triage_when_no_plugin_answers(app_factory, make_user):
    from core.tips.models import Tip

    bare = app_factory('[plugins]\nenabled = []\n')  # no department plugin answers
    make_user("wu.office", role="office", department="office")
    make_user("li.forest", role="liaison", department="natural_resources")
    client = bare.test_client()
    response = send(client, {**FELLING, "category": "other"})
    assert response.status_code == 201
    tip = tip_row(bare, response.get_json()["code"])
    assert tip.department_id is None and tip.state == "received"
    assert notified(bare, "wu.office", "tip.triage") == ["其他涉林违法行为 · 东坡村后山"]
    assert notified(bare, "li.forest", "tip.received") == []
    # an answer naming no active department, a village, or a failing plugin: triage too
    for answer in ("no_such_department", "v_dongpo", "office"):
        router = Router({"other": answer})
        kernel(bare).pm.register(router, name=f"router-{answer}")
        created = send(client, {**FELLING, "category": "other"})
        assert tip_row(bare, created.get_json()["code"]).department_id is None
        kernel(bare).pm.unregister(router)

    def broken():
        raise RuntimeError("plugin bug")

    kernel(bare).pm.register(Router({"other": broken}), name="router-broken")
    kept = send(client, {**FELLING, "category": "other"})
    assert kept.status_code == 201  # a broken plugin never loses a tip
    assert tip_row(bare, kept.get_json()["code"]).department_id is None
    assert count(bare, Tip) == 5
    office = client
    login(office, "wu.office")
    listing = office.get("/tips/?department=triage").get_data(as_text=True)
    assert listing.count('data-state="received"') == 5


def test_the_office_reroutes_and_every_change_is_audited(app, client, router, people):
    from core.audit import AuditRecord
    from core.db import db

    code = send(client, FELLING).get_json()["code"]
    tip = tip_row(app, code)
    # only the office routes
    refused = people["forestry"].post(f"/api/v1/tips/{tip.id}/route",
                                      json={"department": "police"})
    assert refused.status_code == 403
    bad = people["office"].post(f"/api/v1/tips/{tip.id}/route", json={"department": "nowhere"})
    assert bad.status_code == 422 and "department" in bad.get_json()["error"]["fields"]
    moved = people["office"].post(f"/api/v1/tips/{tip.id}/route", json={"department": "police"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["department"] == "police"
    assert notified(app, "zhao.police", "tip.received") == ["盗伐林木 · 东坡村后山"]
    assert people["forestry"].get(f"/tips/{tip.id}").status_code == 404  # not theirs now
    assert people["police"].get(f"/tips/{tip.id}").status_code == 200
    # the page action sends it back to the triage queue
    page = f"/tips/{tip.id}"
    response = people["office"].post(f"{page}/route", data={
        "csrf_token": csrf_token(people["office"], page), "route-department": ""})
    assert response.status_code == 302
    assert tip_row(app, code).department_id is None
    with app.app_context():
        changes = [r.changes for r in db.session.scalars(
            select(AuditRecord).where(AuditRecord.object_type == "tips",
                                      AuditRecord.action == "update")
            .order_by(AuditRecord.seq))]
    moves = [c["department_id"] for c in changes if "department_id" in c]
    # routed on receipt, re-routed to the police, sent back to triage
    assert [after is None for _before, after in moves] == [False, False, True]
    assert moves[0][0] is None and moves[1][0] == moves[0][1]


# -------------------------------------------------------------------------- nothing kept


def test_an_anonymous_tip_keeps_no_address_or_user_agent(app, client, router, caplog):
    from core.audit import AuditRecord
    from core.db import db
    from core.tips.models import Reward, Tip, TipContact, TipPhoto

    caplog.set_level(logging.DEBUG)
    for model in (Tip, TipContact, TipPhoto, Reward):
        tokens = {t for c in model.__table__.columns for t in c.name.split("_")}
        assert not tokens & {"ip", "addr", "address", "agent", "ua", "remote", "client",
                             "device", "browser", "session", "forwarded"}, model
    address, agent = "203.0.113.77", "CanaryBrowser/7.7 (TipsterPhone)"
    env = {"REMOTE_ADDR": address}
    headers = {"User-Agent": agent, "X-Forwarded-For": "198.51.100.9"}
    kernel(app).settings["security"]["tip_rate_limit"] = "2 per minute"
    response = client.post(PUBLIC, json=FELLING, environ_base=env,
                           headers={**headers, "Idempotency-Key": "canary-key-123456"})
    assert response.status_code == 201
    code = response.get_json()["code"]
    photo = client.post(f"{PUBLIC}/{code}/photos", environ_base=env, headers=headers,
                        data={"file": (io.BytesIO(PNG), "IMG_wang_wu_phone.png")},
                        content_type="multipart/form-data")
    assert photo.status_code == 201, photo.get_json()
    assert client.get(f"{PUBLIC}/{code}", environ_base=env, headers=headers).status_code == 200
    client.post(PUBLIC, json=FELLING, environ_base=env, headers=headers)
    limited = client.post(PUBLIC, json=FELLING, environ_base=env, headers=headers)
    assert limited.status_code == 429  # the limiter logged a breach: with a hashed key
    stored = all_text(app)
    for canary in (address, agent, "198.51.100.9", "IMG_wang_wu_phone"):
        assert canary not in stored, canary
        assert canary not in caplog.text, canary
    with app.app_context():
        actors = set(db.session.scalars(
            select(AuditRecord.actor).where(AuditRecord.object_type.in_(
                ("tips", "tip_photos")))))
        description = db.session.scalars(
            select(AuditRecord.changes).where(AuditRecord.object_type == "tips")).first()
    assert actors == {"public"}
    assert description["description"] == [None, "[redacted]"]
    # the limiter's counters are keyed by a keyed hash, never the address
    counters = getattr(limiter.storage, "storage", {})
    assert counters and not any(address in key for key in counters)


# ------------------------------------------------------------------------ contact


def test_the_contact_is_for_the_office_only(app, client, router, people):
    from core.audit import AuditRecord
    from core.db import db

    response = send(client, {**WILDLIFE, "contact": CONTACT})
    assert response.status_code == 201
    tip = tip_row(app, response.get_json()["code"])
    assert department_of(app, tip) == "police" and tip.anonymous is False
    police, office = people["police"], people["office"]
    detail = f"/tips/{tip.id}"

    def export_text(client_):
        answer = client_.get("/tips/export.xlsx")
        assert answer.status_code == 200
        sheet = load_workbook(io.BytesIO(answer.data)).active
        return [[c.value for c in row] for row in sheet.iter_rows()]

    police_pages = [police.get(path).get_data(as_text=True) for path in (
        "/tips/", detail, "/api/v1/tips", f"/api/v1/tips/{tip.id}", "/notifications/")]
    assert "穿山甲" in police_pages[1]  # the police handle the tip itself
    police_export = export_text(police)
    for secret in CONTACT.values():
        assert all(secret not in page for page in police_pages), secret
        assert secret not in str(police_export)
    assert police.get(f"/api/v1/tips/{tip.id}").get_json()["contact"] is None
    # the office's tip handlers see it on the tip itself, never in lists or exports
    page = office.get(detail).get_data(as_text=True)
    assert CONTACT["name"] in page and CONTACT["phone"] in page
    assert office.get(f"/api/v1/tips/{tip.id}").get_json()["contact"] == CONTACT
    rows = export_text(office)
    assert rows[0] == ["编号", "跟踪码", "举报时间", "类别", "地点", "内容", "处理部门", "状态",
                       "关联案件"]
    assert rows[1][3] == "非法收购、运输、出售野生动物及其制品" and rows[1][6] == "镇郊派出所"
    for secret in CONTACT.values():
        assert secret not in str(rows)
        assert secret not in office.get("/tips/").get_data(as_text=True)
        assert secret not in office.get("/api/v1/tips").get_data(as_text=True)
        assert secret not in json.dumps(notified(app, "zhao.police", "tip.received"),
                                        ensure_ascii=False)
    with app.app_context():
        audit_text = json.dumps([r.changes for r in db.session.scalars(select(AuditRecord))],
                                ensure_ascii=False)
    assert CONTACT["phone"] not in audit_text and CONTACT["name"] not in audit_text


# ----------------------------------------------------------------------- rate limit


def test_rate_limit_answers_429_for_page_and_api_together(app, client, router):
    kernel(app).settings["security"]["tip_rate_limit"] = "3 per hour"
    for _ in range(2):
        assert send(client, FELLING).status_code == 201
    token = csrf_token(client, "/tips/new")
    page = client.post("/tips/new", data={
        "csrf_token": token, "category": "forestry.tree_theft", "place_name": "东坡村",
        "description": "盗伐", "anonymous": "y"})
    assert page.status_code == 200 and 'data-testid="tracking-code"' in page.get_data(
        as_text=True)
    limited = send(client, FELLING)
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert client.post("/tips/new", data={"csrf_token": token}).status_code == 429
    # looking a code up is limited separately
    code = page.get_data(as_text=True).split('data-testid="tracking-code">')[1][:14]
    assert client.get(f"{PUBLIC}/{code}").status_code == 200


# --------------------------------------------------------------------------- status


def test_the_tracking_code_shows_the_state_only(app, client, router, people):
    response = send(client, {**FELLING, "contact": CONTACT})
    code = response.get_json()["code"]
    answer = client.get(f"{PUBLIC}/{code}")
    assert answer.status_code == 200
    assert answer.get_json() == {"code": code, "state": "received"}
    assert client.get(f"{PUBLIC}/{code.lower().replace('-', '')}").get_json()["state"] == \
        "received"
    missing = client.get(f"{PUBLIC}/AAAA-BBBB-CCCC")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert client.get(f"{PUBLIC}/x").status_code == 404

    def page_state():
        token = csrf_token(client, "/tips/status")
        body = client.post("/tips/status", data={"csrf_token": token, "code": code})
        text = body.get_data(as_text=True)
        for content in ("东坡村", "盗伐杉木", CONTACT["name"], CONTACT["phone"], "李"):
            assert content not in text, content
        return re.search(r'data-testid="tip-status".*?data-state="(\w+)"', text, re.S).group(1)

    assert page_state() == "received"
    tip = tip_row(app, code)
    assert people["forestry"].post(f"/api/v1/tips/{tip.id}/take").status_code == 200
    assert page_state() == "handling"
    closing = people["forestry"].post(f"/api/v1/tips/{tip.id}/close", json={"reply": ""})
    assert closing.status_code == 422 and "reply" in closing.get_json()["error"]["fields"]
    closed = people["forestry"].post(f"/api/v1/tips/{tip.id}/close",
                                     json={"reply": "经核查，系合法采伐，已告知举报人。"})
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    assert page_state() == "closed"
    assert client.get(f"{PUBLIC}/{code}").get_json() == {"code": code, "state": "closed"}
    token = csrf_token(client, "/tips/status")
    unknown = client.post("/tips/status", data={"csrf_token": token, "code": "ZZZZ-ZZZZ-ZZZZ"})
    assert unknown.status_code == 404 and 'data-testid="tip-status"' not in unknown.get_data(
        as_text=True)


# ------------------------------------------------------------------- case and reward


def test_tip_becomes_a_case_and_its_reward_is_approved_and_paid(app, client, router, people):
    from core.attachments.models import Attachment
    from core.cases.models import Case
    from core.db import db

    code = send(client, FELLING).get_json()["code"]
    photo = client.post(f"{PUBLIC}/{code}/photos",
                        data={"file": (io.BytesIO(PNG), "现场.png")},
                        content_type="multipart/form-data")
    assert photo.status_code == 201 and photo.get_json()["photos"] == 1
    tip = tip_row(app, code)
    office, leader, forestry = people["office"], people["office_leader"], people["forestry"]
    # no reward before the tip led to a case
    early = office.post("/api/v1/rewards", json={"tip_id": tip.id, "amount": "500",
                                                 "reason": "线索属实"})
    assert early.status_code == 422 and "tip_id" in early.get_json()["error"]["fields"]
    # the police cannot turn forestry's tip into a case; forestry can
    page = f"/tips/{tip.id}"
    assert people["police"].post(f"/api/v1/tips/{tip.id}/case", json={}).status_code == 404
    opened = forestry.post(f"{page}/case", data={
        "csrf_token": csrf_token(forestry, page), "case-kind": "case",
        "case-title": "东坡村后山盗伐林木案", "case-offence_type": "forestry.tree_theft"})
    assert opened.status_code == 302, opened.get_data(as_text=True)[:2000]
    tip = tip_row(app, code)
    assert tip.case_id is not None and tip.state == "handling"
    with app.app_context():
        case = db.session.get(Case, tip.case_id)
        assert (case.offence_type, case.department.code, case.facts) == (
            "forestry.tree_theft", "natural_resources", FELLING["description"])
        evidence = db.session.scalars(select(Attachment).where(
            Attachment.owner_type == "case", Attachment.owner_id == case.id)).all()
        assert [a.content_type for a in evidence] == ["image/png"]
    again = forestry.post(f"/api/v1/tips/{tip.id}/case", json={"case_id": tip.case_id})
    assert again.status_code == 422  # already linked
    # the reward: recorded by the office, approved by a leader of the office, paid
    assert forestry.post("/api/v1/rewards", json={"tip_id": tip.id, "amount": "500",
                                                  "reason": "x"}).status_code == 403
    bad = office.post("/api/v1/rewards", json={"tip_id": tip.id, "amount": "-5", "reason": ""})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"amount", "reason"}
    recorded = office.post("/api/v1/rewards", json={"tip_id": tip.id, "amount": "500.00",
                                                    "reason": "举报线索属实，查处盗伐案件"})
    assert recorded.status_code == 201, recorded.get_json()
    reward = recorded.get_json()
    assert (reward["amount"], reward["state"], reward["case_id"]) == ("500.00", "recorded",
                                                                     tip.case_id)
    assert notified(app, "zhou.leader", "reward.recorded")
    twice = office.post("/api/v1/rewards", json={"tip_id": tip.id, "amount": "100",
                                                 "reason": "再次"})
    assert twice.status_code == 422
    rid = reward["id"]
    assert office.post(f"/api/v1/rewards/{rid}/approve").status_code == 403  # not a leader
    # a leader, but not the office's: rewards are not even visible to them
    assert people["forestry_leader"].post(f"/api/v1/rewards/{rid}/approve").status_code == 404
    assert office.post(f"/api/v1/rewards/{rid}/paid",
                       json={"paid_on": site_today().isoformat()}).status_code == 409
    approved = leader.post(f"/api/v1/rewards/{rid}/approve")
    assert approved.status_code == 200 and approved.get_json()["approved_by"] == "zhou.leader"
    assert leader.post(f"/api/v1/rewards/{rid}/approve").status_code == 409
    future = office.post(f"/api/v1/rewards/{rid}/paid",
                         json={"paid_on": (site_today() + timedelta(days=3)).isoformat()})
    assert future.status_code == 422 and "paid_on" in future.get_json()["error"]["fields"]
    rewards_page = "/tips/rewards"
    paid = office.post(f"{rewards_page}/{rid}/paid", data={
        "csrf_token": csrf_token(office, rewards_page),
        f"paid{rid}-paid_on": site_today().isoformat()})
    assert paid.status_code == 302, paid.get_data(as_text=True)[-3000:]
    final = office.get(f"/api/v1/rewards/{rid}").get_json()
    assert final["state"] == "paid" and final["paid_on"] == site_today().isoformat()
    assert 'data-state="paid"' in office.get(rewards_page).get_data(as_text=True)
    assert forestry.get(rewards_page).status_code == 403
    assert forestry.get("/api/v1/rewards").get_json() == []
    assert forestry.get(f"/api/v1/rewards/{rid}").status_code == 404


def test_a_leader_does_not_approve_a_reward_they_recorded(app, client, router, people):
    code = send(client, FELLING).get_json()["code"]
    tip = tip_row(app, code)
    leader = people["office_leader"]  # an office leader is one of the office's handlers
    linked = leader.post(f"/api/v1/tips/{tip.id}/route", json={"department": ""})
    assert linked.status_code == 200 and linked.get_json()["department"] is None
    opened = leader.post(f"/api/v1/tips/{tip.id}/case", json={"kind": "lead"})
    assert opened.status_code == 200 and opened.get_json()["case_id"]
    reward = leader.post("/api/v1/rewards", json={"tip_id": tip.id, "amount": 200,
                                                  "reason": "线索"}).get_json()
    assert leader.post(f"/api/v1/rewards/{reward['id']}/approve").status_code == 403


# ------------------------------------------------------------------------ error shapes


def test_422_error_shapes(client, router, people):
    empty = send(client, {})
    assert empty.status_code == 422
    error = empty.get_json()["error"]
    assert error["code"] == "validation_error" and error["message"]
    assert {"category", "description"} <= set(error["fields"])
    for body, field in ((({**FELLING, "category": "forestry.no_such"}), "category"),
                        ({**FELLING, "lng": None}, "lat"),
                        ({**FELLING, "place_name": "", "lat": None, "lng": None}, "place_name"),
                        ({**FELLING, "contact": {"phone": "call me"}}, "contact"),
                        ({**FELLING, "description": ""}, "description")):
        response = send(client, body)
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["fields"], (field, response.get_json())
    assert send(client, {**FELLING, "contact": {"phone": "x"}}).get_json()["error"][
        "fields"]["contact"]["phone"]
    assert people["office"].get("/api/v1/tips?per_page=1000").status_code == 422
    assert people["office"].get("/api/v1/tips?state=lost").status_code == 422
    photo = client.post(f"{PUBLIC}/{send(client, FELLING).get_json()['code']}/photos",
                        data={"file": (io.BytesIO(b"#!/bin/sh\nrm -rf /\n"), "x.png")},
                        content_type="multipart/form-data")
    assert photo.status_code == 422 and "file" in photo.get_json()["error"]["fields"]


def test_photos_by_code_are_limited(app, client, router):
    from core.tips.models import TipPhoto

    code = send(client, FELLING).get_json()["code"]
    for n in range(1, 6):
        answer = client.post(f"{PUBLIC}/{code}/photos",
                             data={"file": (io.BytesIO(PNG), f"{n}.png")},
                             content_type="multipart/form-data")
        assert answer.get_json()["photos"] == n
    sixth = client.post(f"{PUBLIC}/{code}/photos", data={"file": (io.BytesIO(PNG), "6.png")},
                        content_type="multipart/form-data")
    assert sixth.status_code == 422
    unknown = client.post(f"{PUBLIC}/AAAA-AAAA-AAAA/photos",
                          data={"file": (io.BytesIO(PNG), "1.png")},
                          content_type="multipart/form-data")
    assert unknown.status_code == 404
    assert count(app, TipPhoto) == 5


# ------------------------------------------------------------------------ the page


def test_the_public_page_needs_its_csrf_token_and_sends_one_tip_per_form(app, client, router):
    from core.tips.models import Tip, TipContact, TipPhoto

    page = client.get("/tips/new")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', body)  # local assets only
    assert "<script>" not in body  # nothing inline: the form works without JavaScript
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', body).group(1)
    form = {"category": "forestry.tree_theft", "place_name": "东坡村后山",
            "description": "夜间盗伐", "idempotency_key": key,
            "contact_name": "王举报人", "contact_phone": "13800138000"}
    forged = client.post("/tips/new", data=form)
    assert forged.status_code == 400 and count(app, Tip) == 0
    token = csrf_token(client, "/tips/new")
    mixed = client.post("/tips/new", data={**form, "csrf_token": token, "anonymous": "y"})
    assert mixed.status_code == 400 and count(app, Tip) == 0  # anonymous *and* a contact?
    data = {**form, "csrf_token": token,
            "photos": [(io.BytesIO(PNG), "现场1.png"), (io.BytesIO(PNG), "现场2.png")]}
    sent = client.post("/tips/new", data=data, content_type="multipart/form-data")
    assert sent.status_code == 200, sent.get_data(as_text=True)[:2000]
    code = re.search(r'data-testid="tracking-code">([A-Z2-9-]{14})<', sent.get_data(
        as_text=True)).group(1)
    # sent again (a reload, a double click): the same tip and code
    data["photos"] = [(io.BytesIO(PNG), "现场1.png")]
    resent = client.post("/tips/new", data=data, content_type="multipart/form-data")
    assert code in resent.get_data(as_text=True)
    assert (count(app, Tip), count(app, TipContact), count(app, TipPhoto)) == (1, 1, 2)
    assert department_of(app, tip_row(app, code)) == "natural_resources"


def test_staff_pages(app, client, router, people, login_as):
    send(client, FELLING)
    send(client, WILDLIFE)
    office, forestry = people["office"], people["forestry"]
    listing = office.get("/tips/").get_data(as_text=True)
    assert listing.count('data-state="received"') == 2
    assert forestry.get("/tips/").get_data(as_text=True).count('data-state="received"') == 1
    assert office.get("/tips/?department=police").get_data(as_text=True).count(
        'data-state="received"') == 1
    assert office.get("/tips/?q=穿山甲").get_data(as_text=True).count('data-state=') == 1
    api = office.get("/api/v1/tips?category=forestry.tree_theft")
    assert api.headers["X-Total-Count"] == "1" and "contact" not in api.get_json()[0]
    for role, department in (("admin", "office"), ("auditor", "office"),
                             ("liaison", "v_dongpo")):
        other = login_as(role, department)
        assert other.get("/tips/").status_code == 403
        assert other.get("/api/v1/tips").status_code == 403
    assert people["police"].get("/tips/rewards").status_code == 403
