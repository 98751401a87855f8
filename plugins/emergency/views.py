"""The emergency pages under ``/emergency``: the overview, the fire register (list, export,
report, correct, the fire's page with its response log and state steps), fire danger
periods, the duty roster (a week at a time) and patrols.

The core serves these pages only to the departments that switched the plugin on and to the
office (``core.access.plugin_serves``); who may write is decided in ``services``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from core import access
from core.app import kernel
from core.db import db, paginate
from core.departments.services import active_departments
from core.exports import xlsx_response
from core.forms import local_to_utc, post_step, select_choices, submit
from core.plugin_kit import plugin_vocabulary, served_departments
from core.timeutil import parse_day, site_zone
from plugins.emergency import readiness, services
from plugins.emergency.forms import (
    AssessForm,
    DangerPeriodForm,
    DutyForm,
    ExtinguishForm,
    FireForm,
    LogForm,
    PatrolForm,
    version_of,
)
from plugins.emergency.levels import LEVEL_ZH, LEVELS
from plugins.emergency.models import CAUSES, FIRE_STATES, DangerPeriod, Fire, Patrol

NAME = services.NAME
TITLE = _l("Emergency")
DUTIES = [
    _l("Organizing, guiding and coordinating forest fire prevention and control"),
    _l("Daily work of the forest fire prevention and fighting headquarters"),
    _l("Fighting major and cross-township forest fires"),
    _l("Fire danger periods, duty roster and patrols"),
]

bp = Blueprint(NAME, __name__, url_prefix=f"/{NAME}", template_folder="templates")

CAUSE_LABELS = {"suspected_arson": _l("Suspected arson"), "negligence": _l("Negligence"),
                "lightning": _l("Lightning"), "unknown": _l("Unknown")}
LEVEL_LABELS = {"general": _l("General forest fire"), "large": _l("Large forest fire"),
                "major": _l("Major forest fire"),
                "especially_major": _l("Especially major forest fire")}
STATE_LABELS = {"reported": _l("Burning"), "extinguished": _l("Extinguished"),
                "assessed": _l("Assessed")}
DANGER_LABELS = {1: _l("Level 1 (low)"), 2: _l("Level 2 (moderate)"),
                 3: _l("Level 3 (fairly high)"), 4: _l("Level 4 (high)"),
                 5: _l("Level 5 (extreme)")}
STATE_ZH = {"reported": "燃烧中", "extinguished": "已扑灭", "assessed": "已核查"}
WEEKDAY_ZH = "一二三四五六日"

#: 森林火情登记 as the office keeps it (units: 公顷, 人).
FIRE_HEADERS = ["编号", "报告时间", "起火地点", "纬度", "经度", "起火原因", "受害森林面积(公顷)",
                "死亡(人)", "重伤(人)", "受害林分", "火灾等级", "状态", "扑灭时间", "核查时间",
                "报告单位", "移送公安"]
PERIOD_HEADERS = ["起始日期", "终止日期", "森林火险等级", "说明", "登记单位"]
DUTY_HEADERS = ["日期", "星期", "值班人员", "所在单位", "带班领导", "值班电话", "备注"]
PATROL_HEADERS = ["巡护日期", "巡护路线(区域)", "巡护人员", "发现火灾隐患(处)", "巡护情况",
                  "纬度", "经度", "巡护单位"]


def _labels() -> dict[str, Any]:
    return {"causes": CAUSE_LABELS, "levels": LEVEL_LABELS, "states": STATE_LABELS,
            "dangers": DANGER_LABELS,
            "may_report": access.can(current_user, services.REPORT_FIRE),
            "may_patrol": access.can(current_user, services.RECORD_PATROL),
            "may_edit_readiness": access.can(current_user, services.EDIT_READINESS)}


def _per_page() -> int:
    return int(kernel().settings["ui"]["per_page"])


def _one_of(value: Any, allowed: tuple[Any, ...]) -> Any:
    return value if value in allowed else ""


def _text_arg(name: str) -> str:
    return request.args.get(name, "").strip()[:100]


def _local_now() -> datetime:
    """Now in site time, to the minute, as a form's datetime field shows it."""
    return datetime.now(site_zone()).replace(tzinfo=None, second=0, microsecond=0)


