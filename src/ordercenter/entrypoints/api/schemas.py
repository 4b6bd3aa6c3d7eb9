"""Response and request models of the REST API (Pydantic v2)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ordercenter.domain.audit import OrderEvent
from ordercenter.domain.money import Money
from ordercenter.domain.orders import LineItem, Order
from ordercenter.domain.status import AttentionReason, Stage
from ordercenter.domain.supplier_orders import Shipment, SupplierOrder
from ordercenter.services.order_queries import OrderDetail


class MoneyPublic(BaseModel):
    amount: str  # a decimal string, never a float
    currency: str

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> MoneyPublic:
        return cls(amount=str(Money(amount, currency).rounded().amount), currency=currency)


class AfterSaleFlags(BaseModel):
    cancellation_pending: bool
    return_open: bool
    customer_refund_open: bool


class OrderSummaryPublic(BaseModel):
    id: int
    name: str
    platform_order_id: str
    customer_name: str
    email: str
    total: MoneyPublic
    financial_status: str
    fulfillment_status: str
    stage: Stage
    partial: bool
    attention_reason: AttentionReason | None
    attention_detail: str | None
    after_sale: AfterSaleFlags
    ship_to_country: str | None
    created_at: datetime

    @classmethod
    def of(cls, order: Order) -> OrderSummaryPublic:
        address = order.shipping_address
        return cls(
            id=order.id, name=order.name, platform_order_id=order.platform_order_id,
            customer_name=order.customer_name, email=order.email,
            total=MoneyPublic.of(order.total_price, order.currency),
            financial_status=order.financial_status.value, fulfillment_status=order.fulfillment_status.value,
            stage=order.stage, partial=order.stage_partial, attention_reason=order.attention_reason,
            attention_detail=order.attention_detail,
            after_sale=AfterSaleFlags(cancellation_pending=order.cancellation_pending,
                                      return_open=order.return_open,
                                      customer_refund_open=order.customer_refund_open),
            ship_to_country=address.country_code if address else None,
            created_at=order.platform_created_at,
        )


class OrdersPublic(BaseModel):
    data: list[OrderSummaryPublic]
    count: int
    next_cursor: str | None


class LineItemPublic(BaseModel):
    id: int
    platform_line_id: str
    title: str
    variant_title: str
    sku: str
    variant_id: str | None
    quantity: int
    unit_price: MoneyPublic

    @classmethod
    def of(cls, line: LineItem, currency: str) -> LineItemPublic:
        return cls(id=line.id, platform_line_id=line.platform_line_id, title=line.title,
                   variant_title=line.variant_title, sku=line.sku, variant_id=line.variant_id,
                   quantity=line.quantity, unit_price=MoneyPublic.of(line.unit_price, currency))


class AddressPublic(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    address1: str
    address2: str
    city: str
    province: str
    zip: str
    country_code: str
    phone: str


class ShipmentPublic(BaseModel):
    tracking_number: str
    carrier: str
    tracking_url: str | None
    pushed_to_store: bool

    @classmethod
    def of(cls, shipment: Shipment) -> ShipmentPublic:
        return cls(tracking_number=shipment.tracking_number, carrier=shipment.carrier,
                   tracking_url=shipment.tracking_url, pushed_to_store=shipment.pushed_at is not None)


class SupplierOrderPublic(BaseModel):
    id: int
    status: str
    supplier_order_id: str | None
    seller_name: str
    attempt: int
    idempotency_key: str
    cost: MoneyPublic
    shipping_method: str | None
    failure: str | None
    failure_message: str | None
    payment_deadline: datetime | None
    shipments: list[ShipmentPublic]

    @classmethod
    def of(cls, so: SupplierOrder) -> SupplierOrderPublic:
        return cls(id=so.id, status=so.status.value, supplier_order_id=so.supplier_order_id,
                   seller_name=so.seller_name, attempt=so.attempt, idempotency_key=so.idempotency_key,
                   cost=MoneyPublic.of(so.items_cost + so.shipping_cost, so.currency),
                   shipping_method=so.shipping_method, failure=so.failure.value if so.failure else None,
                   failure_message=so.failure_message, payment_deadline=so.payment_deadline,
                   shipments=[ShipmentPublic.of(s) for s in so.shipments])


class TimelineEntryPublic(BaseModel):
    type: str
    actor: str
    message: str
    parameters: dict[str, object]
    at: datetime

    @classmethod
    def of(cls, event: OrderEvent) -> TimelineEntryPublic:
        return cls(type=event.type.value, actor=event.actor_kind.value, message=event.message,
                   parameters=event.parameters, at=event.created_at)


class AfterSaleRequestPublic(BaseModel):
    kind: str
    id: int
    status: str


class OrderPublic(OrderSummaryPublic):
    subtotal: MoneyPublic
    shipping: MoneyPublic
    tax: MoneyPublic
    discounts: MoneyPublic
    note: str
    tags: list[str]
    shipping_address: AddressPublic | None
    lines: list[LineItemPublic]
    supplier_orders: list[SupplierOrderPublic]
    after_sale_requests: list[AfterSaleRequestPublic]
    timeline: list[TimelineEntryPublic]

    @classmethod
    def from_detail(cls, detail: OrderDetail) -> OrderPublic:
        order = detail.order
        address = order.shipping_address
        summary = OrderSummaryPublic.of(order).model_dump()
        requests = (
            [AfterSaleRequestPublic(kind="cancellation", id=c.id, status=c.status.value) for c in detail.cancellations]
            + [AfterSaleRequestPublic(kind="return", id=r.id, status=r.status.value) for r in detail.returns]
            + [AfterSaleRequestPublic(kind="customer_refund", id=r.id, status=r.status.value)
               for r in detail.customer_refunds]
        )
        return cls(
            **summary,
            subtotal=MoneyPublic.of(order.subtotal_price, order.currency),
            shipping=MoneyPublic.of(order.total_shipping, order.currency),
            tax=MoneyPublic.of(order.total_tax, order.currency),
            discounts=MoneyPublic.of(order.total_discounts, order.currency),
            note=order.note, tags=[str(t) for t in order.tags],
            shipping_address=AddressPublic(**{**address.to_dict(), "name": address.full_name}) if address else None,
            lines=[LineItemPublic.of(line, order.currency) for line in order.lines],
            supplier_orders=[SupplierOrderPublic.of(so) for so in detail.supplier_orders],
            after_sale_requests=requests,
            timeline=[TimelineEntryPublic.of(e) for e in detail.timeline],
        )


class HealthPublic(BaseModel):
    status: str
    database: str
    version: str
