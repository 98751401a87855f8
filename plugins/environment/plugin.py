"""Environment plugin (environment office): EIA approvals, ecological problems, restoration.

Table of contents: every hook this plugin answers. The registers live in ``models.py`` with
their rules in ``services.py``, pages in ``views.py``, ``/api/v1/environment/...`` in
``api.py`` and the demo installation's samples in ``demo.py``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_kit import info_group, takes_part
from plugins.environment import services

NAME = services.NAME
TITLE = _l("Environment")
DUTIES = [
    _l("Ecological problems in forest areas: coordination and supervision"),
    _l("Environmental impact assessments (EIA) of forest-area and mining projects"),
    _l("Monitoring projects that affect the ecological environment"),
    _l("Guiding and supervising ecological protection and restoration"),
]


@hookimpl
def plugin_title() -> Any:
    return TITLE


@hookimpl
def configure(app: Any, settings: Any) -> None:
    services.check_settings(app, settings)


@hookimpl
def blueprints() -> list[Any]:
    from plugins.environment.api import blp
    from plugins.environment.views import bp

    return [bp, blp]


@hookimpl
def nav_items(user: Any) -> list[dict[str, Any]]:
    return [{"endpoint": "environment.index", "label": TITLE, "icon": "droplet", "order": 32}]


@hookimpl
def dashboard_widgets(user: Any) -> list[dict[str, Any]]:
    return [{"title": TITLE, "template": "environment/widget.html", "order": 32, "width": 6,
             "data": {"counts": services.register_counts(user)}}]


@hookimpl
def sharing_categories() -> list[dict[str, str]]:
    return services.SHARING_CATEGORIES


@hookimpl
def offence_types() -> list[dict[str, str]]:
    return services.OFFENCE_TYPES


@hookimpl
def route_tip(tip: Any) -> str | None:
    """Tips about pollution of forest areas go to the environment office."""
    return services.tip_department(getattr(tip, "category", None))


@hookimpl
def finding_assigned(finding: Any) -> None:
    services.open_for_finding(finding)


@hookimpl
def finding_verified(finding: Any) -> None:
    services.close_for_finding(finding)


@hookimpl
def quarterly_report_sections(department: Any, quarter: Any) -> list[dict[str, Any]]:
    if not services.serves(department):
        return []
    return [{
        "code": "environment.quarterly",
        "title": TITLE,
        "fields": [{"name": name, "label": label,
                    "type": "float" if name.endswith("_yuan") else "int"}
                   for name, _zh, label in services.FIGURES],
        "values": services.period_figures(department, quarter.start, quarter.end),
    }]


@hookimpl
def duty_report_figures(department: Any, since: Any, until: Any) -> list[dict[str, Any]]:
    if not services.serves(department):
        return []
    values = services.period_figures(department, since, until)
    with force_locale("en"):  # the labels are stored with the report in both languages
        return [{"code": f"{NAME}.{name}", "label_zh": zh, "label_en": str(label),
                 "value": values[name]} for name, zh, label in services.FIGURES]


@hookimpl
def permissions() -> list[dict[str, str]]:
    return services.PERMISSIONS


@hookimpl
def permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    return services.allowed(user, action, obj)


@hookimpl
def scheduled_jobs() -> list[dict[str, Any]]:
    return [{"name": "environment.deadline_reminders", "func": services.deadline_reminders_job}]


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


@hookimpl
def notification_kinds() -> dict[str, Any]:
    return {"environment.eia_submitted": _l("EIA application to decide"),
            "environment.problem_restored": _l("Ecological restoration to verify"),
            "environment.restoration_done": _l("Restoration project to accept")}


@hookimpl
def demo_data(users: dict[str, Any]) -> None:
    from plugins.environment.demo import create_samples

    create_samples(users)
