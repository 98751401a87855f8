"""``/api/v1/meeting-bodies``, ``/meeting-proposals``, ``/meetings``, ``/resolutions``,
``/duty-reports``: joint meetings from proposal to resolutions.

The rules live in ``core.meetings``; refusals answer 403, bad input 422 with
``error.fields``, a step someone else took first 409. Departments appear as their codes,
times in UTC with their offset.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from core.access import business_only
from core.api import (
    ID_RANGE,
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act,
    filters_of,
    found,
    page,
    page_of,
)
from core.db import db, utcnow
from core.meetings import (
    bodies,
    minutes as minutes_service,
    reports,
    resolutions as resolution_service,
    services as service,
)
from core.meetings.models import MEETING_KINDS, MEETING_STATES, PROPOSAL_STATES, Meeting

blp = business_only(Blueprint("api_meetings", __name__, url_prefix="/api/v1",
                              description="Joint meetings: bodies, proposals, meetings, "
                                          "minutes, resolutions, duty reports"))

TEXT = validate.Length(max=20_000)
CODES = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list)


def _code(department: Any) -> str | None:
    return department.code if department is not None else None


# -------------------------------------------------------------------------- bodies


class MeetingBodySchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(max=40))
    name_zh = fields.String(required=True, validate=validate.Length(max=100))
    name_en = fields.String(load_default="", validate=validate.Length(max=200))
    conveners = CODES
    members = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                          metadata={"description": "department codes (conveners are members "
                                                   "too); [\"*\"] for every department"})
    liaison_office = fields.String(load_default="office")
    interval_days = fields.Integer(load_default=bodies.DEFAULT_INTERVAL,
                                   validate=validate.Range(min=1, max=3660))
    active = fields.Boolean(load_default=True)


class MeetingBodyOutSchema(MeetingBodySchema):
    next_due_at = fields.DateTime(dump_only=True)
    rhythm = fields.String(dump_only=True, metadata={
        "enum": ["scheduled", "missed", "due"],
        "description": "scheduled: a regular meeting is scheduled; missed: past due with "
                       "none held or scheduled; due: not yet due"})


def _body_out(body: Any) -> dict[str, Any]:
    rhythm = bodies.rhythms([body])[0]
    return {**vars(bodies.body_input(body)), "id": body.id, "next_due_at": rhythm.due_at,
            "rhythm": rhythm.state(utcnow())}


@blp.route("/meeting-bodies")
@blp.arguments(PageArgs, location="query")
@blp.response(200, MeetingBodyOutSchema(many=True), headers=TOTAL_HEADER)
def list_bodies(args: dict[str, Any]) -> Any:
    """Every joint-meeting body with the rhythm of its regular meetings."""
    return page_of([_body_out(b) for b in bodies.all_bodies()], args)


@blp.route("/meeting-bodies", methods=["POST"])
@blp.arguments(MeetingBodySchema)
@blp.response(201, MeetingBodyOutSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_body(data: dict[str, Any]) -> Any:
    """Define a body (the office)."""
    return _body_out(act(bodies.save_body, bodies.BodyInput(**data)))


@blp.route("/meeting-bodies/<int:body_id>")
@blp.response(200, MeetingBodyOutSchema)
def get_body(body_id: int) -> Any:
    """One body."""
    return _body_out(found(bodies.get_body(body_id)))


# ------------------------------------------------------------------------ proposals


class ProposalApprovalSchema(Schema):
    department = fields.Function(lambda a: a.department.code, dump_only=True)
    approved = fields.Boolean(dump_only=True)
    reason = fields.String(dump_only=True)
    user = fields.Function(lambda a: a.user.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ProposalSchema(Schema):
    id = fields.Integer(dump_only=True)
    body = fields.Function(lambda p: p.body.code, required=True,
                           deserialize=lambda v: v, metadata={"description": "the body's code"})
    kind = fields.String(load_default="ad_hoc", validate=validate.OneOf(MEETING_KINDS))
    topic = fields.String(required=True, validate=validate.Length(max=200))
    reasons = fields.String(load_default="", validate=TEXT)
    lead = fields.Function(lambda p: p.lead_department.code, required=True,
                           deserialize=lambda v: v,
                           metadata={"description": "the lead unit's department code"})
    starts_at = fields.AwareDateTime(required=True, metadata={"description": "with its offset"})
    place = fields.String(load_default="", validate=validate.Length(max=200))
    departments = fields.Method("_departments", deserialize="_codes", load_default=list,
                                metadata={"description": "codes of the member departments to "
                                                         "invite; empty: every member"})
    state = fields.String(dump_only=True, metadata={"enum": list(PROPOSAL_STATES)})
    decline_reason = fields.String(dump_only=True)
    proposed_by = fields.Function(lambda p: p.proposed_by_department.code, dump_only=True)
    approvals = fields.Nested(ProposalApprovalSchema, many=True, dump_only=True)
    meeting_id = fields.Method("_meeting_id", dump_only=True)
    created_at = fields.DateTime(dump_only=True)

    def _departments(self, proposal: Any) -> list[str]:
        return [m.department.code for m in proposal.body.members
                if m.department_id in set(proposal.department_ids)]

    def _codes(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            from marshmallow import ValidationError

            raise ValidationError("A list of department codes.")
        return value

    def _meeting_id(self, proposal: Any) -> int | None:
        meeting = service.meeting_of(proposal) if proposal.state == "approved" else None
        return meeting.id if meeting is not None else None


class ProposalArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(("", *PROPOSAL_STATES)))
    body = fields.String(load_default="", metadata={"description": "a body's code"})


class ProposalDeclineSchema(Schema):
    reason = fields.String(required=True, validate=TEXT)


def _proposal(proposal_id: int) -> Any:
    return found(service.get_visible_proposal(current_user, proposal_id))


@blp.route("/meeting-proposals")
@blp.arguments(ProposalArgs, location="query")
@blp.response(200, ProposalSchema(many=True), headers=TOTAL_HEADER)
def list_proposals(args: dict[str, Any]) -> Any:
    """Proposals of the bodies your department belongs to (the office: all), pending
    first."""
    return page(service.proposal_query(current_user, service.ProposalFilters(
        **filters_of(args))), args)


@blp.route("/meeting-proposals", methods=["POST"])
@blp.arguments(ProposalSchema)
@blp.response(201, ProposalSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_proposal(data: dict[str, Any]) -> Any:
    """Propose a meeting (a member department's liaison, leader or office staff); the
    conveners' leaders are asked."""
    body = next((b for b in bodies.all_bodies() if b.code == data["body"]), None)
    if body is None:
        abort(422, messages={"json": {"body": ["No such joint meeting."]}})
    return act(service.propose, service.ProposalInput(
        body=body, topic=data["topic"], starts_at=data["starts_at"], lead=data["lead"],
        reasons=data["reasons"], place=data["place"], kind=data["kind"],
        departments=tuple(data["departments"])))


@blp.route("/meeting-proposals/<int:proposal_id>")
@blp.response(200, ProposalSchema)
def get_proposal(proposal_id: int) -> Any:
    """One proposal with each convener's answer."""
    return _proposal(proposal_id)


@blp.route("/meeting-proposals/<int:proposal_id>/approve", methods=["POST"])
@blp.response(200, ProposalSchema)
@blp.alt_response(409, schema=ErrorSchema)
def approve_proposal(proposal_id: int) -> Any:
    """A convener's leader approves (once per department); the last approval convenes the
    meeting (``meeting_id``)."""
    proposal = _proposal(proposal_id)
    act(service.approve, proposal)
    return proposal


@blp.route("/meeting-proposals/<int:proposal_id>/decline", methods=["POST"])
@blp.arguments(ProposalDeclineSchema)
@blp.response(200, ProposalSchema)
@blp.alt_response(409, schema=ErrorSchema)
def decline_proposal(data: dict[str, Any], proposal_id: int) -> Any:
    """A convener's leader declines with a reason: the proposal is declined."""
    proposal = _proposal(proposal_id)
    act(service.decline, proposal, data["reason"])
    return proposal


# ------------------------------------------------------------------------- meetings


class InvitationSchema(Schema):
    id = fields.Integer(dump_only=True)
    department = fields.Function(lambda i: _code(i.department), dump_only=True)
    user = fields.Function(lambda i: i.user.username if i.user else None, dump_only=True)
    attended = fields.Boolean(dump_only=True, allow_none=True)


class AgendaItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(max=200))
    owner = fields.Function(lambda a: a.owner_department.code, required=True,
                            deserialize=lambda v: v, metadata={"description": "department"})
    notes = fields.String(load_default="", validate=TEXT)


