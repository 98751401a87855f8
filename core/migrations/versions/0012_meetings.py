"""joint meetings: bodies, proposals and approvals, meetings, invitations, agenda, minutes
and signatures, resolutions, duty reports

Revision ID: 0012_meetings
Revises: 0011_tasks
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0012_meetings'
down_revision = '0011_tasks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting_bodies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('interval_days', sa.Integer(), nullable=False),
    sa.Column('liaison_office_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['liaison_office_id'], ['departments.id'], name=op.f('fk_meeting_bodies_liaison_office_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_bodies')),
    sa.UniqueConstraint('code', name=op.f('uq_meeting_bodies_code'))
    )
    with op.batch_alter_table('meeting_bodies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_bodies_active'), ['active'], unique=False)

    op.create_table('meeting_body_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('convener', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['meeting_bodies.id'], name=op.f('fk_meeting_body_members_body_id_meeting_bodies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_meeting_body_members_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_body_members')),
    sa.UniqueConstraint('body_id', 'department_id', name=op.f('uq_meeting_body_members_body_id'))
    )
    with op.batch_alter_table('meeting_body_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_body_members_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_body_members_department_id'), ['department_id'], unique=False)

    op.create_table('meeting_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('lead_department_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('department_ids', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('proposed_by_department_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['meeting_bodies.id'], name=op.f('fk_meeting_proposals_body_id_meeting_bodies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meeting_proposals_created_by_id_users')),
    sa.ForeignKeyConstraint(['lead_department_id'], ['departments.id'], name=op.f('fk_meeting_proposals_lead_department_id_departments')),
    sa.ForeignKeyConstraint(['proposed_by_department_id'], ['departments.id'], name=op.f('fk_meeting_proposals_proposed_by_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_proposals'))
    )
    with op.batch_alter_table('meeting_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_proposals_body_state', ['body_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_proposals_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_proposals_state'), ['state'], unique=False)

    op.create_table('meeting_proposal_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_meeting_proposal_approvals_department_id_departments')),
    sa.ForeignKeyConstraint(['proposal_id'], ['meeting_proposals.id'], name=op.f('fk_meeting_proposal_approvals_proposal_id_meeting_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_proposal_approvals_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_proposal_approvals')),
    sa.UniqueConstraint('proposal_id', 'department_id', name=op.f('uq_meeting_proposal_approvals_proposal_id'))
    )
    with op.batch_alter_table('meeting_proposal_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_proposal_approvals_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('lead_department_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('held_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('minutes_due_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['meeting_bodies.id'], name=op.f('fk_meetings_body_id_meeting_bodies')),
    sa.ForeignKeyConstraint(['lead_department_id'], ['departments.id'], name=op.f('fk_meetings_lead_department_id_departments')),
    sa.ForeignKeyConstraint(['proposal_id'], ['meeting_proposals.id'], name=op.f('fk_meetings_proposal_id_meeting_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_meetings_proposal_id'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_body_kind_state', ['body_id', 'kind', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_lead_department_id'), ['lead_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_minutes_due_at'), ['minutes_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_state'), ['state'], unique=False)

    op.create_table('meeting_agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meeting_agenda_items_created_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_agenda_items_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_department_id'], ['departments.id'], name=op.f('fk_meeting_agenda_items_owner_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_agenda_items'))
    )
    with op.batch_alter_table('meeting_agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_agenda_items_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_duty_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('suggestions', sa.Text(), nullable=False),
    sa.Column('work_summary', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_meeting_duty_reports_department_id_departments')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_meeting_duty_reports_filed_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_duty_reports_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_duty_reports')),
    sa.UniqueConstraint('meeting_id', 'department_id', name=op.f('uq_meeting_duty_reports_meeting_id'))
    )
    with op.batch_alter_table('meeting_duty_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_duty_reports_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_meeting_invitations_added_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_meeting_invitations_department_id_departments')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_invitations_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_invitations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_invitations')),
    sa.UniqueConstraint('meeting_id', 'department_id', name='uq_meeting_invitations_department'),
    sa.UniqueConstraint('meeting_id', 'user_id', name='uq_meeting_invitations_user')
    )
    with op.batch_alter_table('meeting_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_invitations_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_invitations_user_id'), ['user_id'], unique=False)

    op.create_table('meeting_minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('decisions', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=False),
    sa.Column('drafted_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['users.id'], name=op.f('fk_meeting_minutes_drafted_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_minutes_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_meeting_minutes_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_minutes')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_meeting_minutes_meeting_id'))
    )
    with op.batch_alter_table('meeting_minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_minutes_state'), ['state'], unique=False)

    op.create_table('meeting_resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('decision_index', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meeting_resolutions_created_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_resolutions_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_meeting_resolutions_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_resolutions')),
    sa.UniqueConstraint('meeting_id', 'decision_index', name=op.f('uq_meeting_resolutions_meeting_id')),
    sa.UniqueConstraint('task_id', name=op.f('uq_meeting_resolutions_task_id'))
    )
    with op.batch_alter_table('meeting_resolutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_resolutions_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_minutes_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_meeting_minutes_signatures_department_id_departments')),
    sa.ForeignKeyConstraint(['minutes_id'], ['meeting_minutes.id'], name=op.f('fk_meeting_minutes_signatures_minutes_id_meeting_minutes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_minutes_signatures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_minutes_signatures')),
    sa.UniqueConstraint('minutes_id', 'department_id', 'revision', name=op.f('uq_meeting_minutes_signatures_minutes_id'))
    )
    with op.batch_alter_table('meeting_minutes_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_minutes_signatures_minutes_id'), ['minutes_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('meeting_minutes_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_minutes_signatures_minutes_id'))

    op.drop_table('meeting_minutes_signatures')
    with op.batch_alter_table('meeting_resolutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_resolutions_meeting_id'))

    op.drop_table('meeting_resolutions')
    with op.batch_alter_table('meeting_minutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_minutes_state'))

    op.drop_table('meeting_minutes')
    with op.batch_alter_table('meeting_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_invitations_user_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_invitations_meeting_id'))

    op.drop_table('meeting_invitations')
    with op.batch_alter_table('meeting_duty_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_duty_reports_meeting_id'))

    op.drop_table('meeting_duty_reports')
    with op.batch_alter_table('meeting_agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_agenda_items_meeting_id'))

    op.drop_table('meeting_agenda_items')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_state'))
        batch_op.drop_index(batch_op.f('ix_meetings_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meetings_minutes_due_at'))
        batch_op.drop_index(batch_op.f('ix_meetings_lead_department_id'))
        batch_op.drop_index('ix_meetings_body_kind_state')

    op.drop_table('meetings')
    with op.batch_alter_table('meeting_proposal_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_proposal_approvals_proposal_id'))

    op.drop_table('meeting_proposal_approvals')
    with op.batch_alter_table('meeting_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_proposals_state'))
        batch_op.drop_index(batch_op.f('ix_meeting_proposals_created_at'))
        batch_op.drop_index('ix_meeting_proposals_body_state')

    op.drop_table('meeting_proposals')
    with op.batch_alter_table('meeting_body_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_body_members_department_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_body_members_body_id'))

    op.drop_table('meeting_body_members')
    with op.batch_alter_table('meeting_bodies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_bodies_active'))

    op.drop_table('meeting_bodies')
