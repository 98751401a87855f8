"""The environment pages under ``/environment``: the plugin's page, EIA approvals with their
conditions, ecological problems with their timeline, restoration projects with progress and
acceptance; each register with filters, pagination and an ``.xlsx`` export.

The core serves these pages only to the departments that switched the plugin on and to the
office; every row is looked up through ``services`` (another department's row is a 404) and
who may act is decided there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload

from core import access
from core.app import kernel
from core.attachments import storage
from core.db import db, paginate, utcnow
from core.exports import xlsx_response
from core.forms import post_step, submit
from core.plugin_kit import plugin_vocabulary, served_departments
from core.timeutil import local_day, parse_day
from plugins.environment import models, services
from plugins.environment.forms import (
    EIA_KIND_LABELS,
    AcceptForm,
    ApproveForm,
    CheckForm,
    ConditionForm,
    EiaForm,
    ProblemForm,
    ProgressForm,
    RefuseForm,
    RestorationForm,
    StepForm,
    problem_select,
)
from plugins.environment.plugin import DUTIES, NAME, TITLE

bp = Blueprint(NAME, __name__, url_prefix=f"/{NAME}", template_folder="templates")

EIA_STATE_LABELS = {"submitted": _l("Awaiting decision"), "approved": _l("Approval granted"),
                    "rejected": _l("Refused"), "withdrawn": _l("Withdrawn")}
CONDITION_STATE_LABELS = {"open": _l("To check"), "checked": _l("Checked"),
                          "overdue": _l("Overdue")}
PROBLEM_STATE_LABELS = {"open": _l("Being handled"), "restored": _l("Restored, to verify"),
                        "closed": _l("Closed"), "overdue": _l("Overdue")}
RESTORATION_STATE_LABELS = {"in_progress": _l("Under way"), "accepted": _l("Accepted")}
EVENT_LABELS = {
    "opened": _l("Opened by hand"),
    "assigned": _l("Opened from an inspection finding"),
    "progress": _l("Progress"),
    "restored": _l("Restoration done"),
    "completion_reported": _l("Completion reported to the office on the finding"),
    "verified": _l("The office verified the finding: closed"),
    "closed": _l("Restoration verified: closed"),
    "restoration_accepted": _l("Restoration project accepted"),
}

#: The words of the registers as the office keeps them (Chinese whatever the UI language).
EIA_STATE_ZH = {"submitted": "待审批", "approved": "已批复", "rejected": "不予批复",
                "withdrawn": "已撤回"}
EIA_KIND_ZH = {"forest_area": "林区开发利用项目", "mining": "矿产资源开发项目", "other": "其他"}
CONDITION_STATE_ZH = {"open": "未落实", "checked": "已落实"}
PROBLEM_STATE_ZH = {"open": "整改中", "restored": "已修复待核验", "closed": "已销号"}
RESTORATION_STATE_ZH = {"in_progress": "实施中", "accepted": "已验收"}

#: 环评审批台账.
EIA_HEADERS = ["序号", "项目名称", "建设单位", "项目类型", "建设地点", "占地面积(亩)", "报批日期",
               "审批状态", "批复文号", "审批日期", "批复要求及落实情况", "逾期未落实(条)",
               "登记部门"]
#: 生态环境问题台账.
PROBLEM_HEADERS = ["序号", "问题描述", "地点", "问题来源", "整改期限", "状态", "是否逾期",
                   "登记时间", "修复完成时间", "销号时间", "责任部门"]
#: 生态保护修复项目台账.
RESTORATION_HEADERS = ["序号", "项目名称", "修复地点", "修复措施", "投资预算(元)", "开工日期",
                       "计划完工日期", "进度(%)", "状态", "验收日期", "验收意见", "关联问题"]


def _per_page() -> int:
    return int(kernel().settings["ui"]["per_page"])


def _labels() -> dict[str, Any]:
    return {"eia_states": EIA_STATE_LABELS, "eia_kinds": EIA_KIND_LABELS,
            "condition_states": CONDITION_STATE_LABELS, "problem_states": PROBLEM_STATE_LABELS,
            "restoration_states": RESTORATION_STATE_LABELS, "event_labels": EVENT_LABELS}


def _one_of(value: str | None, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else ""


def _found(row: Any) -> Any:
    if row is None:
        abort(404)
    return row


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _create(form: FlaskForm, template: str, fallback: str, action: Callable[[], Any],
            done: str, endpoint: str, key: str, **context: Any) -> Any:
    """A register's "new" page: on a valid post run ``action`` (one commit) and show the new
    row; otherwise (re-)render ``template`` with what was typed and the messages."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            outcome = submit(form, fallback, action)
            if outcome.ok:
                flash(done, "success")
                return redirect(url_for(endpoint, **{key: outcome.value.id}))
            status = outcome.status
    return render_template(template, form=form, **context, **_labels()), status


