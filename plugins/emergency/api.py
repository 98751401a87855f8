"""``/api/v1/emergency/...``: forest fires with their response log and state steps, fire
danger periods, the duty roster, patrols, and today's readiness.

The rules live in ``plugins.emergency.services`` and ``readiness``; this module parses,
calls them as the signed-in user (:func:`core.api.act`: ``PermissionError`` 403,
``InputError`` 422 with its ``fields``, a state that moved on or a stale ``version`` 409;
one commit) and renders. The core serves these routes only to the departments the plugin
serves and the office (403 otherwise). Departments appear as their codes, people as their
user names, times in UTC with their zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from core.api import (
    DAY_RANGE,
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act,
    filters_of,
    found,
    page,
)
from core.timeutil import parse_day
from plugins.emergency import readiness, services
from plugins.emergency.levels import LEVEL_ZH, LEVELS
from plugins.emergency.models import CAUSES, DANGER_LEVELS, FIRE_STATES, Fire

blp = Blueprint("emergency_api", __name__, url_prefix="/api/v1/emergency",
                description="Emergency: forest fires, fire danger periods, duty roster, "
                            "patrols")

HECTARES = validate.Range(min=0, max=services.MAX_AREA_HA)
PERSONS = validate.Range(min=0, max=services.MAX_PERSONS)


def _code(attribute: str) -> fields.Function:
    """A related department dumped as its code."""
    return fields.Function(lambda obj: getattr(obj, attribute).code, dump_only=True)


def _username(attribute: str) -> fields.Function:
    return fields.Function(lambda obj: getattr(obj, attribute).username, dump_only=True)


# -------------------------------------------------------------------------------- schemas


class FireFieldsSchema(Schema):
    place_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lat = fields.Float(load_default=None, allow_none=True)
    lng = fields.Float(load_default=None, allow_none=True)
    reported_at = fields.AwareDateTime(required=True, metadata={
        "description": "when the fire was reported, ISO 8601 with zone"})
    cause = fields.String(required=True, validate=validate.OneOf(CAUSES))
    burned_area_ha = fields.Float(load_default=0, validate=HECTARES,
                                  metadata={"description": "受害森林面积, hectares"})
    deaths = fields.Integer(load_default=0, validate=PERSONS)
    injuries = fields.Integer(load_default=0, validate=PERSONS,
                              metadata={"description": "seriously injured persons (重伤)"})
    affected_forest = fields.String(load_default="", validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=20_000))


class FirePutSchema(FireFieldsSchema):
    version = fields.Integer(required=True, metadata={
        "description": "the version you loaded; a stale one answers 409"})


class PendingSchema(Schema):
    hand_over = fields.Boolean(dump_only=True, metadata={
        "description": "the fire's case is not yet with the police"})
    injured = fields.Integer(dump_only=True, metadata={
        "description": "injured persons not yet handed to the public services office"})


class FireSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, metadata={"description": "e.g. 森林火情〔2026〕1号"})
    department = _code("department")
    place_name = fields.String(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    reported_at = fields.DateTime(dump_only=True)
    cause = fields.String(dump_only=True, metadata={"enum": list(CAUSES)})
    burned_area_ha = fields.Float(dump_only=True)
    deaths = fields.Integer(dump_only=True)
    injuries = fields.Integer(dump_only=True)
    affected_forest = fields.String(dump_only=True)
    level = fields.String(dump_only=True, metadata={
        "enum": list(LEVELS), "description": "computed by 森林防火条例 art. 40"})
    level_name = fields.Function(lambda f: LEVEL_ZH[f.level], dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": list(FIRE_STATES)})
    description = fields.String(dump_only=True)
    extinguished_at = fields.DateTime(dump_only=True)
    assessed_at = fields.DateTime(dump_only=True)
    assessment = fields.String(dump_only=True)
    case_id = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "the core case opened for a suspected arson or negligence"})
    transfer_id = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "its hand-over to the police"})
    pending = fields.Function(lambda f: PendingSchema().dump(services.pending(f)),
                              dump_only=True)
    created_by = _username("created_by")
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class FireArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "search number, place, affected forest"})
    state = fields.String(load_default="", validate=validate.OneOf(("", *FIRE_STATES)))
    level = fields.String(load_default="", validate=validate.OneOf(("", *LEVELS)))
    cause = fields.String(load_default="", validate=validate.OneOf(("", *CAUSES)))
    department = fields.String(load_default="", metadata={"description": "reporting department"})
    since = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "reported on or after (site-local day)"})
    until = fields.Date(load_default=None, validate=DAY_RANGE)


class LogInputSchema(Schema):
    acted_at = fields.AwareDateTime(required=True)
    action = fields.String(required=True, validate=validate.Length(min=1, max=5_000))
    forces = fields.String(load_default="", validate=validate.Length(max=500),
                           metadata={"description": "teams sent, as written"})
    personnel = fields.Integer(load_default=0, validate=PERSONS)
    resources = fields.String(load_default="", validate=validate.Length(max=500),
                              metadata={"description": "equipment sent, as written"})
    vehicles = fields.Integer(load_default=0, validate=PERSONS)
    departments = fields.List(fields.String(), load_default=list,
                              metadata={"description": "codes of the departments involved"})


class LogEntrySchema(Schema):
    id = fields.Integer(dump_only=True)
    acted_at = fields.DateTime(dump_only=True)
    action = fields.String(dump_only=True)
    forces = fields.String(dump_only=True)
    personnel = fields.Integer(dump_only=True)
    resources = fields.String(dump_only=True)
    vehicles = fields.Integer(dump_only=True)
    departments = fields.Function(lambda e: [d.department.code for d in e.departments],
                                  dump_only=True)
    created_by = _username("created_by")
    created_at = fields.DateTime(dump_only=True)


class TaskLinkSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    department = _code("department")
    state = fields.String(dump_only=True)
    due_at = fields.DateTime(dump_only=True)


class FireDetailSchema(FireSchema):
    log = fields.List(fields.Nested(LogEntrySchema), dump_only=True)
    tasks = fields.List(fields.Nested(TaskLinkSchema), dump_only=True, metadata={
        "description": "tasks for the injured you may see"})


class ExtinguishSchema(Schema):
    extinguished_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                           metadata={"description": "default: now"})


class AssessSchema(Schema):
    burned_area_ha = fields.Float(required=True, validate=HECTARES)
    deaths = fields.Integer(required=True, validate=PERSONS)
    injuries = fields.Integer(required=True, validate=PERSONS)
    assessment = fields.String(required=True, validate=validate.Length(min=1, max=20_000))


class PeriodFieldsSchema(Schema):
    starts_on = fields.Date(required=True, validate=DAY_RANGE)
    ends_on = fields.Date(required=True, validate=DAY_RANGE)
    level = fields.Integer(required=True, validate=validate.OneOf(DANGER_LEVELS),
                           metadata={"description": "森林火险等级, 1 (low) to 5 (extreme)"})
    note = fields.String(load_default="", validate=validate.Length(max=5_000))


class PeriodInputSchema(PeriodFieldsSchema):
    publish = fields.Boolean(load_default=False, metadata={
        "description": "also publish it as an open fire danger warning"})


class PeriodPutSchema(PeriodFieldsSchema):
    version = fields.Integer(required=True)


class PeriodSchema(Schema):
    id = fields.Integer(dump_only=True)
    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True)
    level = fields.Integer(dump_only=True)
    level_name = fields.Function(lambda p: readiness.DANGER_ZH[p.level], dump_only=True)
    note = fields.String(dump_only=True)
    info_item_id = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "the published warning, if any"})
    department = _code("department")
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class PeriodArgs(PageArgs):
    level = fields.Integer(load_default=None, validate=validate.OneOf(DANGER_LEVELS))
    since = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "periods reaching this day or later"})
    until = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "periods starting this day or earlier"})


class DutyInputSchema(Schema):
    officer = fields.String(required=True, validate=validate.Length(min=1, max=80),
                            metadata={"description": "the duty officer's username"})
    leader = fields.String(load_default="", validate=validate.Length(max=100))
    phone = fields.String(required=True, validate=validate.Length(min=1, max=40))
    note = fields.String(load_default="", validate=validate.Length(max=500))
    version = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "the version you loaded when changing a day (409 if stale)"})


class DutySchema(Schema):
    day = fields.Date(dump_only=True)
    officer = _username("officer")
    officer_name = fields.Function(lambda d: d.officer.display_name, dump_only=True)
    officer_department = fields.Function(lambda d: d.officer.department.code, dump_only=True)
    leader = fields.String(dump_only=True)
    phone = fields.String(dump_only=True)
    note = fields.String(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class DutyArgs(PageArgs):
    since = fields.Date(load_default=None, validate=DAY_RANGE)
    until = fields.Date(load_default=None, validate=DAY_RANGE)
    officer = fields.String(load_default="", metadata={"description": "a username"})


class PatrolFieldsSchema(Schema):
    patrolled_on = fields.Date(required=True, validate=DAY_RANGE)
    route = fields.String(required=True, validate=validate.Length(min=1, max=200))
    members = fields.String(required=True, validate=validate.Length(min=1, max=500))
    findings = fields.String(load_default="", validate=validate.Length(max=20_000))
    hazards_found = fields.Integer(load_default=0, validate=validate.Range(0, 10_000))
    lat = fields.Float(load_default=None, allow_none=True)
    lng = fields.Float(load_default=None, allow_none=True)


class PatrolPutSchema(PatrolFieldsSchema):
    version = fields.Integer(required=True)


class PatrolSchema(Schema):
    id = fields.Integer(dump_only=True)
    department = _code("department")
    patrolled_on = fields.Date(dump_only=True)
    route = fields.String(dump_only=True)
    members = fields.String(dump_only=True)
    findings = fields.String(dump_only=True)
    hazards_found = fields.Integer(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    created_by = _username("created_by")
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class PatrolArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    department = fields.String(load_default="")
    hazards = fields.Boolean(load_default=False,
                             metadata={"description": "only patrols that found fire hazards"})
    since = fields.Date(load_default=None, validate=DAY_RANGE)
    until = fields.Date(load_default=None, validate=DAY_RANGE)


class TodaySchema(Schema):
    day = fields.Date(dump_only=True)
    duty = fields.Nested(DutySchema, dump_only=True, allow_none=True)
    danger = fields.Nested(PeriodSchema, dump_only=True, allow_none=True, metadata={
        "description": "the period setting today's fire danger, null outside every period"})
    burning = fields.Integer(dump_only=True, metadata={"description": "fires not extinguished"})
    to_assess = fields.Integer(dump_only=True)


# ---------------------------------------------------------------------------------- fires


def _fire(fire_id: int) -> Fire:
    return found(services.get_fire(fire_id))


@dataclass
class FireView:
    """A fire with its response log and the tasks the reader may see; reads through."""

    fire: Fire
    log: list[Any]
    tasks: list[Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fire, name)


def _detail(fire: Fire) -> FireView:
    return FireView(fire, services.log_of(fire), services.tasks_of(current_user, fire))


@blp.route("/today")
@blp.response(200, TodaySchema)
def today() -> Any:
    """Today's duty officer and leader, the current fire danger, fires burning and to
    assess (what the dashboard widget shows)."""
    return readiness.readiness_today()


@blp.route("/fires")
@blp.arguments(FireArgs, location="query")
@blp.response(200, FireSchema(many=True), headers=TOTAL_HEADER)
def list_fires(args: dict[str, Any]) -> Any:
    """Forest fires, latest reported first."""
    return page(services.fire_query(services.FireFilters(**filters_of(args))), args)


@blp.route("/fires", methods=["POST"])
@blp.arguments(FireFieldsSchema)
@blp.response(201, FireDetailSchema)
@blp.alt_response(422, schema=ErrorSchema)
def report_fire(data: dict[str, Any]) -> Any:
    """Report a fire for your department (its business users). The level is computed; a
    suspected arson or negligence opens a case handed to the police, injured persons a task
    for the public services office (``pending`` says what is left for a liaison or
    leader)."""
    return _detail(act(services.report_fire, services.FireInput(**data)))


@blp.route("/fires/<int:fire_id>")
@blp.response(200, FireDetailSchema)
def get_fire(fire_id: int) -> Any:
    """One fire with its response log and the tasks for its injured."""
    return _detail(_fire(fire_id))


@blp.route("/fires/<int:fire_id>", methods=["PUT"])
@blp.arguments(FirePutSchema)
@blp.response(200, FireDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def put_fire(data: dict[str, Any], fire_id: int) -> Any:
    """Correct a fire of your department until it is assessed (``version`` required)."""
    fire = _fire(fire_id)
    version = data.pop("version")
    act(services.update_fire, fire, services.FireInput(**data), version)
    return _detail(fire)


@blp.route("/fires/<int:fire_id>/log")
@blp.response(200, LogEntrySchema(many=True))
def get_log(fire_id: int) -> Any:
    """The fire's response log, earliest first."""
    return services.log_of(_fire(fire_id))


