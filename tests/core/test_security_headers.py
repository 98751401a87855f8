"""Security headers on pages, API answers and errors."""

from __future__ import annotations

import pytest


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_secure_headers(response) -> None:
    csp = csp_directives(response)
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src is not None
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "*" not in script_src
    assert not any(s.startswith(("http:", "https:")) for s in script_src)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_login_page_headers(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert_secure_headers(response)
    # Nobody is signed in: the page itself may be cached.
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/", "/account/", "/departments/", "/departments/police"])
def test_signed_in_pages_have_headers_and_are_not_cached(login_as, path):
    client = login_as("member", "office")
    response = client.get(path)
    assert response.status_code == 200
    assert_secure_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_scripts(login_as):
    client = login_as("office", "office")
    for path in ("/", "/auth/login", "/departments/"):
        body = client.get(path).get_data(as_text=True)
        assert "<script>" not in body, path
        assert " onclick=" not in body and " onload=" not in body, path


def test_api_and_error_responses_have_headers(login_as, client):
    assert_secure_headers(client.get("/api/v1/me"))  # 401
    signed_in = login_as("member", "office")
    me = signed_in.get("/api/v1/me")
    assert me.status_code == 200
    assert_secure_headers(me)
    assert me.headers["Cache-Control"] == "no-store"
    missing = signed_in.get("/no-such-page")
    assert missing.status_code == 404
    assert_secure_headers(missing)
    refused = signed_in.post("/auth/logout")  # no CSRF token
    assert refused.status_code == 400
    assert_secure_headers(refused)


def test_redirects_and_docs_have_headers(client):
    redirect = client.get("/")
    assert redirect.status_code == 302
    assert_secure_headers(redirect)
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert_secure_headers(docs)


def test_static_files_have_nosniff(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")
