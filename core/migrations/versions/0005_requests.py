"""requests

Revision ID: 0005_requests
Revises: 0004_attachments
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0005_requests'
down_revision = '0004_attachments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('info_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('requester_department_id', sa.Integer(), nullable=False),
    sa.Column('target_department_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('due_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('answer_text', sa.Text(), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('answered_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_info_requests_answered_by_id_users')),
    sa.ForeignKeyConstraint(['requester_department_id'], ['departments.id'], name=op.f('fk_info_requests_requester_department_id_departments')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_info_requests_requester_id_users')),
    sa.ForeignKeyConstraint(['target_department_id'], ['departments.id'], name=op.f('fk_info_requests_target_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_requests'))
    )
    with op.batch_alter_table('info_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_requests_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_requests_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_requests_requester_department_id'), ['requester_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_requests_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_requests_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_requests_target_department_id'), ['target_department_id'], unique=False)

    op.create_table('info_request_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['info_items.id'], name=op.f('fk_info_request_items_item_id_info_items')),
    sa.ForeignKeyConstraint(['request_id'], ['info_requests.id'], name=op.f('fk_info_request_items_request_id_info_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_request_items')),
    sa.UniqueConstraint('request_id', 'item_id', name=op.f('uq_info_request_items_request_id'))
    )
    with op.batch_alter_table('info_request_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_request_items_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_request_items_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('info_request_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_request_items_request_id'))
        batch_op.drop_index(batch_op.f('ix_info_request_items_item_id'))

    op.drop_table('info_request_items')
    with op.batch_alter_table('info_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_requests_target_department_id'))
        batch_op.drop_index(batch_op.f('ix_info_requests_state'))
        batch_op.drop_index(batch_op.f('ix_info_requests_requester_id'))
        batch_op.drop_index(batch_op.f('ix_info_requests_requester_department_id'))
        batch_op.drop_index(batch_op.f('ix_info_requests_due_at'))
        batch_op.drop_index(batch_op.f('ix_info_requests_created_at'))

    op.drop_table('info_requests')
