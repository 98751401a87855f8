"""Helpers for the emergency plugin's tests: who is who, form and API bodies, reading rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

API = "/api/v1/emergency"
SHANGHAI = ZoneInfo("Asia/Shanghai")

#: username -> (role, department)
PEOPLE = {
    "li.emergency": ("liaison", "emergency"),
    "ma.emergency": ("member", "emergency"),
    "wang.office": ("office", "office"),
    "zhao.police": ("liaison", "police"),
    "sun.services": ("liaison", "public_services"),
    "chen.forest": ("liaison", "natural_resources"),
}


def today() -> date:
    return datetime.now(SHANGHAI).date()


def local_minute(hours_ago: float = 1) -> str:
    """A time ``hours_ago`` in site time, as a datetime-local field sends it."""
    moment = datetime.now(SHANGHAI) - timedelta(hours=hours_ago)
    return moment.strftime("%Y-%m-%dT%H:%M")


def fire_form(**changes: Any) -> dict[str, Any]:
    return {"place_name": "西山村马鞍岭", "lat": "24.7952", "lng": "112.3977",
            "reported_at": local_minute(), "cause": "lightning", "burned_area_ha": "0.5",
            "deaths": "0", "injuries": "0", "affected_forest": "马尾松林",
            "description": "雷击引燃山顶松林", **changes}


def fire_body(**changes: Any) -> dict[str, Any]:
    reported = datetime.now(SHANGHAI) - timedelta(hours=2)
    return {"place_name": "东坡村后山", "reported_at": reported.isoformat(),
            "cause": "unknown", "burned_area_ha": 0.3, **changes}


def user(username: str) -> Any:
    from sqlalchemy import select

    from core.accounts.models import User
    from core.db import db

    return db.session.scalar(select(User).where(User.username == username))


def one(model: Any, **where: Any) -> Any:
    """The single row of ``model`` matching ``where`` (fails on none or several)."""
    from sqlalchemy import select

    from core.db import db

    return db.session.scalars(select(model).filter_by(**where)).one()
