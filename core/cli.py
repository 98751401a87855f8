"""The ``forestchief`` command: database, departments, accounts, tokens, audit, plugins, jobs.

Every command runs inside an application context built from ``--config`` (or
``$FORESTCHIEF_SETTINGS``). Plugins add their own group through the ``commands`` hook.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask

from core.config import ConfigError
from core.plugins import PluginError

ADMIN = "cli"


class AppGroup(click.Group):
    """Builds the app lazily (once) and adds plugin command groups."""

    def _app(self, ctx: click.Context) -> Flask:
        root = ctx.find_root()
        if root.obj is None:
            root.obj = {}
        if "app" not in root.obj:
            from core.app import create_app

            try:
                root.obj["app"] = create_app(root.params.get("config"))
            except (ConfigError, PluginError) as exc:
                raise click.ClickException(str(exc)) from None
        return root.obj["app"]

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        if ctx.resilient_parsing:
            return {}
        from core.app import kernel

        app = self._app(ctx)
        found: dict[str, click.Command] = {}
        for plugin_name, group in _call_commands(kernel(app).pm):
            if group.name != plugin_name:
                raise click.ClickException(
                    f"plugin {plugin_name!r}: its command group must be named {plugin_name!r}")
            found[plugin_name] = group
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = list(super().list_commands(ctx))
        with contextlib.suppress(click.ClickException):  # shown when a command runs
            names += sorted(self._plugin_commands(ctx))
        return names

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None:
            command = self._plugin_commands(ctx).get(name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        app = self._app(ctx)
        from core import audit

        with app.app_context(), audit.acting_as(name=ADMIN):
            return super().invoke(ctx)


def _call_commands(pm: Any) -> list[tuple[str, click.Command]]:
    from core.plugins import call_each

    return call_each(pm, "commands")


@click.group(cls=AppGroup)
@click.option("--config", type=click.Path(dir_okay=False), envvar="FORESTCHIEF_SETTINGS",
              help="Settings file (default: config/settings.toml).")
@click.version_option(package_name="forestchief")
def cli(config: str | None) -> None:
    """forestchief: the township forest-chief office's collaboration platform."""


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="forestchief")


def _commit() -> None:
    from core.db import db

    db.session.commit()


# ---------------------------------------------------------------------------------- db


@cli.group()
def db() -> None:
    """Database schema (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: every head, core and plugins)."""
    from flask import current_app

    from core.migrate import upgrade

    upgrade(current_app._get_current_object(), revision)  # type: ignore[attr-defined]
    click.echo(f"database at {revision}")


@db.command("check")
def db_check() -> None:
    """Fail if the migrated schema differs from the models."""
    from flask import current_app

    from core.migrate import pending_diff

    diff = pending_diff(current_app._get_current_object())  # type: ignore[attr-defined]
    if diff:
        for item in diff:
            click.echo(f"  {item}", err=True)
        raise click.ClickException("the models and the migrations differ")
    click.echo("models and migrations match")


# ------------------------------------------------------------------------- departments


@cli.group()
def departments() -> None:
    """Departments from config/departments.toml."""


def _echo_sync(report: Any, empty: str) -> None:
    for label, codes in (("added", report.added), ("updated", report.updated),
                         ("reactivated", report.reactivated),
                         ("deactivated", report.deactivated)):
        if codes:
            click.echo(f"{label}: {', '.join(codes)}")
    click.echo(f"{len(report.unchanged)} unchanged" if report.changed or report.unchanged
               else empty)


@departments.command("sync")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="Departments file (default: from settings).")
def departments_sync(path: Path | None) -> None:
    """Make the database match the departments file: add, update, deactivate."""
    from core.app import kernel
    from core.departments.services import sync_departments
    from core.plugins import available_plugins

    k = kernel()
    path = path or k.settings.departments_file
    try:
        report = sync_departments(path, set(available_plugins()))
    except ConfigError as exc:
        raise click.ClickException(f"nothing changed.\n{exc}") from None
    _commit()
    _echo_sync(report, "no departments")


@cli.group()
def villages() -> None:
    """The township government and villages from config/villages.toml."""


@villages.command("sync")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="Villages file (default: from settings).")
def villages_sync(path: Path | None) -> None:
    """Make the database match the villages file: add, update, deactivate."""
    from core.app import kernel
    from core.departments.services import sync_villages

    try:
        report = sync_villages(path or kernel().settings.villages_file)
    except ConfigError as exc:
        raise click.ClickException(f"nothing changed.\n{exc}") from None
    _commit()
    _echo_sync(report, "no villages")


