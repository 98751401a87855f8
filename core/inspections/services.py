"""Joint inspections: plan, record on site, hand findings to units, rectify, verify.

Rules (lianzhou art. 7; licheng 五; jiaocheng "清单式管理、挂账式销号"):

* The office plans an inspection with departments, villages in scope and people; the
  plugins of the participating departments add checklist items (``inspection_checklist``).
* Members record what they saw on site (place, coordinates, photos, checklist answers).
* The office turns problems into findings for a responsible unit (a village, the township
  government or a department) with a deadline; the unit is notified and plugins hear of it
  (``finding_assigned``).
* The unit reports progress and then completion; the office verifies on evidence (closed)
  or rejects with a reason (open again). Nothing closes without verification and every
  step is an event on the finding's timeline (and a row in the audit log).
* "Overdue" is computed: not verified by the deadline.

Nothing here commits: views and the API commit once per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from core import access
from core.accounts.models import User
from core.db import db, utcnow
from core.departments.models import DEPARTMENT_KINDS, LOCAL_KINDS, Department
from core.errors import InputError, StateConflict
from core.inspections.models import (
    CHECK_ANSWERS,
    SEVERITIES,
    Finding,
    FindingCopy,
    FindingEvent,
    Inspection,
    InspectionDepartment,
    InspectionMember,
    InspectionRecord,
    InspectionVillage,
)
from core.notifications import services as notifications
from core.records import claim_state, last_reported_percent
from core.supervision import services as supervision
from core.timeutil import day_start, due_by, local_day

RECORD_OWNER = "inspection_record"
FINDING_OWNER = "finding"
EVENT_OWNER = "finding_event"
#: Who of a responsible unit is told of, and reminded about, its findings.
UNIT_ROLES = ("liaison", "leader", "member")
MAX_SPAN = timedelta(days=366)


def _err(**fields: Any) -> InputError:
    return InputError.of(**fields)


def _units(codes: list[str], kinds: tuple[str, ...]) -> dict[str, Department]:
    if not codes:
        return {}
    return {d.code: d for d in db.session.scalars(select(Department).where(
        Department.code.in_(codes), Department.active.is_(True), Department.kind.in_(kinds)))}


# ------------------------------------------------------------------------ inspections


@dataclass
class InspectionInput:
    title: str
    start_on: date | None
    end_on: date | None
    report_due_on: date | None
    #: department code -> its task
    departments: dict[str, str]
    purpose: str = ""
    scope: str = ""
    villages: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)  # usernames


def _checklist(inspection: Inspection) -> list[dict[str, Any]]:
    from core.app import kernel
    from core.plugins import call_each

    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for plugin, answer in call_each(kernel().pm, "inspection_checklist", inspection=inspection):
        for item in answer:
            if item["code"] in seen:
                continue
            seen.add(item["code"])
            items.append({"code": item["code"], "label_zh": item["label_zh"],
                          "label_en": item.get("label_en", item["label_zh"]),
                          "plugin": plugin})
    return items


def _validate_inspection(data: InspectionInput, today: date
                         ) -> tuple[dict[str, Department], dict[str, Department], list[User]]:
    problems: dict[str, Any] = {}
    if not data.title.strip():
        problems["title"] = _l("A title is required.")
    if data.start_on is None:
        problems["start_on"] = _l("A start date is required.")
    if data.end_on is None:
        problems["end_on"] = _l("An end date is required.")
    elif data.start_on and data.end_on < data.start_on:
        problems["end_on"] = _l("The end date is before the start date.")
    elif data.start_on and data.end_on - data.start_on > MAX_SPAN:
        problems["end_on"] = _l("An inspection lasts at most a year.")
    if data.report_due_on is None:
        problems["report_due_on"] = _l("A deadline for the inspection report is required.")
    elif data.end_on and data.report_due_on < data.end_on:
        problems["report_due_on"] = _l("The report is due on or after the last day.")
    elif data.report_due_on > today + MAX_SPAN + MAX_SPAN:
        problems["report_due_on"] = _l("The report is due within two years.")
    departments = _units(list(data.departments), ("department",))
    if not data.departments:
        problems["departments"] = _l("Choose at least one participating department.")
    elif set(data.departments) - set(departments):
        problems["departments"] = _l("Unknown departments: %(codes)s", codes=", ".join(
            sorted(set(data.departments) - set(departments))))
    villages = _units(data.villages, LOCAL_KINDS)
    if set(data.villages) - set(villages):
        problems["villages"] = _l("Unknown villages: %(codes)s", codes=", ".join(
            sorted(set(data.villages) - set(villages))))
    members = list(db.session.scalars(select(User).where(
        User.username.in_(data.members), User.active.is_(True),
        User.role.in_(access.BUSINESS_ROLES)))) if data.members else []
    if set(data.members) - {u.username for u in members}:
        problems["members"] = _l("Unknown users: %(names)s", names=", ".join(
            sorted(set(data.members) - {u.username for u in members})))
    taking_part = {d.id for d in departments.values()}
    outsiders = [u.username for u in members if u.department.kind != "office"
                 and u.department_id not in taking_part]
    if outsiders:
        problems["members"] = _l("%(names)s: only the office and the participating "
                                 "departments' people take part.",
                                 names=", ".join(sorted(outsiders)))
    if problems:
        raise _err(**problems)
    return departments, villages, members


def _apply_inspection(inspection: Inspection, data: InspectionInput,
                      departments: dict[str, Department], villages: dict[str, Department],
                      members: list[User]) -> None:
    assert data.start_on and data.end_on and data.report_due_on
    inspection.title = data.title.strip()
    inspection.purpose = data.purpose.strip()
    inspection.scope = data.scope.strip()
    inspection.start_on, inspection.end_on = data.start_on, data.end_on
    inspection.report_due_at = due_by(data.report_due_on)
    current = {d.department_id: d for d in inspection.departments}
    wanted = {departments[code].id: task.strip() for code, task in data.departments.items()}
    for department_id, row in current.items():
        if department_id not in wanted:
            inspection.departments.remove(row)
        elif row.task != wanted[department_id]:
            row.task = wanted[department_id]
    for code, task in data.departments.items():
        if departments[code].id not in current:
            inspection.departments.append(InspectionDepartment(
                department_id=departments[code].id, department=departments[code],
                task=task.strip()))
    current_villages = {v.department_id: v for v in inspection.villages}
    wanted_villages = {v.id: v for v in villages.values()}
    for department_id, row in current_villages.items():
        if department_id not in wanted_villages:
            inspection.villages.remove(row)
    for department_id, unit in wanted_villages.items():
        if department_id not in current_villages:
            inspection.villages.append(InspectionVillage(department_id=department_id,
                                                         department=unit))
    current_members = {m.user_id: m for m in inspection.members}
    wanted_members = {u.id for u in members}
    for user_id, row in current_members.items():
        if user_id not in wanted_members:
            inspection.members.remove(row)
    for user in members:
        if user.id not in current_members:
            inspection.members.append(InspectionMember(user_id=user.id, user=user))


def plan_inspection(user: User, data: InspectionInput, now: datetime | None = None
                    ) -> Inspection:
    """The office plans a joint inspection; the participating departments are told."""
    now = now or utcnow()
    if not access.is_office(user):
        raise PermissionError("only the office plans inspections")
    departments, villages, members = _validate_inspection(data, local_day(now))
    inspection = Inspection(created_by_id=user.id, state="planned", checklist=[])
    _apply_inspection(inspection, data, departments, villages, members)
    inspection.checklist = _checklist(inspection)
    db.session.add(inspection)
    db.session.flush()
    _tell_participants(user, inspection, inspection.department_ids,
                       {m.user_id for m in inspection.members})
    return inspection


def _tell_participants(user: User, inspection: Inspection, department_ids: set[int],
                       member_ids: set[int]) -> None:
    """Notify the departments and people newly taking part (not the planner)."""
    recipients = set(notifications.department_users(department_ids, exclude=[user.id]))
    recipients |= member_ids - {user.id}
    notifications.notify(recipients, "inspection.planned", inspection.title,
                         notifications.app_path("inspections.detail",
                                                inspection_id=inspection.id),
                         "inspection", inspection.id)


def update_inspection(user: User, inspection: Inspection, data: InspectionInput,
                      version: int | None = None) -> None:
    """The office changes the plan before the report is in; the checklist follows the
    departments while nothing has been recorded. ``version``: the one the editor loaded."""
    if not access.is_office(user) or inspection.state not in ("planned", "in_progress"):
        raise PermissionError("the plan can no longer be changed")
    if version is not None and version != inspection.version:
        raise StateConflict(inspection.id)
    departments, villages, members = _validate_inspection(data, local_day(utcnow()))
    before = inspection.department_ids
    before_members = {m.user_id for m in inspection.members}
    _apply_inspection(inspection, data, departments, villages, members)
    _tell_participants(user, inspection, inspection.department_ids - before,
                       {m.user_id for m in inspection.members} - before_members)
    has_records = db.session.scalar(select(func.count(InspectionRecord.id)).where(
        InspectionRecord.inspection_id == inspection.id))
    if not has_records:
        inspection.checklist = _checklist(inspection)
    db.session.flush()


def start_inspection(user: User, inspection: Inspection) -> None:
    """planned -> in_progress (the office, or implicitly the first on-site record)."""
    if not access.is_office(user) and not access.may_record_on_site(user, inspection):
        raise PermissionError("not yours to start")
    claim_state(Inspection, inspection, ("planned",), "in_progress")


def submit_report(user: User, inspection: Inspection, text: str,
                  now: datetime | None = None) -> None:
    """The office files the inspection report: in_progress -> reported."""
    if not access.is_office(user):
        raise PermissionError("only the office reports")
    if not text.strip():
        raise _err(report_text=_l("Write the inspection report."))
    claim_state(Inspection, inspection, ("in_progress",), "reported")
    inspection.report_text = text.strip()
    inspection.reported_at = now or utcnow()
    db.session.flush()


def close_inspection(user: User, inspection: Inspection, now: datetime | None = None) -> None:
    """The office closes a reported inspection once every finding is verified."""
    if not access.is_office(user):
        raise PermissionError("only the office closes")
    if inspection.state != "reported":
        raise StateConflict(inspection.id)
    still_open = db.session.scalar(select(func.count(Finding.id)).where(
        Finding.inspection_id == inspection.id, Finding.state != "closed"))
    if still_open:
        raise _err(state=_l("%(n)d findings are not verified yet.", n=still_open))
    claim_state(Inspection, inspection, ("reported",), "closed")
    inspection.closed_at = now or utcnow()
    db.session.flush()


def get_visible_inspection(user: User, inspection_id: int) -> Inspection | None:
    """The inspection if ``user`` may see it (callers answer 404 otherwise)."""
    return db.session.scalar(select(Inspection).where(
        Inspection.id == inspection_id, access.visible_inspections(user)))


@dataclass
class InspectionFilters:
    state: str = ""
    q: str = ""
    department: str = ""
    since: date | None = None  # starts on or after
    until: date | None = None  # starts on or before


def inspection_query(user: User, filters: InspectionFilters) -> Select[Any]:
    """Visible inspections, newest start first."""
    stmt = (select(Inspection).where(access.visible_inspections(user))
            .options(selectinload(Inspection.departments), selectinload(Inspection.villages),
                     selectinload(Inspection.members)))
    if filters.state:
        stmt = stmt.where(Inspection.state == filters.state)
    if filters.q:
        stmt = stmt.where(or_(Inspection.title.icontains(filters.q, autoescape=True),
                              Inspection.scope.icontains(filters.q, autoescape=True)))
    if filters.department:
        stmt = stmt.where(Inspection.id.in_(
            select(InspectionDepartment.inspection_id).join(Department).where(
                Department.code == filters.department)))
    if filters.since:
        stmt = stmt.where(Inspection.start_on >= filters.since)
    if filters.until:
        stmt = stmt.where(Inspection.start_on <= filters.until)
    return stmt.order_by(Inspection.start_on.desc(), Inspection.id.desc())


# --------------------------------------------------------------------- on-site records


@dataclass
class RecordInput:
    place_name: str
    recorded_at: datetime | None = None
    lat: float | None = None
    lng: float | None = None
    answers: dict[str, str] = field(default_factory=dict)
    notes: str = ""


def _check_coordinates(lat: float | None, lng: float | None, problems: dict[str, Any]) -> None:
    if (lat is None) != (lng is None):
        problems["lat" if lat is None else "lng"] = _l("Give both latitude and longitude.")
    if lat is not None and not -90 <= lat <= 90:
        problems["lat"] = _l("Latitude is between -90 and 90.")
    if lng is not None and not -180 <= lng <= 180:
        problems["lng"] = _l("Longitude is between -180 and 180.")


def add_record(user: User, inspection: Inspection, data: RecordInput,
               now: datetime | None = None) -> InspectionRecord:
    """A member records what they saw; the first record starts a planned inspection."""
    now = now or utcnow()
    if not access.may_record_on_site(user, inspection):
        raise PermissionError("not a member of this inspection")
    problems: dict[str, Any] = {}
    if not data.place_name.strip():
        problems["place_name"] = _l("Name the place.")
    recorded_at = data.recorded_at or now
    if recorded_at > now + timedelta(minutes=5):
        problems["recorded_at"] = _l("The time is in the future.")
    elif recorded_at.date() < inspection.start_on - timedelta(days=31):
        problems["recorded_at"] = _l("The time is long before the inspection.")
    _check_coordinates(data.lat, data.lng, problems)
    codes = {item["code"] for item in inspection.checklist}
    unknown = set(data.answers) - codes
    bad = {v for v in data.answers.values() if v not in CHECK_ANSWERS}
    if unknown:
        problems["answers"] = _l("Unknown checklist items: %(codes)s",
                                 codes=", ".join(sorted(unknown)))
    elif bad:
        problems["answers"] = _l("Answer yes, no or not applicable.")
    if problems:
        raise _err(**problems)
    if inspection.state == "planned":
        try:
            claim_state(Inspection, inspection, ("planned",), "in_progress")
        except StateConflict:  # someone else's first record started it: fine
            db.session.refresh(inspection, ["state", "version"])
            if inspection.state != "in_progress":
                raise
    record = InspectionRecord(
        inspection_id=inspection.id, recorded_at=recorded_at,
        place_name=data.place_name.strip(), lat=data.lat, lng=data.lng,
        answers={k: v for k, v in data.answers.items() if v}, notes=data.notes.strip(),
        department_id=user.department_id, created_by_id=user.id)
    db.session.add(record)
    db.session.flush()
    return record


def add_record_photo(user: User, inspection: Inspection, record: InspectionRecord,
                     upload: Any) -> Any:
    """Attach a photo to an on-site record (its department or the office, while the
    inspection runs). The file is checked by content; caller commits."""
    from core.attachments import storage

    if record.inspection_id != inspection.id or not access.may_record_on_site(user, inspection):
        raise PermissionError("not yours to add photos to")
    if not (access.is_office(user) or user.department_id == record.department_id):
        raise PermissionError("another department's record")
    return storage.save(upload, RECORD_OWNER, record.id, user)


def add_event_photo(user: User, finding: Finding, event: FindingEvent, upload: Any) -> Any:
    """Attach a photo to a progress or completion report of the responsible unit (by its
    people, until the finding is closed). Caller commits."""
    from core.attachments import storage

    if (event.finding_id != finding.id or event.kind not in ("progress", "completion")
            or finding.state == "closed" or user.department_id != finding.unit_id
            or user.role not in access.BUSINESS_ROLES):
        raise PermissionError("not yours to add photos to")
    return storage.save(upload, EVENT_OWNER, event.id, user)


def records_of(inspection: Inspection) -> list[InspectionRecord]:
    return list(db.session.scalars(select(InspectionRecord).where(
        InspectionRecord.inspection_id == inspection.id)
        .order_by(InspectionRecord.recorded_at, InspectionRecord.id)))


# --------------------------------------------------------------------------- findings


@dataclass
class FindingInput:
    description: str
    severity: str
    category: str
    unit: str  # unit code
    due_on: date | None
    requirements: str = ""
    location_name: str = ""
    lat: float | None = None
    lng: float | None = None
    copies: list[str] = field(default_factory=list)  # department codes
    record_id: int | None = None


def finding_categories() -> set[str]:
    from core.app import kernel

    return {c["code"] for c in kernel().sharing_categories}


def _link(finding: Finding) -> str:
    return notifications.app_path("findings.detail", finding_id=finding.id)


def _event(finding: Finding, user: User, kind: str, text: str = "",
           percent: int | None = None, now: datetime | None = None) -> FindingEvent:
    event = FindingEvent(finding_id=finding.id, kind=kind, text=text.strip(), percent=percent,
                         user_id=user.id, department_id=user.department_id,
                         created_at=now or utcnow())
    db.session.add(event)
    db.session.flush()
    return event


def create_finding(user: User, inspection: Inspection, data: FindingInput,
                   now: datetime | None = None) -> Finding:
    """The office hands a finding to a responsible unit with a deadline: the unit and the
    copied departments are told, then every plugin's ``finding_assigned`` runs."""
    now = now or utcnow()
    if not access.is_office(user):
        raise PermissionError("only the office assigns findings")
    problems: dict[str, Any] = {}
    if inspection.state not in ("in_progress", "reported"):
        problems["inspection_id"] = _l("Findings are added while the inspection runs or "
                                       "before it is closed.")
    if not data.description.strip():
        problems["description"] = _l("Describe the problem.")
    if data.severity not in SEVERITIES:
        problems["severity"] = _l("Choose a severity.")
    if data.category not in finding_categories():
        problems["category"] = _l("Choose a category.")
    unit = _units([data.unit], ("department", *LOCAL_KINDS)).get(data.unit)
    if unit is None:
        problems["unit"] = _l("Choose the responsible unit.")
    if data.due_on is None:
        problems["due_on"] = _l("A rectification deadline is required.")
    elif data.due_on - local_day(now) > MAX_SPAN:
        problems["due_on"] = _l("The deadline must be within a year.")
    elif due_by(data.due_on) <= now:
        problems["due_on"] = _l("The deadline must be in the future.")
    copies = _units(data.copies, DEPARTMENT_KINDS)
    if set(data.copies) - set(copies):
        problems["copies"] = _l("Unknown departments: %(codes)s", codes=", ".join(
            sorted(set(data.copies) - set(copies))))
    _check_coordinates(data.lat, data.lng, problems)
    record = None
    if data.record_id is not None:
        record = db.session.get(InspectionRecord, data.record_id)
        if record is None or record.inspection_id != inspection.id:
            problems["record_id"] = _l("Choose an on-site record of this inspection.")
    if problems:
        raise _err(**problems)
    assert unit is not None and data.due_on is not None
    lat, lng, place = data.lat, data.lng, data.location_name.strip()
    if record is not None and lat is None:
        lat, lng = record.lat, record.lng
    if record is not None and not place:
        place = record.place_name
    finding = Finding(
        inspection_id=inspection.id, record_id=data.record_id,
        description=data.description.strip(), severity=data.severity, category=data.category,
        location_name=place, lat=lat, lng=lng, unit_id=unit.id, unit=unit,
        due_at=due_by(data.due_on), requirements=data.requirements.strip(),
        state="open", created_by_id=user.id, created_at=now,
        copies=[FindingCopy(department_id=d.id, department=d) for d in copies.values()
                if d.id != unit.id])
    db.session.add(finding)
    db.session.flush()
    _event(finding, user, "assigned", unit.name_zh, now=now)
    subject = _subject(finding)
    notifications.notify_department(unit.id, "finding.assigned", subject, _link(finding),
                                    "finding", finding.id, roles=UNIT_ROLES)
    copied = notifications.department_users([c.department_id for c in finding.copies],
                                            exclude=[user.id])
    notifications.notify(copied, "finding.copied", subject, _link(finding), "finding",
                         finding.id)
    from core.app import kernel

    kernel().pm.hook.finding_assigned(finding=finding)
    db.session.flush()
    return finding


