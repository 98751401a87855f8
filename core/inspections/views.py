"""Pages for joint inspections: plan, on-site records, findings, the notice, the map."""


from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import (
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core import access
from core.access import business_only
from core.accounts.models import User
from core.app import kernel
from core.attachments import storage
from core.db import db, paginate, utcnow
from core.departments.models import Department
from core.departments.services import active_departments, active_local_units
from core.errors import InputError, StateConflict
from core.forms import local_to_utc, save_uploads, select_choices, submit
from core.inspections import notices as notice_service, services as service
from core.inspections.labels import (
    FINDING_FILTER_LABELS,
    FINDING_STATE_LABELS,
    SEVERITY_LABELS,
    labels,
)
from core.inspections.models import (
    INSPECTION_STATES,
    Finding,
    Inspection,
    InspectionRecord,
)
from core.sharing.views import category_choices
from core.timeutil import local_day, parse_day, site_zone

bp = business_only(Blueprint("inspections", __name__, url_prefix="/inspections"))


# ----------------------------------------------------------------------------- forms


class InspectionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    purpose = TextAreaField(_l("Purpose"), validators=[Length(max=5_000)])
    scope = TextAreaField(_l("Scope (area)"), validators=[Length(max=5_000)])
    villages = SelectMultipleField(_l("Villages in scope"), validate_choice=True)
    start_on = DateField(_l("Start date"), validators=[DataRequired()])
    end_on = DateField(_l("End date"), validators=[DataRequired()])
    report_due_on = DateField(_l("Inspection report due"), validators=[DataRequired()])
    members = SelectMultipleField(_l("People taking part"), validate_choice=True)
    #: Not rendered as a widget: the department table posts ``dept-<code>`` and
    #: ``task-<code>``; errors about departments are shown here.
    departments = StringField(_l("Participating departments and their tasks"))
    version = IntegerField(validators=[Optional()])


class RecordForm(FlaskForm):
    place_name = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])
    recorded_at = DateTimeLocalField(_l("Time"), format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])
    lat = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lng = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    notes = TextAreaField(_l("What was seen"), validators=[Length(max=20_000)])
    photos = MultipleFileField(_l("Photos"))
    #: Checklist answers arrive as ``check-<code>``; errors are shown here.
    answers = StringField(_l("Checklist"))


class FindingForm(FlaskForm):
    description = TextAreaField(_l("Problem found"), validators=[DataRequired(),
                                                                 Length(max=20_000)])
    severity = SelectField(_l("Severity"), validators=[DataRequired()])
    category = SelectField(_l("Category"), validators=[DataRequired()])
    unit = SelectField(_l("Responsible unit"), validators=[DataRequired()])
    copies = SelectMultipleField(_l("Copied to"), validate_choice=True)
    due_on = DateField(_l("Rectification deadline"), validators=[DataRequired()])
    requirements = TextAreaField(_l("Rectification requirements"),
                                 validators=[Length(max=20_000)])
    record_id = SelectField(_l("On-site record"), validators=[Optional()])
    location_name = StringField(_l("Location"), validators=[Length(max=200)])
    lat = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lng = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    photos = MultipleFileField(_l("Photos"))


class ReportForm(FlaskForm):
    report_text = TextAreaField(_l("Inspection report"), validators=[DataRequired(),
                                                                    Length(max=50_000)])


class EmptyForm(FlaskForm):
    pass


class NoticeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    intro = TextAreaField(_l("Opening paragraph"), validators=[Length(max=20_000)])


# ------------------------------------------------------------------------ inspections


def _visible_inspection(inspection_id: int) -> Inspection:
    found = service.get_visible_inspection(current_user, inspection_id)
    if found is None:
        abort(404)
    return found


def _inspection_filters() -> service.InspectionFilters:
    state = request.args.get("state", "")
    return service.InspectionFilters(
        state=state if state in INSPECTION_STATES else "", q=request.args.get("q", "").strip(),
        department=request.args.get("department", ""),
        since=parse_day(request.args.get("since")), until=parse_day(request.args.get("until")))


@bp.route("/")
def index() -> Any:
    """Joint inspections the user may see, newest first."""
    filters = _inspection_filters()
    page = paginate(service.inspection_query(current_user, filters),
                    per_page=kernel().settings["ui"]["per_page"])
    return render_template("inspections/index.html", page=page, filters=filters,
                           departments=[d for d in active_departments()
                                        if d.kind == "department"],
                           may_plan=access.is_office(current_user), now=utcnow(), **labels())


