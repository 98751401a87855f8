"""Browser fixtures for the end-to-end suite (our own; pytest-playwright is not used).

* ``browser``: one headless Debian Chromium per test session.
* ``live_server``: the ``app`` fixture (fresh migrated database with the configured
  departments) served by werkzeug on a free loopback port in a daemon thread.
* ``open_as``: a new browser context per user, signed in through the real login page;
  the returned :class:`Session` watches every page for console errors, page errors,
  failed requests and same-origin responses >= 400, and takes full-page screenshots.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from core.testing import DEFAULT_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every e2e test, with the reason, when the system Chromium is missing."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found: install Debian's chromium "
                                   "(make test does) to run the browser tests")
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember whether a test's body failed (``open_as`` then skips its final check)."""
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


CALL_FAILED = pytest.StashKey[bool]()


# ---------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    if not CHROMIUM.exists():  # pragma: no cover - collection already skipped these
        pytest.skip(f"{CHROMIUM} not found")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# ------------------------------------------------------------------------- live server


class LiveServer:
    """A werkzeug server for ``app`` on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       name="e2e-live-server", daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The test app served over real HTTP (its database is the ``app`` fixture's)."""
    server = LiveServer(app).start()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------- sessions

RENDER_CHECK = """() => ({
  sheets: document.styleSheets.length,
  icons: document.querySelectorAll(".bi").length,
  iconFont: [...document.fonts].some(
    f => f.family.replace(/["']/g, "") === "bootstrap-icons" && f.status === "loaded"),
  brokenImages: [...document.images]
    .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  navWidth: document.querySelector("nav.navbar")?.scrollWidth ?? 0,
  viewport: window.innerWidth,
})"""


