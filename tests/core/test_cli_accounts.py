"""``forestchief users ...`` and ``forestchief tokens ...`` against the real database."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from core.accounts.models import ApiToken, User
from core.db import db
from core.testing import DEFAULT_PASSWORD, login

STRONG = "Str0ng-pass"


def get_user(app, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            db.session.expunge(user)
        return user


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def problems(app, password: str) -> list[str]:
    """What the password rule says about ``password``, in the app's default language."""
    from core.accounts.services import password_problems

    with app.test_request_context():
        return password_problems(password)


def create(runner, username: str = "li", department: str = "police", role: str = "liaison",
           password: str = STRONG, *extra: str):
    return runner(["users", "create", username, "--department", department, "--role", role,
                   *extra], input=password + "\n")


# ---------------------------------------------------------------------------- create


def test_users_create_reads_password_from_stdin(app, runner):
    result = create(runner, "li", "police", "liaison", STRONG, "--display-name", "Li Ming")
    assert result.exit_code == 0, result.output
    assert "created li (liaison, police)" in result.output
    assert STRONG not in result.output
    user = get_user(app, "li")
    assert user.role == "liaison"
    assert user.display_name == "Li Ming"
    assert user.active is True
    assert user.password_hash.startswith("$argon2id$")
    with app.app_context():
        assert db.session.get(User, user.id).department.code == "police"
    # The new account can sign in with that password.
    client = app.test_client()
    assert login(client, "li", STRONG).status_code == 302
    assert client.get("/api/v1/me").get_json()["department"]["code"] == "police"


def test_users_create_is_audited_as_cli(app, runner):
    from core.audit import AuditRecord

    assert create(runner).exit_code == 0
    with app.app_context():
        record = db.session.scalar(select(AuditRecord).where(
            AuditRecord.action == "insert", AuditRecord.object_type == "users"))
        assert record.actor == "cli"
        assert record.changes["password_hash"] == [None, "[redacted]"]


def test_users_create_rejects_weak_password(app, runner):
    result = create(runner, password="weakpass")
    assert result.exit_code != 0
    [message] = problems(app, "weakpass")
    assert message in result.output
    assert get_user(app, "li") is None


def test_users_create_rejects_short_password(app, runner):
    result = create(runner, password="Sh0rt!")
    assert result.exit_code != 0
    [message] = problems(app, "Sh0rt!")
    assert message in result.output
    assert get_user(app, "li") is None


def test_users_create_needs_a_password(app, runner):
    result = create(runner, password="")
    assert result.exit_code != 0
    assert "no password" in result.output
    assert get_user(app, "li") is None


def test_users_create_rejects_unknown_department(app, runner):
    result = create(runner, department="atlantis")
    assert result.exit_code != 0
    assert "atlantis" in result.output
    assert get_user(app, "li") is None


def test_users_create_rejects_inactive_department(app, runner):
    from core.departments.models import Department

    with app.app_context():
        db.session.scalar(select(Department).where(Department.code == "judicial")).active = False
        db.session.commit()
    result = create(runner, department="judicial")
    assert result.exit_code != 0
    assert get_user(app, "li") is None


def test_users_create_rejects_unknown_role(app, runner):
    result = create(runner, role="king")
    assert result.exit_code != 0
    assert "king" in result.output
    assert get_user(app, "li") is None


def test_users_create_rejects_bad_username(app, runner):
    result = create(runner, username="li ming")
    assert result.exit_code != 0
    assert count_users(app) == 0


def test_users_create_rejects_duplicate_username(app, runner):
    assert create(runner, "li").exit_code == 0
    duplicate = create(runner, "li", "education", "member")
    assert duplicate.exit_code != 0
    assert "li" in duplicate.output
    other_case = create(runner, "LI", "education", "member")
    assert other_case.exit_code != 0
    assert count_users(app) == 1
    assert get_user(app, "li").role == "liaison"


# ------------------------------------------------------------------------------ list


