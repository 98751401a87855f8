"""Alembic, driven from code: one environment, the core's versions plus a branch per plugin."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask

from core.app import kernel
from core.db import db
from core.plugins import available_plugins

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def version_locations(app: Flask) -> list[str]:
    """The core's versions folder and ``<plugin>/migrations/versions`` of every installed plugin.

    Installed, not just enabled: the schema covers every plugin the installation has, so
    switching a plugin off (or on again) is configuration only, and a database that once ran
    a plugin's revisions still finds them (Alembic refuses an unknown revision).
    """
    locations = [str(MIGRATIONS_DIR / "versions")]
    for module, _source in sorted(available_plugins().values()):
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            continue
        folder = Path(spec.origin).resolve().parent / "migrations" / "versions"
        if folder.is_dir():
            locations.append(str(folder))
    return locations


def _include_object(app: Flask) -> Any:
    """An Alembic ``include_object`` that ignores the tables of installed plugins ``app``
    does not load: their models are not imported, yet their tables rightly exist."""
    loaded = {name for name, _plugin in kernel(app).pm.list_name_plugin()}
    prefixes = tuple(f"{name}_" for name in available_plugins() if name not in loaded)

    def include(obj: Any, name: str | None, type_: str, reflected: bool,
                compare_to: Any) -> bool:
        return not (type_ == "table" and reflected and compare_to is None
                    and (name or "").startswith(prefixes))

    return include


def alembic_config(app: Flask, connection: Any = None) -> Config:
    """An Alembic config bound to ``app``'s database (and ``connection`` if given)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_locations", " ".join(version_locations(app)))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["connection"] = connection
    cfg.attributes["metadata"] = db.metadata
    cfg.attributes["include_object"] = _include_object(app)
    return cfg


def upgrade(app: Flask, revision: str = "heads") -> None:
    """Migrate ``app``'s database to ``revision`` (all heads: core and every plugin branch)."""
    with app.app_context(), db.engine.begin() as connection:
        command.upgrade(alembic_config(app, connection), revision)


def current_heads(app: Flask) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def pending_diff(app: Flask) -> list[Any]:
    """Differences between the migrated database and the models (empty when in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": _include_object(app)})
        return compare_metadata(context, db.metadata)