def _subject(finding: Finding) -> str:
    return f"#{finding.id} {finding.description[:120]}"


def get_visible_finding(user: User, finding_id: int) -> Finding | None:
    """The finding if ``user`` may see it (callers answer 404 otherwise)."""
    return db.session.scalar(select(Finding).where(Finding.id == finding_id,
                                                   access.visible_findings(user)))


def report_progress(user: User, finding: Finding, text: str, percent: int | None,
                    has_files: bool = False, now: datetime | None = None) -> FindingEvent:
    """The responsible unit reports how far the rectification has come."""
    if not access.may_report_rectification(user, finding):
        raise PermissionError("not the responsible unit")
    problems: dict[str, Any] = {}
    if not text.strip() and not has_files:
        problems["text"] = _l("Describe the progress or attach photos.")
    if percent is not None and not 0 <= percent <= 100:
        problems["percent"] = _l("A percentage is between 0 and 100.")
    if problems:
        raise _err(**problems)
    if percent is not None:
        finding.progress_percent = percent
    event = _event(finding, user, "progress", text, percent, now)
    db.session.flush()
    return event


def report_completion(user: User, finding: Finding, text: str, has_files: bool = False,
                      now: datetime | None = None) -> FindingEvent:
    """The unit's liaison or leader reports the rectification done; the office verifies."""
    if not access.may_report_completion(user, finding):
        raise PermissionError("not the responsible unit's liaison or leader")
    if not text.strip():
        raise _err(text=_l("Describe what was done."))
    claim_state(Finding, finding, ("open",), "completion_reported")
    finding.progress_percent = 100
    event = _event(finding, user, "completion", text, 100, now)
    office = notifications.department_users(
        [d.id for d in db.session.scalars(select(Department).where(
            Department.kind == "office"))], roles=("office", "leader", "liaison"))
    notifications.notify({*office, finding.created_by_id}, "finding.completion",
                         _subject(finding), _link(finding), "finding", finding.id)
    return event