@villages.command("list")
def villages_list() -> None:
    """List the township government and the active villages."""
    from core.departments.services import active_local_units

    for unit in active_local_units():
        click.echo(f"{unit.code:20} {unit.kind:9} {unit.name_zh}")


@cli.group()
def meetings() -> None:
    """Joint-meeting bodies from config/meetings.toml."""


@meetings.command("sync")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="Bodies file (default: config/meetings.toml).")
def meetings_sync(path: Path | None) -> None:
    """Add or update the file's joint-meeting bodies (after `departments sync`)."""
    from core.meetings.bodies import DEFAULT_FILE, sync_bodies

    try:
        report = sync_bodies(path or DEFAULT_FILE)
    except ConfigError as exc:
        raise click.ClickException(f"nothing changed.\n{exc}") from None
    _commit()
    for label, codes in (("added", report.added), ("updated", report.updated)):
        if codes:
            click.echo(f"{label}: {', '.join(codes)}")
    click.echo(f"{len(report.unchanged)} unchanged")


@cli.group()
def campaigns() -> None:
    """Special-campaign templates from config/campaigns/."""


@campaigns.command("templates")
def campaigns_templates() -> None:
    """Check every template (its file, its departments and the plugins answering its ledger
    groups) and list them; a bad template names the file and key."""
    from core.campaigns.config import templates
    from core.campaigns.services import departments_by_code, ledger_layout

    try:
        found = templates()
        known = departments_by_code()
        for tpl in found.values():
            ledger_layout(tpl, known)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    for tpl in found.values():
        phases = " → ".join(f"{p['name_zh']} {p['starts_on']}~{p['ends_on']}"
                            for p in tpl.data["phase"])
        click.echo(f"{tpl.code:12} {tpl.title}\n{'':12} {phases}")


@departments.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include deactivated departments.")
def departments_list(show_all: bool) -> None:
    """List departments in configuration order."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from core.db import db as database
    from core.departments.models import Department

    stmt = (select(Department).options(selectinload(Department.plugin_choices))
            .order_by(Department.position))
    if not show_all:
        stmt = stmt.where(Department.active.is_(True))
    for d in database.session.scalars(stmt):
        plugins = ",".join(sorted(d.enabled_plugins)) or "-"
        state = "" if d.active else "  (inactive)"
        click.echo(f"{d.code:20} {d.name_zh:12} plugins={plugins}{state}")


# ------------------------------------------------------------------------------- users


def _read_password(prompt: bool = True) -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.ClickException("no password on standard input")
        return line
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _user_or_fail(username: str) -> Any:
    from core.accounts.services import find_user

    user = find_user(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


@cli.group()
def users() -> None:
    """Accounts."""


@users.command("create")
@click.argument("username")
@click.option("--department", "department_code", required=True, help="Department code.")
@click.option("--role", required=True,
              type=click.Choice(["admin", "security", "auditor", "office", "leader", "liaison",
                                 "member"]))
@click.option("--display-name", default="", help="Full name shown in the UI.")
def users_create(username: str, department_code: str, role: str, display_name: str) -> None:
    """Create USERNAME. The password is prompted for, or read from standard input."""
    from core.accounts.services import AccountError, create_user

    password = _read_password()
    try:
        create_user(username, password, department_code, role, display_name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    _commit()
    click.echo(f"created {username} ({role}, {department_code})")


@users.command("list")
@click.option("--department", "department_code", default=None)
def users_list(department_code: str | None) -> None:
    """List accounts."""
    from sqlalchemy import select

    from core.accounts.models import User
    from core.db import db as database
    from core.departments.models import Department

    stmt = select(User).join(User.department).order_by(Department.position, User.username)
    if department_code:
        stmt = stmt.where(Department.code == department_code)
    for user in database.session.scalars(stmt):
        state = "active" if user.active else "inactive"
        if user.locked_until is not None:
            state += ", locked"
        click.echo(f"{user.username:20} {user.role:9} {user.department.code:20} {state}")


@users.command("set-password")
@click.argument("username")
def users_set_password(username: str) -> None:
    """Set USERNAME's password (prompted, or from standard input); ends their sessions."""
    from core.accounts.services import AccountError, set_password

    user = _user_or_fail(username)
    try:
        set_password(user, _read_password())
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    _commit()
    click.echo(f"password of {username} changed")


