"""Joint meetings through the API: a proposal both conveners approve, the meeting, duty
reports, minutes due within a week, signatures (password, concurrency, voided by an edit),
documents, resolutions as tasks, reminders, and who may do what. Real HTTP, real database."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from core.testing import ApiCaller, api_error as error, api_ok as ok

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.fixture(name="people")
def meeting_people(app, make_user, runner) -> dict[str, ApiCaller]:
    """The shipped bodies, and people of their departments with bearer tokens."""
    from core.accounts.models import User
    from core.accounts.services import create_token
    from core.db import db

    assert runner(["meetings", "sync"]).exit_code == 0
    accounts = {
        "nr_leader": ("zhang.nr", "leader", "natural_resources", "张建国"),
        "police_leader": ("li.police", "leader", "police", "李卫东"),
        "police": ("zhao.police", "liaison", "police", "赵敏"),
        "nr": ("wu.nr", "liaison", "natural_resources", "吴涛"),
        "office": ("wang.office", "office", "office", "王芳"),
        "office_leader": ("chen.office", "leader", "office", "陈刚"),
        "environment": ("he.env", "liaison", "environment", "何静"),
        "admin": ("root.admin", "admin", "office", "管理员"),
    }
    callers = {}
    for key, (username, role, department, name) in accounts.items():
        user_id = make_user(username, role=role, department=department, display_name=name)
        with app.app_context():
            token = create_token(db.session.get(User, user_id), "test")
            db.session.commit()
        callers[key] = ApiCaller(app.test_client(), token, username)
    return callers


def _propose(caller: ApiCaller, **changes: Any) -> dict[str, Any]:
    body = {"body": "nr_police", "kind": "ad_hoc", "topic": "研究盗伐林木案件移送问题",
            "reasons": "近期盗伐案件增多，需明确移送标准。", "lead": "police",
            "starts_at": _in(3), "place": "镇政府三楼会议室", **changes}
    return ok(caller.post("/meeting-proposals", body), 201)


def _convened(people: dict[str, ApiCaller], **changes: Any) -> int:
    proposal = _propose(people["police"], **changes)
    ok(people["nr_leader"].post(f"/meeting-proposals/{proposal['id']}/approve"))
    done = ok(people["police_leader"].post(f"/meeting-proposals/{proposal['id']}/approve"))
    return done["meeting_id"]


def _held(people: dict[str, ApiCaller], meeting_id: int, held_at: datetime | None = None
          ) -> dict[str, Any]:
    meeting = ok(people["office"].get(f"/meetings/{meeting_id}"))
    present = [i["id"] for i in meeting["invitations"]]
    when = held_at or datetime.now(UTC) - timedelta(minutes=5)
    return ok(people["office"].post(f"/meetings/{meeting_id}/held",
                                    {"held_at": when.isoformat(), "present": present}))


def _drafted(people: dict[str, ApiCaller], meeting_id: int) -> dict[str, Any]:
    return ok(people["police"].put(f"/meetings/{meeting_id}/minutes", {
        "text": "会议通报了近期盗伐林木案件情况，研究了移送标准。",
        "decisions": ["自然资源所一周内提交鉴定意见", "派出所对三起案件立案侦查"]}))


def _sign(caller: ApiCaller, meeting_id: int, revision: int) -> Any:
    from core.testing import DEFAULT_PASSWORD

    return caller.post(f"/meetings/{meeting_id}/minutes/sign",
                       {"password": DEFAULT_PASSWORD, "revision": revision})


def _at_once(callers: list[ApiCaller], call: Any) -> list[int]:
    """``call(caller)`` from each caller's own thread, released together; the statuses."""
    barrier = threading.Barrier(len(callers))
    statuses: list[int] = []

    def run(caller: ApiCaller) -> None:
        barrier.wait()
        statuses.append(call(caller).status_code)

    threads = [threading.Thread(target=run, args=(caller,)) for caller in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _count(app: Any, model: Any) -> int:
    from core.db import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------- proposal -> meeting


def test_a_police_proposal_is_convened_only_when_both_leaders_approve(people):
    proposal = _propose(people["police"])
    assert proposal["state"] == "pending" and proposal["proposed_by"] == "police"
    assert set(proposal["departments"]) == {"natural_resources", "police", "office"}
    assert ok(people["office"].get("/meetings")) == []

    half = ok(people["nr_leader"].post(f"/meeting-proposals/{proposal['id']}/approve"))
    assert half["state"] == "pending" and half["meeting_id"] is None
    assert ok(people["office"].get("/meetings")) == []
    # One answer per convener department.
    error(people["nr_leader"].post(f"/meeting-proposals/{proposal['id']}/approve"),
          409, "conflict")

    done = ok(people["police_leader"].post(f"/meeting-proposals/{proposal['id']}/approve"))
    assert done["state"] == "approved" and done["meeting_id"]
    assert [a["department"] for a in done["approvals"]] == ["natural_resources", "police"]
    meeting = ok(people["police"].get(f"/meetings/{done['meeting_id']}"))
    assert meeting["state"] == "scheduled" and meeting["lead"] == "police"
    assert {i["department"] for i in meeting["invitations"]} == {
        "natural_resources", "police", "office"}
    assert [m["id"] for m in ok(people["office"].get("/meetings"))] == [meeting["id"]]


def test_a_convener_declines_with_a_reason(app, people):
    from core.notifications.models import Notification

    proposal = _propose(people["police"])
    fields = error(people["nr_leader"].post(f"/meeting-proposals/{proposal['id']}/decline",
                                            {"reason": " "}), 422, "validation_error")["fields"]
    assert "reason" in fields
    declined = ok(people["nr_leader"].post(f"/meeting-proposals/{proposal['id']}/decline",
                                           {"reason": "议题已在上次会议研究"}))
    assert declined["state"] == "declined" and declined["decline_reason"]
    error(people["police_leader"].post(f"/meeting-proposals/{proposal['id']}/approve"),
          409, "conflict")
    with app.app_context():
        from core.db import db

        kinds = set(db.session.scalars(select(Notification.kind)))
    assert {"meeting.proposed", "meeting.declined"} <= kinds


def test_two_conveners_approving_at_once_convene_one_meeting(app, people):
    from core.meetings.models import Meeting, ProposalApproval

    proposal = _propose(people["police"])
    statuses = _at_once([people["nr_leader"], people["police_leader"]], lambda caller: (
        caller.post(f"/meeting-proposals/{proposal['id']}/approve")))
    assert statuses == [200, 200]
    assert _count(app, ProposalApproval) == 2 and _count(app, Meeting) == 1
    assert ok(people["office"].get(f"/meeting-proposals/{proposal['id']}"))["state"] == (
        "approved")


def test_bad_proposals_are_refused_and_nothing_is_stored(app, people):
    from core.meetings.models import MeetingProposal

    fields = error(people["police"].post("/meeting-proposals", {
        "body": "nr_police", "topic": " ", "lead": "environment",
        "starts_at": _in(-1), "departments": ["education"]}), 422, "validation_error")["fields"]
    assert {"topic", "lead", "starts_at", "departments"} <= set(fields)
    error(people["police"].post("/meeting-proposals", {"body": "nowhere", "topic": "x",
                                                       "lead": "police",
                                                       "starts_at": _in(1)}),
          422, "validation_error")
    # Not a member department of the body.
    error(people["environment"].post("/meeting-proposals", {
        "body": "nr_police", "topic": "x", "lead": "police", "starts_at": _in(1)}),
        403, "forbidden")
    assert _count(app, MeetingProposal) == 0


def test_only_the_bodys_departments_and_the_invited_see_a_meeting(people):
    proposal = _propose(people["police"])
    error(people["environment"].get(f"/meeting-proposals/{proposal['id']}"), 404, "not_found")
    error(people["admin"].get(f"/meeting-proposals/{proposal['id']}"), 403, "forbidden")
    # The police's liaison and the office's leader are no conveners' leaders.
    error(people["police"].post(f"/meeting-proposals/{proposal['id']}/approve"),
          403, "forbidden")
    error(people["office_leader"].post(f"/meeting-proposals/{proposal['id']}/approve"),
          403, "forbidden")
    meeting_id = _convened(people)
    error(people["environment"].get(f"/meetings/{meeting_id}"), 404, "not_found")
    assert ok(people["environment"].get("/meetings")) == []
    # A convener widens the scope: the environment office is invited, and now sees it.
    error(people["police"].post(f"/meetings/{meeting_id}/invitations",
                                {"department": "environment"}), 403, "forbidden")
    ok(people["nr_leader"].post(f"/meetings/{meeting_id}/invitations",
                                {"department": "environment"}), 201)
    assert ok(people["environment"].get(f"/meetings/{meeting_id}"))["id"] == meeting_id
    fields = error(people["nr_leader"].post(f"/meetings/{meeting_id}/invitations",
                                            {"department": "environment"}),
                   422, "validation_error")["fields"]
    assert "department" in fields


# ----------------------------------------------------------------- agenda, duty reports


def test_agenda_and_duty_reports_with_pre_filled_figures(people):
    meeting_id = _convened(people)
    item = ok(people["office"].post(f"/meetings/{meeting_id}/agenda", {
        "title": "通报盗伐案件查处情况", "owner": "police"}), 201)
    assert item["owner"] == "police"
    fields = error(people["office"].post(f"/meetings/{meeting_id}/agenda", {
        "title": "x", "owner": "education"}), 422, "validation_error")["fields"]
    assert "owner" in fields
    assert set(ok(people["police"].get(f"/meetings/{meeting_id}"))["duty_reports_missing"]) == {
        "office", "natural_resources", "police"}

    bad = error(people["police"].post("/duty-reports", {
        "meeting_id": meeting_id, "results": "立案三起", "work_summary": "总结",
        "figures": {"core.items_shared": -1, "nobody.knows": 1}}), 422, "validation_error")
    assert "figures" in bad["fields"]
    report = ok(people["police"].post("/duty-reports", {
        "meeting_id": meeting_id, "results": "立案三起，刑事拘留二人", "problems": "鉴定周期长",
        "suggestions": "建立快速鉴定通道", "work_summary": "上半年工作总结",
        "figures": {"core.tasks_closed": 4}}), 201)
    assert report["department"] == "police"
    assert report["figures"]["core.tasks_closed"]["value"] == 4
    assert report["figures"]["core.items_shared"] == {
        "label_zh": "共享信息（条）", "label_en": "Information items shared", "value": 0}
    missing = ok(people["police"].get(f"/meetings/{meeting_id}"))["duty_reports_missing"]
    assert set(missing) == {"natural_resources", "office"}
    # A correction needs the filed version.
    error(people["police"].post("/duty-reports", {
        "meeting_id": meeting_id, "results": "x", "work_summary": "y", "version": 99}),
        409, "conflict")
    assert ok(people["office"].get("/duty-reports", meeting_id=meeting_id))[0]["id"] == (
        report["id"])
    error(people["environment"].get(f"/duty-reports/{report['id']}"), 404, "not_found")
    error(people["environment"].post("/duty-reports", {
        "meeting_id": meeting_id, "results": "x", "work_summary": "y"}), 404, "not_found")


# ------------------------------------------------------------------------------ minutes


def test_minutes_are_due_within_a_week_and_overdue_on_day_8(app, people):
    from core.db import db
    from core.notifications.models import Notification
    from core.notifications.services import deadline_sources, remind_deadlines

    meeting_id = _convened(people)
    held_at = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    with freeze_time(held_at + timedelta(hours=3), tick=True):
        meeting = _held(people, meeting_id, held_at)
    assert meeting["state"] == "held"
    assert datetime.fromisoformat(meeting["minutes_due_at"]) == datetime(
        2026, 12, 8, 23, 59, 59, tzinfo=SHANGHAI)
    assert all(i["attended"] for i in meeting["invitations"])

    with freeze_time(datetime(2026, 12, 8, 22, 0, tzinfo=SHANGHAI), tick=True):
        assert not ok(people["office"].get(f"/meetings/{meeting_id}"))["minutes_overdue"]
    with freeze_time(datetime(2026, 12, 9, 0, 0, 1, tzinfo=SHANGHAI), tick=True):
        assert ok(people["office"].get(f"/meetings/{meeting_id}"))["minutes_overdue"]
        late = ok(people["office"].get("/meetings", state="minutes_overdue"))
        assert [m["id"] for m in late] == [meeting_id]
        with app.app_context():
            now = datetime.now(UTC)
            first = remind_deadlines(now, deadline_sources())
            again = remind_deadlines(now, deadline_sources())
            db.session.commit()
            told = set(db.session.scalars(select(Notification.kind).where(
                Notification.object_type == "meeting_minutes")))
        assert first >= 1 and again == 0 and told == {"deadline.passed"}
        _drafted(people, meeting_id)
        assert not ok(people["office"].get(f"/meetings/{meeting_id}"))["minutes_overdue"]


def test_only_the_lead_unit_drafts_and_text_is_required(people):
    meeting_id = _convened(people)
    error(people["police"].put(f"/meetings/{meeting_id}/minutes", {"text": "x"}),
          403, "forbidden")  # not held yet
    _held(people, meeting_id)
    error(people["nr"].put(f"/meetings/{meeting_id}/minutes", {"text": "x"}),
          403, "forbidden")
    fields = error(people["police"].put(f"/meetings/{meeting_id}/minutes", {"text": " "}),
                   422, "validation_error")["fields"]
    assert "text" in fields
    error(people["police"].get(f"/meetings/{meeting_id}/minutes"), 404, "not_found")


def test_signing_needs_the_password_and_a_wrong_one_is_audited(app, people):
    from core.accounts.models import User
    from core.audit import AuditRecord
    from core.db import db

    meeting_id = _convened(people)
    _held(people, meeting_id)
    minutes = _drafted(people, meeting_id)
    wrong = people["nr_leader"].post(f"/meetings/{meeting_id}/minutes/sign",
                                     {"password": "Not-the-Passw0rd", "revision": 1})
    error(wrong, 403, "forbidden")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "zhang.nr"))
        assert user.failed_logins == 1
        assert db.session.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "signature_failed", AuditRecord.object_id == str(user.id)))
    # Not a convener's leader: the right password does not make a signature.
    error(_sign(people["office_leader"], meeting_id, minutes["revision"]), 403, "forbidden")
    assert ok(people["office"].get(f"/meetings/{meeting_id}/minutes"))["signatures"] == []


