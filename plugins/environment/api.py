"""``/api/v1/environment/...``: EIA approvals and their conditions, ecological problems,
restoration projects with progress photos and acceptance.

The rules live in ``plugins.environment.services``; this module parses, calls them as the
signed-in user and renders. Every service call goes through ``core.api.act``:
``PermissionError`` answers 403, ``InputError`` 422 with its ``fields``, a lost race 409; one
commit on success, a rollback otherwise. The core serves these routes only to the departments
the plugin serves and the office (403 otherwise); a row of another department answers 404.
Departments appear as their codes, people as their user names, deadlines as site-local days.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from core.api import (
    DAY_RANGE,
    ID_RANGE,
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act,
    filters_of,
    found,
    page,
)
from core.attachments import storage
from core.db import utcnow
from core.timeutil import local_day
from plugins.environment import models, services

blp = Blueprint("environment_api", __name__, url_prefix="/api/v1/environment",
                description="Environment office: EIA approvals and their conditions, "
                            "ecological problems, restoration projects")

AMOUNT = validate.Range(min=0, max=services.MAX_AMOUNT, max_inclusive=False)
LAT = validate.Range(min=-90, max=90)
LNG = validate.Range(min=-180, max=180)


def _day(moment: Any) -> str | None:
    return local_day(moment).isoformat() if moment is not None else None


def _name(user: Any) -> str | None:
    return user.username if user is not None else None


def _text(limit: int, required: bool = True, **metadata: Any) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=limit),
                             metadata=metadata)
    return fields.String(load_default="", validate=validate.Length(max=limit), metadata=metadata)


def _choice(*values: str) -> fields.String:
    """A query filter taking one of ``values`` (empty: no filter)."""
    return fields.String(load_default="", validate=validate.OneOf(("", *values)))


def _coordinate(bounds: validate.Range) -> fields.Float:
    return fields.Float(load_default=None, allow_none=True, validate=bounds)


class EnvironmentPlaceSchema(Schema):
    place_name = _text(200)
    lat = _coordinate(LAT)
    lng = _coordinate(LNG)


class EnvironmentListArgs(PageArgs):
    """Search, state and a date range, as every register's list takes them."""

    q = fields.String(load_default="", validate=validate.Length(max=100))
    since = fields.Date(load_default=None, validate=DAY_RANGE)
    until = fields.Date(load_default=None, validate=DAY_RANGE)


# ----------------------------------------------------------------------- EIA approvals


class EiaConditionSchema(Schema):
    id = fields.Integer(dump_only=True)
    text = fields.String(dump_only=True)
    due_on = fields.Function(lambda c: _day(c.due_at), dump_only=True,
                             metadata={"format": "date", "description": "due by this day"})
    state = fields.Function(lambda c: c.display_state(utcnow()), dump_only=True, metadata={
        "description": "open, checked, or overdue (computed: open past its day)"})
    overdue = fields.Function(lambda c: c.is_overdue(utcnow()), dump_only=True)
    check_note = fields.String(dump_only=True)
    checked_at = fields.DateTime(dump_only=True)
    checked_by = fields.Function(lambda c: _name(c.checked_by), dump_only=True)
    version = fields.Integer(dump_only=True)


