"""Working days: the official calendar, the holidays file, site-local deadlines."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from flask import Flask

from core import workdays
from core.config import DEFAULT_HOLIDAYS_FILE, ConfigError, load_settings
from core.workdays import Calendar, calendar, due_after_working_days, load_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cal() -> Calendar:
    """The package's calendar alone, in the site's zone (no app needed)."""
    return Calendar(zone=SHANGHAI)


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget which years were warned about, so this test sees its warnings."""
    monkeypatch.setattr(workdays, "_warned", set())


def write(tmp_path: Path, text: str, name: str = "holidays.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------- the official calendar


def test_national_day_week_2026_from_the_package(cal: Calendar) -> None:
    # The package's 2026 schedule: 1-7 October off, Saturday 10 October worked (调休).
    for day in range(1, 8):
        assert chinese_calendar.get_holiday_detail(date(2026, 10, day)) == (True, "National Day")
        assert not cal.is_workday(date(2026, 10, day))
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 10)) == (False, "National Day")
    # 30 September + 3 working days: Thursday 8, Friday 9, Saturday 10 October.
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cal.add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)


def test_make_up_saturday_is_a_working_day(cal: Calendar) -> None:
    saturday = date(2026, 10, 10)
    assert saturday.weekday() == 5
    assert cal.is_workday(saturday)
    assert cal.add_working_days(date(2026, 10, 9), 1) == saturday
    assert not cal.is_workday(date(2026, 10, 11))  # the Sunday after is a plain Sunday


def test_friday_plus_one_is_monday(cal: Calendar) -> None:
    friday = date(2026, 11, 20)
    assert friday.weekday() == 4
    assert cal.add_working_days(friday, 1) == date(2026, 11, 23)
    assert cal.add_working_days(friday, 5) == date(2026, 11, 27)
    assert cal.add_working_days(date(2026, 11, 21), 1) == date(2026, 11, 23)  # from Saturday


def test_zero_and_negative_counts(cal: Calendar) -> None:
    assert cal.add_working_days(date(2026, 11, 21), 0) == date(2026, 11, 21)
    assert cal.add_working_days(date(2026, 11, 23), -1) == date(2026, 11, 20)
    assert cal.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert cal.add_working_days(date(2026, 1, 5), -1) == date(2026, 1, 4)  # a 调休 Sunday
    assert cal.add_working_days(date(2026, 1, 5), -2) == date(2025, 12, 31)  # across years


def test_counts_agree_with_day_by_day_across_years(cal: Calendar) -> None:
    start = date(2024, 12, 20)
    expected, day = [], start
    while len(expected) < 300:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            expected.append(day)
    assert [cal.add_working_days(start, n) for n in (1, 7, 100, 300)] == [
        expected[0], expected[6], expected[99], expected[299]]
    assert cal.add_working_days(expected[299], -299) == expected[0]


def test_working_days_between_counts_full_local_days(cal: Calendar) -> None:
    start = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    assert cal.working_days_between(start, datetime(2026, 10, 8, 17, 0, tzinfo=SHANGHAI)) == 0
    assert cal.working_days_between(start, datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI)) == 1
    assert cal.working_days_between(start, datetime(2026, 10, 12, 0, 0, tzinfo=SHANGHAI)) == 3
    assert cal.working_days_between(start, start - timedelta(days=3)) == 0
    # Past the deadline of "within n working days" exactly when n full days have elapsed.
    due = cal.add_working_days(start, 3)
    last_second = datetime.combine(due, datetime.max.time(), tzinfo=SHANGHAI)
    assert cal.working_days_between(start, last_second) == 2
    assert cal.working_days_between(start, last_second + timedelta(seconds=1)) == 3


def test_start_counts_by_the_site_local_day(cal: Calendar) -> None:
    late_friday = datetime(2026, 11, 20, 23, 30, tzinfo=SHANGHAI)
    assert cal.add_working_days(late_friday, 1) == date(2026, 11, 23)
    assert cal.add_working_days(late_friday.astimezone(UTC), 1) == date(2026, 11, 23)
    # 16:30 UTC on Thursday is already Friday 00:30 in Shanghai: +1 is Monday, not Friday.
    thursday_utc = datetime(2026, 11, 19, 16, 30, tzinfo=UTC)
    assert cal.add_working_days(thursday_utc, 1) == date(2026, 11, 23)
    assert cal.is_workday(datetime(2026, 11, 20, 16, 30, tzinfo=UTC)) is False  # Saturday
    with pytest.raises(ValueError, match="naive"):
        cal.add_working_days(datetime(2026, 11, 20, 12, 0), 1)