def verify_finding(user: User, finding: Finding, text: str = "",
                   now: datetime | None = None) -> FindingEvent:
    """The office verifies a reported completion on its evidence: struck off (closed)."""
    now = now or utcnow()
    if not access.is_office(user):
        raise PermissionError("only the office verifies")
    claim_state(Finding, finding, ("completion_reported",), "closed")
    finding.closed_at = now
    finding.verified_by_id = user.id
    event = _event(finding, user, "verified", text, now=now)
    if finding.supervised:
        supervision.end("finding", finding.id, now)
    notifications.notify_department(finding.unit_id, "finding.verified", _subject(finding),
                                    _link(finding), "finding", finding.id, roles=UNIT_ROLES)
    from core.app import kernel

    kernel().pm.hook.finding_verified(finding=finding)
    db.session.flush()
    return event


def reject_completion(user: User, finding: Finding, reason: str,
                      now: datetime | None = None) -> FindingEvent:
    """The office rejects a reported completion with a reason: open again."""
    if not access.is_office(user):
        raise PermissionError("only the office rejects")
    if not reason.strip():
        raise _err(reason=_l("Say why the rectification is not accepted."))
    claim_state(Finding, finding, ("completion_reported",), "open")
    # Back to the progress last reported before the completion.
    finding.progress_percent = last_reported_percent(FindingEvent, FindingEvent.finding_id,
                                                     finding.id)
    event = _event(finding, user, "rejected", reason, now=now)
    notifications.notify_department(finding.unit_id, "finding.rejected", _subject(finding),
                                    _link(finding), "finding", finding.id, roles=UNIT_ROLES)
    return event


