"""Working days: the official Chinese calendar, the one helper every deadline uses.

A working day is a day the State Council's calendar says people work: Monday to Friday
except public holidays, plus the weekend days worked in exchange (调休). The data comes from
the maintained package ``chinesecalendar`` (``import chinese_calendar``) and from
``config/holidays.toml`` (``holidays_file`` in the settings), which adds the years the
package does not know yet and may override single days of the years it does know:

* a year the package knows: the package's calendar, with the file's days (if it lists the
  year) replacing the package's verdict for those days only;
* a year only the file knows: Monday to Friday, minus its ``holidays``, plus its ``workdays``;
* a year neither knows: Monday to Friday, with a warning (once per year per process) naming
  the year and the file to edit.

Deadlines are counted in site-local days (``core.timeutil``): "within n working days" of a
moment ends at the last second (``due_by``) of the n-th working day after the moment's
site-local day, stored as an aware UTC datetime.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import chinese_calendar
from marshmallow import ValidationError, fields, validate, validates_schema

from core.config import _Section, read_toml, validate_with
from core.timeutil import EARLIEST, LATEST, due_by, site_zone

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

#: Key of the per-app cache in ``app.extensions``.
EXTENSION = "forestchief_workdays"

_WEEKEND = (5, 6)

#: Years a warning was logged for, in this process (one warning per year, not per call).
_warned: set[int] = set()
_warned_lock = threading.Lock()


def _package_years() -> range:
    """The years ``chinesecalendar`` has data for (the same rule it applies itself)."""
    days = chinese_calendar.holidays.keys()
    return range(min(days).year, max(days).year + 1)


def _year_days(year: int) -> list[date]:
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    return [date.fromordinal(ordinal) for ordinal in range(first, last + 1)]


class Calendar:
    """Which days are working days; immutable once built.

    ``years`` maps a year to ``(holidays, workdays)`` from the holidays file: days off and
    days worked that override the package (or, for a year the package does not know, the
    Monday-to-Friday week). ``source`` is the file, named in warnings. ``zone`` is the site's
    time zone for datetimes; ``None`` means ``core.timeutil.site_zone()`` (needs an app).
    """

    __slots__ = ("_cache", "_file_years", "_known", "_source", "_zone")

    def __init__(self, years: Mapping[int, tuple[Iterable[date], Iterable[date]]] | None = None,
                 source: Path | None = None, zone: ZoneInfo | None = None):
        self._file_years: dict[int, tuple[frozenset[date], frozenset[date]]] = {
            year: (frozenset(off), frozenset(on)) for year, (off, on) in (years or {}).items()
        }
        self._known = _package_years()
        self._source = source
        self._zone = zone
        #: year -> sorted ordinals of its working days, built on first use.
        self._cache: dict[int, tuple[int, ...]] = {}

    def __repr__(self) -> str:
        return (f"<Calendar package {self._known.start}-{self._known.stop - 1}, "
                f"file years {sorted(self._file_years)} from {self._source}>")

    @property
    def source(self) -> Path | None:
        """The holidays file this calendar was loaded from."""
        return self._source

    def knows(self, year: int) -> bool:
        """Whether the package or the file has the official calendar of ``year``."""
        return year in self._known or year in self._file_years

    # ----------------------------------------------------------------- public questions

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` (a date, or an aware datetime's site-local day) is a working day."""
        day = self._day(day)
        ordinal, days = day.toordinal(), self._working(day.year)
        index = bisect_left(days, ordinal)
        return index < len(days) and days[index] == ordinal

    def add_working_days(self, start: datetime | date, n: int) -> date:
        """The ``n``-th working day after ``start``'s site-local day.

        ``start`` itself never counts: Friday + 1 is Monday, and a start on a holiday counts
        from the next working day. ``n = 0`` gives the start day; a negative ``n`` counts back
        (-1: the last working day before it).
        """
        day = self._day(start)
        if n == 0:
            return day
        ordinal, year = day.toordinal(), day.year
        days = self._working(year)
        if n > 0:
            index, remaining = bisect_right(days, ordinal), n
            while remaining > len(days) - index:
                remaining -= len(days) - index
                year += 1
                days, index = self._working(self._check_year(year)), 0
            return date.fromordinal(days[index + remaining - 1])
        index, remaining = bisect_left(days, ordinal), -n  # days[:index] are before ``day``
        while remaining > index:
            remaining -= index
            year -= 1
            days = self._working(self._check_year(year))
            index = len(days)
        return date.fromordinal(days[index - remaining])

    def working_days_between(self, start: datetime | date, end: datetime | date) -> int:
        """Full working days elapsed from ``start`` to ``end``, in site-local days.

        Counts the working days after ``start``'s day that are over before ``end``'s day
        begins (0 when ``end`` is not later). So a moment is past the deadline of "within n
        working days of ``start``" exactly when ``working_days_between(start, moment) >= n``.
        """
        first = self._day(start) + timedelta(days=1)
        last = self._day(end) - timedelta(days=1)
        if last < first:
            return 0
        total = 0
        for year in range(first.year, last.year + 1):
            days = self._working(year)
            total += (bisect_right(days, last.toordinal())
                      - bisect_left(days, first.toordinal()))
        return total

    # ---------------------------------------------------------------------- internals

    def _day(self, value: datetime | date) -> date:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("naive datetime given; pass an aware datetime "
                                 "(core.db.utcnow() or a stored timestamp)")
            return value.astimezone(self._zone or site_zone()).date()
        return value

    @staticmethod
    def _check_year(year: int) -> int:
        if not EARLIEST.year <= year <= LATEST.year:
            raise OverflowError(f"working days counted beyond {EARLIEST.year}-{LATEST.year}")
        return year

    def _working(self, year: int) -> tuple[int, ...]:
        """The sorted ordinals of ``year``'s working days (cached)."""
        days = self._cache.get(year)
        if days is None:
            days = self._cache.setdefault(year, self._build(year))
        return days

    def _build(self, year: int) -> tuple[int, ...]:
        off, on = self._file_years.get(year, (frozenset(), frozenset()))
        if year in self._known:
            holidays, workdays = chinese_calendar.holidays, chinese_calendar.workdays

            def works(day: date) -> bool:
                return day in workdays or (day.weekday() not in _WEEKEND and day not in holidays)
        else:
            if year not in self._file_years:
                self._warn(year)

            def works(day: date) -> bool:
                return day.weekday() not in _WEEKEND

        return tuple(day.toordinal() for day in _year_days(year)
                     if day in on or (day not in off and works(day)))

    def _warn(self, year: int) -> None:
        with _warned_lock:
            if year in _warned:
                return
            _warned.add(year)
        where = self._source or "the holidays file (setting holidays_file)"
        log.warning(
            "No official working-day calendar for %d: chinesecalendar %s knows %d-%d and %s "
            "does not list %d, so Monday to Friday count as working days. Add a [[year]] table "
            "for %d (holidays and 调休 workdays from the State Council notice) to %s, or "
            "upgrade chinesecalendar.",
            year, getattr(chinese_calendar, "__version__", "?"), self._known.start,
            self._known.stop - 1, where, year, year, where)


