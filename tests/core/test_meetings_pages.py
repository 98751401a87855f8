"""Joint meetings through the pages: propose (errors keep what was typed), approve, record
as held, agenda papers, duty report, minutes and signing with the password, resolutions;
lists with bounded queries, Excel exports, bodies and their rhythm, who may open what."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.testing import csrf_token, login, post_form
from tests.core.test_meetings import (  # noqa: F401 - meeting_people: the people fixture
    _convened,
    _drafted,
    _held,
    _propose,
    _sign,
    meeting_people,
)

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def _signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _local(days: float) -> str:
    from zoneinfo import ZoneInfo

    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def test_propose_and_approve_through_the_pages(app, people):
    from core.db import db
    from core.meetings.models import MeetingBody, MeetingProposal

    with app.app_context():
        body_id = db.session.scalar(select(MeetingBody.id).where(MeetingBody.code == "nr_police"))
    police = _signed_in(app, "zhao.police")
    form = {"body": str(body_id), "kind": "ad_hoc", "topic": "研究移送标准", "lead": "nowhere",
            "starts_at": _local(-1), "place": "会议室"}
    bad = post_form(police, "/meetings/proposals/new", form)
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "is-invalid" in page and "研究移送标准" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MeetingProposal)) == 0
    done = post_form(police, "/meetings/proposals/new",
                     {**form, "lead": "police", "starts_at": _local(2),
                      "departments": ["natural_resources", "police"]})
    assert done.status_code == 302
    proposal = done.headers["Location"]
    assert "研究移送标准" in police.get(proposal).get_data(as_text=True)

    for username in ("zhang.nr", "li.police"):
        leader = _signed_in(app, username)
        answered = post_form(leader, f"{proposal}/approve", {}, page=proposal)
        assert answered.status_code == 302
    page = police.get(proposal).get_data(as_text=True)
    assert 'data-testid="meeting-link"' in page
    # Invited: the two departments chosen (the conveners and the lead unit always are).
    assert police.get("/meetings/").get_data(as_text=True).count("研究移送标准") == 1
    environment = _signed_in(app, "he.env")
    assert environment.get(proposal).status_code == 404
    # It may propose a meeting of the bodies it belongs to only.
    offered = environment.get("/meetings/proposals/new").get_data(as_text=True)
    assert "镇林长制成员单位联席会议" in offered and "自然资源与公安联席会议" not in offered
    assert _signed_in(app, "root.admin").get("/meetings/proposals/new").status_code == 403


def test_the_meeting_page_from_agenda_to_resolutions(app, people):
    meeting_id = _convened(people)
    page_path = f"/meetings/{meeting_id}"
    office = _signed_in(app, "wang.office")
    assert office.get(page_path).status_code == 200
    added = post_form(office, f"{page_path}/agenda", {
        "agenda-title": "通报盗伐案件", "agenda-owner": "police",
        "agenda-photos": [(io.BytesIO(PNG), "现场.png")]}, page=page_path)
    assert added.status_code == 302
    page = office.get(page_path).get_data(as_text=True)
    assert "通报盗伐案件" in page and "现场.png" in page
    paper = page.split(f"{page_path}/agenda/")[1].split('"')[0]
    assert office.get(f"{page_path}/agenda/{paper}").data == PNG
    refused = post_form(office, f"{page_path}/agenda", {"agenda-title": "",
                                                         "agenda-owner": "police"},
                        page=page_path)
    assert refused.status_code == 400

    police = _signed_in(app, "zhao.police")
    report = f"{page_path}/duty-report"
    assert "core.items_shared" in police.get(report).get_data(as_text=True)
    bad = post_form(police, report, {"results": "立案三起", "work_summary": "",
                                     "figure-core.items_shared": "-3"})
    assert bad.status_code == 400 and "立案三起" in bad.get_data(as_text=True)
    assert post_form(police, report, {"results": "立案三起", "work_summary": "总结",
                                      "figure-core.items_shared": "2"}).status_code == 302
    page = office.get(page_path).get_data(as_text=True)
    assert 'data-testid="missing-reports"' in page and "立案三起" in page

    held = post_form(office, f"{page_path}/held", {"held-held_at": _local(-0.01)},
                     page=page_path)
    assert held.status_code == 302
    minutes_page = f"{page_path}/minutes"
    assert office.get(minutes_page).status_code == 403  # the lead unit drafts
    drafted = post_form(police, minutes_page, {
        "text": "会议纪要正文", "decisions": "派出所立案侦查\n自然资源所出具鉴定"})
    assert drafted.status_code == 302

    nr_leader = _signed_in(app, "zhang.nr")
    wrong = post_form(nr_leader, f"{page_path}/minutes/sign",
                      {"sign-password": "Wrong-Passw0rd", "sign-revision": "1"}, page=page_path)
    assert wrong.status_code == 403 and "is-invalid" in wrong.get_data(as_text=True)
    signed = post_form(nr_leader, f"{page_path}/minutes/sign",
                       {"sign-password": "Forest-Chief-2026", "sign-revision": "1"},
                       page=page_path)
    assert signed.status_code == 302
    assert 'data-testid="voids-warning"' in police.get(minutes_page).get_data(as_text=True)
    police_leader = _signed_in(app, "li.police")
    assert post_form(police_leader, f"{page_path}/minutes/sign",
                     {"sign-password": "Forest-Chief-2026", "sign-revision": "1"},
                     page=page_path).status_code == 302
    page = office.get(page_path).get_data(as_text=True)
    assert f"{page_path}/minutes.pdf" in page

    due = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    made = post_form(office, f"{page_path}/resolutions", {
        "resolution-decision_index": "0", "resolution-department": "police",
        "resolution-due_on": due}, page=page_path)
    assert made.status_code == 302
    again = post_form(office, f"{page_path}/resolutions", {
        "resolution-decision_index": "0", "resolution-department": "police",
        "resolution-due_on": due}, page=page_path)
    assert again.status_code == 409
    assert "派出所立案侦查" in office.get("/meetings/resolutions").get_data(as_text=True)
    board = office.get("/tasks/?source=meeting.resolution").get_data(as_text=True)
    assert "派出所立案侦查" in board
    environment = _signed_in(app, "he.env")
    for path in (page_path, f"{page_path}/minutes.pdf", f"{page_path}/minutes",
                 f"/meetings/{meeting_id}/duty-report"):
        assert environment.get(path).status_code == 404


def _full_cycle(people: Any, n: int) -> None:
    """A meeting convened, held, its minutes signed, a decision made a task; a proposal."""
    meeting_id = _convened(people, topic=f"会议{n}")
    _held(people, meeting_id)
    _drafted(people, meeting_id)
    for key in ("nr_leader", "police_leader"):
        _sign(people[key], meeting_id, 1)
    people["office"].post("/resolutions", {
        "meeting_id": meeting_id, "decision_index": 0, "department": "police",
        "due_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()})
    _propose(people["police"], topic=f"待批会议{n}")


def test_lists_bounded_queries_exports_and_widget(app, people, count_queries):
    office = _signed_in(app, "wang.office")
    _full_cycle(people, 0)
    lists = ("/meetings/", "/meetings/proposals/", "/meetings/resolutions?state=",
             "/meetings/bodies/")
    small = {}
    for path in lists:
        with count_queries() as q:
            assert office.get(path).status_code == 200
        small[path] = q.count
    for n in range(1, 5):
        _full_cycle(people, n)
    for path in lists:
        with count_queries() as q:
            office.get(path)
        assert q.count == small[path], path

    export = office.get("/meetings/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.values)
    assert rows[0][:4] == ("编号", "联席会议", "会议名称", "类型") and len(rows) == 6
    assert rows[1][11] in ("是", "否")
    ledger = office.get("/meetings/resolutions/export.xlsx?state=")
    rows = list(load_workbook(io.BytesIO(ledger.data)).active.values)
    assert rows[0][3] == "议定事项" and len(rows) == 6
    leader = _signed_in(app, "zhang.nr")
    assert 'data-testid="meetings-widget"' in leader.get("/").get_data(as_text=True)


def test_the_office_defines_a_body_and_sees_its_rhythm(app, people):
    office = _signed_in(app, "wang.office")
    assert office.get("/meetings/bodies/new").status_code == 200
    bad = post_form(office, "/meetings/bodies/new", {
        "code": "fire_campaign", "name_zh": "森林防火专项行动协调会", "interval_days": "10",
        "liaison_office": "office", "conveners": ["emergency"], "members": ["agriculture"]})
    assert bad.status_code == 400 and "森林防火专项行动协调会" in bad.get_data(as_text=True)
    done = post_form(office, "/meetings/bodies/new", {
        "code": "fire_campaign", "name_zh": "森林防火专项行动协调会", "interval_days": "10",
        "liaison_office": "office", "conveners": ["emergency", "agriculture"],
        "members": ["public_services"], "active": "y"}, page="/meetings/bodies/new")
    assert done.status_code == 302
    page = office.get("/meetings/bodies/").get_data(as_text=True)
    assert "森林防火专项行动协调会" in page and 'data-state="due"' in page
    police = _signed_in(app, "zhao.police")
    assert police.get("/meetings/bodies/new").status_code == 403
    assert police.post("/meetings/bodies/1/edit", data={
        "csrf_token": csrf_token(police, "/meetings/bodies/")}).status_code == 403
