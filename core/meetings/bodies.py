"""Joint-meeting bodies: defined by the office in the UI or seeded from
``config/meetings.toml``; their rhythm of regular meetings and its reminders.

A body's next regular meeting is due ``interval_days`` after the last regular meeting held
(or after the body was created); it is *missed* once that day has passed with no regular
meeting held or scheduled since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import func, select

from core import access
from core.config import CODE_PATTERN, ConfigError, read_toml, validate_with
from core.db import db, utcnow
from core.departments.models import DEPARTMENT_KINDS, Department
from core.errors import InputError
from core.meetings.models import Meeting, MeetingBody, MeetingBodyMember
from core.notifications import services as notifications

#: The shipped bodies (``forestchief meetings sync --file`` reads another).
DEFAULT_FILE = Path(__file__).resolve().parents[2] / "config" / "meetings.toml"
#: Every half year (licheng 三: 原则上每半年召开一次).
DEFAULT_INTERVAL = 182
#: Fewest conveners: a joint meeting is convened by two or more departments' leaders.
MIN_CONVENERS = 2
#: A member list of just this means every active department (and the office).
ALL_DEPARTMENTS = "*"


@dataclass
class BodyInput:
    """What defines a body, with departments as codes."""

    code: str
    name_zh: str
    name_en: str = ""
    conveners: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    liaison_office: str = "office"
    interval_days: int = DEFAULT_INTERVAL
    active: bool = True


def may_manage(user: Any) -> bool:
    """The office defines the bodies."""
    return access.is_office(user)


def _departments() -> dict[str, Department]:
    return {d.code: d for d in db.session.scalars(select(Department).where(
        Department.active.is_(True), Department.kind.in_(DEPARTMENT_KINDS))
        .order_by(Department.position))}


def _members(data: BodyInput, known: dict[str, Department]) -> list[str]:
    """The member codes, conveners included; ``*`` expands to every department."""
    codes = list(known) if ALL_DEPARTMENTS in data.members else list(data.members)
    return list(dict.fromkeys([*data.conveners, *codes]))


def _problems(data: BodyInput, known: dict[str, Department], taken: bool
              ) -> dict[str, str]:
    """Field -> message for a body that breaks a rule (the form, the API and the config
    file share these rules)."""
    import re

    problems: dict[str, str] = {}
    if not re.match(CODE_PATTERN, data.code):
        problems["code"] = str(_l("Use 2-40 lower-case letters, digits or _."))
    elif taken:
        problems["code"] = str(_l("Another joint meeting has this code."))
    if not data.name_zh.strip():
        problems["name_zh"] = str(_l("A name is required."))
    for key, codes in (("conveners", data.conveners), ("members", data.members),
                       ("liaison_office", [data.liaison_office])):
        unknown = [c for c in codes if c not in known and c != ALL_DEPARTMENTS]
        if unknown:
            problems[key] = str(_l("Unknown departments: %(codes)s",
                                   codes=", ".join(dict.fromkeys(unknown))))
    if "conveners" not in problems and len(set(data.conveners)) < MIN_CONVENERS:
        problems["conveners"] = str(_l("Name at least two convener departments."))
    if not 1 <= data.interval_days <= 3660:
        problems["interval_days"] = str(_l("Between 1 and 3660 days."))
    return problems


def _apply(body: MeetingBody, data: BodyInput, known: dict[str, Department]) -> None:
    body.name_zh, body.name_en = data.name_zh.strip()[:100], data.name_en.strip()[:200]
    body.interval_days = data.interval_days
    body.liaison_office_id = known[data.liaison_office].id
    wanted = {known[c].id: c in data.conveners for c in _members(data, known)}
    for member in list(body.members):
        if member.department_id not in wanted:
            body.members.remove(member)
        else:
            member.convener = wanted.pop(member.department_id)
    body.members.extend(MeetingBodyMember(department_id=d, convener=c)
                        for d, c in wanted.items())


def _code_taken(code: str, body: MeetingBody | None) -> bool:
    other = db.session.scalar(select(MeetingBody.id).where(MeetingBody.code == code))
    return other is not None and (body is None or other != body.id)


def save_body(user: Any, data: BodyInput, body: MeetingBody | None = None) -> MeetingBody:
    """The office creates a body (``body`` None) or changes one. Caller commits."""
    if not may_manage(user):
        raise PermissionError("only the office defines joint meetings")
    known = _departments()
    problems = _problems(data, known, _code_taken(data.code, body))
    if problems:
        raise InputError.of(**problems)
    if body is None:
        body = MeetingBody(code=data.code, created_at=utcnow())
        db.session.add(body)
    body.code, body.active = data.code, data.active
    _apply(body, data, known)
    db.session.flush()
    return body


def body_input(body: MeetingBody) -> BodyInput:
    """A body as :class:`BodyInput` (to fill the edit form)."""
    return BodyInput(code=body.code, name_zh=body.name_zh, name_en=body.name_en,
                     conveners=[m.department.code for m in body.members if m.convener],
                     members=[m.department.code for m in body.members],
                     liaison_office=body.liaison_office.code,
                     interval_days=body.interval_days, active=body.active)


def get_body(body_id: int) -> MeetingBody | None:
    """A body by id (every business user may read the bodies)."""
    return db.session.get(MeetingBody, body_id)


def all_bodies(active_only: bool = False) -> list[MeetingBody]:
    """The bodies, in the order they were defined."""
    stmt = select(MeetingBody).order_by(MeetingBody.id)
    if active_only:
        stmt = stmt.where(MeetingBody.active.is_(True))
    return list(db.session.scalars(stmt))


# ------------------------------------------------------------------ the config file


class _BodyEntry(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(load_default="")
    conveners = fields.List(fields.String(), required=True)
    members = fields.List(fields.String(), load_default=list)
    liaison_office = fields.String(load_default="office")
    interval_days = fields.Integer(load_default=DEFAULT_INTERVAL,
                                   validate=validate.Range(min=1, max=3660))


class _BodiesFile(Schema):
    class Meta:
        unknown = RAISE

    body = fields.List(fields.Nested(_BodyEntry), required=True)


def load_bodies(path: Path) -> list[BodyInput]:
    """Read and validate the bodies file against the departments in the database.

    Every problem is a :class:`ConfigError` naming the file and the key
    (``body[1].conveners: ...``); nothing is written.
    """
    entries = validate_with(_BodiesFile(), read_toml(path), path)["body"]
    known = _departments()
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    bodies = []
    for index, entry in enumerate(entries):
        data = BodyInput(**entry)
        for key, message in _problems(data, known, data.code in seen).items():
            problems.append((f"body[{index}].{key}", message))
        seen.add(data.code)
        bodies.append(data)
    if problems:
        raise ConfigError(path, problems)
    return bodies


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def sync_bodies(path: Path) -> SyncReport:
    """Add or update the file's bodies by code. Caller commits; a bad file changes nothing.

    Bodies the office defined in the UI are left alone, and so is whether a body is active
    (the office may switch a seeded body off).
    """
    known = _departments()
    existing = {b.code: b for b in all_bodies()}
    report = SyncReport()
    for data in load_bodies(path):
        body = existing.get(data.code)
        if body is None:
            body = MeetingBody(code=data.code, active=True, created_at=utcnow())
            db.session.add(body)
            report.added.append(data.code)
        before = body_input(body) if body.id else None
        _apply(body, data, known)
        db.session.flush()
        if before is not None:
            changed = body_input(body) != before
            (report.updated if changed else report.unchanged).append(data.code)
    return report


# ------------------------------------------------------------------------ the rhythm


@dataclass
class Rhythm:
    """Where a body stands with its regular meetings."""

    body: MeetingBody
    last_held: datetime | None
    due_at: datetime
    #: A regular meeting is scheduled and not yet held.
    scheduled: bool

    def state(self, now: datetime) -> str:
        """``scheduled``, ``missed`` (past due, none held or scheduled) or ``due``."""
        if self.scheduled:
            return "scheduled"
        return "missed" if now > self.due_at else "due"


def rhythms(bodies: list[MeetingBody]) -> list[Rhythm]:
    """Each body's rhythm, in two queries whatever the number of bodies."""
    ids = [b.id for b in bodies]
    if not ids:
        return []
    regular = (Meeting.body_id.in_(ids), Meeting.kind == "regular")
    last_held = dict(db.session.execute(
        select(Meeting.body_id, func.max(Meeting.held_at))
        .where(*regular, Meeting.held_at.is_not(None)).group_by(Meeting.body_id)).all())
    scheduled = set(db.session.scalars(select(Meeting.body_id).where(
        *regular, Meeting.state == "scheduled").distinct()))
    return [Rhythm(body=b, last_held=last_held.get(b.id), scheduled=b.id in scheduled,
                   due_at=(last_held.get(b.id) or b.created_at)
                   + timedelta(days=b.interval_days)) for b in bodies]


def rhythm_deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Active bodies whose regular meeting is due within a day or missed: the liaison
    office and the conveners' leaders are reminded to propose it."""
    reminders = []
    for rhythm in rhythms(all_bodies(active_only=True)):
        if rhythm.scheduled or rhythm.due_at - now > notifications.APPROACHING:
            continue
        body = rhythm.body
        recipients = {*notifications.department_users([body.liaison_office_id],
                                                      roles=("office", "liaison", "leader")),
                      *notifications.department_users(body.convener_ids, roles=("leader",))}
        reminders.append(notifications.Reminder(
            recipients=recipients, subject=body.name_zh,
            link=notifications.app_path("meeting_bodies.index"), object_type="meeting_body",
            object_id=body.id, due_at=rhythm.due_at))
    return reminders
