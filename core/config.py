"""Load and validate the TOML configuration.

Every error raised here is a :class:`ConfigError` that names the file and the key, so an
administrator who mistyped ``config/departments.toml`` is told exactly where to look.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
DEFAULT_SETTINGS_FILE = CONFIG_DIR / "settings.toml"
DEFAULT_DEPARTMENTS_FILE = CONFIG_DIR / "departments.toml"
DEFAULT_VILLAGES_FILE = CONFIG_DIR / "villages.toml"
DEFAULT_HOLIDAYS_FILE = CONFIG_DIR / "holidays.toml"

#: Department codes are stable identifiers other installations and scripts rely on.
CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"


class ConfigError(Exception):
    """A configuration file is missing, malformed or invalid.

    ``str(error)`` reads ``<file>: <key>: <problem>`` for every problem found.
    """

    def __init__(self, path: Path | str, problems: list[tuple[str, str]]):
        self.path = str(path)
        self.problems = problems
        super().__init__(
            "\n".join(f"{self.path}: {key}: {message}" for key, message in problems)
        )


def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Turn marshmallow's nested error dict into ``("a.b[2].c", "message")`` pairs."""
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == "_schema":
                name = prefix or "(file)"
                out.extend((name, m) for m in _as_list(value))
                continue
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, name))
    else:
        out.extend((prefix or "(file)", m) for m in _as_list(messages))
    return out


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        result: list[str] = []
        for item in value:
            result.extend(_as_list(item) if isinstance(item, (list, dict)) else [str(item)])
        return result
    return [str(value)]


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning I/O and syntax errors into :class:`ConfigError`."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(path, [("(file)", "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [("(file)", f"invalid TOML: {exc}")]) from None


