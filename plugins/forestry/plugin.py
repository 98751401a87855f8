"""Forestry plugin (natural-resources office): permits, felling areas, forest-land use, cases.

Table of contents: every hook this plugin answers. Registers arrive in later issues.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_kit import info_group, landing_blueprint, landing_widget, takes_part

NAME = "forestry"
TITLE = _l("Forestry")
DUTIES = [
    _l("Logging permits (林木采伐许可证) issued and felling-area status"),
    _l("Forest-land use permits (使用林地许可)"),
    _l("Forest resource survey, monitoring and ownership registration"),
    _l("Mineral and forest resource protection, mine geological restoration"),
    _l("Administrative forest cases, technical experts and valuation reports for the police"),
]

bp = landing_blueprint(NAME, __name__, TITLE, DUTIES)


@hookimpl
def plugin_title() -> Any:
    return TITLE


@hookimpl
def blueprints() -> list[Any]:
    return [bp]


@hookimpl
def nav_items(user: Any) -> list[dict[str, Any]]:
    return [{"endpoint": "forestry.index", "label": TITLE, "icon": "tree", "order": 30}]


@hookimpl
def dashboard_widgets(user: Any) -> list[dict[str, Any]]:
    return [landing_widget(NAME, TITLE, order=30)]


@hookimpl
def sharing_categories() -> list[dict[str, str]]:
    return [
        {"code": "forestry.logging_permit", "name_zh": "林木采伐许可",
         "name_en": "Logging permits"},
        {"code": "forestry.felling_area", "name_zh": "伐区情况", "name_en": "Felling areas"},
        {"code": "forestry.forest_land_use_permit", "name_zh": "使用林地许可",
         "name_en": "Forest-land use permits"},
    ]


@hookimpl
def offence_types() -> list[dict[str, str]]:
    return [
        {"code": "forestry.tree_theft", "name_zh": "盗伐林木", "name_en": "Theft of trees",
         "group": "forest"},
        {"code": "forestry.excessive_felling", "name_zh": "滥伐林木",
         "name_en": "Excessive or unpermitted felling", "group": "forest"},
        {"code": "forestry.illegal_land_occupation", "name_zh": "非法占用林地",
         "name_en": "Illegal occupation of forest land", "group": "forest"},
        {"code": "forestry.illegal_timber", "name_zh": "非法收购、加工、运输盗伐滥伐的林木",
         "name_en": "Illegal purchase, processing or transport of timber", "group": "forest"},
        {"code": "forestry.unlicensed_mining", "name_zh": "无证勘查开采",
         "name_en": "Unlicensed exploration or mining", "group": "mining"},
        {"code": "forestry.disguised_mining", "name_zh": "以采代探、变相开采",
         "name_en": "Disguised mining", "group": "mining"},
        {"code": "forestry.cross_boundary_mining", "name_zh": "越界开采",
         "name_en": "Cross-boundary mining", "group": "mining"},
        {"code": "forestry.reopened_mine", "name_zh": "关闭矿山擅自复采",
         "name_en": "Reopening a closed mine", "group": "mining"},
        {"code": "forestry.sand_stone_soil", "name_zh": "非法占用耕地林地采砂取石取土",
         "name_en": "Occupying farmland or forest land for sand, stone or soil",
         "group": "mining"},
    ]


@hookimpl
def quarterly_report_sections(department: Any, quarter: Any) -> list[dict[str, Any]]:
    # Entered by hand until the permit and case registers exist (they will pre-fill these).
    if NAME not in department.enabled_plugins:
        return []
    return [{
        "code": "forestry.quarterly",
        "title": _l("Forestry"),
        "fields": [
            {"name": "logging_permits", "label": _l("Logging permits issued"), "type": "int"},
            {"name": "logging_volume_m3", "label": _l("Permitted volume (m³)"),
             "type": "float"},
            {"name": "felling_areas", "label": _l("Felling areas checked"), "type": "int"},
            {"name": "land_use_permits", "label": _l("Forest-land use permits"),
             "type": "int"},
            {"name": "forest_cases", "label": _l("Forest cases handled"), "type": "int"},
        ],
        "values": {},
    }]


@hookimpl
def permissions() -> list[dict[str, str]]:
    return [{"action": "forestry.permit.issue", "description": "issue logging permits"}]


@hookimpl
def commands() -> Any:
    return info_group(NAME)


@hookimpl
def inspection_checklist(inspection: Any) -> list[dict[str, str]]:
    return [
        {"code": "forestry.illegal_logging", "label_zh": "有无乱砍滥伐林木迹象",
         "label_en": "Signs of illegal logging"},
        {"code": "forestry.land_occupation", "label_zh": "有无非法占用林地",
         "label_en": "Forest land occupied illegally"},
        {"code": "forestry.permit_posted", "label_zh": "采伐作业是否持证并公示",
         "label_en": "Logging permit held and posted"},
    ] if takes_part(inspection, NAME) else []