@bp.route("/")
def index() -> Any:
    """The plugin's page: the registers with today's counts, duties, departments served."""
    return render_template("environment/index.html", title=TITLE, duties=DUTIES,
                           departments=served_departments(NAME),
                           counts=services.register_counts(current_user),
                           **plugin_vocabulary(NAME))


# ----------------------------------------------------------------------- EIA approvals


def _eia_filters() -> services.EiaFilters:
    args = request.args
    return services.EiaFilters(
        q=args.get("q", "").strip()[:100], state=_one_of(args.get("state"), models.EIA_STATES),
        kind=_one_of(args.get("kind"), models.EIA_KINDS), overdue=args.get("overdue") == "1",
        since=parse_day(args.get("since")), until=parse_day(args.get("until")))


@bp.route("/eia/")
def eia_list() -> Any:
    """EIA applications and approvals (环评审批), latest submitted first."""
    filters = _eia_filters()
    page = paginate(services.eia_query(current_user, filters), per_page=_per_page())
    return render_template(
        "environment/eia_list.html", page=page, filters=filters,
        counts=services.condition_counts([a.id for a in page.items]),
        may_record=access.can(current_user, services.RECORD_EIA), **_labels())


@bp.route("/eia.xlsx")
def eia_export() -> Any:
    """The filtered applications in Excel, each with its conditions and their state."""
    stmt = services.eia_query(current_user, _eia_filters()).options(
        selectinload(models.EiaApproval.conditions))
    now = utcnow()

    def conditions(approval: models.EiaApproval) -> str:
        return "\n".join(f"{n}. {c.text}（期限 {local_day(c.due_at)}，"
                         f"{CONDITION_STATE_ZH[c.state]}）"
                         for n, c in enumerate(approval.conditions, 1))

    def rows() -> Iterator[list[Any]]:
        for n, a in enumerate(db.session.scalars(stmt), 1):
            yield [n, a.project, a.developer, EIA_KIND_ZH[a.kind], a.place_name, a.area_mu,
                   a.submitted_on, EIA_STATE_ZH[a.state], a.approval_number, a.decided_on,
                   conditions(a), sum(c.is_overdue(now) for c in a.conditions),
                   a.department.name_zh]

    return xlsx_response("环评审批台账", EIA_HEADERS, rows(), "environment-eia.xlsx")


@bp.route("/eia/new", methods=["GET", "POST"])
def eia_new() -> Any:
    """Register a submitted EIA application (the department's people)."""
    if not access.can(current_user, services.RECORD_EIA):
        abort(403)
    form = EiaForm()
    if request.method == "GET":
        form.submitted_on.data = local_day(utcnow())
    return _create(form, "environment/eia_form.html", "project",
                   lambda: services.register_eia(current_user, form.to_input()),
                   _("EIA application registered; the leader was told."),
                   "environment.eia_detail", "approval_id")


def _eia(approval_id: int) -> models.EiaApproval:
    return _found(services.get_eia(current_user, approval_id))


def _eia_forms() -> dict[str, Any]:
    today = local_day(utcnow())
    # Built from defaults only: another form's post must not fill (or empty) these.
    blank = {"formdata": None}
    return {"approve_form": ApproveForm(prefix="approve", data={"decided_on": today}, **blank),
            "reject_form": RefuseForm(prefix="reject", data={"decided_on": today}, **blank),
            "withdraw_form": RefuseForm(prefix="withdraw", data={"decided_on": today},
                                        **blank),
            "condition_form": ConditionForm(prefix="condition", **blank),
            "check_form": CheckForm(prefix="check", **blank), "check_for": None}


def _render_eia(approval: models.EiaApproval, status: int = 200, **forms: Any) -> Any:
    may_decide = (approval.state == "submitted"
                  and access.can(current_user, services.APPROVE_EIA, approval))
    return render_template(
        "environment/eia_detail.html", approval=approval, now=utcnow(),
        may_record=access.can(current_user, services.RECORD_EIA, approval),
        may_decide=may_decide, **{**_eia_forms(), **forms}, **_labels()), status


