"""Shared helpers of the police plugin's tests: API callers with bearer tokens, and core
cases handed over through the core's services (as the departments' people)."""

from __future__ import annotations

from typing import Any

API = "/api/v1/police"
ERROR_KEYS = {"code", "message", "fields"}


class Caller:
    """One user's calls to the API with a bearer token (stateless: freeze_time is safe)."""

    def __init__(self, client: Any, token: str, username: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.username = username

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(path if path.startswith("/api/") else API + path,
                               query_string=query, headers=self.headers)

    def post(self, path: str, json: dict[str, Any] | None = None) -> Any:
        return self.client.post(path if path.startswith("/api/") else API + path,
                                json=json, headers=self.headers)

    def put(self, path: str, json: dict[str, Any]) -> Any:
        return self.client.put(API + path, json=json, headers=self.headers)

    def patch(self, path: str, json: dict[str, Any]) -> Any:
        return self.client.patch(API + path, json=json, headers=self.headers)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    return response.get_json()


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The error body, after checking the API's one error shape."""
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


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
    from core.accounts.models import User
    from core.accounts.services import create_token
    from core.db import db

    callers = {}
    for key, (username, role, department) in ACCOUNTS.items():
        user_id = make_user(username, role=role, department=department)
        with app.app_context():
            token = create_token(db.session.get(User, user_id), "test")
            db.session.commit()
        callers[key] = Caller(app.test_client(), token, username)
    return callers


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
