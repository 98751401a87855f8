"""Forestry plugin (natural-resources office): permits, felling areas, forest-land use, cases.

Table of contents: every hook this plugin answers. The registers (logging permits,
forest-land use permits, administrative forest and mining cases with their technical
support) live in ``models``/``services``; their pages in ``views``, their API in ``api``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_kit import info_group, landing_widget, takes_part
from plugins.forestry import services

NAME = services.PLUGIN
TITLE = _l("Forestry")


@hookimpl
def plugin_title() -> Any:
    return TITLE


@hookimpl
def blueprints() -> list[Any]:
    from plugins.forestry.api import blp
    from plugins.forestry.views import bp

    return [bp, blp]


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
    # licheng 四(二)1: the seven kinds of forest offence, as the administrative side handles
    # them (the police plugin has the criminal fire and wildlife types).
    forest = [
        ("tree_theft", "盗伐林木", "Theft of trees"),
        ("excessive_felling", "滥伐林木", "Excessive or unpermitted felling"),
        ("illegal_land_occupation", "非法占用林地", "Illegal occupation of forest land"),
        ("illegal_timber", "非法收购、加工、运输非法来源林木",
         "Illegal purchase, processing or transport of timber"),
        ("forest_fire", "故意放火或过失烧毁森林、林木",
         "Setting fire to or negligently burning forest (administrative)"),
        ("wildlife_plants", "破坏野生动植物资源",
         "Harm to wild animals and protected plants (administrative)"),
        ("other_forest", "其他破坏森林资源违法行为", "Other harm to forest resources"),
    ]
    # jiaocheng 三: the six kinds of illegal mining and land occupation.
    mining = [
        ("unlicensed_mining", "无证勘查、开采", "Unlicensed exploration or mining"),
        ("disguised_mining", "以工程名义变相开采", "Disguised mining under a project's name"),
        ("cross_boundary_mining", "越层越界采矿", "Mining beyond the licensed layer or area"),
        ("reopened_mine", "擅自打开关闭废弃矿井、偷采盗采",
         "Reopening a closed mine, stealing minerals"),
        ("sand_stone_soil", "违法占用耕地、林地挖砂、采石、采矿、取土",
         "Occupying farmland or forest land for sand, stone, ore or soil"),
        ("other_mining", "其他私挖滥采行为", "Other illegal mining"),
    ]
    return ([{"code": f"{NAME}.{code}", "name_zh": zh, "name_en": en, "group": "forest"}
             for code, zh, en in forest]
            + [{"code": f"{NAME}.{code}", "name_zh": zh, "name_en": en, "group": "mining"}
               for code, zh, en in mining])


@hookimpl
def quarterly_report_sections(department: Any, quarter: Any) -> list[dict[str, Any]]:
    if not services.serves(department):
        return []
    return [{
        "code": "forestry.quarterly",
        "title": _l("Forestry"),
        "fields": [
            {"name": "logging_permits", "label": _l("Logging permits issued"), "type": "int"},
            {"name": "logging_volume_m3", "label": _l("Permitted volume (m³)"),
             "type": "float"},
            {"name": "logging_area_mu", "label": _l("Permitted logging area (mu)"),
             "type": "float"},
            {"name": "felling_areas", "label": _l("Felling areas checked"), "type": "int"},
            {"name": "land_use_permits", "label": _l("Forest-land use permits"),
             "type": "int"},
            {"name": "land_use_area_mu", "label": _l("Forest land approved for use (mu)"),
             "type": "float"},
            {"name": "forest_cases", "label": _l("Forest cases handled"), "type": "int"},
            {"name": "cases_transferred", "label": _l("Cases handed over to the police"),
             "type": "int"},
        ],
        "values": services.quarterly_figures(department, quarter),
    }]


@hookimpl
def route_tip(tip: Any) -> str | None:
    return services.tip_department(getattr(tip, "category", None))


@hookimpl
def transfer_answered(transfer: Any) -> None:
    services.case_returned(transfer)


@hookimpl
def permissions() -> list[dict[str, str]]:
    return services.PERMISSIONS


@hookimpl
def permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    return services.allowed(user, action, obj)


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


@hookimpl
def case_links(case: Any, user: Any) -> list[dict[str, Any]]:
    if not case.offence_type.startswith(f"{NAME}."):
        return []
    return [{"label": _l("Forestry case record"), "endpoint": "forestry.case_detail",
             "values": {"case_id": case.id}}]


@hookimpl
def notification_kinds() -> dict[str, Any]:
    return {"forestry.case_returned": _l("Case back from the police for administrative "
                                         "handling")}


@hookimpl
def ledger_columns(department: Any, columns: str) -> dict[str, Any] | None:
    if NAME not in department.enabled_plugins:
        return None
    from plugins.forestry.ledger import column_set

    return column_set(columns)
