"""Demo data for a fresh installation: one account per role that matters, random passwords."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.accounts.models import User
from core.accounts.services import create_user, generate_password
from core.db import db

#: (username, role, department code, display name)
DEMO_ACCOUNTS = [
    ("admin", "admin", "office", "系统管理员"),
    ("auditor", "auditor", "office", "审计员"),
    ("office", "office", "office", "林长办 王主任"),
    ("office.staff", "member", "office", "林长办 李干事"),
    ("nr.leader", "leader", "natural_resources", "自然资源所 陈所长"),
    ("nr.liaison", "liaison", "natural_resources", "自然资源所 联络员"),
    ("police.leader", "leader", "police", "派出所 黄所长"),
    ("police.liaison", "liaison", "police", "派出所 联络员"),
    ("env.liaison", "liaison", "environment", "环保办 联络员"),
    ("emergency.liaison", "liaison", "emergency", "应急管理办 联络员"),
    ("agri.leader", "leader", "agriculture", "农业农村办 刘主任"),
]


def has_accounts() -> bool:
    """Whether any account exists."""
    return bool(db.session.scalar(select(func.count()).select_from(User)))


def create_demo_data() -> list[dict[str, Any]]:
    """Create the demo accounts; returns them with their one-time passwords. Caller commits."""
    created = []
    for username, role, department, display_name in DEMO_ACCOUNTS:
        password = generate_password()
        create_user(username, password, department, role, display_name)
        created.append({"username": username, "password": password, "role": role,
                        "department": department})
    return created
