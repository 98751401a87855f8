"""Application factory: settings -> database -> plugin manager -> blueprints.

No globals: every call builds a new app with its own plugin manager, so tests (and several
apps in one process) never share plugin state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pluggy
from flask import (
    Flask,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import Babel, lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, logout_user
from flask_smorest import Blueprint as ApiBlueprint
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from core import access
from core.config import ConfigError, Settings, ensure_secret_key, load_settings
from core.db import db, utcnow
from core.plugins import BUILTIN_PLUGINS, PluginError, call_each, make_plugin_manager

log = logging.getLogger(__name__)

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
PACKAGE_DIR = Path(__file__).resolve().parent


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that fits a database integer: larger numbers are a 404, not a 500."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


#: Query-string keys that ``url_for`` treats specially: never passed through from requests.
RESERVED_ARGS = {"endpoint", "values", "_external", "_anchor", "_method", "_scheme"}


def safe_args(**overrides: Any) -> dict[str, Any]:
    """The current query string as ``url_for`` keyword arguments, minus reserved names."""
    args = {k: v for k, v in request.args.items() if k not in RESERVED_ARGS}
    args.update(overrides)
    return args


@dataclass
class Kernel:
    """Per-app plugin state, kept in ``app.extensions["forestchief"]``."""

    settings: Settings
    pm: pluggy.PluginManager
    #: blueprint name -> owning plugin name
    blueprint_owner: dict[str, str] = field(default_factory=dict)
    sharing_categories: list[dict[str, str]] = field(default_factory=list)
    #: plugin name -> display name (lazy string)
    titles: dict[str, Any] = field(default_factory=dict)
    #: Labels of plugins' own notification kinds (``notification_kinds`` hook).
    notification_kinds: dict[str, Any] = field(default_factory=dict)
    offence_types: list[dict[str, str]] = field(default_factory=list)
    permissions: list[dict[str, str]] = field(default_factory=list)

    def owner_of(self, endpoint: str | None) -> str | None:
        """The plugin owning ``endpoint`` (``None`` for unknown endpoints)."""
        if not endpoint or "." not in endpoint:
            return None
        # The top-level blueprint owns nested ones too ("water.reports.index" -> "water").
        return self.blueprint_owner.get(endpoint.split(".", 1)[0])


def kernel(app: Flask | None = None) -> Kernel:
    """The current app's :class:`Kernel`."""
    from flask import current_app

    return (app or current_app).extensions["forestchief"]


def current_locale() -> str:
    """The request's language as pages compare it: ``"en"`` or ``"zh_CN"`` (Babel spells
    zh_CN as zh_Hans_CN)."""
    from flask_babel import get_locale

    return "en" if str(get_locale()).startswith("en") else "zh_CN"


def create_app(settings: Settings | str | None = None, testing: bool = False) -> Flask:
    """Build the application.

    ``settings`` is a :class:`Settings`, a path to a settings file, or ``None`` for
    ``$FORESTCHIEF_SETTINGS`` / ``config/settings.toml``. Raises :class:`ConfigError` or
    :class:`PluginError` (both name the culprit) when configuration is wrong.
    """
    if not isinstance(settings, Settings):
        settings = load_settings(settings)
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__, instance_path=str(settings.instance_path),
                template_folder="templates", static_folder="static")
    app.url_map.converters["int"] = BoundedIntConverter
    _configure_flask(app, settings, testing)
    proxies = settings["security"]["trusted_proxies"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    pm = make_plugin_manager(settings)
    kern = Kernel(settings=settings, pm=pm)
    app.extensions["forestchief"] = kern
    from core.workdays import calendar

    calendar(app)  # a bad config/holidays.toml stops start-up, naming the file and key

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    Babel(app, locale_selector=_select_locale,
          timezone_selector=lambda: settings["app"]["timezone"])
    _init_login(app)

    from core.api import make_api

    api = make_api(app)
    _register_blueprints(app, kern, api)
    _collect_vocabulary(kern)
    _check_route_owners(app, kern)
    _install_request_hooks(app, kern)
    _install_error_handlers(app)
    _install_template_globals(app, kern)
    pm.hook.configure.call_historic(kwargs={"app": app, "settings": settings})
    return app


def _configure_flask(app: Flask, settings: Settings, testing: bool) -> None:
    security = settings["security"]
    url = settings.database_url
    engine_options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        engine_options = {"connect_args": {"timeout": 15}}
    app.config.update(
        TESTING=testing,
        SECRET_KEY=ensure_secret_key(settings),
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options,
        SQLALCHEMY_ECHO=settings["database"]["echo"],
        MAX_CONTENT_LENGTH=settings["uploads"]["max_size_mb"] * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=security["session_cookie_secure"],
        SESSION_COOKIE_NAME="forestchief_session",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=security["idle_timeout_minutes"]),
        REMEMBER_COOKIE_DURATION=timedelta(seconds=0),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in before_request, skipped for bearer tokens
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=settings["app"]["default_locale"],
        BABEL_DEFAULT_TIMEZONE=settings["app"]["timezone"],
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
        RATELIMIT_STORAGE_URI=security["rate_limit_storage"],
        RATELIMIT_HEADERS_ENABLED=True,
        API_TITLE="forestchief API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui/",
    )


