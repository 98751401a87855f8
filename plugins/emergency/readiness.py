"""Fire-prevention readiness: fire danger periods, the duty roster and patrols.

* **Fire danger periods** (防火期, 火险预警): days with a fire danger level (森林火险等级 1–5)
  and a note. Periods may overlap (a season-long period and a few days of extreme danger
  inside it); the *current fire danger* is the highest level among the periods covering
  today (site-local day), or none. A period can be published as an open information item
  of category ``emergency.fire_danger_warning`` when it is entered.
* **Duty roster** (值班表): one entry per day with the duty officer (an account), the leader
  on duty, the duty phone and a note; kept by the departments the plugin serves and the
  office, since the township's duty rota is drawn up with it.
* **Patrols** (巡山护林): day, route or area, members, findings, fire hazards found, optional
  coordinates; recorded and corrected by the patrolling department.

Nothing here commits: pages and the API commit once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from core.access import BUSINESS_ROLES
from core.accounts.models import User
from core.db import db, utcnow
from core.departments.models import Department
from core.timeutil import local_day
from plugins.emergency.models import DANGER_LEVELS, DangerPeriod, DutyDay, Fire, Patrol
from plugins.emergency.services import (
    EDIT_READINESS,
    RECORD_PATROL,
    Checks,
    check_version,
    require,
)

#: The names of the 森林火险等级 (GB/T 36743-2018 forest fire danger rating).
DANGER_ZH = {1: "一级（低度危险）", 2: "二级（中度危险）", 3: "三级（较高危险）",
             4: "四级（高度危险）", 5: "五级（极度危险）"}
#: The sharing category a published period goes to.
WARNING_CATEGORY = "emergency.fire_danger_warning"

T = TypeVar("T", DangerPeriod, Patrol)


def today() -> date:
    return local_day(utcnow())


def _add(user: User, model: type[T], values: dict[str, Any]) -> T:
    """A new ``model`` row of the user's department, by the user (flushed)."""
    row = model(**values, department_id=user.department_id, created_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    return row


def _correct(row: T, values: dict[str, Any], version: int | None) -> T:
    """Apply ``values`` to ``row`` if ``version`` is the one it is at (flushed)."""
    check_version(row, version)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.flush()
    return row


# ------------------------------------------------------------------- fire danger periods


@dataclass
class DangerPeriodInput:
    starts_on: date | None
    ends_on: date | None
    level: int | None
    note: str = ""
    #: Publish it as an open fire danger warning (on creation only).
    publish: bool = False


def _clean_period(data: DangerPeriodInput) -> dict[str, Any]:
    c = Checks()
    values = {"starts_on": c.day("starts_on", data.starts_on),
              "ends_on": c.day("ends_on", data.ends_on),
              "level": data.level,
              "note": c.text("note", data.note, 5_000, required=False)}
    if data.level not in DANGER_LEVELS:
        c.setdefault("level", _l("Choose a fire danger level from 1 to 5."))
    if values["starts_on"] and values["ends_on"] and values["ends_on"] < values["starts_on"]:
        c.setdefault("ends_on", _l("The period ends before it starts."))
    c.raise_any()
    return values


def add_danger_period(user: User, data: DangerPeriodInput) -> DangerPeriod:
    """Enter a fire danger period; ``publish`` shares it as an open warning."""
    require(user, EDIT_READINESS)
    period = _add(user, DangerPeriod, _clean_period(data))
    if data.publish:
        period.info_item_id = _publish(user, period).id
        db.session.flush()
    return period


def update_danger_period(user: User, period: DangerPeriod, data: DangerPeriodInput,
                         version: int | None = None) -> DangerPeriod:
    """Correct a period (a published warning is not changed: edit it in sharing)."""
    require(user, EDIT_READINESS)
    return _correct(period, _clean_period(data), version)


def _publish(user: User, period: DangerPeriod) -> Any:
    from core.sharing.services import ItemInput, create_item

    days = f"{period.starts_on:%Y-%m-%d} 至 {period.ends_on:%Y-%m-%d}"
    return create_item(user, ItemInput(
        title=f"森林火险等级预警（{DANGER_ZH[period.level]}）：{days}",
        category=WARNING_CATEGORY, sensitivity="open", body=period.note or days,
        tags="火险, 预警", valid_from=period.starts_on, valid_until=period.ends_on))


@dataclass
class PeriodFilters:
    level: int | None = None
    since: date | None = None  # periods reaching this day or later
    until: date | None = None  # periods starting this day or earlier


def period_query(filters: PeriodFilters) -> Select[Any]:
    """Fire danger periods matching ``filters``, latest first."""
    stmt = select(DangerPeriod)
    if filters.level in DANGER_LEVELS:
        stmt = stmt.where(DangerPeriod.level == filters.level)
    if filters.since:
        stmt = stmt.where(DangerPeriod.ends_on >= filters.since)
    if filters.until:
        stmt = stmt.where(DangerPeriod.starts_on <= filters.until)
    return stmt.order_by(DangerPeriod.starts_on.desc(), DangerPeriod.id.desc())


def current_danger(day: date | None = None) -> DangerPeriod | None:
    """The period that sets the fire danger of ``day`` (default today): the highest level
    among those covering it, the latest started on a tie; None outside every period."""
    day = day or today()
    return db.session.scalar(select(DangerPeriod).where(
        DangerPeriod.starts_on <= day, DangerPeriod.ends_on >= day)
        .order_by(DangerPeriod.level.desc(), DangerPeriod.starts_on.desc(),
                  DangerPeriod.id.desc()).limit(1))


def get_period(period_id: int) -> DangerPeriod | None:
    return db.session.get(DangerPeriod, period_id)


# ---------------------------------------------------------------------------- duty roster


@dataclass
class DutyInput:
    officer: str  # the duty officer's username
    leader: str = ""
    phone: str = ""
    note: str = ""


def officers() -> Select[Any]:
    """Who may be put on duty: active business users of the office and the departments."""
    return (select(User).join(Department, Department.id == User.department_id)
            .where(User.active.is_(True), User.role.in_(BUSINESS_ROLES),
                   Department.active.is_(True), Department.kind.in_(("office", "department")))
            .order_by(Department.position, User.display_name, User.username))


def set_duty(user: User, day: date | None, data: DutyInput,
             version: int | None = None) -> DutyDay:
    """Put someone on duty on ``day`` (or change that day's entry; ``version`` is the one
    the editor loaded)."""
    require(user, EDIT_READINESS)
    c = Checks()
    day = c.day("day", day)
    officer = db.session.scalar(officers().where(User.username == data.officer))
    if officer is None:
        c.setdefault("officer", _l("Choose the duty officer from the list."))
    values = {"leader": c.text("leader", data.leader, 100, required=False),
              "phone": c.text("phone", data.phone, 40),
              "note": c.text("note", data.note, 500, required=False)}
    c.raise_any()
    assert officer is not None and day is not None
    duty = duty_on(day)
    if duty is None:
        duty = DutyDay(day=day)
        db.session.add(duty)
    else:
        check_version(duty, version)
    for name, value in values.items():
        setattr(duty, name, value)
    duty.officer_id, duty.officer = officer.id, officer
    duty.department_id = user.department_id
    duty.updated_by_id = user.id
    db.session.flush()
    return duty


def clear_duty(user: User, duty: DutyDay, version: int | None = None) -> None:
    """Take a day off the roster."""
    require(user, EDIT_READINESS)
    check_version(duty, version)
    db.session.delete(duty)
    db.session.flush()


def duty_on(day: date) -> DutyDay | None:
    return db.session.scalar(select(DutyDay).where(DutyDay.day == day))


def week_of(day: date) -> list[date]:
    """The Monday-to-Sunday week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def duty_week(day: date) -> list[tuple[date, DutyDay | None]]:
    """Each day of ``day``'s week with its roster entry, if any (one query)."""
    days = week_of(day)
    found = {d.day: d for d in db.session.scalars(duty_query(DutyFilters(days[0], days[-1])))}
    return [(d, found.get(d)) for d in days]


@dataclass
class DutyFilters:
    since: date | None = None
    until: date | None = None
    officer: str = ""  # username


def duty_query(filters: DutyFilters) -> Select[Any]:
    """Roster entries between ``since`` and ``until``, in day order."""
    stmt = select(DutyDay)
    if filters.since:
        stmt = stmt.where(DutyDay.day >= filters.since)
    if filters.until:
        stmt = stmt.where(DutyDay.day <= filters.until)
    if filters.officer:
        stmt = stmt.where(DutyDay.officer_id == select(User.id).where(
            User.username == filters.officer).scalar_subquery())
    return stmt.order_by(DutyDay.day)


# -------------------------------------------------------------------------------- patrols


@dataclass
class PatrolInput:
    patrolled_on: date | None
    route: str
    members: str
    findings: str = ""
    hazards_found: int | None = 0
    lat: float | None = None
    lng: float | None = None


def _clean_patrol(data: PatrolInput) -> dict[str, Any]:
    c = Checks()
    values = {"patrolled_on": c.day("patrolled_on", data.patrolled_on),
              "route": c.text("route", data.route, 200),
              "members": c.text("members", data.members, 500),
              "findings": c.text("findings", data.findings, 20_000, required=False),
              "hazards_found": c.count("hazards_found", data.hazards_found, limit=10_000),
              "lat": data.lat, "lng": data.lng}
    if values["patrolled_on"] and values["patrolled_on"] > today():
        c.setdefault("patrolled_on", _l("The day cannot be in the future."))
    c.coordinates(data.lat, data.lng)
    c.raise_any()
    return values


def record_patrol(user: User, data: PatrolInput) -> Patrol:
    """Record a patrol of the user's department."""
    require(user, RECORD_PATROL)
    return _add(user, Patrol, _clean_patrol(data))


def update_patrol(user: User, patrol: Patrol, data: PatrolInput,
                  version: int | None = None) -> Patrol:
    """Correct a patrol of the user's department."""
    require(user, RECORD_PATROL, patrol)
    return _correct(patrol, _clean_patrol(data), version)


@dataclass
class PatrolFilters:
    q: str = ""
    department: str = ""
    hazards: bool = False  # only patrols that found fire hazards
    since: date | None = None
    until: date | None = None


def patrol_query(filters: PatrolFilters) -> Select[Any]:
    """Patrols matching ``filters``, latest first."""
    stmt = select(Patrol)
    if filters.q:
        stmt = stmt.where(or_(*(column.icontains(filters.q, autoescape=True) for column in (
            Patrol.route, Patrol.members, Patrol.findings))))
    if filters.department:
        stmt = stmt.where(Patrol.department_id == select(Department.id).where(
            Department.code == filters.department).scalar_subquery())
    if filters.hazards:
        stmt = stmt.where(Patrol.hazards_found > 0)
    if filters.since:
        stmt = stmt.where(Patrol.patrolled_on >= filters.since)
    if filters.until:
        stmt = stmt.where(Patrol.patrolled_on <= filters.until)
    return stmt.order_by(Patrol.patrolled_on.desc(), Patrol.id.desc())


def patrol_totals(stmt: Select[Any]) -> dict[str, int]:
    """How many patrols ``stmt`` selects and the hazards they found (one query)."""
    sub = stmt.order_by(None).subquery()
    count, hazards = db.session.execute(select(func.count(),
                                               func.sum(sub.c.hazards_found))).one()
    return {"count": count, "hazards_found": int(hazards or 0)}


def get_patrol(patrol_id: int) -> Patrol | None:
    return db.session.get(Patrol, patrol_id)


# -------------------------------------------------------------------------------- summary


def readiness_today(day: date | None = None) -> dict[str, Any]:
    """What the dashboard and the plugin's page show: today's duty entry, the current fire
    danger period, fires burning (reported, not yet extinguished) and fires to assess
    (three queries)."""
    day = day or today()
    burning, to_assess = db.session.execute(select(
        func.count().filter(Fire.state == "reported"),
        func.count().filter(Fire.state == "extinguished")).select_from(Fire)).one()
    return {"day": day, "duty": duty_on(day), "danger": current_danger(day),
            "burning": burning or 0, "to_assess": to_assess or 0}

