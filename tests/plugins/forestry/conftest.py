"""Fixtures for the forestry plugin's tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.forestry.helpers import Caller


@pytest.fixture
def api(app: Any, make_user: Any) -> Any:
    """``api(role, department)``: a bearer-token caller for a new user."""
    from core.accounts.models import User
    from core.accounts.services import create_token
    from core.db import db

    counter = iter(range(1000))

    def caller(role: str = "liaison", department: str = "natural_resources") -> Caller:
        user_id = make_user(f"api{next(counter)}.{department}", role=role,
                            department=department)
        with app.app_context():
            token = create_token(db.session.get(User, user_id), "test")
            db.session.commit()
        return Caller(app.test_client(), token)

    return caller