@bp.route("/eia/<int:approval_id>")
def eia_detail(approval_id: int) -> Any:
    """One application with its decision and its conditions."""
    return _render_eia(_eia(approval_id))


def _step(load: Callable[[], Any], render: Callable[..., Any], endpoint: str, key: str,
          name: str, form: FlaskForm, fallback: str, action: Callable[[Any], Any], done: str,
          **context: Any) -> Any:
    """One posted step on a detail page: run ``action`` on the row ``load`` finds (one
    commit) and show the page again; a refusal re-renders it with ``form`` (as ``name``)
    carrying what was typed and the messages."""
    row = load()
    return post_step(form, fallback, lambda: action(row), done,
                     url_for(endpoint, **{key: row.id}),
                     lambda status: render(load(), status, **{name: form}, **context))


def _eia_step(approval_id: int, name: str, form: FlaskForm, fallback: str,
              action: Callable[[models.EiaApproval], Any], done: str, **context: Any) -> Any:
    return _step(lambda: _eia(approval_id), _render_eia, "environment.eia_detail",
                 "approval_id", name, form, fallback, action, done, **context)


@bp.route("/eia/<int:approval_id>/approve", methods=["POST"])
def eia_approve(approval_id: int) -> Any:
    """The leader approves, with the approval number, the day and the conditions."""
    form = ApproveForm(prefix="approve")
    return _eia_step(approval_id, "approve_form", form, "approval_number",
                     lambda a: services.approve_eia(
                         current_user, a, form.decided_on.data, form.approval_number.data or "",
                         form.condition_inputs(), form.decision_note.data or ""),
                     _("Approval recorded; its conditions are to be checked."))


@bp.route("/eia/<int:approval_id>/reject", methods=["POST"])
def eia_reject(approval_id: int) -> Any:
    """The leader refuses the application, with the reason."""
    form = RefuseForm(prefix="reject")
    return _eia_step(approval_id, "reject_form", form, "decision_note",
                     lambda a: services.refuse_eia(current_user, a, form.decided_on.data,
                                                   form.decision_note.data or ""),
                     _("Refusal recorded."))


@bp.route("/eia/<int:approval_id>/withdraw", methods=["POST"])
def eia_withdraw(approval_id: int) -> Any:
    """Record that the developer withdrew the application."""
    form = RefuseForm(prefix="withdraw")
    return _eia_step(approval_id, "withdraw_form", form, "decision_note",
                     lambda a: services.refuse_eia(current_user, a, form.decided_on.data,
                                                   form.decision_note.data or "",
                                                   withdrawn=True),
                     _("Withdrawal recorded."))


@bp.route("/eia/<int:approval_id>/conditions", methods=["POST"])
def condition_add(approval_id: int) -> Any:
    """Add a condition to an approved application."""
    form = ConditionForm(prefix="condition")
    return _eia_step(approval_id, "condition_form", form, "text",
                     lambda a: services.add_condition(current_user, a, services.ConditionInput(
                         text=form.text.data or "", due_on=form.due_on.data)),
                     _("Condition added."))


@bp.route("/eia/<int:approval_id>/conditions/<int:condition_id>/check", methods=["POST"])
def condition_check(approval_id: int, condition_id: int) -> Any:
    """Record that a condition was met."""
    condition = _found(services.get_condition(_eia(approval_id), condition_id))
    form = CheckForm(prefix="check")
    return _eia_step(approval_id, "check_form", form, "check_note",
                     lambda _a: services.check_condition(current_user, condition,
                                                         form.check_note.data or ""),
                     _("Condition checked."), check_for=condition_id)


# ----------------------------------------------------------------- ecological problems


def _problem_filters() -> services.ProblemFilters:
    args = request.args
    return services.ProblemFilters(
        q=args.get("q", "").strip()[:100],
        state=_one_of(args.get("state"), (*models.PROBLEM_STATES, "overdue")),
        source=_one_of(args.get("source"), ("finding", "manual")),
        since=parse_day(args.get("since")), until=parse_day(args.get("until")))


@bp.route("/problems/")
def problems() -> Any:
    """Ecological problems, overdue first."""
    filters = _problem_filters()
    page = paginate(services.problem_query(current_user, filters), per_page=_per_page())
    return render_template("environment/problems.html", page=page, filters=filters,
                           now=utcnow(), may_record=access.can(current_user,
                                                               services.RECORD_PROBLEM),
                           **_labels())


