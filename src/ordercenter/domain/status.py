"""Every status axis as an enum, and each state machine as a table of allowed transitions.

Nothing assigns a status directly: entities call `TransitionTable.check` through their
`transition_to`, which raises `InvalidTransition` naming both states when the table refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from ordercenter.domain.errors import InvalidTransition

S = TypeVar("S", bound=StrEnum)


class TransitionTable(Generic[S]):
    """The allowed next states of each state; terminal states map to nothing."""

    def __init__(self, entity: str, allowed: Mapping[S, frozenset[S]]) -> None:
        self.entity = entity
        self.allowed = dict(allowed)

    def can(self, current: S, requested: S) -> bool:
        return requested in self.allowed.get(current, frozenset())

    def check(self, current: S, requested: S) -> None:
        if not self.can(current, requested):
            raise InvalidTransition(self.entity, current.value, requested.value)

    def is_terminal(self, state: S) -> bool:
        return not self.allowed.get(state)


class FinancialStatus(StrEnum):
    """The store's payment status of an order, as Shopify reports it."""

    PENDING = "pending"  # checkout done, payment not yet received
    AUTHORIZED = "authorized"  # card authorized, not captured
    PARTIALLY_PAID = "partially_paid"  # part of the total received
    PAID = "paid"  # fully paid: the only status that lets an order be placed
    PARTIALLY_REFUNDED = "partially_refunded"  # some money went back to the customer
    REFUNDED = "refunded"  # all money went back to the customer
    VOIDED = "voided"  # authorization cancelled
    EXPIRED = "expired"  # authorization expired


class FulfillmentStatus(StrEnum):
    """The store's fulfilment status of an order, as Shopify reports it."""

    UNFULFILLED = "unfulfilled"  # nothing shipped yet
    PARTIALLY_FULFILLED = "partially_fulfilled"  # some lines fulfilled
    FULFILLED = "fulfilled"  # every line fulfilled
    IN_PROGRESS = "in_progress"  # a fulfilment service is working on it
    ON_HOLD = "on_hold"  # held by the merchant or an app
    SCHEDULED = "scheduled"  # prepaid subscription, fulfilled later
    REQUEST_DECLINED = "request_declined"  # a fulfilment service declined


class SupplierOrderStatus(StrEnum):
    """Where a purchase from the supplier stands."""

    DRAFT = "draft"  # prepared, not yet accepted by the supplier
    PLACED = "placed"  # accepted by the supplier, awaiting payment
    PAID = "paid"  # paid, awaiting shipment
    SHIPPED = "shipped"  # handed to the carrier
    DELIVERED = "delivered"  # the carrier says it was delivered
    COMPLETED = "completed"  # the supplier closed the order; money released to the seller
    CANCELLED = "cancelled"  # cancelled before shipment, by the merchant or the supplier


SUPPLIER_ORDER_TRANSITIONS = TransitionTable[SupplierOrderStatus](
    "supplier order",
    {
        SupplierOrderStatus.DRAFT: frozenset({SupplierOrderStatus.PLACED, SupplierOrderStatus.CANCELLED}),
        SupplierOrderStatus.PLACED: frozenset({SupplierOrderStatus.PAID, SupplierOrderStatus.CANCELLED}),
        SupplierOrderStatus.PAID: frozenset({SupplierOrderStatus.SHIPPED, SupplierOrderStatus.CANCELLED}),
        SupplierOrderStatus.SHIPPED: frozenset({SupplierOrderStatus.DELIVERED}),
        SupplierOrderStatus.DELIVERED: frozenset({SupplierOrderStatus.COMPLETED}),
        SupplierOrderStatus.COMPLETED: frozenset(),
        SupplierOrderStatus.CANCELLED: frozenset(),
    },
)


class CancellationStatus(StrEnum):
    """A request to the supplier to cancel a supplier order."""

    PENDING = "pending"  # submitted, waiting for the supplier's decision
    APPROVED = "approved"  # the supplier cancelled the order
    REJECTED = "rejected"  # the supplier refused (usually: already shipped)


CANCELLATION_TRANSITIONS = TransitionTable[CancellationStatus](
    "cancellation request",
    {
        CancellationStatus.PENDING: frozenset({CancellationStatus.APPROVED, CancellationStatus.REJECTED}),
        CancellationStatus.APPROVED: frozenset(),
        CancellationStatus.REJECTED: frozenset(),
    },
)


class ReturnStatus(StrEnum):
    """A return/refund request (dispute) opened with the supplier."""

    SUBMITTED = "submitted"  # opened with reason and evidence
    UNDER_REVIEW = "under_review"  # the seller or the platform is looking at it
    APPROVED = "approved"  # accepted: return the goods, or refund only
    AWAITING_RETURN = "awaiting_return"  # return instructions received, parcel not sent yet
    RETURN_SHIPPED = "return_shipped"  # the parcel is on its way back
    REFUND_PENDING = "refund_pending"  # refund issued, money on its way (3-20 business days)
    REFUNDED = "refunded"  # money arrived
    REJECTED = "rejected"  # the seller or the platform refused
    WITHDRAWN = "withdrawn"  # the merchant dropped the request
    CLOSED = "closed"  # closed without refund (expired, settled outside)