def _form_page(form: FlaskForm, fallback: str, template: str, action: Callable[[], Any],
               done: str, target: Callable[[Any], str], **context: Any) -> Any:
    """A create or edit page: on a valid POST run ``action`` (one commit; refusals on the
    fields, others and a stale version on ``fallback``) and redirect to ``target(saved)``;
    else show the form (400 or 409 after a refusal)."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            outcome = submit(form, fallback, action)
            if outcome.ok:
                flash(done, "success")
                return redirect(target(outcome.value))
            status = outcome.status
    return render_template(template, form=form, **context, **_labels()), status


@bp.route("/")
def index() -> Any:
    """Today's readiness (duty, fire danger, fires), the registers, the duties."""
    return render_template("emergency/index.html", title=TITLE, duties=DUTIES,
                           departments=served_departments(NAME),
                           readiness=readiness.readiness_today(),
                           **plugin_vocabulary(NAME), **_labels())


# ---------------------------------------------------------------------------------- fires


def _fire_filters() -> services.FireFilters:
    args = request.args
    return services.FireFilters(
        q=_text_arg("q"), state=_one_of(args.get("state"), FIRE_STATES),
        level=_one_of(args.get("level"), LEVELS), cause=_one_of(args.get("cause"), CAUSES),
        department=args.get("department", ""), since=parse_day(args.get("since")),
        until=parse_day(args.get("until")))


@bp.route("/fires/")
def fires() -> Any:
    """The fire register (森林火情), filtered and paginated, with the totals."""
    filters = _fire_filters()
    stmt = services.fire_query(filters)
    return render_template("emergency/fires.html", page=paginate(stmt, _per_page()),
                           totals=services.fire_totals(stmt), filters=filters,
                           departments=served_departments(NAME), **_labels())


@bp.route("/fires.xlsx")
def fires_export() -> Any:
    """The filtered fires in Excel, with the register's Chinese headers and a 合计 row."""
    stmt = services.fire_query(_fire_filters())
    totals = services.fire_totals(stmt)

    def rows() -> Iterator[list[Any]]:
        for f in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield [f.number, f.reported_at, f.place_name, f.lat, f.lng,
                   services.CAUSE_ZH[f.cause], f.burned_area_ha, f.deaths, f.injuries,
                   f.affected_forest, LEVEL_ZH[f.level], STATE_ZH[f.state], f.extinguished_at,
                   f.assessed_at, f.department.name_zh, "是" if f.transfer_id else "否"]
        yield ["合计", f"{totals['count']} 起", "", None, None, "", totals["burned_area_ha"],
               totals["deaths"], totals["injuries"], "", "", "", None, None, "", ""]

    return xlsx_response("森林火情登记", FIRE_HEADERS, rows(), "forest-fires.xlsx")


def _fire(fire_id: int) -> Fire:
    found = services.get_fire(fire_id)
    if found is None:
        abort(404)
    return found


def _fire_form(**data: Any) -> FireForm:
    form = FireForm(data=data or None)
    form.cause.choices = select_choices(CAUSE_LABELS.items())
    return form


@bp.route("/fires/new", methods=["GET", "POST"])
def fire_new() -> Any:
    """Report a fire (the business users of a department the plugin serves)."""
    if not access.can(current_user, services.REPORT_FIRE):
        abort(403)
    form = _fire_form(reported_at=_local_now(), cause="unknown") if (
        request.method == "GET") else _fire_form()
    return _form_page(form, "description", "emergency/fire_form.html",
                      lambda: services.report_fire(current_user, form.to_input()),
                      _("Fire reported."), lambda f: url_for("emergency.fire_detail",
                                                             fire_id=f.id), fire=None)


@bp.route("/fires/<int:fire_id>/edit", methods=["GET", "POST"])
def fire_edit(fire_id: int) -> Any:
    """Correct a fire of one's department until it is assessed (409 when stale)."""
    fire = _fire(fire_id)
    if not services.may_change(current_user, fire):
        abort(403)
    if request.method == "GET":
        form = _fire_form(version=str(fire.version), **{
            name: getattr(fire, name) for name in (
                "place_name", "lat", "lng", "cause", "burned_area_ha", "deaths", "injuries",
                "affected_forest", "description")},
            reported_at=fire.reported_at.astimezone(site_zone()).replace(tzinfo=None))
    else:
        form = _fire_form()
    return _form_page(form, "description", "emergency/fire_form.html",
                      lambda: services.update_fire(current_user, fire, form.to_input(),
                                                   version_of(form)),
                      _("Fire saved."), lambda f: url_for("emergency.fire_detail",
                                                          fire_id=f.id), fire=fire)


def _log_form() -> LogForm:
    form = LogForm(prefix="log")
    locale = str(get_locale())
    form.departments.choices = select_choices((d.code, d.name(locale))
                                              for d in active_departments())
    if not form.is_submitted():
        form.acted_at.data = _local_now()
    return form


