"""The information item form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

SENSITIVITY_LABELS = {
    "open": _l("Open: every department"),
    "internal": _l("Internal: named departments"),
    "sensitive": _l("Sensitive: named people"),
    "classified": _l("Classified: register entry only, no content"),
}


class ItemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Category"), validators=[DataRequired()])
    sensitivity = SelectField(_l("Sensitivity"), default="open")
    body = TextAreaField(_l("Content"), validators=[Length(max=100_000)])
    shared_with = SelectMultipleField(_l("Share with departments"), validate_choice=False)
    readers = StringField(_l("Readers (user names, comma-separated)"),
                          validators=[Length(max=500)])
    reference_no = StringField(_l("Reference number"), validators=[Length(max=100)])
    consult_at = StringField(_l("Where to consult it offline"), validators=[Length(max=200)])
    location_name = StringField(_l("Place"), validators=[Length(max=200)])
    lat = FloatField(_l("Latitude"), validators=[Optional()])
    lng = FloatField(_l("Longitude"), validators=[Optional()])
    tags = StringField(_l("Tags (comma-separated)"), validators=[Length(max=300)])
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    files = MultipleFileField(_l("Attachments"))
    version = HiddenField()
