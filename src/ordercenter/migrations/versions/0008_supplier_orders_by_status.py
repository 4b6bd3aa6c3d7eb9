"""supplier orders by shop and status, for the deadlines

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('supplier_orders', schema=None) as batch_op:
        batch_op.create_index('ix_supplier_orders_shop_status', ['shop_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('supplier_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_supplier_orders_shop_status')
