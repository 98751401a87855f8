"""Small helpers shared by the forms of the core and the plugins."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice


def select_choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """``[(value, label), ...]`` as WTForms choices (labels may be lazy strings)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]
