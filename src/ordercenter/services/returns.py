"""Return/refund requests (disputes) with the supplier: open with evidence, follow to the refund."""

from __future__ import annotations

from collections.abc import Sequence

from ordercenter.adapters.ports import Clock
from ordercenter.adapters.supplier_after_sale import DisputeTicket
from ordercenter.services.uow import UnitOfWork


def apply_tickets(uow: UnitOfWork, clock: Clock, *, shop_id: int, supplier_order_id: int,
                  tickets: Sequence[DisputeTicket]) -> None:
    """Apply what the supplier says of this supplier order's disputes."""


def scan_overdue_refunds(uow: UnitOfWork, clock: Clock) -> int:
    """Raise the alert on refunds not arrived by their last expected day (every shop)."""
    return 0
