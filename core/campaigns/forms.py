"""The special campaigns' forms (Flask-WTF, CSRF): WTForms checks the shapes, the services
(``core.campaigns.services`` and its siblings) the rules. Choices are filled by the views.

A department's column group has no fixed form: :func:`group_form` builds one from the
campaign's ledger layout, with an input fitting each column's kind (是/否 for yes/no).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from core.campaigns.layout import display
from core.campaigns.services import start_problem
from core.forms import select_choices

LONG_TEXT = Length(max=50_000)
#: Database ids fit a 32-bit integer; anything larger is "no such".
ID_RANGE = NumberRange(1, 2**31 - 1)
#: Prefix of a group form's fields: ``cell_<column key>``.
CELL = "cell_"


def _plausible_start(form: FlaskForm, field: Any) -> None:
    if field.data is not None and (message := start_problem(field.data)):
        raise ValidationError(message)


class CampaignForm(FlaskForm):
    """Create a campaign from a template: the document's pattern moved to ``starts_on``."""

    template = SelectField(_l("Campaign template"), validators=[DataRequired()])
    starts_on = DateField(_l("First day of the campaign"),
                          validators=[DataRequired(), _plausible_start])
    title = StringField(_l("Title (empty: the document's title)"),
                        validators=[Length(max=200)])
    ledger_unit = StringField(_l("Reporting unit on the ledger"),
                              validators=[Length(max=200)])


class RowForm(FlaskForm):
    """A ledger row's core columns (序号 is given by the ledger)."""

    county = StringField(_l("County or district"), validators=[Length(max=100)])
    party = StringField(_l("Company (or person)"), validators=[DataRequired(),
                                                                 Length(max=200)])
    location = StringField(_l("Location"), validators=[Length(max=200)])
    #: Its label is the layout's (开采矿种 for the mining ledger).
    category = StringField(_l("Category"), validators=[Length(max=100)])
    remarks = TextAreaField(_l("Ledger remarks"), validators=[Length(max=5000)])
    phase = SelectField(_l("Campaign phase"), default="")
    case_id = IntegerField(_l("Linked case number"), validators=[Optional(), ID_RANGE])
    #: The row's version the form was loaded at (a correction made meanwhile is not lost).
    version = HiddenField()


class FooterForm(FlaskForm):
    """The ledger's footer (审核人 / 填报时间 / 填报人) and 填报单位."""

    unit = StringField(_l("Reporting unit on the ledger"), validators=[Length(max=200)])
    reviewer = StringField(_l("Ledger reviewer"), validators=[Length(max=100)])
    filed_on = DateField(_l("Ledger filing date"), validators=[Optional()])
    filed_by = StringField(_l("Ledger filled in by"), validators=[Length(max=100)])


class ImportForm(FlaskForm):
    """A workbook of the ledger's own layout (as exported)."""

    file = FileField(_l("Ledger workbook (.xlsx)"), validators=[
        FileRequired(_l("Choose the workbook to import.")),
        FileAllowed(["xlsx"], _l("Only .xlsx workbooks can be imported."))])


class ReportForm(FlaskForm):
    """Filing a progress, staged or final report (the final one with its self-assessment)."""

    content = TextAreaField(_l("Report"), validators=[DataRequired(), LONG_TEXT])
    self_assessment = TextAreaField(_l("Self-assessment"), validators=[LONG_TEXT])
    #: The report's version when the form was shown: a correction someone else made since
    #: is not overwritten.
    version = HiddenField()


class TipClueForm(FlaskForm):
    """Attach a public tip by its number; the department that must feed back on it."""

    tip_id = IntegerField(_l("Tip number"), validators=[DataRequired(), ID_RANGE])
    department = SelectField(_l("Department to feed back"), default="")


class LeadClueForm(FlaskForm):
    """Attach one of the leads (cases of kind lead) the user sees."""

    case_id = SelectField(_l("Lead"), coerce=int, validators=[DataRequired()])


class FeedbackForm(FlaskForm):
    """The responsible department's feedback on a clue (条条有反馈)."""

    text = TextAreaField(_l("Feedback on the clue"), validators=[DataRequired(),
                                                                 Length(max=20_000)])


class ActionForm(FlaskForm):
    """Only the CSRF token: closing a campaign or deleting a row says nothing more."""


def column_label(column: dict[str, Any], locale: str) -> str:
    """A ledger column's label with its subgroup and unit, in the page's language (the
    mining ledger has two 罚款金额: 占地方面·罚款金额 (元) and 采矿方面·罚款金额 (元))."""
    english = locale == "en"
    label = (column.get("label_en") if english else None) or column["label_zh"]
    sub = ((column.get("subgroup_en") if english else None)
           or column.get("subgroup_zh") or "")
    if sub:
        label = f"{sub}: {label}" if english else f"{sub}·{label}"
    unit = column.get("unit_en") if english else column.get("unit_zh")
    return f"{label} ({unit})" if unit else label


def group_form(group: dict[str, Any], locale: str, values: dict[str, Any] | None = None,
               formdata: Any = None, posted: bool = False) -> FlaskForm:
    """A form for one department's column group: a field ``cell_<key>`` per column, 是/否
    for yes/no, numbers as text (the service parses them and says what is wrong).

    ``values`` (column key -> stored value) fill it, as :func:`~core.campaigns.layout.display`
    shows them (是/否, 12.5); ``posted`` reads the request instead.
    """

    class GroupForm(FlaskForm):
        pass

    for column in group["columns"]:
        label = column_label(column, locale)
        kind = column["kind"]
        if kind == "boolean":
            field: Any = SelectField(label, default="", choices=select_choices(
                [("", "—"), ("是", _l("Yes")), ("否", _l("No"))]))
        elif kind == "text":
            field = StringField(label, validators=[Length(max=500)])
        else:
            field = StringField(label, validators=[Length(max=40)], render_kw={
                "inputmode": "numeric" if kind == "integer" else "decimal"})
        setattr(GroupForm, CELL + column["key"], field)
    data = {CELL + c["key"]: display(c, (values or {}).get(c["key"]))
            for c in group["columns"]}
    if posted:
        return GroupForm()
    return GroupForm(formdata=formdata, data=data)


def group_values(form: FlaskForm, group: dict[str, Any]) -> dict[str, Any]:
    """The posted group form as ``column key -> typed text`` for ``services.set_group``:
    the columns the request carried (an empty one clears its cell; one left out of the
    request keeps its value)."""
    values = {}
    for column in group["columns"]:
        field = getattr(form, CELL + column["key"])
        if field.raw_data:
            values[column["key"]] = field.data or ""
    return values
