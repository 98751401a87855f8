"""Pytest fixtures plugin authors reuse: ``app``, ``client``, ``runner``, ``login_as``...

Load with ``pytest_plugins = ["core.testing"]`` in a ``conftest.py``. The database is real:
a fresh SQLite file per test (copied from one migrated template), or, when
``FORESTCHIEF_TEST_DATABASE_URL`` points at a PostgreSQL database whose name ends in
``_test``, that database, migrated once and emptied before every test. (Never
``DATABASE_URL``: a production setting must not be wiped by running the tests.)
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from core.config import Settings, load_settings

DEFAULT_PASSWORD = "Forest-Chief-2026"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CSRF_INPUT_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def write_settings(directory: Path, extra: str = "") -> Path:
    """Write a settings file for a test app whose instance folder is ``directory/instance``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "settings.toml"
    path.write_text(
        f'[app]\ninstance_path = "{directory / "instance"}"\nsecret_key = "test-secret"\n'
        '[security]\nlogin_rate_limit = "1000 per minute"\n' + extra,
        encoding="utf-8",
    )
    return path


def make_settings(directory: Path, extra: str = "", env: dict[str, str] | None = None,
                  database_url: str | None = None) -> Settings:
    """Settings for a test app on ``database_url`` (default: the test database, if any)."""
    environment = {k: v for k, v in os.environ.items() if k == "FORESTCHIEF_PLUGINS"}
    environment.update(env or {})
    database_url = database_url or (test_database_url() if using_postgres() else None)
    if database_url is not None:
        environment["DATABASE_URL"] = database_url
    return load_settings(write_settings(directory, extra), env=environment)


TEST_DATABASE_VARIABLE = "FORESTCHIEF_TEST_DATABASE_URL"


def using_postgres() -> bool:
    """Whether this test run targets PostgreSQL."""
    return os.environ.get(TEST_DATABASE_VARIABLE, "").startswith("postgresql")


def test_database_url() -> str:
    """The PostgreSQL test database; refuses any database not named ``*_test``."""
    from sqlalchemy.engine import make_url

    url = os.environ[TEST_DATABASE_VARIABLE]
    name = make_url(url).database or ""
    if not name.endswith("_test"):
        raise RuntimeError(f"{TEST_DATABASE_VARIABLE} must name a database ending in _test "
                           f"(the tests empty it); got {name!r}")
    return url


