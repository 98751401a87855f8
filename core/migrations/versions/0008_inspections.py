"""joint inspections, findings, notices, listed supervision

Revision ID: 0008_inspections
Revises: 0007_user_email
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0008_inspections'
down_revision = '0007_user_email'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('report_due_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('report_text', sa.Text(), nullable=False),
    sa.Column('reported_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_inspections_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_report_due_at'), ['report_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_state'), ['state'], unique=False)

    op.create_table('supervisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('ended_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_supervisions_started_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['departments.id'], name=op.f('fk_supervisions_unit_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisions')),
    sa.UniqueConstraint('subject_type', 'subject_id', name=op.f('uq_supervisions_subject_type'))
    )
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisions_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervisions_unit_id'), ['unit_id'], unique=False)

    op.create_table('inspection_departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('task', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_inspection_departments_department_id_departments')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_departments_inspection_id_inspections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_departments')),
    sa.UniqueConstraint('inspection_id', 'department_id', name=op.f('uq_inspection_departments_inspection_id'))
    )
    with op.batch_alter_table('inspection_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_departments_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_departments_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('inspection_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_members_inspection_id_inspections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inspection_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_members')),
    sa.UniqueConstraint('inspection_id', 'user_id', name=op.f('uq_inspection_members_inspection_id'))
    )
    with op.batch_alter_table('inspection_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_members_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_members_user_id'), ['user_id'], unique=False)

    op.create_table('inspection_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place_name', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_inspection_records_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_inspection_records_department_id_departments')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_records_inspection_id_inspections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_records'))
    )
    with op.batch_alter_table('inspection_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_records_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_records_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_records_recorded_at'), ['recorded_at'], unique=False)

    op.create_table('inspection_villages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_inspection_villages_department_id_departments')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_villages_inspection_id_inspections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_villages')),
    sa.UniqueConstraint('inspection_id', 'department_id', name=op.f('uq_inspection_villages_inspection_id'))
    )
    with op.batch_alter_table('inspection_villages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_villages_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_villages_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('issued_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_notices_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_notices_issued_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('number', name=op.f('uq_notices_number'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_issued_at'), ['issued_at'], unique=False)

    op.create_table('supervision_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supervision_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_supervision_entries_department_id_departments')),
    sa.ForeignKeyConstraint(['supervision_id'], ['supervisions.id'], name=op.f('fk_supervision_entries_supervision_id_supervisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_supervision_entries_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_entries'))
    )
    with op.batch_alter_table('supervision_entries', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_entries_period', ['supervision_id', 'kind', 'period'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_entries_supervision_id'), ['supervision_id'], unique=False)

    op.create_table('findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('location_name', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('due_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requirements', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('progress_percent', sa.Integer(), nullable=False),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_findings_created_by_id_users')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_findings_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['record_id'], ['inspection_records.id'], name=op.f('fk_findings_record_id_inspection_records')),
    sa.ForeignKeyConstraint(['unit_id'], ['departments.id'], name=op.f('fk_findings_unit_id_departments')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_findings_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_supervised'), ['supervised'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_unit_id'), ['unit_id'], unique=False)

    op.create_table('finding_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_finding_copies_department_id_departments')),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_finding_copies_finding_id_findings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding_copies')),
    sa.UniqueConstraint('finding_id', 'department_id', name=op.f('uq_finding_copies_finding_id'))
    )
    with op.batch_alter_table('finding_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_copies_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finding_copies_finding_id'), ['finding_id'], unique=False)

    op.create_table('finding_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_finding_events_department_id_departments')),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_finding_events_finding_id_findings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_finding_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding_events'))
    )
    with op.batch_alter_table('finding_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_events_finding_id'), ['finding_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('finding_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_events_finding_id'))

    op.drop_table('finding_events')
    with op.batch_alter_table('finding_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_copies_finding_id'))
        batch_op.drop_index(batch_op.f('ix_finding_copies_department_id'))

    op.drop_table('finding_copies')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_unit_id'))
        batch_op.drop_index(batch_op.f('ix_findings_supervised'))
        batch_op.drop_index(batch_op.f('ix_findings_state'))
        batch_op.drop_index(batch_op.f('ix_findings_severity'))
        batch_op.drop_index(batch_op.f('ix_findings_record_id'))
        batch_op.drop_index(batch_op.f('ix_findings_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_findings_due_at'))
        batch_op.drop_index(batch_op.f('ix_findings_created_at'))
        batch_op.drop_index(batch_op.f('ix_findings_category'))

    op.drop_table('findings')
    with op.batch_alter_table('supervision_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_entries_supervision_id'))
        batch_op.drop_index('ix_supervision_entries_period')

    op.drop_table('supervision_entries')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_issued_at'))
        batch_op.drop_index(batch_op.f('ix_notices_inspection_id'))

    op.drop_table('notices')
    with op.batch_alter_table('inspection_villages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_villages_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_villages_department_id'))

    op.drop_table('inspection_villages')
    with op.batch_alter_table('inspection_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_records_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_inspection_records_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_records_department_id'))

    op.drop_table('inspection_records')
    with op.batch_alter_table('inspection_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_members_inspection_id'))

    op.drop_table('inspection_members')
    with op.batch_alter_table('inspection_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_departments_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_departments_department_id'))

    op.drop_table('inspection_departments')
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisions_unit_id'))
        batch_op.drop_index(batch_op.f('ix_supervisions_ended_at'))

    op.drop_table('supervisions')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_state'))
        batch_op.drop_index(batch_op.f('ix_inspections_report_due_at'))
        batch_op.drop_index(batch_op.f('ix_inspections_created_at'))

    op.drop_table('inspections')
