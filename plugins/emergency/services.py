"""The forest-fire register's rules: who writes, what a fire sets in motion, the figures.

* **Who.** Every user the plugin serves (its departments and the office) reads the fire
  register. A fire is recorded, updated, logged, extinguished and assessed by the business
  users (leader, liaison, member) of the department that recorded it, which must be one the
  plugin serves; once assessed its figures are final. Checks go through
  :func:`core.access.can` (the plugin answers through ``permission_allowed``: :func:`allowed`).
* **What a fire sets in motion** (:func:`follow_up`, after every change, each thing once per
  fire): a cause that may be a crime (suspected arson, negligence) opens a core case of the
  plugin's offence type and hands it to the police department through the core's hand-over
  (``[plugin.emergency] police_department``); injured persons become a task for the public
  services office (``injury_department``, due after ``injury_task_hours``). When the
  injuries rise later, a new task asks for the additional persons only: tasks belong to
  their owner department, so the emergency office cannot add notes to one, and each task
  stays one thing to do and verify. The core lets only a department's liaison or leader hand
  a case over or assign a task; when a member records the fire, the case is still opened and
  the liaisons and leaders are told what is left, which they finish from the fire's page.
* **Figures** for the quarterly report come from the register.

Refused input raises :class:`core.errors.InputError`, a stale edit or a state that moved on
:class:`core.errors.StateConflict`, a refused user ``PermissionError``. Nothing here commits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, exists, func, or_, select

from core import access
from core.accounts.models import User
from core.cases import services as cases
from core.cases.models import Transfer
from core.db import db, utcnow
from core.departments.models import Department, DepartmentPlugin
from core.errors import InputError, StateConflict
from core.notifications import services as notifications
from core.records import add_numbered, claim_state
from core.timeutil import EARLIEST, LATEST, day_start, local_day, site_zone
from plugins.emergency.levels import LEVEL_ZH, LEVELS, fire_level
from plugins.emergency.models import (
    CAUSES,
    FIRE_STATES,
    Fire,
    LogDepartment,
    LogEntry,
    Patrol,
)

NAME = "emergency"
#: ``[plugin.emergency]`` settings and their defaults.
DEFAULT_SETTINGS: dict[str, Any] = {
    "police_department": "police",
    "injury_department": "public_services",
    "injury_task_hours": 24,
    "fire_number_prefix": "森林火情",
}
CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")

REPORT_FIRE = "emergency.fire.report"
FOLLOW_UP = "emergency.fire.follow_up"
EDIT_READINESS = "emergency.readiness.edit"
RECORD_PATROL = "emergency.patrol.record"
PERMISSIONS = [
    {"action": REPORT_FIRE, "description": "report a forest fire, update it, log the response, "
                                           "mark it extinguished and assessed"},
    {"action": FOLLOW_UP, "description": "hand a fire's case to the police and ask the public "
                                         "services office to treat the injured"},
    {"action": EDIT_READINESS, "description": "keep the fire danger periods and the duty roster"},
    {"action": RECORD_PATROL, "description": "record forest patrols"},
]
#: Department roles that write the registers (the office reads fires and patrols).
WRITE_ROLES = ("leader", "liaison", "member")

#: Causes that may be a crime, and the offence type of the case they open.
CRIMINAL_CAUSES = {"suspected_arson": "emergency.arson", "negligence": "emergency.negligent_fire"}
CAUSE_ZH = {"suspected_arson": "疑似人为放火", "negligence": "失火", "lightning": "雷击",
            "unknown": "原因不明"}
CHARGE_ZH = {"suspected_arson": "放火罪", "negligence": "失火罪"}
LEGAL_BASIS = "《中华人民共和国刑法》第一百一十四条、第一百一十五条"
#: Where the task for the injured comes from (``core.tasks``).
TASK_SOURCE = "emergency.fire"

#: Upper bounds that keep typos (and overflows) out: a province's forest, a town's people.
MAX_AREA_HA = 10_000_000
MAX_PERSONS = 100_000
#: A report may carry the current minute; anything later is in the future.
CLOCK_SKEW = timedelta(minutes=5)

REQUIRED = _l("This field is required.")


# ----------------------------------------------------------------------------- settings


def check_settings(settings: Any) -> None:
    """``configure``: refuse unknown or bad ``[plugin.emergency]`` keys, naming the key; the
    department codes must be in the departments file."""
    from core.config import ConfigError, load_departments

    problems = []
    codes = {d["code"] for d in load_departments(settings.departments_file)}
    for key, value in settings.plugin_settings(NAME).items():
        where = f"plugin.{NAME}.{key}"
        if key not in DEFAULT_SETTINGS:
            problems.append((where, "unknown key; known: " + ", ".join(DEFAULT_SETTINGS)))
        elif key.endswith("_department") and not (
                isinstance(value, str) and CODE_RE.match(value) and value in codes):
            problems.append((where, f"a department code of {settings.departments_file.name}"))
        elif key == "injury_task_hours" and not (
                isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 720):
            problems.append((where, "a whole number of hours from 1 to 720"))
        elif key == "fire_number_prefix" and not (
                isinstance(value, str) and 0 < len(value.strip()) <= 30):
            problems.append((where, "a text of 1 to 30 characters"))
    if problems:
        raise ConfigError(settings.source, problems)


def setting(key: str) -> Any:
    """A ``[plugin.emergency]`` setting (validated at start-up by ``configure``)."""
    from core.app import kernel

    return kernel().settings.plugin_settings(NAME).get(key, DEFAULT_SETTINGS[key])


def configured_department(key: str) -> Department | None:
    """The active department named by setting ``key`` (None if it is gone or inactive)."""
    return db.session.scalar(select(Department).where(
        Department.code == setting(key), Department.active.is_(True),
        Department.kind == "department"))


# ------------------------------------------------------------------------------- access


def serves(department: Department) -> bool:
    """Whether the plugin serves ``department`` (its leader switched it on)."""
    return NAME in department.enabled_plugins


def may_write(user: Any) -> bool:
    """Business users (not the office) of a department the plugin serves."""
    return (getattr(user, "is_authenticated", False) and user.role in WRITE_ROLES
            and user.department.kind == "department" and serves(user.department))


def _own(user: Any, obj: Any) -> bool:
    return obj is None or obj.department_id == user.department_id


def allowed(user: Any, action: str, obj: Any) -> bool | None:
    """The plugin's vote in ``access.can``; ``None`` for other plugins' actions."""
    if not action.startswith(NAME + "."):
        return None
    if action == EDIT_READINESS:  # the township's roster: the office keeps it too
        return access.is_office(user) or may_write(user)
    if not may_write(user):
        return False
    if action in (REPORT_FIRE, RECORD_PATROL):
        return _own(user, obj)
    if action == FOLLOW_UP:
        return user.role in cases.ACTING_ROLES and _own(user, obj)
    return False


def require(user: Any, action: str, obj: Any = None) -> None:
    """``PermissionError`` unless ``user`` may do ``action`` (on ``obj``)."""
    if not access.can(user, action, obj):
        raise PermissionError(action)


def may_change(user: Any, fire: Fire) -> bool:
    """Whether ``user`` may still change ``fire`` (its department, until it is assessed)."""
    return fire.state != "assessed" and access.can(user, REPORT_FIRE, fire)


# --------------------------------------------------------------------------- validation


class Checks(dict[str, Any]):
    """Field -> message, collected while cleaning input and raised together."""

    def text(self, name: str, value: str | None, limit: int, required: bool = True) -> str:
        value = (value or "").strip()
        if required and not value:
            self.setdefault(name, REQUIRED)
        elif len(value) > limit:
            self.setdefault(name, _l("At most %(n)d characters.", n=limit))
        return value

    def count(self, name: str, value: int | None, limit: int = MAX_PERSONS) -> int:
        """A whole number from 0 to ``limit`` (0 when left empty)."""
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            self.setdefault(name, _l("A whole number from 0 to %(n)d.", n=limit))
            return 0
        return value

    def hectares(self, name: str, value: float | None) -> float:
        if value is None:
            return 0.0
        if not (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value) and 0 <= value <= MAX_AREA_HA):
            self.setdefault(name, _l("An area from 0 to %(n)d hectares.", n=MAX_AREA_HA))
            return 0.0
        return round(float(value), 2)

    def day(self, name: str, value: date | None) -> date | None:
        if value is None:
            self.setdefault(name, REQUIRED)
        elif not EARLIEST <= value <= LATEST:
            self.setdefault(name, _l("Enter a date between 1900 and 2999."))
            return None
        return value

    def moment(self, name: str, value: datetime | None, now: datetime,
               not_before: datetime | None = None) -> datetime | None:
        """An aware time, not in the future (nor before ``not_before``)."""
        if value is None:
            self.setdefault(name, REQUIRED)
        elif value.tzinfo is None or not EARLIEST.year <= value.year <= LATEST.year:
            self.setdefault(name, _l("Enter a date and time."))
        elif value > now + CLOCK_SKEW:
            self.setdefault(name, _l("The time cannot be in the future."))
        elif not_before is not None and value < not_before:
            self.setdefault(name, _l("The time is before the fire was reported."))
        else:
            return value
        return None

    def coordinates(self, lat: float | None, lng: float | None) -> None:
        if (lat is None) != (lng is None):
            self.setdefault("lat", _l("Give both latitude and longitude."))
        elif lat is not None and lng is not None and not (
                math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90
                and -180 <= lng <= 180):
            self.setdefault("lat", _l("Latitude is between -90 and 90, longitude between "
                                      "-180 and 180."))

    def raise_any(self) -> None:
        if self:
            raise InputError.of(**self)


def check_version(obj: Any, version: int | None) -> None:
    """The form or request carries the version it was loaded at: refuse a stale one."""
    if version is not None and version != obj.version:
        raise StateConflict(obj.id)


# -------------------------------------------------------------------------------- fires


@dataclass
class FireInput:
    """A fire as reported or corrected: place, time, cause, area, casualties."""

    place_name: str
    reported_at: datetime | None
    cause: str
    burned_area_ha: float | None = 0.0
    deaths: int | None = 0
    injuries: int | None = 0
    affected_forest: str = ""
    description: str = ""
    lat: float | None = None
    lng: float | None = None


def _clean_fire(data: FireInput, now: datetime) -> dict[str, Any]:
    c = Checks()
    values = {
        "place_name": c.text("place_name", data.place_name, 200),
        "reported_at": c.moment("reported_at", data.reported_at, now),
        "burned_area_ha": c.hectares("burned_area_ha", data.burned_area_ha),
        "deaths": c.count("deaths", data.deaths),
        "injuries": c.count("injuries", data.injuries),
        "affected_forest": c.text("affected_forest", data.affected_forest, 200,
                                  required=False),
        "description": c.text("description", data.description, 20_000, required=False),
        "cause": data.cause,
        "lat": data.lat, "lng": data.lng,
    }
    if data.cause not in CAUSES:
        c.setdefault("cause", _l("Choose the cause."))
    c.coordinates(data.lat, data.lng)
    c.raise_any()
    return values


def _set_figures(fire: Fire, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(fire, name, value)
    fire.level = fire_level(fire.burned_area_ha, fire.deaths, fire.injuries)


def report_fire(user: User, data: FireInput, now: datetime | None = None) -> Fire:
    """Record a fire for the user's department, numbered, then set its follow-ups going."""
    now = now or utcnow()
    require(user, REPORT_FIRE)
    values = _clean_fire(data, now)

    def build(number: str) -> Fire:
        fire = Fire(number=number, department_id=user.department_id, created_by_id=user.id,
                    state="reported", created_at=now)
        _set_figures(fire, values)
        return fire

    fire = add_numbered(build, Fire.number, str(setting("fire_number_prefix")), now)
    follow_up(user, fire, now)
    return fire


