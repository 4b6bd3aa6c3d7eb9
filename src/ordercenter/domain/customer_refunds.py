"""A customer's request for a refund: answered promptly, then decided and executed."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.errors import Conflict
from ordercenter.domain.events import RecordsEvents, change_status
from ordercenter.domain.status import CUSTOMER_REFUND_TRANSITIONS, CustomerRefundStatus


class CustomerRefundSource(StrEnum):
    """How the request reached Order Center."""

    MANUAL = "manual"  # recorded by the merchant
    EMAIL = "email"  # pasted from the customer's e-mail
    STORE = "store"  # a refund or cancellation made directly on the store (already given)


# A request with no reply after this long raises an alert: customers expect an answer within a day.
REPLY_ALERT_AFTER = timedelta(hours=24)


class CustomerRefundRequest(RecordsEvents, Base):
    __tablename__ = "customer_refund_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_email: Mapped[str]
    message: Mapped[str]
    status: Mapped[CustomerRefundStatus] = mapped_column(default=CustomerRefundStatus.NEW)
    reply: Mapped[str | None] = mapped_column(default=None)
    currency: Mapped[str]
    refund_amount: Mapped[Decimal | None] = mapped_column(default=None)
    # The refund decided here is executed on the store separately; its id proves it happened.
    store_refund_id: Mapped[str | None] = mapped_column(default=None)
    received_at: Mapped[datetime]
    replied_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    source: Mapped[CustomerRefundSource] = mapped_column(default=CustomerRefundSource.MANUAL)
    customer_name: Mapped[str] = mapped_column(default="")
    amount_requested: Mapped[Decimal | None] = mapped_column(default=None)
    reply_subject: Mapped[str | None] = mapped_column(default=None)
    # The supplier-side request that recovers the money (one of the two, when linked).
    cancellation_request_id: Mapped[int | None] = mapped_column(ForeignKey("cancellation_requests.id"),
                                                                 default=None)
    return_request_id: Mapped[int | None] = mapped_column(ForeignKey("return_requests.id"), default=None)

    @property
    def is_open(self) -> bool:
        return self.status in (CustomerRefundStatus.NEW, CustomerRefundStatus.REPLIED)

    @property
    def refund_under_way(self) -> bool:
        """A refund is decided and the store was (or is being) asked, with no answer recorded yet."""
        return self.refund_amount is not None and self.store_refund_id is None

    def transition_to(self, new: CustomerRefundStatus, *, at: datetime, reason: str | None = None) -> None:
        if new in (CustomerRefundStatus.DECLINED, CustomerRefundStatus.RESOLVED) and self.refund_under_way:
            # The money may have left the store already (its answer lost): once declined, the store's
            # confirmation could never be recorded, and every later webhook of the order would fail.
            raise Conflict(f"the refund of {self.refund_amount} {self.currency} for request {self.id} is being made "
                           f"on the store; it cannot be {new.value} until the store's answer is recorded",
                           field="status")
        if not change_status(self, CUSTOMER_REFUND_TRANSITIONS, new, at=at, reason=reason):
            return
        if new is CustomerRefundStatus.REPLIED:
            self.replied_at = at
        elif not self.is_open:
            self.resolved_at = at
