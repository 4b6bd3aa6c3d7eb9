"""supplier account refusals

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 04:30:00

A supplier account whose credentials the supplier refuses says so (its last words, since when) and
waits, doubling, before the next try.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ordercenter.domain.base

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('supplier_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('failing_since', ordercenter.domain.base.UtcDateTime(timezone=True),
                                      nullable=True))
        # Existing accounts have had no refusal counted: 0, not NULL.
        batch_op.add_column(sa.Column('refused_tries', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_try_at', ordercenter.domain.base.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('supplier_accounts', schema=None) as batch_op:
        batch_op.drop_column('next_try_at')
        batch_op.drop_column('refused_tries')
        batch_op.drop_column('failing_since')
        batch_op.drop_column('last_error')
