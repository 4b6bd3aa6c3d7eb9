"""A full backfill through the store's bulk query: start it, wait for it, import its result in batches.

Waiting: the `bulk_operations/finish` webhook writes the operation's status on the shop row (see
`record_finish`, called by webhook intake); the backfill looks there often, which costs nothing at the
store, and asks the store itself only now and then, at a growing interval, in case the webhook never
comes (the shop was connected before the topic was subscribed, or the delivery was lost).

The result is read as a stream and imported `batch_size` orders per transaction, so memory stays flat
whatever the number of orders, and a crash loses one batch at most: running it again imports the rest
(imports are idempotent). The watermark then moves to when the bulk query started, so the next
incremental sync picks up every change made while it ran.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from ordercenter.adapters.ports import BulkOperation, Clock, StoreBulkExport, StoreError
from ordercenter.domain.bulk_operations import (
    READ_ALL_ORDERS_SCOPE,
    VISIBLE_HISTORY,
    BulkOperationStatus,
    needs_all_orders_scope,
    parse_bulk_status,
)
from ordercenter.domain.errors import InvalidInput, NotAllowed, NotFound
from ordercenter.domain.snapshots import OrderSnapshot
from ordercenter.services.ingestion import ImportOutcome, import_orders
from ordercenter.services.uow import UnitOfWork

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class BulkWait:
    """How the backfill waits for the store's bulk query, in seconds."""

    check_every: float = 0.5  # between looks at the shop row, where the finish webhook leaves its mark
    first_poll: float = 2.0  # before the first question to the store itself
    max_poll: float = 60.0  # the longest interval between two questions (it doubles up to this)
    timeout: float | None = None  # give up after this long (None: as long as Shopify allows, 10 days)


@dataclass
class BackfillReport:
    operation_id: str = ""
    phase: str = "starting"  # starting, waiting, importing, done
    expected: int = 0  # orders in the result (the operation's rootObjectCount)
    objects: int = 0  # orders and lines the store has written so far
    seen: int = 0  # orders read from the result
    batches: int = 0
    outcomes: dict[ImportOutcome, int] = field(default_factory=dict)
    polls: int = 0  # questions to the store while waiting
    finished_by: str = ""  # "webhook" or "poll": who told us the bulk query had finished
    history_limited: bool = False  # the shop did not grant read_all_orders: the store shows 60 days only
    watermark: datetime | None = None

    def count(self, outcome: ImportOutcome) -> int:
        return self.outcomes.get(outcome, 0)


Progress = Callable[[BackfillReport], None]


def backfill_orders(uow: UnitOfWork, bulk: StoreBulkExport, clock: Clock, *, shop_id: int,
                    since: datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE, wait: BulkWait = BulkWait(),
                    sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic,
                    on_progress: Progress | None = None) -> BackfillReport:
    """Import every order of the store (or those created since `since`) from one bulk query."""
    if batch_size < 1:
        raise InvalidInput("the batch size must be at least 1", field="batch_size")
    domain = _connected_shop(uow, shop_id)
    report = BackfillReport()
    now = clock.now()
    if needs_all_orders_scope(since, now) and READ_ALL_ORDERS_SCOPE not in bulk.granted_scopes():
        if since is not None:
            raise NotAllowed(
                f"orders created before {now - VISIBLE_HISTORY:%Y-%m-%d} are visible only with the "
                f"{READ_ALL_ORDERS_SCOPE} scope, which {domain} has not granted: without it the store would "
                "silently send the last 60 days only. Ask for the scope (install the app again with it) "
                f"or backfill from {now - VISIBLE_HISTORY:%Y-%m-%d} on", field="since")
        report.history_limited = True
    operation = bulk.start_orders_export(created_since=since)
    report.operation_id = operation.id
    with uow:
        shop = uow.shops.get(shop_id)
        if shop is not None:
            shop.bulk_operation_id, shop.bulk_operation_status = operation.id, operation.status
            uow.commit()
    report.phase = "waiting"
    _tell(on_progress, report)
    operation = _wait(uow, bulk, shop_id, operation, wait, sleep, monotonic, report, on_progress)
    if operation.status is not BulkOperationStatus.COMPLETED:
        reason = f" ({operation.error_code})" if operation.error_code else ""
        raise StoreError(f"the store's bulk query {operation.id} ended {operation.status.value}{reason}; "
                         "nothing was imported from it, run the backfill again", field="bulk_operation")
    report.expected, report.objects = operation.root_object_count, operation.object_count
    report.phase = "importing"
    _tell(on_progress, report)
    if operation.url is not None:  # no url: the query matched nothing
        for batch in _batches(bulk.iter_orders(operation.url), batch_size):
            results = import_orders(uow, shop_id=shop_id, snapshots=batch, at=clock.now(), source="bulk backfill")
            for result in results:
                report.outcomes[result.outcome] = report.outcomes.get(result.outcome, 0) + 1
            report.seen += len(batch)
            report.batches += 1
            _tell(on_progress, report)
    report.watermark = _advance_watermark(uow, shop_id, operation.created_at)
    report.phase = "done"
    _tell(on_progress, report)
    return report


