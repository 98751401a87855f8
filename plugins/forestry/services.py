"""The forestry registers' rules: who writes, what is valid, what the lists and figures are.

* Every user the plugin serves (its departments and the office) reads the permit registers:
  permits are public administrative acts. Writing is for the business users (leader,
  liaison, member) of a department that switched the plugin on; a permit is edited by its
  issuing department only.
* Administrative case details belong to a core case of a forestry offence type; the
  department handling the case records them while the case is open. Technical support
  (experts, reports) is given by a forestry department on any case it can see, including
  those it handed to the police.
* Quarterly figures for the liaison report come from these registers.

Every check goes through :func:`core.access.can` (the plugin answers through
``permission_allowed``, see :func:`allowed`), so another plugin can veto. Refused input raises
:class:`core.errors.InputError`, a stale edit :class:`core.errors.StateConflict`, a refused
user ``PermissionError``. Nothing here commits: pages and the API commit once per request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, distinct, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from core import access
from core.accounts.models import User
from core.attachments import storage
from core.cases.models import Case, Transfer
from core.db import db, utcnow
from core.departments.models import Department, DepartmentPlugin
from core.errors import InputError, StateConflict
from core.notifications import services as notifications
from core.timeutil import EARLIEST, LATEST, day_start, local_day
from plugins.forestry.models import (
    REPORT_KINDS,
    ForestryCase,
    ForestryExpert,
    ForestryReport,
    LandUsePermit,
    LoggingPermit,
)

PLUGIN = "forestry"
#: Attachments of technical reports.
REPORT_OWNER = "forestry_report"
#: Roles that write the registers (department staff; the office reads).
WRITE_ROLES = ("leader", "liaison", "member")
#: The police's feedback that sends a case back for administrative handling.
RETURN_FEEDBACKS = ("not_crime", "returned")

ISSUE_PERMIT = "forestry.permit.issue"
EDIT_PERMIT = "forestry.permit.edit"
RECORD_CASE = "forestry.case.record"
SUPPORT_CASE = "forestry.case.support"

PERMISSIONS = [
    {"action": ISSUE_PERMIT, "description": "issue logging permits and forest-land use permits"},
    {"action": EDIT_PERMIT, "description": "correct a permit of one's own department"},
    {"action": RECORD_CASE, "description": "record the administrative details of a forest or "
                                           "mining case the department handles"},
    {"action": SUPPORT_CASE, "description": "appoint experts and attach technical reports to "
                                            "a case"},
]

#: Amounts are between 0 and this (what a NUMERIC(12..14, 2..3) column holds).
MAX_AMOUNT = 1e9

REQUIRED = _l("This field is required.")
NOT_A_NUMBER = _l("Enter a number of 0 or more.")
BAD_DAY = _l("Enter a date between 1900 and 2999.")
DUPLICATE_NUMBER = _l("A permit with this number is already registered.")


# ----------------------------------------------------------------------------- access


def serves(department: Department) -> bool:
    """Whether the plugin serves ``department`` (its leader switched it on)."""
    return PLUGIN in department.enabled_plugins


def may_write(user: Any) -> bool:
    """Business users (not the office) of a department the plugin serves."""
    return (getattr(user, "is_authenticated", False) and user.role in WRITE_ROLES
            and user.department.kind == "department" and serves(user.department))


def forestry_offence_codes() -> list[str]:
    """The offence types this plugin contributed (``forestry.*``)."""
    from core.app import kernel

    return [o["code"] for o in kernel().offence_types if o["plugin"] == PLUGIN]


def allowed(user: Any, action: str, obj: Any) -> bool | None:
    """The plugin's vote in ``permission_allowed``: ``None`` for other plugins' actions."""
    if not action.startswith(PLUGIN + "."):
        return None
    if not may_write(user):
        return False
    if action == ISSUE_PERMIT:
        return True
    if action == EDIT_PERMIT:
        return obj is not None and obj.department_id == user.department_id
    if action == RECORD_CASE:
        return (obj is not None and access.may_handle_case(user, obj)
                and obj.offence_type in forestry_offence_codes())
    if action == SUPPORT_CASE:  # the caller found the case among those the user may see
        return obj is not None
    return False


def _require(user: Any, action: str, obj: Any = None) -> None:
    if not access.can(user, action, obj):
        raise PermissionError(action)


# ------------------------------------------------------------------------- validation


class _Problems(dict[str, Any]):
    """Field -> message, checked field by field, raised at once."""

    def text(self, name: str, value: str, limit: int, required: bool = True) -> str:
        value = (value or "").strip()
        if required and not value:
            self.setdefault(name, REQUIRED)
        elif len(value) > limit:
            self.setdefault(name, _l("At most %(n)d characters.", n=limit))
        return value

    def amount(self, name: str, value: float | None, required: bool = True,
               digits: int = 2) -> float | None:
        """A quantity or sum, rounded to the column's ``digits`` (so it always fits)."""
        if value is None:
            if required:
                self.setdefault(name, REQUIRED)
            return None
        if not (isinstance(value, int | float) and math.isfinite(value)
                and 0 <= round(value, digits) < MAX_AMOUNT):
            self.setdefault(name, NOT_A_NUMBER)
            return None
        return round(float(value), digits)

    def day(self, name: str, value: date | None, required: bool = True) -> date | None:
        if value is None:
            if required:
                self.setdefault(name, REQUIRED)
            return None
        if not EARLIEST <= value <= LATEST:
            self.setdefault(name, BAD_DAY)
            return None
        return value

    def coordinates(self, lat: float | None, lng: float | None) -> None:
        if (lat is None) != (lng is None):
            self.setdefault("lat", _l("Give both latitude and longitude."))
        elif lat is not None and lng is not None and not (
                math.isfinite(lat) and math.isfinite(lng)
                and -90 <= lat <= 90 and -180 <= lng <= 180):
            self.setdefault("lat", _l("Latitude is between -90 and 90, longitude between "
                                      "-180 and 180."))

    def raise_any(self) -> None:
        if self:
            raise InputError.of(**self)


