"""expiring offline store tokens

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ordercenter.domain.base

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text('resolved_at IS NULL')


def upgrade() -> None:
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_token_expires_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('refresh_token_encrypted', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('refresh_token_expires_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reauthorization_needed_since', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True))

    # An alert about the shop itself (the store refused its refresh token) belongs to no order. SQLite
    # rebuilds the table in batch mode, which would lose the partial index's WHERE: drop it, then rebuild it.
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_open_subject', sqlite_where=_OPEN, postgresql_where=_OPEN)
        batch_op.alter_column('order_id', existing_type=sa.INTEGER(), nullable=True)
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('uq_alerts_open_subject', ['subject', 'kind'], unique=True,
                              sqlite_where=_OPEN, postgresql_where=_OPEN)


def downgrade() -> None:
    op.execute("DELETE FROM alerts WHERE order_id IS NULL")
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_open_subject', sqlite_where=_OPEN, postgresql_where=_OPEN)
        batch_op.alter_column('order_id', existing_type=sa.INTEGER(), nullable=False)
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('uq_alerts_open_subject', ['subject', 'kind'], unique=True,
                              sqlite_where=_OPEN, postgresql_where=_OPEN)

    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_column('reauthorization_needed_since')
        batch_op.drop_column('refresh_token_expires_at')
        batch_op.drop_column('refresh_token_encrypted')
        batch_op.drop_column('access_token_expires_at')