def supervise_finding(user: User, finding: Finding, reason: str,
                      now: datetime | None = None) -> None:
    """The office raises a finding to listed supervision (挂牌督办)."""
    if not access.is_office(user):
        raise PermissionError("only the office lists findings for supervision")
    if finding.state == "closed":
        raise _err(reason=_l("The finding is closed."))
    supervision.start("finding", finding.id, finding.unit_id, reason, user, now)
    finding.supervised = True
    _event(finding, user, "supervised", reason, now=now)
    notifications.notify_department(finding.unit_id, "finding.supervised", _subject(finding),
                                    _link(finding), "finding", finding.id, roles=UNIT_ROLES)


def may_write_supervision(user: User, finding: Finding, kind: str) -> bool:
    """Monthly inquiries are the office's; quarterly reports the unit's (or the office's)."""
    if not finding.supervised or finding.state == "closed":
        return False
    if kind == "inquiry":
        return access.is_office(user)
    return access.is_office(user) or (user.department_id == finding.unit_id
                                      and user.role in ("liaison", "leader"))


def add_supervision_entry(user: User, finding: Finding, kind: str, period: str, text: str,
                          now: datetime | None = None) -> Any:
    if not may_write_supervision(user, finding, kind):
        raise PermissionError("not yours to write")
    found = supervision.find("finding", [finding.id]).get(finding.id)
    if found is None:
        raise PermissionError("not supervised")
    return supervision.add_entry(found, kind, period, text, user, now)


