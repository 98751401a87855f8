"""Site-local time: stored in UTC, reasoned about in the site's zone (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def site_zone() -> ZoneInfo:
    """The configured time zone of this installation."""
    from core.app import kernel

    return ZoneInfo(kernel().settings["app"]["timezone"])


def day_start(day: date, end: bool = False) -> datetime:
    """Local midnight starting ``day`` (or ending it, if ``end``), as an aware datetime."""
    start = datetime.combine(day, time.min, tzinfo=site_zone())
    return start + timedelta(days=1) if end else start
