"""Emergency plugin (emergency management office): forest fires, readiness, duty roster.

Table of contents: every hook this plugin answers. The registers (forest fires with their
response log, fire danger periods, the duty roster, patrols) live in ``models``; the fire
rules in ``services``, readiness in ``readiness``, the fire levels in ``levels``; pages in
``views`` and ``/api/v1/emergency/...`` in ``api``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_kit import info_group, report_figures, takes_part
from plugins.emergency import services

NAME = services.NAME
TITLE = _l("Emergency")


@hookimpl
def plugin_title() -> Any:
    return TITLE


@hookimpl
def configure(app: Any, settings: Any) -> None:
    services.check_settings(settings)


@hookimpl
def blueprints() -> list[Any]:
    from plugins.emergency.api import blp
    from plugins.emergency.views import bp

    return [bp, blp]


@hookimpl
def nav_items(user: Any) -> list[dict[str, Any]]:
    return [{"endpoint": "emergency.index", "label": TITLE, "icon": "fire", "order": 33}]


@hookimpl
def dashboard_widgets(user: Any) -> list[dict[str, Any]]:
    from core import access

    if not access.plugin_serves(user, NAME):  # the core would drop it: spare the queries
        return []
    from plugins.emergency.readiness import readiness_today
    from plugins.emergency.views import DANGER_LABELS

    return [{"title": _l("Fire prevention today"), "template": "emergency/widget.html",
             "order": 33, "width": 6,
             "data": {"readiness": readiness_today(), "dangers": DANGER_LABELS}}]


@hookimpl
def sharing_categories() -> list[dict[str, str]]:
    return [
        {"code": "emergency.fire_danger_warning", "name_zh": "森林火险预警",
         "name_en": "Fire danger warnings"},
        {"code": "emergency.fire_incident", "name_zh": "森林火情", "name_en": "Forest fires"},
        {"code": services.HAZARD_CATEGORY, "name_zh": "森林火灾隐患",
         "name_en": "Forest fire hazards"},
    ]


@hookimpl
def offence_types() -> list[dict[str, str]]:
    # The cases a fire opens for the police, and what the public reports about fire.
    return [{"code": f"{NAME}.{code}", "name_zh": zh, "name_en": en, "group": "fire"}
            for code, zh, en in (
                ("arson", "涉嫌放火引发森林火灾", "Forest fire, suspected arson"),
                ("negligent_fire", "失火引发森林火灾", "Forest fire caused by negligence"),
                ("wildfire", "发现山火、火情", "Wildfire sighted"),
                ("illegal_fire_use", "野外违规用火", "Open fire against the rules"))]


@hookimpl
def route_tip(tip: Any) -> str | None:
    return services.tip_department(getattr(tip, "category", None))


@hookimpl
def quarterly_report_sections(department: Any, quarter: Any) -> list[dict[str, Any]]:
    if not services.serves(department):
        return []
    return [{
        "code": "emergency.quarterly",
        "title": TITLE,
        "fields": [
            {"name": "fires", "label": _l("Forest fires"), "type": "int"},
            {"name": "burned_area_ha", "label": _l("Forest area burned (ha)"),
             "type": "float"},
            {"name": "deaths", "label": _l("Deaths in forest fires"), "type": "int"},
            {"name": "injuries", "label": _l("Seriously injured in forest fires"),
             "type": "int"},
            {"name": "patrols", "label": _l("Forest patrols"), "type": "int"},
        ],
        "values": services.figures(department, quarter.start, quarter.end),
    }]


@hookimpl
def duty_report_figures(department: Any, since: Any, until: Any) -> list[dict[str, Any]]:
    if not services.serves(department):
        return []
    return report_figures(NAME, {
        "fires": ("森林火情（起）", "Forest fires"),
        "burned_area_ha": ("受害森林面积（公顷）", "Forest area burned (ha)"),
        "deaths": ("死亡（人）", "Deaths in forest fires"),
        "injuries": ("重伤（人）", "Seriously injured in forest fires"),
        "patrols": ("巡山护林（次）", "Forest patrols"),
    }, services.figures(department, since, until))


@hookimpl
def finding_verified(finding: Any) -> None:
    services.hazard_cleared(finding)


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
        {"code": "emergency.fire_sources", "label_zh": "有无野外违规用火",
         "label_en": "Open fires against the rules"},
        {"code": "emergency.firebreaks", "label_zh": "防火通道与设施是否完好",
         "label_en": "Firebreaks and fire equipment in order"},
    ] if takes_part(inspection, NAME) else []


@hookimpl
def case_links(case: Any, user: Any) -> list[dict[str, Any]]:
    fire_id = services.fire_of_case(case.id)
    if fire_id is None:
        return []
    return [{"label": _l("Forest fire"), "endpoint": "emergency.fire_detail",
             "values": {"fire_id": fire_id}}]


@hookimpl
def notification_kinds() -> dict[str, Any]:
    return {"emergency.follow_up": _l("Forest fire: hand-over or treatment still to ask for"),
            "emergency.hazard_cleared": _l("Forest fire hazard rectified")}


@hookimpl
def demo_data(users: dict[str, Any]) -> None:
    from plugins.emergency.demo import create_demo_records

    create_demo_records(users)
