"""Builders of realistic test data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ordercenter.domain.addresses import ShippingAddress
from ordercenter.domain.snapshots import LineSnapshot, OrderSnapshot
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

ADDRESS = ShippingAddress(name="Jane Doe", first_name="Jane", last_name="Doe", address1="12 Rue de la Paix",
                          city="Paris", zip="75002", country="France", country_code="FR", phone="+33123456789")


def snapshot(number: int = 1001, *, updated: timedelta = timedelta(0), lines: int = 2,
             financial: FinancialStatus = FinancialStatus.PAID,
             fulfillment: FulfillmentStatus = FulfillmentStatus.UNFULFILLED,
             address: ShippingAddress | None = ADDRESS, customer: str = "Jane Doe",
             email: str = "jane@example.com", cancelled_at: datetime | None = None,
             currency: str = "EUR") -> OrderSnapshot:
    platform_id = str(5_000_000_000 + number)
    line_items = tuple(
        LineSnapshot(platform_line_id=str(13_000_000_000 + number * 10 + i), title=f"Item {i}", quantity=i,
                     unit_price=Decimal("19.90"), sku=f"SKU-{i}", variant_id=str(40_000_000_000 + i),
                     product_id=str(7_000_000_000 + i))
        for i in range(1, lines + 1)
    )
    subtotal = sum((line.unit_price * line.quantity for line in line_items), Decimal(0))
    return OrderSnapshot(
        platform_order_id=platform_id, platform_gid=f"gid://shopify/Order/{platform_id}", name=f"#{number}",
        currency=currency, subtotal_price=subtotal, total_price=subtotal + Decimal("4.99"),
        total_shipping=Decimal("4.99"), financial_status=financial, fulfillment_status=fulfillment,
        created_at=T0, updated_at=T0 + updated, lines=line_items, email=email, customer_name=customer,
        shipping_address=address, cancelled_at=cancelled_at,
    )
