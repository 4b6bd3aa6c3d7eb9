"""What every request shares: the id type of paths, queries and bodies, and the base of every request body."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# The largest id a row can have: the id columns are INTEGER, 32 bits on PostgreSQL (SQLite's take 64), and
# PostgreSQL fails a query comparing one with a larger number instead of finding no row. Raise it to
# 2**63 - 1 together with a migration of the id columns to BIGINT.
MAX_ID = 2**31 - 1

# A row id, checked before it reaches the database: out of 1..MAX_ID it is a 422 naming the parameter or
# field, like any other bad input (the same type in paths, queries and bodies, and on the pages' addresses).
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


def row_id_in(text: str) -> int | None:
    """The row id a form or query field holds, or None when it holds none (not a number in 1..MAX_ID)."""
    text = text.strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_ID else None


class RequestBody(BaseModel):
    """The base of every JSON request body: a field the API does not know is refused (422 naming it),
    so a misspelled name is not silently dropped."""

    model_config = ConfigDict(extra="forbid")
