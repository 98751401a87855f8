"""Public tip pages and the office's tip handling.

Public (no sign-in, marked :func:`core.access.public`): ``/tips/new`` sends a tip and shows
its tracking code; ``/tips/status`` shows a code's state and nothing else. Both forms carry a
CSRF token (Flask-WTF, like the login form), both POSTs are rate limited per client
(``core.tips.limits``), and neither page records anything about the visitor.

Staff (signed in, business roles of the office and the departments): the list, its export,
the detail page and its actions, and the rewards. The rules are in ``core.tips.services``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core import access
from core.app import kernel, limiter
from core.attachments import storage
from core.cases.views import offence_choices
from core.db import db, paginate
from core.departments.services import active_departments
from core.errors import InputError
from core.exports import xlsx_response
from core.forms import field_errors, post_step, select_choices, submit
from core.tips import limits, services as service
from core.tips.models import TIP_STATES, Reward, Tip

bp = Blueprint("tips", __name__, url_prefix="/tips")

STATE_LABELS = {"received": _l("Received"), "handling": _l("Being handled"),
                "closed": _l("Closed")}
STATE_BADGES = {"received": "text-bg-primary", "handling": "text-bg-warning",
                "closed": "text-bg-secondary"}
STATE_ZH = {"received": "已接收", "handling": "处理中", "closed": "已办结"}
REWARD_STATE_LABELS = {"recorded": _l("Awaiting approval"), "approved": _l("Approved, unpaid"),
                       "paid": _l("Paid")}
CASE_KIND_LABELS = {"case": _l("Case"), "lead": _l("Lead")}
TRIAGE_ZH = "林长办（待分办）"
#: The tip register as the office keeps it. Never the tipster's contact.
EXPORT_HEADERS = ["编号", "跟踪码", "举报时间", "类别", "地点", "内容", "处理部门", "状态",
                  "关联案件"]


# ------------------------------------------------------------------------------ guards


@bp.before_request
def _staff_pages_for_departments() -> None:
    """Public pages serve anyone; the rest serve the office and the departments (system
    roles, villages and the township government get 403). Sign-in itself is enforced by
    the app's ``before_request`` already."""
    view = current_app.view_functions.get(request.endpoint or "")
    if access.is_public(view) or not current_user.is_authenticated:
        return
    if (current_user.role not in access.BUSINESS_ROLES
            or current_user.department.kind not in ("office", "department")):
        abort(403)


@bp.after_request
def _never_cache_public_pages(response: Any) -> Any:
    """Public pages show tracking codes: no browser or proxy keeps a copy. (Signed-in
    pages get ``no-store`` from the app already.)"""
    if access.is_public(current_app.view_functions.get(request.endpoint or "")):
        response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------------------- forms


class TipForm(FlaskForm):
    category = SelectField(_l("What kind of offence?"), validators=[DataRequired()])
    place_name = StringField(_l("Where"), validators=[Length(max=200)],
                             description=_l("Village, hill, road or landmark."))
    lat = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lng = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    description = TextAreaField(_l("What did you see?"),
                                validators=[DataRequired(), Length(max=20_000)])
    photos = MultipleFileField(_l("Photos"))
    anonymous = BooleanField(_l("Stay anonymous"), default=True)
    contact_name = StringField(_l("Your name"), validators=[Length(max=100)])
    contact_phone = StringField(_l("Your phone number"), validators=[Length(max=40)])
    #: One random key per form: sending it twice (double click, reload) makes one tip.
    idempotency_key = HiddenField()


class StatusForm(FlaskForm):
    code = StringField(_l("Tracking code"), validators=[DataRequired(), Length(max=40)])


class RouteForm(FlaskForm):
    department = SelectField(_l("Send to"), validate_choice=False)


class EmptyForm(FlaskForm):
    pass


class CaseFromTipForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: select_choices(CASE_KIND_LABELS.items()))
    title = StringField(_l("Title"), validators=[Length(max=200)])
    offence_type = SelectField(_l("Offence type"), validators=[DataRequired()])


class LinkCaseForm(FlaskForm):
    case_id = IntegerField(_l("Case number"),
                           validators=[DataRequired(), NumberRange(1, 2**31 - 1)])


class CloseForm(FlaskForm):
    reply = TextAreaField(_l("Reply note"), validators=[DataRequired(), Length(max=20_000)])


