"""A bulk query on the store: its lifecycle, and what a finished one tells the backfill waiting for it.

Shopify runs a bulk query in the background and says it finished with the `bulk_operations/finish`
webhook (status in lower case: `completed`, `failed`, `canceled`); polling the operation tells the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

# Without the read_all_orders scope the store shows only the orders of the last 60 days.
READ_ALL_ORDERS_SCOPE = "read_all_orders"
VISIBLE_HISTORY = timedelta(days=60)


class BulkOperationStatus(StrEnum):
    """Shopify's BulkOperationStatus, in lower case."""

    CREATED = "created"  # accepted, not started
    RUNNING = "running"  # the store is writing the result file
    CANCELING = "canceling"  # a cancel was asked; it stops soon
    COMPLETED = "completed"  # the result file is ready at the operation's url
    FAILED = "failed"  # stopped with an error code; part of the data may be at partialDataUrl
    CANCELED = "canceled"  # cancelled before it finished
    EXPIRED = "expired"  # finished more than 7 days ago: the result file is gone

    @property
    def finished(self) -> bool:
        return self in FINISHED


FINISHED = frozenset({BulkOperationStatus.COMPLETED, BulkOperationStatus.FAILED, BulkOperationStatus.CANCELED,
                      BulkOperationStatus.EXPIRED})


def parse_bulk_status(value: object) -> BulkOperationStatus | None:
    """The status Shopify wrote (`COMPLETED` in GraphQL, `completed` in the webhook), or None if unknown."""
    try:
        return BulkOperationStatus(str(value).strip().lower())
    except ValueError:
        return None


def needs_all_orders_scope(since: datetime | None, now: datetime) -> bool:
    """Whether asking for orders created since `since` reaches past what the store shows without the scope."""
    return since is None or since < now - VISIBLE_HISTORY
