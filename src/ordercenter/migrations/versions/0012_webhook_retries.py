"""webhook delivery retries

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ordercenter.domain.base

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DUE = sa.text('next_attempt_at IS NOT NULL')
# What the worker used to try again before retries had a schedule (it stopped after five tries).
_OLD_ATTEMPT_LIMIT = 5


def upgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('gave_up_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_webhook_deliveries_due', ['next_attempt_at'], unique=False,
                              sqlite_where=_DUE, postgresql_where=_DUE)
    # Deliveries still waiting are due at once; those the old worker had stopped trying have given up.
    op.execute("UPDATE webhook_deliveries SET next_attempt_at = received_at "
               f"WHERE status = 'received' OR (status = 'failed' AND attempts < {_OLD_ATTEMPT_LIMIT})")
    op.execute("UPDATE webhook_deliveries SET gave_up_at = COALESCE(processed_at, received_at) "
               f"WHERE status = 'failed' AND attempts >= {_OLD_ATTEMPT_LIMIT}")


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_due', sqlite_where=_DUE, postgresql_where=_DUE)
        batch_op.drop_column('gave_up_at')
        batch_op.drop_column('next_attempt_at')
