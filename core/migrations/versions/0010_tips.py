"""public tips, their contacts and photos, and rewards

Revision ID: 0010_tips
Revises: 0009_cases
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0010_tips'
down_revision = '0009_cases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No column for an IP address, a user agent or a sender's account: none is ever kept.
    op.create_table('tips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('place_name', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('routed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('idempotency_key_hash', sa.String(length=64), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('received_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_tips_case_id_cases')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_tips_closed_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_tips_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tips')),
    sa.UniqueConstraint('code', name=op.f('uq_tips_code')),
    sa.UniqueConstraint('idempotency_key_hash', name=op.f('uq_tips_idempotency_key_hash'))
    )
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tips_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_state'), ['state'], unique=False)

    op.create_table('tip_contacts',
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_contacts_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tip_id', name=op.f('pk_tip_contacts'))
    )
    op.create_table('tip_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_photos_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_photos')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_tip_photos_stored_name'))
    )
    with op.batch_alter_table('tip_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tip_photos_tip_id'), ['tip_id'], unique=False)

    op.create_table('tip_rewards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_tip_rewards_approved_by_id_users')),
    sa.ForeignKeyConstraint(['paid_recorded_by_id'], ['users.id'], name=op.f('fk_tip_rewards_paid_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_tip_rewards_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_rewards_tip_id_tips')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_rewards')),
    sa.UniqueConstraint('tip_id', name=op.f('uq_tip_rewards_tip_id'))
    )
    with op.batch_alter_table('tip_rewards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tip_rewards_recorded_at'), ['recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tip_rewards_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tip_rewards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tip_rewards_state'))
        batch_op.drop_index(batch_op.f('ix_tip_rewards_recorded_at'))

    op.drop_table('tip_rewards')
    with op.batch_alter_table('tip_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tip_photos_tip_id'))

    op.drop_table('tip_photos')
    op.drop_table('tip_contacts')
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tips_state'))
        batch_op.drop_index(batch_op.f('ix_tips_received_at'))
        batch_op.drop_index(batch_op.f('ix_tips_department_id'))
        batch_op.drop_index(batch_op.f('ix_tips_category'))
        batch_op.drop_index(batch_op.f('ix_tips_case_id'))

    op.drop_table('tips')
