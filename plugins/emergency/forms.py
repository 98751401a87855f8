"""The emergency pages' forms (the rules are in ``services`` and ``readiness``; these only
parse). Times are typed in site time (Asia/Shanghai) and stored in UTC."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms import local_to_utc
from plugins.emergency import readiness, services

MINUTES = "%Y-%m-%dT%H:%M"


def _persons(label: Any, required: bool = False) -> IntegerField:
    return IntegerField(label, default=0, validators=[
        InputRequired() if required else Optional(), NumberRange(0, services.MAX_PERSONS)])


def _hectares(label: Any, required: bool = False) -> FloatField:
    return FloatField(label, default=0, validators=[
        InputRequired() if required else Optional(), NumberRange(0, services.MAX_AREA_HA)])


def _coordinates() -> tuple[FloatField, FloatField]:
    return (FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)]),
            FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)]))


def version_of(form: Any) -> int | None:
    """The version a form was loaded at (a forged one counts as stale)."""
    value = (form.version.data or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() else -1


class FireForm(FlaskForm):
    place_name = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])
    lat, lng = _coordinates()
    reported_at = DateTimeLocalField(_l("Reported at"), format=MINUTES,
                                     validators=[InputRequired()])
    cause = SelectField(_l("Cause"), validators=[DataRequired()])
    burned_area_ha = _hectares(_l("Burned forest area (ha)"))
    deaths = _persons(_l("Deaths (persons)"))
    injuries = _persons(_l("Seriously injured (persons)"))
    affected_forest = StringField(_l("Affected forest"), validators=[Length(max=200)])
    description = TextAreaField(_l("What happened"), validators=[Length(max=20_000)])
    version = HiddenField()

    def to_input(self) -> services.FireInput:
        return services.FireInput(
            place_name=self.place_name.data or "", reported_at=local_to_utc(
                self.reported_at.data), cause=self.cause.data,
            burned_area_ha=self.burned_area_ha.data, deaths=self.deaths.data,
            injuries=self.injuries.data, affected_forest=self.affected_forest.data or "",
            description=self.description.data or "", lat=self.lat.data, lng=self.lng.data)


class LogForm(FlaskForm):
    acted_at = DateTimeLocalField(_l("Time"), format=MINUTES, validators=[InputRequired()])
    action = TextAreaField(_l("Action"), validators=[DataRequired(), Length(max=5_000)])
    forces = StringField(_l("Forces sent"), validators=[Length(max=500)])
    personnel = _persons(_l("People"))
    resources = StringField(_l("Equipment sent"), validators=[Length(max=500)])
    vehicles = _persons(_l("Vehicles"))
    departments = SelectMultipleField(_l("Departments involved"), validate_choice=False)

    def to_input(self) -> services.LogInput:
        return services.LogInput(
            acted_at=local_to_utc(self.acted_at.data), action=self.action.data or "",
            forces=self.forces.data or "", personnel=self.personnel.data,
            resources=self.resources.data or "", vehicles=self.vehicles.data,
            departments=list(self.departments.data or []))


class ExtinguishForm(FlaskForm):
    extinguished_at = DateTimeLocalField(_l("Extinguished at"), format=MINUTES,
                                         validators=[InputRequired()])


class AssessForm(FlaskForm):
    burned_area_ha = _hectares(_l("Burned forest area (ha)"), required=True)
    deaths = _persons(_l("Deaths (persons)"), required=True)
    injuries = _persons(_l("Seriously injured (persons)"), required=True)
    assessment = TextAreaField(_l("Assessment"), validators=[DataRequired(),
                                                             Length(max=20_000)])

    def to_input(self) -> services.AssessmentInput:
        return services.AssessmentInput(
            burned_area_ha=self.burned_area_ha.data, deaths=self.deaths.data,
            injuries=self.injuries.data, assessment=self.assessment.data or "")


class DangerPeriodForm(FlaskForm):
    starts_on = DateField(_l("From"), validators=[InputRequired()])
    ends_on = DateField(_l("Until"), validators=[InputRequired()])
    level = SelectField(_l("Fire danger level"), coerce=int, validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=5_000)])
    publish = BooleanField(_l("Publish as an open fire danger warning"))
    version = HiddenField()

    def to_input(self) -> readiness.DangerPeriodInput:
        return readiness.DangerPeriodInput(
            starts_on=self.starts_on.data, ends_on=self.ends_on.data, level=self.level.data,
            note=self.note.data or "", publish=bool(self.publish.data))


class DutyForm(FlaskForm):
    officer = SelectField(_l("Duty officer"), validators=[DataRequired()])
    leader = StringField(_l("Leader on duty"), validators=[Length(max=100)])
    phone = StringField(_l("Duty phone"), validators=[DataRequired(), Length(max=40)])
    note = StringField(_l("Note"), validators=[Length(max=500)])
    version = HiddenField()

    def to_input(self) -> readiness.DutyInput:
        return readiness.DutyInput(officer=self.officer.data or "",
                                   leader=self.leader.data or "", phone=self.phone.data or "",
                                   note=self.note.data or "")


class PatrolForm(FlaskForm):
    patrolled_on = DateField(_l("Day"), validators=[InputRequired()])
    route = StringField(_l("Route or area"), validators=[DataRequired(), Length(max=200)])
    members = StringField(_l("Patrol members"), validators=[DataRequired(), Length(max=500)])
    findings = TextAreaField(_l("Findings"), validators=[Length(max=20_000)])
    hazards_found = IntegerField(_l("Fire hazards found"), default=0,
                                 validators=[Optional(), NumberRange(0, 10_000)])
    lat, lng = _coordinates()
    version = HiddenField()

    def to_input(self) -> readiness.PatrolInput:
        return readiness.PatrolInput(
            patrolled_on=self.patrolled_on.data, route=self.route.data or "",
            members=self.members.data or "", findings=self.findings.data or "",
            hazards_found=self.hazards_found.data, lat=self.lat.data, lng=self.lng.data)
