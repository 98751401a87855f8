"""``/api/v1`` for villages, joint inspections, their findings and notices.

The rules live in ``core.inspections.services`` and ``core.inspections.notices``; this module
parses, calls them as the signed-in user and renders. Every service call goes through
:func:`_act`: ``PermissionError`` answers 403, ``InputError`` 422 with its ``fields``,
``StateConflict`` (or a stale version) 409; one commit on success, a rollback otherwise.
Units and departments appear as their codes, people as their user names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates

from core.access import business_only
from core.api import (
    DAY_RANGE,
    ID_RANGE,
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act as _act,
    filters_of as _filters,
    found as _found,
    invalid as _invalid,
    page as _page,
    page_of as _page_of,
)
from core.db import db, utcnow
from core.departments.services import active_local_units
from core.inspections import notices, services as service
from core.inspections.models import (
    CHECK_ANSWERS,
    EVENT_KINDS,
    FINDING_STATES,
    INSPECTION_STATES,
    SEVERITIES,
    Finding,
    FindingEvent,
    Inspection,
)
from core.supervision import services as rhythm
from core.supervision.models import ENTRY_KINDS
from core.timeutil import local_day

blp = business_only(Blueprint("api_inspections", __name__, url_prefix="/api/v1",
                              description="Joint inspections, findings and notices"))


#: The computed finding states the list accepts besides the stored ones.
FINDING_FILTER_STATES = ("", *FINDING_STATES, "overdue", "not_closed")


# --------------------------------------------------------------------------- helpers


def _inspection(inspection_id: int) -> Inspection:
    """The inspection in the path, or 404."""
    return _found(service.get_visible_inspection(current_user, inspection_id))


def _finding(finding_id: int) -> Finding:
    """The finding in the path, or 404."""
    return _found(service.get_visible_finding(current_user, finding_id))


def _named_inspection(inspection_id: int) -> Inspection:
    """The inspection a request body names (422 on ``inspection_id`` if not visible)."""
    found = service.get_visible_inspection(current_user, inspection_id)
    if found is None:
        _invalid({"inspection_id": ["No inspection with this id that you may see."]})
    return found


def _username(user: Any) -> str | None:
    """A user as the API names them."""
    return user.username if user is not None else None


def _participants(inspection: Inspection) -> list[dict[str, str]]:
    """``[{code, task}]`` of the participating departments."""
    return [{"code": d.department.code, "task": d.task} for d in inspection.departments]


def _village_codes(inspection: Inspection) -> list[str]:
    """Codes of the units in scope."""
    return [v.department.code for v in inspection.villages]


def _member_names(inspection: Inspection) -> list[str]:
    """User names of the people taking part."""
    return [m.user.username for m in inspection.members]


def _current_plan(inspection: Inspection) -> dict[str, Any]:
    """The plan as it stands, in the input schema's terms (what a PATCH starts from)."""
    return {"title": inspection.title, "purpose": inspection.purpose,
            "scope": inspection.scope, "start_on": inspection.start_on,
            "end_on": inspection.end_on, "report_due_on": local_day(inspection.report_due_at),
            "departments": _participants(inspection),
            "villages": _village_codes(inspection), "members": _member_names(inspection)}


def _plan_input(plan: dict[str, Any]) -> service.InspectionInput:
    """The service's input from a loaded (or merged) plan."""
    return service.InspectionInput(**{
        **plan, "departments": {d["code"]: d["task"] for d in plan["departments"]}})


# --------------------------------------------------------------------------- schemas


class VillageSchema(Schema):
    code = fields.String(dump_only=True)
    name_zh = fields.String(dump_only=True)
    name_en = fields.String(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"description": "township or village"})


class DepartmentTaskSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40),
                         metadata={"description": "department code"})
    task = fields.String(load_default="", validate=validate.Length(max=5_000))


class InspectionInputSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(max=200))
    purpose = fields.String(load_default="", validate=validate.Length(max=5_000))
    scope = fields.String(load_default="", validate=validate.Length(max=5_000),
                          metadata={"description": "the area inspected, in words"})
    start_on = fields.Date(required=True, validate=DAY_RANGE)
    end_on = fields.Date(required=True, validate=DAY_RANGE)
    report_due_on = fields.Date(required=True, validate=DAY_RANGE, metadata={
        "description": "the inspection report is due by the end of this day (site time)"})
    departments = fields.List(fields.Nested(DepartmentTaskSchema), required=True,
                              metadata={"description": "participating departments and tasks"})
    villages = fields.List(fields.String(), load_default=list, metadata={
        "description": "codes of the villages (or township_gov) in scope"})
    members = fields.List(fields.String(), load_default=list,
                          metadata={"description": "user names of the people taking part"})

    @validates("departments")
    def _each_department_once(self, value: list[dict[str, str]], **_: Any) -> None:
        codes = [d["code"] for d in value]
        if len(codes) != len(set(codes)):
            raise ValidationError("Name each department once.")


#: The plan's fields: a PATCH may send any of them.
PLAN_FIELDS = tuple(InspectionInputSchema().fields)


class InspectionPatchSchema(InspectionInputSchema):
    version = fields.Integer(required=True, metadata={
        "description": "the version you loaded; a stale one answers 409"})


class ChecklistItemSchema(Schema):
    code = fields.String(dump_only=True)
    label_zh = fields.String(dump_only=True)
    label_en = fields.String(dump_only=True)
    plugin = fields.String(dump_only=True, metadata={"description": "the plugin that asks"})


class InspectionSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    purpose = fields.String(dump_only=True)
    scope = fields.String(dump_only=True)
    start_on = fields.Date(dump_only=True)
    end_on = fields.Date(dump_only=True)
    report_due_on = fields.Function(lambda i: local_day(i.report_due_at).isoformat(),
                                    dump_only=True, metadata={"format": "date"})
    report_due_at = fields.DateTime(dump_only=True, metadata={
        "description": "the report deadline as an instant (the end of report_due_on)"})
    departments = fields.Function(_participants, dump_only=True, metadata={
        "description": "[{code, task}] of the participating departments"})
    villages = fields.Function(_village_codes, dump_only=True,
                               metadata={"description": "unit codes in scope"})
    members = fields.Function(_member_names, dump_only=True,
                              metadata={"description": "user names"})
    checklist = fields.List(fields.Nested(ChecklistItemSchema), dump_only=True, metadata={
        "description": "yes/no questions for on-site records, fixed when planned"})
    state = fields.String(dump_only=True, metadata={
        "description": "planned, in_progress (first start or on-site record), reported "
                       "(report filed) or closed"})
    report_overdue = fields.Function(lambda i: i.is_report_overdue(utcnow()), dump_only=True,
                                     metadata={"description": "computed: report past due"})
    report_text = fields.String(dump_only=True)
    reported_at = fields.DateTime(dump_only=True)
    closed_at = fields.DateTime(dump_only=True)
    created_by = fields.Function(lambda i: i.created_by.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True, metadata={"description": "send it back to PATCH"})


class InspectionArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(("", *INSPECTION_STATES)))
    q = fields.String(load_default="", metadata={"description": "search title and scope"})
    department = fields.String(load_default="",
                               metadata={"description": "a participating department's code"})
    since = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "starts on or after"})
    until = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "starts on or before"})


class InspectionReportSchema(Schema):
    report_text = fields.String(required=True, validate=validate.Length(max=50_000))


class RecordInputSchema(Schema):
    place_name = fields.String(required=True, validate=validate.Length(max=200))
    recorded_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "ISO 8601 with zone; default now"})
    lat = fields.Float(load_default=None, allow_none=True)
    lng = fields.Float(load_default=None, allow_none=True)
    answers = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                          metadata={"description": "checklist code -> "
                                                   + " | ".join(CHECK_ANSWERS)})
    notes = fields.String(load_default="", validate=validate.Length(max=20_000))


