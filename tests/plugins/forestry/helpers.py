"""Helpers for the forestry plugin's tests: form posts, API callers, permits."""

from __future__ import annotations

from typing import Any

from core.testing import csrf_token

API = "/api/v1/forestry"
ERROR_KEYS = {"code", "message", "fields"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def post(client: Any, path: str, data: dict[str, Any], page: str | None = None) -> Any:
    """Post a form as a browser would, with the CSRF token from ``page`` (default ``path``)."""
    token = csrf_token(client, page or path)
    return client.post(path, data={**data, "csrf_token": token},
                       content_type="multipart/form-data")


def permit_form(number: str = "粤林采〔2026〕0012号", **changes: Any) -> dict[str, str]:
    return {"number": number, "holder": "东坡村林业合作社", "place_name": "东坡村后山3林班",
            "lat": "24.78", "lng": "112.38", "species": "杉木", "volume_m3": "85.5",
            "area_mu": "30", "valid_from": "2026-07-01", "valid_until": "2026-12-31",
            "issued_on": "2026-07-01", "note": "", **changes}


def permit_body(number: str = "粤林采〔2026〕0100号", **changes: Any) -> dict[str, Any]:
    return {"number": number, "holder": "西山林场", "place_name": "西山5林班",
            "species": "马尾松", "volume_m3": 120.25, "area_mu": 40.0,
            "valid_from": "2026-08-01", "valid_until": "2027-01-31",
            "issued_on": "2026-08-01", **changes}


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The error body, after checking the API's one error shape."""
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


class Caller:
    """One user's calls to the forestry API with a bearer token."""

    def __init__(self, client: Any, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(API + path, query_string=query, headers=self.headers)

    def post(self, path: str, json: dict[str, Any]) -> Any:
        return self.client.post(API + path, json=json, headers=self.headers)

    def put(self, path: str, json: dict[str, Any]) -> Any:
        return self.client.put(API + path, json=json, headers=self.headers)
