"""order event time

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 15:00:00

When the newest store event applied to an order fired (X-Shopify-Triggered-At), which orders two versions
of one order that share a whole-second updated_at.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ordercenter.domain.base

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable with no default: adding it rewrites no row on PostgreSQL, so it runs with the servers up.
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform_event_at', ordercenter.domain.base.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('platform_event_at')