class RewardForm(FlaskForm):
    amount = StringField(_l("Amount (yuan)"), validators=[DataRequired(), Length(max=20)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5_000)])


class PaidForm(FlaskForm):
    paid_on = DateField(_l("Paid on"), validators=[DataRequired()])


# ------------------------------------------------------------------------------ public


def _no_store(body: Any, status: int = 200) -> Any:
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _contact_problems(form: TipForm) -> bool:
    """Whether the anonymous choice and the contact fields agree (if not, the form says so)."""
    given = bool((form.contact_name.data or "").strip() or (form.contact_phone.data or "")
                 .strip())
    if form.anonymous.data and given:
        form.contact_name.errors = [*form.contact_name.errors, _(
            "You chose to stay anonymous: clear your name and phone number, or untick "
            "\"Stay anonymous\".")]
        return False
    if not form.anonymous.data and not given:
        form.contact_name.errors = [*form.contact_name.errors, _(
            "Leave a name or a phone number, or stay anonymous.")]
        return False
    return True


@bp.route("/new", methods=["GET", "POST"])
@access.public
@limiter.shared_limit(limits.tip_limit, scope=limits.SUBMIT_SCOPE, key_func=limits.client_key,
                      methods=["POST"])
def new() -> Any:
    """Send a tip to the forest-chief office, anonymously or with a contact (no sign-in)."""
    form = TipForm()
    form.category.choices = select_choices(service.category_choices())
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(24)
    valid = form.validate_on_submit()
    consistent = _contact_problems(form) if form.is_submitted() else True
    if valid and consistent:
        key = form.idempotency_key.data
        data = service.TipInput(
            category=form.category.data, description=form.description.data or "",
            place_name=form.place_name.data or "", lat=form.lat.data, lng=form.lng.data,
            contact_name="" if form.anonymous.data else (form.contact_name.data or ""),
            contact_phone="" if form.anonymous.data else (form.contact_phone.data or ""))
        try:
            tip, _created = service.receive_tip(
                data, key if service.valid_key(key) else None,
                storage.uploads_from(form.photos.data))
        except InputError as exc:
            field_errors(form, exc, "description")
        except storage.UploadError as exc:
            form.photos.errors = [*form.photos.errors, str(exc)]
        except service.IdempotencyConflict:
            form.description.errors = [*form.description.errors, _(
                "This form was already sent with different content. Reload the page to "
                "send another tip.")]
        else:
            return _no_store(render_template("tips/received.html",
                                             code=service.format_code(tip.code)))
    status = 400 if form.errors else 200
    return _no_store(render_template("tips/new.html", form=form,
                                     max_photos=service.MAX_PHOTOS), status)


@bp.route("/status", methods=["GET", "POST"])
@access.public
@limiter.shared_limit(limits.lookup_limit, scope=limits.LOOKUP_SCOPE,
                      key_func=limits.client_key, methods=["POST"])
def status() -> Any:
    """Look a tracking code up: the tip's state only (received, being handled, closed)."""
    form = StatusForm()
    state = None
    code = 200
    if form.validate_on_submit():
        state = service.public_status(form.code.data)
        if state is None:
            form.code.errors = [*form.code.errors, _("No tip has this tracking code.")]
            code = 404
    elif form.errors:
        code = 400
    return _no_store(render_template("tips/status.html", form=form, state=state,
                                     states=STATE_LABELS, badges=STATE_BADGES), code)


# ------------------------------------------------------------------------------- staff


def _labels() -> dict[str, Any]:
    return {"states": STATE_LABELS, "badges": STATE_BADGES,
            "reward_states": REWARD_STATE_LABELS, "category_label": service.category_label,
            "format_code": service.format_code}


def _visible(tip_id: int) -> Tip:
    found = service.get_visible_tip(current_user, tip_id)
    if found is None:
        abort(404)
    return found


def _filters() -> service.TipFilters:
    args = request.args
    return service.TipFilters(
        state=args.get("state", "") if args.get("state") in TIP_STATES else "",
        category=args.get("category", ""), department=args.get("department", ""),
        q=args.get("q", "").strip()[:200])


def _departments() -> list[Any]:
    return [d for d in active_departments() if d.kind == "department"]


