"""Core periodic jobs and the runner behind ``forestchief jobs run``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.accounts.models import User
from core.db import db


def purge_expired_lockouts(now: datetime) -> int:
    """Clear lockouts whose time has passed, so the account list shows who is really locked.

    Idempotent: a second run finds nothing to clear.
    """
    count = 0
    for user in db.session.scalars(select(User).where(User.locked_until.is_not(None),
                                                      User.locked_until <= now)):
        user.locked_until = None
        user.failed_logins = 0
        count += 1
    return count


def run_jobs(pm: Any, now: datetime, only: str | None = None) -> list[tuple[str, int | str]]:
    """Run every scheduled job (or the one named ``only``), each in its own transaction."""
    jobs = sorted((job for answers in pm.hook.scheduled_jobs() for job in answers),
                  key=lambda j: j["name"])
    results: list[tuple[str, int | str]] = []
    for job in jobs:
        if only and job["name"] != only:
            continue
        try:
            done = job["func"](now)
            db.session.commit()
            results.append((job["name"], done))
        except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
            db.session.rollback()
            results.append((job["name"], f"failed: {type(exc).__name__}: {exc}"))
    return results