def _inspection_choices(form: InspectionForm) -> None:
    locale = str(get_locale())
    form.villages.choices = select_choices((u.code, u.name(locale))
                                           for u in active_local_units())
    people = db.session.execute(
        select(User.username, User.display_name, Department.name_zh, Department.name_en)
        .join(Department, Department.id == User.department_id)
        .where(User.active.is_(True), User.role.in_(access.BUSINESS_ROLES),
               Department.kind.in_(("office", "department")))
        .order_by(Department.position, User.display_name).limit(1000)).all()
    english = locale.startswith("en")
    form.members.choices = select_choices(
        (name, f"{shown} · {name_en if english else name_zh}")
        for name, shown, name_zh, name_en in people)


def _posted_departments() -> dict[str, str]:
    """``{code: task}`` from the department table of the plan form."""
    return {code: request.form.get(f"task-{code}", "")
            for code in request.form.getlist("dept")}


def _inspection_input(form: InspectionForm) -> service.InspectionInput:
    return service.InspectionInput(
        title=form.title.data or "", purpose=form.purpose.data or "",
        scope=form.scope.data or "", start_on=form.start_on.data, end_on=form.end_on.data,
        report_due_on=form.report_due_on.data, departments=_posted_departments(),
        villages=list(form.villages.data or []), members=list(form.members.data or []))


def _render_plan(form: InspectionForm, inspection: Inspection | None, chosen: dict[str, str]
                 ) -> Any:
    status = 400 if form.errors else 200
    return render_template("inspections/form.html", form=form, inspection=inspection,
                           departments=[d for d in active_departments()
                                        if d.kind == "department"],
                           chosen=chosen), status


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    """The office plans a joint inspection."""
    if not access.is_office(current_user):
        abort(403)
    form = InspectionForm()
    _inspection_choices(form)
    if form.validate_on_submit():
        done = submit(form, "title", lambda: service.plan_inspection(
            current_user, _inspection_input(form)))
        if done.ok:
            flash(_("Inspection planned; the departments were told."), "success")
            return redirect(url_for("inspections.detail", inspection_id=done.value.id))
    return _render_plan(form, None, _posted_departments())


@bp.route("/<int:inspection_id>/edit", methods=["GET", "POST"])
def edit(inspection_id: int) -> Any:
    """The office changes the plan until the report is in."""
    inspection = _visible_inspection(inspection_id)
    if not access.is_office(current_user) or inspection.state not in ("planned", "in_progress"):
        abort(403)
    form = InspectionForm(obj=inspection if request.method == "GET" else None)
    _inspection_choices(form)
    if request.method == "GET":
        form.report_due_on.data = local_day(inspection.report_due_at)
        form.villages.data = [v.department.code for v in inspection.villages]
        form.members.data = [m.user.username for m in inspection.members]
        form.version.data = inspection.version
        chosen = {d.department.code: d.task for d in inspection.departments}
        return _render_plan(form, inspection, chosen)
    if form.validate_on_submit():
        done = submit(form, "title", lambda: service.update_inspection(
            current_user, inspection, _inspection_input(form), version=form.version.data),
            conflict=_("Someone changed this inspection since you opened it; nothing was "
                       "saved. Reload to see their changes."))
        if done.ok:
            flash(_("Plan saved."), "success")
            return redirect(url_for("inspections.detail", inspection_id=inspection.id))
    return _render_plan(form, inspection, _posted_departments())


@bp.route("/<int:inspection_id>")
def detail(inspection_id: int) -> Any:
    """The plan, the on-site records, the findings and the actions the user may take."""
    inspection = _visible_inspection(inspection_id)
    return _render_detail(inspection)


def _render_detail(inspection: Inspection, report_form: ReportForm | None = None,
                   status: int = 200) -> Any:
    records = service.records_of(inspection)
    findings = list(db.session.scalars(service.finding_query(
        current_user, service.FindingFilters(inspection_id=inspection.id)).limit(200)))
    office = access.is_office(current_user)
    return render_template(
        "inspections/detail.html", inspection=inspection, records=records, findings=findings,
        photos=storage.attachments_of(service.RECORD_OWNER, [r.id for r in records]),
        summary=service.unit_summary(current_user, inspection_id=inspection.id),
        notices=list(db.session.scalars(notice_service.notice_query(
            current_user, inspection_id=inspection.id).limit(20))),
        now=utcnow(), office=office, may_record=access.may_record_on_site(current_user,
                                                                          inspection),
        report_form=report_form or ReportForm(), action_form=EmptyForm(), **labels()), status


