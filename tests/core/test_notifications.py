"""Notifications: own inbox only, unread badge, idempotent reminders, shared items, e-mail."""

from __future__ import annotations

import re
import smtplib
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from core import audit
from core.db import db, utcnow
from core.testing import csrf_token


def user_id(app, username: str) -> int:
    from core.accounts.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def send(app, usernames, subject, kind="request.new", link="/sharing/", key=None) -> int:
    from core.notifications.services import notify

    with app.app_context(), audit.acting_as(name="test"):
        count = notify([user_id(app, u) for u in usernames], kind, subject, link,
                       "info_request", 1, dedupe_key=key)
        db.session.commit()
        return count


def notifications_of(app, username):
    from core.notifications.models import Notification

    with app.app_context():
        return list(db.session.scalars(select(Notification).where(
            Notification.user_id == user_id(app, username)).order_by(Notification.id)))


def badge(client) -> str | None:
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'data-testid="unread-count">(\d+)<', page)
    return match.group(1) if match else None


def jobs_run(app, only: str) -> str:
    from core.cli import cli

    result = CliRunner().invoke(cli, ["jobs", "run", "--only", only], obj={"app": app})
    return result.output


@pytest.fixture
def people(login_as):
    return {
        "jia": login_as("liaison", "police", username="jia.police"),
        "yi": login_as("member", "environment", username="yi.env"),
    }


def test_inbox_shows_only_my_own_notifications(app, people):
    send(app, ["jia.police"], "请核实三号伐区")
    send(app, ["yi.env"], "乙的私人通知")
    page = people["jia"].get("/notifications/").get_data(as_text=True)
    assert "请核实三号伐区" in page and "乙的私人通知" not in page
    assert "请核实三号伐区" in people["jia"].get("/notifications/?state=all").get_data(
        as_text=True)

    api = people["jia"].get("/api/v1/notifications")
    assert api.status_code == 200 and api.headers["X-Total-Count"] == "1"
    [entry] = api.get_json()
    assert entry["subject"] == "请核实三号伐区" and entry["unread"] is True
    assert entry["link"] == "/sharing/" and entry["kind"] == "request.new"


def test_someone_elses_notification_is_404_and_stays_unread(app, people):
    send(app, ["yi.env"], "乙的私人通知")
    [theirs] = notifications_of(app, "yi.env")
    jia = people["jia"]
    token = csrf_token(jia, "/notifications/")
    assert jia.post(f"/notifications/{theirs.id}/read",
                    data={"csrf_token": token, "open": "1"}).status_code == 404
    assert jia.post(f"/api/v1/notifications/{theirs.id}/read",
                    headers={"X-CSRFToken": token}).status_code == 404
    assert jia.post("/notifications/999999/read", data={"csrf_token": token}).status_code == 404
    # "mark all read" touches only the caller's own
    assert jia.post("/api/v1/notifications/read-all",
                    headers={"X-CSRFToken": token}).get_json() == {"marked": 0}
    assert notifications_of(app, "yi.env")[0].read_at is None


def test_unread_count_in_the_nav_follows_mark_read(app, people):
    jia = people["jia"]
    assert badge(jia) is None
    send(app, ["jia.police"], "第一条", link="/sharing/?q=x")
    send(app, ["jia.police"], "第二条")
    send(app, ["jia.police"], "第三条")
    assert badge(jia) == "3"
    first, second, third = notifications_of(app, "jia.police")

    token = csrf_token(jia, "/notifications/")
    opened = jia.post(f"/notifications/{first.id}/read", data={"csrf_token": token, "open": "1"})
    assert opened.status_code == 302 and opened.headers["Location"] == "/sharing/?q=x"
    assert badge(jia) == "2"
    unread_tab = jia.get("/notifications/").get_data(as_text=True)
    assert "第一条" not in unread_tab and "第二条" in unread_tab
    assert "第一条" in jia.get("/notifications/?state=all").get_data(as_text=True)

    back = jia.post(f"/notifications/{second.id}/read",
                    data={"csrf_token": token, "next": "/notifications/?state=all"})
    assert back.headers["Location"] == "/notifications/?state=all"
    assert badge(jia) == "1"

    api = jia.post(f"/api/v1/notifications/{third.id}/read", headers={"X-CSRFToken": token})
    assert api.status_code == 200 and api.get_json()["read_at"] is not None
    assert badge(jia) is None

    send(app, ["jia.police"], "第四条")
    send(app, ["jia.police"], "第五条")
    assert jia.get("/api/v1/notifications?unread=true").headers["X-Total-Count"] == "2"
    assert jia.post("/notifications/read-all", data={"csrf_token": token}).status_code == 302
    assert badge(jia) is None
    assert jia.get("/api/v1/notifications?unread=true").get_json() == []
    assert jia.get("/api/v1/notifications").headers["X-Total-Count"] == "5"