def update_fire(user: User, fire: Fire, data: FireInput, version: int | None = None,
                now: datetime | None = None) -> Fire:
    """Correct a fire (its department, until assessed): the level is computed again and
    whatever the new cause or casualties ask for is set going."""
    now = now or utcnow()
    require(user, REPORT_FIRE, fire)
    check_version(fire, version)
    if fire.state == "assessed":
        raise StateConflict(fire.id)
    _set_figures(fire, _clean_fire(data, now))
    db.session.flush()
    follow_up(user, fire, now)
    return fire


def extinguish(user: User, fire: Fire, at: datetime | None = None,
               now: datetime | None = None) -> None:
    """The fire is out (扑灭), at ``at`` (default: now)."""
    now = now or utcnow()
    require(user, REPORT_FIRE, fire)
    c = Checks()
    at = c.moment("extinguished_at", at or now, now, not_before=fire.reported_at)
    c.raise_any()
    claim_state(Fire, fire, "reported", "extinguished")
    fire.extinguished_at = at
    db.session.flush()


@dataclass
class AssessmentInput:
    """The assessed (final) figures of an extinguished fire."""

    burned_area_ha: float | None
    deaths: int | None
    injuries: int | None
    assessment: str = ""


def assess(user: User, fire: Fire, data: AssessmentInput, now: datetime | None = None) -> None:
    """Record the assessed figures of an extinguished fire; they are final from now on."""
    now = now or utcnow()
    require(user, REPORT_FIRE, fire)
    c = Checks()
    values = {"burned_area_ha": c.hectares("burned_area_ha", data.burned_area_ha),
              "deaths": c.count("deaths", data.deaths),
              "injuries": c.count("injuries", data.injuries),
              "assessment": c.text("assessment", data.assessment, 20_000)}
    for name in ("burned_area_ha", "deaths", "injuries"):
        if getattr(data, name) is None:
            c.setdefault(name, REQUIRED)
    c.raise_any()
    claim_state(Fire, fire, "extinguished", "assessed")
    _set_figures(fire, values)
    fire.assessed_at = now
    db.session.flush()
    follow_up(user, fire, now)