def test_unknown_year_falls_back_to_monday_to_friday_with_one_warning(
        cal: Calendar, fresh_warnings: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        assert cal.is_workday(date(2099, 1, 1))  # a Thursday: New Year's Day is not known
        assert not cal.is_workday(date(2099, 1, 3))  # Saturday
        assert cal.add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)
        Calendar(zone=SHANGHAI).is_workday(date(2099, 6, 1))  # another calendar, same year
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2099" in warnings[0].getMessage()
    assert "holidays" in warnings[0].getMessage()


def test_warning_names_the_file_to_edit(tmp_path: Path, fresh_warnings: None,
                                        caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, "")
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        load_calendar(path, zone=SHANGHAI).add_working_days(date(2098, 12, 30), 3)
    messages = [r.getMessage() for r in caplog.records]
    assert any("2099" in m and str(path) in m for m in messages)
    assert any("2098" in m for m in messages)


def test_365_working_days_is_fast(cal: Calendar) -> None:
    start = datetime(2024, 3, 1, 9, 0, tzinfo=SHANGHAI)
    began = time.perf_counter()
    for _ in range(1000):
        cal.add_working_days(start, 365)
        cal.working_days_between(start, start + timedelta(days=500))
    assert time.perf_counter() - began < 1.0


# -------------------------------------------------------------------------- the file


def test_shipped_file_is_valid() -> None:
    calendar_ = load_calendar(DEFAULT_HOLIDAYS_FILE, zone=SHANGHAI)
    assert calendar_.is_workday(date(2026, 10, 10))
    assert calendar_.source == DEFAULT_HOLIDAYS_FILE


def test_file_adds_a_year(tmp_path: Path, fresh_warnings: None,
                          caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, """
[[year]]
year = 2097
holidays = ["2097-01-01", 2097-01-02]
workdays = ["2097-01-05"]
source = "test"
""")
    cal = load_calendar(path, zone=SHANGHAI)
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        assert not cal.is_workday(date(2097, 1, 1))  # Tuesday off
        assert not cal.is_workday(date(2097, 1, 2))  # Wednesday off (a TOML date)
        assert cal.is_workday(date(2097, 1, 5))  # Saturday worked
        assert not cal.is_workday(date(2097, 1, 6))  # Sunday
        assert cal.add_working_days(date(2097, 1, 1), 2) == date(2097, 1, 4)
    assert cal.knows(2097) and not cal.knows(2098)
    assert not caplog.records  # a year the file knows is not warned about


def test_file_overrides_single_days_of_a_package_year(tmp_path: Path) -> None:
    path = write(tmp_path, '[[year]]\nyear = 2026\nholidays = ["2026-11-20"]\n'
                           'workdays = ["2026-11-22"]\n')
    cal = load_calendar(path, zone=SHANGHAI)
    assert not cal.is_workday(date(2026, 11, 20))
    assert cal.is_workday(date(2026, 11, 22))
    assert cal.is_workday(date(2026, 11, 19))  # the rest is the package's
    assert cal.is_workday(date(2026, 10, 10))
    assert not cal.is_workday(date(2026, 10, 1))


