"""special campaigns: phases, leadership group, participating departments, the ledger's
rows and cells, report slots, clues

Revision ID: 0013_campaigns
Revises: 0012_meetings
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0013_campaigns'
down_revision = '0012_meetings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('focus_offence_types', sa.JSON(), nullable=False),
    sa.Column('office_department_id', sa.Integer(), nullable=False),
    sa.Column('office_location', sa.String(length=200), nullable=False),
    sa.Column('office_director', sa.String(length=200), nullable=False),
    sa.Column('office_deputy', sa.String(length=200), nullable=False),
    sa.Column('office_staff', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('rhythm', sa.JSON(), nullable=False),
    sa.Column('ledger_layout', sa.JSON(), nullable=False),
    sa.Column('ledger_reviewer', sa.String(length=100), nullable=False),
    sa.Column('ledger_filed_on', sa.Date(), nullable=True),
    sa.Column('ledger_filed_by', sa.String(length=100), nullable=False),
    sa.Column('ledger_unit', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaigns_created_by_id_users')),
    sa.ForeignKeyConstraint(['office_department_id'], ['departments.id'], name=op.f('fk_campaigns_office_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_ends_on'), ['ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_office_department_id'), ['office_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_starts_on'), ['starts_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_template'), ['template'], unique=False)

    op.create_table('campaign_departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('reports', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_departments_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_campaign_departments_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_departments')),
    sa.UniqueConstraint('campaign_id', 'department_id', name=op.f('uq_campaign_departments_campaign_id'))
    )
    with op.batch_alter_table('campaign_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_departments_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_departments_department_id'), ['department_id'], unique=False)

    op.create_table('campaign_leaders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('post', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_leaders_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_campaign_leaders_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_leaders'))
    )
    with op.batch_alter_table('campaign_leaders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_leaders_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_leaders_department_id'), ['department_id'], unique=False)

    op.create_table('campaign_phases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_phases_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_phases')),
    sa.UniqueConstraint('campaign_id', 'position', name=op.f('uq_campaign_phases_campaign_id'))
    )
    with op.batch_alter_table('campaign_phases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_phases_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('campaign_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('filed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('self_assessment', sa.Text(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_reports_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_campaign_reports_department_id_departments')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_campaign_reports_filed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_reports')),
    sa.UniqueConstraint('campaign_id', 'department_id', 'kind', 'due_at', name=op.f('uq_campaign_reports_campaign_id'))
    )
    with op.batch_alter_table('campaign_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_reports_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_reports_department_id'), ['department_id'], unique=False)
        batch_op.create_index('ix_campaign_reports_due_filed', ['due_at', 'filed_at'], unique=False)

    op.create_table('campaign_ledger_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('county', sa.String(length=100), nullable=False),
    sa.Column('party', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_ledger_rows_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_campaign_ledger_rows_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaign_ledger_rows_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_campaign_ledger_rows_department_id_departments')),
    sa.ForeignKeyConstraint(['phase_id'], ['campaign_phases.id'], name=op.f('fk_campaign_ledger_rows_phase_id_campaign_phases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_ledger_rows')),
    sa.UniqueConstraint('campaign_id', 'number', name=op.f('uq_campaign_ledger_rows_campaign_id'))
    )
    with op.batch_alter_table('campaign_ledger_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_ledger_rows_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_campaign_ledger_rows_campaign_phase', ['campaign_id', 'phase_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_ledger_rows_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_ledger_rows_department_id'), ['department_id'], unique=False)

    op.create_table('campaign_clues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('attached_by_id', sa.Integer(), nullable=False),
    sa.Column('attached_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('feedback_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('feedback_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attached_by_id'], ['users.id'], name=op.f('fk_campaign_clues_attached_by_id_users')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_clues_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_campaign_clues_case_id_cases')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_campaign_clues_department_id_departments')),
    sa.ForeignKeyConstraint(['feedback_by_id'], ['users.id'], name=op.f('fk_campaign_clues_feedback_by_id_users')),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_campaign_clues_tip_id_tips')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_clues')),
    sa.UniqueConstraint('campaign_id', 'case_id', name=op.f('uq_campaign_clues_campaign_id_case_id')),
    sa.UniqueConstraint('campaign_id', 'tip_id', name=op.f('uq_campaign_clues_campaign_id_tip_id'))
    )
    with op.batch_alter_table('campaign_clues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_clues_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_clues_department_id'), ['department_id'], unique=False)

    op.create_table('campaign_ledger_cells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.String(length=60), nullable=False),
    sa.Column('column_key', sa.String(length=60), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_ledger_cells_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_campaign_ledger_cells_department_id_departments')),
    sa.ForeignKeyConstraint(['row_id'], ['campaign_ledger_rows.id'], name=op.f('fk_campaign_ledger_cells_row_id_campaign_ledger_rows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_campaign_ledger_cells_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_ledger_cells')),
    sa.UniqueConstraint('row_id', 'group_key', 'column_key', name=op.f('uq_campaign_ledger_cells_row_id'))
    )
    with op.batch_alter_table('campaign_ledger_cells', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_ledger_cells_campaign_group', ['campaign_id', 'group_key', 'column_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_ledger_cells_row_id'), ['row_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('campaign_ledger_cells', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_ledger_cells_row_id'))
        batch_op.drop_index('ix_campaign_ledger_cells_campaign_group')

    op.drop_table('campaign_ledger_cells')
    with op.batch_alter_table('campaign_clues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_clues_department_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_clues_campaign_id'))

    op.drop_table('campaign_clues')
    with op.batch_alter_table('campaign_ledger_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_ledger_rows_department_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_ledger_rows_case_id'))
        batch_op.drop_index('ix_campaign_ledger_rows_campaign_phase')
        batch_op.drop_index(batch_op.f('ix_campaign_ledger_rows_campaign_id'))

    op.drop_table('campaign_ledger_rows')
    with op.batch_alter_table('campaign_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_reports_due_filed')
        batch_op.drop_index(batch_op.f('ix_campaign_reports_department_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_reports_campaign_id'))

    op.drop_table('campaign_reports')
    with op.batch_alter_table('campaign_phases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_phases_campaign_id'))

    op.drop_table('campaign_phases')
    with op.batch_alter_table('campaign_leaders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_leaders_department_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_leaders_campaign_id'))

    op.drop_table('campaign_leaders')
    with op.batch_alter_table('campaign_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_departments_department_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_departments_campaign_id'))

    op.drop_table('campaign_departments')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_template'))
        batch_op.drop_index(batch_op.f('ix_campaigns_state'))
        batch_op.drop_index(batch_op.f('ix_campaigns_starts_on'))
        batch_op.drop_index(batch_op.f('ix_campaigns_office_department_id'))
        batch_op.drop_index(batch_op.f('ix_campaigns_ends_on'))
        batch_op.drop_index(batch_op.f('ix_campaigns_created_at'))

    op.drop_table('campaigns')