class MeetingSchema(Schema):
    id = fields.Integer(dump_only=True)
    body = fields.Function(lambda m: m.body.code, dump_only=True)
    proposal_id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(MEETING_KINDS)})
    title = fields.String(dump_only=True)
    reasons = fields.String(dump_only=True)
    lead = fields.Function(lambda m: m.lead_department.code, dump_only=True)
    starts_at = fields.DateTime(dump_only=True)
    place = fields.String(dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": list(MEETING_STATES)})
    held_at = fields.DateTime(dump_only=True)
    minutes_due_at = fields.DateTime(dump_only=True)
    minutes_overdue = fields.Function(lambda m: m.minutes_overdue(utcnow()), dump_only=True,
                                      metadata={"description": "held, and no minutes drafted "
                                                               "by minutes_due_at"})


class MeetingDetailSchema(MeetingSchema):
    invitations = fields.Nested(InvitationSchema, many=True, dump_only=True)
    agenda = fields.Function(lambda m: AgendaItemSchema(many=True).dump(service.agenda_of(m)),
                             dump_only=True)
    duty_reports_missing = fields.Function(
        lambda m: [d.code for d in reports.missing(m, reports.reports_of(m))], dump_only=True,
        metadata={"description": "invited departments that have not filed their report"})


class MeetingArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.OneOf(service.FILTER_STATES))
    body = fields.String(load_default="")
    kind = fields.String(load_default="", validate=validate.OneOf(("", *MEETING_KINDS)))
    q = fields.String(load_default="", metadata={"description": "search the title"})


