"""Environment plugin (environment office): EIA approvals, ecological problems, restoration.

Table of contents: every hook this plugin answers. Registers arrive in later issues.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_kit import info_group, landing_blueprint, landing_widget, takes_part

NAME = "environment"
TITLE = _l("Environment")
DUTIES = [
    _l("Ecological problems in forest areas: coordination and supervision"),
    _l("Environmental impact assessments (EIA) of forest-area and mining projects"),
    _l("Monitoring projects that affect the ecological environment"),
    _l("Guiding and supervising ecological protection and restoration"),
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
    return [{"endpoint": "environment.index", "label": TITLE, "icon": "droplet", "order": 32}]


@hookimpl
def dashboard_widgets(user: Any) -> list[dict[str, Any]]:
    return [landing_widget(NAME, TITLE, order=32)]


@hookimpl
def sharing_categories() -> list[dict[str, str]]:
    return [
        {"code": "environment.eia_approval", "name_zh": "环评审批", "name_en": "EIA approvals"},
        {"code": "environment.ecological_problem", "name_zh": "生态环境问题",
         "name_en": "Ecological problems"},
    ]


@hookimpl
def permissions() -> list[dict[str, str]]:
    return [{"action": "environment.eia.approve", "description": "record an EIA approval"}]


@hookimpl
def commands() -> Any:
    return info_group(NAME)


@hookimpl
def inspection_checklist(inspection: Any) -> list[dict[str, str]]:
    return [
        {"code": "environment.pollution", "label_zh": "有无排污或倾倒固体废物",
         "label_en": "Discharge or dumping of waste"},
        {"code": "environment.restoration", "label_zh": "生态修复措施是否落实",
         "label_en": "Restoration measures carried out"},
    ] if takes_part(inspection, NAME) else []
