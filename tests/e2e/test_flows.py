"""Browser flows: the login page, language switch, sign-out, a leader's plugin settings, and
a self-test showing the watcher catches CSP violations and failed responses."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e

SETTINGS = "/departments/natural_resources/settings"
FORESTRY_BOX = "input[type=checkbox][name=plugins][value=forestry]"


def html_lang(session: Any) -> str:
    return session.page.get_attribute("html", "lang")


def test_login_page_for_visitors(open_as: Any) -> None:
    visitor = open_as("visitor", sign_in=False)
    visitor.visit("/auth/login", "login")
    assert html_lang(visitor) == "zh-CN"
    page = visitor.page
    assert page.locator("main form input[name=username]").is_visible()
    assert page.locator("main form input[name=password]").get_attribute("type") == "password"
    assert page.locator("ul[data-testid=nav]").count() == 0  # no menu before signing in
    # a wrong password keeps the visitor on the login page with an error, no crash (the app
    # answers a form with errors with 400 on purpose)
    visitor.allowed.add((400, "/auth/login"))
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong-password")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    visitor.settle()
    assert visitor.path() == "/auth/login"
    assert page.locator("main input[name=password].is-invalid").count() == 1
    assert page.locator("main .invalid-feedback").is_visible()
    assert page.locator("ul[data-testid=nav]").count() == 0
    visitor.screenshot("login-failed")
    visitor.check("failed login")


def test_switch_language_and_back(open_as: Any) -> None:
    member = open_as("language", role="member", department="agriculture")
    member.visit("/departments/", "departments-zh")
    assert html_lang(member) == "zh-CN"
    page = member.page
    with page.expect_navigation():
        page.click("nav button[type=submit]:text-is('English')")
    member.settle()
    assert member.path() == "/departments/", "the switch returns to the same page"
    assert html_lang(member) == "en"
    assert page.locator("nav button.btn-light:text-is('English')").count() == 1
    member.screenshot("departments-en")
    # the choice sticks while browsing
    member.visit("/", "dashboard-en")
    assert html_lang(member) == "en"
    with page.expect_navigation():
        page.click("nav button[type=submit]:text-is('中文')")
    member.settle()
    assert member.path() == "/"
    assert html_lang(member) == "zh-CN"
    member.check("language switch")


def test_logout_then_dashboard_needs_login(open_as: Any) -> None:
    member = open_as("logout", role="member", department="emergency")
    page = member.page
    page.click("[data-testid=user-menu]")
    logout = page.locator("[data-testid=logout]")
    logout.wait_for(state="visible")
    with page.expect_navigation():
        logout.click()
    member.settle()
    assert member.path() == "/auth/login"
    assert page.locator(".alert-info").count() == 1  # "you are signed out"
    assert page.locator("[data-testid=logout]").count() == 0
    member.goto("/")
    assert member.path() == "/auth/login", f"/ after sign-out went to {page.url}"
    assert page.locator("main form input[name=password]").is_visible()
    assert page.locator("ul[data-testid=nav]").count() == 0
    member.screenshot("login-after-logout")
    member.check("after sign-out")


def save_settings(session: Any) -> None:
    page = session.page
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    session.settle()
    assert session.path() == SETTINGS


def test_leader_switches_a_plugin_off_and_on(open_as: Any) -> None:
    leader = open_as("leader-natural_resources", role="leader", department="natural_resources")
    assert "/forestry/" in leader.nav_links()
    leader.visit("/departments/natural_resources", "department-natural_resources")
    page = leader.page
    with page.expect_navigation():
        page.click(f"main a[href='{SETTINGS}']")
    leader.settle()
    leader.visit(SETTINGS, "department-settings")
    box = page.locator(FORESTRY_BOX)
    assert box.is_checked()

    box.uncheck()
    save_settings(leader)
    assert page.locator(".alert-success").count() == 1
    assert not page.locator(FORESTRY_BOX).is_checked()
    assert "/forestry/" not in leader.nav_links()
    leader.screenshot("department-settings-saved")

    page.locator(FORESTRY_BOX).check()
    save_settings(leader)
    assert page.locator(".alert-success").count() == 1
    assert page.locator(FORESTRY_BOX).is_checked()
    assert "/forestry/" in leader.nav_links()

    save_settings(leader)  # no change: an info alert
    assert page.locator(".alert-info, .alert-success").count() == 1
    leader.check("department settings")
    leader.visit("/forestry/", "forestry")


def test_the_watcher_catches_csp_violations_and_errors(open_as: Any) -> None:
    """The suite would be worthless if a CSP violation or a 404 went unnoticed."""
    member = open_as("watcher", role="member", department="office")
    member.goto("/")
    member.page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.injected = true";
        document.body.append(s);
        return fetch("/no-such-page").then(r => r.text().then(() => r.status));
    }""")
    member.page.wait_for_timeout(200)
    problems, member.problems = member.problems, []
    assert member.page.evaluate("() => window.injected === undefined")
    assert any("Content Security Policy" in p for p in problems), problems
    assert any(p.startswith("HTTP 404") and "/no-such-page" in p for p in problems), problems
    with pytest.raises(AssertionError):
        member.problems = problems
        member.check()
