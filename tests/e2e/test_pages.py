"""Every page in the navigation, as each kind of user, in headless Chromium.

A page fails on any console error (a CSP violation is one), page error, failed request or
same-origin response >= 400. Each page is screenshotted under ``test-artifacts/``.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PLUGIN_PAGES = ["/forestry/", "/police/", "/environment/", "/emergency/"]
ADMIN_PAGES = ["/admin/users", "/admin/plugins", "/admin/settings"]
STAFF_PAGES = {*ADMIN_PAGES, "/audit/"}  # for system roles only


def slug(path: str) -> str:
    """``/admin/users`` -> ``admin-users``; ``/`` -> ``dashboard``."""
    return path.strip("/").replace("/", "-") or "dashboard"


def tour(session: Any) -> list[str]:
    """Visit every navigation link from the dashboard; return the links."""
    session.visit("/", "dashboard")
    links = session.nav_links()
    assert links, f"[{session.name}] no navigation"
    assert len(links) == len(set(links)), f"[{session.name}] duplicate menu entries: {links}"
    for path in links:
        session.visit(path, slug(path))
        # the page marks its own menu entry as current
        active = session.page.locator("ul[data-testid=nav] a[aria-current=page]")
        assert active.count() == 1, f"[{session.name}] {path}: {active.count()} active entries"
        assert active.get_attribute("href") == path
    return links


def test_office_user_sees_every_plugin(open_as: Any) -> None:
    office = open_as("office", role="office", department="office")
    links = tour(office)
    assert links[:2] == ["/", "/departments/"]
    assert set(PLUGIN_PAGES) <= set(links), links
    assert not STAFF_PAGES & set(links), links
    office.visit("/account/", "account")
    office.visit("/departments/natural_resources", "department-natural_resources")
    # the office sees the plugin widgets on its dashboard
    office.goto("/")
    for path in PLUGIN_PAGES:
        assert office.page.locator(f"main a[href='{path}']").count() >= 1, path
    office.check()


def test_admin_sees_the_administration_pages(open_as: Any) -> None:
    admin = open_as("admin", role="admin", department="office")
    links = tour(admin)
    assert set(ADMIN_PAGES) <= set(links), links
    # system roles see no plugin pages
    assert not set(PLUGIN_PAGES) & set(links), links
    assert "/audit/" not in links
    admin.visit("/account/", "account")


def test_auditor_sees_the_audit_log(open_as: Any) -> None:
    auditor = open_as("auditor", role="auditor", department="office")
    links = tour(auditor)
    assert "/audit/" in links, links
    assert not {*PLUGIN_PAGES, *ADMIN_PAGES} & set(links), links
    # the audit log shows the sign-in that just happened
    auditor.goto("/audit/")
    assert auditor.page.locator("main table tbody tr").count() >= 1
    auditor.check()


def test_police_liaison_sees_only_the_police_plugin(open_as: Any) -> None:
    liaison = open_as("liaison-police", role="liaison", department="police")
    links = tour(liaison)
    assert [p for p in links if p in PLUGIN_PAGES] == ["/police/"], links
    assert not STAFF_PAGES & set(links), links
    liaison.visit("/departments/police", "department-police")
    liaison.visit("/account/", "account")
    # another plugin's page answers 403 with the error page, not a crash
    liaison.allowed.add((403, "/forestry/"))
    response = liaison.goto("/forestry/")
    assert response is not None and response.status == 403
    liaison.screenshot("forestry-403")
    liaison.check("/forestry/ (403 expected)")


def test_api_docs_render_from_local_assets(open_as: Any) -> None:
    member = open_as("member", role="member", department="environment")
    member.goto("/")
    member.page.click("[data-testid=user-menu]")
    with member.page.expect_navigation():
        member.page.click("a.dropdown-item[href='/api/v1/docs']")
    member.settle()
    assert member.path() == "/api/v1/docs"
    # Swagger UI fetched the OpenAPI document and rendered its operations
    member.page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert member.page.locator(".swagger-ui .info .title").count() == 1
    member.settle()
    member.screenshot("api-docs")
    member.check("/api/v1/docs")
