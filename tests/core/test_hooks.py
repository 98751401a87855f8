"""Every hook has a test here (test_hook_<name>), a docstring contract and README docs."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest
from flask import Blueprint

from core import hookspecs
from core.app import kernel, navigation
from core.hookspecs import hookimpl
from core.plugins import call_each, hook_names

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------ meta-tests


def test_every_hook_has_a_test():
    module = sys.modules[__name__]
    missing = [name for name in hook_names() if not hasattr(module, f"test_hook_{name}")]
    assert not missing, f"hooks without a test_hook_<name>: {missing}"


def test_every_hook_has_a_docstring_contract():
    for name in hook_names():
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc) > 80, f"hook {name} needs a docstring contract"
        assert "Return" in doc or "return" in doc, name


def test_every_hook_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in hook_names() if f"`{name}" not in readme]
    assert not missing, f"README does not document: {missing}"


def test_required_hooks_exist():
    assert set(hook_names()) >= {
        "configure", "blueprints", "nav_items", "permissions", "permission_allowed",
        "sharing_categories", "offence_types", "dashboard_widgets", "commands",
        "scheduled_jobs"}


# ------------------------------------------------------------------------ each hook


class Recorder:
    """A plugin registered on one app's manager after start-up (historic hooks)."""

    def __init__(self):
        self.configured = []

    @hookimpl
    def configure(self, app, settings):
        self.configured.append((app.name, settings.source))


def test_hook_configure(app):
    recorder = Recorder()
    pm = kernel(app).pm
    pm.register(recorder, name="recorder")
    # Historic: a plugin registered late still receives the one call.
    assert recorder.configured == [(app.name, kernel(app).settings.source)]


def test_hook_blueprints(app):
    owners = kernel(app).blueprint_owner
    assert owners["forestry"] == "forestry" and owners["police"] == "police"
    assert owners["auth"] == "core" and owners["api_core"] == "core"
    for plugin_name, answer in call_each(kernel(app).pm, "blueprints"):
        assert all(isinstance(bp, Blueprint) for bp in answer), plugin_name


def test_hook_nav_items(app, make_user):
    from core.accounts.models import User
    from core.db import db

    make_user("nav.police", role="liaison", department="police")
    make_user("nav.admin", role="admin", department="office")
    with app.test_request_context():
        police = db.session.query(User).filter_by(username="nav.police").one()
        endpoints = [item["endpoint"] for item in navigation(police)]
        assert endpoints[:2] == ["main.dashboard", "departments.directory"]
        assert "police.index" in endpoints and "forestry.index" not in endpoints
        admin = db.session.query(User).filter_by(username="nav.admin").one()
        admin_endpoints = [item["endpoint"] for item in navigation(admin)]
        assert {"admin.users", "admin.plugins", "admin.settings"} <= set(admin_endpoints)
        assert not any(e.endswith(".index") for e in admin_endpoints)


def test_hook_dashboard_widgets(login_as):
    office = login_as("office", "office")
    page = office.get("/").get_data(as_text=True)
    for plugin in ("core", "forestry", "police", "environment", "emergency"):
        assert f'data-widget="{plugin}"' in page
    police = login_as("liaison", "police").get("/").get_data(as_text=True)
    assert 'data-widget="police"' in police and 'data-widget="forestry"' not in police


def test_hook_sharing_categories(app):
    codes = {c["code"]: c["plugin"] for c in kernel(app).sharing_categories}
    assert {"resource_survey", "ownership_registration", "protection_restoration",
            "disaster_prevention", "enforcement"} <= set(codes)
    assert codes["forestry.logging_permit"] == "forestry"
    assert codes["forestry.forest_land_use_permit"] == "forestry"
    assert codes["emergency.fire_danger_warning"] == "emergency"
    for code, plugin in codes.items():
        assert plugin == "core" or code.startswith(plugin + "."), code


def test_hook_offence_types(app):
    types = {o["code"]: o for o in kernel(app).offence_types}
    assert types["forestry.tree_theft"]["name_zh"] == "盗伐林木"
    assert types["forestry.excessive_felling"]["name_zh"] == "滥伐林木"
    assert types["police.forest_fire_crime"]["group"] == "fire"
    assert {o["group"] for o in types.values()} <= {"forest", "mining", "wildlife", "fire",
                                                   "other"}


def test_hook_offence_types_duplicates_stop_start_up(tmp_path, monkeypatch):
    from core import plugins
    from core.app import create_app
    from core.plugins import PluginError
    from core.testing import make_settings

    module = type(sys)("dup_offences")
    module.offence_types = hookimpl(lambda: [{"code": "forestry.tree_theft", "name_zh": "x",
                                               "name_en": "x", "group": "forest"}])
    monkeypatch.setitem(sys.modules, "dup_offences", module)
    monkeypatch.setitem(plugins.BUNDLED_PLUGINS, "dup", "dup_offences")
    with pytest.raises(PluginError,
                       match=r"offence_types code 'forestry.tree_theft' is already defined"):
        create_app(make_settings(tmp_path, '[plugins]\nenabled = ["*"]\n'), testing=True)