def _select_locale() -> str:
    if not has_request_context():  # CLI and jobs: the configured default
        return kernel().settings["app"]["default_locale"]
    lang = session.get("lang")
    if lang in ("zh_CN", "en"):
        return lang
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return kernel().settings["app"]["default_locale"]


def _init_login(app: Flask) -> None:
    from core.accounts.services import load_session_user, user_for_token

    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = _l("Please sign in to continue.")
    manager.login_message_category = "warning"
    manager.session_protection = "basic"
    manager.user_loader(load_session_user)

    @manager.request_loader
    def _bearer(req: Any) -> Any:
        scheme, _, token = req.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        user = user_for_token(token.strip())
        if user is not None:
            g.bearer_auth = True
        return user


def _register_blueprints(app: Flask, kern: Kernel, api: Any) -> None:
    for plugin_name, blueprints in call_each(kern.pm, "blueprints"):
        for bp in blueprints:
            if plugin_name not in BUILTIN_PLUGINS and not (
                bp.name == plugin_name or bp.name.startswith((plugin_name + "_", plugin_name + "."))
            ):
                raise PluginError(f"plugin {plugin_name!r}: blueprint {bp.name!r} must be named "
                                  f"after the plugin")
            if (plugin_name not in BUILTIN_PLUGINS and not isinstance(bp, ApiBlueprint)
                    and not (bp.url_prefix or "").startswith(f"/{plugin_name}")):
                raise PluginError(f"plugin {plugin_name!r}: blueprint {bp.name!r} must live "
                                  f"under /{plugin_name}")
            kern.blueprint_owner[bp.name] = plugin_name
            if isinstance(bp, ApiBlueprint):
                api.register_blueprint(bp)
            else:
                app.register_blueprint(bp)


