"""The exceptions services raise for refused input, shared by every capability.

Services raise :class:`InputError` with messages per field; pages put them on the form's
fields and the API answers 422 with them in ``error.fields``.
"""

from __future__ import annotations

from typing import Any


class InputError(ValueError):
    """Input breaks a rule; ``fields`` maps field names to messages."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))
        self.fields = fields

    @classmethod
    def of(cls, **fields: Any) -> InputError:
        """``InputError.of(title="...", due_at="...")``: one message per field."""
        return cls({name: [str(message)] for name, message in fields.items()})


class StateConflict(Exception):
    """Someone else acted on the object first (its state moved on); nothing was
    overwritten. Pages show a warning, the API answers 409."""