@bp.route("/problems.xlsx")
def problems_export() -> Any:
    """The filtered problems in Excel."""
    now = utcnow()
    stmt = services.problem_query(current_user, _problem_filters(), now)

    def rows() -> Iterator[list[Any]]:
        for n, p in enumerate(db.session.scalars(stmt.execution_options(yield_per=500)), 1):
            source = f"督查问题 #{p.finding_id}" if p.finding_id else "自行发现"
            yield [n, p.description, p.place_name, source,
                   local_day(p.due_at) if p.due_at else None, PROBLEM_STATE_ZH[p.state],
                   _yes_no(p.is_overdue(now)), p.created_at, p.restored_at, p.closed_at,
                   p.department.name_zh]

    return xlsx_response("生态环境问题台账", PROBLEM_HEADERS, rows(), "environment-problems.xlsx")


@bp.route("/problems/new", methods=["GET", "POST"])
def problem_new() -> Any:
    """Open an ecological problem by hand."""
    if not access.can(current_user, services.RECORD_PROBLEM):
        abort(403)
    form = ProblemForm()
    return _create(form, "environment/problem_form.html", "description",
                   lambda: services.open_problem(current_user, form.to_input()),
                   _("Ecological problem opened."), "environment.problem_detail",
                   "problem_id")


def _problem(problem_id: int) -> models.EcologicalProblem:
    return _found(services.get_problem(current_user, problem_id))


def _render_problem(problem: models.EcologicalProblem, status: int = 200, **forms: Any) -> Any:
    may_record = (problem.state != "closed"
                  and access.can(current_user, services.RECORD_PROBLEM, problem))
    defaults = {f"{name}_form": StepForm(prefix=name, formdata=None)
                for name in ("progress", "restored", "close")}
    return render_template(
        "environment/problem_detail.html", problem=problem, now=utcnow(),
        events=services.events_of(problem), restorations=services.restorations_of(problem),
        sent_back=services.finding_sent_back(problem), may_record=may_record,
        may_restore=may_record and (problem.state == "open"
                                    or services.finding_sent_back(problem)),
        may_close=(problem.state == "restored" and problem.finding_id is None
                   and access.can(current_user, services.CLOSE_PROBLEM, problem)),
        **{**defaults, **forms}, **_labels()), status


@bp.route("/problems/<int:problem_id>")
def problem_detail(problem_id: int) -> Any:
    """One problem with its timeline and the restoration projects for it."""
    return _render_problem(_problem(problem_id))


def _problem_step(problem_id: int, name: str,
                  action: Callable[[models.EcologicalProblem, str], Any], done: str) -> Any:
    form = StepForm(prefix=name.removesuffix("_form"))
    return _step(lambda: _problem(problem_id), _render_problem, "environment.problem_detail",
                 "problem_id", name, form, "text", lambda p: action(p, form.text.data or ""),
                 done)


@bp.route("/problems/<int:problem_id>/progress", methods=["POST"])
def problem_progress(problem_id: int) -> Any:
    """A note on how the handling goes."""
    return _problem_step(problem_id, "progress_form",
                         lambda p, text: services.note_progress(current_user, p, text),
                         _("Progress noted."))


@bp.route("/problems/<int:problem_id>/restored", methods=["POST"])
def problem_restored(problem_id: int) -> Any:
    """The restoration is done (reported to the office on a linked finding)."""
    return _problem_step(problem_id, "restored_form",
                         lambda p, text: services.report_restored(current_user, p, text),
                         _("Restoration reported."))


@bp.route("/problems/<int:problem_id>/close", methods=["POST"])
def problem_close(problem_id: int) -> Any:
    """The leader verifies the restoration of a problem opened by hand and closes it."""
    return _problem_step(problem_id, "close_form",
                         lambda p, text: services.close_problem(current_user, p, text),
                         _("Problem closed."))


# ---------------------------------------------------------------- restoration projects


def _restoration_filters() -> services.RestorationFilters:
    args = request.args
    return services.RestorationFilters(
        q=args.get("q", "").strip()[:100],
        state=_one_of(args.get("state"), models.RESTORATION_STATES),
        since=parse_day(args.get("since")), until=parse_day(args.get("until")))


@bp.route("/restorations/")
def restorations() -> Any:
    """Restoration projects with the total budget of the filtered list."""
    filters = _restoration_filters()
    stmt = services.restoration_query(current_user, filters)
    return render_template(
        "environment/restorations.html", page=paginate(stmt, per_page=_per_page()),
        filters=filters, totals=services.restoration_totals(stmt),
        may_record=access.can(current_user, services.RECORD_RESTORATION), **_labels())