def test_an_edit_after_a_signature_voids_it(people):
    meeting_id = _convened(people)
    _held(people, meeting_id)
    first = _drafted(people, meeting_id)
    signed = ok(_sign(people["nr_leader"], meeting_id, first["revision"]))
    assert [s["void"] for s in signed["signatures"]] == [False] and signed["state"] == "draft"
    # A stale revision is refused; the current one is revision 2, unsigned.
    error(people["police"].put(f"/meetings/{meeting_id}/minutes", {
        "text": "改", "revision": 99}), 409, "conflict")
    revised = ok(people["police"].put(f"/meetings/{meeting_id}/minutes", {
        "text": "修改后的纪要", "decisions": ["派出所立案侦查"], "revision": 1}))
    assert revised["revision"] == 2 and revised["state"] == "draft"
    assert [s["void"] for s in revised["signatures"]] == [True]
    # The other convener signs what it read (revision 1): too late.
    error(_sign(people["police_leader"], meeting_id, 1), 409, "conflict")
    ok(_sign(people["police_leader"], meeting_id, 2))
    error(_sign(people["police_leader"], meeting_id, 2), 409, "conflict")  # no double signing
    done = ok(_sign(people["nr_leader"], meeting_id, 2))
    assert done["state"] == "signed" and done["pdf"] and done["docx"]
    assert ok(people["office"].get(f"/meetings/{meeting_id}"))["state"] == "minutes_signed"
    # Signed minutes are locked.
    error(people["police"].put(f"/meetings/{meeting_id}/minutes", {
        "text": "再改", "revision": 2}), 403, "forbidden")


