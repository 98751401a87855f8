"""Sign in, lockout, passwords, sessions, CSRF and redirects, through real HTTP and a real DB."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from core.accounts import services
from core.accounts.models import User
from core.audit import AuditRecord
from core.db import db, utcnow
from core.testing import DEFAULT_PASSWORD, csrf_token, login, using_postgres

STRONG = "Another-Str0ng-pass"
COOKIE = "forestchief_session"


# ---------------------------------------------------------------------------- helpers


def field_errors(body: str, field: str) -> list[str]:
    """The error messages the page shows under form field ``field``."""
    match = re.search(rf'<div class="invalid-feedback" id="{field}-errors">\s*'
                      r'((?:<div>.*?</div>\s*)+)</div>', body, re.S)
    if not match:
        return []
    return [html.unescape(m) for m in re.findall(r"<div>(.*?)</div>", match.group(1), re.S)]


def get_user(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def update_user(app, username: str, **values) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        for key, value in values.items():
            setattr(user, key, value)
        db.session.commit()


def audit_actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditRecord.action).where(AuditRecord.object_type == "users",
                                             AuditRecord.object_id == str(user_id))
            .order_by(AuditRecord.seq)))


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/auth/login"


def session_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def fresh_client_with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


# ------------------------------------------------------------------------------ login


def test_login_success_redirects_to_dashboard(client, make_user):
    make_user("wang")
    response = login(client, "wang")
    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/").status_code == 200


def test_login_username_is_case_insensitive_and_trimmed(client, make_user):
    make_user("wang")
    response = login(client, "  WANG ")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


def test_login_page_renders_a_form(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'name="username"' in body and 'name="password"' in body
    assert 'name="csrf_token"' in body


def test_login_records_last_login_and_audit(app, client, make_user):
    user_id = make_user("wang")
    assert login(client, "wang").status_code == 302
    assert get_user(app, "wang").last_login_at is not None
    assert audit_actions(app, user_id)[-1] == "login"


def test_failure_message_identical_for_wrong_password_unknown_user_and_locked(
        app, client, make_user):
    make_user("wang")
    make_user("zhao")
    update_user(app, "zhao", locked_until=utcnow() + timedelta(minutes=10))

    wrong = login(client, "wang", "Wrong-Passw0rd")
    unknown = login(client, "nobody", "Wrong-Passw0rd")
    locked = login(client, "zhao", DEFAULT_PASSWORD)  # the right password, but locked

    messages = []
    for response in (wrong, unknown, locked):
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert 'name="username"' in body  # the form is shown again
        errors = field_errors(body, "password")
        assert len(errors) == 1
        messages.append(errors[0])
        assert field_errors(body, "username") == []
    assert messages[0] == messages[1] == messages[2]
    assert messages[0]  # not empty
    # Nobody was signed in.
    assert is_login_redirect(client.get("/"))


def test_login_without_csrf_token_is_rejected(client, make_user):
    make_user("wang")
    response = client.post("/auth/login", data={"username": "wang",
                                                "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert is_login_redirect(client.get("/"))


def test_login_with_forged_csrf_token_is_rejected(client, make_user):
    make_user("wang")
    csrf_token(client)  # the session has a real token; the form carries another
    response = client.post("/auth/login", data={"csrf_token": "forged", "username": "wang",
                                                "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert is_login_redirect(client.get("/"))


def test_login_with_empty_fields_shows_field_errors(client):
    token = csrf_token(client)
    response = client.post("/auth/login", data={"csrf_token": token, "username": "",
                                                "password": ""})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert field_errors(body, "username")
    assert field_errors(body, "password")


def test_inactive_user_cannot_sign_in(app, client, make_user):
    make_user("wang")
    update_user(app, "wang", active=False)
    response = login(client, "wang")
    assert response.status_code == 400
    assert is_login_redirect(client.get("/"))


# ---------------------------------------------------------------------------- lockout


def test_five_failures_lock_the_account_until_locked_until_passes(app, client, make_user):
    user_id = make_user("wang")
    for attempt in range(1, 6):
        response = login(client, "wang", f"Wrong-Passw0rd{attempt}")
        assert response.status_code == 400
        assert get_user(app, "wang").failed_logins == attempt
    locked = get_user(app, "wang")
    assert locked.locked_until is not None
    assert locked.locked_until > utcnow() + timedelta(minutes=14)
    assert locked.locked_until <= utcnow() + timedelta(minutes=15)

    # The sixth attempt, with the right password, fails.
    response = login(client, "wang", DEFAULT_PASSWORD)
    assert response.status_code == 400
    assert is_login_redirect(client.get("/"))

    actions = audit_actions(app, user_id)
    assert actions.count("login_failed") == 6  # five wrong passwords and one while locked
    assert actions.count("lockout") == 1
    assert "login" not in actions
    with app.app_context():
        lockout = db.session.scalar(select(AuditRecord).where(
            AuditRecord.action == "lockout", AuditRecord.object_id == str(user_id)))
        assert lockout.changes["locked_until"][1]
        reasons = [r.changes["reason"][1] for r in db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "login_failed",
                                      AuditRecord.object_id == str(user_id))
            .order_by(AuditRecord.seq))]
    assert reasons == ["bad password"] * 5 + ["locked"]

    # Once locked_until has passed, the right password works and the counter resets.
    update_user(app, "wang", locked_until=utcnow() - timedelta(seconds=1))
    response = login(client, "wang", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    unlocked = get_user(app, "wang")
    assert unlocked.failed_logins == 0
    assert unlocked.locked_until is None


def test_failure_after_lock_expiry_starts_counting_again(app, client, make_user):
    make_user("wang")
    update_user(app, "wang", failed_logins=5, locked_until=utcnow() - timedelta(seconds=1))
    assert login(client, "wang", "Wrong-Passw0rd").status_code == 400
    user = get_user(app, "wang")
    assert user.failed_logins == 1
    assert user.locked_until is None


def test_four_failures_do_not_lock(app, client, make_user):
    make_user("wang")
    for _ in range(4):
        assert login(client, "wang", "Wrong-Passw0rd").status_code == 400
    assert get_user(app, "wang").locked_until is None
    assert login(client, "wang").status_code == 302
    assert get_user(app, "wang").failed_logins == 0


def test_unknown_user_failure_is_audited(app, client):
    assert login(client, "ghost", "Wrong-Passw0rd").status_code == 400
    with app.app_context():
        record = db.session.scalar(select(AuditRecord).where(
            AuditRecord.action == "login_failed"))
        assert record.object_id is None
        assert record.changes["username"][1] == "ghost"


def test_lockout_threshold_comes_from_settings(app_factory, make_user):
    # write_settings leaves the [security] table open, so extra keys land in it.
    app = app_factory("lockout_threshold = 2\nlockout_minutes = 60\n")
    client = app.test_client()
    with app.app_context():
        services.create_user("wang", DEFAULT_PASSWORD, "office", "member")
        db.session.commit()
    login(client, "wang", "Wrong-Passw0rd")
    assert get_user(app, "wang").locked_until is None
    login(client, "wang", "Wrong-Passw0rd")
    locked_until = get_user(app, "wang").locked_until
    assert locked_until is not None
    assert locked_until > utcnow() + timedelta(minutes=59)
    assert login(client, "wang").status_code == 400


# ---------------------------------------------------------------------------- passwords


@pytest.mark.parametrize("password, ok", [
    ("Abcdef1!", True),          # 8 characters, 4 classes
    ("abcdefg1!", True),         # lower, digit, other
    ("ABCDEFG1a", True),         # upper, lower, digit
    ("Abcdefgh!", True),         # upper, lower, other
    ("Ab1!", False),             # too short
    ("Abc1!xy", False),          # 7 characters
    ("abcdefgh1", False),        # two classes
    ("abcdefghij", False),       # one class
    ("ABCDEFGH!!", False),       # two classes
    ("12345678!!", False),       # two classes
    ("", False),
])
def test_password_problems(app, password, ok):
    with app.test_request_context():
        problems = services.password_problems(password)
    assert (problems == []) is ok
    if not ok:
        assert all(isinstance(p, str) and p for p in problems)


def test_password_problems_reports_length_and_classes_separately(app):
    with app.test_request_context():
        assert len(services.password_problems("abc")) == 2
        assert len(services.password_problems("Ab1")) == 1
        assert len(services.password_problems("abcdefghijkl")) == 1


def test_generated_passwords_satisfy_the_rule(app):
    with app.test_request_context():
        for _ in range(20):
            assert services.password_problems(services.generate_password()) == []


def test_passwords_are_stored_as_argon2_hashes(app, make_user):
    make_user("wang")
    user = get_user(app, "wang")
    assert user.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in user.password_hash


def _change_password(client, current: str, new: str, confirm: str | None = None, token=True):
    data = {"current": current, "new": new, "confirm": new if confirm is None else confirm}
    if token:
        data["csrf_token"] = csrf_token(client, "/account/")
    return client.post("/account/", data=data)


def test_password_change_rejects_weak_passwords(app, login_as):
    client = login_as("member", "office", username="wang")
    before = get_user(app, "wang")
    for weak in ("short1A", "alllowercase", "alllowercase1", "NOLOWER123"):
        response = _change_password(client, DEFAULT_PASSWORD, weak)
        assert response.status_code == 400, weak
        errors = field_errors(response.get_data(as_text=True), "new")
        with app.test_request_context():
            assert errors == services.password_problems(weak), weak
    after = get_user(app, "wang")
    assert after.password_hash == before.password_hash
    assert after.session_version == before.session_version
    assert after.failed_logins == 0  # the current password was right each time
    # Still signed in, and the old password still works.
    assert client.get("/account/").status_code == 200
    assert login(app.test_client(), "wang").status_code == 302


def test_password_change_rejects_wrong_current_password(app, login_as):
    client = login_as("member", "office", username="wang")
    before = get_user(app, "wang")
    response = _change_password(client, "Not-the-Passw0rd", STRONG)
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "current")
    assert get_user(app, "wang").password_hash == before.password_hash


def test_password_change_rejects_mismatched_confirmation(app, login_as):
    client = login_as("member", "office", username="wang")
    before = get_user(app, "wang")
    response = _change_password(client, DEFAULT_PASSWORD, STRONG, confirm=STRONG + "x")
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "confirm")
    assert get_user(app, "wang").password_hash == before.password_hash


def test_wrong_current_passwords_lock_the_account_too(app, login_as):
    client = login_as("member", "office", username="wang")
    user_id = get_user(app, "wang").id
    before = get_user(app, "wang")
    for attempt in range(1, 6):
        response = _change_password(client, f"Guess-{attempt}-Passw0rd", STRONG)
        assert response.status_code == 400
        assert get_user(app, "wang").failed_logins == attempt
    assert get_user(app, "wang").locked_until is not None
    # Locked: even the right current password changes nothing.
    response = _change_password(client, DEFAULT_PASSWORD, STRONG)
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "current")
    assert get_user(app, "wang").password_hash == before.password_hash
    actions = audit_actions(app, user_id)
    assert actions.count("password_change_failed") == 5
    assert actions.count("lockout") == 1
    # ... and sign-in elsewhere is locked as well.
    assert login(app.test_client(), "wang").status_code == 400
    # Once the lock has passed, the change works and clears the counter.
    update_user(app, "wang", locked_until=utcnow() - timedelta(seconds=1))
    assert _change_password(client, DEFAULT_PASSWORD, STRONG).status_code == 302
    after = get_user(app, "wang")
    assert after.failed_logins == 0 and after.locked_until is None


def test_password_change_without_csrf_token_is_rejected(app, login_as):
    client = login_as("member", "office", username="wang")
    before = get_user(app, "wang")
    response = _change_password(client, DEFAULT_PASSWORD, STRONG, token=False)
    assert response.status_code == 400
    assert get_user(app, "wang").password_hash == before.password_hash


def test_password_change_signs_out_other_sessions(app, login_as):
    client = login_as("member", "office", username="wang")
    other = app.test_client()
    assert login(other, "wang").status_code == 302
    assert other.get("/").status_code == 200
    before = get_user(app, "wang")

    response = _change_password(client, DEFAULT_PASSWORD, STRONG)
    assert response.status_code == 302
    assert response.location == "/account/"

    after = get_user(app, "wang")
    assert after.session_version == before.session_version + 1
    assert after.password_changed_at > before.password_changed_at
    # The browser that changed it stays signed in; the other one is sent to sign in.
    assert client.get("/").status_code == 200
    assert is_login_redirect(other.get("/"))
    # Only the new password works now.
    assert login(app.test_client(), "wang", DEFAULT_PASSWORD).status_code == 400
    assert login(app.test_client(), "wang", STRONG).status_code == 302


# ---------------------------------------------------------------------------- sessions


def test_logout_invalidates_copies_of_the_cookie(app, client, make_user):
    make_user("wang")
    login(client, "wang")
    assert client.get("/").status_code == 200
    old_cookie = session_cookie(client)
    before = get_user(app, "wang").session_version

    token = csrf_token(client, "/account/")
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert is_login_redirect(response)
    assert get_user(app, "wang").session_version == before + 1
    assert is_login_redirect(client.get("/"))

    replay = fresh_client_with_cookie(app, old_cookie)
    response = replay.get("/account/")
    assert is_login_redirect(response)
    assert replay.get("/api/v1/me").status_code == 401


def test_copied_cookie_works_before_logout(app, client, make_user):
    # The control for the test above: the copy is only refused because of the logout.
    make_user("wang")
    login(client, "wang")
    copy = fresh_client_with_cookie(app, session_cookie(client))
    assert copy.get("/account/").status_code == 200


def test_logout_without_csrf_token_is_rejected(app, login_as):
    client = login_as("member", "office", username="wang")
    before = get_user(app, "wang").session_version
    response = client.post("/auth/logout")
    assert response.status_code == 400
    assert get_user(app, "wang").session_version == before
    assert client.get("/").status_code == 200


def test_logout_by_get_is_not_allowed(login_as):
    client = login_as("member", "office")
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_logout_is_audited(app, login_as):
    client = login_as("member", "office", username="wang")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/account/")})
    assert audit_actions(app, get_user(app, "wang").id)[-1] == "logout"


def _age_session(client, minutes: float) -> None:
    with client.session_transaction() as sess:
        assert "seen" in sess
        sess["seen"] = utcnow().timestamp() - minutes * 60


def test_idle_session_expires_for_pages(login_as):
    client = login_as("member", "office")
    assert client.get("/").status_code == 200
    _age_session(client, 31)
    response = client.get("/departments/")
    assert is_login_redirect(response)
    [next_url] = parse_qs(urlsplit(response.location).query)["next"]
    assert urlsplit(next_url).path == "/departments/"
    # The session is gone, not just this request refused.
    assert is_login_redirect(client.get("/"))
    page = client.get(response.location)
    assert page.status_code == 200


def test_idle_session_expires_for_the_api(login_as):
    client = login_as("member", "office")
    assert client.get("/api/v1/me").status_code == 200
    _age_session(client, 31)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "session_expired"
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    assert client.get("/api/v1/me").status_code == 401


def test_recent_activity_keeps_the_session(login_as):
    client = login_as("member", "office")
    assert client.get("/").status_code == 200
    _age_session(client, 29)
    assert client.get("/departments/").status_code == 200
    # ... and the request refreshed the timestamp.
    with client.session_transaction() as sess:
        assert sess["seen"] > utcnow().timestamp() - 60


def test_idle_timeout_comes_from_settings(app_factory):
    app = app_factory("idle_timeout_minutes = 5\n")
    with app.app_context():
        services.create_user("wang", DEFAULT_PASSWORD, "office", "member")
        db.session.commit()
    client = app.test_client()
    assert login(client, "wang").status_code == 302
    assert client.get("/").status_code == 200
    _age_session(client, 6)
    assert is_login_redirect(client.get("/"))


def test_login_starts_a_fresh_session_but_keeps_the_language(client, make_user):
    make_user("wang")
    token = csrf_token(client)
    assert client.post("/lang/en", data={"csrf_token": token}).status_code == 302
    with client.session_transaction() as sess:
        sess["planted"] = "attacker value"
        assert sess["lang"] == "en"
    assert login(client, "wang").status_code == 302
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["lang"] == "en"
        assert sess["_user_id"].startswith(f"{get_user_id(client)}:")


def get_user_id(client) -> int:
    return client.get("/api/v1/me").get_json()["id"]


def test_session_cookie_flags(client, make_user):
    make_user("wang")
    response = login(client, "wang")
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


# ---------------------------------------------------------------------------- redirects


NEXT_CASES = [
    ("/departments/", "/departments/"),
    ("/departments/police?tab=1", "/departments/police?tab=1"),
    ("https://evil.example/", "/"),
    ("http://evil.example/departments/", "/"),
    ("//evil.example", "/"),
    ("//evil.example/departments/", "/"),
    ("/\\evil", "/"),
    ("\\\\evil.example", "/"),
    ("/\t/evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("departments/", "/"),
    ("", "/"),
]


def test_login_follows_only_safe_next(app, make_user):
    make_user("wang")
    for next_url, expected in NEXT_CASES:
        client = app.test_client()
        page = client.get("/auth/login", query_string={"next": next_url})
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          page.get_data(as_text=True)).group(1)
        response = client.post("/auth/login", data={"csrf_token": token, "username": "wang",
                                                    "password": DEFAULT_PASSWORD,
                                                    "next": next_url})
        assert response.status_code == 302, next_url
        assert response.location == expected, next_url


def test_next_is_escaped_in_the_login_form(client):
    body = client.get("/auth/login", query_string={"next": '/"><script>alert(1)</script>'}
                      ).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body or "&#34;&gt;&lt;script" in body


def test_next_is_carried_from_the_login_page_into_the_form(client):
    body = client.get("/auth/login?next=/departments/").get_data(as_text=True)
    assert re.search(r'name="next" type="hidden" value="/departments/"', body)


def test_signed_in_user_visiting_login_is_redirected_safely(login_as):
    client = login_as("member", "office")
    assert client.get("/auth/login?next=/departments/").location == "/departments/"
    assert client.get("/auth/login?next=//evil.example").location == "/"


def test_unauthenticated_page_redirects_to_login_with_next(client):
    response = client.get("/departments/")
    assert response.status_code == 302
    parts = urlsplit(response.location)
    assert parts.path == "/auth/login"
    assert parse_qs(parts.query)["next"] == ["/departments/"]


def test_unauthenticated_dashboard_and_account_redirect(client):
    for path in ("/", "/account/", "/departments/police"):
        assert is_login_redirect(client.get(path)), path


def test_unauthenticated_api_gets_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == "unauthorized"
    assert error["message"]
    assert error["fields"] == {}


def test_public_pages_need_no_login(client):
    assert client.get("/auth/login").status_code == 200
    assert client.get("/healthz").status_code == 200


@pytest.mark.skipif(not using_postgres(), reason="needs concurrent writers (PostgreSQL)")
def test_concurrent_failures_cannot_exceed_the_lockout_threshold(app, make_user):
    """Parallel wrong guesses must not each read the same counter (lost update)."""
    user_id = make_user("wang")
    attempts = 10
    clients = [app.test_client() for _ in range(attempts)]
    tokens = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(attempts)
    statuses: list[int] = []

    def guess(client, token):
        barrier.wait()
        response = client.post("/auth/login", data={"csrf_token": token, "username": "wang",
                                                    "password": "Wrong-Passw0rd"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair)
               for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [400] * attempts
    with app.app_context():
        reasons = [r.changes["reason"][1] for r in db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "login_failed",
                                      AuditRecord.object_id == str(user_id)))]
    user = get_user(app, "wang")
    assert reasons.count("bad password") == 5  # the threshold: the rest met a locked account
    assert reasons.count("locked") == attempts - 5
    assert user.failed_logins == 5
    assert user.locked_until is not None