def validate_with(schema: Schema, data: Any, path: Path) -> Any:
    """Load ``data`` through ``schema``; errors become a :class:`ConfigError` for ``path``."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ConfigError(path, _flatten(exc.messages)) from None


# --------------------------------------------------------------------------- settings


class _Section(Schema):
    class Meta:
        unknown = RAISE


def _is_zone(value: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        raise ValidationError(f"unknown time zone {value!r}") from None
    return True


def _is_rate_limit(value: str) -> bool:
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ValidationError(f"not a rate limit like '30 per minute': {value!r}") from None
    return True


class AppSection(_Section):
    secret_key = fields.String(load_default="")
    default_locale = fields.String(
        load_default="zh_CN", validate=validate.OneOf(["zh_CN", "en"])
    )
    timezone = fields.String(load_default="Asia/Shanghai", validate=lambda v: _is_zone(v))
    instance_path = fields.String(load_default="")


class DatabaseSection(_Section):
    url = fields.String(load_default="")
    echo = fields.Boolean(load_default=False)


class PluginsSection(_Section):
    enabled = fields.List(fields.String(), load_default=lambda: ["*"])
    disabled = fields.List(fields.String(), load_default=list)


class SecuritySection(_Section):
    idle_timeout_minutes = fields.Integer(load_default=30, validate=validate.Range(min=1))
    lockout_threshold = fields.Integer(load_default=5, validate=validate.Range(min=1))
    lockout_minutes = fields.Integer(load_default=15, validate=validate.Range(min=1))
    login_rate_limit = fields.String(load_default="30 per minute",
                                     validate=lambda v: _is_rate_limit(v))
    session_cookie_secure = fields.Boolean(load_default=False)
    #: Public tips a client may send (page and API together).
    tip_rate_limit = fields.String(load_default="10 per hour",
                                   validate=lambda v: _is_rate_limit(v))
    #: How many reverse proxies in front set X-Forwarded-For (0: none, use the peer address).
    trusted_proxies = fields.Integer(load_default=0, validate=validate.Range(min=0, max=5))
    #: Shared limiter storage for several app servers, e.g. "redis://host:6379".
    rate_limit_storage = fields.String(load_default="memory://")


class UploadsSection(_Section):
    path = fields.String(load_default="")
    max_size_mb = fields.Integer(load_default=20, validate=validate.Range(min=1, max=2048))


class MailSection(_Section):
    smtp_host = fields.String(load_default="")
    smtp_port = fields.Integer(load_default=25)
    smtp_user = fields.String(load_default="")
    smtp_password = fields.String(load_default="")
    sender = fields.String(load_default="")


class SharingSection(_Section):
    #: Quarterly liaison reports are due this many days after the quarter ends.
    quarterly_report_due_days = fields.Integer(load_default=10,
                                               validate=validate.Range(min=0, max=90))
    #: Liaison score = the weighted sum of three rates (each 0..1) x 100; weights sum to 1.
    score_weight_answers = fields.Float(load_default=0.5, validate=validate.Range(min=0, max=1))
    score_weight_reports = fields.Float(load_default=0.3, validate=validate.Range(min=0, max=1))
    score_weight_items = fields.Float(load_default=0.2, validate=validate.Range(min=0, max=1))
    #: Items shared in a quarter that count as a full items rate.
    score_items_target = fields.Integer(load_default=5, validate=validate.Range(min=1))

    @validates_schema
    def _weights(self, data: dict[str, Any], **kwargs: Any) -> None:
        total = (data["score_weight_answers"] + data["score_weight_reports"]
                 + data["score_weight_items"])
        if abs(total - 1) > 1e-6:
            raise ValidationError({"score_weight_answers": [
                f"the three score weights must add up to 1 (they add up to {total:g})"]})


class InspectionsSection(_Section):
    #: Listed supervision: the quarterly report is due this many days after the quarter ends
    #: (the monthly inquiry is due by the end of each month).
    supervision_report_due_days = fields.Integer(load_default=10,
                                                 validate=validate.Range(min=0, max=90))
    #: Notices are numbered "<prefix>〔year〕n号".
    notice_number_prefix = fields.String(load_default="林长办通报",
                                         validate=validate.Length(min=1, max=30))


class TransfersSection(_Section):
    #: The receiver acknowledges a case hand-over within this many working days.
    acknowledge_working_days = fields.Integer(load_default=3,
                                              validate=validate.Range(min=1, max=60))
    #: ... and gives its feedback (accepted, not a crime, returned...) within this many.
    feedback_working_days = fields.Integer(load_default=30,
                                           validate=validate.Range(min=1, max=365))


class UISection(_Section):
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=5, max=200))
    map_tile_url = fields.String(load_default="")


class SettingsSchema(_Section):
    app = fields.Nested(AppSection, load_default=lambda: AppSection().load({}))
    database = fields.Nested(DatabaseSection, load_default=lambda: DatabaseSection().load({}))
    plugins = fields.Nested(PluginsSection, load_default=lambda: PluginsSection().load({}))
    security = fields.Nested(SecuritySection, load_default=lambda: SecuritySection().load({}))
    uploads = fields.Nested(UploadsSection, load_default=lambda: UploadsSection().load({}))
    mail = fields.Nested(MailSection, load_default=lambda: MailSection().load({}))
    ui = fields.Nested(UISection, load_default=lambda: UISection().load({}))
    transfers = fields.Nested(TransfersSection, load_default=lambda: TransfersSection().load({}))
    sharing = fields.Nested(SharingSection, load_default=lambda: SharingSection().load({}))
    inspections = fields.Nested(InspectionsSection,
                                load_default=lambda: InspectionsSection().load({}))
    # Each plugin owns a table named after itself (STYLE rule 4); the core does not look inside.
    plugin = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)
    departments_file = fields.String(load_default="")
    villages_file = fields.String(load_default="")
    holidays_file = fields.String(load_default="")


#: Settings whose names match are never shown on the settings page or in logs
#: (plugins' own tables included: name a secret ``..._token``, ``..._password``...).
SECRET_NAME = re.compile(r"(password|secret|token|key|credential)s?$", re.IGNORECASE)


@dataclass
class Settings:
    """Validated settings: the TOML file, then environment overrides."""

    data: dict[str, Any]
    source: Path
    instance_path: Path
    departments_file: Path
    villages_file: Path = DEFAULT_VILLAGES_FILE
    holidays_file: Path = DEFAULT_HOLIDAYS_FILE
    overrides: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.data[section]

    @property
    def database_url(self) -> str:
        return self.data["database"]["url"]

    def plugin_settings(self, name: str) -> dict[str, Any]:
        """The ``[plugin.<name>]`` table, empty if absent."""
        return dict(self.data["plugin"].get(name, {}))

    def redacted(self) -> dict[str, Any]:
        """A copy for display: secrets replaced (by key name, at any depth), passwords
        removed from URLs."""

        def clean(key: str, value: Any) -> Any:
            if isinstance(value, dict):
                return {k: clean(k, v) for k, v in value.items()}
            if SECRET_NAME.search(key):
                return "********" if value else ""
            if isinstance(value, str) and "://" in value and "@" in value:
                return redact_url(value)
            return value

        return {section: clean(section, values) for section, values in self.data.items()}


def redact_url(url: str) -> str:
    """Hide the password in a database URL."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as a placeholder, not raised
        return "********"


