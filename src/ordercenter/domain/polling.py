"""How often an open supplier order is asked for news: fast while things happen, slower as it ages.

The first two days after placement are when payment, risk control and the first shipment happen, so
we look every 15 minutes. Until three days after shipping (the first carrier scans, the package split)
hourly is enough; a parcel in transit for weeks only needs a look every six hours, and a delivered
order waits for the supplier to close it, which a daily look catches.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ordercenter.domain.status import SupplierOrderStatus

SO = SupplierOrderStatus

POLLED_STATUSES = frozenset({SO.PLACED, SO.PAID, SO.SHIPPED, SO.DELIVERED})

FAST_INTERVAL = timedelta(minutes=15)
FAST_PERIOD = timedelta(days=2)  # after placement
HOURLY_INTERVAL = timedelta(hours=1)
SETTLING_PERIOD = timedelta(days=3)  # after shipping
IN_TRANSIT_INTERVAL = timedelta(hours=6)
DELIVERED_INTERVAL = timedelta(days=1)


def poll_interval(status: SupplierOrderStatus, placed_at: datetime, shipped_at: datetime | None,
                  at: datetime) -> timedelta | None:
    """The wait before the next look, judged at `at`; None for an order we no longer poll."""
    if status not in POLLED_STATUSES:
        return None
    if status is SO.DELIVERED:
        return DELIVERED_INTERVAL
    if at < placed_at + FAST_PERIOD:
        return FAST_INTERVAL
    if shipped_at is None or at < shipped_at + SETTLING_PERIOD:
        return HOURLY_INTERVAL
    return IN_TRANSIT_INTERVAL


def next_poll_at(status: SupplierOrderStatus, placed_at: datetime, shipped_at: datetime | None,
                 polled_at: datetime) -> datetime | None:
    """When to look again after a look at `polled_at`; None once the order is closed."""
    interval = poll_interval(status, placed_at, shipped_at, polled_at)
    return None if interval is None else polled_at + interval


def is_due(status: SupplierOrderStatus, next_at: datetime | None, now: datetime) -> bool:
    """An open order never looked at is due at once; otherwise when its time has come."""
    return status in POLLED_STATUSES and (next_at is None or next_at <= now)
