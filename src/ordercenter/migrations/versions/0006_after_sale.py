"""after sale: cancellations, returns, customer refunds, supplier messages, the e-mail outbox, alerts by subject

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:00:40.214349
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ordercenter.domain.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('email_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('decision', 'alert', 'digest', 'customer_reply', 'account', name='emailkind', native_enum=False, length=40), nullable=False),
    sa.Column('sender', sa.String(), nullable=False),
    sa.Column('to_address', sa.String(), nullable=False),
    sa.Column('subject', sa.String(), nullable=False),
    sa.Column('text_body', sa.String(), nullable=False),
    sa.Column('html_body', sa.String(), nullable=True),
    sa.Column('message_id', sa.String(), nullable=False),
    sa.Column('dedupe_key', sa.String(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', 'skipped', name='emailstatus', native_enum=False, length=40), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.Column('created_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_email_outbox_order_id_orders')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_email_outbox_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_email_outbox_message_id')),
    sa.UniqueConstraint('shop_id', 'dedupe_key', name=op.f('uq_email_outbox_shop_id_dedupe_key'))
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_email_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_outbox_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_outbox_shop_id'), ['shop_id'], unique=False)

    op.create_table('reply_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('subject', sa.String(), nullable=False),
    sa.Column('body', sa.String(), nullable=False),
    sa.Column('updated_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_reply_templates_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates')),
    sa.UniqueConstraint('shop_id', 'key', name=op.f('uq_reply_templates_shop_id_key'))
    )
    with op.batch_alter_table('reply_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_templates_shop_id'), ['shop_id'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(), nullable=False, server_default=''))
        batch_op.alter_column('supplier_order_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.drop_index('uq_alerts_open_kind', sqlite_where=sa.text('resolved_at IS NULL'),
                            postgresql_where=sa.text('resolved_at IS NULL'))

    # Alerts so far were all about a supplier order.
    op.execute("UPDATE alerts SET subject = 'supplier_order:' || supplier_order_id")
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('uq_alerts_open_subject', ['subject', 'kind'], unique=True,
                              sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))

    with op.batch_alter_table('cancellation_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up', sa.Enum('reorder', 'cancel_on_store', name='cancellationfollowup', native_enum=False, length=40), nullable=False, server_default='reorder'))
        batch_op.add_column(sa.Column('store_refund', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('store_restock', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('notify_customer', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('supplier_request_id', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('assisted', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('steps', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('link', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.Enum('staff', 'system', 'store', 'supplier', 'customer', name='actorkind', native_enum=False, length=40), nullable=True))
        batch_op.add_column(sa.Column('follow_up_done_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('follow_up_error', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('currency', sa.String(), nullable=False, server_default='USD'))
        batch_op.add_column(sa.Column('refund_amount', sa.Numeric(precision=18, scale=4), nullable=True))
        batch_op.add_column(sa.Column('refund_expected_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('refund_expected_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('refund_arrived_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('customer_refund_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.Enum('manual', 'email', 'store', name='customerrefundsource', native_enum=False, length=40), nullable=False, server_default='manual'))
        batch_op.add_column(sa.Column('customer_name', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('amount_requested', sa.Numeric(precision=18, scale=4), nullable=True))
        batch_op.add_column(sa.Column('reply_subject', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('cancellation_request_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('return_request_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_customer_refund_requests_cancellation_request_id_cancellation_requests'), 'cancellation_requests', ['cancellation_request_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_customer_refund_requests_return_request_id_return_requests'), 'return_requests', ['return_request_id'], ['id'])

    with op.batch_alter_table('return_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier_dispute_id', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('supplier_status', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('assisted', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('steps', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('link', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('decision_note', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('return_address', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('return_ship_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('return_label_url', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('payment_method', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('payer_country', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('refund_arrived_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_sender', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('notification_emails', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('emails_off', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('supplier_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seller_type', sa.String(), nullable=False, server_default='standard'))
        batch_op.add_column(sa.Column('payment_method', sa.String(), nullable=False, server_default='card'))

    with op.batch_alter_table('supplier_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier_message_id', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('template', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('assisted', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('answered_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalation_suggested_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_supplier_messages_shop_id_supplier_order_id_supplier_message_id'), ['shop_id', 'supplier_order_id', 'supplier_message_id'])



def downgrade() -> None:
    with op.batch_alter_table('supplier_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_supplier_messages_shop_id_supplier_order_id_supplier_message_id'), type_='unique')
        batch_op.drop_column('escalation_suggested_at')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('assisted')
        batch_op.drop_column('template')
        batch_op.drop_column('supplier_message_id')

    with op.batch_alter_table('supplier_orders', schema=None) as batch_op:
        batch_op.drop_column('payment_method')
        batch_op.drop_column('seller_type')

    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_column('emails_off')
        batch_op.drop_column('notification_emails')
        batch_op.drop_column('email_sender')

    with op.batch_alter_table('return_requests', schema=None) as batch_op:
        batch_op.drop_column('refund_arrived_at')
        batch_op.drop_column('payer_country')
        batch_op.drop_column('payment_method')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('return_label_url')
        batch_op.drop_column('return_ship_by')
        batch_op.drop_column('return_address')
        batch_op.drop_column('decision_note')
        batch_op.drop_column('link')
        batch_op.drop_column('steps')
        batch_op.drop_column('assisted')
        batch_op.drop_column('supplier_status')
        batch_op.drop_column('supplier_dispute_id')

    with op.batch_alter_table('customer_refund_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customer_refund_requests_return_request_id_return_requests'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_customer_refund_requests_cancellation_request_id_cancellation_requests'), type_='foreignkey')
        batch_op.drop_column('return_request_id')
        batch_op.drop_column('cancellation_request_id')
        batch_op.drop_column('reply_subject')
        batch_op.drop_column('amount_requested')
        batch_op.drop_column('customer_name')
        batch_op.drop_column('source')

    with op.batch_alter_table('cancellation_requests', schema=None) as batch_op:
        batch_op.drop_column('refund_arrived_at')
        batch_op.drop_column('refund_expected_by')
        batch_op.drop_column('refund_expected_from')
        batch_op.drop_column('refund_amount')
        batch_op.drop_column('currency')
        batch_op.drop_column('follow_up_error')
        batch_op.drop_column('follow_up_done_at')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('link')
        batch_op.drop_column('steps')
        batch_op.drop_column('assisted')
        batch_op.drop_column('supplier_request_id')
        batch_op.drop_column('notify_customer')
        batch_op.drop_column('store_restock')
        batch_op.drop_column('store_refund')
        batch_op.drop_column('follow_up')

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_open_subject', sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))
        batch_op.create_index('uq_alerts_open_kind', ['supplier_order_id', 'kind'], unique=True,
                              sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))
        batch_op.alter_column('supplier_order_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('subject')

    with op.batch_alter_table('reply_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_templates_shop_id'))
    op.drop_table('reply_templates')

    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_outbox_shop_id'))
        batch_op.drop_index(batch_op.f('ix_email_outbox_order_id'))
        batch_op.drop_index('ix_email_outbox_due')

    op.drop_table('email_outbox')