def test_two_leaders_signing_at_once_are_both_recorded_once(app, people):
    from core.db import db
    from core.meetings.models import MinutesSignature
    from core.notifications.models import Notification

    meeting_id = _convened(people)
    _held(people, meeting_id)
    revision = _drafted(people, meeting_id)["revision"]
    statuses = _at_once([people["nr_leader"], people["police_leader"]],
                        lambda caller: _sign(caller, meeting_id, revision))
    assert statuses == [200, 200]
    minutes = ok(people["office"].get(f"/meetings/{meeting_id}/minutes"))
    assert minutes["state"] == "signed"
    assert sorted(s["department"] for s in minutes["signatures"]) == [
        "natural_resources", "police"]
    assert _count(app, MinutesSignature) == 2
    with app.app_context():
        circulated = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "minutes.signed"))
    assert circulated >= 3  # the members' people


def test_signed_minutes_as_pdf_and_word_name_the_title_and_both_signers(people):
    from docx import Document
    from pypdf import PdfReader

    meeting_id = _convened(people)
    _held(people, meeting_id)
    _drafted(people, meeting_id)
    for key in ("nr_leader", "police_leader"):
        ok(_sign(people[key], meeting_id, 1))
    pdf = people["office"].client.get(f"/meetings/{meeting_id}/minutes.pdf",
                                      headers=people["office"].headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "自然资源与公安联席会议会议纪要" in text.replace(" ", "")
    assert "张建国" in text and "李卫东" in text
    word = people["office"].client.get(f"/meetings/{meeting_id}/minutes.docx",
                                       headers=people["office"].headers)
    paragraphs = "\n".join(p.text for p in Document(io.BytesIO(word.data)).paragraphs)
    assert "派出所对三起案件立案侦查" in paragraphs and "李卫东" in paragraphs


# -------------------------------------------------------------------------- resolutions


def test_a_resolution_becomes_a_task_on_the_board_and_goes_overdue(app, people):
    from core.db import db
    from core.tasks.models import Task

    meeting_id = _convened(people)
    _held(people, meeting_id)
    _drafted(people, meeting_id)
    body = {"meeting_id": meeting_id, "decision_index": 1, "department": "police",
            "due_at": _in(5)}
    error(people["office"].post("/resolutions", body), 403, "forbidden")  # not signed yet
    for key in ("nr_leader", "police_leader"):
        ok(_sign(people[key], meeting_id, 1))
    fields = error(people["office"].post("/resolutions", {**body, "decision_index": 7}),
                   422, "validation_error")["fields"]
    assert "decision_index" in fields
    error(people["environment"].post("/resolutions", body), 404, "not_found")
    resolution = ok(people["office"].post("/resolutions", body), 201)
    assert resolution["decision"] == "派出所对三起案件立案侦查"
    assert resolution["state"] == "open"
    error(people["office"].post("/resolutions", body), 409, "conflict")  # once per decision

    board = ok(people["police"].get("/tasks", source_kind="meeting.resolution"))
    assert [t["id"] for t in board] == [resolution["task_id"]]
    assert board[0]["source_id"] == resolution["id"]
    with app.app_context():
        db.session.get(Task, resolution["task_id"]).due_at = datetime.now(UTC) - timedelta(
            hours=1)
        db.session.commit()
    late = ok(people["office"].get("/resolutions", state="overdue"))
    assert [r["id"] for r in late] == [resolution["id"]] and late[0]["state"] == "overdue"
    assert ok(people["police"].get(f"/tasks/{resolution['task_id']}"))["state"] == "overdue"


# ------------------------------------------------------------------- bodies and rhythm


def test_bodies_rhythm_flags_a_missed_regular_meeting(app, people):
    from core.db import db
    from core.meetings.models import MeetingBody
    from core.notifications.services import deadline_sources, remind_deadlines

    bodies = {b["code"]: b for b in ok(people["office"].get("/meeting-bodies"))}
    assert bodies["nr_police"]["rhythm"] == "due"
    assert set(bodies["nr_police"]["conveners"]) == {"natural_resources", "police"}
    assert len(bodies["forest_chief"]["members"]) == 15
    with app.app_context():
        body = db.session.scalar(select(MeetingBody).where(MeetingBody.code == "nr_police"))
        body.created_at = datetime.now(UTC) - timedelta(days=200)
        db.session.commit()
        body_id = body.id
    assert ok(people["office"].get(f"/meeting-bodies/{body_id}"))["rhythm"] == "missed"
    with app.app_context():
        assert remind_deadlines(datetime.now(UTC), deadline_sources()) >= 1
        db.session.commit()
    _convened(people, kind="regular")
    assert ok(people["office"].get(f"/meeting-bodies/{body_id}"))["rhythm"] == "scheduled"


def test_the_office_defines_bodies(people):
    body = {"code": "mining_campaign", "name_zh": "打击非法采矿专项行动协调会",
            "conveners": ["natural_resources", "police"], "members": ["environment"],
            "interval_days": 10}
    created = ok(people["office"].post("/meeting-bodies", body), 201)
    assert set(created["members"]) == {"natural_resources", "police", "environment"}
    fields = error(people["office"].post("/meeting-bodies", {
        **body, "conveners": ["police"], "members": ["nowhere"]}), 422,
        "validation_error")["fields"]
    assert {"code", "conveners", "members"} <= set(fields)
    error(people["police"].post("/meeting-bodies", {**body, "code": "other"}),
          403, "forbidden")


def test_meetings_sync_is_idempotent_and_a_bad_file_changes_nothing(app, runner, tmp_path):
    from core.meetings.models import MeetingBody

    first = runner(["meetings", "sync"])
    assert first.exit_code == 0 and "added: nr_police, forest_chief" in first.output
    again = runner(["meetings", "sync"])
    assert again.exit_code == 0 and "2 unchanged" in again.output
    bad = tmp_path / "meetings.toml"
    bad.write_text('[[body]]\ncode = "x_new"\nname_zh = "新"\nconveners = ["police"]\n'
                   '[[body]]\ncode = "y"\nname_zh = "乙"\nconveners = ["police", "nowhere"]\n',
                   encoding="utf-8")
    from click.testing import CliRunner

    from core.cli import cli

    result = CliRunner().invoke(cli, ["meetings", "sync", "--file", str(bad)],
                                obj={"app": app})
    assert result.exit_code != 0
    assert f"{bad}: body[0].conveners" in result.output
    assert f"{bad}: body[1].conveners" in result.output and "nowhere" in result.output
    assert _count(app, MeetingBody) == 2
