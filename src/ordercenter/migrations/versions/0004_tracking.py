"""tracking: poll schedule on supplier orders, push state on shipments, alerts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ordercenter.domain.base

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALERT_KINDS = ('no_tracking_7_days_after_payment', 'tracking_stalled_48h', 'past_guaranteed_delivery',
               'payment_deadline_near', 'payment_deadline_passed')


def upgrade() -> None:
    with op.batch_alter_table('supplier_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_polled_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_poll_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_poll_error', sa.String(), nullable=True))
        batch_op.create_index(batch_op.f('ix_supplier_orders_next_poll_at'), ['next_poll_at'], unique=False)

    with op.batch_alter_table('shipments', schema=None) as batch_op:
        # Shipments recorded before this revision covered nothing we know of: an empty list, not NULL.
        batch_op.add_column(sa.Column('lines_covered', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('pushed_tracking_number', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('pushed_carrier', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('push_error', sa.String(), nullable=True))

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('supplier_order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*ALERT_KINDS, name='alertkind', native_enum=False, length=40), nullable=False),
    sa.Column('message', sa.String(), nullable=False),
    sa.Column('raised_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_alerts_order_id_orders')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_alerts_shop_id_shops')),
    sa.ForeignKeyConstraint(['supplier_order_id'], ['supplier_orders.id'], name=op.f('fk_alerts_supplier_order_id_supplier_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    open_only = sa.text('resolved_at IS NULL')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_shop_open', ['shop_id', 'resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_supplier_order_id'), ['supplier_order_id'], unique=False)
        # One open alert per supplier order and kind; resolved ones are history and may repeat.
        batch_op.create_index('uq_alerts_open_kind', ['supplier_order_id', 'kind'], unique=True,
                              sqlite_where=open_only, postgresql_where=open_only)


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_open_kind')
        batch_op.drop_index(batch_op.f('ix_alerts_supplier_order_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_order_id'))
        batch_op.drop_index('ix_alerts_shop_open')
    op.drop_table('alerts')

    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_column('push_error')
        batch_op.drop_column('pushed_carrier')
        batch_op.drop_column('pushed_tracking_number')
        batch_op.drop_column('lines_covered')

    with op.batch_alter_table('supplier_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_orders_next_poll_at'))
        batch_op.drop_column('last_poll_error')
        batch_op.drop_column('next_poll_at')
        batch_op.drop_column('last_polled_at')