def test_hook_permissions(app):
    actions = {p["action"]: p["plugin"] for p in kernel(app).permissions}
    assert actions["core.audit.view"] == "core"
    assert actions["forestry.permit.issue"] == "forestry"


class Veto:
    @hookimpl
    def permission_allowed(self, user, action, obj):
        return False if action == "core.users.manage" else None


def test_hook_permission_allowed(app, login_as):
    admin = login_as("admin", "office")
    assert admin.get("/admin/users").status_code == 200
    assert login_as("office", "office").get("/admin/users").status_code == 403
    kernel(app).pm.register(Veto(), name="veto")
    # Any False vetoes, even the core's True.
    assert admin.get("/admin/users").status_code == 403
    assert admin.get("/admin/plugins").status_code == 200


def test_hook_commands(runner):
    for plugin in ("forestry", "police", "environment", "emergency"):
        result = runner([plugin, "info"])
        assert result.exit_code == 0, result.output
        assert "categories:" in result.output
    assert "police.wildlife_crime" in runner(["police", "info"]).output


def test_hook_scheduled_jobs(app, runner, make_user):
    from datetime import timedelta

    from sqlalchemy import select

    from core.accounts.models import User
    from core.db import db, utcnow

    make_user("locked.one", role="member")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "locked.one"))
        user.locked_until = utcnow() - timedelta(minutes=1)
        user.failed_logins = 5
        db.session.commit()
    first = runner(["jobs", "run"])
    assert first.exit_code == 0 and "core.expired_lockouts: 1" in first.output
    second = runner(["jobs", "run"])  # idempotent
    assert "core.expired_lockouts: 0" in second.output


def test_hook_plugin_title(app, login_as):
    titles = {name: str(title) for name, title in call_each(kernel(app).pm, "plugin_title")}
    assert set(titles) == {"core", "forestry", "police", "environment", "emergency"}
    leader = login_as("leader", "agriculture")
    page = leader.get("/departments/agriculture/settings").get_data(as_text=True)
    assert "林业" in page and "应急管理" in page  # translated titles, not raw codes


def test_hook_quarterly_report_sections(app, make_user):
    from sqlalchemy import select

    from core.departments.models import Department
    from core.sharing.reports import Quarter, sections_for

    with app.test_request_context():
        from core.db import db

        def codes(code):
            department = db.session.scalar(select(Department).where(Department.code == code))
            return [s["code"] for s in sections_for(department, Quarter(2026, 3))]

        assert codes("natural_resources") == ["sharing", "forestry.quarterly"]
        assert codes("police") == ["sharing", "police.quarterly"]
        assert codes("education") == ["sharing"]


def _plan(app, departments):
    """Plan an inspection with ``departments`` through the service, as the office."""
    from datetime import date, timedelta

    from core import audit
    from core.accounts.models import User
    from core.db import db
    from core.inspections import services

    office = db.session.query(User).filter_by(username="hook.office").one()
    with audit.acting_as(office):
        inspection = services.plan_inspection(office, services.InspectionInput(
            title="联合督查", start_on=date.today(), end_on=date.today(),
            report_due_on=date.today() + timedelta(days=3),
            departments={code: "" for code in departments}))
    return office, inspection


def test_hook_inspection_checklist(app, make_user):
    make_user("hook.office", role="office", department="office")
    with app.test_request_context():
        _office, with_forestry = _plan(app, ["natural_resources", "police"])
        codes = [item["code"] for item in with_forestry.checklist]
        assert "forestry.land_occupation" in codes
        assert not any(code.startswith(("environment.", "emergency.")) for code in codes)
        assert {item["plugin"] for item in with_forestry.checklist} == {"forestry"}
        _office, without = _plan(app, ["education"])
        assert without.checklist == []


class FindingListener:
    """A plugin that hears of every assigned finding."""

    def __init__(self):
        self.heard = []

    @hookimpl
    def finding_assigned(self, finding):
        self.heard.append((finding.unit.code, finding.category, finding.id is not None))


def test_hook_finding_assigned(app, make_user):
    from datetime import date, timedelta

    from core import audit
    from core.inspections import services

    listener = FindingListener()
    kernel(app).pm.register(listener, name="finding-listener")
    make_user("hook.office", role="office", department="office")
    with app.test_request_context():
        office, inspection = _plan(app, ["environment"])
        with audit.acting_as(office):
            services.start_inspection(office, inspection)
            services.create_finding(office, inspection, services.FindingInput(
                description="溪水被污染", severity="serious",
                category="environment.ecological_problem", unit="environment",
                due_on=date.today() + timedelta(days=10)))
    assert listener.heard == [("environment", "environment.ecological_problem", True)]


