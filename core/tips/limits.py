"""Rate limits for the public tip channel, on the app's one Flask-Limiter (``core.app.limiter``).

Per client, like the login form, but keyed by an HMAC of the client address under the app's
secret key instead of the address itself: the limiter keeps its counters (in memory, or in
``[security] rate_limit_storage``) only for the length of the window, and Flask-Limiter logs
a breach with the key — so neither its storage nor its log ever holds a tipster's address.
Nothing about the client is stored with a tip (see ``core.tips.models``).

Limits (per client address, per process unless the storage is shared):

* sending a tip, by page or API together: ``[security] tip_rate_limit`` (10 per hour);
* adding photos with a tracking code: :data:`PHOTO_RATE_LIMIT`;
* looking a tracking code up, by page or API together: :data:`LOOKUP_RATE_LIMIT`.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from flask_limiter.util import get_remote_address

PHOTO_RATE_LIMIT = "30 per hour"
LOOKUP_RATE_LIMIT = "30 per minute"
#: Shared scopes: the page and the API count together.
SUBMIT_SCOPE = "public-tips"
LOOKUP_SCOPE = "public-tip-status"


def client_key() -> str:
    """The limiter's key for this client: a keyed hash of its address, never the address."""
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    address = (get_remote_address() or "").encode("utf-8")
    return "tip:" + hmac.new(secret, address, hashlib.sha256).hexdigest()[:32]


def tip_limit() -> str:
    """How many tips one client may send (``[security] tip_rate_limit``)."""
    from core.app import kernel

    return kernel().settings["security"]["tip_rate_limit"]


def photo_limit() -> str:
    return PHOTO_RATE_LIMIT


def lookup_limit() -> str:
    return LOOKUP_RATE_LIMIT
