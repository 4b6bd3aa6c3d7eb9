"""The sandbox's own records of a shop: orders and everything hanging off them.

Amounts are Decimal in the shop currency; an order also carries its presentment currency and
the rate (presentment units per shop unit) used to show customer-facing amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

#: ISO 4217 minor units of currencies without cents; everything else has two.
_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "ISK", "HUF", "TWD", "VND"})


def money_quantum(currency: str) -> Decimal:
    return Decimal("1") if currency in _ZERO_DECIMAL_CURRENCIES else Decimal("0.01")


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(money_quantum(currency), rounding=ROUND_HALF_UP)


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: str, kind: str) -> int | None:
    """The number inside `gid://shopify/<kind>/<n>` (query strings after `?` ignored), else None."""
    prefix = f"gid://shopify/{kind}/"
    if not value.startswith(prefix):
        return None
    number = value[len(prefix) :].split("?", 1)[0]
    return int(number) if number.isdigit() else None


@dataclass
class Customer:
    id: int
    first_name: str
    last_name: str
    email: str


@dataclass
class Address:
    first_name: str
    last_name: str
    address1: str
    city: str
    zip: str
    country: str
    country_code: str
    province: str | None = None
    province_code: str | None = None
    address2: str | None = None
    phone: str | None = None
    company: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class LineItem:
    id: int
    title: str
    quantity: int
    price: Decimal
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None
    variant_title: str | None = None
    vendor: str | None = None
    #: Discount allocated to the whole line, shop currency.
    discount: Decimal = Decimal("0")
    #: Quantity removed by refunds (currentQuantity = quantity - refunded_quantity).
    refunded_quantity: int = 0

    @property
    def name(self) -> str:
        return f"{self.title} - {self.variant_title}" if self.variant_title else self.title

    @property
    def current_quantity(self) -> int:
        return self.quantity - self.refunded_quantity


@dataclass
class FulfillmentOrderLine:
    id: int
    line_item_id: int
    total_quantity: int
    remaining_quantity: int


@dataclass
class FulfillmentOrder:
    id: int
    #: FulfillmentOrderStatus: OPEN, IN_PROGRESS, CLOSED, CANCELLED, ...
    status: str
    lines: list[FulfillmentOrderLine]
    created_at: datetime
    updated_at: datetime


@dataclass
class TrackingInfo:
    number: str | None
    company: str | None
    url: str | None


@dataclass
class Fulfillment:
    id: int
    name: str
    #: FulfillmentStatus: SUCCESS, CANCELLED, ...
    status: str
    #: (line item id, quantity) pairs.
    lines: list[tuple[int, int]]
    tracking: list[TrackingInfo]
    created_at: datetime
    updated_at: datetime


@dataclass
class Transaction:
    id: int
    #: OrderTransactionKind: SALE, AUTHORIZATION, CAPTURE, REFUND, VOID.
    kind: str
    #: OrderTransactionStatus: SUCCESS, PENDING, FAILURE, ...
    status: str
    #: Amount in the order's presentment currency.
    amount: Decimal
    gateway: str
    created_at: datetime
    parent_id: int | None = None


@dataclass
class Refund:
    id: int
    created_at: datetime
    note: str | None
    #: (line item id, quantity, restock type) triples.
    lines: list[tuple[int, int, str]]
    shipping: Decimal
    transaction_ids: list[int]
    #: Money returned to the customer, presentment currency.
    amount: Decimal


@dataclass
class Order:
    id: int
    number: int
    email: str | None
    created_at: datetime
    updated_at: datetime
    currency: str
    presentment_currency: str
    #: Presentment units per shop unit.
    rate: Decimal
    line_items: list[LineItem]
    #: OrderDisplayFinancialStatus value.
    financial_status: str = "PAID"
    customer: Customer | None = None
    shipping_address: Address | None = None
    shipping_title: str | None = None
    shipping_price: Decimal = Decimal("0")
    total_tax: Decimal = Decimal("0")
    #: Prices already hold the tax (the total does not add it again).
    taxes_included: bool = False
    #: Order-level discount on top of line discounts.
    order_discount: Decimal = Decimal("0")
    note: str | None = None
    tags: list[str] = field(default_factory=list)
    processed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    #: What the cancellation was asked to do besides cancelling (orderCancel's options), for tests to read.
    cancel_staff_note: str | None = None
    cancel_restocked: bool = False
    cancel_customer_notified: bool = False
    closed_at: datetime | None = None
    fulfillment_orders: list[FulfillmentOrder] = field(default_factory=list)
    fulfillments: list[Fulfillment] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    test: bool = True

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def total_discounts(self) -> Decimal:
        return sum((li.discount for li in self.line_items), Decimal("0")) + self.order_discount

    @property
    def subtotal_price(self) -> Decimal:
        gross = sum((li.price * li.quantity for li in self.line_items), Decimal("0"))
        return gross - self.total_discounts

    @property
    def total_price(self) -> Decimal:
        return self.subtotal_price + self.shipping_price + (Decimal("0") if self.taxes_included else self.total_tax)

    def to_presentment(self, shop_amount: Decimal) -> Decimal:
        return round_money(shop_amount * self.rate, self.presentment_currency)

    def to_shop(self, presentment_amount: Decimal) -> Decimal:
        return round_money(presentment_amount / self.rate, self.currency)

    @property
    def received(self) -> Decimal:
        """Money taken from the customer (presentment currency)."""
        return sum(
            (t.amount for t in self.transactions if t.kind in ("SALE", "CAPTURE") and t.status == "SUCCESS"),
            Decimal("0"),
        )

    @property
    def refunded(self) -> Decimal:
        """Money returned to the customer (presentment currency)."""
        return sum(
            (t.amount for t in self.transactions if t.kind == "REFUND" and t.status == "SUCCESS"),
            Decimal("0"),
        )

    @property
    def refundable(self) -> Decimal:
        return self.received - self.refunded

    def line_item(self, line_item_id: int) -> LineItem | None:
        return next((li for li in self.line_items if li.id == line_item_id), None)

    def fulfilled_quantity(self, line_item_id: int) -> int:
        return sum(q for f in self.fulfillments if f.status == "SUCCESS" for li, q in f.lines if li == line_item_id)

    @property
    def display_fulfillment_status(self) -> str:
        """OrderDisplayFulfillmentStatus, rolled up from the fulfillment orders' quantities."""
        fulfilled = sum(q for f in self.fulfillments if f.status == "SUCCESS" for _, q in f.lines)
        remaining = sum(
            line.remaining_quantity
            for fo in self.fulfillment_orders
            if fo.status in ("OPEN", "IN_PROGRESS")
            for line in fo.lines
        )
        if fulfilled == 0:
            return "UNFULFILLED"
        return "PARTIALLY_FULFILLED" if remaining > 0 else "FULFILLED"


@dataclass
class WebhookSubscription:
    id: int
    topic: str
    callback_url: str
    format: str
    api_version: str
    created_at: datetime
    updated_at: datetime
    include_fields: list[str] = field(default_factory=list)


@dataclass
class Shop:
    """A shop's live state: its configuration plus the orders and subscriptions it holds."""

    domain: str
    name: str
    access_token: str
    client_id: str
    client_secret: str
    currency: str
    scopes: str
    api_versions: tuple[str, ...]
    orders: dict[int, Order] = field(default_factory=dict)
    subscriptions: list[WebhookSubscription] = field(default_factory=list)
    next_order_number: int = 1001