class EiaSchema(Schema):
    id = fields.Integer(dump_only=True)
    project = fields.String(dump_only=True)
    developer = fields.String(dump_only=True, metadata={"description": "建设单位"})
    kind = fields.String(dump_only=True, metadata={"enum": list(models.EIA_KINDS)})
    place_name = fields.String(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    area_mu = fields.Float(dump_only=True, metadata={"description": "mu"})
    submitted_on = fields.Date(dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": list(models.EIA_STATES)})
    approval_number = fields.String(dump_only=True, metadata={"description": "批复文号"})
    decided_on = fields.Date(dump_only=True)
    decision_note = fields.String(dump_only=True)
    decided_by = fields.Function(lambda a: _name(a.decided_by), dump_only=True)
    note = fields.String(dump_only=True)
    conditions = fields.List(fields.Nested(EiaConditionSchema), dump_only=True)
    department = fields.Function(lambda a: a.department.code, dump_only=True)
    created_by = fields.Function(lambda a: a.created_by.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class EiaInputSchema(EnvironmentPlaceSchema):
    project = _text(200)
    developer = _text(200)
    kind = fields.String(required=True, validate=validate.OneOf(models.EIA_KINDS))
    area_mu = fields.Float(required=True, validate=AMOUNT)
    submitted_on = fields.Date(required=True, validate=DAY_RANGE)
    note = _text(5_000, required=False)


class EiaArgs(EnvironmentListArgs):
    state = _choice(*models.EIA_STATES)
    kind = _choice(*models.EIA_KINDS)
    overdue = fields.Boolean(load_default=False,
                             metadata={"description": "only those with an overdue condition"})


class EiaConditionInputSchema(Schema):
    text = _text(5_000)
    due_on = fields.Date(required=True, validate=DAY_RANGE)


class EiaApproveSchema(Schema):
    approval_number = _text(60, description="批复文号")
    decided_on = fields.Date(required=True, validate=DAY_RANGE)
    decision_note = _text(5_000, required=False)
    conditions = fields.List(fields.Nested(EiaConditionInputSchema), load_default=list)


class EiaRefuseSchema(Schema):
    decided_on = fields.Date(required=True, validate=DAY_RANGE)
    decision_note = _text(5_000, description="the reason")


class EiaConditionCheckSchema(Schema):
    check_note = _text(5_000, description="how the condition was found met")


def _eia(approval_id: int) -> models.EiaApproval:
    return found(services.get_eia(current_user, approval_id))


@blp.route("/eia-approvals")
@blp.arguments(EiaArgs, location="query")
@blp.response(200, EiaSchema(many=True), headers=TOTAL_HEADER)
def list_eia(args: dict[str, Any]) -> Any:
    """EIA applications and approvals you may see, latest submitted first (``q`` searches
    project, developer, place and number; dates filter the submission day)."""
    return page(services.eia_query(current_user, services.EiaFilters(**filters_of(args))),
                args)


@blp.route("/eia-approvals", methods=["POST"])
@blp.arguments(EiaInputSchema)
@blp.response(201, EiaSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_eia(data: dict[str, Any]) -> Any:
    """Register a submitted EIA application (the department's people); the leader is told."""
    return act(services.register_eia, services.EiaInput(**data))


@blp.route("/eia-approvals/<int:approval_id>")
@blp.response(200, EiaSchema)
def get_eia(approval_id: int) -> Any:
    """One application with its conditions."""
    return _eia(approval_id)


@blp.route("/eia-approvals/<int:approval_id>/approve", methods=["POST"])
@blp.arguments(EiaApproveSchema)
@blp.response(200, EiaSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def approve_eia(data: dict[str, Any], approval_id: int) -> Any:
    """The leader approves a submitted application: number, day, conditions (each due by a
    day, on or after the approval). 409 when it was decided meanwhile."""
    conditions = [services.ConditionInput(**c) for c in data.pop("conditions")]
    return act(services.approve_eia, _eia(approval_id), data["decided_on"],
               data["approval_number"], conditions, data["decision_note"])


@blp.route("/eia-approvals/<int:approval_id>/reject", methods=["POST"])
@blp.arguments(EiaRefuseSchema)
@blp.response(200, EiaSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def reject_eia(data: dict[str, Any], approval_id: int) -> Any:
    """The leader refuses a submitted application, with the reason."""
    return act(services.refuse_eia, _eia(approval_id), data["decided_on"],
               data["decision_note"])


@blp.route("/eia-approvals/<int:approval_id>/withdraw", methods=["POST"])
@blp.arguments(EiaRefuseSchema)
@blp.response(200, EiaSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def withdraw_eia(data: dict[str, Any], approval_id: int) -> Any:
    """Record that the developer withdrew a submitted application, with the reason."""
    return act(services.refuse_eia, _eia(approval_id), data["decided_on"],
               data["decision_note"], True)


@blp.route("/eia-approvals/<int:approval_id>/conditions", methods=["POST"])
@blp.arguments(EiaConditionInputSchema)
@blp.response(201, EiaConditionSchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_condition(data: dict[str, Any], approval_id: int) -> Any:
    """Add a condition to an approved application."""
    return act(services.add_condition, _eia(approval_id), services.ConditionInput(**data))


@blp.route("/eia-approvals/<int:approval_id>/conditions/<int:condition_id>/check",
           methods=["POST"])
@blp.arguments(EiaConditionCheckSchema)
@blp.response(200, EiaConditionSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def check_condition(data: dict[str, Any], approval_id: int, condition_id: int) -> Any:
    """Record that a condition was met; 409 when someone checked it first."""
    condition = found(services.get_condition(_eia(approval_id), condition_id))
    return act(services.check_condition, condition, data["check_note"])


# ----------------------------------------------------------------- ecological problems


class ProblemEventSchema(Schema):
    kind = fields.String(dump_only=True, metadata={"enum": [
        "opened", "assigned", "progress", "restored", "completion_reported", "verified",
        "closed", "restoration_accepted"]})
    text = fields.String(dump_only=True)
    user = fields.Function(lambda e: e.user.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ProblemSchema(Schema):
    id = fields.Integer(dump_only=True)
    description = fields.String(dump_only=True)
    place_name = fields.String(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    due_on = fields.Function(lambda p: _day(p.due_at), dump_only=True,
                             metadata={"format": "date"})
    state = fields.Function(lambda p: p.display_state(utcnow()), dump_only=True, metadata={
        "description": "open, restored (awaiting verification), closed, or overdue "
                       "(computed: not closed by its deadline)"})
    stored_state = fields.String(attribute="state", dump_only=True,
                                 metadata={"enum": list(models.PROBLEM_STATES)})
    overdue = fields.Function(lambda p: p.is_overdue(utcnow()), dump_only=True)
    finding_id = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "the inspection finding it was opened for (null: opened by hand)"})
    department = fields.Function(lambda p: p.department.code, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    restored_at = fields.DateTime(dump_only=True)
    closed_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class ProblemDetailSchema(ProblemSchema):
    finding_state = fields.Function(
        lambda p: p.finding.display_state(utcnow()) if p.finding else None, dump_only=True)
    events = fields.Function(lambda p: ProblemEventSchema(many=True).dump(services.events_of(p)),
                             dump_only=True, metadata={"description": "the timeline"})
    restorations = fields.Function(lambda p: [r.id for r in services.restorations_of(p)],
                                   dump_only=True)


class ProblemInputSchema(EnvironmentPlaceSchema):
    description = _text(20_000)
    place_name = _text(200, required=False)
    due_on = fields.Date(load_default=None, allow_none=True, validate=DAY_RANGE,
                         metadata={"description": "restore by the end of this day"})


class ProblemArgs(EnvironmentListArgs):
    state = _choice(*models.PROBLEM_STATES, "overdue")
    source = _choice("finding", "manual")


class ProblemStepSchema(Schema):
    text = _text(20_000)


class ProblemCloseSchema(Schema):
    text = _text(20_000, required=False)


def _problem(problem_id: int) -> models.EcologicalProblem:
    return found(services.get_problem(current_user, problem_id))


def _problem_step(action: Any, problem_id: int, text: str) -> models.EcologicalProblem:
    """Run a step ``action(user, problem, text)``; answer the problem as it is now."""
    problem = _problem(problem_id)
    act(action, problem, text)
    return problem


@blp.route("/problems")
@blp.arguments(ProblemArgs, location="query")
@blp.response(200, ProblemSchema(many=True), headers=TOTAL_HEADER)
def list_problems(args: dict[str, Any]) -> Any:
    """Ecological problems you may see: overdue first, then those not closed (dates filter
    the day it was opened)."""
    return page(services.problem_query(current_user,
                                       services.ProblemFilters(**filters_of(args))), args)


@blp.route("/problems", methods=["POST"])
@blp.arguments(ProblemInputSchema)
@blp.response(201, ProblemDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_problem(data: dict[str, Any]) -> Any:
    """Open an ecological problem by hand (those from inspection findings open by
    themselves)."""
    return act(services.open_problem, services.ProblemInput(**data))


@blp.route("/problems/<int:problem_id>")
@blp.response(200, ProblemDetailSchema)
def get_problem(problem_id: int) -> Any:
    """One problem with its timeline."""
    return _problem(problem_id)


@blp.route("/problems/<int:problem_id>/progress", methods=["POST"])
@blp.arguments(ProblemStepSchema)
@blp.response(200, ProblemDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def problem_progress(data: dict[str, Any], problem_id: int) -> Any:
    """A progress note on a problem not closed."""
    return _problem_step(services.note_progress, problem_id, data["text"])


@blp.route("/problems/<int:problem_id>/restored", methods=["POST"])
@blp.arguments(ProblemStepSchema)
@blp.response(200, ProblemDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def problem_restored(data: dict[str, Any], problem_id: int) -> Any:
    """The restoration is done. For a problem from an open finding the completion is also
    reported to the office (when you are the unit's liaison or leader); the office's
    verification then closes both."""
    return _problem_step(services.report_restored, problem_id, data["text"])


@blp.route("/problems/<int:problem_id>/close", methods=["POST"])
@blp.arguments(ProblemCloseSchema)
@blp.response(200, ProblemDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def close_problem(data: dict[str, Any], problem_id: int) -> Any:
    """The leader closes a problem opened by hand once its restoration was reported."""
    return _problem_step(services.close_problem, problem_id, data["text"])


# ---------------------------------------------------------------- restoration projects


class RestorationPhotoSchema(Schema):
    id = fields.Integer(dump_only=True)
    original_name = fields.String(dump_only=True)
    content_type = fields.String(dump_only=True)
    size = fields.Integer(dump_only=True)
    url = fields.String(dump_only=True, metadata={"description": "download address"})


class RestorationProgressSchema(Schema):
    id = fields.Integer(dump_only=True)
    percent = fields.Integer(dump_only=True)
    text = fields.String(dump_only=True)
    user = fields.Function(lambda r: r.user.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class RestorationSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    place_name = fields.String(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    measures = fields.String(dump_only=True)
    budget_yuan = fields.Float(dump_only=True)
    start_on = fields.Date(dump_only=True)
    planned_end_on = fields.Date(dump_only=True)
    progress_percent = fields.Integer(dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": list(models.RESTORATION_STATES)})
    accepted_on = fields.Date(dump_only=True)
    acceptance_note = fields.String(dump_only=True)
    accepted_by = fields.Function(lambda r: _name(r.accepted_by), dump_only=True)
    problem_id = fields.Integer(dump_only=True, allow_none=True)
    department = fields.Function(lambda r: r.department.code, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class RestorationDetailSchema(RestorationSchema):
    progress = fields.Function(
        lambda r: RestorationProgressSchema(many=True).dump(services.progress_of(r)),
        dump_only=True, metadata={"description": "progress reports"})


class RestorationInputSchema(EnvironmentPlaceSchema):
    name = _text(200)
    measures = _text(20_000)
    budget_yuan = fields.Float(required=True, validate=AMOUNT)
    start_on = fields.Date(required=True, validate=DAY_RANGE)
    planned_end_on = fields.Date(load_default=None, allow_none=True, validate=DAY_RANGE)
    problem_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE,
                                metadata={"description": "an ecological problem of yours"})


class RestorationArgs(EnvironmentListArgs):
    state = _choice(*models.RESTORATION_STATES)


class RestorationProgressInputSchema(Schema):
    percent = fields.Integer(required=True, validate=validate.Range(min=0, max=100))
    text = _text(20_000)


class RestorationAcceptSchema(Schema):
    accepted_on = fields.Date(required=True, validate=DAY_RANGE)
    acceptance_note = _text(20_000, description="验收意见")


class RestorationPhotoUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "a photo (JPEG, PNG, GIF, WebP) "
                                                          "or a document, checked by content"})


def _restoration(project_id: int) -> models.RestorationProject:
    return found(services.get_restoration(current_user, project_id))


def _report(project: models.RestorationProject, progress_id: int) -> Any:
    """A progress report of ``project`` (404 otherwise)."""
    return found(next((r for r in services.progress_of(project) if r.id == progress_id),
                      None))


def _photo(project: models.RestorationProject, attachment: Any) -> dict[str, Any]:
    """A photo with its download address (under the project, whose visibility applies)."""
    return {"id": attachment.id, "original_name": attachment.original_name,
            "content_type": attachment.content_type, "size": attachment.size,
            "url": url_for("environment.restoration_file", project_id=project.id,
                           attachment_id=attachment.id)}


@blp.route("/restorations")
@blp.arguments(RestorationArgs, location="query")
@blp.response(200, RestorationSchema(many=True), headers=TOTAL_HEADER)
def list_restorations(args: dict[str, Any]) -> Any:
    """Restoration projects you may see, latest started first (dates filter the start)."""
    return page(services.restoration_query(
        current_user, services.RestorationFilters(**filters_of(args))), args)


@blp.route("/restorations", methods=["POST"])
@blp.arguments(RestorationInputSchema)
@blp.response(201, RestorationDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_restoration(data: dict[str, Any]) -> Any:
    """Register a restoration project of your department."""
    return act(services.register_restoration, services.RestorationInput(**data))


@blp.route("/restorations/<int:project_id>")
@blp.response(200, RestorationDetailSchema)
def get_restoration(project_id: int) -> Any:
    """One project with its progress reports."""
    return _restoration(project_id)


@blp.route("/restorations/<int:project_id>/progress", methods=["POST"])
@blp.arguments(RestorationProgressInputSchema)
@blp.response(201, RestorationProgressSchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_progress(data: dict[str, Any], project_id: int) -> Any:
    """Report progress (percent done, what was done); attach photos to the report next.
    100% tells the leader to accept the works."""
    return act(services.report_progress, _restoration(project_id),
               services.ProgressInput(**data))


@blp.route("/restorations/<int:project_id>/progress/<int:progress_id>/photos")
@blp.response(200, RestorationPhotoSchema(many=True))
def list_progress_photos(project_id: int, progress_id: int) -> Any:
    """The photos of one progress report."""
    project = _restoration(project_id)
    report = _report(project, progress_id)
    return [_photo(project, a) for a in
            storage.attachments_of(services.PROGRESS_OWNER, [report.id])[report.id]]


@blp.route("/restorations/<int:project_id>/progress/<int:progress_id>/photos",
           methods=["POST"])
@blp.arguments(RestorationPhotoUploadSchema, location="files")
@blp.response(201, RestorationPhotoSchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_progress_photo(files: dict[str, Any], project_id: int, progress_id: int) -> Any:
    """Attach a photo (multipart field ``file``) to a progress report of a project not yet
    accepted."""
    project = _restoration(project_id)
    upload = files["file"]
    return _photo(project, act(services.add_progress_photo, project,
                               _report(project, progress_id),
                               storage.Upload(upload.filename or "", upload.stream)))


@blp.route("/restorations/<int:project_id>/accept", methods=["POST"])
@blp.arguments(RestorationAcceptSchema)
@blp.response(200, RestorationDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def accept_restoration(data: dict[str, Any], project_id: int) -> Any:
    """The leader accepts (验收) works reported 100% done; 409 when accepted meanwhile."""
    return act(services.accept_restoration, _restoration(project_id), data["accepted_on"],
               data["acceptance_note"])
