"""Pages for assessments (考评): the list, the form that opens one, the assessment's page with
its ranking and the forms for the steps allowed (self-check, refresh, evaluation,
recommendation, moving on), and the Excel export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.access import business_only
from core.app import kernel
from core.assessments import services as service
from core.assessments.export import export_response
from core.assessments.models import (
    ASSESSMENT_STATES,
    DEFAULT_WEIGHTS,
    INDICATORS,
    Assessment,
)
from core.db import db, paginate
from core.forms import post_step, select_choices, submit

bp = business_only(Blueprint("assessments", __name__, url_prefix="/assessments"))


def _labels() -> dict[str, Any]:
    return {
        "states": {"self_check": _l("Self-check"), "evaluation": _l("Evaluation"),
                   "published": _l("Result published")},
        "indicator_labels": {"reports": _l("On-time reports"),
                             "ledger": _l("Ledger completeness"),
                             "rectifications": _l("Rectifications closed on time"),
                             "liaison": _l("Liaison score")},
        "indicators": INDICATORS,
    }


class AssessmentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    period_start = DateField(_l("Period from"), validators=[DataRequired()])
    period_end = DateField(_l("Period until"), validators=[DataRequired()])
    campaign = SelectField(_l("Campaign (optional: its departments are assessed)"),
                           validators=[Optional()])
    weight_reports = IntegerField(_l("Weight: on-time reports"),
                                  default=DEFAULT_WEIGHTS["reports"],
                                  validators=[InputRequired(), NumberRange(0, 100)])
    weight_ledger = IntegerField(_l("Weight: ledger completeness"),
                                 default=DEFAULT_WEIGHTS["ledger"],
                                 validators=[InputRequired(), NumberRange(0, 100)])
    weight_rectifications = IntegerField(_l("Weight: rectifications closed on time"),
                                         default=DEFAULT_WEIGHTS["rectifications"],
                                         validators=[InputRequired(), NumberRange(0, 100)])
    weight_liaison = IntegerField(_l("Weight: liaison score"),
                                  default=DEFAULT_WEIGHTS["liaison"],
                                  validators=[InputRequired(), NumberRange(0, 100)])


class SelfCheckForm(FlaskForm):
    score = DecimalField(_l("Self-check score (0-100)"), places=1,
                         validators=[InputRequired(), NumberRange(0, 100)])
    text = TextAreaField(_l("How the self-check was done and what it found"),
                         validators=[DataRequired(), Length(max=service.MAX_TEXT)])


class EvaluateForm(FlaskForm):
    department = SelectField(_l("Department"), validators=[DataRequired()])
    score = DecimalField(_l("Evaluation score (0-100)"), places=1,
                         validators=[InputRequired(), NumberRange(0, 100)])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=service.MAX_TEXT)])


class RecommendForm(FlaskForm):
    department = HiddenField(validators=[DataRequired()])
    recommended = HiddenField(default="1")


class AdvanceForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])


class RefreshForm(FlaskForm):
    """Only the CSRF token: recompute the indicators."""


def _campaign_choices() -> list[Any]:
    from core.campaigns.services import campaign_query

    campaigns = db.session.scalars(campaign_query(current_user).limit(200))
    return select_choices([("", _l("None: every department")),
                           *((str(c.id), c.title) for c in campaigns)])


@bp.route("/")
def index() -> Any:
    """The assessments the user sees, newest period first, filtered by state."""
    state = request.args.get("state", "")
    state = state if state in ASSESSMENT_STATES else ""
    stmt = service.assessment_query(current_user, state).options(
        selectinload(Assessment.campaign))
    page = paginate(stmt, per_page=kernel().settings["ui"]["per_page"])
    return render_template("assessments/index.html", page=page, state=state,
                           may_create=service.may_create(current_user), **_labels())


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    """The office opens an assessment."""
    if not service.may_create(current_user):
        abort(403)
    form = AssessmentForm()
    form.campaign.choices = _campaign_choices()

    def open_it() -> Assessment:
        raw = form.campaign.data
        return service.create(current_user, service.AssessmentInput(
            title=form.title.data or "", period_start=form.period_start.data,
            period_end=form.period_end.data,
            campaign_id=int(raw) if raw and raw.isdigit() else None,
            weights={key: getattr(form, f"weight_{key}").data for key in INDICATORS}))

    if form.validate_on_submit():
        done = submit(form, "weight_reports", open_it)
        if done.ok:
            flash(_("Assessment opened; each department has been asked for its self-check."),
                  "success")
            return redirect(url_for("assessments.detail", assessment_id=done.value.id))
    return render_template("assessments/form.html", form=form), 400 if form.errors else 200


def _visible(assessment_id: int) -> Assessment:
    assessment = service.get_visible_assessment(current_user, assessment_id)
    if assessment is None:
        abort(404)
    return assessment


def _evaluate_choices(assessment: Assessment) -> list[Any]:
    return select_choices((e.department.code, e.department.name_zh)
                          for e in sorted(assessment.entries,
                                          key=lambda e: e.department.position))


def _render(assessment: Assessment, status: int = 200, **forms: Any) -> Any:
    own = service.own_entry(current_user, assessment)
    defaults: dict[str, Any] = {
        "self_form": SelfCheckForm(prefix="self", formdata=None,
                                   score=own.self_score if own else None,
                                   text=own.self_text if own else ""),
        "evaluate_form": EvaluateForm(prefix="evaluate", formdata=None),
        "recommend_form": RecommendForm(prefix="recommend", formdata=None),
        "advance_form": AdvanceForm(prefix="advance", formdata=None,
                                    to=service.NEXT_STATE.get(assessment.state, "")),
        "refresh_form": RefreshForm(prefix="refresh", formdata=None),
    }
    defaults.update(forms)
    evaluate_form = defaults["evaluate_form"]
    evaluate_form.department.choices = _evaluate_choices(assessment)
    wanted = request.args.get("department")
    if wanted and not evaluate_form.department.data:
        evaluate_form.department.data = wanted
    return render_template(
        "assessments/detail.html", assessment=assessment,
        rows=service.visible_ranking(current_user, assessment), own=own,
        counts=service.counts(assessment), next_state=service.NEXT_STATE.get(assessment.state),
        is_office=service.may_create(current_user),
        may_self_check=service.may_self_check(current_user, assessment),
        may_refresh=service.may_refresh(current_user, assessment),
        may_advance=service.may_advance(current_user, assessment),
        may_evaluate=service.may_evaluate(current_user, assessment),
        **defaults, **_labels()), status


@bp.route("/<int:assessment_id>")
def detail(assessment_id: int) -> Any:
    """The assessment: the ranking with the indicators and the forms for the allowed steps."""
    return _render(_visible(assessment_id))


@bp.route("/<int:assessment_id>/export.xlsx")
def export(assessment_id: int) -> Any:
    """The ranking as an Excel sheet (as far as the user may see it)."""
    return export_response(current_user, _visible(assessment_id))


def _step(assessment_id: int, form_name: str, form: FlaskForm,
          act: Callable[[Assessment], Any], done: str, fallback: str) -> Any:
    """One step from a posted form, committed once; errors re-render the page with them."""
    assessment = _visible(assessment_id)
    return post_step(form, fallback, lambda: act(assessment), done,
                     url_for("assessments.detail", assessment_id=assessment_id),
                     lambda status: _render(_visible(assessment_id), status=status,
                                            **{form_name: form}),
                     conflict=_("The assessment has moved on, or someone else acted first; "
                                "nothing was overwritten. Reload to see it."))


@bp.route("/<int:assessment_id>/self-check", methods=["POST"])
def self_check(assessment_id: int) -> Any:
    """The department's leader or liaison records its self-check."""
    form = SelfCheckForm(prefix="self")
    return _step(assessment_id, "self_form", form, lambda a: service.self_check(
        current_user, a, form.score.data, form.text.data or ""),
        _("Self-check recorded."), "text")


