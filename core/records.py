"""Writing records other people may be writing at the same moment.

* :func:`claim_state` moves an object from one state to the next with one conditional
  UPDATE, so of two people acting at once exactly one succeeds (the other gets
  :class:`core.errors.StateConflict`); the statement is recorded in the audit log, which
  ORM events do not see for statements.
* :func:`last_reported_percent` is where a rectification or a task goes back to when its
  reported completion is sent back.
* :func:`add_numbered` stores a document numbered ``<prefix>〔year〕n号`` (per site-local
  year); when someone took the number first, the UNIQUE constraint refuses the insert and it
  counts again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db, savepoint
from core.errors import StateConflict
from core.timeutil import local_day

T = TypeVar("T")

#: How often a numbered insert counts again when another took the number first.
NUMBERING_ATTEMPTS = 5


def claim_state(model: Any, obj: Any, from_states: str | tuple[str, ...],
                to_state: str) -> None:
    """Move ``obj`` (a row of ``model`` with ``state`` and ``version`` columns) to
    ``to_state`` only if it is still in ``from_states``; bump its version; audit it."""
    allowed = (from_states,) if isinstance(from_states, str) else from_states
    result = db.session.execute(
        update(model).where(model.id == obj.id, model.state.in_(allowed))
        .values(state=to_state, version=model.version + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StateConflict(obj.id)
    before = obj.state if obj.state in allowed else allowed[0]
    audit.record("update", model.__tablename__, obj.id, {"state": [before, to_state]})
    db.session.refresh(obj, ["state", "version"])


def last_reported_percent(event_model: Any, owner_column: Any, owner_id: int) -> int:
    """The percent of the latest progress report on a timeline (``event_model`` rows with
    ``kind``, ``percent``, ``created_at``; ``owner_column == owner_id``), or 0."""
    return db.session.scalar(
        select(event_model.percent).where(owner_column == owner_id,
                                          event_model.kind == "progress",
                                          event_model.percent.is_not(None))
        .order_by(event_model.created_at.desc(), event_model.id.desc()).limit(1)) or 0


def next_number(column: Any, prefix: str, now: datetime) -> str:
    """The next ``<prefix>〔year〕n号`` of the site-local year of ``now`` in ``column``."""
    stem = f"{prefix}〔{local_day(now).year}〕"
    taken = db.session.scalar(select(func.count()).where(
        column.startswith(stem, autoescape=True))) or 0
    return f"{stem}{taken + 1}号"


def add_numbered(build: Callable[[str], T], column: Any, prefix: str, now: datetime) -> T:
    """Add ``build(number)`` to the session under the next free number (flushed)."""
    attempt = 1
    while True:
        row = build(next_number(column, prefix, now))
        try:
            with savepoint():
                db.session.add(row)
        except IntegrityError:
            if attempt == NUMBERING_ATTEMPTS:
                raise
            attempt += 1
        else:
            return row
