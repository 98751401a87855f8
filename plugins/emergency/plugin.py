"""Emergency plugin (emergency management office): forest fires, readiness, duty roster.

Table of contents: every hook this plugin answers. Registers arrive in later issues.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_kit import info_group, landing_blueprint, landing_widget, takes_part

NAME = "emergency"
TITLE = _l("Emergency")
DUTIES = [
    _l("Organizing, guiding and coordinating forest fire prevention and control"),
    _l("Daily work of the forest fire prevention and fighting headquarters"),
    _l("Fighting major and cross-township forest fires"),
    _l("Fire danger periods, duty roster and patrols"),
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
    return [{"endpoint": "emergency.index", "label": TITLE, "icon": "fire", "order": 33}]


@hookimpl
def dashboard_widgets(user: Any) -> list[dict[str, Any]]:
    return [landing_widget(NAME, TITLE, order=33)]


@hookimpl
def sharing_categories() -> list[dict[str, str]]:
    return [
        {"code": "emergency.fire_danger_warning", "name_zh": "森林火险预警",
         "name_en": "Fire danger warnings"},
        {"code": "emergency.fire_incident", "name_zh": "森林火情", "name_en": "Forest fires"},
    ]


@hookimpl
def permissions() -> list[dict[str, str]]:
    return [{"action": "emergency.fire.report", "description": "report a forest fire"}]


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