class MeetingHeldSchema(Schema):
    held_at = fields.AwareDateTime(required=True)
    present = fields.List(fields.Integer(validate=ID_RANGE), load_default=list,
                          metadata={"description": "ids of the invitations present"})


class MeetingInviteSchema(Schema):
    department = fields.String(load_default="", validate=validate.Length(max=40))
    username = fields.String(load_default="", validate=validate.Length(max=80))


def _meeting(meeting_id: int) -> Meeting:
    return found(service.get_visible_meeting(current_user, meeting_id))


@blp.route("/meetings")
@blp.arguments(MeetingArgs, location="query")
@blp.response(200, MeetingSchema(many=True), headers=TOTAL_HEADER)
def list_meetings(args: dict[str, Any]) -> Any:
    """Meetings you may see, those with overdue minutes first, then the most recent
    (``state`` = a stored state or ``minutes_overdue``)."""
    return page(service.meeting_query(current_user, service.MeetingFilters(
        **filters_of(args))), args)


@blp.route("/meetings/<int:meeting_id>")
@blp.response(200, MeetingDetailSchema)
def get_meeting(meeting_id: int) -> Any:
    """One meeting with its invitations (and attendance), agenda and missing reports."""
    return _meeting(meeting_id)


@blp.route("/meetings/<int:meeting_id>/held", methods=["POST"])
@blp.arguments(MeetingHeldSchema)
@blp.response(200, MeetingDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
def meeting_held(data: dict[str, Any], meeting_id: int) -> Any:
    """An organiser records the meeting as held, with attendance; minutes are then due by
    the end of the 7th day after."""
    meeting = _meeting(meeting_id)
    act(service.record_held, meeting, data["held_at"], set(data["present"]))
    return meeting


@blp.route("/meetings/<int:meeting_id>/agenda", methods=["POST"])
@blp.arguments(AgendaItemSchema)
@blp.response(201, AgendaItemSchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_agenda_item(data: dict[str, Any], meeting_id: int) -> Any:
    """An organiser adds an agenda item presented by an invited department."""
    return act(service.add_agenda_item, _meeting(meeting_id), data["title"], data["owner"],
               data["notes"])


@blp.route("/meetings/<int:meeting_id>/invitations", methods=["POST"])
@blp.arguments(MeetingInviteSchema)
@blp.response(201, InvitationSchema)
@blp.alt_response(422, schema=ErrorSchema)
def invite(data: dict[str, Any], meeting_id: int) -> Any:
    """A convener's leader widens the scope: a ``department`` (code) or a person
    (``username``)."""
    return act(service.invite, _meeting(meeting_id), data["department"], data["username"])


# -------------------------------------------------------------------------- minutes


class MinutesSignatureSchema(Schema):
    department = fields.String(dump_only=True)
    user = fields.String(dump_only=True)
    revision = fields.Integer(dump_only=True)
    signed_at = fields.DateTime(dump_only=True)
    void = fields.Boolean(dump_only=True, metadata={"description": "the text changed since"})


class MinutesSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(max=100_000))
    decisions = fields.List(fields.String(validate=TEXT), load_default=list)
    revision = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "the revision you are changing (required once drafted; 409 when "
                       "stale)"})
    state = fields.String(dump_only=True, metadata={"enum": ["draft", "signed"]})
    due_at = fields.DateTime(dump_only=True)
    signatures = fields.List(fields.Nested(MinutesSignatureSchema), dump_only=True)
    signed_at = fields.DateTime(dump_only=True)
    pdf = fields.String(dump_only=True, allow_none=True)
    docx = fields.String(dump_only=True, allow_none=True)


