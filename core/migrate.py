"""Alembic, driven from code: one environment, the core's versions plus a branch per plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask

from core.app import kernel
from core.db import db

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def version_locations(app: Flask) -> list[str]:
    """The core's versions folder and ``<plugin>/migrations/versions`` of each loaded plugin."""
    locations = [str(MIGRATIONS_DIR / "versions")]
    for name, plugin in kernel(app).pm.list_name_plugin():
        module_file = getattr(plugin, "__file__", None)
        if not module_file or name == "core":
            continue
        folder = Path(module_file).resolve().parent / "migrations" / "versions"
        if folder.is_dir():
            locations.append(str(folder))
    return locations


def alembic_config(app: Flask, connection: Any = None) -> Config:
    """An Alembic config bound to ``app``'s database (and ``connection`` if given)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_locations", " ".join(version_locations(app)))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["connection"] = connection
    cfg.attributes["metadata"] = db.metadata
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
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)
