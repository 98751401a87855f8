"""The plugin kernel: what loads, what a disabled plugin contributes, start-up failures."""

from __future__ import annotations

import textwrap

import pytest

from core import plugins as kernel_plugins
from core.app import create_app
from core.plugins import PluginError, make_plugin_manager
from core.testing import make_settings

DEPARTMENT_PLUGINS = {"forestry", "police", "environment", "emergency"}


def loaded(app):
    return {name for name, _ in app.extensions["forestchief"].pm.list_name_plugin()}


def test_default_settings_load_core_and_four_plugins(app):
    assert loaded(app) == {"core"} | DEPARTMENT_PLUGINS


def test_each_app_has_its_own_plugin_manager(app_factory):
    first = app_factory()
    second = app_factory('[plugins]\nenabled = ["police"]\n')
    assert first.extensions["forestchief"].pm is not second.extensions["forestchief"].pm
    assert loaded(first) == {"core"} | DEPARTMENT_PLUGINS
    assert loaded(second) == {"core", "police"}


def test_disabled_plugin_contributes_nothing(app_factory):
    from core.testing import login

    app = app_factory('[plugins]\ndisabled = ["forestry"]\n')
    assert "forestry" not in loaded(app)
    with app.app_context():
        make_user_in(app, "office1", "office", "office")
    client = app.test_client()
    assert login(client, "office1").status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert 'href="/forestry/"' not in page
    assert 'href="/police/"' in page
    assert client.get("/forestry/").status_code == 404
    assert 'data-widget="forestry"' not in page
    assert 'data-widget="police"' in page


def make_user_in(app, username, role, department):
    from core.accounts.services import create_user
    from core.db import db
    from core.testing import DEFAULT_PASSWORD

    create_user(username, DEFAULT_PASSWORD, department, role)
    db.session.commit()


def test_environment_allow_list(app_factory):
    app = app_factory(env={"FORESTCHIEF_PLUGINS": "police,emergency"})
    assert loaded(app) == {"core", "police", "emergency"}
    infos = {i.name: i for i in kernel_plugins.plugin_infos(app.extensions["forestchief"].pm)}
    assert infos["forestry"].enabled is False
    assert infos["forestry"].reason == "not in FORESTCHIEF_PLUGINS"


def test_unknown_plugin_in_settings_stops_start_up(tmp_path):
    settings = make_settings(tmp_path, '[plugins]\nenabled = ["forestry", "nosuch"]\n')
    with pytest.raises(PluginError, match="nosuch"):
        make_plugin_manager(settings)


@pytest.mark.parametrize(
    ("module", "message"),
    [
        ("tests.plugins.samples.bad_import", r"plugin 'broken' failed to import"),
        ("tests.plugins.samples.bad_hook", r"plugin 'broken'.*invalid"),
        ("tests.plugins.samples.unknown_hook", r"plugin 'broken'.*invalid"),
    ],
)
def test_broken_plugin_stops_start_up_naming_it(tmp_path, monkeypatch, module, message):
    monkeypatch.setitem(kernel_plugins.BUNDLED_PLUGINS, "broken", module)
    settings = make_settings(tmp_path, '[plugins]\nenabled = ["*"]\n')
    with pytest.raises(PluginError, match=message):
        create_app(settings, testing=True)


def test_blueprint_must_carry_the_plugin_name(tmp_path, monkeypatch):
    monkeypatch.setitem(kernel_plugins.BUNDLED_PLUGINS, "misnamed",
                        "tests.plugins.samples.misnamed_blueprint")
    settings = make_settings(tmp_path, '[plugins]\nenabled = ["misnamed"]\n')
    with pytest.raises(PluginError, match="misnamed"):
        create_app(settings, testing=True)


def test_installed_distribution_entry_point_is_discovered(tmp_path, monkeypatch, app_factory):
    """A plugin shipped by another distribution is found through its entry point."""
    dist = tmp_path / "site" / "fc_sample-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fc-sample\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(textwrap.dedent("""
        [forestchief.plugins]
        sample = tests.plugins.samples.good_plugin
    """))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert kernel_plugins.available_plugins()["sample"] == (
        "tests.plugins.samples.good_plugin", "fc-sample")

    app = app_factory('[plugins]\nenabled = ["*"]\n')
    assert "sample" in loaded(app)
    with app.app_context():
        make_user_in(app, "office2", "office", "office")
    from core.testing import login

    client = app.test_client()
    login(client, "office2")
    assert client.get("/sample/").get_data(as_text=True) == "sample plugin page"
    assert 'href="/sample/"' in client.get("/").get_data(as_text=True)

    # Not in the allow-list: nothing of it is served.
    narrowed = app_factory('[plugins]\nenabled = ["police"]\n')
    assert "sample" not in loaded(narrowed)


def test_plugin_pages_follow_the_department_choice(app, login_as):
    """Second level: a department's users see only the plugins serving their department."""
    police = login_as("liaison", "police")
    assert police.get("/police/").status_code == 200
    assert police.get("/forestry/").status_code == 403
    page = police.get("/").get_data(as_text=True)
    assert 'href="/police/"' in page and 'href="/forestry/"' not in page
    assert 'data-widget="police"' in page and 'data-widget="forestry"' not in page

    office = login_as("office", "office")
    for name in DEPARTMENT_PLUGINS:
        assert office.get(f"/{name}/").status_code == 200

    admin = login_as("admin", "office")
    assert admin.get("/forestry/").status_code == 403  # admins read no business data


