"""Pages for meetings: the list (with its Excel register), a meeting's page with its
invitations, agenda, attendance, duty reports, minutes and resolutions, and their steps;
the resolutions list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from core.access import business_only
from core.app import kernel
from core.attachments import storage
from core.db import db, paginate, utcnow
from core.departments.services import active_departments
from core.exports import xlsx_response
from core.forms import local_to_utc, post_step, save_uploads, select_choices
from core.meetings import (
    bodies,
    minutes as minutes_service,
    reports,
    resolutions as resolution_service,
    services as service,
)
from core.meetings.forms import (
    AgendaForm,
    DutyReportForm,
    HeldForm,
    InviteForm,
    MinutesForm,
    ResolutionForm,
    SignForm,
)
from core.meetings.models import KIND_ZH, MEETING_STATE_ZH, Meeting
from core.tasks.models import TASK_STATE_ZH
from core.timeutil import due_by, site_zone

bp = business_only(Blueprint("meetings", __name__, url_prefix="/meetings"))

#: The meetings register's columns (会议登记台账).
EXPORT_HEADERS = ["编号", "联席会议", "会议名称", "类型", "牵头单位", "会议时间", "地点",
                  "状态", "召开时间", "纪要期限", "纪要状态", "纪要是否逾期"]
#: The resolutions ledger's columns (议定事项落实台账).
RESOLUTION_HEADERS = ["编号", "联席会议", "会议名称", "议定事项", "承办单位", "办理期限",
                      "进度(%)", "办理状态", "是否逾期"]
CONFLICT = _l("Someone else acted on this meeting first; nothing was overwritten.")


def labels() -> dict[str, Any]:
    """The words the meetings' pages show for states and kinds."""
    return {
        "kinds": {"regular": _l("Regular"), "ad_hoc": _l("Ad hoc")},
        "meeting_states": {"scheduled": _l("Scheduled"), "held": _l("Held"),
                           "minutes_signed": _l("Minutes signed"),
                           "minutes_overdue": _l("Minutes overdue")},
        "proposal_states": {"pending": _l("Awaiting approval"), "approved": _l("Approved"),
                            "declined": _l("Declined")},
        "task_states": {"open": _l("In progress"), "completion_reported": _l("To verify"),
                        "closed": _l("Done"), "overdue": _l("Overdue")},
        "rhythm_states": {"scheduled": _l("Scheduled"), "missed": _l("Missed"),
                          "due": _l("Due")},
    }


def _locale() -> str:
    return str(get_locale())


def _department_choices(ids: set[int] | None = None, kinds: tuple[str, ...] = (
        "office", "department")) -> list[Any]:
    locale = _locale()
    return select_choices((d.code, d.name(locale)) for d in active_departments()
                          if (ids is None or d.id in ids) and d.kind in kinds)


# ------------------------------------------------------------------------------ list


def _filters() -> service.MeetingFilters:
    args = request.args
    state = args.get("state", "")
    return service.MeetingFilters(
        state=state if state in service.FILTER_STATES else "", body=args.get("body", ""),
        kind=args.get("kind", ""), q=args.get("q", "").strip())


