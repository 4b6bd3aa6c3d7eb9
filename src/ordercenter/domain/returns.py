"""A return/refund request (dispute) opened with the supplier, with its evidence and refund."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.events import RecordsEvents, change_status
from ordercenter.domain.money import Money
from ordercenter.domain.status import RETURN_TRANSITIONS, ReturnStatus


class ReturnKind(StrEnum):
    """What the merchant asks for."""

    REFUND_ONLY = "refund_only"  # keep (or never got) the goods, get money back
    RETURN_AND_REFUND = "return_and_refund"  # send the goods back, then get money back


class ReturnReason(StrEnum):
    """The dispute reasons suppliers recognize."""

    NOT_RECEIVED = "not_received"  # nothing arrived within the promised time
    NOT_AS_DESCRIBED = "not_as_described"  # quality, size, colour or quantity differ
    DAMAGED = "damaged"  # damaged or defective
    WRONG_ITEM = "wrong_item"  # a different item arrived
    COUNTERFEIT = "counterfeit"  # not genuine
    OTHER = "other"  # the description says why


OPEN_RETURN_STATUSES = frozenset(
    {ReturnStatus.SUBMITTED, ReturnStatus.UNDER_REVIEW, ReturnStatus.APPROVED, ReturnStatus.AWAITING_RETURN,
     ReturnStatus.RETURN_SHIPPED, ReturnStatus.REFUND_PENDING}
)


class ReturnRequest(RecordsEvents, Base):
    __tablename__ = "return_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    supplier_order_id: Mapped[int] = mapped_column(ForeignKey("supplier_orders.id"), index=True)
    kind: Mapped[ReturnKind]
    reason: Mapped[ReturnReason]
    description: Mapped[str] = mapped_column(default="")
    evidence_keys: Mapped[list[Any]] = mapped_column(default=list)  # file-store keys of photos/videos
    currency: Mapped[str]
    amount_requested: Mapped[Decimal]
    amount_refunded: Mapped[Decimal | None] = mapped_column(default=None)
    status: Mapped[ReturnStatus] = mapped_column(default=ReturnStatus.SUBMITTED)
    return_instructions: Mapped[str | None] = mapped_column(default=None)
    return_tracking_number: Mapped[str | None] = mapped_column(default=None)
    opened_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    refund_issued_at: Mapped[datetime | None] = mapped_column(default=None)
    refund_expected_from: Mapped[date | None] = mapped_column(default=None)
    refund_expected_by: Mapped[date | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The supplier's dispute id, when it takes disputes by API; assisted requests keep steps and link.
    supplier_dispute_id: Mapped[str | None] = mapped_column(default=None)
    supplier_status: Mapped[str | None] = mapped_column(default=None)  # the supplier's own value
    assisted: Mapped[bool] = mapped_column(default=False)
    steps: Mapped[list[Any]] = mapped_column(default=list)
    link: Mapped[str | None] = mapped_column(default=None)
    decision_note: Mapped[str | None] = mapped_column(default=None)
    # Return instructions: where to send the goods, by when, and the label when one is given.
    return_address: Mapped[str | None] = mapped_column(default=None)
    return_ship_by: Mapped[date | None] = mapped_column(default=None)
    return_label_url: Mapped[str | None] = mapped_column(default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    # How the supplier was paid and from which country: they decide when the refund arrives.
    payment_method: Mapped[str | None] = mapped_column(default=None)
    payer_country: Mapped[str | None] = mapped_column(default=None)
    refund_arrived_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RETURN_STATUSES

    @property
    def requested(self) -> Money:
        return Money(self.amount_requested, self.currency)

    def transition_to(self, new: ReturnStatus, *, at: datetime, reason: str | None = None) -> None:
        if not change_status(self, RETURN_TRANSITIONS, new, at=at, reason=reason):
            return
        if new in (ReturnStatus.APPROVED, ReturnStatus.REJECTED):
            self.decided_at = at
        if new is ReturnStatus.REFUND_PENDING:
            self.refund_issued_at = at
        # An escalated refusal goes back under review: open again, so no longer closed.
        self.closed_at = None if self.is_open else at
