"""The purchase from the supplier for (part of) a store order: one per seller."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercenter.domain.base import Base
from ordercenter.domain.events import RecordsEvents, change_status
from ordercenter.domain.money import Money
from ordercenter.domain.status import SUPPLIER_ORDER_TRANSITIONS, ActorKind, SupplierOrderStatus


class SupplierFailure(StrEnum):
    """What went wrong with a supplier order, when something did."""

    PLACEMENT_FAILED = "placement_failed"  # the supplier refused to create it
    PAYMENT_FAILED = "payment_failed"  # paying it failed
    OUTCOME_UNKNOWN = "outcome_unknown"  # the supplier did not answer: look it up before any retry


def idempotency_key(shop_id: int, platform_order_id: str, group_key: str, attempt: int) -> str:
    """The stable key sent as `out_order_id`: same order, seller group and attempt → same key."""
    return f"oc-{shop_id}-{platform_order_id}-{group_key}-{attempt}"


class SupplierOrder(RecordsEvents, Base):
    __tablename__ = "supplier_orders"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        UniqueConstraint("shop_id", "supplier_account_id", "supplier_order_id"),
        # The deadlines read a shop's unpaid and undelivered supplier orders by status.
        Index("ix_supplier_orders_shop_status", "shop_id", "status"),
        # A page of orders reads its supplier orders by shop and order.
        Index("ix_supplier_orders_shop_order", "shop_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    supplier_account_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_accounts.id"), default=None)
    group_key: Mapped[str]  # the seller (store) this purchase groups lines by
    attempt: Mapped[int] = mapped_column(default=1)
    idempotency_key: Mapped[str]
    supplier_order_id: Mapped[str | None] = mapped_column(default=None)
    seller_name: Mapped[str] = mapped_column(default="")
    status: Mapped[SupplierOrderStatus] = mapped_column(default=SupplierOrderStatus.DRAFT)
    currency: Mapped[str]
    items_cost: Mapped[Decimal] = mapped_column(default=Decimal(0))
    shipping_cost: Mapped[Decimal] = mapped_column(default=Decimal(0))
    shipping_method: Mapped[str | None] = mapped_column(default=None)
    packaging_note: Mapped[str] = mapped_column(default="")
    # The seller's kind (policies.SellerType: decides the free-return terms) and how we paid it
    # (policies.PaymentMethod: decides how long a refund takes to arrive).
    seller_type: Mapped[str] = mapped_column(default="standard")
    payment_method: Mapped[str] = mapped_column(default="card")
    failure: Mapped[SupplierFailure | None] = mapped_column(default=None)
    failure_message: Mapped[str | None] = mapped_column(default=None)
    guaranteed_delivery_days: Mapped[int | None] = mapped_column(default=None)
    payment_deadline: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    placed_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    shipped_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_by: Mapped[ActorKind | None] = mapped_column(default=None)
    # The tracking poller's schedule (domain/polling.py) and its last failure, if the last look failed.
    last_polled_at: Mapped[datetime | None] = mapped_column(default=None)
    next_poll_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    last_poll_error: Mapped[str | None] = mapped_column(default=None)

    lines: Mapped[list[SupplierOrderLine]] = relationship(
        back_populates="supplier_order", cascade="all, delete-orphan", lazy="selectin"
    )
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="supplier_order", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def cost(self) -> Money:
        return Money(self.items_cost + self.shipping_cost, self.currency)

    @property
    def is_active(self) -> bool:
        return self.status is not SupplierOrderStatus.CANCELLED

    @property
    def tracking_pushed(self) -> bool:
        """At least one package is known and every known package has reached the store."""
        return bool(self.shipments) and all(s.pushed_at is not None for s in self.shipments)

    def transition_to(self, new: SupplierOrderStatus, *, at: datetime, reason: str | None = None) -> None:
        """The one door through which the status changes; records a StatusChanged event."""
        if not change_status(self, SUPPLIER_ORDER_TRANSITIONS, new, at=at, reason=reason):
            return
        stamp = {
            SupplierOrderStatus.PLACED: "placed_at",
            SupplierOrderStatus.PAID: "paid_at",
            SupplierOrderStatus.SHIPPED: "shipped_at",
            SupplierOrderStatus.DELIVERED: "delivered_at",
            SupplierOrderStatus.COMPLETED: "completed_at",
            SupplierOrderStatus.CANCELLED: "cancelled_at",
        }[new]
        setattr(self, stamp, at)
        if new is not SupplierOrderStatus.CANCELLED:
            self.failure = None
            self.failure_message = None

    def mark_failed(self, failure: SupplierFailure, message: str) -> None:
        self.failure = failure
        self.failure_message = message


class SupplierOrderLine(Base):
    __tablename__ = "supplier_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    supplier_order_id: Mapped[int] = mapped_column(ForeignKey("supplier_orders.id"), index=True)
    line_item_id: Mapped[int] = mapped_column(ForeignKey("line_items.id"))
    supplier_product_id: Mapped[str]
    sku_attr: Mapped[str] = mapped_column(default="")
    quantity: Mapped[int]
    unit_cost: Mapped[Decimal] = mapped_column(default=Decimal(0))

    supplier_order: Mapped[SupplierOrder] = relationship(back_populates="lines")


class Shipment(Base):
    """One package of a supplier order with its tracking, and whether the store has it."""

    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("shop_id", "supplier_order_id", "tracking_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    supplier_order_id: Mapped[int] = mapped_column(ForeignKey("supplier_orders.id"), index=True)
    tracking_number: Mapped[str]
    carrier: Mapped[str] = mapped_column(default="")
    tracking_url: Mapped[str | None] = mapped_column(default=None)
    store_fulfillment_id: Mapped[str | None] = mapped_column(default=None)
    last_movement_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    pushed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The store lines this package fulfils: [{supplier_line_id, line_item_id, quantity, store_quantity}].
    lines_covered: Mapped[list[Any]] = mapped_column(default=list)
    # What the store shows: a differing tracking number or carrier means the store needs an update.
    pushed_tracking_number: Mapped[str | None] = mapped_column(default=None)
    pushed_carrier: Mapped[str | None] = mapped_column(default=None)
    push_error: Mapped[str | None] = mapped_column(default=None)  # the store's words when the last push failed

    supplier_order: Mapped[SupplierOrder] = relationship(back_populates="shipments")