def _flush_unique_number() -> None:
    """Flush; a number registered meanwhile by someone else is a field error, not a 500
    (the caller rolls back: the failed flush leaves nothing)."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InputError.of(number=DUPLICATE_NUMBER) from None


def _check_number(problems: _Problems, model: Any, number: str, own_id: int | None) -> None:
    if "number" in problems:
        return
    stmt = select(model.id).where(model.number == number)
    if own_id is not None:
        stmt = stmt.where(model.id != own_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        problems["number"] = DUPLICATE_NUMBER


def _check_version(obj: Any, version: int | None) -> None:
    """The form or request carries the version it was loaded at: refuse a stale one."""
    if version is not None and version != obj.version:
        raise StateConflict(obj.id)


# --------------------------------------------------------------------- logging permits


@dataclass
class PermitInput:
    """A logging permit as typed: number, holder, place, species, volume, area, validity."""

    number: str
    holder: str
    place_name: str
    species: str
    volume_m3: float | None
    area_mu: float | None
    valid_from: date | None
    valid_until: date | None
    issued_on: date | None
    lat: float | None = None
    lng: float | None = None
    note: str = ""


def _clean_permit(data: PermitInput, own_id: int | None) -> dict[str, Any]:
    p = _Problems()
    values = {
        "number": p.text("number", data.number, 60),
        "holder": p.text("holder", data.holder, 200),
        "place_name": p.text("place_name", data.place_name, 200),
        "species": p.text("species", data.species, 200),
        "volume_m3": p.amount("volume_m3", data.volume_m3, digits=3),
        "area_mu": p.amount("area_mu", data.area_mu),
        "valid_from": p.day("valid_from", data.valid_from),
        "valid_until": p.day("valid_until", data.valid_until),
        "issued_on": p.day("issued_on", data.issued_on),
        "note": p.text("note", data.note, 5_000, required=False),
        "lat": data.lat, "lng": data.lng,
    }
    p.coordinates(data.lat, data.lng)
    start, end, issued = values["valid_from"], values["valid_until"], values["issued_on"]
    if start and end and end < start:
        p.setdefault("valid_until", _l("The validity ends before it starts."))
    if issued and end and end < issued:
        p.setdefault("valid_until", _l("The validity ends before the permit was issued."))
    _check_number(p, LoggingPermit, values["number"], own_id)
    p.raise_any()
    return values


def issue_permit(user: User, data: PermitInput) -> LoggingPermit:
    """Register a logging permit issued by the user's department."""
    _require(user, ISSUE_PERMIT)
    permit = LoggingPermit(**_clean_permit(data, None), department_id=user.department_id,
                           created_by_id=user.id)
    db.session.add(permit)
    _flush_unique_number()
    return permit


