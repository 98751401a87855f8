"""Police plugin (police station): forest crime cases, detentions, early intervention.

Table of contents: every hook this plugin answers. Registers arrive in later issues.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_kit import info_group, landing_blueprint, landing_widget

NAME = "police"
TITLE = _l("Police")
DUTIES = [
    _l("Investigating criminal cases that damage forest resources"),
    _l("Supporting forest fire prevention within statutory duties"),
    _l("Public order in forest areas; leading campaigns against wildlife and plant crime"),
    _l("Receiving transferred cases and giving feedback (case transfer)"),
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
    return [{"endpoint": "police.index", "label": TITLE, "icon": "shield-check", "order": 31}]


@hookimpl
def dashboard_widgets(user: Any) -> list[dict[str, Any]]:
    return [landing_widget(NAME, TITLE, order=31)]


@hookimpl
def sharing_categories() -> list[dict[str, str]]:
    return [
        {"code": "police.crime_intelligence", "name_zh": "涉林犯罪信息",
         "name_en": "Forest crime intelligence"},
        {"code": "police.checkpoint", "name_zh": "检查站卡点信息", "name_en": "Checkpoints"},
    ]


@hookimpl
def offence_types() -> list[dict[str, str]]:
    return [
        {"code": "police.forest_fire_crime", "name_zh": "放火、失火引发森林火灾",
         "name_en": "Arson or negligent forest fire", "group": "fire"},
        {"code": "police.wildlife_crime", "name_zh": "危害珍贵、濒危野生动物",
         "name_en": "Wildlife crime", "group": "wildlife"},
        {"code": "police.wildlife_trade", "name_zh": "非法收购、运输、出售野生动物及其制品",
         "name_en": "Illegal wildlife trade (ivory and other products)", "group": "wildlife"},
    ]


@hookimpl
def quarterly_report_sections(department: Any, quarter: Any) -> list[dict[str, Any]]:
    if NAME not in department.enabled_plugins:
        return []
    return [{
        "code": "police.quarterly",
        "title": _l("Police"),
        "fields": [
            {"name": "criminal_cases", "label": _l("Forest criminal cases filed"),
             "type": "int"},
            {"name": "transfers_received", "label": _l("Cases transferred in"), "type": "int"},
            {"name": "detentions", "label": _l("Criminal detentions"), "type": "int"},
        ],
        "values": {},
    }]


@hookimpl
def permissions() -> list[dict[str, str]]:
    return [{"action": "police.case.file", "description": "file a criminal case"}]


@hookimpl
def commands() -> Any:
    return info_group(NAME)
