"""Shared helpers of the police plugin's tests: API callers with bearer tokens, and core
cases handed over through the core's services (as the departments' people)."""

from __future__ import annotations

from typing import Any

from core.testing import ApiCaller as Caller, make_api_caller

API = "/api/v1/police"


ACCOUNTS = {
    "forestry": ("li.forest", "liaison", "natural_resources"),
    "police": ("zhao.police", "liaison", "police"),
    "police_member": ("qian.police", "member", "police"),
    "police_leader": ("huang.police", "leader", "police"),
    "env": ("chen.env", "liaison", "environment"),
    "env_leader": ("wu.env", "leader", "environment"),
    "finance": ("sun.finance", "liaison", "finance"),
    "office": ("wang.office", "office", "office"),
}


def make_callers(app: Any, make_user: Any) -> dict[str, Caller]:
    return {key: make_api_caller(app, make_user, username, role, department, API)
            for key, (username, role, department) in ACCOUNTS.items()}


def user(username: str) -> Any:
    from sqlalchemy import select

    from core.accounts.models import User
    from core.db import db

    return db.session.scalar(select(User).where(User.username == username))


def hand_over(app: Any, feedback: str | None = "accepted_criminal",
              title: str = "东坡村后山盗伐林木案", offence: str = "forestry.tree_theft",
              ) -> tuple[int, int]:
    """natural_resources opens a case and hands it to the police, who answer ``feedback``
    (None: not answered yet). Returns ``(case_id, transfer_id)``; commits."""
    from core import audit
    from core.cases import services as cases
    from core.db import db

    with app.test_request_context():
        forest, police = user("li.forest"), user("zhao.police")
        with audit.acting_as(forest):
            case = cases.open_case(forest, cases.CaseInput(title=title, offence_type=offence))
            transfer = cases.send_transfer(forest, case, cases.TransferInput(
                to="police", reason="涉嫌盗伐林木罪，数量较大"))
        if feedback is not None:
            with audit.acting_as(police):
                cases.acknowledge(police, transfer)
                cases.answer(police, transfer, feedback,
                             "已刑事立案侦查" if feedback == "accepted_criminal" else "不构成犯罪")
        db.session.commit()
        return case.id, transfer.id
