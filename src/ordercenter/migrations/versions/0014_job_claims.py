"""periodic job claims

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 00:10:00

One row per periodic job: workers claim a job for a period under a lease, so each job runs once per
period whatever the number of worker processes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ordercenter.domain.base

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'job_runs',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('last_started_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column('lease_until', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column('run_count', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs')),
    )


def downgrade() -> None:
    op.drop_table('job_runs')