# ------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database: a SQLite file to copy, or the PostgreSQL URL itself."""
    from core.app import create_app
    from core.db import db
    from core.migrate import upgrade

    directory = tmp_path_factory.mktemp("template")
    if using_postgres():
        url = test_database_url()
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        app = create_app(make_settings(directory), testing=True)
        upgrade(app)
        with app.app_context():
            db.engine.dispose()
        return url
    db_file = directory / "template.db"
    app = create_app(make_settings(directory, database_url=f"sqlite:///{db_file}"), testing=True)
    upgrade(app)
    with app.app_context():
        db.engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return str(db_file)


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                              + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    if using_postgres():
        _empty_postgres(migrated_template)
        yield migrated_template
        return
    target = tmp_path / "test.db"
    shutil.copyfile(migrated_template, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def settings_extra() -> str:
    """Extra TOML appended to the test settings file; override it in a test module."""
    return ""


@pytest.fixture
def app_factory(database_url: str, tmp_path: Path) -> Callable[..., Flask]:
    """Build apps on the test database: ``app_factory(extra_toml="", env=None, sync=True)``."""
    from core.app import create_app

    counter = iter(range(1000))
    made: list[Flask] = []

    def factory(extra: str = "", env: dict[str, str] | None = None, sync: bool = True) -> Flask:
        settings = make_settings(tmp_path / f"app{next(counter)}", extra, env,
                                 database_url=database_url)
        app = create_app(settings, testing=True)
        if sync:
            sync_config_departments(app)
        made.append(app)
        return app

    yield factory  # type: ignore[misc]
    from core.db import db

    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def sync_config_departments(app: Flask) -> None:
    """Load ``config/departments.toml`` and ``config/villages.toml`` into the app's database."""
    from core import audit
    from core.db import db
    from core.departments.services import sync_departments, sync_villages
    from core.plugins import available_plugins

    with app.app_context(), audit.acting_as(name="test"):
        settings = app.extensions["forestchief"].settings
        sync_departments(settings.departments_file, set(available_plugins()))
        sync_villages(settings.villages_file)
        db.session.commit()


@pytest.fixture
def app(app_factory: Callable[..., Flask], settings_extra: str) -> Flask:
    """The application with the configured departments, on a clean database."""
    return app_factory(settings_extra)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client (real HTTP semantics, cookies kept)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Callable[..., Any]:
    """Invoke ``forestchief`` commands against ``app``: ``runner(["users", "list"])``."""
    from core.cli import cli

    def invoke(args: list[str], input: str | None = None) -> Any:
        return CliRunner().invoke(cli, args, input=input, obj={"app": app},
                                  catch_exceptions=False)

    return invoke


# ----------------------------------------------------------------------------- people


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    """Create an account: ``make_user("li", role="liaison", department="police")``."""
    from core import audit
    from core.accounts.services import create_user
    from core.db import db

    def make(username: str, role: str = "member", department: str = "office",
             password: str = DEFAULT_PASSWORD, display_name: str = "") -> Any:
        with app.app_context(), audit.acting_as(name="test"):
            user = create_user(username, password, department, role, display_name)
            db.session.commit()
            return user.id

    return make


def csrf_token(client: FlaskClient, path: str = "/auth/login") -> str:
    """A CSRF token from a page's form, as a browser would have it."""
    body = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(body) or CSRF_INPUT_RE.search(body)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, Any],
              page: str | None = None) -> Any:
    """Post a form as a browser would: multipart, with the CSRF token of ``page`` (default
    ``path``)."""
    token = csrf_token(client, page or path)
    return client.post(path, data={**data, "csrf_token": token},
                       content_type="multipart/form-data")


# -------------------------------------------------------------------------------- API

API_PREFIX = "/api/v1"
ERROR_KEYS = {"code", "message", "fields"}


class ApiCaller:
    """One user's calls to the API with a bearer token (stateless, so ``freeze_time`` can
    move the clock without a session idling out). Paths not starting with ``/api/`` are
    relative to ``prefix``."""

    def __init__(self, client: FlaskClient, token: str, username: str = "",
                 prefix: str = API_PREFIX):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.username = username
        self.prefix = prefix

    def url(self, path: str) -> str:
        return path if path.startswith("/api/") else self.prefix + path

    def open(self, method: str, path: str, json: Any = None, **query: Any) -> Any:
        return self.client.open(self.url(path), method=method, json=json,
                                query_string=query or None, headers=self.headers)

    def get(self, path: str, **query: Any) -> Any:
        return self.open("GET", path, **query)

    def post(self, path: str, json: Any = None) -> Any:
        return self.open("POST", path, json)

    def put(self, path: str, json: Any) -> Any:
        return self.open("PUT", path, json)

    def patch(self, path: str, json: Any) -> Any:
        return self.open("PATCH", path, json)


def api_ok(response: Any, status: int = 200) -> Any:
    """The JSON body, after checking the status."""
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    return response.get_json()


def api_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The error body, after checking the status and the API's one error shape."""
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def make_api_caller(app: Flask, make_user: Callable[..., Any], username: str,
                    role: str = "member", department: str = "office",
                    prefix: str = API_PREFIX) -> ApiCaller:
    """A new account with a bearer token, as an :class:`ApiCaller`."""
    return api_caller_for(app, make_user(username, role=role, department=department), prefix)


def api_caller_for(app: Flask, user_id: int, prefix: str = API_PREFIX) -> ApiCaller:
    """An existing account with a new bearer token, as an :class:`ApiCaller`."""
    from core.accounts.services import create_token
    from core.db import db

    with app.app_context():
        user = user_of(user_id)
        token, username = create_token(user, "test"), user.username
        db.session.commit()
    return ApiCaller(app.test_client(), token, username, prefix)


