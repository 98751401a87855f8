"""information sharing

Revision ID: 0002_sharing
Revises: 0001_core
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = '0002_sharing'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('info_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('sensitivity', sa.String(length=20), nullable=False),
    sa.Column('reference_no', sa.String(length=100), nullable=False),
    sa.Column('consult_at', sa.String(length=200), nullable=False),
    sa.Column('location_name', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('tags', sa.String(length=300), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_info_items_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_info_items_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_items'))
    )
    with op.batch_alter_table('info_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_items_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_items_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_items_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_items_sensitivity'), ['sensitivity'], unique=False)

    op.create_table('info_item_departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_info_item_departments_department_id_departments')),
    sa.ForeignKeyConstraint(['item_id'], ['info_items.id'], name=op.f('fk_info_item_departments_item_id_info_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_item_departments')),
    sa.UniqueConstraint('item_id', 'department_id', name=op.f('uq_info_item_departments_item_id'))
    )
    with op.batch_alter_table('info_item_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_item_departments_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_item_departments_item_id'), ['item_id'], unique=False)

    op.create_table('info_item_readers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['info_items.id'], name=op.f('fk_info_item_readers_item_id_info_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_info_item_readers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_item_readers')),
    sa.UniqueConstraint('item_id', 'user_id', name=op.f('uq_info_item_readers_item_id'))
    )
    with op.batch_alter_table('info_item_readers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_item_readers_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_info_item_readers_user_id'), ['user_id'], unique=False)

    op.create_table('info_item_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('changed_fields', sa.String(length=300), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_info_item_versions_changed_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['info_items.id'], name=op.f('fk_info_item_versions_item_id_info_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_item_versions')),
    sa.UniqueConstraint('item_id', 'number', name=op.f('uq_info_item_versions_item_id'))
    )
    with op.batch_alter_table('info_item_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_item_versions_item_id'), ['item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('info_item_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_item_versions_item_id'))

    op.drop_table('info_item_versions')
    with op.batch_alter_table('info_item_readers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_item_readers_user_id'))
        batch_op.drop_index(batch_op.f('ix_info_item_readers_item_id'))

    op.drop_table('info_item_readers')
    with op.batch_alter_table('info_item_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_item_departments_item_id'))
        batch_op.drop_index(batch_op.f('ix_info_item_departments_department_id'))

    op.drop_table('info_item_departments')
    with op.batch_alter_table('info_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_items_sensitivity'))
        batch_op.drop_index(batch_op.f('ix_info_items_department_id'))
        batch_op.drop_index(batch_op.f('ix_info_items_created_at'))
        batch_op.drop_index(batch_op.f('ix_info_items_category'))

    op.drop_table('info_items')
