"""The single place that decides who may see or do what.

* Every endpoint needs a signed-in, active user unless its view is marked :func:`public`.
  The check runs in ``before_request`` for the whole app, so a forgotten decorator fails
  closed; a meta-test walks ``app.url_map`` to prove it.
* Actions are checked with :func:`can`, which asks every plugin's ``permission_allowed``
  (any ``False`` denies, one ``True`` is needed). The core's answers live in
  ``core.builtin.plugin``.
* A plugin's pages serve a user only when the plugin serves the user's department
  (:func:`plugin_serves`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

#: Roles that handle business data (information, inspections, cases...).
BUSINESS_ROLES = frozenset({"office", "leader", "liaison", "member"})
#: Roles that speak for a department: assign and verify tasks, file reports, self-check.
DEPARTMENT_VOICES = ("liaison", "leader")
#: Roles that run the system and see no business data.
SYSTEM_ROLES = frozenset({"admin", "security", "auditor"})


def public(view: F) -> F:
    """Mark a view as reachable without signing in (login page, health check, public tips)."""
    view.forestchief_public = True  # type: ignore[attr-defined]
    return view


def is_public(view: Callable[..., Any] | None) -> bool:
    """Whether ``view`` was marked :func:`public`."""
    return bool(getattr(view, "forestchief_public", False))


def for_every_department(view: F) -> F:
    """Open a plugin's view to the business users of every department, not only those the
    plugin serves (a department replying to a letter a plugin's department sent it). Sign-in,
    the refusal of system roles and the view's own object checks still apply."""
    view.forestchief_every_department = True  # type: ignore[attr-defined]
    return view


def serves_every_department(view: Callable[..., Any] | None) -> bool:
    """Whether ``view`` was marked :func:`for_every_department`."""
    return bool(getattr(view, "forestchief_every_department", False))


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may perform ``action`` on ``obj``; plugins vote, any ``False`` vetoes."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    pm = current_app.extensions["forestchief"].pm
    answers = pm.hook.permission_allowed(user=user, action=action, obj=obj)
    if False in answers:
        return False
    return True in answers


def require(action: str, obj_from: Callable[..., Any] | None = None) -> Callable[[F], F]:
    """View decorator: 403 unless the current user :func:`can` do ``action``.

    ``obj_from(**view_args)`` loads the object the action is about (404 if it returns None).
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            obj = None
            if obj_from is not None:
                obj = obj_from(**kwargs)
                if obj is None:
                    abort(404)
            if not can(current_user, action, obj):
                abort(403)
            return view(*args, **kwargs)

        wrapped.forestchief_action = action  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def business_only(blueprint: Any) -> Any:
    """Refuse system roles (admin, security, auditor) on every route of ``blueprint``: they
    read no business data. The 403 is a page or the API's JSON error, by path."""

    @blueprint.before_request
    def _refuse_system_roles() -> None:
        if current_user.is_authenticated and current_user.role not in BUSINESS_ROLES:
            abort(403)

    return blueprint


def plugin_serves(user: Any, plugin: str) -> bool:
    """Whether plugin ``plugin``'s pages and widgets are for ``user``.

    The office coordinates every department, so it sees every loaded plugin; other business
    roles see the plugins their department switched on; system roles see none.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in SYSTEM_ROLES:
        return False
    if user.role == "office":
        return True
    return plugin in user.department.enabled_plugins


# ----------------------------------------------------------------- information items


def visible_items(user: Any) -> Any:
    """SQL condition: the information items ``user`` may see. The one rule for lists,
    detail pages, search, counts, exports, the API, attachments and notifications.

    A business user sees an item when it is ``open``; or ``internal``/``classified`` and
    their department is named; or ``sensitive`` and they are named; or their department
    published it. System roles (admin, security, auditor) see none.
    """
    from sqlalchemy import and_, exists, false, or_

    from core.sharing.models import InfoItem, InfoItemDepartment, InfoItemReader

    if user is None or not getattr(user, "is_authenticated", False) or (
            user.role not in BUSINESS_ROLES):
        return false()
    shared_with_department = exists().where(
        InfoItemDepartment.item_id == InfoItem.id,
        InfoItemDepartment.department_id == user.department_id)
    named_reader = exists().where(InfoItemReader.item_id == InfoItem.id,
                                  InfoItemReader.user_id == user.id)
    return or_(
        InfoItem.department_id == user.department_id,
        InfoItem.sensitivity == "open",
        and_(InfoItem.sensitivity.in_(("internal", "classified")), shared_with_department),
        and_(InfoItem.sensitivity == "sensitive", named_reader),
    )


def may_edit_item(user: Any, item: Any) -> bool:
    """Members of the publishing department (not system roles) edit its items."""
    return (getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and item.department_id == user.department_id)


# ------------------------------------------------------------- information requests


def visible_requests(user: Any) -> Any:
    """SQL condition: the office information requests ``user`` may see.

    The requesting and the target department see a request; office staff see all of them
    (they coordinate); system roles see none.
    """
    from sqlalchemy import false, or_, true

    from core.sharing.models import InfoRequest

    if user is None or not getattr(user, "is_authenticated", False) or (
            user.role not in BUSINESS_ROLES):
        return false()
    if user.role == "office":
        return true()
    return or_(InfoRequest.requester_department_id == user.department_id,
               InfoRequest.target_department_id == user.department_id)


def may_request_information(user: Any) -> bool:
    """The office asks: office staff, or anyone of the office's own department."""
    return is_office(user)


def may_answer_request(user: Any, request: Any) -> bool:
    """The target department's liaison or leader answers an open request."""
    return (getattr(user, "is_authenticated", False) and request.state == "open"
            and user.department_id == request.target_department_id
            and user.role in ("liaison", "leader"))


def may_close_request(user: Any, request: Any) -> bool:
    """The requester's side accepts an answer (or a refusal) and closes the request."""
    return (getattr(user, "is_authenticated", False) and request.state in ("answered", "declined")
            and user.role in BUSINESS_ROLES
            and (user.department_id == request.requester_department_id or user.role == "office"))


# ---------------------------------------------------------- inspections and findings


def is_office(user: Any) -> bool:
    """Office staff, or anyone of the office's own department (they coordinate)."""
    return (getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and (user.role == "office" or user.department.kind == "office"))


def visible_inspections(user: Any) -> Any:
    """SQL condition: the joint inspections ``user`` may see.

    The office sees all of them; a department sees those it takes part in; villages and the
    township government see none (they see their findings instead); system roles see none.
    """
    from sqlalchemy import exists, false, true

    from core.inspections.models import Inspection, InspectionDepartment

    if user is None or not getattr(user, "is_authenticated", False) or (
            user.role not in BUSINESS_ROLES):
        return false()
    if is_office(user):
        return true()
    return exists().where(InspectionDepartment.inspection_id == Inspection.id,
                          InspectionDepartment.department_id == user.department_id)


def visible_findings(user: Any) -> Any:
    """SQL condition: the inspection findings ``user`` may see. The one rule for the board,
    detail pages, counts, the map, exports, the API and notices' drafts.

    The office sees all; the responsible unit sees its findings; copied departments and the
    departments that took part in the inspection see the inspection's findings. A village
    sees only its own. System roles see none.
    """
    from sqlalchemy import exists, false, or_, true

    from core.inspections.models import Finding, FindingCopy, InspectionDepartment

    if user is None or not getattr(user, "is_authenticated", False) or (
            user.role not in BUSINESS_ROLES):
        return false()
    if is_office(user):
        return true()
    return or_(
        Finding.unit_id == user.department_id,
        exists().where(FindingCopy.finding_id == Finding.id,
                       FindingCopy.department_id == user.department_id),
        exists().where(InspectionDepartment.inspection_id == Finding.inspection_id,
                       InspectionDepartment.department_id == user.department_id),
    )


def may_record_on_site(user: Any, inspection: Any) -> bool:
    """The office and the participating departments record on site while it runs."""
    return (getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and inspection.state in ("planned", "in_progress")
            and (is_office(user) or user.department_id in inspection.department_ids))


def may_report_rectification(user: Any, finding: Any) -> bool:
    """The responsible unit's people report progress on an open finding."""
    return (getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and finding.state == "open" and user.department_id == finding.unit_id)


def may_report_completion(user: Any, finding: Any) -> bool:
    """The responsible unit's liaison or leader reports the rectification complete."""
    return may_report_rectification(user, finding) and user.role in ("liaison", "leader")


def visible_notices(user: Any) -> Any:
    """SQL condition: notices are circulated to the office, the township government and the
    departments (not to villages, not to system roles)."""
    from sqlalchemy import false, true

    if user is None or not getattr(user, "is_authenticated", False) or (
            user.role not in BUSINESS_ROLES) or user.department.kind == "village":
        return false()
    return true()


# ------------------------------------------------------------------ cases and transfers


def _handles_cases(user: Any) -> bool:
    """The office and the departments handle cases; villages, the township government and
    system roles do not."""
    return (user is not None and getattr(user, "is_authenticated", False)
            and user.role in BUSINESS_ROLES and user.department.kind in ("office", "department"))


def visible_cases(user: Any) -> Any:
    """SQL condition: the cases and leads ``user`` may see.

    A department sees the cases it handles and those transferred to or from it; the office
    sees all of them (without parties' ID numbers: :func:`may_see_identities`); villages,
    the township government and system roles see none.
    """
    from sqlalchemy import exists, false, or_, true

    from core.cases.models import Case, Transfer

    if not _handles_cases(user):
        return false()
    if is_office(user):
        return true()
    mine = user.department_id
    return or_(Case.department_id == mine,
               exists().where(Transfer.case_id == Case.id,
                              or_(Transfer.from_department_id == mine,
                                  Transfer.to_department_id == mine)))


def visible_transfers(user: Any) -> Any:
    """SQL condition: the hand-overs ``user`` may see (the two-way ledger's rows): the
    office sees all; a department those it sent or received."""
    from sqlalchemy import false, or_, true

    from core.cases.models import Transfer

    if not _handles_cases(user):
        return false()
    if is_office(user):
        return true()
    return or_(Transfer.from_department_id == user.department_id,
               Transfer.to_department_id == user.department_id)


def visible_tasks(user: Any) -> Any:
    """SQL condition: the assigned tasks ``user`` may see (lists, counts, exports, the API):
    the office sees all; a department those it does or assigned; system roles none."""
    from sqlalchemy import false, or_, true

    from core.tasks.models import Task

    if not getattr(user, "is_authenticated", False) or user.role not in BUSINESS_ROLES:
        return false()
    if is_office(user):
        return true()
    return or_(Task.department_id == user.department_id,
               Task.assigned_by_department_id == user.department_id)


def visible_campaigns(user: Any) -> Any:
    """SQL condition: the special campaigns ``user`` may see (lists, ledger, reports, results,
    the API): the office sees all; a department those it takes part in; system roles none."""
    from sqlalchemy import false, select, true

    from core.campaigns.models import Campaign, CampaignDepartment

    if not getattr(user, "is_authenticated", False) or user.role not in BUSINESS_ROLES:
        return false()
    if is_office(user):
        return true()
    return Campaign.id.in_(select(CampaignDepartment.campaign_id).where(
        CampaignDepartment.department_id == user.department_id))


def visible_assessments(user: Any) -> Any:
    """SQL condition: the assessments ``user`` may see (lists, pages, exports, the API): the
    office all; a department those it is assessed in; system roles none."""
    from sqlalchemy import false, select, true

    from core.assessments.models import Assessment, AssessmentEntry

    if not getattr(user, "is_authenticated", False) or user.role not in BUSINESS_ROLES:
        return false()
    if is_office(user):
        return true()
    return Assessment.id.in_(select(AssessmentEntry.assessment_id).where(
        AssessmentEntry.department_id == user.department_id))


def may_see_identities(user: Any, case: Any, department_ids: set[int]) -> bool:
    """Parties' ID numbers are sensitive: only the departments that handle the case (its
    department and those it was transferred between, ``department_ids``) see them."""
    return (getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and (user.department_id == case.department_id
                 or user.department_id in department_ids))


def may_handle_case(user: Any, case: Any) -> bool:
    """The handling department's people edit an open case and hand it over."""
    return (getattr(user, "is_authenticated", False) and user.role in BUSINESS_ROLES
            and case.state == "open" and user.department_id == case.department_id)
