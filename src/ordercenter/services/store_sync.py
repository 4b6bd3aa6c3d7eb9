"""Order sync from the store, page by page: everything, or an incremental pass from the `updated_at` watermark.

Every status comes in: an order cancelled, refunded or fulfilled on the store while its webhook was lost
is corrected by the next pass (ingestion applies the change and restages the order). The watermark is
compared inclusively, so orders updated in its own second are read again rather than skipped; imports
are idempotent. For a large first import, `bulk_backfill` is the faster way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ordercenter.adapters.ports import Clock, StorePlatform
from ordercenter.domain.errors import NotAllowed, NotFound
from ordercenter.services.ingestion import ImportOutcome, import_order
from ordercenter.services.uow import UnitOfWork


@dataclass
class SyncReport:
    pages: int = 0
    seen: int = 0
    outcomes: dict[ImportOutcome, int] = field(default_factory=dict)
    watermark: datetime | None = None

    def count(self, outcome: ImportOutcome) -> int:
        return self.outcomes.get(outcome, 0)


def sync_orders(uow: UnitOfWork, store: StorePlatform, clock: Clock, *, shop_id: int, full: bool = False,
                on_page: Callable[[SyncReport], None] | None = None) -> SyncReport:
    """Import the orders changed since the watermark (all with `full`); it advances after each page, so a
    crash resumes there."""
    with uow:
        shop = uow.shops.get(shop_id)
        if shop is None:
            raise NotFound(f"no shop with id {shop_id}", field="shop")
        if shop.uninstalled_at is not None:
            raise NotAllowed(f"{shop.domain} uninstalled the app; connect it again first", field="shop")
        since = None if full else shop.orders_synced_through
    report = SyncReport(watermark=since)
    for page in store.iter_order_pages(updated_since=since):
        for snapshot in page.orders:
            result = import_order(uow, shop_id=shop_id, snapshot=snapshot, at=clock.now(), source="sync")
            report.outcomes[result.outcome] = report.outcomes.get(result.outcome, 0) + 1
            if report.watermark is None or snapshot.updated_at > report.watermark:
                report.watermark = snapshot.updated_at
        report.pages += 1
        report.seen += len(page.orders)
        with uow:
            row = uow.shops.get(shop_id)
            if row is not None and report.watermark is not None and (
                    row.orders_synced_through is None or report.watermark > row.orders_synced_through):
                row.orders_synced_through = report.watermark
                uow.commit()
        if on_page is not None:
            on_page(report)
    return report
