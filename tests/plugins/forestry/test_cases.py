"""Forest cases: the administrative details of a core case, technical support (experts,
reports), the hand-over to the police and a case coming back."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from core.testing import post_form as post
from tests.plugins.forestry.helpers import PDF


@pytest.fixture
def people(login_as):
    return {
        "forestry": login_as("liaison", "natural_resources", username="li.forest"),
        "member": login_as("member", "natural_resources", username="wu.forest"),
        "police": login_as("liaison", "police", username="zhao.police"),
        "office": login_as("office", "office", username="wang.office"),
    }


def open_case(client, offence_type="forestry.tree_theft", title="东坡村后山盗伐林木案") -> int:
    response = post(client, "/cases/new", {
        "kind": "case", "title": title, "offence_type": offence_type,
        "place_name": "东坡村后山", "facts": "盗伐杉木 12 株。"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/cases/(\d+)", response.headers["Location"]).group(1))


def details(**changes):
    return {"details-timber_volume_m3": "8.25", "details-land_area_mu": "",
            "details-value_yuan": "12000", "details-fine_yuan": "5000",
            "details-restoration_ordered": "y",
            "details-restoration_text": "补植杉木 60 株", "details-notes": "", **changes}


def version_of(client, page) -> str:
    body = client.get(page).get_data(as_text=True)
    return re.search(r'name="details-version" type="hidden" value="(\d*)"', body).group(1)


def test_the_handling_department_records_case_details(app, people):
    forestry, office, police = people["forestry"], people["office"], people["police"]
    number = open_case(forestry)
    page = f"/forestry/cases/{number}"
    body = forestry.get(page).get_data(as_text=True)
    assert 'data-testid="details-form"' in body
    assert f'href="/cases/{number}#transfers"' in body  # hand over to the police

    saved = post(forestry, page, details(**{"details-version": version_of(forestry, page)}))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    listed = forestry.get("/forestry/cases/").get_data(as_text=True)
    assert f'data-case="{number}"' in listed and "8.250" in listed
    assert re.search(r'data-total="fine_yuan">5000.00<', listed)

    # restoration ordered needs the text; nothing is stored when refused
    refused = post(forestry, page, details(**{"details-restoration_text": "",
                                              "details-fine_yuan": "1",
                                              "details-version": version_of(forestry, page)}))
    assert refused.status_code == 400
    assert 'id="details-restoration_text-errors"' in refused.get_data(as_text=True)
    # a stale form overwrites nothing
    assert post(forestry, page, details(**{"details-fine_yuan": "6000",
                                           "details-version": version_of(forestry, page)})
                ).status_code == 302
    stale = post(forestry, page, details(**{"details-fine_yuan": "1", "details-version": "1"}))
    assert stale.status_code == 409
    assert "6000.00" in forestry.get("/forestry/cases/").get_data(as_text=True)

    # the office reads the details, records none; the police are not served by the plugin
    seen = office.get(page).get_data(as_text=True)
    assert "6000.00" in seen and 'data-testid="details-form"' not in seen
    assert post(office, page, details(), "/cases/").status_code == 403
    assert police.get(page).status_code == 403


def test_details_only_for_forestry_offence_types(app, people):
    forestry = people["forestry"]
    number = open_case(forestry, "police.wildlife_trade", "集市出售野生动物制品线索")
    page = f"/forestry/cases/{number}"
    body = forestry.get(page).get_data(as_text=True)
    assert 'data-testid="details-form"' not in body and 'data-testid="expert-form"' in body
    assert post(forestry, page, details(), "/cases/").status_code == 403
    assert f'data-case="{number}"' not in forestry.get("/forestry/cases/").get_data(
        as_text=True)


def test_experts_and_technical_reports(app, people):
    forestry, office = people["forestry"], people["office"]
    number = open_case(forestry)
    page = f"/forestry/cases/{number}"
    assert post(forestry, page, details()).status_code == 302
    refused = post(forestry, f"{page}/experts", {"expert-organisation": "县林业局"}, page)
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert 'id="expert-name-errors"' in body
    # the other forms keep what is stored
    assert re.search(r'<input checked[^>]*name="details-restoration_ordered"', body)
    appointed = post(forestry, f"{page}/experts", {
        "expert-name": "陈工", "expert-organisation": "县林业调查规划院",
        "expert-qualification": "林业高级工程师", "expert-appointed_on": "2026-07-03",
        "expert-task": "现场勘验、测算蓄积"}, page)
    assert appointed.status_code == 302, appointed.get_data(as_text=True)[:2000]
    body = forestry.get(page).get_data(as_text=True)
    expert = re.search(r'<option value="(\d+)">陈工', body).group(1)

    # a report needs its file
    missing = post(forestry, f"{page}/reports", {
        "report-kind": "valuation", "report-title": "林木价值鉴定意见",
        "report-issued_on": "2026-07-10", "report-expert_id": expert}, page)
    assert missing.status_code == 400
    assert "is-invalid" in missing.get_data(as_text=True)

    attached = post(forestry, f"{page}/reports", {
        "report-kind": "species_identification", "report-title": "树种鉴定报告",
        "report-issued_on": "2026-07-10", "report-expert_id": expert,
        "report-conclusion": "经鉴定为杉木", "report-photos": [(io.BytesIO(PDF), "鉴定报告.pdf")]},
        page)
    assert attached.status_code == 302, attached.get_data(as_text=True)[:2000]
    body = office.get(page).get_data(as_text=True)
    assert "树种鉴定报告" in body and "陈工" in body
    link = re.search(rf'href="(/forestry/cases/{number}/reports/\d+/files/\d+)"', body).group(1)
    download = office.get(link)
    assert download.status_code == 200 and download.data == PDF
    # the office supports no case itself
    assert post(office, f"{page}/experts", {"expert-name": "x", "expert-organisation": "y",
                                            "expert-appointed_on": "2026-07-03"},
                "/cases/").status_code == 403


def test_a_case_the_police_return_is_back_for_administrative_handling(app, people):
    from core.db import db
    from core.notifications.models import Notification

    forestry, police, member = people["forestry"], people["police"], people["member"]
    number = open_case(forestry)
    case_page = f"/cases/{number}"
    handed = post(forestry, f"{case_page}/transfer", {
        "transfer-to": "police", "transfer-reason": "涉嫌盗伐林木罪"}, case_page)
    assert handed.status_code == 302
    transfer = re.findall(r'id="transfer-(\d+)"', police.get(case_page).get_data(as_text=True))
    answered = post(police, f"{case_page}/feedback", {
        "transfer": transfer[-1], "feedback-feedback": "not_crime",
        "feedback-text": "数量未达立案标准"}, case_page)
    assert answered.status_code == 302

    body = forestry.get(f"/forestry/cases/{number}").get_data(as_text=True)
    assert 'data-testid="returned"' in body
    returned = member.get("/forestry/cases/?returned=1").get_data(as_text=True)
    assert f'data-case="{number}"' in returned
    with app.app_context():
        told = db.session.scalars(select(Notification.link).where(
            Notification.kind == "forestry.case_returned")).all()
    assert len(told) >= 2 and set(told) == {f"/forestry/cases/{number}"}  # member included
