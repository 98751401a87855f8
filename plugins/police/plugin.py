"""Police plugin (police station): forest crime cases, detentions, early intervention.

Table of contents: every hook this plugin answers. The registers (criminal cases, early
interventions, outcomes, risk notices) live in ``models.py`` with their rules in
``services.py``, pages in ``views.py`` and ``/api/v1/police/...`` in ``api.py``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.hookspecs import hookimpl
from core.plugin_kit import info_group, landing_widget
from plugins.police import models  # noqa: F401 - the tables join the metadata when loaded

NAME = "police"
TITLE = _l("Police")
DUTIES = [
    _l("Investigating criminal cases that damage forest resources"),
    _l("Supporting forest fire prevention within statutory duties"),
    _l("Public order in forest areas; leading campaigns against wildlife and plant crime"),
    _l("Receiving transferred cases and giving feedback (case transfer)"),
]

#: The criminal categories the police handle; public tips about them go to the police.
OFFENCE_TYPES = [
    {"code": "police.forest_fire_crime", "name_zh": "放火、失火引发森林火灾",
     "name_en": "Arson or negligent forest fire", "group": "fire"},
    {"code": "police.wildlife_crime", "name_zh": "危害珍贵、濒危野生动物",
     "name_en": "Wildlife crime", "group": "wildlife"},
    {"code": "police.wildlife_trade", "name_zh": "非法收购、运输、出售野生动物及其制品",
     "name_en": "Illegal wildlife trade (ivory and other products)", "group": "wildlife"},
]
CRIMINAL_CATEGORIES = frozenset(o["code"] for o in OFFENCE_TYPES)

PERMISSIONS = [
    {"action": "police.case.file", "description": "file a criminal case"},
    {"action": "police.intervention.record",
     "description": "record an early intervention in another department's case"},
    {"action": "police.outcome.edit",
     "description": "record detentions, arrests and persons involved of a case"},
    {"action": "police.risk_notice.send", "description": "send a risk notice to a department"},
    {"action": "police.risk_notice.reply",
     "description": "reply to a risk notice sent to one's department"},
]


@hookimpl
def plugin_title() -> Any:
    return TITLE


@hookimpl
def configure(app: Any, settings: Any) -> None:
    from plugins.police.services import check_settings

    check_settings(settings)


@hookimpl
def blueprints() -> list[Any]:
    from plugins.police.api import blp
    from plugins.police.views import bp

    return [bp, blp]


@hookimpl
def nav_items(user: Any) -> list[dict[str, Any]]:
    from core.app import DUTIES_GROUP

    # One "Department work" drop-down with the registers, whatever else the user sees.
    entries = [
        ("police.index", TITLE, "shield-check"),
        ("police.criminal_cases", _l("Criminal cases"), "folder-check"),
        ("police.interventions", _l("Early interventions"), "person-badge"),
        ("police.outcomes", _l("Detentions and arrests"), "people"),
        ("police.risk_notices", _l("Risk notices"), "exclamation-triangle"),
        ("police.transfers", _l("Hand-overs to the police"), "inbox"),
    ]
    return [{"endpoint": endpoint, "label": label, "icon": icon, "order": 31 + n / 10,
             "group": DUTIES_GROUP} for n, (endpoint, label, icon) in enumerate(entries)]


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
    return OFFENCE_TYPES


@hookimpl
def route_tip(tip: Any) -> str | None:
    """Tips about the criminal categories go to the police department; others are not ours."""
    if getattr(tip, "category", None) not in CRIMINAL_CATEGORIES:
        return None
    from plugins.police.services import police_department_code

    return police_department_code()


@hookimpl
def transfer_answered(transfer: Any) -> None:
    """A hand-over to the police accepted as a criminal case gets its criminal-case record.

    ``transfer_received`` is not implemented: the core already tells the receiving
    department's liaisons and leaders, and the hand-over itself is the intake record (the
    police list it under "Hand-overs to the police").
    """
    from plugins.police.services import record_from_transfer

    record_from_transfer(transfer)


@hookimpl
def quarterly_report_sections(department: Any, quarter: Any) -> list[dict[str, Any]]:
    if NAME not in department.enabled_plugins:
        return []
    from plugins.police.services import quarterly_values

    return [{
        "code": "police.quarterly",
        "title": _l("Police"),
        "fields": [
            {"name": "criminal_cases", "label": _l("Forest criminal cases filed"),
             "type": "int"},
            {"name": "transfers_received", "label": _l("Cases transferred in"), "type": "int"},
            {"name": "detentions", "label": _l("Criminal detentions"), "type": "int"},
        ],
        "values": quarterly_values(department, quarter),
    }]


@hookimpl
def duty_report_figures(department: Any, since: Any, until: Any) -> list[dict[str, Any]]:
    if NAME not in department.enabled_plugins:
        return []
    from core.plugin_kit import report_figures
    from plugins.police.services import figures

    return report_figures(NAME, {
        "criminal_cases": ("立案侦办涉林刑事案件（件）", "Forest criminal cases filed"),
        "transfers_received": ("接收移送案件（件）", "Cases transferred in"),
        "detentions": ("刑事拘留（人）", "Criminal detentions"),
    }, figures(department, since, until))


@hookimpl
def permissions() -> list[dict[str, str]]:
    return PERMISSIONS


@hookimpl
def permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    if not action.startswith(NAME + "."):
        return None
    from plugins.police.services import allowed

    return allowed(user, action, obj)


@hookimpl
def scheduled_jobs() -> list[dict[str, Any]]:
    from plugins.police.services import risk_notice_reminders_job

    return [{"name": "police.risk_notice_reminders", "func": risk_notice_reminders_job}]


@hookimpl
def commands() -> Any:
    return info_group(NAME)


@hookimpl
def case_links(case: Any, user: Any) -> list[dict[str, Any]]:
    if case.department.plugin != NAME:  # a case the police handle
        return []
    return [{"label": _l("Detentions and arrests"), "endpoint": "police.outcome_edit",
             "values": {"case_id": case.id}}]


@hookimpl
def notification_kinds() -> dict[str, Any]:
    return {"police.risk_notice": _l("Risk notice to answer"),
            "police.risk_notice.replied": _l("Risk notice answered")}


@hookimpl
def ledger_columns(department: Any, columns: str) -> dict[str, Any] | None:
    if NAME not in department.enabled_plugins:
        return None
    from plugins.police.ledger import column_set

    return column_set(columns)
