"""Helpers for the forestry plugin's tests: form posts, API callers, permits."""

from __future__ import annotations

from typing import Any

API = "/api/v1/forestry"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


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
