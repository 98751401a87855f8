"""Campaign templates: ``config/campaigns/<code>.toml`` (the file name is the code).

A template is a campaign document made reusable: its phases with the document's dates, the
leadership group and office, the reporting rhythm and the ledger's column groups. Creating a
campaign from it moves every date by the same number of months and days (a date on a month's
last day stays on the last day), so "30 April / 10 September / end of November" keeps its
shape whatever month the campaign starts in. Errors name the file and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from core.campaigns.models import COLUMN_KINDS
from core.config import ConfigError, read_toml, validate_with

#: The shipped templates (settings ``[campaigns] templates_dir`` is not needed: one folder).
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "config" / "campaigns"
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
ONE_DAY = relativedelta(days=1)
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _Person(_Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    post = fields.String(load_default="", validate=validate.Length(max=200))
    department = fields.String(required=True)


class _Leadership(_Strict):
    leader = fields.Nested(_Person, required=True)
    deputies = fields.List(fields.Nested(_Person), load_default=list)
    members = fields.List(fields.Nested(_Person), load_default=list)


class _Office(_Strict):
    department = fields.String(required=True)
    location = fields.String(load_default="")
    director = fields.String(load_default="")
    deputy = fields.String(load_default="")
    staff = fields.String(load_default="")


class _PhaseTask(_Strict):
    department = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="")
    #: Defaults to the phase's last day.
    due = fields.Date(load_default=None)


class _Phase(_Strict):
    key = fields.String(required=True, validate=validate.Regexp(KEY_PATTERN))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name_en = fields.String(load_default="")
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    description = fields.String(load_default="")
    task = fields.List(fields.Nested(_PhaseTask), load_default=list)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError("ends before it starts", "ends_on")


class _Dated(_Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    due = fields.Date(required=True)


class _Reports(_Strict):
    days = fields.List(fields.Integer(validate=validate.Range(1, 31)), load_default=list)
    time = fields.String(load_default="18:00", validate=validate.Regexp(TIME_PATTERN))
    departments = fields.List(fields.String(), required=True,
                              validate=validate.Length(min=1))
    staged = fields.List(fields.Nested(_Dated), load_default=list)
    final = fields.Nested(_Dated, load_default=None)


class _Column(_Strict):
    key = fields.String(required=True, validate=validate.Regexp(KEY_PATTERN))
    label_zh = fields.String(required=True, validate=validate.Length(min=1, max=100))
    label_en = fields.String(load_default="")
    kind = fields.String(required=True, validate=validate.OneOf(COLUMN_KINDS))
    unit_zh = fields.String(load_default="")
    unit_en = fields.String(load_default="")
    subgroup_zh = fields.String(load_default="")
    subgroup_en = fields.String(load_default="")


class _ColumnsField(fields.Field):
    """A column set's name (answered by a plugin) or the columns themselves."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            if not re.match(KEY_PATTERN, value):
                raise ValidationError("a column set name (lower-case letters, digits, _)")
            return value
        if isinstance(value, list) and value:
            return _Column(many=True).load(value)
        raise ValidationError("a column set name or a non-empty list of columns")


class _Group(_Strict):
    department = fields.String(required=True)
    columns = _ColumnsField(required=True)
    title_zh = fields.String(load_default="")
    title_en = fields.String(load_default="")


class _Ledger(_Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    units = fields.String(load_default="")
    category_label_zh = fields.String(load_default="类别")
    category_label_en = fields.String(load_default="Category")
    group = fields.List(fields.Nested(_Group), required=True, validate=validate.Length(min=1))


class _Template(_Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title_en = fields.String(load_default="")
    starts_on = fields.Date(required=True)
    legal_basis = fields.List(fields.String(), load_default=list)
    goals = fields.String(load_default="")
    scope = fields.String(load_default="")
    focus_offence_types = fields.List(fields.String(), load_default=list)
    leadership = fields.Nested(_Leadership, required=True)
    office = fields.Nested(_Office, required=True)
    phase = fields.List(fields.Nested(_Phase), required=True, validate=validate.Length(min=1))
    reports = fields.Nested(_Reports, required=True)
    ledger = fields.Nested(_Ledger, required=True)

    @validates_schema
    def _phases_follow(self, data: dict[str, Any], **_: Any) -> None:
        phases = data.get("phase") or []
        if phases and phases[0]["starts_on"] != data["starts_on"]:
            raise ValidationError("the first phase starts on the template's starts_on",
                                  "phase")
        for earlier, later in pairwise(phases):
            if later["starts_on"] <= earlier["ends_on"]:
                raise ValidationError("phases overlap: each starts after the one before ends",
                                      "phase")


@dataclass
class Template:
    """A loaded template: its code, its file and the validated content."""

    code: str
    path: Path
    data: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.data["title"])

    @property
    def ends_on(self) -> date:
        return max(p["ends_on"] for p in self.data["phase"])


def load_template(path: Path) -> Template:
    """Read and validate one template file (:class:`ConfigError` names the file and key)."""
    data = validate_with(_Template(), read_toml(path), path)
    keys = [p["key"] for p in data["phase"]]
    if len(set(keys)) != len(keys):
        raise ConfigError(path, [("phase", "phase keys must be unique")])
    return Template(code=path.stem, path=path, data=data)


def templates(directory: Path | None = None) -> dict[str, Template]:
    """Every template in the folder, by code (file order: by name)."""
    folder = directory or TEMPLATES_DIR
    return {t.code: t for t in (load_template(p) for p in sorted(folder.glob("*.toml")))}


def template(code: str, directory: Path | None = None) -> Template | None:
    folder = directory or TEMPLATES_DIR
    path = folder / f"{code}.toml"
    if not re.match(KEY_PATTERN, code) or not path.is_file():
        return None
    return load_template(path)


def _last_day(day: date) -> bool:
    return (day + relativedelta(days=1)).month != day.month


def shift(day: date, origin: date, start: date) -> date:
    """``day`` moved as ``origin`` moves to ``start``: whole months, then days; a month's
    last day stays the last day of its month."""
    delta = relativedelta(start, origin)
    moved = day + relativedelta(years=delta.years, months=delta.months)
    if _last_day(day) and not delta.days:
        moved = moved + relativedelta(day=31)
    return moved + relativedelta(days=delta.days)


def phase_dates(tpl: Template, start: date) -> list[tuple[date, date]]:
    """Each phase's ``(starts_on, ends_on)`` for a campaign starting on ``start``.

    Ends move by :func:`shift`; a phase that follows the previous one without a gap in the
    document still follows it without a gap (moving by months and days could otherwise leave
    a day in no phase, e.g. starting on the 15th)."""
    origin = tpl.data["starts_on"]
    out: list[tuple[date, date]] = []
    previous_end: date | None = None
    for phase in tpl.data["phase"]:
        begins = shift(phase["starts_on"], origin, start)
        if previous_end is not None and out and phase["starts_on"] == previous_end + ONE_DAY:
            begins = out[-1][1] + ONE_DAY
        ends = max(shift(phase["ends_on"], origin, start), begins)
        out.append((begins, ends))
        previous_end = phase["ends_on"]
    return out
