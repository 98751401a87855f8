"""``/api/v1/tasks``: assigned tasks and their steps.

The rules live in ``core.tasks.services``; refusals answer 403, bad input 422 with
``error.fields``, a step someone else took first 409. Departments appear as their codes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.access import business_only
from core.api import (
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act,
    filters_of,
    found,
    page,
)
from core.db import utcnow
from core.tasks import services as service
from core.tasks.models import TASK_EVENT_KINDS, TASK_STATES, Task

blp = business_only(Blueprint("api_tasks", __name__, url_prefix="/api/v1",
                              description="Tasks one unit assigns another, tracked to closure"))


def _task(task_id: int) -> Task:
    return found(service.get_visible_task(current_user, task_id))


class TaskEventSchema(Schema):
    kind = fields.String(dump_only=True, metadata={"enum": list(TASK_EVENT_KINDS)})
    text = fields.String(dump_only=True)
    percent = fields.Integer(dump_only=True, allow_none=True)
    user = fields.Function(lambda e: e.user.username, dump_only=True)
    department = fields.Function(lambda e: e.department.code, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class TaskSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    department = fields.Function(lambda t: t.department.code, dump_only=True,
                                 metadata={"description": "the department that does it"})
    assigned_by = fields.Function(lambda t: t.assigned_by_department.code, dump_only=True,
                                  metadata={"description": "the department that asked and "
                                                           "verifies"})
    due_at = fields.DateTime(dump_only=True)
    state = fields.Function(lambda t: t.display_state(utcnow()), dump_only=True, metadata={
        "enum": [*TASK_STATES, "overdue"],
        "description": "open, completion_reported (awaiting verification), closed, or "
                       "overdue (computed: not closed by due_at)"})
    stored_state = fields.String(attribute="state", dump_only=True,
                                 metadata={"enum": list(TASK_STATES)})
    progress_percent = fields.Integer(dump_only=True)
    source_kind = fields.String(dump_only=True, metadata={
        "description": "where it came from, e.g. emergency.fire (empty: assigned by hand)"})
    source_id = fields.Integer(dump_only=True, allow_none=True)
    source_label = fields.String(dump_only=True)
    created_by = fields.Function(lambda t: t.created_by.username, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    closed_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class TaskDetailSchema(TaskSchema):
    events = fields.Function(lambda t: TaskEventSchema(many=True).dump(service.events_of(t)),
                             dump_only=True, metadata={"description": "the timeline, oldest "
                                                                      "first"})


class TaskArgs(PageArgs):
    state = fields.String(load_default="not_closed",
                          validate=validate.OneOf(service.FILTER_STATES), metadata={
                              "description": "not_closed (default), overdue, a stored state, "
                                             "or empty for all"})
    direction = fields.String(load_default="", validate=validate.OneOf(
        ("", "mine", "assigned")), metadata={
        "description": "mine: for your department; assigned: asked by your department"})
    department = fields.String(load_default="", metadata={
        "description": "the code of the department that does it"})
    source_kind = fields.String(load_default="")
    q = fields.String(load_default="", metadata={"description": "search the title"})


class TaskInputSchema(Schema):
    department = fields.String(required=True, validate=validate.Length(max=40),
                               metadata={"description": "the code of the department (or "
                                                        "village) that does it"})
    title = fields.String(required=True, validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=20_000))
    due_at = fields.AwareDateTime(required=True, metadata={"description": "with its offset"})


class TaskProgressSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(max=20_000))
    percent = fields.Integer(load_default=None, allow_none=True,
                             validate=validate.Range(min=0, max=100))


class TaskCompleteSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(max=20_000),
                         metadata={"description": "what was done"})


class TaskVerifySchema(Schema):
    text = fields.String(load_default="", validate=validate.Length(max=20_000))


class TaskRejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=20_000))


@blp.route("/tasks")
@blp.arguments(TaskArgs, location="query")
@blp.response(200, TaskSchema(many=True), headers=TOTAL_HEADER)
def list_tasks(args: dict[str, Any]) -> Any:
    """Tasks you may see (the office: all; a department: those it does or assigned),
    overdue first, then by deadline."""
    return page(service.task_query(current_user, service.TaskFilters(**filters_of(args))),
                args)


@blp.route("/tasks", methods=["POST"])
@blp.arguments(TaskInputSchema)
@blp.response(201, TaskDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_task(data: dict[str, Any]) -> Any:
    """Assign a task (the office, or a department's liaison or leader); the department is
    told."""
    due_at: datetime = data.pop("due_at")
    return act(lambda user: service.assign(user, data["department"], data["title"],
                                           data["description"], due_at))


@blp.route("/tasks/<int:task_id>")
@blp.response(200, TaskDetailSchema)
def get_task(task_id: int) -> Any:
    """One task with its timeline (404 when you may not see it)."""
    return _task(task_id)


@blp.route("/tasks/<int:task_id>/progress", methods=["POST"])
@blp.arguments(TaskProgressSchema)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def task_progress(data: dict[str, Any], task_id: int) -> Any:
    """The owner department reports progress on an open task."""
    task = _task(task_id)
    act(service.report_progress, task, data["text"], data["percent"])
    return task


@blp.route("/tasks/<int:task_id>/complete", methods=["POST"])
@blp.arguments(TaskCompleteSchema)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
def complete_task(data: dict[str, Any], task_id: int) -> Any:
    """The owner's liaison or leader reports the task done: open -> completion_reported."""
    task = _task(task_id)
    act(service.report_completion, task, data["text"])
    return task


@blp.route("/tasks/<int:task_id>/verify", methods=["POST"])
@blp.arguments(TaskVerifySchema)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
def verify_task(data: dict[str, Any], task_id: int) -> Any:
    """The assigning department or the office accepts it: completion_reported -> closed."""
    task = _task(task_id)
    act(service.verify, task, data["text"])
    return task


@blp.route("/tasks/<int:task_id>/reject", methods=["POST"])
@blp.arguments(TaskRejectSchema)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
def reject_task(data: dict[str, Any], task_id: int) -> Any:
    """The assigning department or the office sends it back: completion_reported -> open."""
    task = _task(task_id)
    act(service.reject, task, data["reason"])
    return task
