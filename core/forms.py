"""Form handling shared by the pages of the core and the plugins: choices, running a service
for a posted form (one commit, errors on the fields), storing its uploads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from core.db import db
from core.errors import InputError, StateConflict


def select_choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """``[(value, label), ...]`` as WTForms choices (labels may be lazy strings)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


def field_errors(form: FlaskForm, exc: InputError, fallback: str) -> None:
    """Put a service's field messages on the form's fields (unknown names on ``fallback``)."""
    for name, messages in exc.fields.items():
        target = getattr(form, name, None) or getattr(form, fallback)
        target.errors = [*target.errors, *messages]


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive site-local datetime from a form as an aware one."""
    from core.timeutil import site_zone

    return value.replace(tzinfo=site_zone()) if value is not None else None


def save_uploads(files: Any, owner_type: str, owner_id: int) -> list[Any]:
    """Store the uploaded files for an owner; on a refused file, remove those already
    stored and raise (the caller rolls back)."""
    saved: list[Any] = []
    from core.attachments import storage

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
    from core.attachments.storage import UploadError

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
    except (StateConflict, StaleDataError):
        db.session.rollback()
        target = getattr(form, fallback)
        target.errors = [*target.errors, conflict or _(
            "Someone else acted on this first; nothing was overwritten. Reload to see it.")]
        return Outcome(False, status=409)
    db.session.commit()
    return Outcome(True, value, 200)


def post_step(form: FlaskForm, fallback: str, action: Callable[[], Any], done: str,
              redirect_to: str, rerender: Callable[[int], Any],
              conflict: str | None = None) -> Any:
    """One posted step on a detail page (answer, verify, hand over...): validate ``form``,
    :func:`submit` ``action``; on success flash ``done`` and redirect to ``redirect_to``,
    otherwise ``rerender(status)`` the page with what was typed and the messages."""
    from flask import flash, redirect

    status = 400
    if form.validate_on_submit():
        outcome = submit(form, fallback, action, conflict)
        if outcome.ok:
            flash(done, "success")
            return redirect(redirect_to)
        status = outcome.status
    return rerender(status)


class VerifyForm(FlaskForm):
    """The assigning side accepts a reported completion (a rectification, a task)."""

    text = TextAreaField(_l("Verification notes"), validators=[Length(max=20_000)])


class RejectForm(FlaskForm):
    """The assigning side sends a reported completion back, saying why."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=20_000)])