@bp.route("/restorations.xlsx")
def restorations_export() -> Any:
    """The filtered projects in Excel, the total budget in the last row (合计)."""
    stmt = services.restoration_query(current_user, _restoration_filters())
    totals = services.restoration_totals(stmt)

    def rows() -> Iterator[list[Any]]:
        for n, r in enumerate(db.session.scalars(stmt.execution_options(yield_per=500)), 1):
            yield [n, r.name, r.place_name, r.measures, r.budget_yuan, r.start_on,
                   r.planned_end_on, r.progress_percent, RESTORATION_STATE_ZH[r.state],
                   r.accepted_on, r.acceptance_note,
                   f"#{r.problem_id}" if r.problem_id else ""]
        yield ["合计", f"{totals['count']} 个", "", "", totals["budget_yuan"]]

    return xlsx_response("生态保护修复项目台账", RESTORATION_HEADERS, rows(),
                         "environment-restorations.xlsx")


@bp.route("/restorations/new", methods=["GET", "POST"])
def restoration_new() -> Any:
    """Register a restoration project, possibly for one of the department's problems."""
    if not access.can(current_user, services.RECORD_RESTORATION):
        abort(403)
    form = RestorationForm()
    problem_select(form, services.problem_choices(current_user))
    if request.method == "GET":
        form.problem_id.data = request.args.get("problem_id", "")
    return _create(form, "environment/restoration_form.html", "name",
                   lambda: services.register_restoration(current_user, form.to_input()),
                   _("Restoration project registered."), "environment.restoration_detail",
                   "project_id")


def _restoration(project_id: int) -> models.RestorationProject:
    return _found(services.get_restoration(current_user, project_id))


def _render_restoration(project: models.RestorationProject, status: int = 200, **forms: Any) -> Any:
    reports = services.progress_of(project)
    open_project = project.state == "in_progress"
    defaults = {"progress_form": ProgressForm(prefix="progress", formdata=None,
                                              data={"percent": project.progress_percent}),
                "accept_form": AcceptForm(prefix="accept", formdata=None,
                                          data={"accepted_on": local_day(utcnow())})}
    return render_template(
        "environment/restoration_detail.html", project=project, reports=reports,
        files=storage.attachments_of(services.PROGRESS_OWNER, [r.id for r in reports]),
        may_record=open_project and access.can(current_user, services.RECORD_RESTORATION,
                                               project),
        may_accept=(open_project and project.progress_percent == 100
                    and access.can(current_user, services.ACCEPT_RESTORATION, project)),
        **{**defaults, **forms}, **_labels()), status


@bp.route("/restorations/<int:project_id>")
def restoration_detail(project_id: int) -> Any:
    """One project with its progress reports and photos, and its acceptance."""
    return _render_restoration(_restoration(project_id))


def _restoration_step(project_id: int, name: str, form: FlaskForm, fallback: str,
                      action: Callable[[models.RestorationProject], Any], done: str) -> Any:
    return _step(lambda: _restoration(project_id), _render_restoration,
                 "environment.restoration_detail", "project_id", name, form, fallback, action,
                 done)


@bp.route("/restorations/<int:project_id>/progress", methods=["POST"])
def restoration_progress(project_id: int) -> Any:
    """Report progress with photos."""
    form = ProgressForm(prefix="progress")
    return _restoration_step(project_id, "progress_form", form, "text",
                             lambda p: services.report_progress(current_user, p,
                                                                form.to_input()),
                             _("Progress recorded."))


@bp.route("/restorations/<int:project_id>/accept", methods=["POST"])
def restoration_accept(project_id: int) -> Any:
    """The leader accepts (验收) the finished works."""
    form = AcceptForm(prefix="accept")
    return _restoration_step(project_id, "accept_form", form, "acceptance_note",
                             lambda p: services.accept_restoration(
                                 current_user, p, form.accepted_on.data,
                                 form.acceptance_note.data or ""),
                             _("Restoration project accepted."))


@bp.route("/restorations/<int:project_id>/files/<int:attachment_id>")
def restoration_file(project_id: int, attachment_id: int) -> Any:
    """A progress photo; the project's visibility is checked on every request."""
    return storage.send(_found(services.progress_file(_restoration(project_id),
                                                      attachment_id)))
