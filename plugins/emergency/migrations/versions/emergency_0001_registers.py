"""emergency registers: forest fires and their response log, fire danger periods, the duty
roster, patrols

Revision ID: emergency_0001_registers
Revises: (root of the ``emergency`` branch; depends on the core's 0010_tips)

The emergency plugin's own branch (``branch_labels = ("emergency",)``); fires hang off the
core's cases and hand-overs, published danger periods off information items. Constraint and
index names follow ``core.db.NAMING_CONVENTION``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "emergency_0001_registers"
down_revision = None
branch_labels = ("emergency",)
depends_on = "0010_tips"

HECTARES = sa.Numeric(precision=12, scale=2, asdecimal=False)
#: table -> its indexed columns (created after the table, dropped before it).
INDEXES = {
    "emergency_duty_days": ("officer_id",),
    "emergency_patrols": ("department_id", "patrolled_on"),
    "emergency_danger_periods": ("department_id", "ends_on", "starts_on"),
    "emergency_fires": ("case_id", "cause", "department_id", "level", "reported_at", "state"),
    "emergency_log_entries": ("fire_id",),
    "emergency_log_departments": ("department_id", "entry_id"),
}


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, core.db.UTCDateTime(timezone=True), nullable=nullable)


def _ints(*names: str, nullable: bool = False) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=nullable) for name in names]


def _texts(**lengths: int | None) -> list[sa.Column]:
    """Required text columns: ``name=length`` (``None``: unbounded ``TEXT``)."""
    return [sa.Column(name, sa.String(length=n) if n else sa.Text(), nullable=False)
            for name, n in lengths.items()]


def _coordinates() -> list[sa.Column]:
    return [sa.Column("lat", sa.Float(), nullable=True),
            sa.Column("lng", sa.Float(), nullable=True)]


def _stamps(versioned: bool = True) -> list[sa.Column]:
    """created_at, updated_at and the optimistic-locking version."""
    return [_when("created_at"), _when("updated_at"), *_ints("version")] if versioned else [
        _when("created_at")]


def _table(table: str, *columns: sa.Column, references: dict[str, str],
           checks: dict[str, str] | None = None, unique: tuple[str, ...] = (),
           cascade: tuple[str, ...] = ()) -> None:
    """Create ``table`` with its id, ``columns``, foreign keys ``column -> table`` (``ON
    DELETE CASCADE`` for ``cascade``), named checks, one unique constraint, its indexes."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        *columns,
        *(sa.CheckConstraint(sql, name=op.f(f"ck_{table}_{name}"))
          for name, sql in (checks or {}).items()),
        *(sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                  name=op.f(f"fk_{table}_{column}_{target}"),
                                  ondelete="CASCADE" if column in cascade else None)
          for column, target in references.items()),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        *([sa.UniqueConstraint(*unique, name=op.f(f"uq_{table}_{unique[0]}"))]
          if unique else []),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in INDEXES[table]:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _not_negative(*columns: str) -> dict[str, str]:
    return {f"{c}_not_negative": f"{c} >= 0" for c in columns}


def upgrade() -> None:
    _table("emergency_duty_days",
           sa.Column("day", sa.Date(), nullable=False),
           *_ints("officer_id"),
           *_texts(leader=100, phone=40, note=500),
           *_ints("department_id", "updated_by_id"),
           *_stamps(),
           references={"department_id": "departments", "officer_id": "users",
                       "updated_by_id": "users"},
           unique=("day",))
    _table("emergency_patrols",
           *_ints("department_id"),
           sa.Column("patrolled_on", sa.Date(), nullable=False),
           *_texts(route=200, members=500, findings=None),
           *_ints("hazards_found"),
           *_coordinates(),
           *_ints("created_by_id"),
           *_stamps(),
           checks=_not_negative("hazards_found"),
           references={"created_by_id": "users", "department_id": "departments"})
    _table("emergency_danger_periods",
           *_ints("department_id"),
           sa.Column("starts_on", sa.Date(), nullable=False),
           sa.Column("ends_on", sa.Date(), nullable=False),
           *_ints("level"),
           *_texts(note=None),
           *_ints("info_item_id", nullable=True),
           *_ints("created_by_id"),
           *_stamps(),
           checks={"ends_after_start": "ends_on >= starts_on",
                   "level_1_to_5": "level BETWEEN 1 AND 5"},
           references={"created_by_id": "users", "department_id": "departments",
                       "info_item_id": "info_items"})
    _table("emergency_fires",
           *_texts(number=60),
           *_ints("department_id"),
           *_texts(place_name=200),
           *_coordinates(),
           _when("reported_at"),
           *_texts(cause=20),
           sa.Column("burned_area_ha", HECTARES, nullable=False),
           *_ints("deaths", "injuries"),
           *_texts(affected_forest=200, level=20, state=20, description=None),
           _when("extinguished_at", nullable=True),
           _when("assessed_at", nullable=True),
           *_texts(assessment=None),
           *_ints("case_id", "transfer_id", nullable=True),
           *_ints("injured_tasked", "created_by_id"),
           *_stamps(),
           checks=_not_negative("burned_area_ha", "deaths", "injured_tasked", "injuries"),
           references={"case_id": "cases", "created_by_id": "users",
                       "department_id": "departments", "transfer_id": "transfers"},
           unique=("number",))
    _table("emergency_log_entries",
           *_ints("fire_id"),
           _when("acted_at"),
           *_texts(action=None, forces=500),
           *_ints("personnel"),
           *_texts(resources=500),
           *_ints("vehicles", "created_by_id"),
           *_stamps(versioned=False),
           checks=_not_negative("personnel", "vehicles"),
           references={"created_by_id": "users", "fire_id": "emergency_fires"},
           cascade=("fire_id",))
    _table("emergency_log_departments",
           *_ints("entry_id", "department_id"),
           references={"department_id": "departments", "entry_id": "emergency_log_entries"},
           unique=("entry_id", "department_id"),
           cascade=("entry_id",))


def downgrade() -> None:
    for table in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in INDEXES[table]:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
