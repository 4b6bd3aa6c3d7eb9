"""web sign-in: staff roles, sessions, sign-in attempts, the shop's time zone

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:35:07.628486
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ordercenter.domain.base

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sign_in_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(), nullable=False),
    sa.Column('client_address', sa.String(), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('attempted_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_sign_in_attempts_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts'))
    )
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_attempts_address_time', ['client_address', 'attempted_at'], unique=False)
        batch_op.create_index('ix_sign_in_attempts_email_time', ['email', 'attempted_at'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(), nullable=False),
    sa.Column('csrf_token', sa.String(), nullable=False),
    sa.Column('created_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', ordercenter.domain.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_web_sessions_shop_id_shops')),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_web_sessions_staff_user_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_web_sessions_token_digest'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_staff_user_id'), ['staff_user_id'], unique=False)

    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(), nullable=False, server_default='UTC'))

    # Before roles every person could do everything: existing accounts stay owners.
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.Enum('owner', 'staff', name='staffrole', native_enum=False, length=40), nullable=False, server_default='owner'))



def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('role')

    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_shop_id'))

    op.drop_table('web_sessions')
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_attempts_email_time')
        batch_op.drop_index('ix_sign_in_attempts_address_time')

    op.drop_table('sign_in_attempts')