class VerifiedListener:
    """A plugin that hears of every verified rectification."""

    def __init__(self):
        self.heard = []

    @hookimpl
    def finding_verified(self, finding):
        self.heard.append((finding.id, finding.state, finding.verified_by_id is not None))


def test_hook_finding_verified(app, make_user):
    from datetime import date, timedelta

    from core import audit
    from core.accounts.models import User
    from core.db import db
    from core.inspections import services

    listener = VerifiedListener()
    kernel(app).pm.register(listener, name="verified-listener")
    make_user("hook.office", role="office", department="office")
    make_user("hook.agri", role="liaison", department="agriculture")
    with app.test_request_context():
        office, inspection = _plan(app, ["agriculture"])
        unit = db.session.query(User).filter_by(username="hook.agri").one()
        with audit.acting_as(office):
            services.start_inspection(office, inspection)
            finding = services.create_finding(office, inspection, services.FindingInput(
                description="防火通道堵塞", severity="general", category="disaster_prevention",
                unit="agriculture", due_on=date.today() + timedelta(days=10)))
        with audit.acting_as(unit):
            services.report_completion(unit, finding, "已清理")
        assert listener.heard == []
        with audit.acting_as(office):
            services.verify_finding(office, finding, "现场核实")
    assert listener.heard == [(finding.id, "closed", True)]


class DemoListener:
    """A plugin that adds its sample records to the demo."""

    def __init__(self):
        self.users = None

    @hookimpl
    def demo_data(self, users):
        self.users = sorted(users)


def test_hook_demo_data(app):
    from core.demo import create_demo_data

    listener = DemoListener()
    kernel(app).pm.register(listener, name="demo-listener")
    with app.app_context():
        accounts = create_demo_data()
    assert listener.users == sorted(a["username"] for a in accounts)


class TransferListener:
    """A plugin that hears of hand-overs and their feedback."""

    def __init__(self):
        self.heard = []

    @hookimpl
    def transfer_received(self, transfer):
        self.heard.append(("received", transfer.to_department.code, transfer.state))

    @hookimpl
    def transfer_answered(self, transfer):
        self.heard.append(("answered", transfer.feedback, transfer.case.department.code))


def _hand_over(app, make_user, feedback):
    from core import audit
    from core.accounts.models import User
    from core.cases import services as cases
    from core.db import db

    make_user("hook.forest", role="liaison", department="natural_resources")
    make_user("hook.police", role="liaison", department="police")
    with app.test_request_context():
        forest = db.session.query(User).filter_by(username="hook.forest").one()
        police = db.session.query(User).filter_by(username="hook.police").one()
        with audit.acting_as(forest):
            case = cases.open_case(forest, cases.CaseInput(
                title="盗伐林木案", offence_type="forestry.tree_theft"))
            transfer = cases.send_transfer(forest, case, cases.TransferInput(
                to="police", reason="涉嫌犯罪"))
        with audit.acting_as(police):
            cases.answer(police, transfer, feedback, "说明")


def test_hook_transfer_received(app, make_user):
    listener = TransferListener()
    kernel(app).pm.register(listener, name="transfer-listener")
    _hand_over(app, make_user, "not_crime")
    assert listener.heard[0] == ("received", "police", "sent")


def test_hook_transfer_answered(app, make_user):
    listener = TransferListener()
    kernel(app).pm.register(listener, name="transfer-listener")
    _hand_over(app, make_user, "accepted_criminal")
    # accepted: the case belongs to the police by the time plugins hear of it
    assert listener.heard[1] == ("answered", "accepted_criminal", "police")


class TipRouter:
    """A plugin that sends tips about one category to one department."""

    def __init__(self, category, department):
        self.category, self.department = category, department
        self.heard = []

    @hookimpl(tryfirst=True)
    def route_tip(self, tip):
        self.heard.append((tip.category, tip.place_name, hasattr(tip, "contact")))
        return self.department if tip.category == self.category else None


def test_hook_route_tip(app):
    from core.db import db
    from core.tips import services as tips

    router = TipRouter("forestry.tree_theft", "environment")
    kernel(app).pm.register(router, name="tip-router")
    client = app.test_client()
    sent = client.post("/api/v1/public/tips", json={
        "category": "forestry.tree_theft", "place_name": "东坡村后山", "description": "盗伐",
        "contact": {"name": "王五", "phone": "13800138000"}})
    assert sent.status_code == 201
    with app.test_request_context():
        tip = tips.tip_by_code(sent.get_json()["code"])
        assert tip.department.code == "environment"  # the first answer decides
        assert router.heard == [("forestry.tree_theft", "东坡村后山", False)]  # no contact
        # an answer that names no active department leaves the tip in the office's triage
        router.department = "no_such_department"
        tip.department_id = None
        assert tips.route(tip) is None and tip.department_id is None
        db.session.rollback()


