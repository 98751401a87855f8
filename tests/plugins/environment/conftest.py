"""Fixtures for the environment plugin's tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.environment.helpers import make_people


@pytest.fixture
def people(make_user: Any) -> None:
    """The accounts of :data:`tests.plugins.environment.helpers.PEOPLE`."""
    make_people(make_user)
