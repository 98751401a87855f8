"""Pages run a bounded number of SQL queries whatever the data size."""

from __future__ import annotations

import pytest

from core import audit
from core.db import db


def add_users(app, prefix: str, n: int) -> None:
    from core.accounts.models import User
    from core.departments.models import Department

    with app.app_context(), audit.acting_as(name="test"):
        departments = db.session.query(Department).all()
        for i in range(n):
            db.session.add(User(username=f"{prefix}{i}", display_name=f"{prefix}{i}",
                                department=departments[i % len(departments)],
                                role="liaison", password_hash="x"))
        db.session.commit()


PAGES = {
    "office": ["/", "/departments/", "/departments/police", "/forestry/",
               "/api/v1/departments?per_page=100", "/api/v1/me"],
    "admin": ["/admin/users", "/admin/plugins"],
    "auditor": ["/audit/"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_query_count_does_not_grow_with_data(app, login_as, count_queries, role):
    client = login_as(role, "office")
    add_users(app, "small", 30)  # every department has liaisons

    def counts():
        result = {}
        for path in PAGES[role]:
            with count_queries() as q:
                assert client.get(path).status_code == 200, path
            result[path] = q.count
        return result

    small = counts()
    add_users(app, "large", 120)  # more users, liaisons and audit records
    large = counts()
    assert large == small
    assert max(large.values()) <= 15, large  # the dashboard, every widget included