def update_permit(user: User, permit: LoggingPermit, data: PermitInput,
                  version: int | None = None) -> LoggingPermit:
    """Correct a permit of the user's department; ``version`` is the one the form loaded."""
    _require(user, EDIT_PERMIT, permit)
    _check_version(permit, version)
    for name, value in _clean_permit(data, permit.id).items():
        setattr(permit, name, value)
    _flush_unique_number()
    return permit


@dataclass
class PermitFilters:
    q: str = ""
    department: str = ""
    validity: str = ""  # valid, expired, pending
    since: date | None = None  # issued on or after
    until: date | None = None  # issued on or before


VALIDITIES = ("valid", "expired", "pending")


def _department_id(code: str) -> Any:
    return select(Department.id).where(Department.code == code).scalar_subquery()


def permit_query(filters: PermitFilters, today: date | None = None) -> Select[Any]:
    """Logging permits matching ``filters``, latest issued first."""
    today = today or local_day(utcnow())
    stmt = select(LoggingPermit)
    if filters.q:
        stmt = stmt.where(or_(*(column.icontains(filters.q, autoescape=True) for column in (
            LoggingPermit.number, LoggingPermit.holder, LoggingPermit.place_name,
            LoggingPermit.species))))
    if filters.department:
        stmt = stmt.where(LoggingPermit.department_id == _department_id(filters.department))
    if filters.validity == "valid":
        stmt = stmt.where(LoggingPermit.valid_from <= today, LoggingPermit.valid_until >= today)
    elif filters.validity == "expired":
        stmt = stmt.where(LoggingPermit.valid_until < today)
    elif filters.validity == "pending":
        stmt = stmt.where(LoggingPermit.valid_from > today)
    if filters.since:
        stmt = stmt.where(LoggingPermit.issued_on >= filters.since)
    if filters.until:
        stmt = stmt.where(LoggingPermit.issued_on <= filters.until)
    return stmt.order_by(LoggingPermit.issued_on.desc(), LoggingPermit.id.desc())


def permit_totals(stmt: Select[Any]) -> dict[str, float]:
    """Count, volume and area of the permits ``stmt`` selects (one query)."""
    sub = stmt.order_by(None).subquery()
    count, volume, area = db.session.execute(select(
        func.count(), func.sum(sub.c.volume_m3), func.sum(sub.c.area_mu))).one()
    return {"count": count, "volume_m3": float(volume or 0), "area_mu": float(area or 0)}


def get_permit(permit_id: int) -> LoggingPermit | None:
    return db.session.get(LoggingPermit, permit_id)


# ------------------------------------------------------------- forest-land use permits


@dataclass
class LandUseInput:
    """A forest-land use permit as typed."""

    number: str
    holder: str
    place_name: str
    area_mu: float | None
    purpose: str
    approved_on: date | None
    valid_until: date | None
    project: str = ""
    lat: float | None = None
    lng: float | None = None
    note: str = ""


