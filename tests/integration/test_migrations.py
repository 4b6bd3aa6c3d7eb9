"""The migrations build exactly the schema the entities describe, and step down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from ordercenter.adapters.db.migrations import alembic_config
from ordercenter.adapters.db.order_search import is_search_object
from ordercenter.domain.metadata import metadata


def test_the_migrated_schema_matches_the_entities_after_a_step_down_and_up(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/schema.db"
    config = alembic_config(url)
    command.upgrade(config, "heads")
    command.downgrade(config, "-1")  # one revision below the head, whatever the head is
    command.upgrade(config, "heads")
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_name": lambda name, kind, _parent: not is_search_object(name, kind)})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []
