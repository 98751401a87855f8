"""``/api/v1/forestry/...``: permits, land-use permits and case details over real HTTP."""

from __future__ import annotations

from core.testing import api_error as error
from tests.plugins.forestry.helpers import permit_body


def test_permits_create_list_and_read(api):
    forestry = api("liaison", "natural_resources")
    created = forestry.post("/logging-permits", permit_body())
    assert created.status_code == 201, created.get_data(as_text=True)
    permit = created.get_json()
    assert permit["department"] == "natural_resources" and permit["volume_m3"] == 120.25
    assert permit["validity"] in ("pending", "valid", "expired") and permit["version"] == 1
    listed = forestry.get("/logging-permits", q="西山")
    assert listed.headers["X-Total-Count"] == "1"
    assert listed.get_json()[0]["number"] == "粤林采〔2026〕0100号"
    assert forestry.get(f"/logging-permits/{permit['id']}").get_json() == permit
    error(forestry.get("/logging-permits/999999"), 404, "not_found")

    office = api("office", "office")  # reads, does not write
    assert office.get("/logging-permits").status_code == 200
    error(office.post("/logging-permits", permit_body("X-9")), 403, "forbidden")


def test_refused_input_answers_422_in_the_error_shape(app, api):
    from sqlalchemy import func, select

    from core.db import db
    from plugins.forestry.models import LoggingPermit

    forestry = api("member", "natural_resources")
    problems = error(forestry.post("/logging-permits", permit_body(
        volume_m3=-1, holder="", unknown_field="x")), 422, "validation_error")["fields"]
    assert {"volume_m3", "holder", "unknown_field"} <= set(problems)
    # the service's rules land in the same shape
    problems = error(forestry.post("/logging-permits", permit_body(
        valid_from="2026-09-01", valid_until="2026-08-01")), 422, "validation_error")["fields"]
    assert list(problems) == ["valid_until"]
    assert forestry.post("/logging-permits", permit_body()).status_code == 201
    problems = error(forestry.post("/logging-permits", permit_body()), 422,
                     "validation_error")["fields"]
    assert list(problems) == ["number"]
    error(forestry.get("/logging-permits", validity="soon"), 422, "validation_error")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoggingPermit)) == 1


def test_departments_the_plugin_does_not_serve_are_refused(api):
    police = api("liaison", "police")
    error(police.get("/logging-permits"), 403, "forbidden")
    error(police.post("/logging-permits", permit_body()), 403, "forbidden")
    error(police.post("/land-use-permits", {}), 403, "forbidden")
    error(api("admin", "office").get("/cases"), 403, "forbidden")


def test_land_use_permits(api):
    forestry = api("liaison", "natural_resources")
    body = {"number": "粤林地审字〔2026〕8号", "holder": "县交通运输局", "project": "X123线改建",
            "place_name": "西山村", "area_mu": 12.5, "purpose": "公路建设",
            "approved_on": "2026-05-10", "valid_until": "2028-05-09"}
    created = forestry.post("/land-use-permits", body)
    assert created.status_code == 201, created.get_data(as_text=True)
    permit = created.get_json()
    assert forestry.get(f"/land-use-permits/{permit['id']}").get_json()["area_mu"] == 12.5
    assert forestry.get("/land-use-permits", validity="valid").headers["X-Total-Count"] == "1"
    fields = error(forestry.post("/land-use-permits", {**body, "number": "2", "area_mu": "x"}),
                   422, "validation_error")["fields"]
    assert list(fields) == ["area_mu"]


def test_case_details_through_the_api(app, api):
    from core import audit
    from core.accounts.models import User
    from core.cases import services as cases
    from core.db import db

    forestry = api("liaison", "natural_resources")
    with app.test_request_context():
        user = db.session.scalar(db.select(User).where(User.department.has(
            code="natural_resources")))
        with audit.acting_as(user):
            case_id = cases.open_case(user, cases.CaseInput(
                title="西山村非法采矿案", offence_type="forestry.unlicensed_mining")).id
        db.session.commit()

    listed = forestry.get("/cases")
    assert [c["case_id"] for c in listed.get_json()] == [case_id]
    assert listed.get_json()[0]["details"] is None
    put = forestry.put(f"/cases/{case_id}", {"mineral_tonnes": 350, "fine_yuan": 20000,
                                             "mining_banned": True,
                                             "restoration_ordered": True,
                                             "restoration_text": "恢复植被"})
    assert put.status_code == 200, put.get_data(as_text=True)
    details = put.get_json()["details"]
    assert details["mineral_tonnes"] == 350 and details["version"] == 1
    # once recorded, a save must name the version it started from
    error(forestry.put(f"/cases/{case_id}", {"fine_yuan": 1}), 409, "conflict")
    again = forestry.put(f"/cases/{case_id}", {"fine_yuan": 25000, "version": 1})
    assert again.get_json()["details"]["fine_yuan"] == 25000
    error(forestry.put(f"/cases/{case_id}", {"fine_yuan": 1, "version": 1}), 409, "conflict")
    fields = error(forestry.put(f"/cases/{case_id}", {"restoration_ordered": True,
                                                      "version": 2}),
                   422, "validation_error")["fields"]
    assert list(fields) == ["restoration_text"]
    one = forestry.get(f"/cases/{case_id}").get_json()
    assert one["offence_type"] == "forestry.unlicensed_mining" and one["experts"] == []
    error(forestry.get("/cases/999999"), 404, "not_found")
    # the office reads, does not record
    office = api("office", "office")
    assert office.get(f"/cases/{case_id}").status_code == 200
    error(office.put(f"/cases/{case_id}", {"fine_yuan": 1, "version": 2}), 403, "forbidden")
