"""Meta-tests over app.url_map: no route is reachable without an access rule."""

from __future__ import annotations

import re

import pytest

PUBLIC = {"auth.login", "main.set_language", "main.healthz", "static",
          "api-docs.openapi_json", "api-docs.openapi_swagger_ui",
          # public tips: send one, follow it by its code (no account, nothing stored of the
          # sender's connection)
          "tips.new", "tips.status", "api_tips.create_public_tip", "api_tips.get_public_tip",
          "api_tips.add_public_tip_photo", "api_tips.list_tip_categories"}


def concrete(rule) -> str:
    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        if converter == "int":
            return "1"
        return "police" if name == "code" else "x"

    return re.sub(r"<(?:([^:>]+):)?([^>]+)>", value, rule.rule)


def test_every_route_requires_sign_in_unless_public(app):
    client = app.test_client()
    seen_public = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        public = getattr(view, "forestchief_public", False) or rule.endpoint.startswith(
            "api-docs.") or rule.endpoint == "static"
        if public:
            seen_public.add(rule.endpoint)
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(concrete(rule), method=method)
            if rule.rule.startswith("/api/"):
                assert response.status_code == 401, (rule.rule, method)
                assert response.get_json()["error"]["code"] == "unauthorized"
            else:
                assert response.status_code in (302, 400), (rule.rule, method)
                if response.status_code == 302:
                    assert "/auth/login" in response.headers["Location"]
    assert seen_public == PUBLIC, "a new public route must be reviewed and added here"


@pytest.mark.parametrize("role", ["admin", "auditor", "security"])
def test_system_roles_read_no_business_pages(login_as, role):
    client = login_as(role, "office")
    for path in ("/forestry/", "/police/", "/environment/", "/emergency/"):
        assert client.get(path).status_code == 403


def test_unknown_pages_are_404_pages_and_json_for_the_api(login_as):
    client = login_as("member", "office")
    assert client.get("/no/such/page").status_code == 404
    api = client.get("/api/v1/no-such")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_every_api_route_is_in_the_openapi_document(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items()
                  for method in ops if method != "parameters"}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, missing
    for path in ("/api/v1/info-items", "/api/v1/info-items/{item_id}/attachments",
                 "/api/v1/info-requests/{request_id}/answer", "/api/v1/quarterly-reports",
                 "/api/v1/liaison-scores", "/api/v1/notifications"):
        assert path in spec["paths"], path