def _check_route_owners(app: Flask, kern: Kernel) -> None:
    """Every route belongs to a registered blueprint, so every route gets the access checks."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("api-docs."):
            continue
        if kern.owner_of(rule.endpoint) is None:
            raise PluginError(f"route {rule.rule} ({rule.endpoint}) was added outside a "
                              "blueprint returned by the blueprints hook")


def _collect_vocabulary(kern: Kernel) -> None:
    for attr, hook, key in (("sharing_categories", "sharing_categories", "code"),
                            ("offence_types", "offence_types", "code"),
                            ("permissions", "permissions", "action")):
        seen: dict[str, str] = {}
        items: list[dict[str, str]] = []
        for plugin_name, answers in call_each(kern.pm, hook):
            for item in answers:
                if item[key] in seen:
                    raise PluginError(f"plugin {plugin_name!r}: {hook} {key} {item[key]!r} is "
                                      f"already defined by plugin {seen[item[key]]!r}")
                seen[item[key]] = plugin_name
                items.append({**item, "plugin": plugin_name})
        setattr(kern, attr, items)
    kern.titles = dict(call_each(kern.pm, "plugin_title"))
    kinds: dict[str, Any] = {}
    for plugin_name, answer in call_each(kern.pm, "notification_kinds"):
        for kind, label in answer.items():
            if kind in kinds:
                raise PluginError(f"plugin {plugin_name!r}: notification kind {kind!r} is "
                                  "already defined")
            kinds[kind] = label
    kern.notification_kinds = kinds


def wants_json() -> bool:
    """Whether the current request is an API call (errors answer JSON)."""
    return request.path.startswith("/api/")


def _install_request_hooks(app: Flask, kern: Kernel) -> None:
    idle = app.config["PERMANENT_SESSION_LIFETIME"]

    @app.before_request
    def _enforce_access() -> Any:
        endpoint = request.endpoint
        view = app.view_functions.get(endpoint) if endpoint else None
        if view is None:
            return None  # 404/405 handled by routing
        if endpoint == "static" or access.is_public(view):
            return None
        if endpoint.startswith("api-docs."):
            return None  # the OpenAPI document and its viewer are not business data
        if not current_user.is_authenticated:
            if wants_json():
                return api_error(401, "unauthorized", str(_l("Sign in or send a bearer token.")),
                                 headers={"WWW-Authenticate": "Bearer"})
            return app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if not g.get("bearer_auth"):
            last = session.get("seen")
            now = utcnow().timestamp()
            if last is not None and now - last > idle.total_seconds():
                lang = session.get("lang")
                logout_user()
                session.clear()
                if lang:
                    session["lang"] = lang
                if wants_json():
                    return api_error(401, "session_expired", str(_l("Your session expired.")),
                                     headers={"WWW-Authenticate": "Bearer"})
                session["flash_expired"] = True
                target = request.full_path if request.query_string else request.path
                return redirect(url_for("auth.login", next=target))
            session["seen"] = now
            session.permanent = True
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                csrf.protect()
        owner = kern.owner_of(endpoint)
        open_to_all = (access.serves_every_department(view)
                       and current_user.role in access.BUSINESS_ROLES)
        if (owner and owner not in BUILTIN_PLUGINS and not open_to_all
                and not access.plugin_serves(current_user, owner)):
            if wants_json():
                return api_error(403, "forbidden",
                                 str(_l("This plugin does not serve your department.")))
            return render_template("errors/error.html", code=403,
                                   message=_l("This plugin does not serve your department.")), 403
        return None

    images = " ".join(["'self'", "data:", *tile_sources(kern.settings)])
    csp = ("default-src 'self'; script-src 'self'; style-src 'self'; "
           f"img-src {images}; "
           "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
           "form-action 'self'; frame-ancestors 'none'")

    @app.after_request
    def _security_headers(response: Any) -> Any:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static" and current_user.is_authenticated:
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_request
    def _rollback_unfinished(exc: BaseException | None) -> None:
        # One transaction per request: what a view did not commit is rolled back.
        if exc is not None:
            db.session.rollback()


ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large",
               422: "validation_error", 429: "too_many_requests"}


def tile_sources(settings: Settings) -> list[str]:
    """The CSP source for the map tile server of ``[ui] map_tile_url`` (``{s}`` subdomains
    become a wildcard), or nothing when no tiles are configured."""
    from urllib.parse import urlsplit

    url = settings["ui"]["map_tile_url"]
    if not url:
        return []
    parts = urlsplit(url.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


def api_error(status: int, code: str, message: str,
              fields: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
    """The API's one error shape: ``{"error": {"code", "message", "fields"}}``."""
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