@pytest.mark.parametrize(("text", "key", "message"), [
    ('[[year]]\nyear = 2027\nholidays = ["2027-01-01", "2026-12-31"]\n',
     "year[0].holidays[1]", "not in 2027"),
    ('[[year]]\nyear = 2027\nholidays = ["2027-02-06"]\nworkdays = ["2027-02-06"]\n',
     "year[0].workdays[0]", "both a holiday and a workday"),
    ('[[year]]\nyear = 2027\nholidays = ["2027-02-30"]\n',
     "year[0].holidays[0]", "not a date"),
    ('[[year]]\nyear = 2027\nholidays = ["1/1/2027"]\n',
     "year[0].holidays[0]", "not a date"),
    ('[[year]]\nyear = 2027\nworkdays = ["2027-02-06", "2027-02-06"]\n',
     "year[0].workdays[1]", "duplicate 2027-02-06"),
    ('[[year]]\nyear = 2027\n[[year]]\nyear = 2027\n',
     "year[1].year", "duplicate year 2027"),
    ('[[year]]\nyear = 2027\nholiday = ["2027-01-01"]\n',
     "year[0].holiday", "Unknown field"),
    ('[[year]]\nholidays = ["2027-01-01"]\n', "year[0].year", "required"),
    ('[[year]]\nyear = "2027"\n', "year[0].year", "integer"),
    ('[holidays]\n', "holidays", "Unknown field"),
    ("[[year]\n", "(file)", "invalid TOML"),
])
def test_bad_file_names_file_and_key(tmp_path: Path, text: str, key: str,
                                     message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_calendar(path)
    assert caught.value.path == str(path)
    assert any(k == key and message in m for k, m in caught.value.problems), \
        caught.value.problems
    assert f"{path}: {key}: " in str(caught.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_calendar(tmp_path / "nope.toml")


# --------------------------------------------------------------------------- the app


@pytest.fixture
def app_with_holidays(database_url: str, tmp_path: Path) -> Iterator[Callable[[str], Flask]]:
    """An app whose settings set ``holidays_file`` (a top-level key: ``app_factory``'s extra
    TOML lands in ``[security]``, so this writes its own settings file)."""
    from core.app import create_app
    from core.db import db

    made: list[Flask] = []

    def make(holidays_text: str) -> Flask:
        directory = tmp_path / f"site{len(made)}"
        directory.mkdir()
        write(directory, holidays_text, "my-holidays.toml")
        settings_file = write(directory, (
            'holidays_file = "my-holidays.toml"\n'
            f'[app]\ninstance_path = "{directory / "instance"}"\nsecret_key = "test-secret"\n'
        ), "settings.toml")
        app = create_app(load_settings(settings_file, env={"DATABASE_URL": database_url}),
                         testing=True)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_app_calendar_is_loaded_once_per_app(app: Flask, app_factory: Callable[..., Flask]
                                             ) -> None:
    with app.app_context():
        first = calendar()
        assert calendar() is first
        assert app.extensions[workdays.EXTENSION] is first
        assert first.source == DEFAULT_HOLIDAYS_FILE
    other = app_factory(sync=False)
    assert calendar(other) is not first


def test_due_after_working_days_is_end_of_day_site_time(app: Flask) -> None:
    with app.app_context():
        start = datetime(2026, 9, 30, 9, 15, tzinfo=UTC)
        due = due_after_working_days(start, 3)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert due.astimezone(SHANGHAI).replace(tzinfo=None) == datetime(2026, 10, 10, 23, 59, 59)
    assert due == datetime(2026, 10, 10, 15, 59, 59, tzinfo=UTC)


def test_due_after_counts_from_the_site_local_day(app: Flask) -> None:
    with app.app_context():
        friday_night = datetime(2026, 11, 20, 23, 30, tzinfo=SHANGHAI)
        assert due_after_working_days(friday_night, 1) == datetime(
            2026, 11, 23, 23, 59, 59, tzinfo=SHANGHAI)
        friday_early = datetime(2026, 11, 19, 23, 30, tzinfo=UTC)  # Friday 07:30 in Shanghai
        assert due_after_working_days(friday_early, 1) == datetime(
            2026, 11, 23, 23, 59, 59, tzinfo=SHANGHAI)


def test_settings_holidays_file_adds_a_year(app_with_holidays: Callable[[str], Flask],
                                            fresh_warnings: None,
                                            caplog: pytest.LogCaptureFixture) -> None:
    app = app_with_holidays('[[year]]\nyear = 2097\nholidays = ["2097-01-01"]\n'
                            'workdays = ["2097-01-05"]\n')
    with app.app_context(), caplog.at_level(logging.WARNING, logger="core.workdays"):
        assert calendar().source.name == "my-holidays.toml"
        # Monday 31 Dec 2096 + 1: Tuesday 1 Jan is off, so Wednesday 2 Jan.
        assert due_after_working_days(datetime(2096, 12, 31, 10, tzinfo=SHANGHAI), 1) == \
            datetime(2097, 1, 2, 23, 59, 59, tzinfo=SHANGHAI)
        assert calendar().add_working_days(date(2097, 1, 4), 1) == date(2097, 1, 5)
    assert not [r for r in caplog.records if "2097" in r.getMessage()]


def test_settings_holidays_file_errors_name_file_and_key(
        app_with_holidays: Callable[[str], Flask]) -> None:
    # the app refuses to start with it
    with pytest.raises(ConfigError) as caught:
        app_with_holidays('[[year]]\nyear = 2097\nholidays = ["2096-01-01"]\n')
    assert caught.value.path.endswith("my-holidays.toml")
    assert caught.value.problems == [("year[0].holidays[0]", "2096-01-01 is not in 2097")]
