"""Built-in plugin ``core``: the core's pages, menu, categories and access rules."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.access import BUSINESS_ROLES, is_office
from core.hookspecs import hookimpl

#: The five categories of lianzhou art. 5.
CORE_SHARING_CATEGORIES = [
    {"code": "resource_survey", "name_zh": "资源调查监测",
     "name_en": "Resource survey and monitoring"},
    {"code": "ownership_registration", "name_zh": "登记确权",
     "name_en": "Ownership registration"},
    {"code": "protection_restoration", "name_zh": "保护修复",
     "name_en": "Protection and restoration"},
    {"code": "disaster_prevention", "name_zh": "灾害防控", "name_en": "Disaster prevention"},
    {"code": "enforcement", "name_zh": "执法整治", "name_en": "Enforcement"},
]

CORE_PERMISSIONS = [
    {"action": "core.admin.plugins", "description": "see the plugin list and hooks"},
    {"action": "core.admin.settings", "description": "see the effective settings"},
    {"action": "core.users.manage", "description": "manage accounts"},
    {"action": "core.audit.view", "description": "read the audit log"},
    {"action": "core.department.configure",
     "description": "choose which plugins serve a department"},
]

_ROLE_RULES = {
    "core.admin.plugins": {"admin"},
    "core.admin.settings": {"admin"},
    "core.users.manage": {"admin"},
    "core.audit.view": {"auditor"},
}


@hookimpl
def plugin_title() -> Any:
    return _l("Core")


@hookimpl
def blueprints() -> list[Any]:
    from core.accounts.views import account_bp, bp as auth_bp
    from core.api.resources import blp as api_core
    from core.assessments.api import blp as api_assessments
    from core.assessments.views import bp as assessments_bp
    from core.campaigns.api import blp as api_campaigns
    from core.campaigns.views import bp as campaigns_bp
    from core.cases.api import blp as api_cases
    from core.cases.views import bp as cases_bp
    from core.departments.views import bp as departments_bp
    from core.inspections.api import blp as api_inspections
    from core.inspections.finding_views import bp as findings_bp
    from core.inspections.notice_views import bp as notices_bp
    from core.inspections.views import bp as inspections_bp
    from core.meetings.api import blp as api_meetings
    from core.meetings.body_views import bp as meeting_bodies_bp
    from core.meetings.proposal_views import bp as meeting_proposals_bp
    from core.meetings.views import bp as meetings_bp
    from core.notifications.api import blp as api_notifications
    from core.notifications.views import bp as notifications_bp
    from core.sharing.api import blp as api_sharing
    from core.sharing.report_api import blp as api_reports
    from core.sharing.report_views import bp as reports_bp
    from core.sharing.request_api import blp as api_requests
    from core.sharing.request_views import bp as requests_bp
    from core.sharing.views import bp as sharing_bp
    from core.tasks.api import blp as api_tasks
    from core.tasks.views import bp as tasks_bp
    from core.tips.api import blp as api_tips
    from core.tips.views import bp as tips_bp
    from core.views import admin_bp, audit_bp, main_bp

    return [main_bp, auth_bp, account_bp, departments_bp, sharing_bp, requests_bp, reports_bp,
            inspections_bp, findings_bp, notices_bp, cases_bp, tips_bp, tasks_bp, meetings_bp,
            meeting_proposals_bp, meeting_bodies_bp, campaigns_bp, assessments_bp, admin_bp,
            audit_bp, notifications_bp, api_core, api_sharing, api_requests, api_reports,
            api_notifications, api_inspections, api_cases, api_tips, api_tasks, api_meetings,
            api_campaigns, api_assessments]


@hookimpl
def nav_items(user: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {"endpoint": "main.dashboard", "label": _l("Dashboard"), "icon": "speedometer2",
         "order": 0},
        {"endpoint": "departments.directory", "label": _l("Departments"), "icon": "diagram-3",
         "order": 10},
    ]
    if user.role in BUSINESS_ROLES:
        # Villages and the township government receive findings; they neither inspect nor
        # file liaison reports.
        local = user.department.kind in ("village", "township")
        information = {"code": "information", "label": _l("Information"), "icon": "share"}
        items[1]["group"] = information  # the directory joins the information drop-down
        inspections = {"code": "inspections", "label": _l("Inspections"), "icon": "binoculars"}
        items.append({"endpoint": "sharing.index", "label": _l("Information sharing"),
                      "icon": "share", "order": 20, "group": information})
        items.append({"endpoint": "requests.index", "label": _l("Information requests"),
                      "icon": "envelope-paper", "order": 21, "group": information})
        if not local:
            items.append({"endpoint": "reports.board", "label": _l("Quarterly reports"),
                          "icon": "calendar-check", "order": 22, "group": information})
            items.append({"endpoint": "inspections.index", "label": _l("Joint inspections"),
                          "icon": "binoculars", "order": 23, "group": inspections})
        items.append({"endpoint": "findings.board", "label": _l("Rectification board"),
                      "icon": "clipboard-check", "order": 24, "group": inspections})
        if user.department.kind != "village":  # notices reach the township government
            items.append({"endpoint": "notices.index", "label": _l("Notices"),
                          "icon": "megaphone", "order": 25, "group": inspections})
        items.append({"endpoint": "tasks.index", "label": _l("Assigned tasks"),
                      "icon": "list-check", "order": 25, "group": inspections})
        if not local:
            enforcement = {"code": "enforcement", "label": _l("Enforcement"),
                           "icon": "shield-check"}
            items.append({"endpoint": "cases.index", "label": _l("Cases and leads"),
                          "icon": "folder2-open", "order": 26, "group": enforcement})
            items.append({"endpoint": "cases.ledger", "label": _l("Hand-over ledger"),
                          "icon": "arrow-left-right", "order": 27, "group": enforcement})
            items.append({"endpoint": "tips.index", "label": _l("Public tips"),
                          "icon": "megaphone", "order": 28, "group": enforcement})
            if is_office(user):
                items.append({"endpoint": "tips.rewards", "label": _l("Rewards"),
                              "icon": "award", "order": 29, "group": enforcement})
            items.append({"endpoint": "campaigns.index", "label": _l("Special campaigns"),
                          "icon": "flag", "order": 29, "group": enforcement})
            items.append({"endpoint": "assessments.index", "label": _l("Assessments"),
                          "icon": "bar-chart", "order": 23, "group": information})
            meetings = {"code": "meetings", "label": _l("Meetings"), "icon": "people"}
            items += [
                {"endpoint": "meetings.index", "label": _l("All meetings"), "icon": "people",
                 "order": 30, "group": meetings},
                {"endpoint": "meeting_proposals.index", "label": _l("Meeting proposals"),
                 "icon": "hand-index", "order": 31, "group": meetings},
                {"endpoint": "meetings.resolutions", "label": _l("Resolutions"),
                 "icon": "check2-square", "order": 32, "group": meetings},
                {"endpoint": "meeting_bodies.index", "label": _l("Joint-meeting bodies"),
                 "icon": "diagram-2", "order": 33, "group": meetings},
            ]
    if user.role == "admin":
        items += [
            {"endpoint": "admin.users", "label": _l("Accounts"), "icon": "people",
             "order": 900, "section": "admin"},
            {"endpoint": "admin.plugins", "label": _l("Plugins"), "icon": "puzzle",
             "order": 910, "section": "admin"},
            {"endpoint": "admin.settings", "label": _l("Settings"), "icon": "gear",
             "order": 920, "section": "admin"},
        ]
    if user.role == "auditor":
        items.append({"endpoint": "audit.log", "label": _l("Audit log"), "icon": "journal-check",
                      "order": 930, "section": "admin"})
    return items


@hookimpl
def dashboard_widgets(user: Any) -> list[dict[str, Any]]:
    widgets: list[dict[str, Any]] = [
        {"title": _l("My department"), "template": "widgets/my_department.html", "order": 0,
         "width": 6, "data": {"department": user.department}},
    ]
    if user.role in BUSINESS_ROLES:
        from core.departments.services import active_departments
        from core.sharing.requests import queue_counts

        departments = active_departments()
        widgets.append({"title": _l("Information requests"), "template": "widgets/requests.html",
                        "order": 2, "width": 6, "data": {"counts": queue_counts(user)}})
        widgets.append({"title": _l("Departments"), "template": "widgets/departments.html",
                        "order": 5, "width": 6, "data": {"departments": departments}})
        from core.inspections.services import rectification_counts

        widgets.append({"title": _l("Rectification"), "template": "widgets/findings.html",
                        "order": 3, "width": 6, "data": {"counts": rectification_counts(user)}})
        from core.tasks.services import open_counts

        widgets.append({"title": _l("Assigned tasks"), "template": "widgets/tasks.html",
                        "order": 3, "width": 6, "data": {"counts": open_counts(user)}})
        if user.department.kind in ("office", "department"):
            from core.cases.services import waiting_counts

            widgets.append({"title": _l("Hand-overs"), "template": "widgets/transfers.html",
                            "order": 4, "width": 6, "data": {"counts": waiting_counts(user)}})
            from core.meetings.services import dashboard_counts

            widgets.append({"title": _l("Joint meetings"), "template": "meetings/widget.html",
                            "order": 4, "width": 6, "data": {"counts": dashboard_counts(user)}})
            from core.campaigns.services import dashboard_summary

            summary = dashboard_summary(user)
            if summary["campaigns"]:
                widgets.append({"title": _l("Special campaigns"), "order": 4, "width": 6,
                                "template": "campaigns/widget.html", "data": summary})
    return widgets


@hookimpl
def sharing_categories() -> list[dict[str, str]]:
    return CORE_SHARING_CATEGORIES


@hookimpl
def offence_types() -> list[dict[str, str]]:
    return [{"code": "other", "name_zh": "其他涉林违法行为", "name_en": "Other forest offence",
             "group": "other"}]


@hookimpl
def permissions() -> list[dict[str, str]]:
    return CORE_PERMISSIONS


@hookimpl
def permission_allowed(user: Any, action: str, obj: Any) -> bool | None:
    if action in _ROLE_RULES:
        return user.role in _ROLE_RULES[action]
    if action == "core.department.configure":
        if user.role == "admin":
            return True
        return user.role == "leader" and obj is not None and obj.id == user.department_id
    return None


@hookimpl
def quarterly_report_sections(department: Any, quarter: Any) -> list[dict[str, Any]]:
    from core.sharing.reports import core_section

    return [core_section(department, quarter)]


@hookimpl
def duty_report_figures(department: Any, since: Any, until: Any) -> list[dict[str, Any]]:
    from core.meetings.reports import core_figures

    return core_figures(department, since, until)


@hookimpl
def scheduled_jobs() -> list[dict[str, Any]]:
    from core.jobs import purge_expired_lockouts
    from core.notifications.mailer import send_pending
    from core.notifications.services import deadline_reminders_job

    return [{"name": "core.expired_lockouts", "func": purge_expired_lockouts},
            {"name": "core.deadline_reminders", "func": deadline_reminders_job},
            {"name": "core.email_notifications", "func": send_pending}]
