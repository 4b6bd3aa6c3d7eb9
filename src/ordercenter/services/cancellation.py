"""Cancelling a supplier order: reason, submit, the supplier's decision, then reorder or cancel on the store."""

from __future__ import annotations

from collections.abc import Sequence

from ordercenter.adapters.ports import Clock, StorePlatform
from ordercenter.adapters.supplier_after_sale import CancellationTicket
from ordercenter.services.uow import UnitOfWork


def apply_tickets(uow: UnitOfWork, store: StorePlatform, clock: Clock, *, shop_id: int, supplier_order_id: int,
                  tickets: Sequence[CancellationTicket]) -> None:
    """Apply what the supplier says of this supplier order's cancellation requests."""


def scan_undecided(uow: UnitOfWork, clock: Clock) -> int:
    """Raise the alert on cancellations pending 48 hours (every shop); returns how many were raised."""
    return 0