def load_settings(
    path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None
) -> Settings:
    """Read the settings file and apply environment overrides.

    The file is ``path``, else ``$FORESTCHIEF_SETTINGS``, else ``config/settings.toml``.
    Environment: ``DATABASE_URL``, ``FORESTCHIEF_INSTANCE`` (instance folder),
    ``FORESTCHIEF_PLUGINS`` (comma-separated allow-list), ``FORESTCHIEF_SECRET_KEY``.
    """
    env = dict(os.environ if env is None else env)
    source = Path(path or env.get("FORESTCHIEF_SETTINGS") or DEFAULT_SETTINGS_FILE).resolve()
    data = validate_with(SettingsSchema(), read_toml(source), source)

    overrides: dict[str, str] = {}
    instance = env.get("FORESTCHIEF_INSTANCE") or data["app"]["instance_path"]
    instance_path = Path(instance).resolve() if instance else ROOT / "instance"
    if env.get("FORESTCHIEF_INSTANCE"):
        overrides["app.instance_path"] = "FORESTCHIEF_INSTANCE"
    if env.get("DATABASE_URL"):
        data["database"]["url"] = env["DATABASE_URL"]
        overrides["database.url"] = "DATABASE_URL"
    if not data["database"]["url"]:
        data["database"]["url"] = f"sqlite:///{instance_path / 'forestchief.db'}"
    if env.get("FORESTCHIEF_SECRET_KEY"):
        data["app"]["secret_key"] = env["FORESTCHIEF_SECRET_KEY"]
        overrides["app.secret_key"] = "FORESTCHIEF_SECRET_KEY"
    allow = env.get("FORESTCHIEF_PLUGINS")
    if allow is not None:
        data["plugins"]["allow"] = [p.strip() for p in allow.split(",") if p.strip()]
        overrides["plugins.allow"] = "FORESTCHIEF_PLUGINS"
    if not data["uploads"]["path"]:
        data["uploads"]["path"] = str(instance_path / "uploads")

    departments = data["departments_file"]
    departments_file = (
        (source.parent / departments).resolve() if departments else DEFAULT_DEPARTMENTS_FILE
    )
    villages = data["villages_file"]
    villages_file = (source.parent / villages).resolve() if villages else DEFAULT_VILLAGES_FILE
    holidays = data["holidays_file"]
    holidays_file = (source.parent / holidays).resolve() if holidays else DEFAULT_HOLIDAYS_FILE
    return Settings(
        data=data,
        source=source,
        instance_path=instance_path,
        departments_file=departments_file,
        villages_file=villages_file,
        holidays_file=holidays_file,
        overrides=overrides,
    )