# ------------------------------------------------------------------------ the file


class _Day(fields.Field):
    """A day: an ISO ``"YYYY-MM-DD"`` string, or a TOML date (``2027-01-01`` unquoted)."""

    default_error_messages = {"invalid": "not a date like \"2027-01-01\": {input!r}"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and len(value) == 10:  # not "20270101" nor a datetime
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.make_error("invalid", input=value)


class _YearEntry(_Section):
    year = fields.Integer(required=True, strict=True,
                          validate=validate.Range(min=EARLIEST.year, max=LATEST.year))
    holidays = fields.List(_Day(), load_default=list)
    workdays = fields.List(_Day(), load_default=list)
    #: Where the dates come from (the notice's address); for people, not used.
    source = fields.String(load_default="")

    @validates_schema
    def _days(self, data: dict[str, Any], **kwargs: Any) -> None:
        year = data["year"]
        errors: dict[str, dict[int, list[str]]] = {}
        first_seen: dict[date, str] = {}
        for name in ("holidays", "workdays"):
            for index, day in enumerate(data[name]):
                if day.year != year:
                    problem = f"{day.isoformat()} is not in {year}"
                elif day in first_seen:
                    where = first_seen[day]
                    problem = (f"duplicate {day.isoformat()} (also {where})"
                               if where.startswith(name) else
                               f"{day.isoformat()} cannot be both a holiday and a workday "
                               f"(also {where})")
                else:
                    first_seen[day] = f"{name}[{index}]"
                    continue
                errors.setdefault(name, {}).setdefault(index, []).append(problem)
        if errors:
            raise ValidationError(errors)


class _HolidaysFile(_Section):
    year = fields.List(fields.Nested(_YearEntry), load_default=list)

    @validates_schema
    def _unique_years(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen: dict[int, int] = {}
        errors: dict[int, dict[str, list[str]]] = {}
        for index, entry in enumerate(data["year"]):
            if entry["year"] in seen:
                errors[index] = {"year": [f"duplicate year {entry['year']} "
                                          f"(first in year[{seen[entry['year']]}])"]}
            else:
                seen[entry["year"]] = index
        if errors:
            raise ValidationError({"year": errors})


def load_calendar(path: Path, zone: ZoneInfo | None = None) -> Calendar:
    """Read and validate the holidays file; a problem is a ``ConfigError`` naming file and key.

    ``zone`` is the site's time zone (``None``: ``core.timeutil.site_zone()`` at use).
    """
    data = validate_with(_HolidaysFile(), read_toml(path), path)
    years = {entry["year"]: (entry["holidays"], entry["workdays"]) for entry in data["year"]}
    return Calendar(years, source=path, zone=zone)


# ------------------------------------------------------------------------- the app


def calendar(app: Flask | None = None) -> Calendar:
    """The app's calendar (``app`` or ``flask.current_app``), loaded once per app from
    ``settings.holidays_file``. Call it at start-up to fail early on a bad file."""
    from flask import current_app

    from core.app import kernel

    target = app if app is not None else current_app
    cached: Calendar | None = target.extensions.get(EXTENSION)
    if cached is None:
        settings = kernel(target).settings
        loaded = load_calendar(settings.holidays_file,
                               zone=ZoneInfo(settings["app"]["timezone"]))
        cached = target.extensions.setdefault(EXTENSION, loaded)
    return cached


def due_after_working_days(start: datetime, n: int) -> datetime:
    """The deadline "within ``n`` working days of ``start``": the last second (site time) of
    the ``n``-th working day after ``start``'s site-local day, as an aware UTC datetime."""
    return due_by(calendar().add_working_days(start, n)).astimezone(UTC)
