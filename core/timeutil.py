"""Site-local time: stored in UTC, reasoned about in the site's zone (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def site_zone() -> ZoneInfo:
    """The configured time zone of this installation."""
    from core.app import kernel

    return ZoneInfo(kernel().settings["app"]["timezone"])


#: Dates people may filter by; anything outside is treated as "no filter".
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def parse_day(value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` day from a query string, or None when absent, malformed or absurd."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is not None and EARLIEST <= day <= LATEST else None


def day_start(day: date, end: bool = False) -> datetime:
    """Local midnight starting ``day`` (or ending it, if ``end``), as an aware datetime."""
    start = datetime.combine(day, time.min, tzinfo=site_zone())
    return start + timedelta(days=1) if end else start


def due_by(day: date) -> datetime:
    """The deadline "by ``day``": its last second, site time (shown as that day)."""
    return day_start(day, end=True) - timedelta(seconds=1)


def local_day(moment: datetime) -> date:
    """The site-local calendar day of an aware ``moment``."""
    return moment.astimezone(site_zone()).date()