def test_system_roles_have_an_inbox_too(app, login_as):
    admin = login_as("admin", "office", username="root.admin")
    send(app, ["root.admin"], "账号即将到期", kind="account.notice", link="")
    assert badge(admin) == "1"
    page = admin.get("/notifications/").get_data(as_text=True)
    assert "账号即将到期" in page


def test_dedupe_key_stores_once_per_person_and_links_stay_inside(app, people):
    assert send(app, ["jia.police", "yi.env"], "提醒", key="k1") == 2
    assert send(app, ["jia.police", "yi.env"], "提醒", key="k1") == 0
    assert send(app, ["jia.police"], "提醒", key="k2") == 1
    from core.notifications.services import notify

    with app.app_context(), pytest.raises(ValueError):
        notify([user_id(app, "jia.police")], "x", "x", "https://evil.example/")


def test_the_audit_log_never_holds_the_subject(app, people):
    from core.audit import AuditRecord

    send(app, ["jia.police"], "内部标题-CANARY")
    with app.app_context():
        records = list(db.session.scalars(select(AuditRecord).where(
            AuditRecord.object_type == "notifications")))
    assert records and all("CANARY" not in str(r.changes) for r in records)
    assert records[0].changes["subject"] == [None, "[redacted]"]


# ------------------------------------------------------------------------- reminders


def test_deadline_reminders_are_stored_once(app, people):
    from core.notifications.services import Reminder, remind_deadlines

    jia, yi = user_id(app, "jia.police"), user_id(app, "yi.env")
    start = utcnow()
    due = {1: start + timedelta(hours=12), 2: start + timedelta(days=3),
           3: start - timedelta(hours=1)}

    def requests_due(now):  # a deadline source: the open things with a due time
        return [Reminder(recipients=[jia, yi], subject=f"事项{n}", link=f"/sharing/{n}",
                         object_type="test_request", object_id=n, due_at=at)
                for n, at in due.items()]

    with app.app_context(), audit.acting_as(name="test"):
        # #1 is due within a day, #3 has passed, #2 is too far off
        assert remind_deadlines(start, [requests_due]) == 4
        db.session.commit()
        assert remind_deadlines(start, [requests_due]) == 0  # a second run stores nothing
        db.session.commit()
        # a day later #1 has passed (a new, distinct reminder), #2 is now within a day
        later = start + timedelta(days=2, hours=1)
        assert remind_deadlines(later, [requests_due]) == 4
        db.session.commit()
        assert remind_deadlines(later, [requests_due]) == 0
        # a deadline moved later is reminded of again
        due[3] = later + timedelta(hours=2)
        assert remind_deadlines(later, [requests_due]) == 2
        db.session.commit()

    kinds = sorted((n.subject, n.kind) for n in notifications_of(app, "jia.police"))
    assert kinds == [("事项1", "deadline.approaching"), ("事项1", "deadline.passed"),
                     ("事项2", "deadline.approaching"), ("事项3", "deadline.approaching"),
                     ("事项3", "deadline.passed")]
    assert len(notifications_of(app, "yi.env")) == 5


def test_reminder_and_email_jobs_are_scheduled(app):
    first = jobs_run(app, "core.deadline_reminders")
    assert "core.deadline_reminders: 0" in first
    # no [mail] smtp_host: nothing is sent
    assert "core.email_notifications: 0" in jobs_run(app, "core.email_notifications")


# ------------------------------------------------------------------ shared items


def test_notify_item_shared_tells_exactly_the_named_people(app, login_as, make_user):
    from core.notifications.models import Notification
    from core.notifications.services import notify_item_shared
    from core.sharing import services as sharing

    login_as("liaison", "natural_resources", username="lin.author")
    make_user("lin.colleague", role="member", department="natural_resources")
    make_user("huan.member", role="member", department="environment")
    make_user("huan.leader", role="leader", department="environment")
    make_user("huan.gone", role="member", department="environment")
    make_user("sys.admin", role="admin", department="environment")
    make_user("jing.member", role="member", department="police")
    make_user("jing.reader", role="liaison", department="police")
    with app.app_context(), audit.acting_as(name="test"):
        from core.accounts.models import User

        db.session.scalar(select(User).where(User.username == "huan.gone")).active = False
        db.session.commit()

    def publish(**fields):
        from core.accounts.models import User

        with app.app_context(), audit.acting_as(name="test"):
            author = db.session.scalar(select(User).where(User.username == "lin.author"))
            data = {"title": "标题", "category": "enforcement", "sensitivity": "open",
                    **fields}
            item = sharing.create_item(author, sharing.ItemInput(**data))
            notify_item_shared(item)  # (create_item may already have called it)
            assert notify_item_shared(item) == 0  # idempotent per item and person
            db.session.commit()
            count = db.session.scalar(select(func.count(Notification.id)).where(
                Notification.object_type == "info_item", Notification.object_id == item.id))
            return item.id, count

    def told(username):
        return [(n.kind, n.subject, n.link) for n in notifications_of(app, username)]

    number, count = publish(title="内部通报", sensitivity="internal",
                            shared_with=["environment", "natural_resources"])
    assert count == 2
    assert told("huan.member") == [("info_item.shared", "内部通报", f"/sharing/{number}")]
    assert told("huan.leader") == told("huan.member")
    for nobody in ("huan.gone", "sys.admin", "lin.author", "lin.colleague", "jing.member"):
        assert told(nobody) == [], nobody

    _, count = publish(title="举报线索", sensitivity="sensitive",
                       readers=["jing.reader", "lin.author", "sys.admin"])
    assert count == 1 and [s for _, s, _ in told("jing.reader")] == ["举报线索"]
    assert told("jing.member") == [] and told("sys.admin") == []

    _, count = publish(title="涉密登记", sensitivity="classified", shared_with=["police"],
                       reference_no="林密1号", consult_at="机要室")
    assert count == 2 and "涉密登记" in [s for _, s, _ in told("jing.member")]

    _, count = publish(title="公开信息", sensitivity="open")
    assert count == 0 and "公开信息" not in str(told("huan.member"))

    # a recipient opens it from the inbox, and may read it
    reader = login_as("member", "environment", username="huan.reader")
    assert told("huan.reader") == []  # joined after the item was published
    with app.app_context(), audit.acting_as(name="test"):
        from core.sharing.models import InfoItem

        notify_item_shared(db.session.get(InfoItem, number))  # e.g. after an edit
        db.session.commit()
    [mine] = notifications_of(app, "huan.reader")
    opened = reader.post(f"/notifications/{mine.id}/read", data={
        "csrf_token": csrf_token(reader, "/notifications/"), "open": "1"})
    assert opened.headers["Location"] == f"/sharing/{number}"
    assert "内部通报" in reader.get(f"/sharing/{number}").get_data(as_text=True)


