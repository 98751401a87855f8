"""``/api/v1/forestry/...``: the permit registers and the forestry case details.

The rules live in ``plugins.forestry.services``; this module parses, calls them as the
signed-in user and renders. Every service call goes through :func:`_act`: ``PermissionError``
answers 403, ``InputError`` 422 with its ``fields``, ``StateConflict`` (or a stale version)
409; one commit on success, a rollback otherwise. The core serves these routes only to the
departments the plugin serves and the office (403 otherwise). Departments appear as their
codes, people as their user names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.api import (
    DAY_RANGE,
    TOTAL_HEADER,
    ErrorSchema,
    PageArgs,
    act as _act,
    filters_of as _filters,
    found as _found,
    page as _page,
)
from core.cases import services as cases
from core.cases.models import CASE_STATES, Case
from core.db import utcnow
from core.timeutil import local_day
from plugins.forestry import services
from plugins.forestry.models import REPORT_KINDS, ForestryCase

blp = Blueprint("forestry_api", __name__, url_prefix="/api/v1/forestry",
                description="Forestry: logging and forest-land use permits, forest cases")


AMOUNT = validate.Range(min=0, max=services.MAX_AMOUNT, max_inclusive=False)


# --------------------------------------------------------------------------- helpers


def _validity(permit: Any) -> str:
    return permit.validity(local_day(utcnow()))


# --------------------------------------------------------------------------- schemas


class PermitInputSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=60),
                           metadata={"description": "许可证编号, unique"})
    holder = fields.String(required=True, validate=validate.Length(min=1, max=200))
    place_name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                               metadata={"description": "采伐地点"})
    lat = fields.Float(load_default=None, allow_none=True)
    lng = fields.Float(load_default=None, allow_none=True)
    species = fields.String(required=True, validate=validate.Length(min=1, max=200))
    volume_m3 = fields.Float(required=True, validate=AMOUNT,
                             metadata={"description": "采伐蓄积, cubic metres"})
    area_mu = fields.Float(required=True, validate=AMOUNT,
                           metadata={"description": "采伐面积, mu"})
    valid_from = fields.Date(required=True, validate=DAY_RANGE)
    valid_until = fields.Date(required=True, validate=DAY_RANGE)
    issued_on = fields.Date(required=True, validate=DAY_RANGE)
    note = fields.String(load_default="", validate=validate.Length(max=5_000))


class PermitSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    holder = fields.String(dump_only=True)
    place_name = fields.String(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    species = fields.String(dump_only=True)
    volume_m3 = fields.Float(dump_only=True)
    area_mu = fields.Float(dump_only=True)
    valid_from = fields.Date(dump_only=True)
    valid_until = fields.Date(dump_only=True)
    issued_on = fields.Date(dump_only=True)
    validity = fields.Function(_validity, dump_only=True, metadata={
        "description": "computed today (site time): pending, valid or expired"})
    note = fields.String(dump_only=True)
    department = fields.Function(lambda p: p.department.code, dump_only=True,
                                 metadata={"description": "the issuing department"})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class PermitArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "search number, holder, site and species"})
    department = fields.String(load_default="", metadata={"description": "issuing department"})
    validity = fields.String(load_default="",
                             validate=validate.OneOf(("", *services.VALIDITIES)))
    since = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "issued on or after"})
    until = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "issued on or before"})


class LandUseInputSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=60),
                           metadata={"description": "审核同意书编号, unique"})
    holder = fields.String(required=True, validate=validate.Length(min=1, max=200),
                           metadata={"description": "the land user (用地单位)"})
    project = fields.String(load_default="", validate=validate.Length(max=200))
    place_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lat = fields.Float(load_default=None, allow_none=True)
    lng = fields.Float(load_default=None, allow_none=True)
    area_mu = fields.Float(required=True, validate=AMOUNT,
                           metadata={"description": "forest land used, mu"})
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=200))
    approved_on = fields.Date(required=True, validate=DAY_RANGE)
    valid_until = fields.Date(required=True, validate=DAY_RANGE)
    note = fields.String(load_default="", validate=validate.Length(max=5_000))


class LandUseSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    holder = fields.String(dump_only=True)
    project = fields.String(dump_only=True)
    place_name = fields.String(dump_only=True)
    lat = fields.Float(dump_only=True)
    lng = fields.Float(dump_only=True)
    area_mu = fields.Float(dump_only=True)
    purpose = fields.String(dump_only=True)
    approved_on = fields.Date(dump_only=True)
    valid_until = fields.Date(dump_only=True)
    validity = fields.Function(_validity, dump_only=True,
                               metadata={"description": "computed today: valid or expired"})
    note = fields.String(dump_only=True)
    department = fields.Function(lambda p: p.department.code, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class LandUseArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    department = fields.String(load_default="")
    validity = fields.String(load_default="", validate=validate.OneOf(("", "valid", "expired")))
    since = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "approved on or after"})
    until = fields.Date(load_default=None, validate=DAY_RANGE)


class CaseDetailsInputSchema(Schema):
    timber_volume_m3 = fields.Float(load_default=None, allow_none=True, validate=AMOUNT,
                                    metadata={"description": "timber, cubic metres"})
    land_area_mu = fields.Float(load_default=None, allow_none=True, validate=AMOUNT,
                                metadata={"description": "land occupied, mu"})
    mineral_tonnes = fields.Float(load_default=None, allow_none=True, validate=AMOUNT,
                                  metadata={"description": "mineral mined illegally, tonnes"})
    confiscated_tonnes = fields.Float(load_default=None, allow_none=True, validate=AMOUNT,
                                      metadata={"description": "illegal mineral products "
                                                               "confiscated, tonnes"})
    value_yuan = fields.Float(load_default=None, allow_none=True, validate=AMOUNT,
                              metadata={"description": "value of the resources, yuan"})
    fine_yuan = fields.Float(load_default=None, allow_none=True, validate=AMOUNT)
    restoration_ordered = fields.Boolean(load_default=False)
    restoration_text = fields.String(load_default="", validate=validate.Length(max=20_000),
                                     metadata={"description": "required when ordered"})
    mining_banned = fields.Boolean(load_default=False)
    notes = fields.String(load_default="", validate=validate.Length(max=20_000))
    version = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "the details' version you loaded (409 when stale); omit the first time"})


class CaseDetailsSchema(Schema):
    timber_volume_m3 = fields.Float(dump_only=True)
    land_area_mu = fields.Float(dump_only=True)
    mineral_tonnes = fields.Float(dump_only=True)
    confiscated_tonnes = fields.Float(dump_only=True)
    value_yuan = fields.Float(dump_only=True)
    fine_yuan = fields.Float(dump_only=True)
    restoration_ordered = fields.Boolean(dump_only=True)
    restoration_text = fields.String(dump_only=True)
    mining_banned = fields.Boolean(dump_only=True)
    notes = fields.String(dump_only=True)
    returned_at = fields.DateTime(dump_only=True, metadata={
        "description": "when the police returned it for administrative handling"})
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class ExpertSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    organisation = fields.String(dump_only=True)
    qualification = fields.String(dump_only=True)
    task = fields.String(dump_only=True)
    appointed_on = fields.Date(dump_only=True)


class ReportFileSchema(Schema):
    name = fields.String(attribute="original_name", dump_only=True)
    size = fields.Integer(dump_only=True)
    url = fields.String(dump_only=True, metadata={"description": "download (same access)"})


class ReportSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(REPORT_KINDS)})
    title = fields.String(dump_only=True)
    issued_on = fields.Date(dump_only=True)
    expert_id = fields.Integer(dump_only=True, allow_none=True)
    conclusion = fields.String(dump_only=True)
    files = fields.List(fields.Nested(ReportFileSchema), dump_only=True)


class ForestryCaseSchema(Schema):
    case_id = fields.Integer(attribute="case.id", dump_only=True)
    title = fields.String(attribute="case.title", dump_only=True)
    offence_type = fields.String(attribute="case.offence_type", dump_only=True)
    department = fields.Function(lambda c: c.case.department.code, dump_only=True,
                                 metadata={"description": "the handling department"})
    state = fields.String(attribute="case.state", dump_only=True)
    place_name = fields.String(attribute="case.place_name", dump_only=True)
    created_at = fields.DateTime(attribute="case.created_at", dump_only=True)
    details = fields.Nested(CaseDetailsSchema, dump_only=True, allow_none=True, metadata={
        "description": "the administrative details, null until recorded"})


class ForestryCaseDetailSchema(ForestryCaseSchema):
    experts = fields.List(fields.Nested(ExpertSchema), dump_only=True)
    reports = fields.List(fields.Nested(ReportSchema), dump_only=True)


class CaseArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    offence_type = fields.String(load_default="", metadata={"description": "a forestry.* code"})
    state = fields.String(load_default="", validate=validate.OneOf(("", *CASE_STATES)))
    returned = fields.Boolean(load_default=False,
                              metadata={"description": "only those back from the police"})
    since = fields.Date(load_default=None, validate=DAY_RANGE,
                        metadata={"description": "opened on or after"})
    until = fields.Date(load_default=None, validate=DAY_RANGE)


@dataclass
class CaseView:
    """A core case with its forestry details (and, for one case, its technical support)."""

    case: Case
    details: ForestryCase | None
    experts: list[Any] | None = None
    reports: list[dict[str, Any]] | None = None


def _case(case_id: int) -> Case:
    return _found(cases.get_visible_case(current_user, case_id))


def _detail(case_: Case) -> CaseView:
    from core.attachments import storage

    reports = services.reports_of(case_.id)
    files = storage.attachments_of(services.REPORT_OWNER, [r.id for r in reports])
    return CaseView(case_, services.details_of(case_.id), services.experts_of(case_.id), [
        {"id": r.id, "kind": r.kind, "title": r.title, "issued_on": r.issued_on,
         "expert_id": r.expert_id, "conclusion": r.conclusion,
         "files": [{"original_name": a.original_name, "size": a.size,
                    "url": url_for("forestry.report_download", case_id=case_.id,
                                   report_id=r.id, attachment_id=a.id)}
                   for a in files[r.id]]} for r in reports])


# ---------------------------------------------------------------------- logging permits


@blp.route("/logging-permits")
@blp.arguments(PermitArgs, location="query")
@blp.response(200, PermitSchema(many=True), headers=TOTAL_HEADER)
def list_permits(args: dict[str, Any]) -> Any:
    """Logging permits (林木采伐许可证), latest issued first."""
    return _page(services.permit_query(services.PermitFilters(**_filters(args))), args)


@blp.route("/logging-permits", methods=["POST"])
@blp.arguments(PermitInputSchema)
@blp.response(201, PermitSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_permit(data: dict[str, Any]) -> Any:
    """Register a logging permit issued by your department (its business users)."""
    return _act(services.issue_permit, services.PermitInput(**data))


@blp.route("/logging-permits/<int:permit_id>")
@blp.response(200, PermitSchema)
def get_permit(permit_id: int) -> Any:
    """One logging permit."""
    return _found(services.get_permit(permit_id))


# ------------------------------------------------------------- forest-land use permits


@blp.route("/land-use-permits")
@blp.arguments(LandUseArgs, location="query")
@blp.response(200, LandUseSchema(many=True), headers=TOTAL_HEADER)
def list_land_use(args: dict[str, Any]) -> Any:
    """Forest-land use permits (使用林地审核同意书), latest approved first."""
    return _page(services.land_use_query(services.LandUseFilters(**_filters(args))), args)


@blp.route("/land-use-permits", methods=["POST"])
@blp.arguments(LandUseInputSchema)
@blp.response(201, LandUseSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_land_use(data: dict[str, Any]) -> Any:
    """Register a forest-land use permit of your department."""
    return _act(services.approve_land_use, services.LandUseInput(**data))


@blp.route("/land-use-permits/<int:permit_id>")
@blp.response(200, LandUseSchema)
def get_land_use(permit_id: int) -> Any:
    """One forest-land use permit."""
    return _found(services.get_land_use(permit_id))


# ------------------------------------------------------------------------- cases


@blp.route("/cases")
@blp.arguments(CaseArgs, location="query")
@blp.response(200, ForestryCaseSchema(many=True), headers=TOTAL_HEADER)
def list_cases(args: dict[str, Any]) -> Any:
    """Forest and mining cases you may see, newest first, with their details."""
    items, status, headers = _page(
        services.case_query(current_user, services.CaseFilters(**_filters(args))), args)
    details = services.details_by_case([c.id for c in items])
    return [CaseView(c, details.get(c.id)) for c in items], status, headers


@blp.route("/cases/<int:case_id>")
@blp.response(200, ForestryCaseDetailSchema)
def get_case(case_id: int) -> Any:
    """One case (404 when you may not see it) with its details and technical support."""
    return _detail(_case(case_id))


@blp.route("/cases/<int:case_id>", methods=["PUT"])
@blp.arguments(CaseDetailsInputSchema)
@blp.response(200, ForestryCaseDetailSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def put_case_details(data: dict[str, Any], case_id: int) -> Any:
    """Record the administrative details of a forest or mining case your department
    handles (open cases); send ``version`` once they exist (409 when stale)."""
    case_ = _case(case_id)
    version = data.pop("version")
    _act(services.record_case_details, case_, services.CaseDetailsInput(**data), version)
    return _detail(case_)

