"""Turning an order request (from the generator or orderCreate) into an Order with ids and payments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ordercenter.sandbox.shopify.records import (
    Address,
    Customer,
    FulfillmentOrder,
    FulfillmentOrderLine,
    LineItem,
    Order,
    Transaction,
    round_money,
)


@dataclass
class NewLine:
    title: str
    quantity: int
    price: Decimal
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None
    variant_title: str | None = None
    vendor: str | None = None
    discount: Decimal = Decimal("0")


@dataclass
class NewTransaction:
    kind: str
    status: str
    #: Presentment currency.
    amount: Decimal
    gateway: str = "manual"


@dataclass
class NewOrder:
    lines: list[NewLine]
    presentment_currency: str
    rate: Decimal = Decimal("1")
    email: str | None = None
    customer: Customer | None = None
    shipping_address: Address | None = None
    shipping_title: str | None = None
    shipping_price: Decimal = Decimal("0")
    order_discount: Decimal = Decimal("0")
    #: Tax as a fraction of the discounted subtotal (e.g. 0.2), or an explicit amount.
    tax_rate: Decimal = Decimal("0")
    total_tax: Decimal | None = None
    taxes_included: bool = False
    note: str | None = None
    tags: list[str] = field(default_factory=list)
    #: OrderDisplayFinancialStatus wanted; transactions are derived from it when none are given.
    financial_status: str = "PAID"
    transactions: list[NewTransaction] | None = None
    created_at: datetime | None = None
    test: bool = True


def build_order(
    request: NewOrder, *, order_id: int, number: int, shop_currency: str, next_id: Callable[[str], int],
    now: datetime,
) -> Order:
    created = request.created_at or now
    lines = [
        LineItem(
            id=next_id("LineItem"), title=line.title, quantity=line.quantity,
            price=round_money(line.price, shop_currency), sku=line.sku, variant_id=line.variant_id,
            product_id=line.product_id, variant_title=line.variant_title, vendor=line.vendor,
            discount=round_money(line.discount, shop_currency),
        )
        for line in request.lines
    ]
    order = Order(
        id=order_id, number=number, email=request.email, created_at=created, updated_at=created,
        processed_at=created, currency=shop_currency, presentment_currency=request.presentment_currency,
        rate=request.rate, line_items=lines, customer=request.customer,
        shipping_address=request.shipping_address, shipping_title=request.shipping_title,
        shipping_price=round_money(request.shipping_price, shop_currency),
        order_discount=round_money(request.order_discount, shop_currency), taxes_included=request.taxes_included,
        note=request.note,
        tags=list(request.tags), test=request.test,
    )
    order.total_tax = (
        round_money(request.total_tax, shop_currency) if request.total_tax is not None
        else round_money(order.subtotal_price * request.tax_rate, shop_currency)
    )
    order.fulfillment_orders.append(FulfillmentOrder(
        id=next_id("FulfillmentOrder"), status="OPEN", created_at=created, updated_at=created,
        lines=[FulfillmentOrderLine(id=next_id("FulfillmentOrderLineItem"), line_item_id=line.id,
                                    total_quantity=line.quantity, remaining_quantity=line.quantity)
               for line in lines],
    ))
    transactions = request.transactions
    if transactions is None:
        transactions = _transactions_for(request.financial_status, order.to_presentment(order.total_price))
    for spec in transactions:
        order.transactions.append(Transaction(
            id=next_id("OrderTransaction"), kind=spec.kind, status=spec.status,
            amount=round_money(spec.amount, order.presentment_currency), gateway=spec.gateway, created_at=created,
        ))
    order.financial_status = request.financial_status
    return order


def _transactions_for(financial_status: str, total: Decimal) -> list[NewTransaction]:
    if financial_status == "PAID":
        return [NewTransaction("SALE", "SUCCESS", total, "shopify_payments")]
    if financial_status == "AUTHORIZED":
        return [NewTransaction("AUTHORIZATION", "SUCCESS", total, "shopify_payments")]
    if financial_status == "PARTIALLY_PAID":
        return [NewTransaction("SALE", "SUCCESS", (total / 2).quantize(Decimal("0.01")), "manual")]
    if financial_status == "PENDING":
        return [NewTransaction("SALE", "PENDING", total, "manual")]
    return []