def _render_fire(fire: Fire, status: int = 200, **forms: Any) -> Any:
    may_change = services.may_change(current_user, fire)
    context: dict[str, Any] = {
        "log_form": _log_form() if may_change else None,
        "extinguish_form": ExtinguishForm(prefix="out", data={
            "extinguished_at": _local_now()}) if may_change else None,
        "assess_form": AssessForm(prefix="assess", data={
            "burned_area_ha": fire.burned_area_ha, "deaths": fire.deaths,
            "injuries": fire.injuries}) if may_change else None,
        **forms}
    entries = services.log_of(fire)
    return render_template(
        "emergency/fire_detail.html", fire=fire, entries=entries,
        dispatched={"personnel": sum(e.personnel for e in entries),
                    "vehicles": sum(e.vehicles for e in entries)},
        pending=services.pending(fire), tasks=services.tasks_of(current_user, fire),
        may_change=may_change, follow_form=FlaskForm(prefix="follow"),
        may_follow_up=access.can(current_user, services.FOLLOW_UP, fire),
        **context, **_labels()), status


@bp.route("/fires/<int:fire_id>")
def fire_detail(fire_id: int) -> Any:
    """A fire: its figures and level, the response log as a timeline, its case and
    hand-over to the police, the tasks for the injured, and the next steps."""
    return _render_fire(_fire(fire_id))


def _fire_step(fire_id: int, name: str, form: FlaskForm, fallback: str,
               act: Callable[[Fire], Any], done: str) -> Any:
    """One posted step on a fire's page (log, extinguish, assess)."""
    fire = _fire(fire_id)
    if not services.may_change(current_user, fire):
        abort(403)
    return post_step(form, fallback, lambda: act(fire), done,
                     url_for("emergency.fire_detail", fire_id=fire_id),
                     lambda status: _render_fire(_fire(fire_id), status, **{name: form}),
                     conflict=_("Someone else changed this fire first; nothing was "
                                "overwritten. Reload to see it."))


@bp.route("/fires/<int:fire_id>/log", methods=["POST"])
def fire_log(fire_id: int) -> Any:
    """Add a step to the response log."""
    form = _log_form()
    return _fire_step(fire_id, "log_form", form, "action",
                      lambda f: services.log_action(current_user, f, form.to_input()),
                      _("Response logged."))


@bp.route("/fires/<int:fire_id>/extinguish", methods=["POST"])
def fire_extinguish(fire_id: int) -> Any:
    """Mark the fire extinguished."""
    form = ExtinguishForm(prefix="out")
    return _fire_step(fire_id, "extinguish_form", form, "extinguished_at",
                      lambda f: services.extinguish(current_user, f,
                                                    local_to_utc(form.extinguished_at.data)),
                      _("Fire marked extinguished."))


@bp.route("/fires/<int:fire_id>/assess", methods=["POST"])
def fire_assess(fire_id: int) -> Any:
    """Record the assessed figures: the fire's record is final."""
    form = AssessForm(prefix="assess")
    return _fire_step(fire_id, "assess_form", form, "assessment",
                      lambda f: services.assess(current_user, f, form.to_input()),
                      _("Assessment recorded."))


@bp.route("/fires/<int:fire_id>/follow-up", methods=["POST"])
def fire_follow_up(fire_id: int) -> Any:
    """Hand the case to the police and ask for the injured to be treated, where still due
    (the fire department's liaison or leader)."""
    fire = _fire(fire_id)
    if not access.can(current_user, services.FOLLOW_UP, fire):
        abort(403)
    form = FlaskForm(prefix="follow")
    if not form.validate_on_submit():
        abort(400)
    outcome = submit(form, "csrf_token", lambda: services.finish_follow_up(current_user, fire))
    if not outcome.ok:
        flash(_("This was done already."), "warning")
    elif any(outcome.value.values()):
        flash(_("Not everything could be done: check the police_department and "
                "injury_department settings."), "warning")
    else:
        flash(_("Handed over and asked for as needed."), "success")
    return redirect(url_for("emergency.fire_detail", fire_id=fire_id))


# ------------------------------------------------------------------------ danger periods


def _period_filters() -> readiness.PeriodFilters:
    args = request.args
    return readiness.PeriodFilters(level=args.get("level", type=int),
                                   since=parse_day(args.get("since")),
                                   until=parse_day(args.get("until")))


@bp.route("/danger-periods/")
def danger_periods() -> Any:
    """Fire danger periods, latest first, with today's fire danger."""
    filters = _period_filters()
    return render_template("emergency/danger_periods.html",
                           page=paginate(readiness.period_query(filters), _per_page()),
                           filters=filters, current=readiness.current_danger(),
                           today=readiness.today(), **_labels())


