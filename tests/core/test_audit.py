"""The audit mechanism: every change recorded in the same transaction, hash-chained."""

from __future__ import annotations

from sqlalchemy import select, text, update

from core import audit
from core.audit import AuditRecord
from core.db import db
from core.departments.models import Department
from core.testing import login


def records(app, **where):
    with app.app_context():
        stmt = select(AuditRecord).order_by(AuditRecord.seq)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditRecord, key) == value)
        return db.session.scalars(stmt).all()


def test_insert_update_delete_are_recorded_with_before_and_after(app):
    with app.app_context(), audit.acting_as(name="tester"):
        department = Department(code="water", name_zh="水利所", name_en="Water", duties="")
        db.session.add(department)
        db.session.commit()
        department.name_zh = "镇水利所"
        db.session.commit()
        department_id = department.id
        db.session.delete(department)
        db.session.commit()
    rows = records(app, object_type="departments", object_id=str(department_id))
    assert [r.action for r in rows] == ["insert", "update", "delete"]
    assert rows[0].changes["code"] == [None, "water"]
    assert rows[1].changes["name_zh"] == ["水利所", "镇水利所"]
    assert set(rows[1].changes) <= {"name_zh", "updated_at"}
    assert rows[2].changes["name_zh"] == ["镇水利所", None]
    assert all(r.actor == "tester" for r in rows)


def test_rolled_back_change_leaves_no_audit_record(app):
    before = len(records(app))
    with app.app_context(), audit.acting_as(name="tester"):
        db.session.add(Department(code="tmp", name_zh="临时", name_en="Tmp", duties=""))
        db.session.flush()
        db.session.rollback()
    assert len(records(app)) == before


def test_passwords_are_never_written_to_the_audit_log(app, make_user):
    make_user("zhang", role="member")
    row = records(app, object_type="users", action="insert")[-1]
    assert row.changes["password_hash"] == [None, "[redacted]"]
    assert "argon2" not in str(row.changes)


def test_logins_failures_and_lockouts_are_recorded(app, client, make_user):
    user_id = make_user("chen", role="member")
    for _ in range(5):
        login(client, "chen", "wrong-Password-1")
    login(client, "nobody", "wrong-Password-1")
    login(client, "chen")  # locked: refused
    actions = [r.action for r in records(app, object_type="users") if r.action != "insert"]
    assert actions.count("login_failed") == 7
    assert actions.count("lockout") == 1
    unknown = [r for r in records(app, action="login_failed") if r.object_id is None]
    assert unknown[0].changes["username"] == [None, "nobody"]
    with app.app_context():
        db.session.execute(update(
            __import__("core.accounts.models", fromlist=["User"]).User
        ).values(locked_until=None, failed_logins=0))
        db.session.commit()
    assert login(client, "chen").status_code == 302
    ok = records(app, action="login")[-1]
    assert ok.object_id == str(user_id) and ok.actor == "chen"


def test_ui_changes_are_attributed_to_the_signed_in_user(app, login_as):
    from core.testing import csrf_token

    leader = login_as("leader", "police", username="huang")
    token = csrf_token(leader, "/departments/police/settings")
    leader.post("/departments/police/settings",
                data={"csrf_token": token, "plugins": ["police", "emergency"]})
    row = records(app, object_type="department_plugins")[-1]
    assert row.action == "insert" and row.actor == "huang" and row.actor_id is not None


def test_chain_verifies_and_detects_tampering(app, runner, make_user):
    make_user("a1", role="member")
    make_user("a2", role="member")
    ok = runner(["audit", "verify"])
    assert ok.exit_code == 0 and "verified" in ok.output
    count = len(records(app))
    assert f"{count} audit records verified" in ok.output

    target = records(app)[3]
    with app.app_context():
        db.session.execute(
            text("UPDATE audit_records SET actor = 'mallory' WHERE seq = :seq"),
            {"seq": target.seq})
        db.session.commit()
    bad = runner(["audit", "verify"])
    assert bad.exit_code == 1
    assert f"record {target.seq} was altered" in bad.output


def test_verify_detects_removed_rows(app, make_user):
    make_user("b1", role="member")
    with app.app_context():
        assert audit.verify().ok
        last = db.session.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()))
        db.session.execute(text("DELETE FROM audit_records WHERE seq = :s"), {"s": last})
        db.session.commit()
        result = audit.verify()
        assert not result.ok and "removed" in result.message
        db.session.execute(text("DELETE FROM audit_records WHERE seq = 2"))
        db.session.commit()
        result = audit.verify()
        assert not result.ok and result.bad_seq == 3


def test_audit_page_is_for_auditors_only(app, login_as, make_user):
    make_user("zhao.unique", role="member")
    auditor = login_as("auditor", "office")
    page = auditor.get("/audit/?object_type=users&action=insert")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "users" in body and "zhao.unique" in body
    filtered = auditor.get("/audit/?actor=nobody-at-all").get_data(as_text=True)
    assert "zhao.unique" not in filtered
    for role in ("admin", "office", "leader", "security"):
        assert login_as(role, "office").get("/audit/").status_code == 403


def test_switching_a_plugin_off_is_audited(app, login_as):
    from core.testing import csrf_token

    leader = login_as("leader", "emergency", username="off.switch")
    token = csrf_token(leader, "/departments/emergency/settings")
    response = leader.post("/departments/emergency/settings",
                           data={"csrf_token": token, "plugins": []})
    assert response.status_code == 302
    row = records(app, object_type="department_plugins", action="delete")[-1]
    assert row.changes["plugin"] == ["emergency", None]
    assert row.actor == "off.switch"
