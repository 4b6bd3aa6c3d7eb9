"""order search indexes and stage counts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 00:40:00

The trigram indexes and the SQLite FTS5 tables live outside the entities' metadata (they are
backend-specific); `order_search.SEARCH_OBJECTS` names them for the schema comparison.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAGES = ('unpaid', 'to_order', 'needs_attention', 'awaiting_payment', 'awaiting_shipment', 'in_transit',
           'delivered', 'completed', 'cancelled')

# SQLite: one FTS5 trigram table per searched table, kept equal to it by triggers.
_SQLITE_SEARCH = {
    'orders_search': ('orders', ('name', 'customer_name', 'email')),
    'shipments_search': ('shipments', ('tracking_number',)),
}


def _sqlite_search_up() -> None:
    for fts, (table, columns) in _SQLITE_SEARCH.items():
        names = ', '.join(columns)
        new = ', '.join(f'new.{c}' for c in columns)
        old = ', '.join(f'old.{c}' for c in columns)
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id', "
                   "tokenize='trigram')")
        op.execute(f"INSERT INTO {fts}(rowid, {names}) SELECT id, {names} FROM {table}")
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
                   f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END")
        op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
                   f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END")


def _sqlite_search_down() -> None:
    for fts in _SQLITE_SEARCH:
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")


def _postgres_search_up() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_orders_search_trgm ON orders USING gin "
               "(lower(name || ' ' || customer_name || ' ' || email) gin_trgm_ops)")
    op.execute("CREATE INDEX ix_shipments_tracking_trgm ON shipments USING gin (lower(tracking_number) gin_trgm_ops)")


def _postgres_search_down() -> None:
    op.execute("DROP INDEX IF EXISTS ix_orders_search_trgm")
    op.execute("DROP INDEX IF EXISTS ix_shipments_tracking_trgm")


def upgrade() -> None:
    op.create_table(
        'order_stage_counts',
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.Enum(*_STAGES, name='stage', native_enum=False, length=40), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_stage_counts_shop_id_shops')),
        sa.PrimaryKeyConstraint('shop_id', 'stage', name=op.f('pk_order_stage_counts')),
    )
    op.execute("INSERT INTO order_stage_counts (shop_id, stage, orders) "
               "SELECT shop_id, stage, count(*) FROM orders GROUP BY shop_id, stage")
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_shop_name', ['shop_id', 'name'], unique=False)
        batch_op.create_index('ix_orders_shop_created', ['shop_id', 'platform_created_at'], unique=False)
        batch_op.create_index('ix_orders_shop_id_id', ['shop_id', 'id'], unique=False)
    with op.batch_alter_table('supplier_orders', schema=None) as batch_op:
        batch_op.create_index('ix_supplier_orders_shop_order', ['shop_id', 'order_id'], unique=False)
    if op.get_context().dialect.name == 'postgresql':
        _postgres_search_up()
    else:
        _sqlite_search_up()


def downgrade() -> None:
    if op.get_context().dialect.name == 'postgresql':
        _postgres_search_down()
    else:
        _sqlite_search_down()
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_shop_id_id')
        batch_op.drop_index('ix_orders_shop_created')
        batch_op.drop_index('ix_orders_shop_name')
    with op.batch_alter_table('supplier_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_supplier_orders_shop_order')
    op.drop_table('order_stage_counts')