def _clean_land_use(data: LandUseInput, own_id: int | None) -> dict[str, Any]:
    p = _Problems()
    values = {
        "number": p.text("number", data.number, 60),
        "holder": p.text("holder", data.holder, 200),
        "project": p.text("project", data.project, 200, required=False),
        "place_name": p.text("place_name", data.place_name, 200),
        "area_mu": p.amount("area_mu", data.area_mu),
        "purpose": p.text("purpose", data.purpose, 200),
        "approved_on": p.day("approved_on", data.approved_on),
        "valid_until": p.day("valid_until", data.valid_until),
        "note": p.text("note", data.note, 5_000, required=False),
        "lat": data.lat, "lng": data.lng,
    }
    p.coordinates(data.lat, data.lng)
    if values["approved_on"] and values["valid_until"] and (
            values["valid_until"] < values["approved_on"]):
        p.setdefault("valid_until", _l("The validity ends before the approval."))
    _check_number(p, LandUsePermit, values["number"], own_id)
    p.raise_any()
    return values


def approve_land_use(user: User, data: LandUseInput) -> LandUsePermit:
    """Register a forest-land use permit of the user's department."""
    _require(user, ISSUE_PERMIT)
    permit = LandUsePermit(**_clean_land_use(data, None), department_id=user.department_id,
                           created_by_id=user.id)
    db.session.add(permit)
    _flush_unique_number()
    return permit


def update_land_use(user: User, permit: LandUsePermit, data: LandUseInput,
                    version: int | None = None) -> LandUsePermit:
    """Correct a land-use permit of the user's department."""
    _require(user, EDIT_PERMIT, permit)
    _check_version(permit, version)
    for name, value in _clean_land_use(data, permit.id).items():
        setattr(permit, name, value)
    _flush_unique_number()
    return permit


@dataclass
class LandUseFilters:
    q: str = ""
    department: str = ""
    validity: str = ""  # valid, expired
    since: date | None = None  # approved on or after
    until: date | None = None


def land_use_query(filters: LandUseFilters, today: date | None = None) -> Select[Any]:
    """Forest-land use permits matching ``filters``, latest approved first."""
    today = today or local_day(utcnow())
    stmt = select(LandUsePermit)
    if filters.q:
        stmt = stmt.where(or_(*(column.icontains(filters.q, autoescape=True) for column in (
            LandUsePermit.number, LandUsePermit.holder, LandUsePermit.project,
            LandUsePermit.place_name, LandUsePermit.purpose))))
    if filters.department:
        stmt = stmt.where(LandUsePermit.department_id == _department_id(filters.department))
    if filters.validity == "valid":
        stmt = stmt.where(LandUsePermit.valid_until >= today)
    elif filters.validity == "expired":
        stmt = stmt.where(LandUsePermit.valid_until < today)
    if filters.since:
        stmt = stmt.where(LandUsePermit.approved_on >= filters.since)
    if filters.until:
        stmt = stmt.where(LandUsePermit.approved_on <= filters.until)
    return stmt.order_by(LandUsePermit.approved_on.desc(), LandUsePermit.id.desc())


def land_use_totals(stmt: Select[Any]) -> dict[str, float]:
    """Count and area of the permits ``stmt`` selects (one query)."""
    sub = stmt.order_by(None).subquery()
    count, area = db.session.execute(select(func.count(), func.sum(sub.c.area_mu))).one()
    return {"count": count, "area_mu": float(area or 0)}


def get_land_use(permit_id: int) -> LandUsePermit | None:
    return db.session.get(LandUsePermit, permit_id)


# ------------------------------------------------------------------- forest cases


#: The quantities a case records, with their units.
QUANTITIES = ("timber_volume_m3", "land_area_mu", "mineral_tonnes", "confiscated_tonnes",
              "value_yuan", "fine_yuan")


@dataclass
class CaseDetailsInput:
    """What the handling department established: quantities, fine, restoration."""

    timber_volume_m3: float | None = None
    land_area_mu: float | None = None
    mineral_tonnes: float | None = None
    confiscated_tonnes: float | None = None
    value_yuan: float | None = None
    fine_yuan: float | None = None
    restoration_ordered: bool = False
    restoration_text: str = ""
    mining_banned: bool = False
    notes: str = ""


def details_of(case_id: int) -> ForestryCase | None:
    return db.session.scalar(select(ForestryCase).where(ForestryCase.case_id == case_id))


