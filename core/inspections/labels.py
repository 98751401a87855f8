"""Labels and the form handling the inspection, finding and notice pages share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from core.attachments import storage
from core.attachments.storage import UploadError
from core.db import db
from core.errors import InputError
from core.inspections.services import StateConflict
from core.sharing.views import category_label
from core.supervision import services as supervision
from core.timeutil import site_zone

INSPECTION_STATE_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "reported": _l("Reported"),
    "closed": _l("Closed"),
}
FINDING_STATE_LABELS = {
    "open": _l("Rectifying"),
    "completion_reported": _l("Awaiting verification"),
    "closed": _l("Verified and closed"),
    "overdue": _l("Overdue"),
}
#: Board filter choices: the stored states plus computed ones.
FINDING_FILTER_LABELS = {"not_closed": _l("Not closed"), **FINDING_STATE_LABELS}
SEVERITY_LABELS = {"general": _l("General"), "serious": _l("Serious"), "major": _l("Major")}
ANSWER_LABELS = {"yes": _l("Yes"), "no": _l("No"), "na": _l("Not applicable")}
EVENT_LABELS = {
    "assigned": _l("Assigned"),
    "progress": _l("Progress"),
    "completion": _l("Completion reported"),
    "rejected": _l("Not accepted"),
    "verified": _l("Verified and closed"),
    "supervised": _l("Listed for supervision"),
    "edited": _l("Edited"),
}


def labels() -> dict[str, Any]:
    return {"inspection_states": INSPECTION_STATE_LABELS, "finding_states": FINDING_STATE_LABELS,
            "severities": SEVERITY_LABELS, "answer_labels": ANSWER_LABELS,
            "event_labels": EVENT_LABELS,
            "category_label": category_label, "entry_kinds": supervision.KIND_LABELS}


def field_errors(form: FlaskForm, exc: InputError, fallback: str) -> None:
    """Put a service's field messages on the form's fields (unknown names on ``fallback``)."""
    for name, messages in exc.fields.items():
        target = getattr(form, name, None) or getattr(form, fallback)
        target.errors = [*target.errors, *messages]


def local_to_utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=site_zone()) if value is not None else None


def save_uploads(files: Any, owner_type: str, owner_id: int) -> list[Any]:
    """Store the uploaded files for an owner; on a refused file, remove those already
    stored and raise (the caller rolls back)."""
    saved: list[Any] = []
    try:
        for upload in storage.uploads_from(files):
            saved.append(storage.save(upload, owner_type, owner_id, current_user))
    except Exception:
        storage.discard(saved)
        raise
    return saved



@dataclass
class Outcome:
    """What :func:`submit` did: ``ok`` with the action's ``value``, or not (the form now
    carries the messages) with the HTTP ``status`` to answer."""

    ok: bool
    value: Any = None
    status: int = 400


def submit(form: FlaskForm, fallback: str, action: Callable[[], Any],
           conflict: str | None = None) -> Outcome:
    """Run a service ``action`` for a posted ``form`` and commit once.

    Refusals roll back everything (photos included) and land on the form: a refused file on
    ``form.photos``, field messages on their fields (others on ``fallback``), a state
    conflict as ``conflict`` (or a generic message) on ``fallback`` with status 409; a
    PermissionError answers 403.
    """
    try:
        value = action()
    except PermissionError:
        db.session.rollback()
        abort(403)
    except UploadError as exc:
        db.session.rollback()
        form.photos.errors = [*form.photos.errors, str(exc)]
        return Outcome(False)
    except InputError as exc:
        db.session.rollback()
        field_errors(form, exc, fallback)
        return Outcome(False)
    except StateConflict:
        db.session.rollback()
        target = getattr(form, fallback)
        target.errors = [*target.errors, conflict or _(
            "Someone else acted on this first; nothing was overwritten. Reload to see it.")]
        return Outcome(False, status=409)
    db.session.commit()
    return Outcome(True, value, 200)