def events_of(finding: Finding) -> list[FindingEvent]:
    return list(db.session.scalars(select(FindingEvent).where(
        FindingEvent.finding_id == finding.id).order_by(FindingEvent.created_at,
                                                        FindingEvent.id)))


def describe_findings(ids: list[int]) -> dict[int, tuple[str, str]]:
    """``{id: (subject, link)}`` for reminders about supervised findings."""
    return {f.id: (_subject(f), _link(f)) for f in db.session.scalars(
        select(Finding).where(Finding.id.in_(ids)))}


@dataclass
class FindingFilters:
    state: str = ""  # open, completion_reported, closed, overdue, not_closed
    unit: str = ""
    severity: str = ""
    category: str = ""
    inspection_id: int | None = None
    supervised: bool | None = None
    q: str = ""
    due_before: date | None = None


def finding_query(user: User, filters: FindingFilters, now: datetime | None = None
                  ) -> Select[Any]:
    """Visible findings: overdue first, then the rest not closed by deadline, closed last."""
    now = now or utcnow()
    stmt = select(Finding).where(access.visible_findings(user))
    if filters.state == "overdue":
        stmt = stmt.where(Finding.state != "closed", Finding.due_at < now)
    elif filters.state == "not_closed":
        stmt = stmt.where(Finding.state != "closed")
    elif filters.state:
        stmt = stmt.where(Finding.state == filters.state)
    if filters.unit:
        stmt = stmt.where(Finding.unit_id == select(Department.id).where(
            Department.code == filters.unit).scalar_subquery())
    if filters.severity:
        stmt = stmt.where(Finding.severity == filters.severity)
    if filters.category:
        stmt = stmt.where(Finding.category == filters.category)
    if filters.inspection_id:
        stmt = stmt.where(Finding.inspection_id == filters.inspection_id)
    if filters.supervised is not None:
        stmt = stmt.where(Finding.supervised.is_(filters.supervised))
    if filters.due_before:
        stmt = stmt.where(Finding.due_at < day_start(filters.due_before, end=True))
    if filters.q:
        stmt = stmt.where(or_(Finding.description.icontains(filters.q, autoescape=True),
                              Finding.location_name.icontains(filters.q, autoescape=True)))
    overdue_first = case((and_(Finding.state != "closed", Finding.due_at < now), 0),
                         (Finding.state != "closed", 1), else_=2)
    return stmt.order_by(overdue_first, Finding.due_at, Finding.id)