def _transition(inspection_id: int, action: Callable[..., Any], *args: Any,
                done: str) -> Any:
    inspection = _visible_inspection(inspection_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(current_user, inspection, *args)
    except PermissionError:
        abort(403)
    except InputError as exc:
        db.session.rollback()
        for messages in exc.fields.values():
            for message in messages:
                flash(message, "warning")
        return redirect(url_for("inspections.detail", inspection_id=inspection_id))
    except (StateConflict, StaleDataError):
        db.session.rollback()
        flash(_("Someone else changed this first; nothing was overwritten."), "warning")
        return redirect(url_for("inspections.detail", inspection_id=inspection_id))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("inspections.detail", inspection_id=inspection_id))


@bp.route("/<int:inspection_id>/start", methods=["POST"])
def start(inspection_id: int) -> Any:
    """planned -> in progress."""
    return _transition(inspection_id, service.start_inspection, done=_("Inspection started."))


@bp.route("/<int:inspection_id>/close", methods=["POST"])
def close(inspection_id: int) -> Any:
    """reported -> closed, once every finding is verified."""
    return _transition(inspection_id, service.close_inspection, done=_("Inspection closed."))


@bp.route("/<int:inspection_id>/report", methods=["POST"])
def report(inspection_id: int) -> Any:
    """The office files the inspection report."""
    inspection = _visible_inspection(inspection_id)
    if not access.is_office(current_user):
        abort(403)
    form = ReportForm()
    if form.validate_on_submit():
        done = submit(form, "report_text", lambda: service.submit_report(
            current_user, inspection, form.report_text.data or ""),
            conflict=_("The report can be filed while the inspection runs."))
        if done.ok:
            flash(_("Inspection report filed."), "success")
            return redirect(url_for("inspections.detail", inspection_id=inspection.id))
    return _render_detail(_visible_inspection(inspection_id), report_form=form, status=400)


@bp.route("/<int:inspection_id>/records/new", methods=["GET", "POST"])
def new_record(inspection_id: int) -> Any:
    """A member records what they saw at a place, with photos and the checklist."""
    inspection = _visible_inspection(inspection_id)
    if not access.may_record_on_site(current_user, inspection):
        abort(403)
    form = RecordForm()
    answers = {item["code"]: request.form.get(f"check-{item['code']}", "")
               for item in inspection.checklist}
    def save() -> Any:
        record = service.add_record(current_user, inspection, service.RecordInput(
            place_name=form.place_name.data or "",
            recorded_at=local_to_utc(form.recorded_at.data), lat=form.lat.data,
            lng=form.lng.data, answers={k: v for k, v in answers.items() if v},
            notes=form.notes.data or ""))
        return save_uploads(form.photos.data, service.RECORD_OWNER, record.id)

    if form.validate_on_submit() and submit(form, "notes", save).ok:
        flash(_("On-site record saved."), "success")
        return redirect(url_for("inspections.detail", inspection_id=inspection.id,
                                _anchor="records"))
    return render_template("inspections/record_form.html", form=form, inspection=inspection,
                           answers=answers, **labels()), 400 if form.errors else 200


@bp.route("/<int:inspection_id>/records/<int:record_id>/attachments/<int:attachment_id>")
def record_file(inspection_id: int, record_id: int, attachment_id: int) -> Any:
    """A photo of an on-site record; the inspection's visibility is checked each time."""
    inspection = _visible_inspection(inspection_id)
    record = db.session.get(InspectionRecord, record_id)
    if record is None or record.inspection_id != inspection.id:
        abort(404)
    attachment = storage.find(service.RECORD_OWNER, record.id, attachment_id)
    if attachment is None:
        abort(404)
    return storage.send(attachment)


def _finding_choices(form: FindingForm, inspection: Inspection) -> None:
    locale = str(get_locale())
    form.severity.choices = select_choices((k, str(v)) for k, v in SEVERITY_LABELS.items())
    form.category.choices = select_choices(category_choices())
    local_units = active_local_units()
    departments = [d for d in active_departments() if d.kind == "department"]
    form.unit.choices = select_choices((u.code, u.name(locale))
                                       for u in [*local_units, *departments])
    form.copies.choices = select_choices((d.code, d.name(locale)) for d in departments)
    form.record_id.choices = [("", "—")] + [
        (str(r.id), f"{r.place_name} · {r.recorded_at.astimezone(site_zone()):%m-%d %H:%M}")
        for r in service.records_of(inspection)]