@users.command("set-email")
@click.argument("username")
@click.argument("email", required=False, default="")
def users_set_email(username: str, email: str) -> None:
    """Set USERNAME's e-mail address for notifications (leave EMAIL out to clear it)."""
    from core.accounts.services import AccountError, set_email

    user = _user_or_fail(username)
    try:
        set_email(user, email)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    _commit()
    click.echo(f"e-mail of {username}: {user.email or '(none)'}")


@users.command("deactivate")
@click.argument("username")
def users_deactivate(username: str) -> None:
    """Deactivate USERNAME: no sign-in, tokens revoked, sessions ended."""
    from core.accounts.services import deactivate

    deactivate(_user_or_fail(username))
    _commit()
    click.echo(f"{username} deactivated")


@cli.group()
def tokens() -> None:
    """API bearer tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for.")
def tokens_create(username: str, name: str) -> None:
    """Create a token for USERNAME and print it once (only its hash is stored)."""
    from core.accounts.services import create_token

    user = _user_or_fail(username)
    if not user.is_active:
        raise click.ClickException(f"{username} is not active")
    token = create_token(user, name)
    _commit()
    click.echo(token)


# ------------------------------------------------------------------------------- audit


@cli.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the hash chain of the audit log; exit 1 at the first broken record."""
    from core.audit import verify

    result = verify()
    if not result.ok:
        raise click.ClickException(result.message)
    click.echo(result.message)


# ----------------------------------------------------------------------------- plugins


@cli.group()
def plugins() -> None:
    """Plugins."""


@plugins.command("list")
def plugins_list() -> None:
    """Available plugins, whether they are enabled and the hooks they implement."""
    from core.app import kernel
    from core.plugins import plugin_infos

    for info in plugin_infos(kernel().pm):
        state = "enabled" if info.enabled else f"disabled ({info.reason})"
        click.echo(f"{info.name:12} {state:28} {info.source:10} {', '.join(info.hooks)}")


# -------------------------------------------------------------------------------- jobs


@cli.group()
def jobs() -> None:
    """Periodic work (run from cron)."""


@jobs.command("run")
@click.option("--only", default=None, help="Run just the job with this name.")
def jobs_run(only: str | None) -> None:
    """Run every scheduled job once; safe to run as often as you like."""
    from core.app import kernel
    from core.db import utcnow
    from core.jobs import run_jobs

    failed = False
    for name, outcome in run_jobs(kernel().pm, utcnow(), only):
        click.echo(f"{name}: {outcome}")
        failed = failed or isinstance(outcome, str)
    if failed:
        raise click.ClickException("some jobs failed")


# -------------------------------------------------------------------------------- demo


@cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when accounts already exist.")
@click.option("--credentials", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the demo passwords (default: instance/demo-credentials.txt).")
def demo(if_empty: bool, credentials: Path | None) -> None:
    """Create demo accounts with random passwords, printed once and saved (mode 600)."""
    from core.app import kernel
    from core.demo import create_demo_data, has_accounts

    if has_accounts():
        if if_empty:
            click.echo("accounts exist; demo data not created")
            return
        raise click.ClickException("accounts exist; demo data is only for an empty database")
    accounts = create_demo_data()
    _commit()
    path = credentials or kernel().settings.instance_path / "demo-credentials.txt"
    lines = [f"{a['username']:22} {a['password']:22} {a['role']:8} {a['department']}"
             for a in accounts]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# forestchief demo accounts: user, password, role, department\n")
        fh.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    click.echo("Demo accounts (shown once; also in " + str(path) + "):")
    for line in lines:
        click.echo("  " + line)


# ------------------------------------------------------------------------------- serve


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the application with gunicorn (a production WSGI server).

    The settings were validated when this command started; gunicorn then replaces this
    process and every worker builds a fresh app (``core.wsgi``), so no request ever runs
    inside the command line's context.
    """
    from core.app import kernel

    os.environ["FORESTCHIEF_SETTINGS"] = str(kernel().settings.source)
    click.echo(f"serving on http://{host}:{port}")
    sys.stdout.flush()
    argv = [
        sys.executable, "-m", "gunicorn", "core.wsgi:app",
        "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
        "--access-logfile", "-",
        # Never log client addresses or user agents (anonymous tipsters).
        "--access-logformat", '"%(r)s" %(s)s %(b)s %(M)sms',
    ]
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
