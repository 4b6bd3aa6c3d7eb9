"""What the store says an order is, in our words: the output of the one normalizer, the input of ingestion."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordercenter.domain.addresses import ShippingAddress
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus


@dataclass(frozen=True)
class LineSnapshot:
    platform_line_id: str  # numeric id
    title: str
    quantity: int
    unit_price: Decimal
    sku: str = ""
    variant_id: str | None = None
    product_id: str | None = None
    variant_title: str = ""


@dataclass(frozen=True)
class OrderSnapshot:
    platform_order_id: str  # numeric legacy id
    platform_gid: str
    name: str
    currency: str
    subtotal_price: Decimal
    total_price: Decimal
    financial_status: FinancialStatus
    fulfillment_status: FulfillmentStatus
    created_at: datetime
    updated_at: datetime
    lines: tuple[LineSnapshot, ...]
    total_shipping: Decimal = Decimal(0)
    total_tax: Decimal = Decimal(0)
    total_discounts: Decimal = Decimal(0)
    email: str = ""
    customer_name: str = ""
    shipping_address: ShippingAddress | None = None
    tags: tuple[str, ...] = ()
    note: str = ""
    cancelled_at: datetime | None = None
    closed_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    # When the store event that carried this version fired (a webhook's X-Shopify-Triggered-At); None
    # when the source does not say (a sync's read, a bulk export).
    event_at: datetime | None = field(default=None, compare=False)
