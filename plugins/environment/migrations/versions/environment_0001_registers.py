"""environment registers: EIA approvals and conditions, ecological problems, restoration

Revision ID: environment_0001_registers
Revises:

The environment plugin's own branch (``branch_labels = ("environment",)``); its problems link
the core's inspection findings, and the revision follows the core's latest
(``depends_on = "0010_tips"``). Constraint and index names follow
``core.db.NAMING_CONVENTION``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "environment_0001_registers"
down_revision = None
branch_labels = ("environment",)
depends_on = "0010_tips"

#: In creation order (each refers only to those before it).
TABLES = ("environment_eia_approvals", "environment_eia_conditions", "environment_problems",
          "environment_problem_events", "environment_restorations",
          "environment_restoration_progress")


def _column(name: str, type_: sa.types.TypeEngine | type, nullable: bool = False) -> sa.Column:
    return sa.Column(name, type_, nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return _column(name, core.db.UTCDateTime(timezone=True), nullable)


def _place() -> list[sa.Column]:
    return [_column("place_name", sa.String(length=200)), _column("lat", sa.Float(), True),
            _column("lng", sa.Float(), True)]


def _constraints(table: str, cascade: tuple[str, ...] = (), **fks: str) -> list[sa.Constraint]:
    """The primary key and the foreign keys ``column=target_table`` (those in ``cascade``
    delete with their parent row)."""
    return [sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")), *(
        sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                name=op.f(f"fk_{table}_{column}_{target}"),
                                ondelete="CASCADE" if column in cascade else None)
        for column, target in fks.items())]


def _create(table: str, *items: sa.Column | sa.Constraint, indexes: tuple[str, ...]) -> None:
    """Create ``table`` with an ``id`` key, then index ``indexes``."""
    op.create_table(table, _column("id", sa.Integer()), *items)
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in indexes:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    eia, conditions, problems, events, restorations, progress = TABLES
    _create(
        eia,
        _column("department_id", sa.Integer()),
        _column("project", sa.String(length=200)),
        _column("developer", sa.String(length=200)),
        *_place(),
        _column("area_mu", sa.Numeric(precision=12, scale=2, asdecimal=False)),
        _column("kind", sa.String(length=20)),
        _column("submitted_on", sa.Date()),
        _column("state", sa.String(length=20)),
        _column("approval_number", sa.String(length=60)),
        _column("decided_on", sa.Date(), True),
        _column("decision_note", sa.Text()),
        _column("decided_by_id", sa.Integer(), True),
        _column("note", sa.Text()),
        _column("created_by_id", sa.Integer()),
        _time("created_at"),
        _time("updated_at"),
        _column("version", sa.Integer()),
        *_constraints(eia, created_by_id="users", decided_by_id="users",
                      department_id="departments"),
        indexes=("decided_on", "department_id", "kind", "state", "submitted_on"),
    )
    _create(
        conditions,
        _column("approval_id", sa.Integer()),
        _column("text", sa.Text()),
        _time("due_at"),
        _column("state", sa.String(length=20)),
        _time("checked_at", True),
        _column("checked_by_id", sa.Integer(), True),
        _column("check_note", sa.Text()),
        _column("version", sa.Integer()),
        *_constraints(conditions, ("approval_id",), approval_id=eia, checked_by_id="users"),
        indexes=("approval_id", "due_at", "state"),
    )
    _create(
        problems,
        _column("department_id", sa.Integer()),
        _column("finding_id", sa.Integer(), True),
        _column("description", sa.Text()),
        *_place(),
        _time("due_at", True),
        _column("state", sa.String(length=20)),
        _column("created_by_id", sa.Integer()),
        _time("created_at"),
        _time("restored_at", True),
        _time("closed_at", True),
        _column("version", sa.Integer()),
        *_constraints(problems, created_by_id="users", department_id="departments",
                      finding_id="findings"),
        sa.UniqueConstraint("finding_id", name=op.f(f"uq_{problems}_finding_id")),
        indexes=("closed_at", "created_at", "department_id", "due_at", "state"),
    )
    _create(
        events,
        _column("problem_id", sa.Integer()),
        _column("kind", sa.String(length=30)),
        _column("text", sa.Text()),
        _column("user_id", sa.Integer()),
        _time("created_at"),
        *_constraints(events, ("problem_id",), problem_id=problems, user_id="users"),
        indexes=("problem_id",),
    )
    _create(
        restorations,
        _column("department_id", sa.Integer()),
        _column("problem_id", sa.Integer(), True),
        _column("name", sa.String(length=200)),
        *_place(),
        _column("measures", sa.Text()),
        _column("budget_yuan", sa.Numeric(precision=14, scale=2, asdecimal=False)),
        _column("start_on", sa.Date()),
        _column("planned_end_on", sa.Date(), True),
        _column("progress_percent", sa.Integer()),
        _column("state", sa.String(length=20)),
        _column("accepted_on", sa.Date(), True),
        _column("acceptance_note", sa.Text()),
        _column("accepted_by_id", sa.Integer(), True),
        _column("created_by_id", sa.Integer()),
        _time("created_at"),
        _time("updated_at"),
        _column("version", sa.Integer()),
        sa.CheckConstraint("progress_percent BETWEEN 0 AND 100",
                           name=op.f(f"ck_{restorations}_progress_percent_range")),
        *_constraints(restorations, accepted_by_id="users", created_by_id="users",
                      department_id="departments", problem_id=problems),
        indexes=("accepted_on", "department_id", "problem_id", "start_on", "state"),
    )
    _create(
        progress,
        _column("project_id", sa.Integer()),
        _column("percent", sa.Integer()),
        _column("text", sa.Text()),
        _column("user_id", sa.Integer()),
        _time("created_at"),
        *_constraints(progress, ("project_id",), project_id=restorations, user_id="users"),
        indexes=("project_id",),
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)  # its indexes go with it
