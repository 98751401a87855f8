"""Fixtures for the forestry plugin's tests."""

from __future__ import annotations

from typing import Any

import pytest

from core.testing import ApiCaller as Caller, make_api_caller
from tests.plugins.forestry.helpers import API


@pytest.fixture
def api(app: Any, make_user: Any) -> Any:
    """``api(role, department)``: a bearer-token caller for a new user."""
    counter = iter(range(1000))

    def caller(role: str = "liaison", department: str = "natural_resources") -> Caller:
        return make_api_caller(app, make_user, f"api{next(counter)}.{department}", role,
                               department, API)

    return caller