class MinutesSignSchema(Schema):
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(max=200),
                             metadata={"description": "your password, entered again"})
    revision = fields.Integer(required=True, metadata={"description": "the revision you read"})


def _minutes_out(meeting: Meeting) -> dict[str, Any]:
    from flask import url_for

    minutes = found(meeting.minutes)
    signed = minutes_service.may_read_documents(minutes)
    return {
        "text": minutes.text, "decisions": minutes.decisions, "revision": minutes.revision,
        "state": minutes.state, "due_at": meeting.minutes_due_at, "signed_at": minutes.signed_at,
        "signatures": [{"department": s.department.code, "user": s.user.username,
                        "revision": s.revision, "signed_at": s.signed_at,
                        "void": s.revision != minutes.revision} for s in minutes.signatures],
        "pdf": url_for("meetings.minutes_pdf", meeting_id=meeting.id) if signed else None,
        "docx": url_for("meetings.minutes_docx", meeting_id=meeting.id) if signed else None,
    }


@blp.route("/meetings/<int:meeting_id>/minutes")
@blp.response(200, MinutesSchema)
def get_minutes(meeting_id: int) -> Any:
    """The minutes with every signature (those of earlier revisions are ``void``); 404
    until drafted."""
    return _minutes_out(_meeting(meeting_id))


@blp.route("/meetings/<int:meeting_id>/minutes", methods=["PUT"])
@blp.arguments(MinutesSchema)
@blp.response(200, MinutesSchema)
@blp.alt_response(409, schema=ErrorSchema)
def put_minutes(data: dict[str, Any], meeting_id: int) -> Any:
    """The lead unit drafts or revises the minutes; a revision voids earlier signatures."""
    meeting = _meeting(meeting_id)
    act(minutes_service.save_minutes, meeting, data["text"], data["decisions"],
        data["revision"])
    return _minutes_out(meeting)


