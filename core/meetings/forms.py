"""The joint meetings' forms (Flask-WTF, CSRF): WTForms checks the shapes, the services
the rules. Choices are filled by the views from the database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
LONG_TEXT = Length(max=20_000)


class Checkboxes(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class BodyForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    interval_days = IntegerField(_l("Days between regular meetings"),
                                 validators=[DataRequired(), NumberRange(1, 3660)],
                                 default=182)
    liaison_office = SelectField(_l("Liaison office"), validators=[DataRequired()])
    conveners = Checkboxes(_l("Convener departments"), validate_choice=True)
    members = Checkboxes(_l("Member departments"), validate_choice=True)
    active = BooleanField(_l("Active"), default=True)


class ProposalForm(FlaskForm):
    body = SelectField(_l("Joint meeting"), validators=[DataRequired()])
    kind = SelectField(_l("Kind"), validators=[DataRequired()], default="ad_hoc")
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=200)])
    reasons = TextAreaField(_l("Reasons"), validators=[LONG_TEXT])
    lead = SelectField(_l("Lead unit"), validators=[DataRequired()])
    starts_at = DateTimeLocalField(_l("Time"), format=LOCAL_MINUTE,
                                   validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Length(max=200)])
    departments = Checkboxes(_l("Departments to invite (none ticked: every member)"),
                             validate_choice=True)


class ApproveForm(FlaskForm):
    """Only the CSRF token: approving says nothing more."""


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), LONG_TEXT])


class HeldForm(FlaskForm):
    held_at = DateTimeLocalField(_l("Held at"), format=LOCAL_MINUTE,
                                 validators=[DataRequired()])
    present = Checkboxes(_l("Present"), coerce=int, validate_choice=True)


class AgendaForm(FlaskForm):
    title = StringField(_l("Agenda item"), validators=[DataRequired(), Length(max=200)])
    owner = SelectField(_l("Presented by"), validators=[DataRequired()])
    notes = TextAreaField(_l("Notes"), validators=[LONG_TEXT])
    photos = MultipleFileField(_l("Papers"))


class InviteForm(FlaskForm):
    department = SelectField(_l("Department"), validators=[Optional()])
    username = StringField(_l("Or a person (user name)"), validators=[Length(max=80)])


class MinutesForm(FlaskForm):
    text = TextAreaField(_l("Minutes"), validators=[DataRequired(), Length(max=100_000)])
    decisions = TextAreaField(_l("Decisions (one per line)"), validators=[LONG_TEXT])
    revision = HiddenField()


class SignForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()])
    revision = HiddenField()


class DutyReportForm(FlaskForm):
    """The text parts; the figures are read by name (``figure-<code>``) because the hook
    decides which there are."""

    results = TextAreaField(_l("Results of our duties"), validators=[DataRequired(), LONG_TEXT])
    problems = TextAreaField(_l("Problems"), validators=[LONG_TEXT])
    suggestions = TextAreaField(_l("Suggestions"), validators=[LONG_TEXT])
    work_summary = TextAreaField(_l("Work summary"), validators=[DataRequired(), LONG_TEXT])
    version = HiddenField()


class ResolutionForm(FlaskForm):
    decision_index = SelectField(_l("Decision"), coerce=int, validators=[Optional()])
    department = SelectField(_l("Department that does it"), validators=[DataRequired()])
    due_on = DateField(_l("Deadline"), validators=[DataRequired()])
