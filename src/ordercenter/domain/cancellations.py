"""A request to the supplier to cancel a supplier order: reason, submit, decision."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.events import RecordsEvents, change_status
from ordercenter.domain.status import CANCELLATION_TRANSITIONS, ActorKind, CancellationStatus


class CancellationReason(StrEnum):
    """Why the merchant asks the supplier to cancel (the fixed list the merchant picks from)."""

    CUSTOMER_CHANGED_MIND = "customer_changed_mind"  # the customer changed their mind
    OUT_OF_STOCK = "out_of_stock"  # the supplier is out of stock
    SHIPPING_TOO_SLOW = "shipping_too_slow"  # the seller has not shipped in time, or ships too slowly
    WRONG_ITEM_ORDERED = "wrong_item_ordered"  # wrong product, variant or quantity ordered
    PRICE_CHANGED = "price_changed"  # the supplier changed the price
    WRONG_ADDRESS = "wrong_address"  # the address must change
    OTHER = "other"  # the note says why (required)


class CancellationFollowUp(StrEnum):
    """What happens to the store order once the supplier approves the cancellation."""

    REORDER = "reorder"  # back to to_order, to place again (e.g. with the backup product)
    CANCEL_ON_STORE = "cancel_on_store"  # cancel the Shopify order too (orderCancel)


# A cancellation the supplier has not decided after this long raises an alert.
DECISION_ALERT_AFTER = timedelta(hours=48)


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
    follow_up: Mapped[CancellationFollowUp] = mapped_column(default=CancellationFollowUp.REORDER)
    # The merchant's choices for orderCancel when the follow-up cancels the store order.
    store_refund: Mapped[bool] = mapped_column(default=True)
    store_restock: Mapped[bool] = mapped_column(default=True)
    notify_customer: Mapped[bool] = mapped_column(default=True)
    # The supplier's own id of the request, when it takes cancellations by API.
    supplier_request_id: Mapped[str | None] = mapped_column(default=None)
    # Assisted (done by a person on the supplier's website): the numbered steps and the order page.
    assisted: Mapped[bool] = mapped_column(default=False)
    steps: Mapped[list[Any]] = mapped_column(default=list)
    link: Mapped[str | None] = mapped_column(default=None)
    decided_by: Mapped[ActorKind | None] = mapped_column(default=None)
    # The follow-up (reorder or store cancel) ran; its error is kept when the store refused.
    follow_up_done_at: Mapped[datetime | None] = mapped_column(default=None)
    follow_up_error: Mapped[str | None] = mapped_column(default=None)
    # What the supplier gives back once approved, and when it should reach the payer.
    currency: Mapped[str] = mapped_column(default="USD")
    refund_amount: Mapped[Decimal | None] = mapped_column(default=None)
    refund_expected_from: Mapped[date | None] = mapped_column(default=None)
    refund_expected_by: Mapped[date | None] = mapped_column(default=None)
    refund_arrived_at: Mapped[datetime | None] = mapped_column(default=None)  # the merchant saw the money

    @property
    def is_open(self) -> bool:
        return self.status is CancellationStatus.PENDING

    def decide(self, status: CancellationStatus, *, at: datetime, note: str | None = None) -> None:
        if change_status(self, CANCELLATION_TRANSITIONS, status, at=at, reason=note):
            self.decided_at = at
            self.decision_note = note
