"""packaging preferences

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ordercenter.domain.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('packaging_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('supplier_account_key', sa.Integer(), nullable=False),
    sa.Column('branded_packaging', sa.Boolean(), nullable=False),
    sa.Column('no_invoice_or_prices', sa.Boolean(), nullable=False),
    sa.Column('no_supplier_logo', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.Column('updated_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_packaging_preferences_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packaging_preferences')),
    sa.UniqueConstraint('shop_id', 'supplier_account_key',
                        name=op.f('uq_packaging_preferences_shop_id_supplier_account_key'))
    )
    with op.batch_alter_table('packaging_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_packaging_preferences_shop_id'), ['shop_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('packaging_preferences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_packaging_preferences_shop_id'))
    op.drop_table('packaging_preferences')
