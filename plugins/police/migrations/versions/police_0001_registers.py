"""police registers: criminal cases, early interventions, outcomes, risk notices

Revision ID: police_0001_registers
Revises:
Create Date: 2026-11-24

The police plugin's own branch (``branch_labels = ("police",)``); its tables hang off the
core's cases and hand-overs (``depends_on = "0009_cases"``). Constraint and index names follow
``core.db.NAMING_CONVENTION``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "police_0001_registers"
down_revision = None
branch_labels = ("police",)
depends_on = "0009_cases"

TABLES = ("police_criminal_cases", "police_interventions", "police_outcomes",
          "police_risk_notices")


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, core.db.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def _keys(table: str, **fks: str) -> list[sa.Constraint]:
    """The primary key and the foreign keys ``column=target_table``."""
    return [sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            *(_fk(table, column, target) for column, target in fks.items())]


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _unique(table: str, column: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(column, name=op.f(f"uq_{table}_{column}"))


def _not_negative(table: str, column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} >= 0",
                              name=op.f(f"ck_{table}_{column}_not_negative"))


def upgrade() -> None:
    table = "police_criminal_cases"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=60), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("charge", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        *_keys(table, case_id="cases", created_by_id="users", department_id="departments",
               transfer_id="transfers"),
        _unique(table, "case_id"),
    )
    _indexes(table, "case_number", "department_id", "filed_on", "stage")

    table = "police_interventions"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("intervened_on", sa.Date(), nullable=False),
        sa.Column("officer", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _time("created_at"),
        *_keys(table, case_id="cases", created_by_id="users", department_id="departments"),
    )
    _indexes(table, "case_id", "department_id", "intervened_on")

    table = "police_outcomes"
    figures = ("admin_detentions", "criminal_detentions", "arrests", "persons_involved")
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in figures),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        *(_not_negative(table, name) for name in figures),
        *_keys(table, case_id="cases", department_id="departments", updated_by_id="users"),
        _unique(table, "case_id"),
    )
    _indexes(table, "department_id")

    table = "police_risk_notices"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("target_department_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        _time("sent_at"),
        sa.Column("sent_by_id", sa.Integer(), nullable=False),
        _time("reply_due_at"),
        sa.Column("reply_text", sa.Text(), nullable=False),
        _time("replied_at", nullable=True),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_keys(table, department_id="departments", replied_by_id="users", sent_by_id="users",
               target_department_id="departments"),
        _unique(table, "number"),
    )
    _indexes(table, "department_id", "reply_due_at", "sent_at", "state", "target_department_id")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)  # its indexes go with it