def details_by_case(case_ids: Sequence[int]) -> dict[int, ForestryCase]:
    """The details of several cases in one query."""
    if not case_ids:
        return {}
    return {d.case_id: d for d in db.session.scalars(
        select(ForestryCase).where(ForestryCase.case_id.in_(case_ids)))}


def record_case_details(user: User, case_: Case, data: CaseDetailsInput,
                        version: int | None = None) -> ForestryCase:
    """Record (or correct) the administrative details of a forestry case the user's
    department handles; ``version`` is the details' version the form loaded."""
    _require(user, RECORD_CASE, case_)
    details = details_of(case_.id)
    if details is not None:  # recorded meanwhile (or by the police's return): no blind save
        _check_version(details, -1 if version is None else version)
    p = _Problems()
    values: dict[str, Any] = {
        name: p.amount(name, getattr(data, name), required=False,
                       digits=3 if name == "timber_volume_m3" else 2)
        for name in QUANTITIES}
    values["restoration_ordered"] = bool(data.restoration_ordered)
    values["restoration_text"] = p.text("restoration_text", data.restoration_text, 20_000,
                                        required=False)
    if data.restoration_ordered and not values["restoration_text"]:
        p.setdefault("restoration_text", _l("Say what must be restored."))
    values["mining_banned"] = bool(data.mining_banned)
    values["notes"] = p.text("notes", data.notes, 20_000, required=False)
    p.raise_any()
    if details is None:
        details = ForestryCase(case_id=case_.id, department_id=user.department_id,
                               created_by_id=user.id)
        db.session.add(details)
    for name, value in values.items():
        setattr(details, name, value)
    db.session.flush()
    return details


@dataclass
class CaseFilters:
    q: str = ""
    offence_type: str = ""
    state: str = ""  # open, closed
    returned: bool = False  # back from the police for administrative handling
    since: date | None = None  # opened on or after
    until: date | None = None


def case_query(user: User, filters: CaseFilters) -> Select[Any]:
    """Core cases of forestry offence types that ``user`` may see, newest first."""
    stmt = (select(Case).outerjoin(ForestryCase, ForestryCase.case_id == Case.id)
            .where(access.visible_cases(user), Case.offence_type.in_(forestry_offence_codes())))
    if filters.q:
        stmt = stmt.where(or_(Case.title.icontains(filters.q, autoescape=True),
                              Case.place_name.icontains(filters.q, autoescape=True)))
    if filters.offence_type:
        stmt = stmt.where(Case.offence_type == filters.offence_type)
    if filters.state:
        stmt = stmt.where(Case.state == filters.state)
    if filters.returned:
        stmt = stmt.where(ForestryCase.returned_at.is_not(None))
    if filters.since:
        stmt = stmt.where(Case.created_at >= day_start(filters.since))
    if filters.until:
        stmt = stmt.where(Case.created_at < day_start(filters.until, end=True))
    return stmt.order_by(Case.created_at.desc(), Case.id.desc())


def case_totals(stmt: Select[Any]) -> dict[str, Any]:
    """Cases, quantities and fines over the cases ``stmt`` selects (one query)."""
    ids = stmt.order_by(None).with_only_columns(Case.id).subquery()
    row = db.session.execute(
        select(func.count(ids.c.id),
               *(func.sum(getattr(ForestryCase, name)) for name in QUANTITIES),
               func.sum(case((ForestryCase.restoration_ordered.is_(True), 1), else_=0)))
        .select_from(ids).outerjoin(ForestryCase, ForestryCase.case_id == ids.c.id)).one()
    totals: dict[str, Any] = {"count": row[0]}
    totals.update({name: float(value or 0) for name, value in zip(QUANTITIES, row[1:-1],
                                                                     strict=True)})
    totals["restoration_ordered"] = row[-1] or 0
    return totals


# ---------------------------------------------------------------- technical support


@dataclass
class ExpertInput:
    name: str
    organisation: str
    appointed_on: date | None
    qualification: str = ""
    task: str = ""


