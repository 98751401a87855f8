"""The emergency plugin's hook answers: vocabulary, tip routing, the quarterly section from the
registers, a verified fire-hazard finding, the case page's link to its fire, settings checked
at start-up, the demo records."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from core import audit
from core.app import kernel
from core.config import ConfigError
from core.db import db
from core.departments.models import Department
from core.notifications.models import Notification
from plugins.emergency import readiness, services
from plugins.emergency.models import DangerPeriod, DutyDay, Fire, Patrol
from tests.plugins.emergency.helpers import SHANGHAI, user


def test_vocabulary_and_permissions(app):
    k = kernel(app)
    ours = {o["code"]: o for o in k.offence_types if o["plugin"] == "emergency"}
    assert set(ours) == {"emergency.arson", "emergency.negligent_fire", "emergency.wildfire",
                         "emergency.illegal_fire_use"}
    assert {o["group"] for o in ours.values()} == {"fire"}
    categories = {c["code"] for c in k.sharing_categories if c["plugin"] == "emergency"}
    assert {"emergency.fire_danger_warning", "emergency.fire_hazard"} <= categories
    actions = {p["action"] for p in k.permissions if p["plugin"] == "emergency"}
    assert actions == {services.REPORT_FIRE, services.FOLLOW_UP, services.EDIT_READINESS,
                       services.RECORD_PATROL}


def test_route_tip_sends_the_plugin_s_fire_categories_to_emergency(app):
    with app.app_context():
        hook = kernel(app).pm.hook.route_tip
        assert hook(tip=SimpleNamespace(category="emergency.wildfire")) == "emergency"
        assert hook(tip=SimpleNamespace(category="emergency.illegal_fire_use")) == "emergency"
        assert services.tip_department("forestry.forest_fire") is None  # not ours
        assert services.tip_department("other") is None


def _as(username: str, action, *args, **kwargs):
    """Run a service as ``username`` inside a request and commit."""
    actor = user(username)
    with audit.acting_as(actor):
        result = action(actor, *args, **kwargs)
    db.session.commit()
    return result


def test_quarterly_section_counts_the_quarter_s_fires_and_patrols(app, people):
    q3 = datetime(2026, 8, 3, 10, 0, tzinfo=SHANGHAI)
    with freeze_time(q3), app.test_request_context():
        for area, deaths, injuries in ((150.0, 0, 1), (2.25, 1, 0)):
            _as("li.emergency", services.report_fire, services.FireInput(
                place_name="西山", reported_at=q3 - timedelta(hours=3), cause="lightning",
                burned_area_ha=area, deaths=deaths, injuries=injuries))
        _as("li.emergency", readiness.record_patrol, readiness.PatrolInput(
            patrolled_on=date(2026, 8, 1), route="东坡", members="张伟"))
    with freeze_time(q3 + timedelta(days=80)), app.test_request_context():  # Q4
        _as("li.emergency", services.report_fire, services.FireInput(
            place_name="东坡", reported_at=q3 + timedelta(days=80), cause="unknown",
            burned_area_ha=1.0))
    from core.sharing.reports import Quarter, sections_for

    with app.test_request_context():
        emergency = db.session.scalar(select(Department).where(Department.code == "emergency"))
        section = {s["code"]: s for s in sections_for(emergency, Quarter(2026, 3))}[
            "emergency.quarterly"]
        assert section["values"] == {"fires": 2, "burned_area_ha": 152.25, "deaths": 1,
                                     "injuries": 1, "patrols": 1}
        assert {f["name"] for f in section["fields"]} == set(section["values"])
        police = db.session.scalar(select(Department).where(Department.code == "police"))
        assert "emergency.quarterly" not in [s["code"] for s in sections_for(
            police, Quarter(2026, 3))]


def test_a_verified_fire_hazard_finding_tells_the_emergency_office(app, people, make_user):
    from core.inspections import services as inspections

    make_user("zhou.office", role="office", department="office")
    make_user("lin.dongpo", role="liaison", department="v_dongpo")
    with app.test_request_context():
        today = datetime.now(SHANGHAI).date()
        inspection = _as("zhou.office", inspections.plan_inspection, inspections.InspectionInput(
            title="防火检查", start_on=today, end_on=today, report_due_on=today + timedelta(3),
            departments={"emergency": "检查防火设施"}, villages=["v_dongpo"]))
        _as("zhou.office", inspections.start_inspection, inspection)
        findings = [_as("zhou.office", inspections.create_finding, inspection,
                        inspections.FindingInput(
                            description=text, severity="serious", category=category,
                            unit="v_dongpo", due_on=today + timedelta(days=5)))
                    for text, category in (("坟地周边杂草未清理", "emergency.fire_hazard"),
                                           ("林地内新建棚屋", "protection_restoration"))]
        for finding in findings:
            _as("lin.dongpo", inspections.report_completion, finding, "已清理")
            _as("zhou.office", inspections.verify_finding, finding)
        told = db.session.scalars(select(Notification).where(
            Notification.kind == "emergency.hazard_cleared")).all()
        assert [(n.user_id, n.subject) for n in told] == [
            (user("li.emergency").id, "坟地周边杂草未清理")]
        assert told[0].link == f"/findings/{findings[0].id}"


def test_the_case_page_links_the_fire_that_opened_it(app, signed_in):
    with app.test_request_context():
        fire = _as("li.emergency", services.report_fire, services.FireInput(
            place_name="西山", reported_at=datetime.now(SHANGHAI) - timedelta(hours=1),
            cause="suspected_arson"))
        case_id, fire_id = fire.case_id, fire.id
    page = signed_in("li.emergency").get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/emergency/fires/{fire_id}"' in page
    # the police see the case, not the plugin's pages: no link for them
    police = signed_in("zhao.police").get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/emergency/fires/{fire_id}"' not in police


@pytest.mark.parametrize(("extra", "key"), [
    ('police_department = "nowhere"', "plugin.emergency.police_department"),
    ("injury_task_hours = 0", "plugin.emergency.injury_task_hours"),
    ('fire_number_prefix = ""', "plugin.emergency.fire_number_prefix"),
    ("colour = 1", "plugin.emergency.colour"),
])
def test_bad_settings_stop_start_up_naming_the_key(app_factory, extra, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        app_factory(f"[plugin.emergency]\n{extra}\n")


def test_settings_choose_the_departments_and_the_deadline(app_factory, make_user):
    app = app_factory('[plugin.emergency]\ninjury_department = "construction"\n'
                      'injury_task_hours = 48\nfire_number_prefix = "火情"\n')
    make_user("li.emergency", role="liaison", department="emergency")
    from core.tasks.models import Task

    with app.test_request_context():
        fire = _as("li.emergency", services.report_fire, services.FireInput(
            place_name="西山", reported_at=datetime.now(SHANGHAI) - timedelta(hours=1),
            cause="unknown", injuries=2))
        task = db.session.scalars(select(Task)).one()
        assert task.department.code == "construction" and fire.number.startswith("火情〔")
        assert (task.due_at - task.created_at) == timedelta(hours=48)


def test_demo_records(app, people, make_user):
    from plugins.emergency.demo import create_demo_records

    for name, role, department in (("emergency.liaison", "liaison", "emergency"),
                                   ("office", "office", "office"),
                                   ("office.staff", "member", "office")):
        make_user(name, role=role, department=department)
    with app.test_request_context():
        create_demo_records({name: user(name) for name in (
            "emergency.liaison", "office", "office.staff")})
        db.session.commit()
        counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Fire, DangerPeriod, DutyDay, Patrol)}
        assert counts == {"Fire": 1, "DangerPeriod": 1, "DutyDay": 3, "Patrol": 1}
        fire = db.session.scalars(select(Fire)).one()
        assert fire.state == "extinguished" and fire.transfer_id and fire.injured_tasked == 1
        assert readiness.readiness_today()["duty"].officer.username == "emergency.liaison"
