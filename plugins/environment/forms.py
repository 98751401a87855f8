"""The environment pages' forms (the rules are in ``services``; these only parse)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.attachments import storage
from core.forms import select_choices
from plugins.environment import services

AMOUNT = NumberRange(min=0, max=services.MAX_AMOUNT)
EIA_KIND_LABELS = {"forest_area": _l("Project in a forest area"),
                   "mining": _l("Mining project"), "other": _l("Other project")}


def _place() -> tuple[FloatField, FloatField]:
    return (FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)]),
            FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)]))


class EiaForm(FlaskForm):
    project = StringField(_l("Project"), validators=[DataRequired(), Length(max=200)])
    developer = StringField(_l("Developer"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of project"),
                       choices=lambda: select_choices(EIA_KIND_LABELS.items()))
    place_name = StringField(_l("Location"), validators=[DataRequired(), Length(max=200)])
    lat, lng = _place()
    area_mu = FloatField(_l("Area occupied (mu)"), validators=[InputRequired(), AMOUNT])
    submitted_on = DateField(_l("Submitted on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=5_000)])

    def to_input(self) -> services.EiaInput:
        return services.EiaInput(
            project=self.project.data or "", developer=self.developer.data or "",
            place_name=self.place_name.data or "", area_mu=self.area_mu.data,
            kind=self.kind.data, submitted_on=self.submitted_on.data, lat=self.lat.data,
            lng=self.lng.data, note=self.note.data or "")


class ConditionRow(Form):
    """One condition of the approval form; rows left empty are ignored."""

    text = StringField(_l("Condition"), validators=[Length(max=5_000)])
    due_on = DateField(_l("Due by"), validators=[Optional()])


class ApproveForm(FlaskForm):
    approval_number = StringField(_l("Approval number"),
                                  validators=[DataRequired(), Length(max=60)])
    decided_on = DateField(_l("Approval day"), validators=[InputRequired()])
    decision_note = TextAreaField(_l("Remarks"), validators=[Length(max=5_000)])
    conditions = FieldList(FormField(ConditionRow), min_entries=4)

    def condition_inputs(self) -> list[services.ConditionInput]:
        return [services.ConditionInput(text=row.text.data or "", due_on=row.due_on.data)
                for row in self.conditions if (row.text.data or "").strip() or row.due_on.data]


class RefuseForm(FlaskForm):
    """A refusal by the leader, or the developer's withdrawal, with the reason."""

    decided_on = DateField(_l("On"), validators=[InputRequired()])
    decision_note = TextAreaField(_l("Reason"), validators=[DataRequired(),
                                                            Length(max=5_000)])


class ConditionForm(FlaskForm):
    text = TextAreaField(_l("Condition"), validators=[DataRequired(), Length(max=5_000)])
    due_on = DateField(_l("Due by"), validators=[InputRequired()])


class CheckForm(FlaskForm):
    check_note = TextAreaField(_l("How it was checked"),
                               validators=[DataRequired(), Length(max=5_000)])


class ProblemForm(FlaskForm):
    description = TextAreaField(_l("Problem"), validators=[DataRequired(),
                                                            Length(max=20_000)])
    place_name = StringField(_l("Location"), validators=[Length(max=200)])
    lat, lng = _place()
    due_on = DateField(_l("Restore by"), validators=[Optional()])

    def to_input(self) -> services.ProblemInput:
        return services.ProblemInput(
            description=self.description.data or "", place_name=self.place_name.data or "",
            lat=self.lat.data, lng=self.lng.data, due_on=self.due_on.data)


class StepForm(FlaskForm):
    """A step on a problem's timeline: a progress note, the restoration done, closing."""

    text = TextAreaField(_l("What was done"), validators=[Length(max=20_000)])


class RestorationForm(FlaskForm):
    name = StringField(_l("Project name"), validators=[DataRequired(), Length(max=200)])
    place_name = StringField(_l("Site"), validators=[DataRequired(), Length(max=200)])
    lat, lng = _place()
    measures = TextAreaField(_l("Restoration measures"),
                             validators=[DataRequired(), Length(max=20_000)])
    budget_yuan = FloatField(_l("Budget (yuan)"), validators=[InputRequired(), AMOUNT])
    start_on = DateField(_l("Works start on"), validators=[InputRequired()])
    planned_end_on = DateField(_l("Planned completion"), validators=[Optional()])
    problem_id = SelectField(_l("Ecological problem restored"), validate_choice=False)

    def to_input(self) -> services.RestorationInput:
        problem = self.problem_id.data or ""
        return services.RestorationInput(
            name=self.name.data or "", place_name=self.place_name.data or "",
            measures=self.measures.data or "", budget_yuan=self.budget_yuan.data,
            start_on=self.start_on.data, planned_end_on=self.planned_end_on.data,
            problem_id=int(problem) if problem.isdigit() else None, lat=self.lat.data,
            lng=self.lng.data)


class ProgressForm(FlaskForm):
    percent = IntegerField(_l("Percent done"), validators=[InputRequired(),
                                                           NumberRange(0, 100)])
    text = TextAreaField(_l("Works done"), validators=[Length(max=20_000)])
    photos = MultipleFileField(_l("Photos"))

    def to_input(self) -> services.ProgressInput:
        return services.ProgressInput(percent=self.percent.data, text=self.text.data or "",
                                      files=storage.uploads_from(self.photos.data))


class AcceptForm(FlaskForm):
    accepted_on = DateField(_l("Accepted on"), validators=[InputRequired()])
    acceptance_note = TextAreaField(_l("Acceptance opinion"),
                                    validators=[DataRequired(), Length(max=20_000)])


def problem_select(form: RestorationForm, problems: list[Any]) -> None:
    """Offer the department's open problems (``—`` for none)."""
    form.problem_id.choices = select_choices(
        [("", "—")] + [(str(p.id), f"#{p.id} {p.description[:60]}") for p in problems])