def appoint_expert(user: User, case_: Case, data: ExpertInput) -> ForestryExpert:
    """Appoint an expert to survey ``case_`` (a case the user may see)."""
    _require(user, SUPPORT_CASE, case_)
    p = _Problems()
    values = {"name": p.text("name", data.name, 100),
              "organisation": p.text("organisation", data.organisation, 200),
              "qualification": p.text("qualification", data.qualification, 200,
                                      required=False),
              "task": p.text("task", data.task, 5_000, required=False),
              "appointed_on": p.day("appointed_on", data.appointed_on)}
    p.raise_any()
    expert = ForestryExpert(case_id=case_.id, department_id=user.department_id,
                            created_by_id=user.id, **values)
    db.session.add(expert)
    db.session.flush()
    return expert


def experts_of(case_id: int) -> list[ForestryExpert]:
    return list(db.session.scalars(select(ForestryExpert).where(
        ForestryExpert.case_id == case_id).order_by(ForestryExpert.appointed_on,
                                                    ForestryExpert.id)))


@dataclass
class ReportInput:
    kind: str
    title: str
    issued_on: date | None
    expert_id: int | None = None
    conclusion: str = ""
    files: list[storage.Upload] = field(default_factory=list)


def add_report(user: User, case_: Case, data: ReportInput) -> ForestryReport:
    """Attach a technical report (species identification, valuation...) with its files.

    At least one file is needed; a refused file refuses the report (``UploadError``) and
    removes the files already written.
    """
    _require(user, SUPPORT_CASE, case_)
    p = _Problems()
    if data.kind not in REPORT_KINDS:
        p["kind"] = _l("Choose the kind of report.")
    title = p.text("title", data.title, 200)
    issued_on = p.day("issued_on", data.issued_on)
    conclusion = p.text("conclusion", data.conclusion, 20_000, required=False)
    if data.expert_id is not None and db.session.scalar(select(ForestryExpert.id).where(
            ForestryExpert.id == data.expert_id, ForestryExpert.case_id == case_.id)) is None:
        p["expert_id"] = _l("Choose an expert appointed to this case.")
    if not data.files:
        p["photos"] = _l("Attach the report.")
    p.raise_any()
    report = ForestryReport(case_id=case_.id, department_id=user.department_id,
                            created_by_id=user.id, kind=data.kind, title=title,
                            issued_on=issued_on, expert_id=data.expert_id,
                            conclusion=conclusion)
    db.session.add(report)
    db.session.flush()
    saved: list[Any] = []
    try:
        for upload in data.files:
            saved.append(storage.save(upload, REPORT_OWNER, report.id, user))
    except Exception:
        storage.discard(saved)
        raise
    return report


def reports_of(case_id: int) -> list[ForestryReport]:
    return list(db.session.scalars(select(ForestryReport).where(
        ForestryReport.case_id == case_id).order_by(ForestryReport.issued_on,
                                                    ForestryReport.id)))


def report_file(case_id: int, report_id: int, attachment_id: int) -> Any:
    """A file of a report of ``case_id`` (None unless all three belong together)."""
    report = db.session.scalar(select(ForestryReport).where(
        ForestryReport.id == report_id, ForestryReport.case_id == case_id))
    return storage.find(REPORT_OWNER, report.id, attachment_id) if report else None


# ----------------------------------------------------------------- hand-overs, tips


def case_returned(transfer: Transfer, now: datetime | None = None) -> None:
    """A case or lead a forestry department handed over came back (not a crime /
    returned): mark it back for administrative handling and tell the department."""
    if transfer.feedback not in RETURN_FEEDBACKS or not serves(transfer.from_department):
        return
    case_ = transfer.case
    if case_.offence_type in forestry_offence_codes():
        details = details_of(case_.id)
        if details is None:
            details = ForestryCase(case_id=case_.id, department_id=transfer.from_department_id)
            db.session.add(details)
        details.returned_at = now or transfer.answered_at or utcnow()
    notifications.notify_department(
        transfer.from_department_id, "forestry.case_returned", case_.title,
        notifications.app_path("forestry.case_detail", case_id=case_.id), "case", case_.id,
        dedupe_key=f"forestry.case_returned:{transfer.id}")
    db.session.flush()