@dataclass
class FireFilters:
    q: str = ""
    state: str = ""
    level: str = ""
    cause: str = ""
    department: str = ""
    since: date | None = None  # reported on or after (site-local day)
    until: date | None = None


def fire_query(filters: FireFilters) -> Select[Any]:
    """Fires matching ``filters``, latest reported first."""
    stmt = select(Fire)
    if filters.q:
        stmt = stmt.where(or_(*(column.icontains(filters.q, autoescape=True) for column in (
            Fire.number, Fire.place_name, Fire.affected_forest))))
    for column, value, allowed_values in ((Fire.state, filters.state, FIRE_STATES),
                                          (Fire.level, filters.level, LEVELS),
                                          (Fire.cause, filters.cause, CAUSES)):
        if value in allowed_values:
            stmt = stmt.where(column == value)
    if filters.department:
        stmt = stmt.where(Fire.department_id == select(Department.id).where(
            Department.code == filters.department).scalar_subquery())
    if filters.since:
        stmt = stmt.where(Fire.reported_at >= day_start(filters.since))
    if filters.until:
        stmt = stmt.where(Fire.reported_at < day_start(filters.until, end=True))
    return stmt.order_by(Fire.reported_at.desc(), Fire.id.desc())


def fire_totals(stmt: Select[Any]) -> dict[str, Any]:
    """Count, burned area, deaths and injuries of the fires ``stmt`` selects (one query)."""
    sub = stmt.order_by(None).subquery()
    count, area, deaths, injuries = db.session.execute(select(
        func.count(), func.sum(sub.c.burned_area_ha), func.sum(sub.c.deaths),
        func.sum(sub.c.injuries))).one()
    return {"count": count, "burned_area_ha": round(float(area or 0), 2),
            "deaths": int(deaths or 0), "injuries": int(injuries or 0)}