def test_users_list(app, runner, make_user):
    make_user("wang", role="office", department="office")
    make_user("li", role="liaison", department="police")
    make_user("zhao", role="member", department="police")
    with app.app_context():
        zhao = db.session.scalar(select(User).where(User.username == "zhao"))
        zhao.active = False
        db.session.commit()
    result = runner(["users", "list"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.strip().splitlines()]
    assert [line[0] for line in lines] == ["wang", "li", "zhao"]  # department order, then name
    assert lines[1][:4] == ["li", "liaison", "police", "active"]
    assert "inactive" in lines[2]

    police = runner(["users", "list", "--department", "police"])
    assert [line.split()[0] for line in police.output.strip().splitlines()] == ["li", "zhao"]


def test_users_list_shows_locked_accounts(app, runner, make_user):
    from datetime import timedelta

    from core.db import utcnow

    make_user("li")
    with app.app_context():
        db.session.scalar(select(User)).locked_until = utcnow() + timedelta(minutes=5)
        db.session.commit()
    assert "locked" in runner(["users", "list"]).output


# ---------------------------------------------------------------------- set-password


def test_users_set_password(app, runner, make_user):
    make_user("li")
    signed_in = app.test_client()
    assert login(signed_in, "li").status_code == 302
    before = get_user(app, "li")

    result = runner(["users", "set-password", "li"], input="N3w-Password\n")
    assert result.exit_code == 0, result.output
    assert "password of li changed" in result.output

    after = get_user(app, "li")
    assert after.password_hash != before.password_hash
    assert after.session_version == before.session_version + 1
    assert signed_in.get("/").status_code == 302  # the old session ended
    assert login(app.test_client(), "li", DEFAULT_PASSWORD).status_code == 400
    assert login(app.test_client(), "li", "N3w-Password").status_code == 302


def test_users_set_password_unlocks(app, runner, make_user):
    from datetime import timedelta

    from core.db import utcnow

    make_user("li")
    with app.app_context():
        user = db.session.scalar(select(User))
        user.locked_until = utcnow() + timedelta(minutes=10)
        user.failed_logins = 5
        db.session.commit()
    assert runner(["users", "set-password", "li"], input="N3w-Password\n").exit_code == 0
    user = get_user(app, "li")
    assert user.locked_until is None and user.failed_logins == 0
    assert login(app.test_client(), "li", "N3w-Password").status_code == 302


def test_users_set_password_rejects_weak_password(app, runner, make_user):
    make_user("li")
    before = get_user(app, "li")
    result = runner(["users", "set-password", "li"], input="password\n")
    assert result.exit_code != 0
    [message] = problems(app, "password")
    assert message in result.output
    after = get_user(app, "li")
    assert after.password_hash == before.password_hash
    assert after.session_version == before.session_version


def test_users_set_password_unknown_user(runner):
    result = runner(["users", "set-password", "ghost"], input="N3w-Password\n")
    assert result.exit_code != 0
    assert "no user named 'ghost'" in result.output


# ------------------------------------------------------------------------ deactivate


def test_users_deactivate(app, runner, make_user):
    user_id = make_user("li")
    signed_in = app.test_client()
    assert login(signed_in, "li").status_code == 302
    token = runner(["tokens", "create", "li"]).output.strip()

    result = runner(["users", "deactivate", "li"])
    assert result.exit_code == 0, result.output
    assert "li deactivated" in result.output

    assert get_user(app, "li").active is False
    with app.app_context():
        tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)).all()
        assert len(tokens) == 1 and tokens[0].revoked_at is not None
    assert signed_in.get("/").status_code == 302
    assert app.test_client().get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert login(app.test_client(), "li").status_code == 400
    assert "inactive" in runner(["users", "list"]).output


def test_users_deactivate_unknown_user(runner):
    result = runner(["users", "deactivate", "ghost"])
    assert result.exit_code != 0
    assert "ghost" in result.output


# ---------------------------------------------------------------------------- tokens


def test_tokens_create_prints_the_token_once_and_stores_its_hash(app, runner, make_user):
    user_id = make_user("li", role="liaison", department="police")
    result = runner(["tokens", "create", "li", "--name", "reporting"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("fc_")
    assert len(result.output.strip().splitlines()) == 1

    with app.app_context():
        stored = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)).all()
        assert len(stored) == 1
        assert stored[0].token_hash != token
        assert stored[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert stored[0].name == "reporting"

    # Listing users does not show it again.
    assert token not in runner(["users", "list"]).output

    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["username"] == "li"


def test_each_token_is_different(runner, make_user):
    make_user("li")
    first = runner(["tokens", "create", "li"]).output.strip()
    second = runner(["tokens", "create", "li"]).output.strip()
    assert first != second


def test_tokens_create_refuses_inactive_or_unknown_users(app, runner, make_user):
    make_user("li")
    assert runner(["users", "deactivate", "li"]).exit_code == 0
    result = runner(["tokens", "create", "li"])
    assert result.exit_code != 0
    assert "not active" in result.output
    assert runner(["tokens", "create", "ghost"]).exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_users_set_email(app, runner, make_user):
    from core.accounts.services import find_user
    from core.db import db
    from core.notifications.mailer import email_address

    make_user("mail.user", role="liaison", department="police")
    assert runner(["users", "set-email", "mail.user", "not-an-address"]).exit_code != 0
    result = runner(["users", "set-email", "mail.user", "li@township.example.cn"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert email_address(find_user("mail.user")) == "li@township.example.cn"
    assert runner(["users", "set-email", "mail.user"]).exit_code == 0
    with app.app_context():
        db.session.expire_all()
        assert email_address(find_user("mail.user")) is None