@bp.route("/<int:assessment_id>/refresh", methods=["POST"])
def refresh(assessment_id: int) -> Any:
    """The office recomputes the indicators."""
    form = RefreshForm(prefix="refresh")
    assessment = _visible(assessment_id)
    if not form.validate_on_submit():
        abort(400)
    outcome = submit(form, "csrf_token", lambda: service.refresh(current_user, assessment))
    if outcome.ok:
        flash(_("Indicators recomputed from the records as they stand."), "success")
    else:
        flash(_("The result is published; its indicators no longer change."), "warning")
    return redirect(url_for("assessments.detail", assessment_id=assessment_id))


@bp.route("/<int:assessment_id>/evaluate", methods=["POST"])
def evaluate(assessment_id: int) -> Any:
    """The office's evaluation of one department."""
    form = EvaluateForm(prefix="evaluate")
    form.department.choices = _evaluate_choices(_visible(assessment_id))
    return _step(assessment_id, "evaluate_form", form, lambda a: service.evaluate(
        current_user, a, form.department.data, form.score.data, form.comment.data or ""),
        _("Evaluation recorded."), "score")


@bp.route("/<int:assessment_id>/recommend", methods=["POST"])
def recommend(assessment_id: int) -> Any:
    """The office marks a department recommended, or takes the mark back."""
    form = RecommendForm(prefix="recommend")
    wanted = form.recommended.data != "0"
    return _step(assessment_id, "recommend_form", form, lambda a: service.recommend(
        current_user, a, form.department.data or "", wanted),
        _("Recommended.") if wanted else _("Recommendation withdrawn."), "department")


@bp.route("/<int:assessment_id>/advance", methods=["POST"])
def advance(assessment_id: int) -> Any:
    """The office moves the assessment on (evaluation, then published)."""
    form = AdvanceForm(prefix="advance")
    target = form.to.data
    messages = {"evaluation": _("Self-check closed: the office's evaluation has started."),
                "published": _("Result published; the departments have been told.")}
    return _step(assessment_id, "advance_form", form, lambda a: service.advance(
        current_user, a, target or None), messages.get(target or "", _("Done.")), "to")

