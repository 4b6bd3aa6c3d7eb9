"""The message thread with the seller of a supplier order: by API where offered, assisted otherwise."""

from __future__ import annotations

from collections.abc import Sequence

from ordercenter.adapters.ports import Clock
from ordercenter.adapters.supplier_after_sale import SellerMessage
from ordercenter.services.uow import UnitOfWork


def apply_messages(uow: UnitOfWork, clock: Clock, *, shop_id: int, supplier_order_id: int,
                   messages: Sequence[SellerMessage]) -> None:
    """Record the seller's messages of this supplier order that we do not have yet."""


def scan_silent_suppliers(uow: UnitOfWork, clock: Clock) -> int:
    """Follow-up reminders after 48 hours of silence, then the suggestion to open a return/refund request."""
    return 0