@bp.route("/")
def index() -> Any:
    """Tips: every tip for the office (its triage queue first in the filters), a
    department's own for a department. Never the tipster's contact."""
    filters = _filters()
    page = paginate(service.tip_query(current_user, filters),
                    per_page=kernel().settings["ui"]["per_page"])
    office = service.is_tip_handler(current_user)
    department_options = [("triage", _("Office triage queue"))] if office else []
    department_options += [(d.code, d.name(str(get_locale()))) for d in _departments()]
    return render_template("tips/index.html", page=page, filters=filters,
                           categories=service.category_choices(),
                           department_options=department_options, office=office,
                           counts=service.state_counts(current_user), **_labels())


@bp.route("/export.xlsx")
def export() -> Any:
    """The filtered tips in Excel with the register's Chinese headers — never the contact."""
    stmt = service.tip_query(current_user, _filters())

    def rows() -> Any:
        for tip in db.session.scalars(stmt.execution_options(yield_per=500)):
            place = tip.place_name
            if tip.lat is not None:
                place = f"{place} ({tip.lat:.5f}, {tip.lng:.5f})".strip()
            yield [tip.id, service.format_code(tip.code), tip.received_at,
                   service.category_zh(tip.category), place, tip.description,
                   tip.department.name_zh if tip.department else TRIAGE_ZH,
                   STATE_ZH[tip.state], tip.case_id]

    return xlsx_response("举报线索", EXPORT_HEADERS, rows(), "tips.xlsx")


def _route_form() -> RouteForm:
    form = RouteForm(prefix="route")
    form.department.choices = select_choices(
        [("", _("Office triage queue"))]
        + [(d.code, d.name(str(get_locale()))) for d in _departments()])
    return form


def _case_form(tip: Tip) -> CaseFromTipForm:
    form = CaseFromTipForm(prefix="case")
    form.offence_type.choices = select_choices(offence_choices())
    if not form.is_submitted():
        form.title.data = service.default_case_title(tip)
        if tip.category in dict(offence_choices()):
            form.offence_type.data = tip.category
    return form


def _render(tip: Tip, status: int = 200, **forms: Any) -> Any:
    user = current_user
    reward = service.reward_of(tip)
    defaults = {"route_form": _route_form(), "case_form": _case_form(tip),
                "link_form": LinkCaseForm(prefix="link"), "close_form": CloseForm(prefix="close"),
                "reward_form": RewardForm(prefix="reward"), "action_form": EmptyForm()}
    defaults.update(forms)
    return render_template(
        "tips/detail.html", tip=tip, photos=service.photos_of(tip), reward=reward,
        contact=service.contact_for(user, tip),
        may_see_contact=service.may_see_contact(user),
        may_route=service.may_route(user) and tip.state != "closed" and tip.case_id is None,
        may_handle=service.may_handle_tip(user, tip),
        may_close=service.may_close_tip(user, tip),
        may_reward=service.may_manage_rewards(user) and tip.case_id is not None
        and reward is None,
        **defaults, **_labels()), status


@bp.route("/<int:tip_id>")
def detail(tip_id: int) -> Any:
    """One tip: what was reported, its photos, where it is routed; the contact for the
    office's tip handlers only."""
    return _render(_visible(tip_id))


def _step(tip_id: int, form_name: str, form: FlaskForm, act: Callable[[Tip], Any],
          done: str, fallback: str) -> Any:
    tip = _visible(tip_id)
    return post_step(form, fallback, lambda: act(tip), done,
                     url_for("tips.detail", tip_id=tip_id),
                     lambda status: _render(_visible(tip_id), status=status,
                                            **{form_name: form}))


@bp.route("/<int:tip_id>/route", methods=["POST"])
def route(tip_id: int) -> Any:
    """The office sends the tip to another department, or back to its triage queue."""
    form = _route_form()
    return _step(tip_id, "route_form", form,
                 lambda t: service.reroute(current_user, t, form.department.data or None),
                 _("Re-routed; the department was told."), "department")


@bp.route("/<int:tip_id>/take", methods=["POST"])
def take(tip_id: int) -> Any:
    """The handling department takes the tip on."""
    return _step(tip_id, "action_form", EmptyForm(),
                 lambda t: service.take(current_user, t), _("You are handling this tip."),
                 "csrf_token")


