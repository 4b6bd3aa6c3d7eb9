"""Response and request models of the REST API (Pydantic v2)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ordercenter.domain.audit import OrderEvent
from ordercenter.domain.cancellations import CancellationRequest
from ordercenter.domain.customer_refunds import CustomerRefundRequest
from ordercenter.domain.money import Money
from ordercenter.domain.orders import LineItem, Order
from ordercenter.domain.protection import Protection
from ordercenter.domain.returns import ReturnRequest
from ordercenter.domain.status import AttentionReason, Stage
from ordercenter.domain.supplier_orders import Shipment, SupplierOrder
from ordercenter.services.customer_refunds import NetResult
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


class RefundEtaPublic(BaseModel):
    method: str  # how the supplier was paid: the refund goes back there
    business_days: tuple[int, int]  # from the refund being issued to the money showing
    earliest: date
    latest: date
    issued: bool  # False: the dates a refund issued today would have


class ProtectionSummaryPublic(BaseModel):
    closes_on: date  # the last day a return/refund can be opened
    days_left: int  # 0 on the last day

    @classmethod
    def of(cls, found: Protection | None) -> ProtectionSummaryPublic | None:
        if found is None or found.closes_on is None or found.days_left is None:
            return None
        return cls(closes_on=found.closes_on, days_left=found.days_left)


class ProtectionPublic(BaseModel):
    """A supplier order's buyer protection: until when a return/refund can be opened, the free-return terms
    for its destination and seller, and when a refund would arrive."""

    closes_on: date | None
    days_left: int | None  # negative once closed
    is_open: bool
    free_return: str | None  # None: the buyer pays the return
    refund_eta: RefundEtaPublic

    @classmethod
    def of(cls, found: Protection) -> ProtectionPublic:
        eta = found.refund_eta
        return cls(closes_on=found.closes_on, days_left=found.days_left, is_open=found.is_open,
                   free_return=found.free_return,
                   refund_eta=RefundEtaPublic(method=eta.method.value, business_days=eta.business_days,
                                              earliest=eta.window.earliest, latest=eta.window.latest,
                                              issued=eta.issued))


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
    # The soonest-closing open protection window of its supplier orders (None when none is open).
    protection: ProtectionSummaryPublic | None = None

    @classmethod
    def of(cls, order: Order, protection: Protection | None = None) -> OrderSummaryPublic:
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
            protection=ProtectionSummaryPublic.of(protection),
        )


class OrdersPublic(BaseModel):
    data: list[OrderSummaryPublic]
    count: int = Field(description="orders matching; with a search, counted up to 1,000 (see count_is_exact)")
    count_is_exact: bool = Field(True, description="false when a search matched more than `count` orders")
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
    protection: ProtectionPublic | None = None  # None until placed, and once cancelled

    @classmethod
    def of(cls, so: SupplierOrder, protection: Protection | None = None) -> SupplierOrderPublic:
        return cls(id=so.id, status=so.status.value, supplier_order_id=so.supplier_order_id,
                   seller_name=so.seller_name, attempt=so.attempt, idempotency_key=so.idempotency_key,
                   cost=MoneyPublic.of(so.items_cost + so.shipping_cost, so.currency),
                   shipping_method=so.shipping_method, failure=so.failure.value if so.failure else None,
                   failure_message=so.failure_message, payment_deadline=so.payment_deadline,
                   shipments=[ShipmentPublic.of(s) for s in so.shipments],
                   protection=ProtectionPublic.of(protection) if protection is not None else None)


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
    supplier_order_id: int | None = None  # None for a customer's request
    opened_at: datetime | None = None
    summary: str = ""  # one line a merchant reads

    @classmethod
    def of_cancellation(cls, c: CancellationRequest) -> AfterSaleRequestPublic:
        return cls(kind="cancellation", id=c.id, status=c.status.value, supplier_order_id=c.supplier_order_id,
                   opened_at=c.requested_at, summary=f"Cancel supplier order {c.supplier_order_id} "
                   f"({c.reason.value.replace('_', ' ')}): {c.status.value}")

    @classmethod
    def of_return(cls, r: ReturnRequest) -> AfterSaleRequestPublic:
        asked = Money(r.amount_requested, r.currency).rounded()
        what = r.kind.value.replace("_", " ").capitalize()
        return cls(kind="return", id=r.id, status=r.status.value, supplier_order_id=r.supplier_order_id,
                   opened_at=r.opened_at, summary=f"{what} from supplier order {r.supplier_order_id} "
                   f"({r.reason.value.replace('_', ' ')}, {asked}): {r.status.value.replace('_', ' ')}")

    @classmethod
    def of_customer_refund(cls, r: CustomerRefundRequest) -> AfterSaleRequestPublic:
        who = r.customer_name or r.customer_email or "the customer"
        asked = f" {Money(r.amount_requested, r.currency).rounded()}" if r.amount_requested is not None else ""
        return cls(kind="customer_refund", id=r.id, status=r.status.value, opened_at=r.received_at,
                   summary=f"{who} asks for a refund{asked}: {r.status.value}")


class NetResultPublic(BaseModel):
    refunded_to_customer: MoneyPublic  # refunds made on the store
    recovered_from_supplier: MoneyPublic  # approved cancellations' and refunded returns' money
    net: MoneyPublic  # recovered minus refunded: negative is what the after-sale cost the shop
    other_currencies: list[MoneyPublic]  # supplier refunds in another currency, not added in

    @classmethod
    def of(cls, result: NetResult) -> NetResultPublic:
        def money(value: Money) -> MoneyPublic:
            return MoneyPublic.of(value.amount, value.currency)

        return cls(refunded_to_customer=money(result.refunded_to_customer),
                   recovered_from_supplier=money(result.recovered_from_supplier), net=money(result.net),
                   other_currencies=[money(m) for m in result.other_currencies])


class OrderReferencePublic(BaseModel):
    id: int
    name: str

    @classmethod
    def of(cls, order: Order | None) -> OrderReferencePublic | None:
        return cls(id=order.id, name=order.name) if order is not None else None


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
    net_result: NetResultPublic | None
    # The copy made after it was fulfilled on the store by mistake ("duplicated as #…"), and a copy's original.
    duplicated_as: OrderReferencePublic | None
    duplicate_of: OrderReferencePublic | None
    timeline: list[TimelineEntryPublic]

    @classmethod
    def from_detail(cls, detail: OrderDetail) -> OrderPublic:
        order = detail.order
        address = order.shipping_address
        summary = OrderSummaryPublic.of(order, detail.protection_summary).model_dump()
        requests = (
            [AfterSaleRequestPublic.of_cancellation(c) for c in detail.cancellations]
            + [AfterSaleRequestPublic.of_return(r) for r in detail.returns]
            + [AfterSaleRequestPublic.of_customer_refund(r) for r in detail.customer_refunds]
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
            supplier_orders=[SupplierOrderPublic.of(so, detail.protection.get(so.id)) for so in detail.supplier_orders],
            after_sale_requests=requests,
            net_result=NetResultPublic.of(detail.net_result) if detail.net_result else None,
            duplicated_as=OrderReferencePublic.of(detail.copy), duplicate_of=OrderReferencePublic.of(detail.original),
            timeline=[TimelineEntryPublic.of(e) for e in detail.timeline],
        )


class HealthPublic(BaseModel):
    status: str
    database: str
    version: str