@blp.route("/meetings/<int:meeting_id>/minutes/sign", methods=["POST"])
@blp.arguments(MinutesSignSchema)
@blp.response(200, MinutesSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def sign_minutes(data: dict[str, Any], meeting_id: int) -> Any:
    """A convener's leader signs the revision they read, with their password (a wrong one
    403, counted towards lockout); the last signature circulates the minutes."""
    meeting = _meeting(meeting_id)
    if not minutes_service.password_confirmed(current_user, data["password"]):
        db.session.commit()  # keep the failure count and its audit record
        abort(403, message="Wrong password, or the account is locked.")
    act(minutes_service.sign, meeting, data["revision"])
    return _minutes_out(meeting)


# ---------------------------------------------------------------------- resolutions


class ResolutionSchema(Schema):
    id = fields.Integer(dump_only=True)
    meeting_id = fields.Integer(required=True, validate=ID_RANGE)
    decision_index = fields.Integer(required=True, validate=validate.Range(min=0, max=1000),
                                    metadata={"description": "position in the minutes' "
                                                             "decisions, from 0"})
    decision = fields.String(dump_only=True)
    department = fields.Function(lambda r: r.task.department.code, required=True,
                                 deserialize=lambda v: v)
    due_at = fields.Function(lambda r: r.task.due_at.isoformat(), required=True,
                             deserialize=lambda v: fields.AwareDateTime().deserialize(v))
    task_id = fields.Integer(dump_only=True)
    state = fields.Function(lambda r: r.task.display_state(utcnow()), dump_only=True, metadata={
        "description": "the task's: open, completion_reported, closed or overdue"})


class ResolutionArgs(PageArgs):
    state = fields.String(load_default="not_closed",
                          validate=validate.OneOf(resolution_service.FILTER_STATES))
    body = fields.String(load_default="")
    department = fields.String(load_default="")
    q = fields.String(load_default="")


@blp.route("/resolutions")
@blp.arguments(ResolutionArgs, location="query")
@blp.response(200, ResolutionSchema(many=True), headers=TOTAL_HEADER)
def list_resolutions(args: dict[str, Any]) -> Any:
    """Resolutions of the meetings you see, overdue first (the task's state)."""
    return page(resolution_service.resolution_query(
        current_user, resolution_service.ResolutionFilters(**filters_of(args))), args)


@blp.route("/resolutions", methods=["POST"])
@blp.arguments(ResolutionSchema)
@blp.response(201, ResolutionSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_resolution(data: dict[str, Any]) -> Any:
    """An organiser makes a decision of signed minutes a task (``department``, ``due_at``
    with its offset); 409 if that decision is a task already."""
    return act(resolution_service.resolve, _meeting(data["meeting_id"]),
               data["decision_index"], data["department"], data["due_at"])


# --------------------------------------------------------------------- duty reports


class DutyReportSchema(Schema):
    id = fields.Integer(dump_only=True)
    meeting_id = fields.Integer(required=True, validate=ID_RANGE)
    department = fields.Function(lambda r: r.department.code, dump_only=True)
    results = fields.String(required=True, validate=TEXT)
    problems = fields.String(load_default="", validate=TEXT)
    suggestions = fields.String(load_default="", validate=TEXT)
    work_summary = fields.String(required=True, validate=TEXT)
    figures = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "in: corrections, code -> number; out: code -> {label_zh, label_en, "
                       "value}, pre-filled by the duty_report_figures hook"})
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "required to correct a filed report"})
    filed_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class DutyReportArgs(PageArgs):
    meeting_id = fields.Integer(load_default=None, validate=ID_RANGE)
    department = fields.String(load_default="")


@blp.route("/duty-reports")
@blp.arguments(DutyReportArgs, location="query")
@blp.response(200, DutyReportSchema(many=True), headers=TOTAL_HEADER)
def list_duty_reports(args: dict[str, Any]) -> Any:
    """Duty reports of the meetings you see."""
    return page(reports.report_query(current_user, reports.ReportFilters(
        **filters_of(args))), args)


@blp.route("/duty-reports", methods=["POST"])
@blp.arguments(DutyReportSchema)
@blp.response(201, DutyReportSchema)
@blp.alt_response(422, schema=ErrorSchema)
def file_duty_report(data: dict[str, Any]) -> Any:
    """File (or correct, with ``version``) your department's report for a meeting."""
    meeting = _meeting(data.pop("meeting_id"))
    return act(reports.file_report, meeting, reports.ReportInput(**data))


@blp.route("/duty-reports/<int:report_id>")
@blp.response(200, DutyReportSchema)
def get_duty_report(report_id: int) -> Any:
    """One duty report (404 unless you see its meeting)."""
    return found(reports.get_visible_report(current_user, report_id))
