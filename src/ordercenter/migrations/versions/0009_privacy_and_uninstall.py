"""privacy webhooks and app uninstall

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ordercenter.domain.base

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('privacy_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('data_request', 'customer_redact', 'shop_redact', name='privacyrequestkind', native_enum=False, length=40), nullable=False),
    sa.Column('status', sa.Enum('received', 'completed', 'failed', name='privacyrequeststatus', native_enum=False, length=40), nullable=False),
    sa.Column('received_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('customer_ref', sa.String(), nullable=True),
    sa.Column('platform_request_id', sa.String(), nullable=True),
    sa.Column('webhook_delivery_id', sa.Integer(), nullable=True),
    sa.Column('file_key', sa.String(), nullable=True),
    sa.Column('orders_matched', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_privacy_requests_shop_id_shops')),
    sa.ForeignKeyConstraint(['webhook_delivery_id'], ['webhook_deliveries.id'], name=op.f('fk_privacy_requests_webhook_delivery_id_webhook_deliveries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_requests')),
    sa.UniqueConstraint('shop_id', 'webhook_delivery_id', name=op.f('uq_privacy_requests_shop_id_webhook_delivery_id'))
    )
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_requests_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_requests_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_requests_status'))
        batch_op.drop_index(batch_op.f('ix_privacy_requests_shop_id'))

    op.drop_table('privacy_requests')
