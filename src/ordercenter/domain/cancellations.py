"""A request to the supplier to cancel a supplier order: reason, submit, decision."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.events import RecordsEvents, change_status
from ordercenter.domain.status import CANCELLATION_TRANSITIONS, CancellationStatus


class CancellationReason(StrEnum):
    """Why the merchant asks the supplier to cancel."""

    CUSTOMER_CANCELLED = "customer_cancelled"  # the customer cancelled the store order
    WRONG_ITEM_ORDERED = "wrong_item_ordered"  # wrong product, SKU or quantity
    WRONG_ADDRESS = "wrong_address"  # the address must change
    SHIPPING_TOO_SLOW = "shipping_too_slow"  # the seller has not shipped in time
    FOUND_BETTER_OFFER = "found_better_offer"  # reordering elsewhere
    OTHER = "other"  # see the note


class CancellationRequest(RecordsEvents, Base):
    __tablename__ = "cancellation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    supplier_order_id: Mapped[int] = mapped_column(ForeignKey("supplier_orders.id"), index=True)
    reason: Mapped[CancellationReason]
    note: Mapped[str] = mapped_column(default="")
    status: Mapped[CancellationStatus] = mapped_column(default=CancellationStatus.PENDING)
    requested_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_note: Mapped[str | None] = mapped_column(default=None)

    @property
    def is_open(self) -> bool:
        return self.status is CancellationStatus.PENDING

    def decide(self, status: CancellationStatus, *, at: datetime, note: str | None = None) -> None:
        if change_status(self, CANCELLATION_TRANSITIONS, status, at=at, reason=note):
            self.decided_at = at
            self.decision_note = note
