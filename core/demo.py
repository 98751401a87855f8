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
    """Create the demo accounts and a little shared work to look at; returns the accounts
    with their one-time passwords. Caller commits."""
    created = []
    users = {}
    for username, role, department, display_name in DEMO_ACCOUNTS:
        password = generate_password()
        users[username] = create_user(username, password, department, role, display_name)
        created.append({"username": username, "password": password, "role": role,
                        "department": department})
    _demo_work(users)
    return created


def _demo_work(users: dict[str, User]) -> None:
    """Sample items and a request, created through the same services people use."""
    from datetime import timedelta

    from core import audit
    from core.db import utcnow
    from core.sharing.requests import RequestInput, create_request
    from core.sharing.services import ItemInput, create_item

    with audit.acting_as(users["nr.liaison"]):
        create_item(users["nr.liaison"], ItemInput(
            title="2026年第四季度林木采伐许可发放情况", category="forestry.logging_permit",
            sensitivity="internal", shared_with=["office", "environment", "police"],
            body="本季度共发放林木采伐许可证 12 份，许可蓄积 350 立方米，均已现场核查伐区。",
            tags="采伐许可, 季度"))
        create_item(users["nr.liaison"], ItemInput(
            title="镇域森林资源年度监测结果", category="resource_survey", sensitivity="open",
            body="全镇森林覆盖率 71.3%，较上年提高 0.4 个百分点。", tags="监测"))
    with audit.acting_as(users["emergency.liaison"]):
        create_item(users["emergency.liaison"], ItemInput(
            title="森林火险等级预警（三级）", category="emergency.fire_danger_warning",
            sensitivity="open", body="未来三天气温偏高、湿度偏低，请各村加强巡山护林。",
            tags="火险, 预警"))
    with audit.acting_as(users["office"]):
        create_request(users["office"], RequestInput(
            target="police", subject="请报送本月涉林案件办理情况",
            details="包括立案数、移送数、行政拘留和刑事拘留人数。",
            due_at=utcnow() + timedelta(days=3)))
