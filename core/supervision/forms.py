"""The forms of listed supervision, shared by every supervised subject's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.forms import select_choices
from core.supervision import services as supervision
from core.supervision.models import ENTRY_KINDS


class SuperviseForm(FlaskForm):
    reason = TextAreaField(_l("Why it is supervised"), validators=[DataRequired(),
                                                                    Length(max=5_000)])


class EntryForm(FlaskForm):
    kind = SelectField(_l("Entry"), validators=[DataRequired()])
    period = SelectField(_l("Period"), validators=[DataRequired()])
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=20_000)])


def entry_form(found: Any, may_write: Callable[[str], bool]) -> EntryForm | None:
    """The entry form for the kinds the user ``may_write`` on supervision ``found`` (None
    when there is nothing they may file), its periods every one so far."""
    kinds = [k for k in ENTRY_KINDS if may_write(k)]
    if not kinds or found is None:
        return None
    form = EntryForm(prefix="entry")
    form.kind.choices = select_choices((k, supervision.KIND_LABELS[k]) for k in kinds)
    form.period.choices = select_choices((p.label, f"{p.label} · {p.kind_label}")
                                         for p in supervision.open_periods(found)
                                         if p.kind in kinds)
    return form
