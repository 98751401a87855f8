"""Fixtures for the emergency plugin's tests: the people of ``helpers.PEOPLE``, signed-in
browser clients and bearer-token API callers for them."""

from __future__ import annotations

from typing import Any

import pytest

from core.testing import ApiCaller, login
from tests.plugins.emergency.helpers import API, PEOPLE


@pytest.fixture
def people(make_user: Any) -> dict[str, int]:
    """Create every account of ``PEOPLE``; their ids."""
    return {name: make_user(name, role=role, department=department,
                            display_name=f"{department} {name}")
            for name, (role, department) in PEOPLE.items()}


@pytest.fixture
def signed_in(app: Any, people: dict[str, int]) -> Any:
    """``signed_in("li.emergency")``: a client signed in through the login form."""

    def open_as(username: str) -> Any:
        client = app.test_client()
        assert login(client, username).status_code == 302
        return client

    return open_as


@pytest.fixture
def api(api_callers: Any) -> Any:
    """``api(role, department)``: a bearer-token caller for a new user."""
    counter = iter(range(1000))

    def caller(role: str = "liaison", department: str = "emergency") -> ApiCaller:
        name = f"api{next(counter)}.{department}"
        return api_callers({name: (name, role, department)}, prefix=API)[name]

    return caller