@dataclass
class Session:
    """One user's browser context and page, with everything that went wrong on it."""

    name: str
    base_url: str
    context: Any
    page: Any
    problems: list[str] = field(default_factory=list)
    #: requests sent and not yet finished or failed
    pending: set[Any] = field(default_factory=set)
    #: the main frame is loading a new document (from goto, a link or a form)
    navigating: bool = False
    #: (status, path) pairs a test expects, e.g. a deliberate 403
    allowed: set[tuple[int, str]] = field(default_factory=set)

    # -- watching
    def watch(self) -> None:
        page = self.page
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("request", self._on_request)
        page.on("framenavigated", self._on_frame_navigated)
        page.on("requestfinished", lambda request: self.pending.discard(request))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _same_origin(self, url: str) -> bool:
        a, b = urlsplit(url), urlsplit(self.base_url)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def _allowed(self, status: int, url: str) -> bool:
        return (status, urlsplit(url).path) in self.allowed

    def _on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        text = message.text
        location = message.location or {}
        where = location.get("url", "")
        # Chromium logs each >=400 response as a console error too; an expected one is fine.
        match = re.search(r"status of (\d{3})", text)
        if match and where and self._allowed(int(match.group(1)), where):
            return
        self.problems.append(f"console error on {self.page.url}: {text} [{where}]")

    def _on_request(self, request: Any) -> None:
        self.pending.add(request)
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.navigating = True

    def _on_frame_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.navigating = False

    def _on_request_failed(self, request: Any) -> None:
        self.pending.discard(request)
        if request.failure == "net::ERR_ABORTED" and self.navigating:
            # Leaving a page cancels what it still loads (typically the favicon, which
            # Chromium asks for after the load event): the test's doing, not the app's.
            return
        self.problems.append(f"request failed: {request.method} {request.url}: "
                             f"{request.failure}")

    def _on_response(self, response: Any) -> None:
        if (response.status >= 400 and self._same_origin(response.url)
                and not self._allowed(response.status, response.url)):
            self.problems.append(f"HTTP {response.status}: {response.request.method} "
                                 f"{response.url}")

    def check(self, where: str = "") -> None:
        """Fail if anything went wrong since the last check."""
        problems, self.problems = self.problems, []
        assert not problems, (f"[{self.name}] {where or self.page.url}:\n  "
                              + "\n  ".join(problems))

    # -- driving
    def path(self) -> str:
        return urlsplit(self.page.url).path

    def settle(self) -> None:
        """Wait until the page loaded, its fonts are ready and no request is in flight.

        (Cheaper than Playwright's "networkidle", which always waits 500 ms.)
        """
        self.page.wait_for_load_state("load")
        self.page.evaluate("() => document.fonts.ready.then(() => true)")
        for _ in range(TIMEOUT_MS // 20):
            if not self.pending:
                return
            self.page.wait_for_timeout(20)
        raise AssertionError(f"[{self.name}] {self.page.url}: requests still in flight: "
                             + ", ".join(r.url for r in self.pending))

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path, wait_until="load")
        self.settle()
        return response

    def screenshot(self, slug: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / f"{self.name}-{slug}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    def visit(self, path: str, slug: str) -> Any:
        """Open ``path``, expect a 200 with no problems, and screenshot it."""
        response = self.goto(path)
        assert response is not None and response.status == 200, (
            f"[{self.name}] GET {path}: {response.status if response else 'no response'}")
        assert self.path() == path, f"[{self.name}] {path} redirected to {self.page.url}"
        self.assert_rendered()
        self.screenshot(slug)
        self.check(path)
        return response

    def assert_rendered(self) -> None:
        """Stylesheets applied, icon font loaded, no broken image, the navbar fits the window."""
        state = self.page.evaluate(RENDER_CHECK)
        where = f"[{self.name}] {self.page.url}"
        assert state["sheets"] > 0, f"{where}: no stylesheet applied"
        if state["icons"]:
            assert state["iconFont"], f"{where}: the bootstrap-icons font did not load"
        assert not state["brokenImages"], f"{where}: broken images {state['brokenImages']}"
        assert state["navWidth"] <= state["viewport"], (
            f"{where}: the navigation bar is {state['navWidth']} px wide, wider than the "
            f"{state['viewport']} px window")

    def login(self, username: str, password: str = DEFAULT_PASSWORD) -> None:
        """Sign in through the real login page."""
        self.goto("/auth/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("main form button[type=submit]")
        self.settle()
        assert self.path() == "/", f"[{self.name}] login as {username} ended on {self.page.url}"
        self.check("login")

    def nav_links(self) -> list[str]:
        """The paths of the main navigation's links (drop-down entries included), in order."""
        hrefs = self.page.eval_on_selector_all(
            "ul[data-testid=nav] a.nav-link:not(.dropdown-toggle), ul[data-testid=nav] "
            "a.dropdown-item", "els => els.map(e => e.getAttribute('href'))")
        return [urlsplit(h).path for h in hrefs]


@pytest.fixture
def open_as(request: pytest.FixtureRequest, browser: Any, live_server: LiveServer,
            make_user: Callable[..., Any]) -> Iterator[Callable[..., Session]]:
    """``open_as("office", role="office", department="office")``: a new user, a new
    browser context, signed in; the screenshots are named after ``name``."""
    sessions: list[Session] = []

    def _open(name: str, role: str = "member", department: str = "office",
              username: str | None = None, sign_in: bool = True) -> Session:
        context = browser.new_context(viewport={"width": 1280, "height": 800},
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        session = Session(name=name, base_url=live_server.url, context=context, page=page)
        session.watch()
        sessions.append(session)
        if sign_in:
            user = username or f"e2e_{name.replace('-', '_')}"
            make_user(user, role=role, department=department, display_name=f"E2E {name}")
            session.login(user)
        return session

    leftovers: list[str] = []
    try:
        yield _open
        if not request.node.stash.get(CALL_FAILED, True):
            # what went wrong after the test's last check (late requests, late errors)
            for session in sessions:
                session.settle()
            leftovers = [f"[{s.name}] {p}" for s in sessions for p in s.problems]
    finally:
        for session in sessions:
            session.context.close()
    if leftovers:
        pytest.fail("problems after the last check:\n  " + "\n  ".join(leftovers))
