"""assessments (考评): periods, weights and states; one entry per department with its
computed indicators, self-check, evaluation and recommendation

Revision ID: 0014_assessments
Revises: 0013_campaigns
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0014_assessments'
down_revision = '0013_campaigns'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('computed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_assessments_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assessments_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_state'), ['state'], unique=False)

    op.create_table('assessment_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('system_score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('self_score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('self_text', sa.Text(), nullable=False),
    sa.Column('self_checked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('self_checked_by_id', sa.Integer(), nullable=True),
    sa.Column('evaluation_score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('evaluation_comment', sa.Text(), nullable=False),
    sa.Column('evaluated_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('evaluated_by_id', sa.Integer(), nullable=True),
    sa.Column('recommended', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_assessment_entries_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_assessment_entries_department_id_departments')),
    sa.ForeignKeyConstraint(['evaluated_by_id'], ['users.id'], name=op.f('fk_assessment_entries_evaluated_by_id_users')),
    sa.ForeignKeyConstraint(['self_checked_by_id'], ['users.id'], name=op.f('fk_assessment_entries_self_checked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_entries')),
    sa.UniqueConstraint('assessment_id', 'department_id', name=op.f('uq_assessment_entries_assessment_id'))
    )
    with op.batch_alter_table('assessment_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_entries_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_entries_department_id'), ['department_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('assessment_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_entries_department_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_entries_assessment_id'))

    op.drop_table('assessment_entries')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_state'))
        batch_op.drop_index(batch_op.f('ix_assessments_created_at'))
        batch_op.drop_index(batch_op.f('ix_assessments_campaign_id'))

    op.drop_table('assessments')
