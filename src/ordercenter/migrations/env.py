"""Alembic environment: the schema is the domain's metadata; the URL comes from the caller."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from ordercenter.adapters.db.order_search import is_search_object
from ordercenter.domain.metadata import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=lambda name, kind, _parent: not is_search_object(name, kind),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from ordercenter.adapters.db.session import build_engine

    engine = build_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
