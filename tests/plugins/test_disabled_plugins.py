"""The platform without one department plugin: it starts, every page it offers works, the
plugin's pages and API answer 404, and the core's workflows that the plugin hooks into still
run (a finding for the environment office, a hand-over, reminders)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from core.testing import DEFAULT_PASSWORD, login

#: A plugin's own paths, pages and API, that must vanish with it.
PLUGIN_PATHS = {
    "environment": ["/environment/", "/environment/problems/", "/environment/eia/",
                    "/api/v1/environment/problems", "/api/v1/environment/eia-approvals"],
    "emergency": ["/emergency/", "/emergency/fires/", "/emergency/duty/",
                  "/api/v1/emergency/fires", "/api/v1/emergency/duty-roster"],
}
HREF = re.compile(r'href="(/[^"#?]*)"')


def _user(app, username, role, department):
    from core import audit
    from core.accounts.services import create_user
    from core.db import db

    with app.app_context(), audit.acting_as(name="test"):
        create_user(username, DEFAULT_PASSWORD, department, role)
        db.session.commit()


def _signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.mark.parametrize("plugin", sorted(PLUGIN_PATHS))
def test_the_platform_works_without_a_plugin(app_factory, plugin):
    app = app_factory(f'[plugins]\ndisabled = ["{plugin}"]\n')
    assert plugin not in dict(app.extensions["forestchief"].pm.list_name_plugin())
    _user(app, "off.office", "office", "office")
    _user(app, "off.dept", "liaison", plugin)
    for username in ("off.office", "off.dept"):
        client = _signed_in(app, username)
        dashboard = client.get("/")
        assert dashboard.status_code == 200
        page = dashboard.get_data(as_text=True)
        assert f'data-widget="{plugin}"' not in page
        links = {href for href in HREF.findall(page)
                 if not href.startswith(("/static/", "/auth/logout"))}
        assert "/tasks/" in links and not any(h.startswith(f"/{plugin}/") for h in links)
        for href in sorted(links):
            assert client.get(href).status_code == 200, (username, href)
        for path in PLUGIN_PATHS[plugin]:
            assert client.get(path).status_code == 404, path
        api = client.get("/api/v1/openapi.json").get_json()
        assert not any(p.startswith(f"/api/v1/{plugin}/") for p in api["paths"])


def test_a_finding_for_the_environment_office_without_its_plugin(app_factory):
    from core import audit
    from core.accounts.models import User
    from core.db import db
    from core.inspections import services
    from core.jobs import run_jobs

    app = app_factory('[plugins]\ndisabled = ["environment"]\n')
    _user(app, "noenv.office", "office", "office")
    _user(app, "noenv.liaison", "liaison", "environment")
    with app.test_request_context():
        office = db.session.query(User).filter_by(username="noenv.office").one()
        unit = db.session.query(User).filter_by(username="noenv.liaison").one()
        with audit.acting_as(office):
            inspection = services.plan_inspection(office, services.InspectionInput(
                title="林区环境督查", start_on=date.today(), end_on=date.today(),
                report_due_on=date.today() + timedelta(days=3),
                departments={"environment": ""}))
            services.start_inspection(office, inspection)
            finding = services.create_finding(office, inspection, services.FindingInput(
                description="林区溪水浑浊", severity="serious",
                category="protection_restoration", unit="environment",
                due_on=date.today() + timedelta(days=10)))
            db.session.commit()
        assert not any(item["code"].startswith("environment.")
                       for item in inspection.checklist)
        with audit.acting_as(unit):
            services.report_completion(unit, finding, "已清淤")
            db.session.commit()
        with audit.acting_as(office):
            services.verify_finding(office, finding, "核实")
            db.session.commit()
        assert finding.state == "closed"
    with app.app_context():
        results = dict(run_jobs(app.extensions["forestchief"].pm, datetime.now(UTC)))
    assert "core.deadline_reminders" in results
    assert not [r for r in results.values() if isinstance(r, str)], results
    assert not any(name.startswith("environment.") for name in results)