def tip_department(category: str | None) -> str | None:
    """The department that handles a tip of ``category``: for a forestry offence type, the
    active department configured with this plugin (else one that switched it on)."""
    if not category or category not in forestry_offence_codes():
        return None
    switched_on = exists().where(DepartmentPlugin.department_id == Department.id,
                                 DepartmentPlugin.plugin == PLUGIN)
    return db.session.scalar(
        select(Department.code)
        .where(Department.active.is_(True), Department.kind == "department",
               or_(Department.plugin == PLUGIN, switched_on))
        .order_by(case((Department.plugin == PLUGIN, 0), else_=1), Department.position)
        .limit(1))


# ----------------------------------------------------------------- figures


def quarterly_figures(department: Department, quarter: Any) -> dict[str, Any]:
    """The department's figures for ``quarter`` (``.start``/``.end`` aware datetimes): the
    permits it issued, the forestry cases it handled and handed over (four queries)."""
    first, after = local_day(quarter.start), local_day(quarter.end)
    start, end = quarter.start, quarter.end
    mine = department.id
    permits, volume, area = db.session.execute(select(
        func.count(LoggingPermit.id), func.sum(LoggingPermit.volume_m3),
        func.sum(LoggingPermit.area_mu)).where(
        LoggingPermit.department_id == mine, LoggingPermit.issued_on >= first,
        LoggingPermit.issued_on < after)).one()
    land_permits, land_area = db.session.execute(select(
        func.count(LandUsePermit.id), func.sum(LandUsePermit.area_mu)).where(
        LandUsePermit.department_id == mine, LandUsePermit.approved_on >= first,
        LandUsePermit.approved_on < after)).one()
    codes = forestry_offence_codes()
    sent_by_us = exists().where(Transfer.case_id == Case.id,
                                Transfer.from_department_id == mine)
    cases = db.session.scalar(
        select(func.count(distinct(Case.id)))
        .outerjoin(ForestryCase, ForestryCase.case_id == Case.id)
        .where(Case.offence_type.in_(codes), or_(
            and_(or_(Case.department_id == mine, sent_by_us),
                 Case.created_at >= start, Case.created_at < end),
            and_(ForestryCase.department_id == mine, ForestryCase.created_at >= start,
                 ForestryCase.created_at < end))))
    transferred = db.session.scalar(
        select(func.count(Transfer.id)).join(Case, Case.id == Transfer.case_id)
        .where(Transfer.from_department_id == mine, Case.offence_type.in_(codes),
               Transfer.sent_at >= start, Transfer.sent_at < end))
    return {
        "logging_permits": permits,
        "logging_volume_m3": round(float(volume or 0), 3),
        "logging_area_mu": round(float(area or 0), 2),
        "felling_areas": None,  # felling areas checked: entered by hand (no register yet)
        "land_use_permits": land_permits,
        "land_use_area_mu": round(float(land_area or 0), 2),
        "forest_cases": cases,
        "cases_transferred": transferred,
    }


def register_counts(user: User, today: date | None = None) -> dict[str, int]:
    """For the plugin's page: permits valid today and the forestry cases the user sees that
    are open (one query)."""
    today = today or local_day(utcnow())
    permits = select(func.count(LoggingPermit.id)).where(
        LoggingPermit.valid_from <= today, LoggingPermit.valid_until >= today)
    land = select(func.count(LandUsePermit.id)).where(LandUsePermit.valid_until >= today)
    cases = select(func.count(Case.id)).where(
        access.visible_cases(user), Case.state == "open",
        Case.offence_type.in_(forestry_offence_codes()))
    row = db.session.execute(select(permits.scalar_subquery(), land.scalar_subquery(),
                                    cases.scalar_subquery())).one()
    return {"permits": row[0], "land_use": row[1], "cases": row[2]}