class RecordSchema(Schema):
    id = fields.Integer(dump_only=True)
    inspection_id = fields.Integer(dump_only=True)
    recorded_at = fields.DateTime(dump_only=True)
    place_name = fields.String(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    answers = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True)
    notes = fields.String(dump_only=True)
    department = fields.Function(lambda r: r.department.code, dump_only=True,
                                 metadata={"description": "the recorder's department"})
    created_by = fields.Function(lambda r: r.created_by.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class FindingInputSchema(Schema):
    inspection_id = fields.Integer(required=True, validate=ID_RANGE)
    description = fields.String(required=True, validate=validate.Length(max=20_000))
    severity = fields.String(required=True, metadata={"enum": list(SEVERITIES)})
    category = fields.String(required=True, validate=validate.Length(max=80),
                             metadata={"description": "a sharing category code"})
    unit = fields.String(required=True, validate=validate.Length(max=40), metadata={
        "description": "the responsible unit: a village, township_gov or a department code"})
    due_on = fields.Date(required=True, validate=DAY_RANGE, metadata={
        "description": "rectify by the end of this day (site time)"})
    requirements = fields.String(load_default="", validate=validate.Length(max=20_000))
    location_name = fields.String(load_default="", validate=validate.Length(max=200))
    lat = fields.Float(load_default=None, allow_none=True)
    lng = fields.Float(load_default=None, allow_none=True)
    copies = fields.List(fields.String(), load_default=list,
                         metadata={"description": "codes of departments copied"})
    record_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE, metadata={
        "description": "the on-site record it came from (its place is the default)"})


class FindingSchema(Schema):
    id = fields.Integer(dump_only=True)
    inspection_id = fields.Integer(dump_only=True)
    inspection_title = fields.Function(lambda f: f.inspection.title, dump_only=True)
    record_id = fields.Integer(dump_only=True)
    description = fields.String(dump_only=True)
    severity = fields.String(dump_only=True, metadata={"enum": list(SEVERITIES)})
    category = fields.String(dump_only=True)
    unit = fields.Function(lambda f: f.unit.code, dump_only=True,
                           metadata={"description": "the responsible unit's code"})
    copies = fields.Function(lambda f: [c.department.code for c in f.copies], dump_only=True,
                             metadata={"description": "codes of departments copied"})
    due_on = fields.Function(lambda f: local_day(f.due_at).isoformat(), dump_only=True,
                             metadata={"format": "date"})
    due_at = fields.DateTime(dump_only=True)
    requirements = fields.String(dump_only=True)
    location_name = fields.String(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    state = fields.Function(lambda f: f.display_state(utcnow()), dump_only=True, metadata={
        "description": "open (rectifying), completion_reported (awaiting verification), "
                       "closed (verified) or overdue (computed: not verified by due_at)"})
    stored_state = fields.String(attribute="state", dump_only=True, metadata={
        "description": "open, completion_reported or closed: state without the overdue "
                       "computation"})
    progress_percent = fields.Integer(dump_only=True)
    supervised = fields.Boolean(dump_only=True,
                                metadata={"description": "under listed supervision"})
    created_by = fields.Function(lambda f: f.created_by.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    closed_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class FindingEventSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(EVENT_KINDS)})
    text = fields.String(dump_only=True)
    percent = fields.Integer(dump_only=True, allow_none=True)
    user = fields.Function(lambda e: e.user.username, dump_only=True)
    department = fields.Function(lambda e: e.department.code, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class SupervisionPeriodSchema(Schema):
    kind = fields.String(dump_only=True, metadata={
        "description": "inquiry (monthly, the office's) or report (quarterly, the unit's)"})
    label = fields.String(dump_only=True, metadata={"description": "2026-05 or 2026Q2"})
    due_at = fields.DateTime(dump_only=True)


class SupervisionEntrySchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(ENTRY_KINDS)})
    period = fields.String(dump_only=True)
    text = fields.String(dump_only=True)
    user = fields.Function(lambda e: e.user.username, dump_only=True)
    department = fields.Function(lambda e: e.department.code, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class SupervisionSchema(Schema):
    active = fields.Function(lambda s: s.supervision.ended_at is None, dump_only=True)
    reason = fields.String(attribute="supervision.reason", dump_only=True)
    started_at = fields.DateTime(attribute="supervision.started_at", dump_only=True)
    ended_at = fields.DateTime(attribute="supervision.ended_at", dump_only=True)
    overdue = fields.Boolean(dump_only=True, metadata={"description": "periods are missing"})
    missing = fields.List(fields.Nested(SupervisionPeriodSchema), dump_only=True, metadata={
        "description": "periods past due without an entry"})
    periods = fields.List(fields.Nested(SupervisionPeriodSchema), attribute="expected",
                          dump_only=True,
                          metadata={"description": "every period so far, oldest first"})
    entries = fields.List(fields.Nested(SupervisionEntrySchema), dump_only=True)


class FindingDetailSchema(FindingSchema):
    verified_by = fields.Function(lambda f: _username(f.verified_by), dump_only=True)
    events = fields.List(fields.Nested(FindingEventSchema), dump_only=True,
                         metadata={"description": "the timeline, oldest first"})
    supervision = fields.Nested(SupervisionSchema, dump_only=True, allow_none=True, metadata={
        "description": "the listed-supervision rhythm, if it was ever supervised"})


@dataclass
class FindingDetail:
    """A finding with its timeline and supervision status; reads through to the finding."""

    finding: Finding
    events: list[FindingEvent]
    supervision: rhythm.Status | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.finding, name)