@bp.route("/")
def index() -> Any:
    """The meetings the user sees: overdue minutes first, then the most recent."""
    filters = _filters()
    now = utcnow()
    page = paginate(service.meeting_query(current_user, filters, now),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template("meetings/index.html", page=page, filters=filters, now=now,
                           bodies=bodies.all_bodies(), **labels())


@bp.route("/export.xlsx")
def export() -> Any:
    """The filtered list as the meetings register in Excel."""
    stmt = service.meeting_query(current_user, _filters())
    now = utcnow()

    def rows() -> Any:
        for m in db.session.scalars(stmt.execution_options(yield_per=200)):
            yield [m.id, m.body.name_zh, m.title, KIND_ZH[m.kind], m.lead_department.name_zh,
                   m.starts_at, m.place, MEETING_STATE_ZH[m.state], m.held_at,
                   m.minutes_due_at, _minutes_zh(m.minutes),
                   "是" if m.minutes_overdue(now) else "否"]

    return xlsx_response("联席会议登记", EXPORT_HEADERS, rows(), "meetings.xlsx")


def _minutes_zh(minutes: Any) -> str:
    if minutes is None:
        return "未起草"
    return "已签发" if minutes.state == "signed" else "待签发"


# ---------------------------------------------------------------------- meeting page


def _visible(meeting_id: int) -> Meeting:
    meeting = service.get_visible_meeting(current_user, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _forms(meeting: Meeting) -> dict[str, FlaskForm]:
    """Every step's form, with its choices."""
    held = HeldForm(prefix="held")
    held.present.choices = [(i.id, _invitee(i)) for i in meeting.invitations]
    agenda = AgendaForm(prefix="agenda")
    agenda.owner.choices = _department_choices(meeting.department_ids)
    invite = InviteForm(prefix="invite")
    invite.department.choices = [("", "—"), *_department_choices()]
    resolution = ResolutionForm(prefix="resolution")
    decisions = meeting.minutes.decisions if meeting.minutes is not None else []
    resolution.decision_index.choices = list(enumerate(decisions))
    resolution.department.choices = _department_choices(kinds=("department",))
    sign = SignForm(prefix="sign")
    return {"held_form": held, "agenda_form": agenda, "invite_form": invite,
            "resolution_form": resolution, "sign_form": sign}


def _invitee(invitation: Any) -> str:
    if invitation.department is not None:
        return invitation.department.name(_locale())
    return invitation.user.display_name


def _render(meeting: Meeting, status: int = 200, **forms: Any) -> Any:
    user = current_user
    agenda = service.agenda_of(meeting)
    filed = reports.reports_of(meeting)
    context = {**_forms(meeting), **forms}
    if meeting.minutes is not None:  # signing is always of the revision shown
        context["sign_form"].revision.data = meeting.minutes.revision
    return render_template(
        "meetings/detail.html", meeting=meeting, now=utcnow(), agenda=agenda,
        papers=storage.attachments_of(service.AGENDA_OWNER, [a.id for a in agenda]),
        reports=filed, missing=reports.missing(meeting, filed),
        minutes=meeting.minutes, signers=minutes_service.signers(meeting),
        voided=minutes_service.voided(meeting.minutes),
        resolutions=resolution_service.resolutions_of(meeting),
        may_organise=service.may_organise(user, meeting),
        may_widen=service.may_widen(user, meeting),
        may_draft=minutes_service.may_draft(user, meeting),
        may_sign=minutes_service.may_sign(user, meeting, meeting.minutes),
        may_file=reports.may_file(user, meeting),
        may_resolve=resolution_service.may_resolve(user, meeting),
        documents=minutes_service.may_read_documents(meeting.minutes),
        **context, **labels()), status


@bp.route("/<int:meeting_id>")
def detail(meeting_id: int) -> Any:
    """One meeting with everything about it."""
    meeting = _visible(meeting_id)
    held = HeldForm(prefix="held")
    if meeting.state == "scheduled":
        held.held_at.data = meeting.starts_at.astimezone(site_zone()).replace(tzinfo=None)
    held.present.data = [i.id for i in meeting.invitations]
    held.present.choices = [(i.id, _invitee(i)) for i in meeting.invitations]
    return _render(meeting, held_form=held)


def _step(meeting_id: int, form_name: str, form: FlaskForm,
          act: Callable[[Meeting], Any], done: str, fallback: str) -> Any:
    """One step on a meeting from a posted form, committed once; errors re-render."""
    meeting = _visible(meeting_id)
    if form_name in ("held_form", "agenda_form", "invite_form", "resolution_form"):
        _choose(meeting, form_name, form)
    return post_step(form, fallback, lambda: act(meeting), done,
                     url_for("meetings.detail", meeting_id=meeting_id),
                     lambda status: _render(_visible(meeting_id), status=status,
                                            **{form_name: form}),
                     conflict=str(CONFLICT))


def _choose(meeting: Meeting, form_name: str, form: Any) -> None:
    """Give a posted form the same choices as the page's."""
    choices = _forms(meeting)[form_name]
    for name in ("present", "owner", "department", "decision_index"):
        if hasattr(form, name):
            getattr(form, name).choices = getattr(choices, name).choices


@bp.route("/<int:meeting_id>/held", methods=["POST"])
def held(meeting_id: int) -> Any:
    """An organiser records that the meeting was held, and who attended."""
    form = HeldForm(prefix="held")
    return _step(meeting_id, "held_form", form, lambda m: service.record_held(
        current_user, m, local_to_utc(form.held_at.data), set(form.present.data or [])),
        _("Recorded as held; the lead unit drafts the minutes within a week."), "held_at")


@bp.route("/<int:meeting_id>/agenda", methods=["POST"])
def agenda(meeting_id: int) -> Any:
    """An organiser adds an agenda item with its papers."""
    form = AgendaForm(prefix="agenda")

    def add(meeting: Meeting) -> Any:
        item = service.add_agenda_item(current_user, meeting, form.title.data or "",
                                       form.owner.data or "", form.notes.data or "")
        save_uploads(form.photos.data, service.AGENDA_OWNER, item.id)
        return item

    return _step(meeting_id, "agenda_form", form, add, _("Agenda item added."), "title")


@bp.route("/<int:meeting_id>/invite", methods=["POST"])
def invite(meeting_id: int) -> Any:
    """A convener's leader invites another department or a person."""
    form = InviteForm(prefix="invite")
    return _step(meeting_id, "invite_form", form, lambda m: service.invite(
        current_user, m, form.department.data or "", (form.username.data or "").strip()),
        _("Invited; they have been told."), "department")


@bp.route("/<int:meeting_id>/agenda/<int:item_id>/files/<int:attachment_id>")
def paper(meeting_id: int, item_id: int, attachment_id: int) -> Any:
    """An agenda item's paper, for those who see the meeting."""
    meeting = _visible(meeting_id)
    if item_id not in {a.id for a in service.agenda_of(meeting)}:
        abort(404)
    attachment = storage.find(service.AGENDA_OWNER, item_id, attachment_id)
    if attachment is None:
        abort(404)
    return storage.send(attachment)


# --------------------------------------------------------------------------- minutes


@bp.route("/<int:meeting_id>/minutes", methods=["GET", "POST"])
def minutes(meeting_id: int) -> Any:
    """The lead unit drafts or revises the minutes (a revision voids earlier signatures)."""
    meeting = _visible(meeting_id)
    if not minutes_service.may_draft(current_user, meeting):
        abort(403)
    form = MinutesForm()
    drafted = meeting.minutes
    if request.method == "GET" and drafted is not None:
        form.text.data, form.revision.data = drafted.text, drafted.revision
        form.decisions.data = "\n".join(drafted.decisions)

    def save() -> Any:
        revision = int(form.revision.data) if str(form.revision.data or "").isdigit() else None
        return minutes_service.save_minutes(current_user, meeting, form.text.data or "",
                                            (form.decisions.data or "").splitlines(), revision)

    if request.method == "POST":
        return post_step(form, "text", save, _("Minutes saved; the conveners are asked to "
                                                 "sign them."),
                         url_for("meetings.detail", meeting_id=meeting_id),
                         lambda status: (render_template(
                             "meetings/minutes_form.html", meeting=meeting, form=form,
                             signed=drafted is not None and bool(drafted.current_signatures())),
                             status),
                         conflict=_("The minutes changed since you opened them (or were "
                                    "signed); nothing was overwritten. Reload them."))
    return render_template("meetings/minutes_form.html", meeting=meeting, form=form,
                           signed=drafted is not None and bool(drafted.current_signatures()))


@bp.route("/<int:meeting_id>/minutes/sign", methods=["POST"])
def sign(meeting_id: int) -> Any:
    """A convener's leader signs the minutes, re-entering their password."""
    meeting = _visible(meeting_id)
    form = SignForm(prefix="sign")
    if form.validate_on_submit() and not minutes_service.password_confirmed(
            current_user, form.password.data or ""):
        db.session.commit()  # keep the failure count and its audit record
        form.password.errors = [_("That is not your password.")]
        return _render(meeting, status=403, sign_form=form)
    revision = int(form.revision.data) if str(form.revision.data or "").isdigit() else -1
    return _step(meeting_id, "sign_form", form, lambda m: minutes_service.sign(
        current_user, m, revision), _("Signed."), "password")


def _document(meeting_id: int, render: Callable[[Meeting], bytes], mimetype: str,
              extension: str) -> Response:
    meeting = _visible(meeting_id)
    if not minutes_service.may_read_documents(meeting.minutes):
        abort(404)
    response = Response(render(meeting), mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="minutes-{meeting.id}.{extension}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:meeting_id>/minutes.pdf")
def minutes_pdf(meeting_id: int) -> Any:
    """The signed minutes as a PDF (Chinese fonts embedded)."""
    return _document(meeting_id, minutes_service.pdf_bytes, "application/pdf", "pdf")


@bp.route("/<int:meeting_id>/minutes.docx")
def minutes_docx(meeting_id: int) -> Any:
    """The signed minutes as a Word document."""
    return _document(meeting_id, minutes_service.docx_bytes,
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     "docx")


# ----------------------------------------------------------------------- duty reports


@bp.route("/<int:meeting_id>/duty-report", methods=["GET", "POST"])
def duty_report(meeting_id: int) -> Any:
    """The user's department files (or corrects) its duty report for the meeting."""
    meeting = _visible(meeting_id)
    if not reports.may_file(current_user, meeting):
        abort(403)
    filed = reports.report_of(meeting, current_user.department_id)
    form = DutyReportForm(obj=filed if request.method == "GET" else None)
    figures = reports.figures_for(current_user.department, *reports.period(meeting))
    stored = filed.figures if filed is not None else {}
    values = {f["code"]: (request.form.get(f"figure-{f['code']}", "")
                          if request.method == "POST"
                          else stored.get(f["code"], f).get("value")) for f in figures}

    def file() -> Any:
        version = int(form.version.data) if str(form.version.data or "").isdigit() else None
        return reports.file_report(current_user, meeting, reports.ReportInput(
            results=form.results.data or "", problems=form.problems.data or "",
            suggestions=form.suggestions.data or "", work_summary=form.work_summary.data or "",
            figures=values, version=version))

    def rerender(status: int = 200) -> Any:
        return render_template("meetings/duty_report_form.html", meeting=meeting, form=form,
                               figures=figures, values=values, period=reports.period(meeting),
                               filed=filed), status

    if request.method == "POST":
        return post_step(form, "results", file, _("Duty report filed."),
                         url_for("meetings.detail", meeting_id=meeting_id), rerender,
                         conflict=_("Your department's report changed since you opened it; "
                                    "nothing was overwritten. Reload it."))
    return rerender()


# ------------------------------------------------------------------------ resolutions


@bp.route("/<int:meeting_id>/resolutions", methods=["POST"])
def resolve(meeting_id: int) -> Any:
    """An organiser makes a decision of the signed minutes a task."""
    form = ResolutionForm(prefix="resolution")
    return _step(meeting_id, "resolution_form", form, lambda m: resolution_service.resolve(
        current_user, m, form.decision_index.data if form.decision_index.data is not None
        else -1, form.department.data or "",
        due_by(form.due_on.data) if form.due_on.data else None),
        _("The decision is now a task; the department has been told."), "decision_index")


def _resolution_filters() -> resolution_service.ResolutionFilters:
    args = request.args
    state = args.get("state", "not_closed")
    return resolution_service.ResolutionFilters(
        state=state if state in resolution_service.FILTER_STATES else "not_closed",
        body=args.get("body", ""), department=args.get("department", ""),
        q=args.get("q", "").strip())


@bp.route("/resolutions")
def resolutions() -> Any:
    """The resolutions of the meetings the user sees: overdue first."""
    filters = _resolution_filters()
    now = utcnow()
    page = paginate(resolution_service.resolution_query(current_user, filters, now),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template("meetings/resolutions.html", page=page, filters=filters, now=now,
                           bodies=bodies.all_bodies(), departments=active_departments(),
                           source_kind=resolution_service.SOURCE_KIND, **labels())


@bp.route("/resolutions/export.xlsx")
def resolutions_export() -> Any:
    """The filtered resolutions as the ledger of decisions carried out, in Excel."""
    stmt = resolution_service.resolution_query(current_user, _resolution_filters())
    now = utcnow()

    def rows() -> Any:
        for r in db.session.scalars(stmt.execution_options(yield_per=500)):
            t = r.task
            yield [r.id, r.meeting.body.name_zh, r.meeting.title, r.decision,
                   t.department.name_zh, t.due_at, t.progress_percent, TASK_STATE_ZH[t.state],
                   "是" if t.is_overdue(now) else "否"]

    return xlsx_response("议定事项落实台账", RESOLUTION_HEADERS, rows(), "resolutions.xlsx")
