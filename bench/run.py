"""Benchmarks (not part of `make test`): page latency with many accounts and audit records.

Targets (on the 2-core reference machine, SQLite): p95 below 150 ms for the dashboard,
the department directory, the departments API and the audit log with 5,000 accounts and
10,000+ audit records. Run with `make bench`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import audit
from core.accounts.models import User
from core.app import create_app
from core.db import db
from core.departments.models import Department
from core.migrate import upgrade
from core.testing import DEFAULT_PASSWORD, login, make_settings, sync_config_departments

TARGET_P95_MS = 150
PAGES = {"office": ["/", "/departments/", "/api/v1/departments?per_page=100"],
         "auditor": ["/audit/", "/audit/?action=insert&page=50"]}


@click.command()
@click.option("--users", default=5000, show_default=True)
@click.option("--requests", "n", default=100, show_default=True)
def main(users: int, n: int) -> None:
    """Fill a database, then time the pages."""
    directory = Path(tempfile.mkdtemp(prefix="forestchief-bench-"))
    app = create_app(make_settings(directory), testing=True)
    upgrade(app)
    sync_config_departments(app)
    from core.accounts.services import create_user, hash_password

    with app.app_context(), audit.acting_as(name="bench"):
        create_user("bench.office", DEFAULT_PASSWORD, "office", "office")
        create_user("bench.auditor", DEFAULT_PASSWORD, "office", "auditor")
        departments = db.session.query(Department).all()
        password_hash = hash_password(DEFAULT_PASSWORD)
        with click.progressbar(range(users), label="accounts") as bar:
            for i in bar:
                db.session.add(User(username=f"u{i}", display_name=f"用户{i}", role="liaison",
                                    department=departments[i % len(departments)],
                                    password_hash=password_hash))
                if i % 500 == 499:
                    db.session.commit()
        db.session.commit()
    failed = False
    for role, paths in PAGES.items():
        client = app.test_client()
        login(client, f"bench.{role}")
        for path in paths:
            times = []
            for _ in range(n):
                start = time.perf_counter()
                assert client.get(path).status_code == 200
                times.append((time.perf_counter() - start) * 1000)
            p95 = statistics.quantiles(times, n=20)[18]
            ok = p95 <= TARGET_P95_MS
            failed = failed or not ok
            click.echo(f"{path:45} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
                       f"{'ok' if ok else 'SLOW'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