@bp.route("/<int:inspection_id>/findings/new", methods=["GET", "POST"])
def new_finding(inspection_id: int) -> Any:
    """The office hands a finding to a responsible unit."""
    inspection = _visible_inspection(inspection_id)
    if not access.is_office(current_user):
        abort(403)
    form = FindingForm()
    _finding_choices(form, inspection)
    if request.method == "GET" and request.args.get("record"):
        form.record_id.data = request.args["record"]
    def assign() -> Any:
        finding = service.create_finding(current_user, inspection, service.FindingInput(
            description=form.description.data or "", severity=form.severity.data,
            category=form.category.data, unit=form.unit.data, due_on=form.due_on.data,
            requirements=form.requirements.data or "",
            location_name=form.location_name.data or "", lat=form.lat.data,
            lng=form.lng.data, copies=list(form.copies.data or []),
            record_id=int(form.record_id.data) if form.record_id.data else None))
        save_uploads(form.photos.data, service.FINDING_OWNER, finding.id)
        return finding

    if form.validate_on_submit():
        done = submit(form, "description", assign)
        if done.ok:
            flash(_("Finding assigned; the unit was told."), "success")
            return redirect(url_for("findings.detail", finding_id=done.value.id))
    return render_template("inspections/finding_form.html", form=form,
                           inspection=inspection), 400 if form.errors else 200


@bp.route("/<int:inspection_id>/notice", methods=["GET", "POST"])
def new_notice(inspection_id: int) -> Any:
    """Preview the notice the inspection would give today; issue and circulate it."""
    inspection = _visible_inspection(inspection_id)
    if not access.is_office(current_user):
        abort(403)
    form = NoticeForm()
    if request.method == "GET":
        form.title.data = _("Notice on the joint inspection: %(title)s",
                            title=inspection.title)[:200]
    if form.validate_on_submit():
        done = submit(form, "title", lambda: notice_service.issue_notice(
            current_user, inspection, form.title.data or "", form.intro.data or ""))
        if done.ok:
            flash(_("Notice %(number)s issued and circulated.", number=done.value.number),
                  "success")
            return redirect(url_for("notices.detail", notice_id=done.value.id))
    now = utcnow()
    content = {**notice_service.build_content(inspection, now),
               "title": form.title.data or "", "intro": form.intro.data or "",
               "number": _("(numbered when issued)"), "issued_on": local_day(now).isoformat(),
               "issuer": current_user.department.name_zh}
    return render_template("inspections/notice_form.html", form=form, inspection=inspection,
                           content=content), 400 if form.errors else 200


# ------------------------------------------------------------------------------ map


@bp.route("/map")
def map_page() -> Any:
    """Findings and on-site records on a map, coloured by state."""
    return render_template("inspections/map.html",
                           tile_url=kernel().settings["ui"]["map_tile_url"],
                           data_url=url_for("inspections.map_data",
                                            state=request.args.get("state", "")),
                           states=FINDING_STATE_LABELS)


@bp.route("/map.json")
def map_data() -> Any:
    """GeoJSON of the visible findings and on-site records that have coordinates."""
    now = utcnow()
    features: list[dict[str, Any]] = []
    limit = 2000
    findings = db.session.scalars(service.finding_query(
        current_user, service.FindingFilters(state=request.args.get("state", "")
                                             if request.args.get("state") in
                                             FINDING_FILTER_LABELS else "")
    ).where(Finding.lat.is_not(None)).limit(limit))
    for f in findings:
        state = f.display_state(now)
        features.append({"type": "Feature",
                         "geometry": {"type": "Point", "coordinates": [f.lng, f.lat]},
                         "properties": {"kind": "finding", "state": state,
                                        "label": str(FINDING_STATE_LABELS[state]),
                                        "title": f"#{f.id} {f.description[:80]}",
                                        "unit": f.unit.name(str(get_locale())),
                                        "url": url_for("findings.detail", finding_id=f.id)}})
    records = db.session.scalars(select(InspectionRecord).join(Inspection).where(
        access.visible_inspections(current_user), InspectionRecord.lat.is_not(None))
        .order_by(InspectionRecord.recorded_at.desc()).limit(limit))
    for r in records:
        features.append({"type": "Feature",
                         "geometry": {"type": "Point", "coordinates": [r.lng, r.lat]},
                         "properties": {"kind": "record", "state": "record",
                                        "label": _("On-site record"), "title": r.place_name,
                                        "unit": r.department.name(str(get_locale())),
                                        "url": url_for("inspections.detail",
                                                       inspection_id=r.inspection_id,
                                                       _anchor=f"record-{r.id}")}})
    return jsonify({"type": "FeatureCollection", "features": features})