_RETURN_ENDINGS = frozenset({ReturnStatus.REJECTED, ReturnStatus.WITHDRAWN, ReturnStatus.CLOSED})

RETURN_TRANSITIONS = TransitionTable[ReturnStatus](
    "return request",
    {
        ReturnStatus.SUBMITTED: frozenset({ReturnStatus.UNDER_REVIEW}) | _RETURN_ENDINGS,
        ReturnStatus.UNDER_REVIEW: frozenset({ReturnStatus.APPROVED}) | _RETURN_ENDINGS,
        ReturnStatus.APPROVED: frozenset({ReturnStatus.AWAITING_RETURN, ReturnStatus.REFUND_PENDING})
        | _RETURN_ENDINGS,
        ReturnStatus.AWAITING_RETURN: frozenset({ReturnStatus.RETURN_SHIPPED}) | _RETURN_ENDINGS,
        ReturnStatus.RETURN_SHIPPED: frozenset({ReturnStatus.REFUND_PENDING, ReturnStatus.CLOSED}),
        ReturnStatus.REFUND_PENDING: frozenset({ReturnStatus.REFUNDED}),
        ReturnStatus.REFUNDED: frozenset(),
        # A refused dispute can be escalated (the platform reviews it again) or closed by the merchant.
        ReturnStatus.REJECTED: frozenset({ReturnStatus.UNDER_REVIEW, ReturnStatus.CLOSED}),
        ReturnStatus.WITHDRAWN: frozenset(),
        ReturnStatus.CLOSED: frozenset(),
    },
)


class CustomerRefundStatus(StrEnum):
    """A customer's request for a refund, answered by the merchant."""

    NEW = "new"  # received, not answered yet
    REPLIED = "replied"  # the merchant answered the customer
    REFUNDED = "refunded"  # money sent back to the customer
    DECLINED = "declined"  # refused, with the reason told to the customer
    RESOLVED = "resolved"  # settled otherwise (replacement, customer withdrew)


CUSTOMER_REFUND_TRANSITIONS = TransitionTable[CustomerRefundStatus](
    "customer refund request",
    {
        # A refund made directly on the store may settle a request before anyone answered it; declining
        # or settling otherwise needs an answer to the customer first.
        CustomerRefundStatus.NEW: frozenset({CustomerRefundStatus.REPLIED, CustomerRefundStatus.REFUNDED}),
        CustomerRefundStatus.REPLIED: frozenset(
            {CustomerRefundStatus.REFUNDED, CustomerRefundStatus.DECLINED, CustomerRefundStatus.RESOLVED}
        ),
        CustomerRefundStatus.REFUNDED: frozenset(),
        CustomerRefundStatus.DECLINED: frozenset(),
        CustomerRefundStatus.RESOLVED: frozenset(),
    },
)


class Stage(StrEnum):
    """Where an order stands in the Orders Center; derived, never set by hand (see stages.py)."""

    UNPAID = "unpaid"  # on the store but not paid yet: stored, waits
    TO_ORDER = "to_order"  # paid, unfulfilled, ready to place with the supplier
    NEEDS_ATTENTION = "needs_attention"  # blocked; the attention reason says why
    AWAITING_PAYMENT = "awaiting_payment"  # placed with the supplier, not paid yet
    AWAITING_SHIPMENT = "awaiting_shipment"  # paid to the supplier, not shipped yet
    IN_TRANSIT = "in_transit"  # tracking known and pushed to the store
    DELIVERED = "delivered"  # the carrier delivered it
    COMPLETED = "completed"  # closed at the supplier
    CANCELLED = "cancelled"  # cancelled; nothing more to do


# The order in which stages advance; a split order shows its least advanced part.
STAGE_PROGRESS = (
    Stage.TO_ORDER,
    Stage.AWAITING_PAYMENT,
    Stage.AWAITING_SHIPMENT,
    Stage.IN_TRANSIT,
    Stage.DELIVERED,
    Stage.COMPLETED,
)


class AttentionReason(StrEnum):
    """Why an order needs the merchant (the fixed list of the Orders Center)."""

    UNMAPPED_ITEM = "unmapped_item"  # a line has no supplier product
    INVALID_ADDRESS = "invalid_address"  # shipping address missing or incomplete
    PLACEMENT_FAILED = "placement_failed"  # the supplier refused the order; detail has its words
    PAYMENT_FAILED = "payment_failed"  # paying the supplier failed
    CANCELLED_ON_STORE = "cancelled_on_store"  # cancelled on Shopify after the supplier order
    REFUNDED_ON_STORE = "refunded_on_store"  # refunded on Shopify after the supplier order
    FULFILLED_ON_STORE = "fulfilled_on_store"  # fulfilled on Shopify while nothing was ordered
    SUPPLIER_CANCELLED = "supplier_cancelled"  # the supplier cancelled the order


class ActorKind(StrEnum):
    """Who did something recorded on a timeline."""

    STAFF = "staff"  # a person using the web pages, the API or the CLI
    SYSTEM = "system"  # Order Center itself (sync, pollers, reconciler)
    STORE = "store"  # the store platform (webhooks)
    SUPPLIER = "supplier"  # the supplier platform
    CUSTOMER = "customer"  # the store's customer
