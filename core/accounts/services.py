"""Account rules: passwords, lockout, tokens. Views, API and CLI all call these."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from core import audit
from core.accounts.models import ROLES, ApiToken, User
from core.db import db, utcnow
from core.departments.models import Department

_hasher = PasswordHasher()
#: Verified against unknown usernames so a miss costs as much time as a hit.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{2,80}$")
TOKEN_PREFIX = "fc_"
TOKEN_USE_PRECISION = timedelta(minutes=5)


class AccountError(ValueError):
    """A rule about accounts was broken; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.field = field


# ----------------------------------------------------------------------------- passwords


def password_problems(password: str) -> list[str]:
    """Why ``password`` is too weak (empty list when it is acceptable).

    Rule: at least 8 characters from at least 3 of: lower case, upper case, digits, others.
    """
    problems = []
    if len(password) < 8:
        problems.append(str(_l("Password must be at least 8 characters long.")))
    classes = sum(
        bool(re.search(pattern, password))
        for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    if classes < 3:
        problems.append(str(_l(
            "Password must mix at least 3 of: lower-case letters, upper-case letters, "
            "digits, other characters."
        )))
    return problems


def hash_password(password: str) -> str:
    """Argon2id hash of ``password``."""
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s; rehashes when argon2 parameters changed."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def generate_password() -> str:
    """A random password that satisfies the complexity rule."""
    while True:
        candidate = secrets.token_urlsafe(12) + secrets.choice("!@#%+=")
        if not password_problems(candidate):
            return candidate


# --------------------------------------------------------------------------------- users


def get_department(code: str) -> Department:
    """The active department with ``code`` or an :class:`AccountError`."""
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None or not department.active:
        raise AccountError(str(_l("No active department with code %(code)s.", code=code)),
                           "department")
    return department


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def set_email(user: User, email: str | None) -> None:
    """Set (or, with an empty value, clear) ``user``'s e-mail address. Caller commits."""
    email = (email or "").strip()
    if email and not EMAIL_PATTERN.match(email):
        raise AccountError(str(_l("%(email)s is not an e-mail address.", email=email)), "email")
    user.email = email or None


def create_user(username: str, password: str, department_code: str, role: str,
                display_name: str = "") -> User:
    """Create an account; raises :class:`AccountError` on any rule broken. Caller commits."""
    if not USERNAME_PATTERN.match(username):
        raise AccountError(str(_l("User names are 2-80 letters, digits, '.', '_' or '-'.")),
                           "username")
    if role not in ROLES:
        raise AccountError(str(_l("Unknown role %(role)s; roles: %(roles)s.",
                                  role=role, roles=", ".join(ROLES))), "role")
    problems = password_problems(password)
    if problems:
        raise AccountError(" ".join(problems), "password")
    exists = db.session.scalar(
        select(func.count()).select_from(User).where(func.lower(User.username) == username.lower())
    )
    if exists:
        raise AccountError(str(_l("User name %(name)s is taken.", name=username)), "username")
    user = User(
        username=username,
        display_name=display_name or username,
        department=get_department(department_code),
        role=role,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    return user


def find_user(username: str, for_update: bool = False) -> User | None:
    """The account named ``username`` (case-insensitive), or None.

    ``for_update`` locks the row until the transaction ends (PostgreSQL), so concurrent
    sign-ins read and write the failure counter one after the other.
    """
    match = func.lower(User.username) == username.lower()
    stmt = select(User).where(match)
    if for_update:
        if db.session.get_bind().dialect.name == "sqlite":
            # SQLite has no row locks: a no-op write takes the database write lock first,
            # so concurrent sign-ins run one after the other instead of losing counts.
            db.session.execute(update(User).where(match)
                               .values(failed_logins=User.failed_logins)
                               .execution_options(synchronize_session=False))
        stmt = stmt.with_for_update(of=User)
    return db.session.scalar(stmt)


def set_password(user: User, password: str) -> None:
    """Change ``user``'s password; old sessions stop working. Caller commits."""
    problems = password_problems(password)
    if problems:
        raise AccountError(" ".join(problems), "password")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None


def deactivate(user: User) -> None:
    """Disable ``user``: no login, no token, every session ends. Caller commits."""
    user.active = False
    user.session_version += 1
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                           ApiToken.revoked_at.is_(None))):
        token.revoked_at = utcnow()


# ----------------------------------------------------------------------------- sign in


@dataclass
class LoginPolicy:
    threshold: int = 5
    lockout: timedelta = timedelta(minutes=15)


def authenticate(username: str, password: str, policy: LoginPolicy,
                 now: datetime | None = None) -> User | None:
    """Check credentials, applying lockout. Returns the user or None; never says why.

    Writes the failure counter and audit records (failed login, lockout, login); the caller
    commits whatever the outcome so failures are kept.
    """
    now = now or utcnow()
    # Locked: parallel guesses would otherwise all read the same counter and each get a try.
    user = find_user(username, for_update=True)
    if user is None:
        _spend_verify_time(password)
        audit.record("login_failed", "users", None, {"username": [None, username[:80]],
                                                     "reason": [None, "unknown user"]})
        return None
    if user.locked_until is not None and user.locked_until > now:
        _spend_verify_time(password)  # a locked account answers as slowly as any other
        audit.record("login_failed", "users", user.id, {"reason": [None, "locked"]})
        return None
    if not check_password(user, password) or not user.is_active:
        register_failure(user, policy, "inactive" if user.is_active is False else "bad password",
                         now=now)
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    with audit.acting_as(user):
        audit.record("login", "users", user.id)
    return user


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Whether ``user`` is locked out after too many wrong passwords."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def register_failure(user: User, policy: LoginPolicy, reason: str,
                     action: str = "login_failed", now: datetime | None = None) -> None:
    """Count a wrong password for ``user``; lock the account at the threshold. Caller commits.

    Used by sign-in and by every other place that checks a password (the password change),
    so a stolen session cannot be used to guess the password without limit either.
    """
    now = now or utcnow()
    if user.locked_until is not None and user.locked_until <= now:
        user.failed_logins = 0
        user.locked_until = None
    user.failed_logins += 1
    audit.record(action, "users", user.id, {"reason": [None, reason],
                                            "failed_logins": [None, user.failed_logins]})
    if user.failed_logins >= policy.threshold:
        user.locked_until = now + policy.lockout
        audit.record("lockout", "users", user.id,
                     {"locked_until": [None, user.locked_until.isoformat()]})


def _spend_verify_time(password: str) -> None:
    """Cost as much as a real password check, so response times reveal nothing."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        _hasher.verify(_DUMMY_HASH, password)


def load_session_user(user_id: str) -> User | None:
    """Flask-Login's user loader: ``"<id>:<session_version>"`` must match the database."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


# --------------------------------------------------------------------------------- tokens


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str = "") -> str:
    """Issue an API token for ``user``; returns it once (only its hash is stored)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_token_digest(token), prefix=token[:10],
                            name=name))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """The active user owning the unrevoked ``token``, or None."""
    api_token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                               ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.user.is_active:
        return None
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_USE_PRECISION:
        # Recorded coarsely, on its own short transaction: the request's transaction stays
        # the request's (this bookkeeping column is not audited).
        with db.engine.begin() as connection:
            connection.execute(update(ApiToken).where(ApiToken.id == api_token.id)
                               .values(last_used_at=now))
    return api_token.user
