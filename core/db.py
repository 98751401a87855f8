"""Database: the Flask-SQLAlchemy extension, the declarative base and SQLite pragmas.

Nothing here assumes SQLite; the pragmas are applied only when the engine is SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable migration names)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


MAX_PAGE = 100_000


def paginate(stmt: Any, per_page: int, max_per_page: int = 200) -> Any:
    """One page of ``stmt`` for a list page: ``?page=`` from the query string, bounded so a
    huge number is the last page's neighbour, never an overflow."""
    from flask import request

    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(stmt, page=min(max(page, 1), MAX_PAGE), per_page=per_page,
                       max_per_page=max_per_page, error_out=False)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (stored as UTC, shown in Asia/Shanghai)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones; PostgreSQL ``timestamptz`` does. This type makes both behave
    the same so deadline arithmetic never mixes naive and aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use core.db.utcnow() or an aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # pragma: no cover - trivial
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def savepoint() -> Iterator[Any]:
    """``db.session.begin_nested()`` that never commits the request's work early.

    Python's sqlite3 driver opens a transaction only before a data-changing statement, so a
    SAVEPOINT taken while the request has only read starts the outer transaction itself, and
    releasing it would commit everything written inside. On SQLite the request's transaction
    is opened first (a plain ``BEGIN``); elsewhere this is ``begin_nested()``.
    """
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    if type(raw).__module__.startswith("sqlite3") and not raw.in_transaction:
        raw.execute("BEGIN")
    with db.session.begin_nested() as nested:
        yield nested