def test_inbox_query_count_does_not_grow(app, people, count_queries):
    jia = people["jia"]

    def add(n):
        for i in range(n):
            send(app, ["jia.police"], f"通知{i}")

    add(3)
    with count_queries() as small:
        assert jia.get("/notifications/?state=all").status_code == 200
    add(40)
    with count_queries() as large:
        assert jia.get("/notifications/?state=all").status_code == 200
    assert large.count == small.count, (small.statements, large.statements)
    with count_queries() as api:
        assert jia.get("/api/v1/notifications?per_page=100").status_code == 200
    assert api.count <= small.count


# ---------------------------------------------------------------------------- e-mail


class FakeSMTP:
    """Stands in for the mail server (outside this machine)."""

    sent: list = []
    fail_after: int | None = None

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def ehlo(self):
        return 250, b"ok"

    def has_extn(self, name):
        return False

    def send_message(self, message):
        if FakeSMTP.fail_after is not None and len(FakeSMTP.sent) >= FakeSMTP.fail_after:
            raise smtplib.SMTPServerDisconnected("connection lost")
        FakeSMTP.sent.append(message)

    def quit(self):
        pass


@pytest.fixture
def fake_smtp(monkeypatch):
    from core.notifications import mailer

    FakeSMTP.sent = []
    FakeSMTP.fail_after = None
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(mailer, "email_address",
                        lambda user: None if user.username == "yi.env"
                        else f"{user.username}@example.org")
    return FakeSMTP


def test_email_is_sent_once_and_only_when_configured(app, app_factory, people, fake_smtp):
    send(app, ["jia.police", "yi.env"], "内部标题-CANARY", kind="info_item.shared",
         link="/sharing/7")
    assert "core.email_notifications: 0" in jobs_run(app, "core.email_notifications")
    assert fake_smtp.sent == []  # no smtp_host: no connection at all

    mail_app = app_factory('[mail]\nsmtp_host = "mail.example"\nsender = "lzb@example.org"\n',
                           sync=False)
    assert "core.email_notifications: 1" in jobs_run(mail_app, "core.email_notifications")
    [message] = fake_smtp.sent
    assert message["To"] == "jia.police@example.org" and message["From"] == "lzb@example.org"
    body = message.get_content()
    assert "/sharing/7" in body and "CANARY" not in body + message["Subject"]
    assert notifications_of(app, "jia.police")[0].emailed_at is not None
    assert notifications_of(app, "yi.env")[0].emailed_at is None  # no address

    assert "core.email_notifications: 0" in jobs_run(mail_app, "core.email_notifications")
    assert len(fake_smtp.sent) == 1  # never twice


def test_email_failure_keeps_what_was_sent(app, app_factory, people, fake_smtp):
    for n in range(3):
        send(app, ["jia.police"], f"第{n}条")
    mail_app = app_factory('[mail]\nsmtp_host = "mail.example"\n', sync=False)
    fake_smtp.fail_after = 2
    assert "failed: SMTPServerDisconnected" in jobs_run(mail_app, "core.email_notifications")
    assert [n.emailed_at is not None for n in notifications_of(app, "jia.police")] == [
        True, True, False]
    fake_smtp.fail_after = None
    assert "core.email_notifications: 1" in jobs_run(mail_app, "core.email_notifications")
    assert len(fake_smtp.sent) == 3  # each notification exactly once