def rectification_counts(user: User, now: datetime | None = None) -> dict[str, int]:
    """For the dashboard: visible findings rectifying, awaiting verification and overdue;
    and of them, those the user's own unit must rectify (one query)."""
    now = now or utcnow()
    overdue = and_(Finding.state != "closed", Finding.due_at < now)
    mine = Finding.unit_id == user.department_id
    row = db.session.execute(select(
        func.sum(case((Finding.state == "open", 1), else_=0)),
        func.sum(case((Finding.state == "completion_reported", 1), else_=0)),
        func.sum(case((overdue, 1), else_=0)),
        func.sum(case((and_(mine, Finding.state == "open"), 1), else_=0)),
        func.sum(case((and_(mine, overdue), 1), else_=0)),
    ).where(access.visible_findings(user))).one()
    keys = ("open", "awaiting_verification", "overdue", "mine_open", "mine_overdue")
    return {key: value or 0 for key, value in zip(keys, row, strict=True)}


@dataclass
class UnitSummary:
    unit: Department
    open: int
    overdue: int
    awaiting_verification: int
    closed: int
    closed_late: int


def unit_summary(user: User, now: datetime | None = None,
                 inspection_id: int | None = None) -> list[UnitSummary]:
    """Findings per responsible unit (visible ones), units with overdue findings first;
    two queries whatever the volume."""
    now = now or utcnow()
    not_closed = Finding.state != "closed"
    conditions = [access.visible_findings(user)]
    if inspection_id:
        conditions.append(Finding.inspection_id == inspection_id)
    rows = db.session.execute(select(
        Finding.unit_id,
        func.sum(case((Finding.state == "open", 1), else_=0)),
        func.sum(case((and_(not_closed, Finding.due_at < now), 1), else_=0)),
        func.sum(case((Finding.state == "completion_reported", 1), else_=0)),
        func.sum(case((Finding.state == "closed", 1), else_=0)),
        func.sum(case((and_(Finding.state == "closed", Finding.closed_at > Finding.due_at), 1),
                      else_=0)),
    ).where(*conditions).group_by(Finding.unit_id)).all()
    if not rows:
        return []
    units = {d.id: d for d in db.session.scalars(select(Department).where(
        Department.id.in_([r[0] for r in rows])))}
    out = [UnitSummary(units[r[0]], r[1] or 0, r[2] or 0, r[3] or 0, r[4] or 0, r[5] or 0)
           for r in rows]
    out.sort(key=lambda s: (-s.overdue, -(s.open + s.awaiting_verification),
                            s.unit.kind != "township", s.unit.position))
    return out