def test_hook_case_links(app, login_as):
    forestry = login_as("liaison", "natural_resources", username="links.forest")
    police = login_as("liaison", "police", username="links.police")
    from core.testing import csrf_token

    token = csrf_token(forestry, "/cases/new")
    response = forestry.post("/cases/new", data={
        "csrf_token": token, "kind": "case", "title": "盗伐案", "offence_type":
        "forestry.tree_theft"}, content_type="multipart/form-data")
    page = response.headers["Location"]
    body = forestry.get(page).get_data(as_text=True)
    case_id = page.rsplit("/", 1)[1]
    assert f'href="/forestry/cases/{case_id}"' in body
    # the police plugin answers only for cases the police handle, and forestry's link is
    # not shown to a department the forestry plugin does not serve
    assert "/police/outcomes/" not in body
    token = csrf_token(forestry, page)
    forestry.post(f"{page}/transfer", data={"csrf_token": token, "transfer-to": "police",
                                            "transfer-reason": "涉嫌犯罪"},
                  content_type="multipart/form-data")
    police_page = police.get(page).get_data(as_text=True)
    assert f'href="/forestry/cases/{case_id}"' not in police_page


def test_hook_notification_kinds(app):
    from core.notifications.services import kind_label

    kinds = kernel(app).notification_kinds
    assert "forestry.case_returned" in kinds and "police.risk_notice" in kinds
    with app.test_request_context():
        assert kind_label("forestry.case_returned") == str(kinds["forestry.case_returned"])
        assert kind_label("nobody.knows") in ("Notification", "通知")


class FiguresPlugin:
    """Answers ``duty_report_figures`` for the police department only."""

    @hookimpl
    def duty_report_figures(self, department, since, until):
        if department.code != "police":
            return []
        return [{"code": "recorder.cases", "label_zh": "立案数", "label_en": "Cases",
                 "value": 3}]


def test_hook_duty_report_figures(app):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from core.db import db
    from core.departments.models import Department
    from core.meetings.reports import figures_for

    kernel(app).pm.register(FiguresPlugin(), name="recorder")
    until = datetime.now(UTC)
    with app.test_request_context():
        def codes(code):
            department = db.session.scalar(select(Department).where(Department.code == code))
            return [f["code"] for f in figures_for(department, until - timedelta(days=30),
                                                   until)]

        core = ["core.items_shared", "core.requests_answered", "core.tasks_closed",
                "core.findings_closed"]
        police = codes("police")
        assert police[:4] == core and "recorder.cases" in police
        assert {"police.criminal_cases", "police.detentions"} <= set(police)
        assert codes("education") == core


class LedgerPlugin:
    """Offers a ``water`` column set to the education office."""

    @hookimpl
    def ledger_columns(self, campaign, department, columns):
        if department.code != "education" or columns != "water":
            return None
        return {"title_zh": "教办处理情况", "title_en": "Education office",
                "columns": [{"key": "talks", "label_zh": "宣讲场次", "label_en": "Talks",
                             "kind": "integer", "unit_zh": "场", "unit_en": ""}]}


def test_hook_ledger_columns(app, tmp_path):
    from core.campaigns.config import TEMPLATES_DIR, load_template
    from core.campaigns.services import departments_by_code, ledger_layout
    from core.config import ConfigError

    kernel(app).pm.register(LedgerPlugin(), name="recorder")
    text = (TEMPLATES_DIR / "mining.toml").read_text(encoding="utf-8")
    extra = '\n[[ledger.group]]\ndepartment = "education"\ncolumns = "water"\n'
    (tmp_path / "water.toml").write_text(text + extra, encoding="utf-8")
    with app.app_context():
        layout = ledger_layout(load_template(tmp_path / "water.toml"), departments_by_code())
        assert [g["key"] for g in layout["groups"]] == ["natural_resources", "police",
                                                       "education"]
        assert [c["label_zh"] for c in layout["groups"][1]["columns"]] == [
            "行政拘留", "刑事拘留", "逮捕"]
        assert layout["groups"][2]["columns"][0]["kind"] == "integer"
        # Nobody offers "mining" to the police: the error names the file and the key.
        (tmp_path / "bad.toml").write_text(text.replace(
            'columns = "detentions"', 'columns = "mining"'), encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            ledger_layout(load_template(tmp_path / "bad.toml"), departments_by_code())
        assert "bad.toml: ledger.group[1].columns" in str(err.value)
