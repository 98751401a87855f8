"""The forestry pages' forms (the rules are in ``services``; these only parse)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from plugins.forestry import services

AMOUNT = NumberRange(min=0, max=services.MAX_AMOUNT)


def _amount(label: object, required: bool = True) -> FloatField:
    return FloatField(label, validators=[InputRequired() if required else Optional(), AMOUNT])


class PermitForm(FlaskForm):
    number = StringField(_l("Permit number"), validators=[DataRequired(), Length(max=60)])
    holder = StringField(_l("Holder"), validators=[DataRequired(), Length(max=200)])
    place_name = StringField(_l("Logging site"), validators=[DataRequired(), Length(max=200)])
    lat = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lng = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    species = StringField(_l("Tree species"), validators=[DataRequired(), Length(max=200)])
    volume_m3 = _amount(_l("Volume (m³)"))
    area_mu = _amount(_l("Area (mu)"))
    valid_from = DateField(_l("Valid from"), validators=[InputRequired()])
    valid_until = DateField(_l("Valid until"), validators=[InputRequired()])
    issued_on = DateField(_l("Issued on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=5_000)])
    version = HiddenField()

    def to_input(self) -> services.PermitInput:
        return services.PermitInput(
            number=self.number.data or "", holder=self.holder.data or "",
            place_name=self.place_name.data or "", species=self.species.data or "",
            volume_m3=self.volume_m3.data, area_mu=self.area_mu.data,
            valid_from=self.valid_from.data, valid_until=self.valid_until.data,
            issued_on=self.issued_on.data, lat=self.lat.data, lng=self.lng.data,
            note=self.note.data or "")


class LandUseForm(FlaskForm):
    number = StringField(_l("Permit number"), validators=[DataRequired(), Length(max=60)])
    holder = StringField(_l("Land user"), validators=[DataRequired(), Length(max=200)])
    project = StringField(_l("Project"), validators=[Length(max=200)])
    place_name = StringField(_l("Land-use site"), validators=[DataRequired(), Length(max=200)])
    lat = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lng = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    area_mu = _amount(_l("Forest land used (mu)"))
    purpose = StringField(_l("Land-use purpose"), validators=[DataRequired(), Length(max=200)])
    approved_on = DateField(_l("Approved on"), validators=[InputRequired()])
    valid_until = DateField(_l("Valid until"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=5_000)])
    version = HiddenField()

    def to_input(self) -> services.LandUseInput:
        return services.LandUseInput(
            number=self.number.data or "", holder=self.holder.data or "",
            project=self.project.data or "", place_name=self.place_name.data or "",
            area_mu=self.area_mu.data, purpose=self.purpose.data or "",
            approved_on=self.approved_on.data, valid_until=self.valid_until.data,
            lat=self.lat.data, lng=self.lng.data, note=self.note.data or "")


class CaseDetailsForm(FlaskForm):
    timber_volume_m3 = _amount(_l("Timber (m³)"), required=False)
    land_area_mu = _amount(_l("Land (mu)"), required=False)
    mineral_tonnes = _amount(_l("Mineral mined (t)"), required=False)
    confiscated_tonnes = _amount(_l("Illegal mineral products confiscated (t)"),
                                 required=False)
    value_yuan = _amount(_l("Value of resources damaged (yuan)"), required=False)
    fine_yuan = _amount(_l("Fine (yuan)"), required=False)
    restoration_ordered = BooleanField(_l("Restoration ordered"))
    restoration_text = TextAreaField(_l("Restoration required"),
                                     validators=[Length(max=20_000)])
    mining_banned = BooleanField(_l("Illegal mining banned"))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=20_000)])
    version = HiddenField()

    def to_input(self) -> services.CaseDetailsInput:
        return services.CaseDetailsInput(
            **{name: getattr(self, name).data for name in services.QUANTITIES},
            restoration_ordered=bool(self.restoration_ordered.data),
            restoration_text=self.restoration_text.data or "",
            mining_banned=bool(self.mining_banned.data), notes=self.notes.data or "")


class ExpertForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    organisation = StringField(_l("Organisation"),
                               validators=[DataRequired(), Length(max=200)])
    qualification = StringField(_l("Qualification"), validators=[Length(max=200)])
    appointed_on = DateField(_l("Appointed on"), validators=[InputRequired()])
    task = TextAreaField(_l("Task"), validators=[Length(max=5_000)])


class ReportForm(FlaskForm):
    kind = SelectField(_l("Kind of report"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    issued_on = DateField(_l("Issued on"), validators=[InputRequired()])
    expert_id = SelectField(_l("Expert"), validate_choice=False)
    conclusion = TextAreaField(_l("Conclusion"), validators=[Length(max=20_000)])
    photos = MultipleFileField(_l("Report files"))
