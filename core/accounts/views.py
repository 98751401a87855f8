"""Sign in, sign out and the user's own account page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core import access
from core.accounts import services
from core.accounts.forms import EmptyForm, LoginForm, PasswordForm
from core.app import kernel, limiter
from core.db import db

bp = Blueprint("auth", __name__, url_prefix="/auth")
account_bp = Blueprint("account", __name__, url_prefix="/account")


def safe_next(target: str | None) -> str:
    """``target`` if it stays on this site, else the dashboard (no open redirects)."""
    fallback = url_for("main.dashboard")
    if not target or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(urljoin(request.host_url, target))
    host = urlsplit(request.host_url)
    if parts.scheme != host.scheme or parts.netloc != host.netloc:
        return fallback
    if not target.startswith("/"):
        return fallback
    return target


def _policy() -> services.LoginPolicy:
    security = kernel().settings["security"]
    return services.LoginPolicy(threshold=security["lockout_threshold"],
                                lockout=timedelta(minutes=security["lockout_minutes"]))


def _login_failed_message() -> str:
    """One message for every sign-in failure (unknown user, wrong password, locked)."""
    security = kernel().settings["security"]
    return _("Wrong user name or password, or the account is locked. After %(n)s failures "
             "an account is locked for %(minutes)s minutes.",
             n=security["lockout_threshold"], minutes=security["lockout_minutes"])


def _login_limit() -> str:
    return kernel().settings["security"]["login_rate_limit"]


@bp.route("/login", methods=["GET", "POST"])
@access.public
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    """The login page. The same message whether the user exists, is locked or mistyped."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if session.pop("flash_expired", False):
            flash(_("Your session expired after a period of inactivity. Please sign in again."),
                  "warning")
    if form.validate_on_submit():
        user = services.authenticate(form.username.data.strip(), form.password.data, _policy())
        db.session.commit()  # keep failure counters and audit records whatever the outcome
        if user is None:
            form.password.errors.append(_login_failed_message())  # type: ignore[attr-defined]
        else:
            target = safe_next(form.next.data)
            lang = session.get("lang")
            session.clear()  # a fresh session: no fixation
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(target)
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out: old copies of the session cookie stop working too."""
    if EmptyForm().validate_on_submit():
        user = current_user._get_current_object()
        user.session_version += 1
        from core import audit

        audit.record("logout", "users", user.id)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@account_bp.route("/", methods=["GET", "POST"])
def profile() -> Any:
    """The user's own account: details and password change."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if services.is_locked(user):
            # Same lockout as sign-in: a stolen session cannot guess the password either.
            form.current.errors.append(_login_failed_message())  # type: ignore[attr-defined]
        elif not services.check_password(user, form.current.data):
            services.register_failure(user, _policy(), "wrong current password",
                                      action="password_change_failed")
            db.session.commit()  # keep the counter and the audit record
            form.current.errors.append(_("That is not your current password."))  # type: ignore[attr-defined]
        else:
            try:
                services.set_password(user, form.new.data)
            except services.AccountError as exc:
                form.new.errors.append(str(exc))  # type: ignore[attr-defined]
            else:
                db.session.commit()
                login_user(user)  # the cookie carries the new session version
                flash(_("Your password was changed. Other sessions were signed out."), "success")
                return redirect(url_for("account.profile"))
    status = 400 if form.errors else 200
    return render_template("account/profile.html", form=form), status

