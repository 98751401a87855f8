"""Pages for meeting proposals: the list, the form to propose, a proposal's page where the
conveners' leaders approve or decline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from core.access import business_only
from core.app import kernel
from core.db import paginate
from core.forms import local_to_utc, post_step, select_choices, submit
from core.meetings import bodies, services as service
from core.meetings.forms import ApproveForm, DeclineForm, ProposalForm
from core.meetings.models import PROPOSAL_STATES, MeetingProposal
from core.meetings.views import labels

bp = business_only(Blueprint("meeting_proposals", __name__, url_prefix="/meetings/proposals"))


@bp.route("/")
def index() -> Any:
    """The proposals the user sees, pending first."""
    state = request.args.get("state", "")
    filters = service.ProposalFilters(state=state if state in PROPOSAL_STATES else "",
                                      body=request.args.get("body", ""))
    page = paginate(service.proposal_query(current_user, filters),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template("meetings/proposals.html", page=page, filters=filters,
                           bodies=bodies.all_bodies(),
                           may_propose=bool(service.proposable_bodies(current_user)),
                           **labels())


def _choices(form: ProposalForm, choices: list[Any]) -> None:
    locale = str(get_locale())
    form.body.choices = select_choices((str(b.id), b.name(locale)) for b in choices)
    form.kind.choices = select_choices(labels()["kinds"].items())
    members = {d.department.code: d.department for b in choices for d in b.members}
    department_choices = select_choices((c, d.name(locale)) for c, d in members.items())
    form.lead.choices = department_choices
    form.departments.choices = department_choices


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    """A member department proposes a meeting of one of its bodies."""
    choices = service.proposable_bodies(current_user)
    if not choices:
        abort(403)
    form = ProposalForm()
    _choices(form, choices)
    if request.method == "GET" and request.args.get("body"):
        form.body.data = request.args["body"]
    if form.validate_on_submit():
        body = next((b for b in choices if str(b.id) == form.body.data), choices[0])
        data = service.ProposalInput(
            body=body, topic=form.topic.data or "", starts_at=local_to_utc(form.starts_at.data),
            lead=form.lead.data or "", reasons=form.reasons.data or "",
            place=form.place.data or "", kind=form.kind.data or "",
            departments=tuple(form.departments.data or ()))
        done = submit(form, "topic", lambda: service.propose(current_user, data))
        if done.ok:
            flash(_("Proposed; the conveners' leaders have been asked."), "success")
            return redirect(url_for("meeting_proposals.detail", proposal_id=done.value.id))
    return render_template("meetings/proposal_form.html", form=form), (
        400 if form.errors else 200)


def _visible(proposal_id: int) -> MeetingProposal:
    proposal = service.get_visible_proposal(current_user, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def _render(proposal: MeetingProposal, status: int = 200, **forms: Any) -> Any:
    defaults: dict[str, FlaskForm] = {"approve_form": ApproveForm(prefix="approve"),
                                      "decline_form": DeclineForm(prefix="decline")}
    defaults.update(forms)
    answered = {a.department_id: a for a in proposal.approvals}
    conveners = [m.department for m in proposal.body.members if m.convener]
    invited = [m.department for m in proposal.body.members
               if m.department_id in set(proposal.department_ids)]
    return render_template(
        "meetings/proposal.html", proposal=proposal, answered=answered,
        conveners=conveners, invited=invited, meeting=service.meeting_of(proposal),
        may_answer=service.may_answer(current_user, proposal), **defaults,
        **labels()), status


@bp.route("/<int:proposal_id>")
def detail(proposal_id: int) -> Any:
    """One proposal with each convener's answer."""
    return _render(_visible(proposal_id))


def _step(proposal_id: int, form_name: str, form: FlaskForm,
          act: Callable[[MeetingProposal], Any], done: str, fallback: str) -> Any:
    proposal = _visible(proposal_id)
    return post_step(form, fallback, lambda: act(proposal), done,
                     url_for("meeting_proposals.detail", proposal_id=proposal_id),
                     lambda status: _render(_visible(proposal_id), status=status,
                                            **{form_name: form}),
                     conflict=_("Your department has answered already, or the proposal was "
                                "decided; nothing was overwritten."))


@bp.route("/<int:proposal_id>/approve", methods=["POST"])
def approve(proposal_id: int) -> Any:
    """A convener's leader approves; the last approval convenes the meeting."""
    form = ApproveForm(prefix="approve")
    return _step(proposal_id, "approve_form", form,
                 lambda p: service.approve(current_user, p), _("Approved."), "csrf_token")


@bp.route("/<int:proposal_id>/decline", methods=["POST"])
def decline(proposal_id: int) -> Any:
    """A convener's leader declines with a reason."""
    form = DeclineForm(prefix="decline")
    return _step(proposal_id, "decline_form", form, lambda p: service.decline(
        current_user, p, form.reason.data or ""), _("Declined; the proposer has been told."),
        "reason")