def get_fire(fire_id: int) -> Fire | None:
    return db.session.get(Fire, fire_id)


def fire_of_case(case_id: int) -> int | None:
    """The id of the fire that opened core case ``case_id``, if one did."""
    return db.session.scalar(select(Fire.id).where(Fire.case_id == case_id))


# --------------------------------------------------------------------------- response log


@dataclass
class LogInput:
    """One step of the response: when, what, who and what was sent, departments involved."""

    acted_at: datetime | None
    action: str
    forces: str = ""
    personnel: int | None = 0
    resources: str = ""
    vehicles: int | None = 0
    departments: list[str] = field(default_factory=list)  # department codes


def log_action(user: User, fire: Fire, data: LogInput, now: datetime | None = None) -> LogEntry:
    """Add a step to the fire's response log (its department, until the fire is assessed)."""
    now = now or utcnow()
    require(user, REPORT_FIRE, fire)
    if fire.state == "assessed":
        raise StateConflict(fire.id)
    c = Checks()
    values = {"acted_at": c.moment("acted_at", data.acted_at, now),
              "action": c.text("action", data.action, 5_000),
              "forces": c.text("forces", data.forces, 500, required=False),
              "personnel": c.count("personnel", data.personnel),
              "resources": c.text("resources", data.resources, 500, required=False),
              "vehicles": c.count("vehicles", data.vehicles)}
    codes = set(data.departments)
    departments = list(db.session.scalars(select(Department).where(
        Department.code.in_(codes), Department.active.is_(True),
        Department.kind.in_(("office", "department")))
        .order_by(Department.position))) if codes else []
    if len(departments) != len(codes):
        c.setdefault("departments", _l("Choose departments from the list."))
    c.raise_any()
    entry = LogEntry(fire_id=fire.id, created_by_id=user.id, created_at=now, **values)
    entry.departments = [LogDepartment(department_id=d.id) for d in departments]
    db.session.add(entry)
    db.session.flush()
    return entry