def _detail(finding: Finding) -> FindingDetail:
    """The finding with its timeline and, if it was ever supervised, the rhythm's status."""
    found = rhythm.find("finding", [finding.id]).get(finding.id)
    status = rhythm.statuses([found])[found.id] if found is not None else None
    return FindingDetail(finding, service.events_of(finding), status)


class FindingArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(FINDING_FILTER_STATES),
                          metadata={"description": "a state, overdue or not_closed"})
    unit = fields.String(load_default="", metadata={"description": "responsible unit code"})
    severity = fields.String(load_default="", validate=validate.OneOf(("", *SEVERITIES)))
    category = fields.String(load_default="")
    inspection_id = fields.Integer(load_default=None, validate=ID_RANGE)
    supervised = fields.Boolean(load_default=None)
    q = fields.String(load_default="", metadata={"description": "search description, place"})
    due_before = fields.Date(load_default=None, validate=DAY_RANGE,
                             metadata={"description": "due by the end of this day"})


class FindingProgressSchema(Schema):
    text = fields.String(load_default="", validate=validate.Length(max=20_000))
    percent = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "0-100; ignored with complete"})
    complete = fields.Boolean(load_default=False, metadata={
        "description": "true: report the rectification complete (liaison or leader); the "
                       "office then verifies or rejects"})


class FindingVerifySchema(Schema):
    text = fields.String(load_default="", validate=validate.Length(max=20_000))


class FindingRejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=20_000))


class FindingSuperviseSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=5_000))


class SupervisionEntryInputSchema(Schema):
    kind = fields.String(required=True, metadata={"enum": list(ENTRY_KINDS)})
    period = fields.String(required=True, validate=validate.Length(max=10),
                           metadata={"description": "a label from the supervision's periods"})
    text = fields.String(required=True, validate=validate.Length(max=20_000))


class NoticeInputSchema(Schema):
    inspection_id = fields.Integer(required=True, validate=ID_RANGE)
    title = fields.String(required=True)
    intro = fields.String(load_default="", validate=validate.Length(max=20_000),
                          metadata={"description": "the opening paragraph"})


def _notice_links(notice: Any) -> dict[str, str]:
    """The notice's page and its PDF and Word documents."""
    return {name: url_for(endpoint, notice_id=notice.id) for name, endpoint in (
        ("page", "notices.detail"), ("pdf", "notices.pdf"), ("docx", "notices.docx"))}


class NoticeSummarySchema(Schema):
    id = fields.Integer(dump_only=True)
    inspection_id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, metadata={"description": "e.g. 林长办通报〔2026〕1号"})
    title = fields.String(dump_only=True)
    issued_at = fields.DateTime(dump_only=True)
    issued_by = fields.Function(lambda n: n.issued_by.username, dump_only=True)
    links = fields.Function(_notice_links, dump_only=True, metadata={
        "description": "{page, pdf, docx}: the notice's page and documents"})


class NoticeSchema(NoticeSummarySchema):
    content = fields.Dict(dump_only=True, metadata={
        "description": "the snapshot as issued, which the documents are rendered from"})


class NoticeArgs(PageArgs):
    q = fields.String(load_default="", metadata={"description": "search title and number"})
    inspection_id = fields.Integer(load_default=None, validate=ID_RANGE)


# ---------------------------------------------------------------------------- villages


