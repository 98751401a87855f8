"""Core API endpoints: ``/api/v1/me``, ``/departments``, ``/plugins``."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core import access
from core.api import TOTAL_HEADER, PageArgs, paginate
from core.db import db
from core.departments.models import DEPARTMENT_KINDS, Department
from core.departments.services import liaisons_by_department
from core.plugins import plugin_infos

blp = Blueprint("api_core", __name__, url_prefix="/api/v1",
                description="Who am I, departments, plugins")


class DepartmentRef(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class MeSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    department = fields.Nested(DepartmentRef)
    locale = fields.String(allow_none=True)


class PersonSchema(Schema):
    username = fields.String()
    display_name = fields.String()


class DepartmentSchema(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    kind = fields.String(metadata={"description": "office or department"})
    duties = fields.String()
    plugin = fields.String(allow_none=True,
                           metadata={"description": "plugin assigned in configuration"})
    enabled_plugins = fields.List(fields.String(), metadata={"description": "plugins serving it"})
    active = fields.Boolean()
    liaisons = fields.List(fields.Nested(PersonSchema))


class DepartmentArgs(PageArgs):
    q = fields.String(metadata={"description": "search in code and names"})
    include_inactive = fields.Boolean(load_default=False)


class PluginSchema(Schema):
    name = fields.String()
    module = fields.String()
    source = fields.String()
    enabled = fields.Boolean()
    reason = fields.String()
    hooks = fields.List(fields.String())


def _dump_departments(departments: list[Department]) -> list[dict[str, Any]]:
    liaisons = liaisons_by_department([d.id for d in departments])
    return [
        {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "kind": d.kind,
         "duties": d.duties, "plugin": d.plugin, "enabled_plugins": sorted(d.enabled_plugins),
         "active": d.active, "liaisons": liaisons[d.id]}
        for d in departments
    ]


@blp.route("/me")
@blp.response(200, MeSchema)
def me() -> Any:
    """The signed-in user."""
    return current_user


@blp.route("/departments")
@blp.arguments(DepartmentArgs, location="query")
@blp.response(200, DepartmentSchema(many=True), headers=TOTAL_HEADER)
def list_departments(args: dict[str, Any]) -> Any:
    """Departments in configuration order, paginated."""
    stmt = (select(Department).where(Department.kind.in_(DEPARTMENT_KINDS))
            .options(selectinload(Department.plugin_choices))
            .order_by(Department.position, Department.id))
    if not args["include_inactive"]:
        stmt = stmt.where(Department.active.is_(True))
    if args.get("q"):
        # autoescape: "%" and "_" in the search text are literal characters, not wildcards.
        q = args["q"]
        stmt = stmt.where(or_(Department.code.icontains(q, autoescape=True),
                              Department.name_zh.icontains(q, autoescape=True),
                              Department.name_en.icontains(q, autoescape=True)))
    items, headers = paginate(stmt, args["page"], args["per_page"])
    return _dump_departments(items), 200, headers


@blp.route("/departments/<code>")
@blp.response(200, DepartmentSchema)
def get_department(code: str) -> Any:
    """One department by its code."""
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        abort(404, description=f"No department with code {code!r}.")
    return _dump_departments([department])[0]


@blp.route("/plugins")
@blp.response(200, PluginSchema(many=True))
@access.require("core.admin.plugins")
def list_plugins() -> Any:
    """Every available plugin, whether it is enabled, and the hooks it implements."""
    from core.app import kernel

    return plugin_infos(kernel().pm)