def ensure_secret_key(settings: Settings) -> str:
    """Return the configured secret key, or one kept in ``instance/secret_key`` (mode 600).

    Every worker and every restart reads the same file, so sessions survive both.
    """
    if settings["app"]["secret_key"]:
        return settings["app"]["secret_key"]
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    key_file = settings.instance_path / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


# ------------------------------------------------------------------------ departments


class DepartmentEntry(_Section):
    code = fields.String(required=True, validate=validate.Regexp(CODE_PATTERN))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    duties = fields.String(load_default="")
    plugin = fields.String(load_default=None, allow_none=True)
    kind = fields.String(
        load_default="department", validate=validate.OneOf(["office", "department"])
    )


class DepartmentsFile(_Section):
    department = fields.List(fields.Nested(DepartmentEntry), required=True)

    @validates_schema
    def _unique_codes(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen: dict[str, int] = {}
        errors: dict[str, Any] = {}
        for index, entry in enumerate(data.get("department", [])):
            code = entry["code"]
            if code in seen:
                errors.setdefault(index, {})["code"] = [
                    f"duplicate code {code!r} (first used by department[{seen[code]}])"
                ]
            else:
                seen[code] = index
        offices = [e["code"] for e in data.get("department", []) if e["kind"] == "office"]
        if len(offices) != 1:
            raise ValidationError({"_schema": [
                f'exactly one department must have kind = "office" (found {len(offices)})']})
        if errors:
            raise ValidationError({"department": errors})


def load_departments(path: Path, known_plugins: set[str] | None = None) -> list[dict[str, Any]]:
    """Read and validate ``departments.toml``.

    ``known_plugins`` is the set of available plugin names; a department naming another one
    is an error. Nothing is written anywhere: callers apply the result in one transaction.
    """
    data = validate_with(DepartmentsFile(), read_toml(path), path)
    entries: list[dict[str, Any]] = data["department"]
    if known_plugins is not None:
        problems = [
            (f"department[{i}].plugin", f"unknown plugin {e['plugin']!r}; available: "
             + ", ".join(sorted(known_plugins)))
            for i, e in enumerate(entries)
            if e["plugin"] and e["plugin"] not in known_plugins
        ]
        if problems:
            raise ConfigError(path, problems)
    return entries


# --------------------------------------------------------------------------- villages


class LocalUnitEntry(_Section):
    code = fields.String(required=True, validate=validate.Regexp(CODE_PATTERN))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    duties = fields.String(load_default="")


class VillagesFile(_Section):
    township = fields.Nested(LocalUnitEntry, required=True)
    village = fields.List(fields.Nested(LocalUnitEntry), load_default=list)

    @validates_schema
    def _unique_codes(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen = {data["township"]["code"]: "township"} if "township" in data else {}
        errors: dict[str, Any] = {}
        for index, entry in enumerate(data.get("village", [])):
            if entry["code"] in seen:
                errors.setdefault(index, {})["code"] = [
                    f"duplicate code {entry['code']!r} (first used by {seen[entry['code']]})"]
            else:
                seen[entry["code"]] = f"village[{index}]"
        if errors:
            raise ValidationError({"village": errors})


def load_villages(path: Path, department_codes: set[str] | None = None) -> list[dict[str, Any]]:
    """Read and validate ``villages.toml``: the township government and its villages.

    Entries come back with ``kind`` = ``township`` or ``village``. A code that a department
    of ``departments.toml`` already uses (``department_codes``) is an error.
    """
    data = validate_with(VillagesFile(), read_toml(path), path)
    entries = [{**data["township"], "kind": "township", "key": "township"}]
    entries += [{**v, "kind": "village", "key": f"village[{i}]"}
                for i, v in enumerate(data["village"])]
    if department_codes:
        problems = [(f"{e['key']}.code", f"code {e['code']!r} is a department's code "
                     "in the departments file") for e in entries if e["code"] in department_codes]
        if problems:
            raise ConfigError(path, problems)
    return entries
