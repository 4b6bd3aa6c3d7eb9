"""store sync reconciliation and bulk backfill

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BULK_STATUSES = ('created', 'running', 'canceling', 'completed', 'failed', 'canceled', 'expired')


def upgrade() -> None:
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bulk_operation_id', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('bulk_operation_status', sa.Enum(*_BULK_STATUSES, name='bulkoperationstatus', native_enum=False, length=40), nullable=True))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fulfilled_before_import', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('fulfilled_before_import')

    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_column('bulk_operation_status')
        batch_op.drop_column('bulk_operation_id')
