"""Every encrypted column of every table, found in the schema (names ending in `_encrypted`), read in
batches by primary key and written back only where the value did not change meanwhile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from ordercenter.domain.metadata import metadata

SUFFIX = "_encrypted"


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    column: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class EncryptedValue:
    row_id: int
    ciphertext: str


def encrypted_columns() -> list[EncryptedColumn]:
    """Each `*_encrypted` column of the schema, in a stable order."""
    return [EncryptedColumn(table.name, column.name) for table in metadata.sorted_tables
            for column in table.columns if column.name.endswith(SUFFIX)]


def _table(column: EncryptedColumn) -> Table:
    table = metadata.tables[column.table]
    if [c.name for c in table.primary_key.columns] != ["id"]:
        raise ValueError(f"{column.table} holds encrypted values but has no single `id` key to walk it by")
    return table


class EncryptedColumns:
    def __init__(self, session: Session) -> None:
        self.session = session

    def batch(self, column: EncryptedColumn, *, after_id: int, limit: int) -> Sequence[EncryptedValue]:
        """The next `limit` non-empty values of the column, by increasing row id."""
        table = _table(column)
        value = table.c[column.column]
        rows = self.session.execute(select(table.c.id, value).where(table.c.id > after_id, value.is_not(None))
                                    .order_by(table.c.id).limit(limit)).all()
        return [EncryptedValue(row_id, ciphertext) for row_id, ciphertext in rows]

    def replace(self, column: EncryptedColumn, row_id: int, old: str, new: str) -> bool:
        """Write `new` where the value is still `old`; False when something else wrote it meanwhile."""
        table = _table(column)
        value = table.c[column.column]
        result = self.session.execute(update(table).where(table.c.id == row_id, value == old)
                                      .values({column.column: new}))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
