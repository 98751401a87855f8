"""Cases and hand-overs through the pages: open, hand to the police, acknowledge, feedback,
confirm; a returned lead; working-day deadlines; the two-way ledger and its export;
identities hidden from the office."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from core.testing import login, post_form as post

SHANGHAI = ZoneInfo("Asia/Shanghai")
ID_NUMBER = "440181199001011234"


def case_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/cases/(\d+)", response.headers["Location"]).group(1))


@pytest.fixture
def people(login_as):
    return {
        "forestry": login_as("liaison", "natural_resources", username="li.forest"),
        "police": login_as("liaison", "police", username="zhao.police"),
        "police_member": login_as("member", "police", username="qian.police"),
        "environment": login_as("liaison", "environment", username="chen.env"),
        "office": login_as("office", "office", username="wang.office"),
        "village": login_as("liaison", "v_dongpo", username="liu.dongpo"),
    }


def open_case(client, title="东坡村后山盗伐林木案", kind="case"):
    return case_id(post(client, "/cases/new", {
        "kind": kind, "title": title, "offence_type": "forestry.tree_theft",
        "place_name": "东坡村后山", "lat": "24.78", "lng": "112.38",
        "facts": "盗伐杉木 12 株，蓄积约 8 立方米。",
        "parties-0-kind": "person", "parties-0-name": "张某", "parties-0-id_number": ID_NUMBER,
        "photos": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "现场勘验笔录.pdf")]}))


def hand_over(client, number, to="police"):
    page = f"/cases/{number}"
    return post(client, f"{page}/transfer", {
        "transfer-to": to, "transfer-reason": "涉嫌盗伐林木罪，数量较大",
        "transfer-legal_basis": "《行政执法机关移送涉嫌犯罪案件的规定》第三条"}, page)


def transfer_id(client, number) -> int:
    body = client.get(f"/cases/{number}").get_data(as_text=True)
    return int(re.findall(r'id="transfer-(\d+)"', body)[-1])


def test_hand_over_acknowledge_accept_confirm_and_close(app, people):
    forestry, police = people["forestry"], people["police"]
    number = open_case(forestry)
    assert hand_over(forestry, number).status_code == 302
    page = f"/cases/{number}"
    body = police.get(page).get_data(as_text=True)
    assert ID_NUMBER in body  # the receiver handles it now too
    transfer = transfer_id(police, number)
    assert post(police, f"{page}/acknowledge", {"transfer": transfer}, page).status_code == 302
    # the forestry side cannot answer its own hand-over
    assert post(forestry, f"{page}/feedback", {"transfer": transfer,
                                               "feedback-feedback": "not_crime",
                                               "feedback-text": "x"}, page).status_code == 403
    answered = post(police, f"{page}/feedback", {"transfer": transfer,
                                                 "feedback-feedback": "accepted_criminal",
                                                 "feedback-text": "已刑事立案"}, page)
    assert answered.status_code == 302, answered.get_data(as_text=True)[:2000]
    # nothing closes until both sides have done their step
    closing = post(police, f"{page}/close", {"close-outcome": "移送起诉"}, page)
    assert closing.status_code == 400
    assert post(forestry, f"{page}/confirm", {"transfer": transfer}, page).status_code == 302
    # accepted as a criminal case: the police handle it and conclude it
    assert post(police, f"{page}/close", {"close-outcome": "移送起诉"}, page).status_code == 302
    assert 'data-state="closed"' in police.get(page).get_data(as_text=True)
    ledger = forestry.get("/cases/ledger").get_data(as_text=True)
    assert 'data-state="confirmed"' in ledger and "东坡村后山盗伐林木案" in ledger


def test_lead_returned_as_not_a_crime_goes_back_to_forestry(people):
    forestry, police = people["forestry"], people["police"]
    number = open_case(forestry, "疑似非法收购木材线索", kind="lead")
    hand_over(forestry, number)
    page = f"/cases/{number}"
    transfer = transfer_id(police, number)
    response = post(police, f"{page}/feedback", {"transfer": transfer,
                                                 "feedback-feedback": "not_crime",
                                                 "feedback-text": "数量未达立案标准"}, page)
    assert response.status_code == 302
    body = forestry.get(page).get_data(as_text=True)
    assert "数量未达立案标准" in body
    # still forestry's: it may hand it over again or conclude it administratively
    assert f'action="/cases/{number}/transfer"' not in police.get(page).get_data(as_text=True)
    assert post(forestry, f"{page}/confirm", {"transfer": transfer}, page).status_code == 302
    assert f'action="/cases/{number}/close"' in forestry.get(page).get_data(as_text=True)


def test_feedback_needs_a_reason_unless_accepted(people):
    forestry, police = people["forestry"], people["police"]
    number = open_case(forestry)
    hand_over(forestry, number)
    page = f"/cases/{number}"
    response = post(police, f"{page}/feedback", {"transfer": transfer_id(police, number),
                                                 "feedback-feedback": "returned",
                                                 "feedback-text": ""}, page)
    assert response.status_code == 400
    assert post(people["police_member"], f"{page}/acknowledge",
                {"transfer": transfer_id(police, number)}, page).status_code == 403


def test_unacknowledged_after_three_working_days_is_overdue(app, people):
    forestry = people["forestry"]
    # Friday 2026-09-25: three working days later is Wednesday 2026-09-30 (the National Day
    # holiday starts on 1 October), so Thursday 1 October it is overdue.
    with freeze_time(datetime(2026, 9, 25, 10, 0, tzinfo=SHANGHAI), tick=True):
        login(forestry, "li.forest")
        number = open_case(forestry)
        hand_over(forestry, number)
    with freeze_time(datetime(2026, 9, 30, 20, 0, tzinfo=SHANGHAI), tick=True):
        login(forestry, "li.forest")
        assert 'data-state="sent"' in forestry.get("/cases/ledger").get_data(as_text=True)
    with freeze_time(datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI), tick=True):
        login(forestry, "li.forest")
        ledger = forestry.get("/cases/ledger?state=overdue").get_data(as_text=True)
        assert 'data-state="overdue"' in ledger
        export = forestry.get("/cases/ledger.xlsx")
        rows = list(load_workbook(io.BytesIO(export.data)).active.values)
        assert rows[0][:5] == ("序号", "案件（线索）名称", "违法类型", "移送单位", "接收单位")
        assert rows[1][3:5] == ("镇自然资源所", "镇派出所") or rows[1][14] == "是"
        assert rows[1][14] == "是"


def test_identities_are_hidden_from_the_office_and_other_departments(people):
    forestry = people["forestry"]
    number = open_case(forestry)
    page = f"/cases/{number}"
    office = people["office"].get(page).get_data(as_text=True)
    assert ID_NUMBER not in office and "4401**********1234" in office
    assert people["police"].get(page).status_code == 404  # not handed over yet
    assert people["environment"].get(page).status_code == 404
    assert people["village"].get("/cases/").status_code in (200, 403)
    assert people["village"].get(page).status_code == 404
    hand_over(forestry, number)
    assert people["environment"].get("/cases/ledger").get_data(as_text=True).count(
        "data-transfer=") == 0


def test_a_major_case_under_listed_supervision_owes_the_monthly_inquiry(app, people):
    from datetime import timedelta

    forestry, office = people["forestry"], people["office"]
    number = open_case(forestry, "重大毁林案")
    page = f"/cases/{number}"
    assert post(forestry, f"{page}/supervise", {"supervise-reason": "重大"}, page
                ).status_code == 403
    assert post(office, f"{page}/supervise", {"supervise-reason": "重大毁林，挂牌督办"},
                page).status_code == 302
    now = datetime.now(SHANGHAI)
    next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=2, hour=10)
    with freeze_time(next_month, tick=True):
        login(office, "wang.office")
        board = office.get("/cases/").get_data(as_text=True)
        missing = re.findall(r'data-testid="missing">(.*?)</span>', board)
        assert any(f"{now:%Y-%m}" in m for m in missing), missing
        # the handling department files the quarterly report, not the inquiry
        login(forestry, "li.forest")
        body = forestry.get(page).get_data(as_text=True)
        assert 'value="report"' in body and 'value="inquiry"' not in body
        filed = post(office, f"{page}/supervision", {
            "entry-kind": "inquiry", "entry-period": f"{now:%Y-%m}", "entry-text": "已询问"}, page)
        assert filed.status_code == 302, filed.get_data(as_text=True)[:2000]
        board = office.get("/cases/").get_data(as_text=True)
        assert not any(f"{now:%Y-%m}" in m
                       for m in re.findall(r'data-testid="missing">(.*?)</span>', board))
