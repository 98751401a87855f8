"""The one audit mechanism: an append-only, hash-chained log written in the same transaction.

Every ORM insert, update and delete is recorded by a session event (never by views), and
security events (login, failed login, lockout, logout) by :func:`record`. Each row carries
the SHA-256 of its content and of the previous row, so ``forestchief audit verify`` detects
a row altered, inserted or removed by hand.

Columns flagged ``info={"audit": "redact"}`` are recorded as changed without their values;
``info={"audit": "skip"}`` marks bookkeeping columns (last login time, counters) whose
changes alone are not business changes (the security events record them instead).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Integer, String, event, insert, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import UTCDateTime, db, utcnow

GENESIS = "0" * 64
REDACTED = "[redacted]"


class AuditRecord(db.Model):
    """One audited event. Rows are only ever inserted."""

    __tablename__ = "audit_records"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(60), index=True)
    object_id: Mapped[str | None] = mapped_column(String(60), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    """A single row holding the chain's last sequence number and hash.

    Updating it first serialises concurrent writers (a row lock on PostgreSQL, the write
    lock on SQLite), so two transactions can never chain to the same predecessor.
    """

    __tablename__ = "audit_head"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


# ----------------------------------------------------------------------------- actors

_actor: contextvars.ContextVar[tuple[int | None, str] | None] = contextvars.ContextVar(
    "forestchief_audit_actor", default=None
)


@contextlib.contextmanager
def acting_as(user: Any | None = None, name: str | None = None) -> Iterator[None]:
    """Attribute changes made inside the block to ``user`` (or a system ``name`` like ``cli``)."""
    token = _actor.set(
        (user.id, user.username) if user is not None else (None, name or "system")
    )
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> tuple[int | None, str]:
    """Who is making the change: an explicit actor, the logged-in user, or ``anonymous``."""
    explicit = _actor.get()
    if explicit is not None:
        return explicit
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.username
    return None, "anonymous" if has_request_context() else "system"


# ---------------------------------------------------------------------------- entries


@dataclass
class Entry:
    action: str
    object_type: str
    object_id: str | None
    changes: dict[str, Any]


def to_jsonable(value: Any) -> Any:
    """A JSON-safe, hash-stable representation of a column value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, Enum)):
        return str(value.value if isinstance(value, Enum) else value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _audited(obj: Any) -> bool:
    return getattr(type(obj), "__audit__", True) and hasattr(type(obj), "__tablename__")


def _object_id(obj: Any) -> str | None:
    # New objects have their keys by after_flush, but not yet their identity key.
    state = inspect(obj)
    key = state.mapper.primary_key_from_instance(obj)
    if all(part is None for part in key):
        return None
    return ",".join(str(part) for part in key)


def _changes(obj: Any, action: str) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        policy = column.info.get("audit")
        history = state.attrs[attr.key].history
        if action == "insert":
            before, after = None, state.attrs[attr.key].value
        elif action == "delete":
            before = (history.deleted or history.unchanged or [None])[0]
            after = None
        else:
            if not history.has_changes():
                continue
            if policy == "skip":
                continue
            before = (history.deleted or [None])[0]
            after = (history.added or [None])[0]
            if before == after:
                continue
        if action != "update" and policy == "skip":
            continue
        if policy == "redact":
            changes[attr.key] = [REDACTED if before is not None else None,
                                 REDACTED if after is not None else None]
        else:
            changes[attr.key] = [to_jsonable(before), to_jsonable(after)]
    return changes


def _entry_hash(prev_hash: str, row: dict[str, Any]) -> str:
    content = {
        "seq": row["seq"],
        "at": row["at"].isoformat(timespec="microseconds"),
        "actor_id": row["actor_id"],
        "actor": row["actor"],
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "changes": row["changes"],
    }
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _write(session: Session, entries: list[Entry]) -> None:
    """Append ``entries`` to the chain on the session's current connection (same transaction)."""
    if not entries:
        return
    conn = session.connection()
    head = AuditHead.__table__
    result = conn.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq + len(entries)))
    if result.rowcount == 0:
        conn.execute(insert(head).values(id=1, seq=len(entries), hash=GENESIS))
    last_seq, prev_hash = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1)).one()
    seq = last_seq - len(entries)
    actor_id, actor = current_actor()
    now = utcnow()
    rows = []
    for entry in entries:
        seq += 1
        row = {
            "seq": seq,
            "at": now,
            "actor_id": actor_id,
            "actor": actor,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "changes": to_jsonable(entry.changes),
            "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = _entry_hash(prev_hash, row)
        rows.append(row)
    conn.execute(insert(AuditRecord.__table__), rows)
    conn.execute(update(head).where(head.c.id == 1).values(hash=prev_hash))


@event.listens_for(db.Model, "mapper_configured", propagate=True)
def _keep_old_values(mapper: Any, class_: type) -> None:
    """Load a column's old value before it is overwritten, even on an expired object.

    Without this, changing an attribute after a commit (when SQLAlchemy has expired it)
    would record ``None`` as the value before.
    """
    for prop in mapper.column_attrs:
        getattr(class_, prop.key).impl.active_history = True


@event.listens_for(db.Model, "after_delete", propagate=True)
def _collect_delete(mapper: Any, connection: Any, target: Any) -> None:
    """Deletes are collected row by row: orphans removed from a collection
    (``delete-orphan``) never appear in ``session.deleted``."""
    if not _audited(target):
        return
    session = inspect(target).session
    if session is not None:
        session.info.setdefault("audit_deletes", []).append(
            Entry("delete", type(target).__tablename__, _object_id(target),
                  _changes(target, "delete")))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    """Record every insert, update and delete of this flush (keys are assigned by now)."""
    entries: list[Entry] = session.info.pop("audit_deletes", [])
    for action, objects in (("insert", session.new), ("update", session.dirty)):
        for obj in objects:
            if not _audited(obj):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            entries.append(Entry(action, type(obj).__tablename__, _object_id(obj), changes))
    entries.sort(key=lambda e: (e.object_type, e.object_id or "", e.action))
    _write(session, entries)


def record(action: str, object_type: str, object_id: Any = None,
           changes: dict[str, Any] | None = None, session: Session | None = None) -> None:
    """Record an event that is not a row change (login, failed login, lockout, export...).

    Written at once on the current transaction; it commits or rolls back with it. Pending
    changes are flushed first, so every transaction locks its rows before the audit head
    (one lock order: no deadlocks between sign-in and sign-out).
    """
    session = session or db.session()
    session.flush()
    _write(session,
           [Entry(action, object_type, None if object_id is None else str(object_id),
                  changes or {})])


# ----------------------------------------------------------------------------- verify


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    message: str
    bad_seq: int | None = None


def verify(session: Session | None = None, batch: int = 1000) -> VerifyResult:
    """Walk the chain in order, recomputing every hash; report the first break."""
    session = session or db.session()
    table = AuditRecord.__table__
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    stmt = select(table).order_by(table.c.seq).execution_options(yield_per=batch)
    for row in session.execute(stmt).mappings():
        if row["seq"] != expected_seq:
            return VerifyResult(False, checked, f"sequence gap: expected {expected_seq}, "
                                f"found {row['seq']} (a row was removed)", row["seq"])
        if row["prev_hash"] != prev_hash:
            return VerifyResult(False, checked, f"record {row['seq']} does not chain to "
                                "its predecessor", row["seq"])
        if _entry_hash(prev_hash, dict(row)) != row["hash"]:
            return VerifyResult(False, checked, f"record {row['seq']} was altered "
                                "(its content does not match its hash)", row["seq"])
        prev_hash = row["hash"]
        expected_seq += 1
        checked += 1
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is not None and (head.seq != checked or head.hash != prev_hash):
        return VerifyResult(False, checked, f"the chain ends at record {checked} but the head "
                            f"says {head.seq} (records were removed from the end)", checked + 1)
    return VerifyResult(True, checked, f"{checked} audit records verified")
