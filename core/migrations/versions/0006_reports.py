"""reports

Revision ID: 0006_reports
Revises: 0005_requests
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0006_reports'
down_revision = '0005_requests'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quarterly_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=6), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_quarterly_reports_department_id_departments')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_quarterly_reports_filed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarterly_reports')),
    sa.UniqueConstraint('department_id', 'quarter', name=op.f('uq_quarterly_reports_department_id'))
    )
    with op.batch_alter_table('quarterly_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarterly_reports_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarterly_reports_quarter'), ['quarter'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quarterly_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarterly_reports_quarter'))
        batch_op.drop_index(batch_op.f('ix_quarterly_reports_department_id'))

    op.drop_table('quarterly_reports')