@blp.route("/fires/<int:fire_id>/log", methods=["POST"])
@blp.arguments(LogInputSchema)
@blp.response(201, LogEntrySchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_log(data: dict[str, Any], fire_id: int) -> Any:
    """Log a step of the response (your department's fire, until it is assessed)."""
    return act(services.log_action, _fire(fire_id), services.LogInput(**data))


@blp.route("/fires/<int:fire_id>/extinguish", methods=["POST"])
@blp.arguments(ExtinguishSchema)
@blp.response(200, FireDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def extinguish(data: dict[str, Any], fire_id: int) -> Any:
    """The fire is out (409 unless it was burning)."""
    fire = _fire(fire_id)
    act(services.extinguish, fire, data["extinguished_at"])
    return _detail(fire)


@blp.route("/fires/<int:fire_id>/assess", methods=["POST"])
@blp.arguments(AssessSchema)
@blp.response(200, FireDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def assess(data: dict[str, Any], fire_id: int) -> Any:
    """Record the assessed, final figures of an extinguished fire (409 otherwise)."""
    fire = _fire(fire_id)
    act(services.assess, fire, services.AssessmentInput(**data))
    return _detail(fire)


@blp.route("/fires/<int:fire_id>/follow-up", methods=["POST"])
@blp.response(200, FireDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
def follow_up(fire_id: int) -> Any:
    """Do what the fire still asks for (hand-over, treatment task): the fire department's
    liaison or leader; 409 when nothing is left. ``pending`` shows what a missing police or
    public services department still blocks."""
    fire = _fire(fire_id)
    act(services.finish_follow_up, fire)
    return _detail(fire)


# ------------------------------------------------------------------------ danger periods


@blp.route("/danger-periods")
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, PeriodSchema(many=True), headers=TOTAL_HEADER)
def list_periods(args: dict[str, Any]) -> Any:
    """Fire danger periods, latest first."""
    return page(readiness.period_query(readiness.PeriodFilters(**filters_of(args))), args)


@blp.route("/danger-periods", methods=["POST"])
@blp.arguments(PeriodInputSchema)
@blp.response(201, PeriodSchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_period(data: dict[str, Any]) -> Any:
    """Enter a fire danger period (the plugin's departments and the office)."""
    return act(readiness.add_danger_period, readiness.DangerPeriodInput(**data))


@blp.route("/danger-periods/<int:period_id>")
@blp.response(200, PeriodSchema)
def get_period(period_id: int) -> Any:
    """One fire danger period."""
    return found(readiness.get_period(period_id))


@blp.route("/danger-periods/<int:period_id>", methods=["PUT"])
@blp.arguments(PeriodPutSchema)
@blp.response(200, PeriodSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def put_period(data: dict[str, Any], period_id: int) -> Any:
    """Correct a fire danger period (``version`` required)."""
    period = found(readiness.get_period(period_id))
    version = data.pop("version")
    return act(readiness.update_danger_period, period, readiness.DangerPeriodInput(**data),
               version)


# --------------------------------------------------------------------------- duty roster


def _day(value: str) -> date:
    day = parse_day(value)
    if day is None:
        abort(404)
    return day


@blp.route("/duty-roster")
@blp.arguments(DutyArgs, location="query")
@blp.response(200, DutySchema(many=True), headers=TOTAL_HEADER)
def list_duty(args: dict[str, Any]) -> Any:
    """The duty roster in day order (``since``/``until`` bound the days)."""
    return page(readiness.duty_query(readiness.DutyFilters(**filters_of(args))), args)


@blp.route("/duty-roster/<day>")
@blp.response(200, DutySchema)
def get_duty(day: str) -> Any:
    """Who is on duty on ``day`` (``YYYY-MM-DD``; 404 when nobody is)."""
    return found(readiness.duty_on(_day(day)))


@blp.route("/duty-roster/<day>", methods=["PUT"])
@blp.arguments(DutyInputSchema)
@blp.response(200, DutySchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def put_duty(data: dict[str, Any], day: str) -> Any:
    """Put someone on duty on ``day`` or change the day (roster keepers: the plugin's
    departments and the office)."""
    version = data.pop("version")
    return act(readiness.set_duty, _day(day), readiness.DutyInput(**data), version)


@blp.route("/duty-roster/<day>", methods=["DELETE"])
@blp.response(204)
def delete_duty(day: str) -> Any:
    """Take ``day`` off the roster."""
    act(readiness.clear_duty, found(readiness.duty_on(_day(day))))
    return ""


# -------------------------------------------------------------------------------- patrols


@blp.route("/patrols")
@blp.arguments(PatrolArgs, location="query")
@blp.response(200, PatrolSchema(many=True), headers=TOTAL_HEADER)
def list_patrols(args: dict[str, Any]) -> Any:
    """Patrols, latest first."""
    return page(readiness.patrol_query(readiness.PatrolFilters(**filters_of(args))), args)


@blp.route("/patrols", methods=["POST"])
@blp.arguments(PatrolFieldsSchema)
@blp.response(201, PatrolSchema)
@blp.alt_response(422, schema=ErrorSchema)
def add_patrol(data: dict[str, Any]) -> Any:
    """Record a patrol of your department."""
    return act(readiness.record_patrol, readiness.PatrolInput(**data))


@blp.route("/patrols/<int:patrol_id>")
@blp.response(200, PatrolSchema)
def get_patrol(patrol_id: int) -> Any:
    """One patrol."""
    return found(readiness.get_patrol(patrol_id))


@blp.route("/patrols/<int:patrol_id>", methods=["PUT"])
@blp.arguments(PatrolPutSchema)
@blp.response(200, PatrolSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def put_patrol(data: dict[str, Any], patrol_id: int) -> Any:
    """Correct a patrol of your department (``version`` required)."""
    patrol = found(readiness.get_patrol(patrol_id))
    version = data.pop("version")
    return act(readiness.update_patrol, patrol, readiness.PatrolInput(**data), version)
