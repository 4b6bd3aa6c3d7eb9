"""Messages exchanged with a supplier's seller about one supplier order (a thread)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base


class MessageDirection(StrEnum):
    """Who wrote a message of a thread."""

    TO_SUPPLIER = "to_supplier"  # the merchant wrote to the seller
    FROM_SUPPLIER = "from_supplier"  # the seller answered


class SupplierMessage(Base):
    __tablename__ = "supplier_messages"
    __table_args__ = (UniqueConstraint("shop_id", "supplier_order_id", "supplier_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    supplier_order_id: Mapped[int] = mapped_column(ForeignKey("supplier_orders.id"), index=True)
    direction: Mapped[MessageDirection]
    body: Mapped[str]
    sent_at: Mapped[datetime]
    # When no answer has come by this time, the merchant is told the supplier is silent.
    answer_due_at: Mapped[datetime | None] = mapped_column(default=None)
    # The supplier's own id of the message (sent or read by API); unique per supplier order.
    supplier_message_id: Mapped[str | None] = mapped_column(default=None)
    template: Mapped[str | None] = mapped_column(default=None)  # the template key it was written from
    assisted: Mapped[bool] = mapped_column(default=False)  # to be pasted on the supplier's website by a person
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    # Silence handling: a reminder after 48 hours, then the suggestion to open a return/refund request.
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    escalation_suggested_at: Mapped[datetime | None] = mapped_column(default=None)