def log_of(fire: Fire) -> list[LogEntry]:
    """The fire's response log as a timeline, earliest first."""
    return list(db.session.scalars(select(LogEntry).where(LogEntry.fire_id == fire.id)
                                   .order_by(LogEntry.acted_at, LogEntry.id)))


# ----------------------------------------------------------------------------- follow-ups


def _speaks_for(user: User, fire: Fire) -> bool:
    return access.can(user, FOLLOW_UP, fire)


def pending(fire: Fire) -> dict[str, Any]:
    """What the fire still asks for: ``hand_over`` (its case is not yet with the police)
    and ``injured`` (persons not yet handed to the public services office)."""
    return {"hand_over": (fire.case_id is not None and fire.transfer_id is None
                          and fire.cause in CRIMINAL_CAUSES),
            "injured": max(fire.injuries - fire.injured_tasked, 0)}


def follow_up(user: User, fire: Fire, now: datetime | None = None) -> None:
    """Set going what ``fire`` asks for, each once, as far as ``user`` may: open the case,
    hand it to the police, ask the public services office to treat the injured. What is
    left (a member recorded it, or a configured department is inactive) is told to the
    department's liaisons and leaders."""
    now = now or utcnow()
    if fire.cause in CRIMINAL_CAUSES and fire.case_id is None:
        fire.case = _open_case(user, fire, now)
        db.session.flush()
    if _speaks_for(user, fire):
        if pending(fire)["hand_over"] and fire.case is not None and fire.case.state == "open":
            _hand_over(user, fire, now)
        if pending(fire)["injured"]:
            _ask_for_treatment(user, fire, now)
    db.session.flush()
    left = pending(fire)
    if left["hand_over"] or left["injured"]:
        notifications.notify_department(
            fire.department_id, "emergency.follow_up", f"{fire.number} {fire.place_name}",
            fire_path(fire), "emergency_fire", fire.id, roles=cases.ACTING_ROLES,
            dedupe_key=f"emergency.follow_up:{fire.id}:{left['hand_over']}:{fire.injuries}")


def finish_follow_up(user: User, fire: Fire, now: datetime | None = None) -> dict[str, Any]:
    """A liaison or leader of the fire's department does what is left (from the fire's
    page); returns what is still left, because a configured department is inactive."""
    require(user, FOLLOW_UP, fire)
    if not any(pending(fire).values()):
        raise StateConflict(fire.id)
    follow_up(user, fire, now)
    return pending(fire)


def fire_path(fire: Fire) -> str:
    return notifications.app_path("emergency.fire_detail", fire_id=fire.id)


def _facts(fire: Fire) -> str:
    reported = fire.reported_at.astimezone(site_zone())
    facts = (f"{reported:%Y-%m-%d %H:%M} 报告{fire.place_name}发生森林火灾，起火原因："
             f"{CAUSE_ZH[fire.cause]}；受害森林面积 {fire.burned_area_ha:g} 公顷，死亡 "
             f"{fire.deaths} 人，重伤 {fire.injuries} 人（{LEVEL_ZH[fire.level]}）。")
    return f"{facts}\n{fire.description}".strip()


def _open_case(user: User, fire: Fire, now: datetime) -> Any:
    """The core case of a fire that may be a crime, handled by the fire's department."""
    return cases.open_case(user, cases.CaseInput(
        title=f"{fire.place_name[:150]}森林火灾（{fire.number}）",
        offence_type=CRIMINAL_CAUSES[fire.cause], kind="case", place_name=fire.place_name,
        lat=fire.lat, lng=fire.lng, occurred_on=local_day(fire.reported_at),
        facts=_facts(fire)), now)


def _hand_over(user: User, fire: Fire, now: datetime) -> None:
    """Hand the fire's case to the police department (or link the hand-over someone already
    made from the case's page)."""
    police = configured_department("police_department")
    if police is None:
        return
    transfer = db.session.scalar(select(Transfer).where(
        Transfer.case_id == fire.case_id, Transfer.to_department_id == police.id)
        .order_by(Transfer.id).limit(1))
    if transfer is None:
        transfer = cases.send_transfer(user, fire.case, cases.TransferInput(
            to=police.code, legal_basis=LEGAL_BASIS,
            reason=f"森林火灾起火原因为{CAUSE_ZH[fire.cause]}，涉嫌{CHARGE_ZH[fire.cause]}，"
                   "移送公安机关侦查。"), now)
    fire.transfer_id = transfer.id


