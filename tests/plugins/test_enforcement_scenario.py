"""Issue 5's scenario end to end through the API, core and both plugins together: a public
tip about illegal felling (sent twice with one Idempotency-Key) is routed to forestry, becomes
an administrative case, is handed to the police, acknowledged, accepted as a criminal case
with one criminal detention; the ledger shows the hand-over with its dates and exports it;
the tipster's contact never reaches the police or the export."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from core.testing import ApiCaller, api_ok

API = "/api/v1"
PHONE = "13800138000"


@pytest.fixture
def callers(api_callers: Any) -> dict[str, ApiCaller]:
    return api_callers({"office": ("wang.office", "office", "office"),
                        "forestry": ("li.forest", "liaison", "natural_resources"),
                        "police": ("zhao.police", "liaison", "police")})


def test_tip_to_criminal_case_with_a_detention(app: Any, callers: dict[str, ApiCaller]
                                               ) -> None:
    public = app.test_client()
    tip = {"category": "forestry.tree_theft", "place_name": "东坡村后山",
           "description": "有人夜间盗伐杉木", "contact": {"name": "王先生", "phone": PHONE}}
    key = {"Idempotency-Key": "scenario-0001-retry"}
    first = public.post(f"{API}/public/tips", json=tip, headers=key)
    again = public.post(f"{API}/public/tips", json=tip, headers=key)
    assert first.status_code == 201 and again.status_code == 200
    code = first.get_json()["code"]
    assert again.get_json()["code"] == code

    forestry, police, office = callers["forestry"], callers["police"], callers["office"]
    tips = api_ok(forestry.get("/tips"))
    assert len(tips) == 1 and tips[0]["department"] == "natural_resources"
    assert PHONE not in str(tips)
    tip_id = tips[0]["id"]
    assert api_ok(office.get(f"/tips/{tip_id}"))["contact"]["phone"] == PHONE

    api_ok(forestry.post(f"/tips/{tip_id}/take"))
    opened = api_ok(forestry.post(f"/tips/{tip_id}/case", {"title": "东坡村盗伐林木案"}))
    case_id = opened["case_id"]
    sent = api_ok(forestry.post(f"/cases/{case_id}/transfers", {
        "to": "police", "reason": "涉嫌盗伐林木罪", "legal_basis": "刑法第三百四十五条"}), 201)
    api_ok(police.post(f"/transfers/{sent['id']}/acknowledge"))
    api_ok(police.post(f"/transfers/{sent['id']}/feedback",
                       {"feedback": "accepted_criminal", "text": "已刑事立案"}))
    api_ok(forestry.post(f"/transfers/{sent['id']}/confirm"))
    outcome = api_ok(police.put(f"/police/outcomes/{case_id}", {
        "admin_detentions": 0, "criminal_detentions": 1, "arrests": 0, "persons_involved": 1}))
    assert outcome["criminal_detentions"] == 1
    assert api_ok(police.get("/police/outcomes/totals"))["criminal_detentions"] == 1
    # the police's criminal-case record was opened when they accepted the hand-over
    assert any(c["case_id"] == case_id for c in api_ok(police.get("/police/cases")))

    rows = api_ok(forestry.get("/transfer-ledger"))
    assert len(rows) == 1 and rows[0]["feedback"] == "accepted_criminal"
    assert rows[0]["acknowledged_at"] and rows[0]["answered_at"] and rows[0]["confirmed_at"]
    export = police.client.get("/cases/ledger.xlsx", headers=police.headers)
    values = list(load_workbook(io.BytesIO(export.data)).active.values)
    assert len(values) == 2 and values[1][1] == "东坡村盗伐林木案"
    assert values[1][10] == "已受理，刑事立案" and values[1][14] == "否"
    assert all(PHONE not in str(v) for v in values[1])

    # the tipster's contact reaches neither the police nor the tip export
    case = api_ok(police.get(f"/cases/{case_id}"))
    assert PHONE not in str(case) and PHONE not in str(api_ok(police.get("/tips")))
    status = public.get(f"{API}/public/tips/{code}").get_json()
    assert set(status) <= {"code", "state", "state_label", "received_on", "updated_on"}


def test_the_case_page_links_the_tip_it_came_from(app: Any, login_as: Any) -> None:
    public = app.test_client()
    public.post(f"{API}/public/tips", json={"category": "forestry.tree_theft",
                                            "place_name": "西山村", "description": "盗伐"})
    forestry = login_as("liaison", "natural_resources", username="sun.forest")
    from core.testing import csrf_token

    tip_page = "/tips/1"
    assert forestry.get(tip_page).status_code == 200
    token = csrf_token(forestry, tip_page)
    opened = forestry.post("/api/v1/tips/1/case", json={"title": "西山村盗伐案"},
                           headers={"X-CSRFToken": token})
    assert opened.status_code == 200, opened.get_data(as_text=True)
    case_page = forestry.get(f"/cases/{opened.get_json()['case_id']}").get_data(as_text=True)
    assert 'data-testid="linked-tips"' in case_page and 'href="/tips/1"' in case_page