@bp.route("/danger-periods.xlsx")
def danger_periods_export() -> Any:
    """The filtered periods in Excel."""
    stmt = readiness.period_query(_period_filters())

    def rows() -> Iterator[list[Any]]:
        for p in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield [p.starts_on, p.ends_on, readiness.DANGER_ZH[p.level], p.note,
                   p.department.name_zh]

    return xlsx_response("森林防火期", PERIOD_HEADERS, rows(), "fire-danger-periods.xlsx")


def _period(period_id: int) -> DangerPeriod:
    found = readiness.get_period(period_id)
    if found is None:
        abort(404)
    return found


def _period_form(**data: Any) -> DangerPeriodForm:
    form = DangerPeriodForm(data=data or None)
    form.level.choices = [(level, str(label)) for level, label in DANGER_LABELS.items()]
    return form


def _require_readiness() -> None:
    if not access.can(current_user, services.EDIT_READINESS):
        abort(403)


@bp.route("/danger-periods/new", methods=["GET", "POST"])
def danger_period_new() -> Any:
    """Enter a fire danger period (optionally published as a warning)."""
    _require_readiness()
    today = readiness.today()
    form = _period_form(starts_on=today, ends_on=today + timedelta(days=6), level=3) if (
        request.method == "GET") else _period_form()
    return _form_page(form, "note", "emergency/danger_period_form.html",
                      lambda: readiness.add_danger_period(current_user, form.to_input()),
                      _("Fire danger period saved."),
                      lambda p: url_for("emergency.danger_period_detail", period_id=p.id),
                      period=None)


@bp.route("/danger-periods/<int:period_id>")
def danger_period_detail(period_id: int) -> Any:
    """One fire danger period, with the warning it was published as."""
    return render_template("emergency/danger_period_detail.html", period=_period(period_id),
                           today=readiness.today(), **_labels())


@bp.route("/danger-periods/<int:period_id>/edit", methods=["GET", "POST"])
def danger_period_edit(period_id: int) -> Any:
    """Correct a fire danger period (409 when stale)."""
    _require_readiness()
    period = _period(period_id)
    form = _period_form(starts_on=period.starts_on, ends_on=period.ends_on,
                        level=period.level, note=period.note,
                        version=str(period.version)) if request.method == "GET" else (
        _period_form())
    return _form_page(form, "note", "emergency/danger_period_form.html",
                      lambda: readiness.update_danger_period(current_user, period,
                                                             form.to_input(),
                                                             version_of(form)),
                      _("Fire danger period saved."),
                      lambda p: url_for("emergency.danger_period_detail", period_id=p.id),
                      period=period)


# --------------------------------------------------------------------------- duty roster


@bp.route("/duty/")
def duty() -> Any:
    """The duty roster, one week (Monday to Sunday) at a time (``?day=`` picks the week)."""
    day = parse_day(request.args.get("day")) or readiness.today()
    week = readiness.duty_week(day)
    return render_template("emergency/duty.html", week=week, today=readiness.today(),
                           previous=week[0][0] - timedelta(days=7),
                           following=week[0][0] + timedelta(days=7), **_labels())


@bp.route("/duty.xlsx")
def duty_export() -> Any:
    """The roster from ``since`` to ``until`` (default: this week) in Excel."""
    week = readiness.week_of(readiness.today())
    stmt = readiness.duty_query(readiness.DutyFilters(
        since=parse_day(request.args.get("since")) or week[0],
        until=parse_day(request.args.get("until")) or week[-1],
        officer=request.args.get("officer", "")))

    def rows() -> Iterator[list[Any]]:
        for d in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield [d.day, "星期" + WEEKDAY_ZH[d.day.weekday()], d.officer.display_name,
                   d.officer.department.name_zh, d.leader, d.phone, d.note]

    return xlsx_response("森林防火值班表", DUTY_HEADERS, rows(), "duty-roster.xlsx")


def _duty_day(day: str) -> date:
    found = parse_day(day)
    if found is None:
        abort(404)
    return found


def _officer_choices() -> list[Any]:
    locale = str(get_locale())
    return select_choices(
        [("", "—")] + [(u.username, f"{u.display_name or u.username}（"
                                    f"{u.department.name(locale)}）")
                       for u in db.session.scalars(readiness.officers())])


