"""forestry registers: logging permits, forest-land use permits, case details, experts and
technical reports

Revision ID: forestry_0001_registers
Revises: (root of the ``forestry`` branch; depends on the core's 0009_cases)
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "forestry_0001_registers"
down_revision = None
branch_labels = ("forestry",)
depends_on = "0009_cases"

VOLUME = sa.Numeric(precision=12, scale=3, asdecimal=False)
AREA = sa.Numeric(precision=12, scale=2, asdecimal=False)
TONNES = sa.Numeric(precision=14, scale=2, asdecimal=False)
YUAN = sa.Numeric(precision=14, scale=2, asdecimal=False)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, core.db.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.Constraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def _keys(table: str) -> list[sa.Constraint]:
    """Primary key, issuing department and author: every register has them."""
    return [sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            _fk(table, "department_id", "departments"), _fk(table, "created_by_id", "users")]


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _permit(table: str, *columns: sa.Column) -> None:
    """A permit register: a unique number, the department, holder and place, validity."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        *columns,
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _time("created_at"), _time("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        *_keys(table),
        sa.UniqueConstraint("number", name=op.f(f"uq_{table}_number")),
    )


def upgrade() -> None:
    _permit(
        "forestry_logging_permits",
        sa.Column("place_name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("species", sa.String(length=200), nullable=False),
        sa.Column("volume_m3", VOLUME, nullable=False),
        sa.Column("area_mu", AREA, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
    )
    _indexes("forestry_logging_permits", "department_id", "issued_on", "valid_until")

    _permit(
        "forestry_land_use_permits",
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("place_name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("area_mu", AREA, nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
    )
    _indexes("forestry_land_use_permits", "approved_on", "department_id", "valid_until")

    op.create_table(
        "forestry_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("timber_volume_m3", VOLUME, nullable=True),
        sa.Column("land_area_mu", AREA, nullable=True),
        sa.Column("mineral_tonnes", TONNES, nullable=True),
        sa.Column("confiscated_tonnes", TONNES, nullable=True),
        sa.Column("value_yuan", YUAN, nullable=True),
        sa.Column("fine_yuan", YUAN, nullable=True),
        sa.Column("restoration_ordered", sa.Boolean(), nullable=False),
        sa.Column("restoration_text", sa.Text(), nullable=False),
        sa.Column("mining_banned", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        _time("returned_at", nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _time("created_at"), _time("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        *_keys("forestry_cases"),
        _fk("forestry_cases", "case_id", "cases", ondelete="CASCADE"),
        sa.UniqueConstraint("case_id", name=op.f("uq_forestry_cases_case_id")),
    )
    _indexes("forestry_cases", "created_at", "department_id")

    op.create_table(
        "forestry_experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("qualification", sa.String(length=200), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("appointed_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _time("created_at"),
        *_keys("forestry_experts"),
        _fk("forestry_experts", "case_id", "cases", ondelete="CASCADE"),
    )
    _indexes("forestry_experts", "case_id")

    op.create_table(
        "forestry_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _time("created_at"),
        *_keys("forestry_reports"),
        _fk("forestry_reports", "case_id", "cases", ondelete="CASCADE"),
        _fk("forestry_reports", "expert_id", "forestry_experts"),
    )
    _indexes("forestry_reports", "case_id")


def downgrade() -> None:
    for table in ("forestry_reports", "forestry_experts", "forestry_cases",
                  "forestry_land_use_permits", "forestry_logging_permits"):
        op.drop_table(table)