def test_leader_switches_plugins_for_own_department_only(app, login_as):
    from sqlalchemy import select

    from core.audit import AuditRecord
    from core.db import db
    from core.testing import csrf_token

    leader = login_as("leader", "agriculture")
    assert leader.get("/forestry/").status_code == 403
    token = csrf_token(leader, "/departments/agriculture/settings")
    response = leader.post("/departments/agriculture/settings",
                           data={"csrf_token": token, "plugins": ["forestry", "emergency"]})
    assert response.status_code == 302
    assert leader.get("/forestry/").status_code == 200
    assert leader.get("/emergency/").status_code == 200
    assert "镇农业农村办" in leader.get("/forestry/").get_data(as_text=True)

    with app.app_context():
        records = db.session.scalars(
            select(AuditRecord).where(AuditRecord.object_type == "department_plugins")).all()
        assert {r.changes["plugin"][1] for r in records if r.action == "insert"} >= {
            "forestry", "emergency"}
        assert all(r.actor.startswith("leader") for r in records[-2:])

    # Another department's settings: refused.
    assert leader.get("/departments/police/settings").status_code == 403
    token = csrf_token(leader, "/departments/agriculture/settings")
    refused = leader.post("/departments/police/settings",
                          data={"csrf_token": token, "plugins": []})
    assert refused.status_code == 403

    # A plugin that is not available cannot be switched on.
    bad = leader.post("/departments/agriculture/settings",
                      data={"csrf_token": token, "plugins": ["nosuch"]})
    assert bad.status_code == 400

    # Members and liaisons cannot change it either.
    liaison = login_as("liaison", "agriculture")
    assert liaison.get("/departments/agriculture/settings").status_code == 403


def test_plugin_command_groups(runner):
    result = runner(["forestry", "info"])
    assert result.exit_code == 0
    assert "natural_resources" in result.output
    assert "forestry.logging_permit" in result.output


def test_plugins_list_command(runner):
    result = runner(["plugins", "list"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    for name in DEPARTMENT_PLUGINS:
        assert "enabled" in lines[name] and "disabled" not in lines[name]
        assert "nav_items" in lines[name]


def test_allow_list_names_must_exist(tmp_path):
    settings = make_settings(tmp_path, env={"FORESTCHIEF_PLUGINS": "forestr,police"})
    with pytest.raises(PluginError, match="forestr"):
        make_plugin_manager(settings)


def test_nested_plugin_blueprints_are_served_by_department_too(app_factory, monkeypatch):
    """A plugin's nested blueprint gets the same per-department check as its top level."""
    from flask import Blueprint

    from core.plugins import call_each  # noqa: F401 - the hook path under test
    from core.testing import login
    from tests.plugins.samples import good_plugin

    child = Blueprint("reports", __name__, url_prefix="/reports")
    child.add_url_rule("/", "index", lambda: "nested page")
    parent = Blueprint("sample", __name__, url_prefix="/sample")
    parent.add_url_rule("/", "index", lambda: "sample")
    parent.register_blueprint(child)
    monkeypatch.setattr(good_plugin, "bp", parent)
    monkeypatch.setitem(kernel_plugins.BUNDLED_PLUGINS, "sample",
                        "tests.plugins.samples.good_plugin")
    app = app_factory('[plugins]\nenabled = ["*"]\n')
    with app.app_context():
        make_user_in(app, "nested.police", "liaison", "police")
        make_user_in(app, "nested.office", "office", "office")
    police = app.test_client()
    login(police, "nested.police")
    assert police.get("/sample/").status_code == 403
    assert police.get("/sample/reports/").status_code == 403
    office = app.test_client()
    login(office, "nested.office")
    assert office.get("/sample/reports/").get_data(as_text=True) == "nested page"


def test_wrapper_hook_implementations_do_not_break_pages(login_as, app):
    from core.hookspecs import hookimpl

    class Wrapper:
        @hookimpl(wrapper=True)
        def nav_items(self, user):
            return (yield)

    app.extensions["forestchief"].pm.register(Wrapper(), name="wrapper")
    assert login_as("office", "office").get("/").status_code == 200
