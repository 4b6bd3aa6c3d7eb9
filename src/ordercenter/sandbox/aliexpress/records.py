"""What the sandbox supplier remembers: orders, packages, and after-sale records, plus its error type.

Status values are AliExpress's own (`order_status`, `logistics_status`); end reasons and dispute
statuses are the sandbox's choice where AliExpress documents none (listed below).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# order_status
PLACE_ORDER_SUCCESS = "PLACE_ORDER_SUCCESS"  # placed, awaiting payment
WAIT_SELLER_SEND_GOODS = "WAIT_SELLER_SEND_GOODS"  # paid
IN_CANCEL = "IN_CANCEL"  # a cancellation waits for the seller
WAIT_BUYER_ACCEPT_GOODS = "WAIT_BUYER_ACCEPT_GOODS"  # shipped
FINISH = "FINISH"  # completed or closed: see end_reason

# logistics_status
NO_LOGISTICS = "NO_LOGISTICS"
LOGISTICS_WAIT_SEND = "WAIT_SELLER_SEND_GOODS"
SELLER_SEND_GOODS = "SELLER_SEND_GOODS"
BUYER_ACCEPT_GOODS = "BUYER_ACCEPT_GOODS"

# end_reason (AliExpress documents only CANCELED)
END_CANCELED = "CANCELED"
END_PAY_TIMEOUT = "PAY_TIMEOUT"
END_BUYER_ACCEPTED = "BUYER_ACCEPT_GOODS"
END_REFUNDED = "ISSUE_REFUNDED"

# dispute status (sandbox vocabulary)
DISPUTE_WAIT_SELLER = "WAIT_SELLER_RESPONSE"
DISPUTE_SELLER_REFUSED = "SELLER_REFUSED"
DISPUTE_ARBITRATION = "IN_PLATFORM_ARBITRATION"
DISPUTE_WAIT_RETURN = "WAIT_BUYER_RETURN"
DISPUTE_RETURN_SHIPPED = "RETURN_SHIPPED"
DISPUTE_REFUND_PENDING = "REFUND_PENDING"
DISPUTE_REFUNDED = "REFUNDED"
DISPUTE_CLOSED = "CLOSED"


class SandboxApiError(Exception):
    """A refusal in AliExpress's words; the wire layer picks the envelope for the method."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class LineRecord:
    product_id: str
    sku_id: str
    sku_attr: str
    title: str
    quantity: int
    unit_price: Decimal
    shipping_method: str
    shipping_fee: Decimal = Decimal("0.00")
    memo: str = ""


@dataclass
class TrackingNode:
    at: datetime
    name: str
    description: str


@dataclass
class PackageRecord:
    tracking_number: str
    carrier: str
    nodes: list[TrackingNode] = field(default_factory=list)
    eta: datetime | None = None
    # (product_id, quantity) inside this package; None: the whole order (a single package).
    items: list[tuple[str, int]] | None = None


@dataclass
class RefundRecord:
    amount: Decimal
    at: datetime
    reason: str


@dataclass
class OrderRecord:
    order_id: str
    out_order_id: str
    store_id: str
    store_name: str
    address: dict[str, str]
    lines: list[LineRecord]
    created_at: datetime
    pay_deadline: datetime
    status: str = PLACE_ORDER_SUCCESS
    logistics_status: str = NO_LOGISTICS
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    finished_at: datetime | None = None
    end_reason: str | None = None
    status_before_cancel: str | None = None
    packages: list[PackageRecord] = field(default_factory=list)
    refunds: list[RefundRecord] = field(default_factory=list)
    currency: str = "USD"

    @property
    def amount(self) -> Decimal:
        return sum((line.unit_price * line.quantity + line.shipping_fee for line in self.lines), Decimal("0.00"))

    @property
    def refunded(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), Decimal("0.00"))

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


@dataclass
class CancellationRecord:
    cancellation_id: str
    order_id: str
    reason: str
    requested_at: datetime
    decide_at: datetime
    outcome: str = "pending"  # pending | approved | rejected
    decided_at: datetime | None = None
    note: str = ""


@dataclass
class DisputeRecord:
    dispute_id: str
    order_id: str
    kind: str  # refund_only | return_and_refund
    reason: str
    description: str
    amount: Decimal
    evidence: list[str]
    opened_at: datetime
    status: str = DISPUTE_WAIT_SELLER
    decided_by: str | None = None
    refund_amount: Decimal | None = None
    refunded_at: datetime | None = None
    return_instructions: str | None = None
    return_tracking: str | None = None
    note: str = ""


@dataclass
class MessageRecord:
    message_id: str
    order_id: str
    from_seller: bool
    text: str
    at: datetime
    answered: bool = False  # for buyer messages: the seller has replied
    reply_due: datetime | None = None
