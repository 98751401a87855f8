"""Departments from configuration: the shipped file, sync, and malformed files."""

from __future__ import annotations

import shutil
import tomllib

import pytest
from sqlalchemy import func, select

from core.config import DEFAULT_DEPARTMENTS_FILE, ConfigError, load_departments
from core.db import db
from core.departments.models import Department
from core.plugins import available_plugins

EXPECTED_CODES = [
    "office", "gov_office", "org_office", "education", "police", "judicial", "finance",
    "natural_resources", "environment", "construction", "agriculture", "public_services",
    "emergency", "youth_league", "womens_federation",
]

EXTRA = """
[[department]]
code = "water"
name_zh = "镇水利所"
name_en = "Water resources station"
duties = "负责水域周边林地保护协作。"
"""


def test_shipped_file_lists_office_and_fourteen_departments():
    entries = load_departments(DEFAULT_DEPARTMENTS_FILE, set(available_plugins()))
    assert [e["code"] for e in entries] == EXPECTED_CODES
    plugins = {e["code"]: e["plugin"] for e in entries if e["plugin"]}
    assert plugins == {"natural_resources": "forestry", "police": "police",
                       "environment": "environment", "emergency": "emergency"}
    assert all(e["duties"] for e in entries)
    assert entries[0]["kind"] == "office"


@pytest.fixture
def departments_file(tmp_path):
    path = tmp_path / "departments.toml"
    shutil.copyfile(DEFAULT_DEPARTMENTS_FILE, path)
    return path


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Department).where(
            Department.kind.in_(("office", "department"))))


def test_sixteenth_department_is_an_edit_and_a_sync(app, runner, departments_file, login_as):
    departments_file.write_text(departments_file.read_text(encoding="utf-8") + EXTRA,
                                encoding="utf-8")
    result = runner(["departments", "sync", "--file", str(departments_file)])
    assert result.exit_code == 0, result.output
    assert "added: water" in result.output
    assert count(app) == 16

    client = login_as("member", "office")
    assert "镇水利所" in client.get("/departments/").get_data(as_text=True)
    api = client.get("/api/v1/departments?per_page=100")
    assert api.headers["X-Total-Count"] == "16"
    assert "water" in [d["code"] for d in api.get_json()]
    assert client.get("/api/v1/departments/water").get_json()["name_en"] == (
        "Water resources station")

    # Syncing again changes nothing.
    again = runner(["departments", "sync", "--file", str(departments_file)])
    assert "added" not in again.output and "16 unchanged" in again.output


def test_sync_updates_and_deactivates_but_never_deletes(app, runner, departments_file):
    text = departments_file.read_text(encoding="utf-8")
    text = text.replace('name_zh = "镇团委"', 'name_zh = "镇团委（共青团）"')
    start = text.index('[[department]]\ncode = "womens_federation"')
    departments_file.write_text(text[:start], encoding="utf-8")
    result = runner(["departments", "sync", "--file", str(departments_file)])
    assert result.exit_code == 0, result.output
    assert "updated: youth_league" in result.output
    assert "deactivated: womens_federation" in result.output
    with app.app_context():
        women = db.session.scalar(select(Department).where(Department.code == "womens_federation"))
        assert women is not None and women.active is False
        youth = db.session.scalar(select(Department).where(Department.code == "youth_league"))
        assert youth.name_zh == "镇团委（共青团）"
    assert count(app) == 15

    # Put it back: reactivated.
    shutil.copyfile(DEFAULT_DEPARTMENTS_FILE, departments_file)
    back = runner(["departments", "sync", "--file", str(departments_file)])
    assert "reactivated: womens_federation" in back.output


BROKEN = {
    "duplicate code": (
        lambda t: t + '\n[[department]]\ncode = "police"\nname_zh = "重复"\nname_en = "Dup"\n',
        r"department\[15\]\.code: duplicate code 'police'",
    ),
    "unknown plugin": (
        lambda t: t.replace('plugin = "police"', 'plugin = "polis"'),
        r"department\[4\]\.plugin: unknown plugin 'polis'",
    ),
    "missing name": (
        lambda t: t.replace('name_zh = "镇司法所"\n', ""),
        r"department\[5\]\.name_zh: Missing data for required field",
    ),
    "bad TOML": (
        lambda t: t.replace('code = "finance"', 'code = "finance'),
        r"\(file\): invalid TOML",
    ),
    "unknown key": (
        lambda t: t.replace('code = "finance"', 'code = "finance"\ncolour = "red"'),
        r"department\[6\]\.colour: Unknown field",
    ),
    "bad code": (
        lambda t: t.replace('code = "finance"', 'code = "Finance Office"'),
        r"department\[6\]\.code",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_malformed_file_fails_naming_file_and_key_and_changes_nothing(
        app, runner, departments_file, case):
    mutate, expected = BROKEN[case]
    departments_file.write_text(mutate(departments_file.read_text(encoding="utf-8")),
                                encoding="utf-8")
    with app.app_context():
        before = [(d.code, d.name_zh, d.active) for d in db.session.scalars(
            select(Department).order_by(Department.id))]
    result = runner(["departments", "sync", "--file", str(departments_file)])
    assert result.exit_code != 0
    assert str(departments_file) in result.output
    assert "nothing changed" in result.output
    import re

    assert re.search(expected, result.output), result.output
    with app.app_context():
        after = [(d.code, d.name_zh, d.active) for d in db.session.scalars(
            select(Department).order_by(Department.id))]
    assert after == before


def test_load_departments_raises_config_error_with_problems(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text('[[department]]\ncode = "a1"\nname_zh = "甲"\nname_en = "A"\n'
                    '[[department]]\ncode = "a1"\nname_zh = "乙"\nname_en = "B"\nkind = "office"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_departments(path, set())
    assert info.value.path == str(path)
    assert ("department[1].code", "duplicate code 'a1' (first used by department[0])") in (
        info.value.problems)


def test_exactly_one_office(tmp_path):
    data = tomllib.loads(DEFAULT_DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    assert sum(1 for d in data["department"] if d.get("kind") == "office") == 1
    path = tmp_path / "d.toml"
    path.write_text('[[department]]\ncode = "a1"\nname_zh = "甲"\nname_en = "A"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="exactly one department"):
        load_departments(path, set())


def test_directory_and_detail_pages(app, login_as, make_user):
    make_user("li.police", role="liaison", department="police", display_name="李联络")
    client = login_as("member", "environment")
    directory = client.get("/departments/").get_data(as_text=True)
    for name in ("镇林长办", "镇郊派出所", "镇妇联"):
        assert name in directory
    assert "李联络" in directory
    search = client.get("/departments/?q=派出所").get_data(as_text=True)
    assert "镇郊派出所" in search and "镇妇联" not in search
    detail = client.get("/departments/police").get_data(as_text=True)
    assert "侦办破坏森林资源刑事案件" in detail and "李联络" in detail
    assert client.get("/departments/nosuch").status_code == 404