@bp.route("/duty/<day>", methods=["GET", "POST"])
def duty_day(day: str) -> Any:
    """One day of the roster: who is on duty; the form to set it (roster keepers)."""
    on = _duty_day(day)
    entry = readiness.duty_on(on)
    editable = access.can(current_user, services.EDIT_READINESS)
    if request.method == "POST" and not editable:
        abort(403)
    if request.method == "GET" and entry is not None:
        form = DutyForm(data={"officer": entry.officer.username, "leader": entry.leader,
                              "phone": entry.phone, "note": entry.note,
                              "version": str(entry.version)})
    else:
        form = DutyForm()
    form.officer.choices = _officer_choices() if editable else []
    return _form_page(form, "note", "emergency/duty_day.html",
                      lambda: readiness.set_duty(current_user, on, form.to_input(),
                                                 version_of(form)),
                      _("Duty roster saved."),
                      lambda d: url_for("emergency.duty", day=d.day.isoformat()),
                      day=on, entry=entry, editable=editable,
                      weekday=WEEKDAY_ZH[on.weekday()])


@bp.route("/duty/<day>/clear", methods=["POST"])
def duty_clear(day: str) -> Any:
    """Take the day off the roster."""
    _require_readiness()
    on = _duty_day(day)
    entry = readiness.duty_on(on)
    if entry is None:
        abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    submit(form, "csrf_token", lambda: readiness.clear_duty(current_user, entry))
    flash(_("The day was taken off the roster."), "success")
    return redirect(url_for("emergency.duty", day=on.isoformat()))


# -------------------------------------------------------------------------------- patrols


def _patrol_filters() -> readiness.PatrolFilters:
    args = request.args
    return readiness.PatrolFilters(
        q=_text_arg("q"), department=args.get("department", ""),
        hazards=args.get("hazards") == "1", since=parse_day(args.get("since")),
        until=parse_day(args.get("until")))


@bp.route("/patrols/")
def patrols() -> Any:
    """Patrol records (巡山护林), filtered and paginated, with the totals."""
    filters = _patrol_filters()
    stmt = readiness.patrol_query(filters)
    return render_template("emergency/patrols.html", page=paginate(stmt, _per_page()),
                           totals=readiness.patrol_totals(stmt), filters=filters,
                           departments=served_departments(NAME), **_labels())


@bp.route("/patrols.xlsx")
def patrols_export() -> Any:
    """The filtered patrols in Excel."""
    stmt = readiness.patrol_query(_patrol_filters())

    def rows() -> Iterator[list[Any]]:
        for p in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield [p.patrolled_on, p.route, p.members, p.hazards_found, p.findings, p.lat,
                   p.lng, p.department.name_zh]

    return xlsx_response("巡山护林记录", PATROL_HEADERS, rows(), "patrols.xlsx")


def _patrol(patrol_id: int) -> Patrol:
    found = readiness.get_patrol(patrol_id)
    if found is None:
        abort(404)
    return found


@bp.route("/patrols/new", methods=["GET", "POST"])
def patrol_new() -> Any:
    """Record a patrol of one's department."""
    if not access.can(current_user, services.RECORD_PATROL):
        abort(403)
    form = PatrolForm(data={"patrolled_on": readiness.today()}) if (
        request.method == "GET") else PatrolForm()
    return _form_page(form, "findings", "emergency/patrol_form.html",
                      lambda: readiness.record_patrol(current_user, form.to_input()),
                      _("Patrol recorded."),
                      lambda p: url_for("emergency.patrol_detail", patrol_id=p.id),
                      patrol=None)


@bp.route("/patrols/<int:patrol_id>")
def patrol_detail(patrol_id: int) -> Any:
    """One patrol."""
    patrol = _patrol(patrol_id)
    return render_template("emergency/patrol_detail.html", patrol=patrol,
                           may_edit=access.can(current_user, services.RECORD_PATROL, patrol),
                           **_labels())


@bp.route("/patrols/<int:patrol_id>/edit", methods=["GET", "POST"])
def patrol_edit(patrol_id: int) -> Any:
    """Correct a patrol of one's department (409 when stale)."""
    patrol = _patrol(patrol_id)
    if not access.can(current_user, services.RECORD_PATROL, patrol):
        abort(403)
    form = PatrolForm(obj=patrol) if request.method == "GET" else PatrolForm()
    return _form_page(form, "findings", "emergency/patrol_form.html",
                      lambda: readiness.update_patrol(current_user, patrol, form.to_input(),
                                                      version_of(form)),
                      _("Patrol saved."),
                      lambda p: url_for("emergency.patrol_detail", patrol_id=p.id),
                      patrol=patrol)