def record_finish(uow: UnitOfWork, shop_id: int, payload: Mapping[str, Any]) -> bool:
    """The `bulk_operations/finish` webhook: note the status on the shop (inside the caller's
    transaction) when it is about the shop's current bulk query; False when it is not."""
    shop = uow.shops.get(shop_id)
    status = parse_bulk_status(payload.get("status"))
    if shop is None or status is None or not status.finished:
        return False
    if shop.bulk_operation_id is None or shop.bulk_operation_id != payload.get("admin_graphql_api_id"):
        return False
    shop.bulk_operation_status = status
    return True


def _connected_shop(uow: UnitOfWork, shop_id: int) -> str:
    with uow:
        shop = uow.shops.get(shop_id)
        if shop is None:
            raise NotFound(f"no shop with id {shop_id}", field="shop")
        if shop.uninstalled_at is not None:
            raise NotAllowed(f"{shop.domain} uninstalled the app; connect it again first", field="shop")
        return shop.domain


def _wait(uow: UnitOfWork, bulk: StoreBulkExport, shop_id: int, operation: BulkOperation, wait: BulkWait,
          sleep: Callable[[float], None], monotonic: Callable[[], float], report: BackfillReport,
          on_progress: Progress | None) -> BulkOperation:
    started = monotonic()
    interval = wait.first_poll
    next_poll = started + interval
    while True:
        with uow:
            shop = uow.shops.get(shop_id)
            marked = shop is not None and shop.bulk_operation_id == operation.id \
                and shop.bulk_operation_status is not None and shop.bulk_operation_status.finished
        if marked:
            report.finished_by = "webhook"
            return bulk.operation(operation.id)  # the webhook says it ended; the operation has the url
        if monotonic() >= next_poll:
            report.polls += 1
            current = bulk.operation(operation.id)
            report.objects = current.object_count
            _tell(on_progress, report)
            if current.status.finished:
                report.finished_by = "poll"
                _note_status(uow, shop_id, current)
                return current
            interval = min(interval * 2, wait.max_poll)
            next_poll = monotonic() + interval
        if wait.timeout is not None and monotonic() - started > wait.timeout:
            raise StoreError(f"the store's bulk query {operation.id} is still running after {wait.timeout:g} s; "
                             "it goes on at the store, run the backfill again later", field="bulk_operation")
        sleep(wait.check_every)


def _note_status(uow: UnitOfWork, shop_id: int, operation: BulkOperation) -> None:
    with uow:
        shop = uow.shops.get(shop_id)
        if shop is not None and shop.bulk_operation_id == operation.id:
            shop.bulk_operation_status = operation.status
            uow.commit()


def _advance_watermark(uow: UnitOfWork, shop_id: int, started_at: datetime) -> datetime | None:
    # From when the bulk query started: a change made while it ran may be missing from its result.
    with uow:
        shop = uow.shops.get(shop_id)
        if shop is None:
            return None
        if shop.orders_synced_through is None or started_at > shop.orders_synced_through:
            shop.orders_synced_through = started_at
            uow.commit()
        return shop.orders_synced_through


def _batches(orders: Iterable[OrderSnapshot], size: int) -> Iterator[list[OrderSnapshot]]:
    iterator = iter(orders)
    while batch := list(islice(iterator, size)):
        yield batch


def _tell(on_progress: Progress | None, report: BackfillReport) -> None:
    if on_progress is not None:
        on_progress(report)