@bp.route("/<int:tip_id>/case", methods=["POST"])
def to_case(tip_id: int) -> Any:
    """The handling department turns the tip into a case or lead."""
    form = _case_form(_visible(tip_id))

    def open_(tip: Tip) -> Any:
        return service.open_case_from_tip(current_user, tip, form.title.data or "",
                                          form.offence_type.data, form.kind.data)

    return _step(tip_id, "case_form", form, open_, _("The case was opened from the tip."),
                 "title")


@bp.route("/<int:tip_id>/link", methods=["POST"])
def link(tip_id: int) -> Any:
    """The handling department links the tip to a case it already has."""
    form = LinkCaseForm(prefix="link")
    return _step(tip_id, "link_form", form,
                 lambda t: service.link_case(current_user, t, form.case_id.data),
                 _("The tip is linked to the case."), "case_id")


@bp.route("/<int:tip_id>/close", methods=["POST"])
def close(tip_id: int) -> Any:
    """Close the tip with a reply note."""
    form = CloseForm(prefix="close")
    return _step(tip_id, "close_form", form,
                 lambda t: service.close(current_user, t, form.reply.data or ""),
                 _("The tip is closed."), "reply")


@bp.route("/<int:tip_id>/reward", methods=["POST"])
def reward(tip_id: int) -> Any:
    """The office records a reward for a tip that led to a case."""
    form = RewardForm(prefix="reward")
    return _step(tip_id, "reward_form", form,
                 lambda t: service.record_reward(current_user, t,
                                                 service.parse_amount(form.amount.data),
                                                 form.reason.data or ""),
                 _("Reward recorded; the office's leaders are asked to approve it."),
                 "amount")


@bp.route("/<int:tip_id>/photos/<int:photo_id>")
def photo(tip_id: int, photo_id: int) -> Any:
    """A photo of a tip you may see (checked on every request)."""
    found = service.find_photo(_visible(tip_id), photo_id)
    if found is None:
        abort(404)
    return storage.send(found)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- rewards


def _rewards_page(status: int = 200, forms: dict[int, PaidForm] | None = None) -> Any:
    state = request.args.get("state", "")
    page = paginate(service.reward_query(current_user, state),
                    per_page=kernel().settings["ui"]["per_page"])
    paid_forms = {r.id: PaidForm(prefix=f"paid{r.id}") for r in page.items}
    paid_forms.update(forms or {})
    return render_template("tips/rewards.html", page=page, state=state,
                           paid_forms=paid_forms, action_form=EmptyForm(),
                           may_approve=lambda r: service.may_approve_reward(current_user, r),
                           may_pay=service.may_manage_rewards(current_user),
                           **_labels()), status


def _office_only() -> None:
    if not service.may_manage_rewards(current_user):
        abort(403)


def _reward(reward_id: int) -> Reward:
    found = service.get_visible_reward(current_user, reward_id)
    if found is None:
        abort(404)
    return found


@bp.route("/rewards")
def rewards() -> Any:
    """Rewards for tips: recorded, approved by a leader of the office, paid (office only)."""
    _office_only()
    return _rewards_page()


@bp.route("/rewards/<int:reward_id>/approve", methods=["POST"])
def approve(reward_id: int) -> Any:
    """A leader of the office approves a recorded reward."""
    _office_only()
    form = EmptyForm()
    if form.validate_on_submit():
        outcome = submit(form, "csrf_token",
                         lambda: service.approve_reward(current_user, _reward(reward_id)))
        if outcome.ok:
            flash(_("Reward approved."), "success")
            return redirect(url_for("tips.rewards"))
        flash(" ".join(str(e) for e in form.csrf_token.errors), "warning")
        return _rewards_page(outcome.status)
    return _rewards_page(400)


@bp.route("/rewards/<int:reward_id>/paid", methods=["POST"])
def paid(reward_id: int) -> Any:
    """The office records the day an approved reward was paid."""
    _office_only()
    form = PaidForm(prefix=f"paid{reward_id}")
    if form.validate_on_submit():
        outcome = submit(form, "paid_on",
                         lambda: service.mark_paid(current_user, _reward(reward_id),
                                                   form.paid_on.data))
        if outcome.ok:
            flash(_("Payment recorded."), "success")
            return redirect(url_for("tips.rewards"))
        return _rewards_page(outcome.status, {reward_id: form})
    return _rewards_page(400, {reward_id: form})

