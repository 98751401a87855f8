"""The forestry plugin's hook answers: offence types from the seeds, the quarterly report
section from the registers, tip routing, permissions."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import select

from core.app import kernel

#: licheng 四(二)1 (seven forest offences) and jiaocheng 三 (six mining and land offences).
LICHENG = ["盗伐林木", "滥伐林木", "非法占用林地", "非法收购、加工、运输非法来源林木",
           "故意放火或过失烧毁森林、林木", "破坏野生动植物资源", "其他破坏森林资源违法行为"]
JIAOCHENG = ["无证勘查、开采", "以工程名义变相开采", "越层越界采矿",
             "擅自打开关闭废弃矿井、偷采盗采", "违法占用耕地、林地挖砂、采石、采矿、取土",
             "其他私挖滥采行为"]


def test_offence_types_follow_the_seeds(app):
    ours = [o for o in kernel(app).offence_types if o["plugin"] == "forestry"]
    assert [o["name_zh"] for o in ours if o["group"] == "forest"] == LICHENG
    assert [o["name_zh"] for o in ours if o["group"] == "mining"] == JIAOCHENG
    codes = {o["code"] for o in ours}
    assert {"forestry.tree_theft", "forestry.excessive_felling", "forestry.unlicensed_mining",
            "forestry.sand_stone_soil"} <= codes
    assert all(code.startswith("forestry.") for code in codes)


def test_route_tip_sends_forestry_offences_to_natural_resources(app):
    from plugins.forestry import plugin

    with app.app_context():
        assert plugin.route_tip(tip=SimpleNamespace(category="forestry.tree_theft")) == (
            "natural_resources")
        assert plugin.route_tip(tip=SimpleNamespace(category="forestry.unlicensed_mining")) == (
            "natural_resources")
        assert plugin.route_tip(tip=SimpleNamespace(category="police.wildlife_trade")) is None
        assert plugin.route_tip(tip=SimpleNamespace(category="other")) is None
        # through the hook, as the core asks
        answer = kernel(app).pm.hook.route_tip(tip=SimpleNamespace(
            category="forestry.illegal_land_occupation"))
        assert answer == "natural_resources"


def _issue(app, username, permits, land_use=()):
    from core import audit
    from core.accounts.models import User
    from core.db import db
    from plugins.forestry import services

    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == username))
        with audit.acting_as(user):
            for number, issued, volume, area in permits:
                services.issue_permit(user, services.PermitInput(
                    number=number, holder="东坡村林业合作社", place_name="东坡村", species="杉木",
                    volume_m3=volume, area_mu=area, valid_from=issued,
                    valid_until=date(2027, 6, 30), issued_on=issued))
            for number, approved, area in land_use:
                services.approve_land_use(user, services.LandUseInput(
                    number=number, holder="县交通运输局", place_name="西山村", area_mu=area,
                    purpose="公路建设", approved_on=approved, valid_until=date(2028, 1, 1)))
        db.session.commit()


def test_quarterly_section_matches_the_permits_register(app, make_user, api):
    from core.db import db
    from core.departments.models import Department
    from core.sharing.reports import Quarter, sections_for

    make_user("q.forest", role="liaison", department="natural_resources")
    _issue(app, "q.forest", [
        ("Q3-1", date(2026, 7, 1), 85.5, 30.0),
        ("Q3-2", date(2026, 9, 30), 12.125, 4.5),
        ("Q2-1", date(2026, 6, 30), 99.0, 9.0),   # the quarter before
        ("Q4-1", date(2026, 10, 1), 77.0, 7.0),   # the quarter after
    ], land_use=[("L-1", date(2026, 8, 8), 12.5), ("L-2", date(2026, 4, 1), 3.0)])

    with app.test_request_context():
        department = db.session.scalar(select(Department).where(
            Department.code == "natural_resources"))
        section = {s["code"]: s for s in sections_for(department, Quarter(2026, 3))}[
            "forestry.quarterly"]
        police = db.session.scalar(select(Department).where(Department.code == "police"))
        assert "forestry.quarterly" not in [s["code"] for s in sections_for(
            police, Quarter(2026, 3))]
    values = section["values"]
    assert {f["name"] for f in section["fields"]} == set(values)

    # the register, filtered on the quarter's issue dates, says the same
    caller = api("member", "natural_resources")
    listed = caller.get("/logging-permits", since="2026-07-01", until="2026-09-30",
                        per_page=100)
    permits = listed.get_json()
    assert values["logging_permits"] == int(listed.headers["X-Total-Count"]) == 2
    assert values["logging_volume_m3"] == round(sum(p["volume_m3"] for p in permits), 3)
    assert values["logging_volume_m3"] == 97.625
    assert values["logging_area_mu"] == sum(p["area_mu"] for p in permits) == 34.5
    land = caller.get("/land-use-permits", since="2026-07-01", until="2026-09-30")
    assert values["land_use_permits"] == int(land.headers["X-Total-Count"]) == 1
    assert values["land_use_area_mu"] == 12.5
    assert values["forest_cases"] == 0 and values["felling_areas"] is None


def test_quarterly_section_counts_forest_cases_handled_and_handed_over(app, make_user):
    from freezegun import freeze_time

    from core import audit
    from core.accounts.models import User
    from core.cases import services as cases
    from core.db import db
    from core.departments.models import Department
    from core.sharing.reports import Quarter, sections_for

    make_user("c.forest", role="liaison", department="natural_resources")
    with freeze_time("2026-08-03 02:00:00"), app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == "c.forest"))
        with audit.acting_as(user):
            first = cases.open_case(user, cases.CaseInput(title="盗伐案",
                                                          offence_type="forestry.tree_theft"))
            cases.open_case(user, cases.CaseInput(title="非法采矿案",
                                                  offence_type="forestry.unlicensed_mining"))
            cases.open_case(user, cases.CaseInput(title="野生动物线索",
                                                  offence_type="police.wildlife_trade"))
            cases.send_transfer(user, first, cases.TransferInput(to="police", reason="涉嫌犯罪"))
        db.session.commit()
    with app.test_request_context():
        department = db.session.scalar(select(Department).where(
            Department.code == "natural_resources"))
        values = {s["code"]: s for s in sections_for(department, Quarter(2026, 3))}[
            "forestry.quarterly"]["values"]
        assert values["forest_cases"] == 2 and values["cases_transferred"] == 1
        later = {s["code"]: s for s in sections_for(department, Quarter(2026, 4))}[
            "forestry.quarterly"]["values"]
        assert later["forest_cases"] == 0


def test_permissions_are_registered(app):
    actions = {p["action"]: p["plugin"] for p in kernel(app).permissions}
    for action in ("forestry.permit.issue", "forestry.permit.edit", "forestry.case.record",
                   "forestry.case.support"):
        assert actions[action] == "forestry"