PAGE_MESSAGES = {
    400: _l("The request could not be processed. Reload the page and try again."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist."),
    405: _l("This action is not allowed here."),
    413: _l("The upload is too large."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong; nothing was saved."),
}


def http_error_response(exc: HTTPException) -> Any:
    """Render an HTTP error as JSON for the API or as a page for the UI."""
    status = exc.code or 500
    if wants_json():
        fields: dict[str, Any] = {}
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages") if isinstance(data, dict) else None
        if isinstance(messages, dict):
            for location in messages.values():
                if isinstance(location, dict):
                    fields.update(location)
        message = data.get("message") if isinstance(data, dict) and data.get("message") else None
        if not message:
            message = exc.description or exc.name
            if status == 422:
                message = str(_l("The request has invalid fields."))
        headers = {}
        if status == 405:
            allowed = getattr(exc, "valid_methods", None) or []
            if allowed:
                headers["Allow"] = ", ".join(allowed)
        return api_error(status, ERROR_CODES.get(status, "error"), str(message), fields, headers)
    response = exc.get_response()
    message = exc.description
    if isinstance(exc, CSRFError):
        message = _l("This form has expired or did not come from this site. "
                     "Reload the page and try again.")
    elif message == type(exc).description and status in PAGE_MESSAGES:
        message = PAGE_MESSAGES[status]  # werkzeug's English default -> translated text
    body = render_template("errors/error.html", code=status, message=message)
    return body, status, {k: v for k, v in response.headers.items() if k == "Allow"}


def _install_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error_response)

    @app.errorhandler(ConfigError)
    def _config_error(exc: ConfigError) -> Any:  # pragma: no cover - defensive
        log.error("configuration error: %s", exc)
        return http_error_response(_internal())

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return http_error_response(exc)
        log.exception("unhandled error")
        db.session.rollback()
        return http_error_response(_internal())


def _internal() -> HTTPException:
    from werkzeug.exceptions import InternalServerError

    return InternalServerError(str(_l("Something went wrong; nothing was saved.")))


def _install_template_globals(app: Flask, kern: Kernel) -> None:

    app.jinja_env.globals["safe_args"] = safe_args  # also inside imported macros

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "nav": navigation(current_user) if current_user.is_authenticated else [],
            "menu": menu,
            "current_locale": current_locale(),
            "can": access.can,
            "role_label": role_label,
            "plugin_label": lambda name: str(kern.titles.get(name, name)),
            "unread_count": _unread_count,
        }

    def _unread_count() -> int:
        # Counted once per request, and only when a page shows it (the navigation bar).
        if not current_user.is_authenticated:
            return 0
        if "unread_count" not in g:
            from core.notifications.services import unread_count

            g.unread_count = unread_count(current_user)
        return g.unread_count


ROLE_LABELS = {
    "admin": _l("System administrator"),
    "security": _l("Security officer"),
    "auditor": _l("Auditor"),
    "office": _l("Office staff"),
    "leader": _l("Leader"),
    "liaison": _l("Liaison"),
    "member": _l("Member"),
}


def role_label(role: str) -> str:
    """The translated name of ``role``."""
    return str(ROLE_LABELS.get(role, role))


def navigation(user: Any) -> list[dict[str, Any]]:
    """The menu for ``user``: every plugin's entries, filtered by department and sorted."""
    kern = kernel()
    items: list[dict[str, Any]] = []
    for plugin_name, entries in call_each(kern.pm, "nav_items", user=user):
        if plugin_name not in BUILTIN_PLUGINS and not access.plugin_serves(user, plugin_name):
            continue
        for entry in entries:
            items.append({"order": 100, "section": "main", "icon": "", **entry,
                          "plugin": plugin_name})
    items.sort(key=lambda e: (e["order"], str(e["label"])))
    return items


#: The drop-down that department plugins' own entries share when there are several.
DUTIES_GROUP = {"code": "duties", "label": _l("Department work"), "icon": "grid"}


def menu(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The navigation bar's layout: ``{"item": entry}`` for a link, ``{"group": {code, label,
    icon}, "items": [...]}`` for a drop-down, in the order of each one's first entry.

    A group with a single entry is shown as a plain link, so a village that sees one
    rectification page gets no drop-down.
    """
    plugin_entries = [e for e in items if e["plugin"] not in BUILTIN_PLUGINS
                      and not e.get("group")]
    layout: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for entry in items:
        group = entry.get("group") or (DUTIES_GROUP if entry in plugin_entries
                                       and len(plugin_entries) > 1 else None)
        if group is None:
            layout.append({"item": entry})
        elif group["code"] in groups:
            groups[group["code"]]["items"].append(entry)
        else:
            groups[group["code"]] = {"group": group, "items": [entry]}
            layout.append(groups[group["code"]])
    return [{"item": part["items"][0]} if "group" in part and len(part["items"]) == 1
            else part for part in layout]