@pytest.fixture
def api_callers(app: Flask, make_user: Callable[..., Any]
                ) -> Callable[..., dict[str, ApiCaller]]:
    """``api_callers({"police": ("li.police", "liaison", "police"), ...})``: one caller per
    key (``prefix=`` for a plugin's API)."""

    def make(accounts: dict[str, tuple[str, str, str]], prefix: str = API_PREFIX
             ) -> dict[str, ApiCaller]:
        return {key: make_api_caller(app, make_user, username, role, department, prefix)
                for key, (username, role, department) in accounts.items()}

    return make


def login(client: FlaskClient, username: str, password: str = DEFAULT_PASSWORD) -> Any:
    """Sign in through the real login form; returns the POST response."""
    token = csrf_token(client)
    return client.post("/auth/login", data={"csrf_token": token, "username": username,
                                            "password": password})


@pytest.fixture
def login_as(app: Flask, make_user: Callable[..., Any]) -> Callable[..., FlaskClient]:
    """A signed-in client for a new user: ``login_as("leader", "police")``."""
    counter = iter(range(1000))

    def _login(role: str = "office", department: str = "office",
               username: str | None = None) -> FlaskClient:
        name = username or f"{role}{next(counter)}.{department}"
        make_user(name, role=role, department=department)
        client = app.test_client()
        response = login(client, name)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


class QueryCounter:
    """Counts the SQL statements an app runs inside a ``with`` block."""

    def __init__(self, app: Flask):
        self.app = app
        self.statements: list[str] = []

    def _count(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        from sqlalchemy import event

        from core.db import db

        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: Any) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], QueryCounter]:
    """``with count_queries() as q: client.get(...)`` then ``q.count``."""
    return lambda: QueryCounter(app)


# -------------------------------------------------------------------------- campaigns

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: When the campaign tests create their campaigns (before the mining template's first phase).
CAMPAIGN_NOW = datetime(2021, 3, 20, 9, 0, tzinfo=SHANGHAI)
#: The campaign tests' accounts: key -> (username, role, department).
CAMPAIGN_PEOPLE = {
    "office": ("wang.office", "office", "office"),
    "admin": ("root.admin", "admin", "office"),
    "nr": ("su.nr", "liaison", "natural_resources"),
    "nr_leader": ("zhang.nr", "leader", "natural_resources"),
    "nr_member": ("liu.nr", "member", "natural_resources"),
    "police": ("li.police", "liaison", "police"),
    "police_leader": ("meng.police", "leader", "police"),
    "police_member": ("zhao.police", "member", "police"),
    "finance": ("qian.finance", "liaison", "finance"),
}


@pytest.fixture
def campaign_people(app: Flask, make_user: Callable[..., Any]) -> dict[str, int]:
    """The accounts of :data:`CAMPAIGN_PEOPLE`, created: key -> user id."""
    return {key: make_user(username, role, department)
            for key, (username, role, department) in CAMPAIGN_PEOPLE.items()}


def user_of(user_id: int) -> Any:
    """The account ``user_id`` (inside an app context)."""
    from core.accounts.models import User
    from core.db import db

    return db.session.get(User, user_id)


def campaign_of(campaign_id: int) -> Any:
    """The campaign ``campaign_id`` (inside an app context)."""
    from core.campaigns.models import Campaign
    from core.db import db

    return db.session.get(Campaign, campaign_id)


@pytest.fixture
def make_campaign(app: Flask) -> Callable[..., int]:
    """Create a campaign from a shipped template, as ``user_id``; its id:
    ``make_campaign(user_id, code="mining", start=date(2021, 4, 1), now=CAMPAIGN_NOW)``
    (other keywords go to the ``CampaignInput``, e.g. ``ledger_unit=``)."""
    from core import audit
    from core.campaigns import services
    from core.campaigns.config import templates
    from core.db import db

    def make(user_id: int, code: str = "mining", start: date = date(2021, 4, 1),
             now: datetime = CAMPAIGN_NOW, **fields: Any) -> int:
        with app.app_context(), audit.acting_as(name="test"):
            campaign = services.create_from_template(
                user_of(user_id), templates()[code],
                services.CampaignInput(starts_on=start, **fields), now=now)
            db.session.commit()
            return campaign.id

    return make
