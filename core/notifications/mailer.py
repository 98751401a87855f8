"""Optional e-mail: notifications are also sent by SMTP when ``[mail] smtp_host`` is set.

The e-mail says what kind of notification arrived and where to find it; the subject (which
may name restricted information) stays on the platform. Each notification is e-mailed at
most once (``emailed_at``), and only notifications of the last day: switching mail on later
does not send the backlog.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from core.accounts.models import User
from core.app import kernel
from core.db import db
from core.notifications.models import Notification
from core.notifications.services import kind_label

log = logging.getLogger(__name__)

#: Older unsent notifications are not e-mailed any more.
EMAIL_WINDOW = timedelta(days=1)
BATCH = 500


def email_address(user: User) -> str | None:
    """Where ``user`` gets e-mail (``forestchief users set-email``), or None."""
    return user.email or None


def mail_settings() -> dict[str, Any]:
    """The ``[mail]`` settings section."""
    return kernel().settings["mail"]


def _connect(mail: dict[str, Any]) -> smtplib.SMTP:
    if mail["smtp_port"] == 465:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(mail["smtp_host"], mail["smtp_port"], timeout=30)
    else:
        smtp = smtplib.SMTP(mail["smtp_host"], mail["smtp_port"], timeout=30)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
    if mail["smtp_user"]:
        smtp.login(mail["smtp_user"], mail["smtp_password"])
    return smtp


def message_for(notification: Notification, address: str, sender: str) -> EmailMessage:
    """The e-mail for one notification: its kind and where to open it, no content."""
    message = EmailMessage()
    label = kind_label(notification.kind)
    message["Subject"] = _("[Forest-chief office] %(kind)s", kind=label)
    message["From"] = sender
    message["To"] = address
    message.set_content(_("%(kind)s. Sign in to the forest-chief platform to read it: %(link)s",
                          kind=label, link=notification.link or "/notifications/"))
    return message


def send_pending(now: datetime) -> int:
    """E-mail unsent notifications of the last day to people with an address.

    Scheduled job ``core.email_notifications``; does nothing (no query) without
    ``[mail] smtp_host``. Returns how many were sent. Each sent notification is marked at
    once; if the server fails part-way, those already sent are committed as sent before the
    error is raised, so nothing is ever sent twice.
    """
    mail = mail_settings()
    if not mail["smtp_host"]:
        return 0
    rows = db.session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), Notification.created_at >= now - EMAIL_WINDOW,
               User.active.is_(True))
        .order_by(Notification.id).limit(BATCH)).all()
    outgoing = [(n, address) for n, user in rows if (address := email_address(user))]
    if not outgoing:
        return 0
    sender = mail["sender"] or f"forestchief@{mail['smtp_host']}"
    sent = 0
    smtp = _connect(mail)
    try:
        for notification, address in outgoing:
            try:
                smtp.send_message(message_for(notification, address, sender))
            except smtplib.SMTPRecipientsRefused:
                log.warning("e-mail address of user %s refused", notification.user_id)
                continue  # tried again next run, until it leaves the window
            notification.emailed_at = now
            sent += 1
    except (smtplib.SMTPException, OSError):
        log.exception("e-mail stopped after %d of %d notifications", sent, len(outgoing))
        db.session.commit()  # what was sent stays marked as sent
        raise
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    return sent