@blp.route("/villages")
@blp.arguments(PageArgs, location="query")
@blp.response(200, VillageSchema(many=True), headers=TOTAL_HEADER)
def list_villages(args: dict[str, Any]) -> Any:
    """The township government, then the villages: the local units findings go to."""
    return _page_of(active_local_units(), args)


# ------------------------------------------------------------------------- inspections


@blp.route("/inspections")
@blp.arguments(InspectionArgs, location="query")
@blp.response(200, InspectionSchema(many=True), headers=TOTAL_HEADER)
def list_inspections(args: dict[str, Any]) -> Any:
    """Inspections you may see (the office: all; a department: those it takes part in)."""
    return _page(service.inspection_query(current_user,
                                          service.InspectionFilters(**_filters(args))), args)


@blp.route("/inspections", methods=["POST"])
@blp.arguments(InspectionInputSchema)
@blp.response(201, InspectionSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_inspection(data: dict[str, Any]) -> Any:
    """Plan a joint inspection (office only); the departments' plugins add the checklist."""
    return _act(service.plan_inspection, _plan_input(data))


@blp.route("/inspections/<int:inspection_id>")
@blp.response(200, InspectionSchema)
def get_inspection(inspection_id: int) -> Any:
    """One inspection (404 when you may not see it)."""
    return _inspection(inspection_id)


@blp.route("/inspections/<int:inspection_id>", methods=["PATCH"])
@blp.arguments(InspectionPatchSchema(partial=PLAN_FIELDS))
@blp.response(200, InspectionSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def update_inspection(data: dict[str, Any], inspection_id: int) -> Any:
    """Change the plan (office, until the report is filed).

    Send only the fields to change and the ``version`` you loaded (409 if someone saved since).
    """
    inspection = _inspection(inspection_id)
    version = data.pop("version")
    _act(service.update_inspection, inspection,
         _plan_input({**_current_plan(inspection), **data}), version)
    return inspection


@blp.route("/inspections/<int:inspection_id>/start", methods=["POST"])
@blp.response(200, InspectionSchema)
@blp.alt_response(409, schema=ErrorSchema)
def start_inspection(inspection_id: int) -> Any:
    """planned -> in_progress (the office or a participating department)."""
    inspection = _inspection(inspection_id)
    _act(service.start_inspection, inspection)
    return inspection


@blp.route("/inspections/<int:inspection_id>/report", methods=["POST"])
@blp.arguments(InspectionReportSchema)
@blp.response(200, InspectionSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def report_inspection(data: dict[str, Any], inspection_id: int) -> Any:
    """File the inspection report (office): in_progress -> reported."""
    inspection = _inspection(inspection_id)
    _act(service.submit_report, inspection, data["report_text"])
    return inspection


@blp.route("/inspections/<int:inspection_id>/close", methods=["POST"])
@blp.response(200, InspectionSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def close_inspection(inspection_id: int) -> Any:
    """Close a reported inspection (office) once every finding is verified (422 if not)."""
    inspection = _inspection(inspection_id)
    _act(service.close_inspection, inspection)
    return inspection


@blp.route("/inspections/<int:inspection_id>/records")
@blp.arguments(PageArgs, location="query")
@blp.response(200, RecordSchema(many=True), headers=TOTAL_HEADER)
def list_records(args: dict[str, Any], inspection_id: int) -> Any:
    """The inspection's on-site records, in the order they were made."""
    return _page_of(service.records_of(_inspection(inspection_id)), args)


@blp.route("/inspections/<int:inspection_id>/records", methods=["POST"])
@blp.arguments(RecordInputSchema)
@blp.response(201, RecordSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_record(data: dict[str, Any], inspection_id: int) -> Any:
    """Record what was seen at a place.

    The office or a participating department, while the inspection runs; the first record
    starts a planned inspection.
    """
    return _act(service.add_record, _inspection(inspection_id), service.RecordInput(**data))


# ------------------------------------------------------------------------------ photos


class PhotoSchema(Schema):
    id = fields.Integer(dump_only=True)
    original_name = fields.String(dump_only=True,
                                  metadata={"description": "file name, for download only"})
    content_type = fields.String(dump_only=True)
    size = fields.Integer(dump_only=True)
    uploaded_by = fields.Function(lambda a: a.uploaded_by.username, dump_only=True)
    uploaded_at = fields.DateTime(dump_only=True)
    url = fields.Function(lambda a: _photo_url(a), dump_only=True,
                          metadata={"description": "download address"})


def _photo_url(attachment: Any) -> str:
    """Where a record's or a step's photo is downloaded (its owner's visibility applies)."""
    from core.inspections.models import InspectionRecord

    if attachment.owner_type == service.RECORD_OWNER:
        record = db.session.get(InspectionRecord, attachment.owner_id)
        return url_for("inspections.record_file", inspection_id=record.inspection_id,
                       record_id=record.id, attachment_id=attachment.id)
    event = db.session.get(FindingEvent, attachment.owner_id)
    return url_for("findings.download", finding_id=event.finding_id,
                   attachment_id=attachment.id)


def _upload(action: Callable[..., Any], *args: Any) -> Any:
    """Store one uploaded file through ``action`` (403 / 422 as usual); one commit; the
    file is removed again if the commit fails."""
    from core.attachments import storage
    from core.attachments.storage import Upload, UploadError

    upload = request.files.get("file")
    if upload is None or not upload.filename:
        _invalid({"file": ["Send the file in the multipart field 'file'."]})
    try:
        saved = action(current_user, *args, Upload(upload.filename, upload.stream))
    except PermissionError:
        db.session.rollback()
        abort(403)
    except UploadError as exc:
        db.session.rollback()
        _invalid({"file": [str(exc)]})
    try:
        db.session.commit()
    except Exception:
        storage.discard([saved])
        raise
    return saved


def _record(inspection: Inspection, record_id: int) -> Any:
    from core.inspections.models import InspectionRecord

    record = db.session.get(InspectionRecord, record_id)
    return _found(record if record is not None and record.inspection_id == inspection.id
                  else None)


@blp.route("/inspections/<int:inspection_id>/records/<int:record_id>/photos")
@blp.response(200, PhotoSchema(many=True))
def list_record_photos(inspection_id: int, record_id: int) -> Any:
    """The photos of an on-site record, with their download addresses."""
    from core.attachments import storage

    record = _record(_inspection(inspection_id), record_id)
    photos = storage.attachments_of(service.RECORD_OWNER, [record.id])[record.id]
    return photos


@blp.route("/inspections/<int:inspection_id>/records/<int:record_id>/photos",
           methods=["POST"])
@blp.response(201, PhotoSchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_record_photo(inspection_id: int, record_id: int) -> Any:
    """Attach a photo (multipart field ``file``, checked by content) to an on-site record."""
    inspection = _inspection(inspection_id)
    return _upload(service.add_record_photo, inspection, _record(inspection, record_id))


def _event(finding: Finding, event_id: int) -> Any:
    event = db.session.get(FindingEvent, event_id)
    return _found(event if event is not None and event.finding_id == finding.id else None)


@blp.route("/findings/<int:finding_id>/events/<int:event_id>/photos")
@blp.response(200, PhotoSchema(many=True))
def list_event_photos(finding_id: int, event_id: int) -> Any:
    """The photos of one step of a finding (progress, completion)."""
    from core.attachments import storage

    event = _event(_finding(finding_id), event_id)
    photos = storage.attachments_of(service.EVENT_OWNER, [event.id])[event.id]
    return photos


@blp.route("/findings/<int:finding_id>/events/<int:event_id>/photos", methods=["POST"])
@blp.response(201, PhotoSchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_event_photo(finding_id: int, event_id: int) -> Any:
    """Attach a photo (multipart field ``file``) to the unit's progress or completion report."""
    finding = _finding(finding_id)
    return _upload(service.add_event_photo, finding, _event(finding, event_id))


# ---------------------------------------------------------------------------- findings


@blp.route("/findings")
@blp.arguments(FindingArgs, location="query")
@blp.response(200, FindingSchema(many=True), headers=TOTAL_HEADER)
def list_findings(args: dict[str, Any]) -> Any:
    """Findings you may see, overdue first.

    Then the rest not closed, by deadline; closed last. A village sees only its own.
    """
    return _page(service.finding_query(current_user, service.FindingFilters(**_filters(args))),
                 args)


@blp.route("/findings", methods=["POST"])
@blp.arguments(FindingInputSchema)
@blp.response(201, FindingDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_finding(data: dict[str, Any]) -> Any:
    """Hand a finding to a responsible unit with a deadline (office only).

    The unit and the copied departments are told; plugins hear of it (``finding_assigned``).
    """
    inspection = _named_inspection(data.pop("inspection_id"))
    return _detail(_act(service.create_finding, inspection, service.FindingInput(**data)))


@blp.route("/findings/<int:finding_id>")
@blp.response(200, FindingDetailSchema)
def get_finding(finding_id: int) -> Any:
    """One finding with its timeline and supervision status (404 when you may not see it)."""
    return _detail(_finding(finding_id))


@blp.route("/findings/<int:finding_id>/progress", methods=["POST"])
@blp.arguments(FindingProgressSchema)
@blp.response(200, FindingDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def report_progress(data: dict[str, Any], finding_id: int) -> Any:
    """The responsible unit reports progress, or with ``complete`` the rectification done."""
    finding = _finding(finding_id)
    if data["complete"]:
        _act(service.report_completion, finding, data["text"])
    else:
        _act(service.report_progress, finding, data["text"], data["percent"])
    return _detail(finding)


@blp.route("/findings/<int:finding_id>/verify", methods=["POST"])
@blp.arguments(FindingVerifySchema)
@blp.response(200, FindingDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
def verify_finding(data: dict[str, Any], finding_id: int) -> Any:
    """Verify a reported completion (office): the finding is closed (struck off)."""
    finding = _finding(finding_id)
    _act(service.verify_finding, finding, data["text"])
    return _detail(finding)


@blp.route("/findings/<int:finding_id>/reject", methods=["POST"])
@blp.arguments(FindingRejectSchema)
@blp.response(200, FindingDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def reject_finding(data: dict[str, Any], finding_id: int) -> Any:
    """Reject a reported completion with a reason (office): the finding is open again."""
    finding = _finding(finding_id)
    _act(service.reject_completion, finding, data["reason"])
    return _detail(finding)


@blp.route("/findings/<int:finding_id>/supervision", methods=["POST"])
@blp.arguments(FindingSuperviseSchema)
@blp.response(200, FindingDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def supervise_finding(data: dict[str, Any], finding_id: int) -> Any:
    """Raise the finding to listed supervision (office).

    From then on the office files a monthly inquiry and the unit a quarterly report.
    """
    finding = _finding(finding_id)
    _act(service.supervise_finding, finding, data["reason"])
    return _detail(finding)


@blp.route("/findings/<int:finding_id>/supervision/entries", methods=["POST"])
@blp.arguments(SupervisionEntryInputSchema)
@blp.response(201, SupervisionEntrySchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_supervision_entry(data: dict[str, Any], finding_id: int) -> Any:
    """File a monthly inquiry or a quarterly report on a supervised finding.

    Inquiries are the office's; reports the unit's liaison's or leader's (or the office's).
    """
    return _act(service.add_supervision_entry, _finding(finding_id), data["kind"],
                data["period"], data["text"])


# ----------------------------------------------------------------------------- notices


@blp.route("/notices")
@blp.arguments(NoticeArgs, location="query")
@blp.response(200, NoticeSummarySchema(many=True), headers=TOTAL_HEADER)
def list_notices(args: dict[str, Any]) -> Any:
    """Notices circulated to you (not to villages), newest first."""
    return _page(notices.notice_query(current_user, **_filters(args)), args)


@blp.route("/notices", methods=["POST"])
@blp.arguments(NoticeInputSchema)
@blp.response(201, NoticeSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_notice(data: dict[str, Any]) -> Any:
    """Issue and circulate a notice from an inspection that has started (office only)."""
    inspection = _named_inspection(data["inspection_id"])
    return _act(notices.issue_notice, inspection, data["title"], data["intro"])


@blp.route("/notices/<int:notice_id>")
@blp.response(200, NoticeSchema)
def get_notice(notice_id: int) -> Any:
    """One notice as issued, with links to its PDF and Word documents (404 if not yours)."""
    return _found(notices.get_visible_notice(current_user, notice_id))