def supervision_board(user: User, now: datetime | None = None, limit: int = 100
                      ) -> list[tuple[Finding, supervision.Status]]:
    """Supervised findings not yet closed, with their rhythm status; missing entries first.

    Three queries (findings, their supervisions, the entries) whatever the volume; at most
    ``limit`` findings (the oldest deadlines first).
    """
    findings = list(db.session.scalars(select(Finding).where(
        access.visible_findings(user), Finding.supervised.is_(True), Finding.state != "closed")
        .order_by(Finding.due_at, Finding.id).limit(limit)))
    return supervision.board("finding", findings, now)


# ------------------------------------------------------------------------- reminders


def finding_deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Findings not verified, due within a day or past due: the unit is reminded while it
    is rectifying; once past due, the office is told too."""
    soon = now + notifications.APPROACHING
    findings = list(db.session.scalars(select(Finding).where(
        Finding.state != "closed", Finding.due_at <= soon).order_by(Finding.id)))
    if not findings:
        return []
    unit_users = notifications.users_by_department({f.unit_id for f in findings},
                                                   roles=("liaison", "leader"))
    reminders = []
    for finding in findings:
        recipients = set(unit_users[finding.unit_id]) if finding.state == "open" else set()
        if now >= finding.due_at:
            recipients.add(finding.created_by_id)
        reminders.append(notifications.Reminder(
            recipients=recipients, subject=_subject(finding), link=_link(finding),
            object_type="finding", object_id=finding.id, due_at=finding.due_at))
    return reminders


def report_deadline_source(now: datetime) -> list[notifications.Reminder]:
    """Inspections whose report is due within a day or past due: the planner is reminded."""
    soon = now + notifications.APPROACHING
    return [notifications.Reminder(
        recipients={i.created_by_id}, subject=i.title,
        link=notifications.app_path("inspections.detail", inspection_id=i.id),
        object_type="inspection", object_id=i.id, due_at=i.report_due_at)
        for i in db.session.scalars(select(Inspection).where(
            Inspection.state.in_(("planned", "in_progress")), Inspection.report_due_at <= soon)
            .order_by(Inspection.id))]
