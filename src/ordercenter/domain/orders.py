"""The customer's order as synced from the store, with its lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercenter.domain.addresses import ShippingAddress
from ordercenter.domain.base import Base
from ordercenter.domain.events import RecordsEvents
from ordercenter.domain.money import Money
from ordercenter.domain.status import AttentionReason, FinancialStatus, FulfillmentStatus, Stage


class Order(RecordsEvents, Base):
    """A store order. Its stage columns are a cache written only by `apply_stage` (see stages.py)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "platform_order_id"),
        Index("ix_orders_shop_stage_id", "shop_id", "stage", "id"),
        Index("ix_orders_shop_id_id", "shop_id", "id"),
        Index("ix_orders_shop_name", "shop_id", "name"),
        Index("ix_orders_shop_created", "shop_id", "platform_created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    platform_order_id: Mapped[str]  # the numeric legacy id, e.g. "450789469"
    platform_gid: Mapped[str]  # gid://shopify/Order/450789469
    name: Mapped[str]  # "#1001"
    email: Mapped[str] = mapped_column(default="")
    customer_name: Mapped[str] = mapped_column(default="")
    currency: Mapped[str]
    subtotal_price: Mapped[Decimal]
    total_shipping: Mapped[Decimal] = mapped_column(default=Decimal(0))
    total_tax: Mapped[Decimal] = mapped_column(default=Decimal(0))
    total_discounts: Mapped[Decimal] = mapped_column(default=Decimal(0))
    total_price: Mapped[Decimal]
    financial_status: Mapped[FinancialStatus]
    fulfillment_status: Mapped[FulfillmentStatus]
    shipping_address_data: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(default="")
    platform_created_at: Mapped[datetime]
    platform_updated_at: Mapped[datetime]
    # When the newest store event applied here fired (X-Shopify-Triggered-At): it orders two versions that
    # share one whole-second updated_at. None until a webhook that says so arrives.
    platform_event_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The original order this one duplicates, when it was created to recover a mistaken fulfilment.
    duplicate_of_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), default=None)
    raw_payload: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    imported_at: Mapped[datetime]
    # Already fulfilled when Order Center first saw it (history from a backfill, or an order shipped
    # before the app was installed): nothing to order for it, and no mistake to flag.
    fulfilled_before_import: Mapped[bool] = mapped_column(default=False)

    stage: Mapped[Stage] = mapped_column(default=Stage.UNPAID)
    stage_partial: Mapped[bool] = mapped_column(default=False)
    attention_reason: Mapped[AttentionReason | None] = mapped_column(default=None)
    attention_detail: Mapped[str | None] = mapped_column(default=None)
    cancellation_pending: Mapped[bool] = mapped_column(default=False)
    return_open: Mapped[bool] = mapped_column(default=False)
    customer_refund_open: Mapped[bool] = mapped_column(default=False)

    lines: Mapped[list[LineItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="LineItem.id", lazy="selectin"
    )

    @property
    def shipping_address(self) -> ShippingAddress | None:
        return ShippingAddress.from_dict(self.shipping_address_data)

    def is_newer_than(self, updated_at: datetime, event_at: datetime | None) -> bool:
        """Whether the version held here is newer than one updated at `updated_at` by an event at `event_at`.

        Shopify's updated_at counts whole seconds, so two changes within one second share it; then the
        events' own times decide, when both are known (a sync's read has none: its equal version applies).
        """
        if updated_at != self.platform_updated_at:
            return updated_at < self.platform_updated_at
        return event_at is not None and self.platform_event_at is not None and event_at < self.platform_event_at

    def saw_event(self, event_at: datetime | None) -> None:
        """Remember the newest event time seen for this version (even one that changed nothing)."""
        if event_at is not None and (self.platform_event_at is None or event_at > self.platform_event_at):
            self.platform_event_at = event_at

    def money(self, amount: Decimal) -> Money:
        return Money(amount, self.currency)

    @property
    def total(self) -> Money:
        return Money(self.total_price, self.currency)

    @property
    def is_paid(self) -> bool:
        return self.financial_status is FinancialStatus.PAID

    @property
    def is_cancelled_on_store(self) -> bool:
        return self.cancelled_at is not None

    @property
    def gone_on_store(self) -> str | None:
        """Why the store order no longer needs its goods (cancelled, refunded or voided there), or None."""
        if self.cancelled_at is not None:
            return f"was cancelled on the store on {self.cancelled_at:%Y-%m-%d}"
        if self.financial_status in (FinancialStatus.REFUNDED, FinancialStatus.VOIDED):
            return f"is {self.financial_status.value} on the store"
        return None


class LineItem(Base):
    """One line of a store order: a variant, a quantity and a unit price."""

    __tablename__ = "line_items"
    __table_args__ = (UniqueConstraint("shop_id", "platform_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    platform_line_id: Mapped[str]
    variant_id: Mapped[str | None] = mapped_column(default=None)  # numeric store variant id
    product_id: Mapped[str | None] = mapped_column(default=None)
    sku: Mapped[str] = mapped_column(default="")
    title: Mapped[str]
    variant_title: Mapped[str] = mapped_column(default="")
    quantity: Mapped[int]
    unit_price: Mapped[Decimal]

    order: Mapped[Order] = relationship(back_populates="lines")