def _ask_for_treatment(user: User, fire: Fire, now: datetime) -> None:
    """A task for the public services office to treat the injured not yet asked for."""
    from core.tasks import services as tasks

    department = configured_department("injury_department")
    if department is None:
        return
    more = fire.injuries - fire.injured_tasked
    title = (f"救治森林火灾受伤人员 {more} 人（{fire.number}）" if not fire.injured_tasked
             else f"救治森林火灾新增受伤人员 {more} 人（{fire.number}）")
    tasks.assign(
        by=user, department=department, title=title,
        description=f"{fire.place_name}森林火灾（{LEVEL_ZH[fire.level]}）共有重伤 "
                    f"{fire.injuries} 人，请组织救治和紧急药品支援，并反馈救治情况。",
        due_at=now + timedelta(hours=int(setting("injury_task_hours"))),
        source_kind=TASK_SOURCE, source_id=fire.id,
        source_label=f"{fire.number} {fire.place_name}"[:200], source_path=fire_path(fire),
        now=now)
    fire.injured_tasked = fire.injuries


def tasks_of(user: User, fire: Fire) -> list[Any]:
    """The tasks the fire gave rise to, as ``user`` may see them."""
    from core.tasks import services as tasks

    return tasks.tasks_from(user, TASK_SOURCE, fire.id)


# ------------------------------------------------------------------------ tips, findings


def emergency_offence_codes() -> list[str]:
    """The offence types this plugin contributed (``emergency.*``)."""
    from core.app import kernel

    return [o["code"] for o in kernel().offence_types if o["plugin"] == NAME]


def _served_departments() -> Select[Any]:
    """Active departments configured with the plugin first, then those that switched it on."""
    switched_on = exists().where(DepartmentPlugin.department_id == Department.id,
                                 DepartmentPlugin.plugin == NAME)
    return (select(Department)
            .where(Department.active.is_(True), Department.kind == "department",
                   or_(Department.plugin == NAME, switched_on))
            .order_by(case((Department.plugin == NAME, 0), else_=1), Department.position))


def tip_department(category: str | None) -> str | None:
    """The department that handles a public tip of one of the plugin's fire categories."""
    if not category or category not in emergency_offence_codes():
        return None
    first = db.session.scalar(_served_departments().limit(1))
    return first.code if first is not None else None


#: Inspection findings of this category concern fire prevention.
HAZARD_CATEGORY = "emergency.fire_hazard"


def hazard_cleared(finding: Any) -> None:
    """``finding_verified``: a fire hazard found by an inspection was rectified; the
    departments the plugin serves are told (they plan patrols and checks by it)."""
    if finding.category != HAZARD_CATEGORY:
        return
    for department in db.session.scalars(_served_departments()):
        notifications.notify_department(
            department.id, "emergency.hazard_cleared", finding.description[:200],
            notifications.app_path("findings.detail", finding_id=finding.id), "finding",
            finding.id, roles=cases.ACTING_ROLES,
            dedupe_key=f"emergency.hazard_cleared:{finding.id}")


# -------------------------------------------------------------------------------- figures


def figures(department: Department, since: datetime, until: datetime) -> dict[str, Any]:
    """The department's fires reported from ``since`` to ``until`` (count, burned area,
    deaths, injuries) and its patrols on the site-local days between (two queries): the
    quarterly report's section, and what a duty report at a joint meeting can reuse."""
    count, area, deaths, injuries = db.session.execute(select(
        func.count(Fire.id), func.sum(Fire.burned_area_ha), func.sum(Fire.deaths),
        func.sum(Fire.injuries)).where(
        Fire.department_id == department.id, Fire.reported_at >= since,
        Fire.reported_at < until)).one()
    patrols = db.session.scalar(select(func.count(Patrol.id)).where(
        Patrol.department_id == department.id, Patrol.patrolled_on >= local_day(since),
        Patrol.patrolled_on < local_day(until)))
    return {"fires": count, "burned_area_ha": round(float(area or 0), 2),
            "deaths": int(deaths or 0), "injuries": int(injuries or 0), "patrols": patrols}
