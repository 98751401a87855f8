"""The API: authentication (session and bearer), departments, plugins, errors, OpenAPI."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from flask import Blueprint, jsonify
from sqlalchemy import select

from core.accounts import services
from core.accounts.models import ApiToken, User
from core.app import kernel
from core.db import db, utcnow
from core.departments.models import Department
from core.testing import DEFAULT_PASSWORD, csrf_token, login

ERROR_KEYS = {"code", "message", "fields"}


# ---------------------------------------------------------------------------- helpers


def make_token(app, user_id: int, name: str = "test") -> str:
    with app.app_context():
        user = db.session.get(User, user_id)
        token = services.create_token(user, name)
        db.session.commit()
        return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.is_json, response.content_type
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == ERROR_KEYS
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


# ----------------------------------------------------------------------------- /me


def test_me_with_session(login_as):
    client = login_as("liaison", "police", username="li")
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    me = response.get_json()
    assert me["username"] == "li"
    assert me["role"] == "liaison"
    assert me["department"]["code"] == "police"
    assert me["department"]["name_en"] == "Police station"
    assert isinstance(me["id"], int)
    assert "password_hash" not in me and "session_version" not in me


def test_me_with_bearer_token(app, make_user):
    user_id = make_user("li", role="liaison", department="police")
    token = make_token(app, user_id)
    client = app.test_client()
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["username"] == "li"
    assert response.get_json()["id"] == user_id
    # Token auth is stateless: no session cookie is handed out.
    assert not [h for h in response.headers.getlist("Set-Cookie")
                if h.startswith("forestchief_session=")]
    assert client.get("/api/v1/me").status_code == 401


def test_token_is_stored_only_as_sha256(app, make_user):
    user_id = make_user("li")
    token = make_token(app, user_id, name="etl")
    assert token.startswith("fc_") and len(token) > 40
    with app.app_context():
        stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user_id))
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert stored.token_hash != token
        assert stored.prefix == token[:10]
        assert stored.name == "etl"
        assert stored.revoked_at is None


@pytest.mark.parametrize("header", [
    "Bearer fc_not-a-real-token",
    "Bearer ",
    "Bearer",
    "Basic bGk6cGFzcw==",
    "fc_raw-token-without-scheme",
])
def test_invalid_credentials_get_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")


def test_token_hash_itself_is_not_a_token(app, make_user):
    user_id = make_user("li")
    token = make_token(app, user_id)
    digest = hashlib.sha256(token.encode()).hexdigest()
    response = app.test_client().get("/api/v1/me", headers=bearer(digest))
    assert_error(response, 401, "unauthorized")


def test_revoked_token_gets_401(app, make_user):
    user_id = make_user("li")
    token = make_token(app, user_id)
    client = app.test_client()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with app.app_context():
        stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user_id))
        stored.revoked_at = utcnow()
        db.session.commit()
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")


def test_deactivated_users_token_gets_401(app, make_user):
    user_id = make_user("li")
    token = make_token(app, user_id)
    client = app.test_client()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    # Inactive without the token being revoked: the user check alone must refuse it.
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")


def test_deactivate_service_revokes_tokens(app, make_user):
    user_id = make_user("li")
    token = make_token(app, user_id)
    with app.app_context():
        services.deactivate(db.session.get(User, user_id))
        db.session.commit()
        stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user_id))
        assert stored.revoked_at is not None
    assert_error(app.test_client().get("/api/v1/me", headers=bearer(token)),
                 401, "unauthorized")


def test_token_of_user_in_deactivated_department_gets_401(app, make_user):
    user_id = make_user("li", department="police")
    token = make_token(app, user_id)
    with app.app_context():
        db.session.scalar(select(Department).where(Department.code == "police")).active = False
        db.session.commit()
    assert_error(app.test_client().get("/api/v1/me", headers=bearer(token)),
                 401, "unauthorized")


def test_logout_does_not_revoke_api_tokens(app, make_user):
    user_id = make_user("li")
    token = make_token(app, user_id)
    client = app.test_client()
    login(client, "li")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/account/")})
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200


# ------------------------------------------------------------------------ departments


def test_departments_paginated_with_total(login_as):
    client = login_as("member", "office")
    response = client.get("/api/v1/departments")
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "15"
    items = response.get_json()
    assert len(items) == 15  # default per_page is 25
    assert items[0]["code"] == "office"  # configuration order
    assert items[0]["kind"] == "office"
    assert [d["code"] for d in items[:5]] == ["office", "gov_office", "org_office",
                                               "education", "police"]
    assert set(items[0]) == {"code", "name_zh", "name_en", "kind", "duties", "plugin",
                             "enabled_plugins", "active", "liaisons"}


def test_departments_pages(login_as):
    client = login_as("member", "office")
    first = client.get("/api/v1/departments?page=1&per_page=10")
    second = client.get("/api/v1/departments?page=2&per_page=10")
    assert first.status_code == second.status_code == 200
    assert len(first.get_json()) == 10
    assert len(second.get_json()) == 5
    assert first.headers["X-Total-Count"] == second.headers["X-Total-Count"] == "15"
    codes = [d["code"] for d in first.get_json() + second.get_json()]
    assert len(set(codes)) == 15
    beyond = client.get("/api/v1/departments?page=3&per_page=10")
    assert beyond.status_code == 200
    assert beyond.get_json() == []
    assert beyond.headers["X-Total-Count"] == "15"


@pytest.mark.parametrize("query, field", [
    ("per_page=200", "per_page"),
    ("per_page=0", "per_page"),
    ("page=0", "page"),
    ("page=abc", "page"),
])
def test_departments_bad_paging_is_422_with_fields(login_as, query, field):
    client = login_as("member", "office")
    error = assert_error(client.get(f"/api/v1/departments?{query}"), 422, "validation_error")
    assert list(error["fields"]) == [field]
    assert error["fields"][field]


def test_departments_search(login_as):
    client = login_as("member", "office")
    response = client.get("/api/v1/departments?q=POLICE")
    assert [d["code"] for d in response.get_json()] == ["police"]
    assert response.headers["X-Total-Count"] == "1"
    chinese = client.get("/api/v1/departments", query_string={"q": "派出所"})
    assert [d["code"] for d in chinese.get_json()] == ["police"]
    none = client.get("/api/v1/departments?q=no-such-thing")
    assert none.get_json() == []
    assert none.headers["X-Total-Count"] == "0"


def test_departments_search_treats_like_wildcards_literally(login_as):
    client = login_as("member", "office")
    percent = client.get("/api/v1/departments", query_string={"q": "%"})
    assert percent.status_code == 200
    assert percent.get_json() == []
    underscore = client.get("/api/v1/departments", query_string={"q": "_"})
    codes = {d["code"] for d in underscore.get_json()}
    assert codes == {"gov_office", "org_office", "natural_resources", "public_services",
                     "youth_league", "womens_federation"}


def test_department_directory_search_treats_like_wildcards_literally(login_as):
    client = login_as("member", "office")
    found = client.get("/departments/", query_string={"q": "police"}).get_data(as_text=True)
    assert re.findall(r'href="/departments/([a-z_]+)"', found) == ["police"]
    page = client.get("/departments/", query_string={"q": "%"})
    assert page.status_code == 200
    assert re.findall(r'href="/departments/([a-z_]+)"', page.get_data(as_text=True)) == []


def test_departments_hide_inactive_unless_asked(app, login_as):
    client = login_as("member", "office")
    with app.app_context():
        db.session.scalar(select(Department).where(Department.code == "judicial")).active = False
        db.session.commit()
    active = client.get("/api/v1/departments?per_page=100")
    assert active.headers["X-Total-Count"] == "14"
    assert "judicial" not in {d["code"] for d in active.get_json()}
    every = client.get("/api/v1/departments?per_page=100&include_inactive=true")
    assert every.headers["X-Total-Count"] == "15"
    judicial = next(d for d in every.get_json() if d["code"] == "judicial")
    assert judicial["active"] is False


def test_department_detail_with_duties_and_liaisons(app, make_user, login_as):
    make_user("li", role="liaison", department="police", display_name="Li Ming")
    make_user("zhang", role="member", department="police")  # not a liaison
    make_user("wu", role="liaison", department="education")
    inactive = make_user("old", role="liaison", department="police")
    with app.app_context():
        db.session.get(User, inactive).active = False
        db.session.commit()
    client = login_as("member", "office")
    response = client.get("/api/v1/departments/police")
    assert response.status_code == 200
    police = response.get_json()
    assert police["code"] == "police"
    assert police["name_zh"] == "镇郊派出所"
    assert police["duties"].startswith("负责侦办破坏森林资源刑事案件")
    assert police["plugin"] == "police"
    assert "police" in police["enabled_plugins"]
    assert police["liaisons"] == [{"username": "li", "display_name": "Li Ming"}]


def test_unknown_department_is_404_error_shape(login_as):
    client = login_as("member", "office")
    error = assert_error(client.get("/api/v1/departments/atlantis"), 404, "not_found")
    assert "atlantis" in error["message"]
    assert error["fields"] == {}


def test_departments_need_authentication(client):
    assert_error(client.get("/api/v1/departments"), 401, "unauthorized")
    assert_error(client.get("/api/v1/departments/police"), 401, "unauthorized")
    assert_error(client.get("/api/v1/plugins"), 401, "unauthorized")


def test_departments_with_bearer_token(app, make_user):
    token = make_token(app, make_user("li"))
    response = app.test_client().get("/api/v1/departments?per_page=5", headers=bearer(token))
    assert response.status_code == 200
    assert len(response.get_json()) == 5
    assert response.headers["X-Total-Count"] == "15"


# ----------------------------------------------------------------------------- plugins


def test_plugins_lists_core_and_the_four_plugins_with_hooks(login_as):
    assert login_as("member", "office").get("/api/v1/plugins").status_code == 403
    client = login_as("admin", "office")
    response = client.get("/api/v1/plugins")
    assert response.status_code == 200
    plugins = {p["name"]: p for p in response.get_json()}
    assert {"core", "forestry", "police", "environment", "emergency"} <= set(plugins)
    assert response.get_json()[0]["name"] == "core"
    assert plugins["core"]["source"] == "builtin"
    for name in ("core", "forestry", "police", "environment", "emergency"):
        assert plugins[name]["enabled"] is True, name
        assert plugins[name]["reason"] == ""
        assert "blueprints" in plugins[name]["hooks"], name
        assert plugins[name]["hooks"] == sorted(plugins[name]["hooks"])
    for name in ("forestry", "police", "environment", "emergency"):
        assert plugins[name]["source"] == "bundled"
        assert plugins[name]["module"] == f"plugins.{name}.plugin"
    assert "permission_allowed" in plugins["core"]["hooks"]
    assert "sharing_categories" in plugins["police"]["hooks"]


def test_plugins_shows_disabled_plugins_with_reason(app_factory, make_user):
    app = app_factory(env={"FORESTCHIEF_PLUGINS": "forestry,police"})
    with app.app_context():
        services.create_user("wang", DEFAULT_PASSWORD, "office", "admin")
        db.session.commit()
    client = app.test_client()
    login(client, "wang")
    plugins = {p["name"]: p for p in client.get("/api/v1/plugins").get_json()}
    assert plugins["forestry"]["enabled"] is True
    assert plugins["environment"]["enabled"] is False
    assert plugins["environment"]["reason"] == "not in FORESTCHIEF_PLUGINS"
    assert plugins["environment"]["hooks"] == []


# -------------------------------------------------------------------------- error shape


def _add_probe_routes(app) -> None:
    """Routes that answer like future API endpoints do (write, plugin-owned, crash).

    The core has no API write endpoint, no plugin API and no failing endpoint yet, so these
    exercise the app's real before_request, CSRF and error handling for such endpoints.
    """

    def echo():
        return jsonify({"ok": True})

    def crash():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/api/v1/probe", "api_probe", echo, methods=["POST"])
    app.add_url_rule("/api/v1/probe-crash", "api_probe_crash", crash)
    police_api = Blueprint("police_probe", __name__, url_prefix="/api/v1/police-probe")
    police_api.add_url_rule("/", "index", echo)
    app.register_blueprint(police_api)
    kernel(app).blueprint_owner["police_probe"] = "police"


def test_400_error_shape_for_session_write_without_csrf(app, make_user):
    _add_probe_routes(app)
    user_id = make_user("li", department="police")
    client = app.test_client()
    login(client, "li")
    assert_error(client.post("/api/v1/probe", json={}), 400, "bad_request")
    token = csrf_token(client, "/account/")
    ok = client.post("/api/v1/probe", json={}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200
    # A bearer token is not sent by browsers on their own: no CSRF token needed.
    api_token = make_token(app, user_id)
    response = app.test_client().post("/api/v1/probe", json={}, headers=bearer(api_token))
    assert response.status_code == 200
    assert response.get_json() == {"ok": True}


def test_403_error_shape_for_plugin_not_serving_the_department(app, make_user):
    _add_probe_routes(app)
    make_user("edu", department="education")
    make_user("cop", department="police")
    outsider = app.test_client()
    login(outsider, "edu")
    assert_error(outsider.get("/api/v1/police-probe/"), 403, "forbidden")
    insider = app.test_client()
    login(insider, "cop")
    assert insider.get("/api/v1/police-probe/").status_code == 200


def test_plugin_pages_are_403_for_other_departments(login_as):
    outsider = login_as("member", "education")
    response = outsider.get("/police/")
    assert response.status_code == 403
    assert response.content_type.startswith("text/html")
    assert login_as("member", "police").get("/police/").status_code == 200
    assert login_as("office", "office").get("/police/").status_code == 200
    assert login_as("admin", "office").get("/police/").status_code == 403


def test_500_error_shape_hides_the_exception(app, login_as):
    _add_probe_routes(app)
    client = login_as("member", "office")
    response = client.get("/api/v1/probe-crash")
    assert response.status_code == 500
    body = response.get_json()
    assert set(body["error"]) == ERROR_KEYS
    assert "secret internal detail" not in response.get_data(as_text=True)


def test_404_error_shape_for_unknown_api_path(login_as):
    client = login_as("member", "office")
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_405_error_shape_with_allow_header(login_as):
    client = login_as("member", "office")
    error = assert_error(client.delete("/api/v1/me"), 405, "method_not_allowed")
    assert error["fields"] == {}
    allowed = {m.strip() for m in client.delete("/api/v1/me").headers["Allow"].split(",")}
    assert "GET" in allowed
    assert "DELETE" not in allowed
    assert_error(client.post("/api/v1/departments"), 405, "method_not_allowed")


def test_ui_errors_stay_html(login_as):
    client = login_as("member", "office")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")


def test_429_on_login_posts(app_factory):
    app = app_factory()
    kernel(app).settings["security"]["login_rate_limit"] = "2 per minute"
    client = app.test_client()
    token = csrf_token(client)
    data = {"csrf_token": token, "username": "ghost", "password": "Wrong-Passw0rd"}
    assert client.post("/auth/login", data=data).status_code == 400
    assert client.post("/auth/login", data=data).status_code == 400
    limited = client.post("/auth/login", data=data)
    assert limited.status_code == 429
    assert limited.content_type.startswith("text/html")
    assert int(limited.headers["Retry-After"]) > 0
    # GET is not limited: the form can still be shown.
    assert client.get("/auth/login").status_code == 200
    # Rate-limited attempts are not even checked: no more audit noise, no lockout counting.
    with app.app_context():
        from core.audit import AuditRecord

        failures = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "login_failed")).all()
        assert len(failures) == 2


# ----------------------------------------------------------------------------- OpenAPI


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.get_data(as_text=True))
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/me", "/api/v1/departments", "/api/v1/departments/{code}",
                 "/api/v1/plugins"):
        assert path in spec["paths"], path
        assert "get" in spec["paths"][path]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"bearerAuth": []} in spec["security"]
    params = {p["name"] for p in spec["paths"]["/api/v1/departments"]["get"]["parameters"]}
    assert {"page", "per_page", "q"} <= params
    ok = spec["paths"]["/api/v1/departments"]["get"]["responses"]["200"]
    assert "X-Total-Count" in ok["headers"]


def test_swagger_ui_is_served_from_vendored_assets(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in body
    assert "/static/vendor/swagger-ui/swagger-ui.css" in body
    assert "/api/v1/openapi.json" in body
    assert not re.search(r"(src|href)=\"(https?:)?//", body), "assets must not come from a CDN"
    assert "<script>" not in body  # no inline script (the CSP forbids it)
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', body):
        assert client.get(asset).status_code == 200, asset


def test_bearer_scheme_is_case_insensitive_and_use_is_recorded(app, make_user):
    from sqlalchemy import select

    from core.accounts.models import ApiToken
    from core.accounts.services import create_token, find_user
    from core.db import db

    make_user("token.user", role="liaison", department="police")
    with app.app_context():
        token = create_token(find_user("token.user"))
        db.session.commit()
    client = app.test_client()
    response = client.get("/api/v1/me", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200 and response.get_json()["username"] == "token.user"
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_unauthenticated_api_names_the_bearer_scheme(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
