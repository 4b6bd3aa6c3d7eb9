"""The stage an order shows: a pure function of the order's facts and its supplier orders.

Only the latest attempt of each seller group counts (a reorder supersedes the cancelled purchase).
A split order shows its least advanced group and says it is partial.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordercenter.domain.status import (
    STAGE_PROGRESS,
    ActorKind,
    AttentionReason,
    FinancialStatus,
    FulfillmentStatus,
    Stage,
    SupplierOrderStatus,
)
from ordercenter.domain.supplier_orders import SupplierFailure

_UNPAID = frozenset({FinancialStatus.PENDING, FinancialStatus.AUTHORIZED, FinancialStatus.PARTIALLY_PAID})
_MONEY_GONE = frozenset({FinancialStatus.REFUNDED, FinancialStatus.VOIDED, FinancialStatus.EXPIRED})
_FULFILLED_ON_STORE = frozenset({FulfillmentStatus.FULFILLED, FulfillmentStatus.PARTIALLY_FULFILLED})
_CANCELLABLE = frozenset({SupplierOrderStatus.DRAFT, SupplierOrderStatus.PLACED, SupplierOrderStatus.PAID})
_SHIPPED_OR_DELIVERED = frozenset({SupplierOrderStatus.SHIPPED, SupplierOrderStatus.DELIVERED})


@dataclass(frozen=True)
class SupplierOrderFacts:
    group_key: str
    attempt: int
    status: SupplierOrderStatus
    tracking_pushed: bool = False
    failure: SupplierFailure | None = None
    failure_message: str | None = None
    cancelled_by: ActorKind | None = None
    has_return: bool = False  # a return/refund request was opened for it (in any state)


@dataclass(frozen=True)
class OrderFacts:
    financial_status: FinancialStatus
    fulfillment_status: FulfillmentStatus
    cancelled_on_store: bool = False
    address_problems: tuple[str, ...] = ()
    unmapped_items: tuple[str, ...] = ()  # titles of lines without a supplier product
    # True while some line is not covered by an active supplier order.
    has_unplaced_lines: bool = True
    supplier_orders: tuple[SupplierOrderFacts, ...] = ()
    cancellation_pending: bool = False
    return_open: bool = False
    customer_refund_open: bool = False
    # Fulfilled on the store before Order Center first saw it: history, not something to order.
    fulfilled_before_import: bool = False
    # The name of the copy made of it after it was fulfilled on the store by mistake (domain/duplicates.py).
    duplicated_as: str | None = None


@dataclass(frozen=True)
class StageView:
    stage: Stage
    partial: bool = False
    attention_reason: AttentionReason | None = None
    attention_detail: str | None = None
    flags: frozenset[str] = field(default_factory=frozenset)


def _attention(reason: AttentionReason, detail: str | None, flags: frozenset[str]) -> StageView:
    return StageView(Stage.NEEDS_ATTENTION, attention_reason=reason, attention_detail=detail, flags=flags)


def latest_attempts(orders: tuple[SupplierOrderFacts, ...]) -> list[SupplierOrderFacts]:
    """The newest attempt of each seller group."""
    latest: dict[str, SupplierOrderFacts] = {}
    for so in orders:
        if so.group_key not in latest or so.attempt > latest[so.group_key].attempt:
            latest[so.group_key] = so
    return list(latest.values())


def _group_stage(so: SupplierOrderFacts) -> Stage:
    if so.status is SupplierOrderStatus.SHIPPED:
        return Stage.IN_TRANSIT if so.tracking_pushed else Stage.AWAITING_SHIPMENT
    return {
        SupplierOrderStatus.DRAFT: Stage.TO_ORDER,
        SupplierOrderStatus.PLACED: Stage.AWAITING_PAYMENT,
        SupplierOrderStatus.PAID: Stage.AWAITING_SHIPMENT,
        SupplierOrderStatus.DELIVERED: Stage.DELIVERED,
        SupplierOrderStatus.COMPLETED: Stage.COMPLETED,
        # A purchase the merchant cancelled is to be ordered again (reorder), unless the order is gone.
        SupplierOrderStatus.CANCELLED: Stage.TO_ORDER,
    }[so.status]


def _placement_blocker(facts: OrderFacts, flags: frozenset[str]) -> StageView | None:
    """Why lines still to be ordered cannot be placed, if they cannot."""
    if facts.financial_status in _UNPAID:
        return StageView(Stage.UNPAID, flags=flags)
    if facts.address_problems:
        return _attention(AttentionReason.INVALID_ADDRESS, "; ".join(facts.address_problems), flags)
    if facts.unmapped_items:
        return _attention(AttentionReason.UNMAPPED_ITEM, "no supplier product for: "
                          + ", ".join(facts.unmapped_items), flags)
    return None


def derive_stage(facts: OrderFacts) -> StageView:
    """The stage, partial flag, attention reason and after-sale flags of an order."""
    flags = frozenset(
        name for name, on in (("cancellation_pending", facts.cancellation_pending),
                              ("return_open", facts.return_open),
                              ("customer_refund_open", facts.customer_refund_open)) if on
    )
    groups = latest_attempts(facts.supplier_orders)
    active = [so for so in groups if so.status is not SupplierOrderStatus.CANCELLED]
    gone_on_store = facts.cancelled_on_store or facts.financial_status in _MONEY_GONE

    for so in groups:
        if so.status is SupplierOrderStatus.CANCELLED and so.cancelled_by is ActorKind.SUPPLIER \
                and not gone_on_store:
            return _attention(AttentionReason.SUPPLIER_CANCELLED, so.failure_message, flags)

    if not active:
        if gone_on_store:
            return StageView(Stage.CANCELLED, flags=flags)
        if facts.fulfilled_before_import and facts.fulfillment_status is FulfillmentStatus.FULFILLED:
            return StageView(Stage.COMPLETED, flags=flags)
        if facts.fulfillment_status in _FULFILLED_ON_STORE and facts.duplicated_as is not None:
            return StageView(Stage.COMPLETED, flags=flags)  # done: its copy goes through the flow instead
        if facts.fulfillment_status in _FULFILLED_ON_STORE:
            return _attention(AttentionReason.FULFILLED_ON_STORE,
                              "fulfilled on the store while nothing was ordered from the supplier", flags)
        if facts.financial_status is FinancialStatus.PARTIALLY_REFUNDED:
            return _attention(AttentionReason.REFUNDED_ON_STORE, "partly refunded before it was ordered", flags)
        return _placement_blocker(facts, flags) or StageView(Stage.TO_ORDER, flags=flags)

    if any(so.status in _CANCELLABLE for so in active):
        if facts.cancelled_on_store:
            return _attention(AttentionReason.CANCELLED_ON_STORE,
                              "cancelled on the store; cancel the supplier order", flags)
        if facts.financial_status in _MONEY_GONE:
            return _attention(AttentionReason.REFUNDED_ON_STORE,
                              "refunded on the store; cancel the supplier order", flags)
    if facts.cancelled_on_store:
        # Too late to cancel: the goods are on their way for an order that no longer exists. It stays
        # flagged until the merchant opens a return/refund request with the supplier. (A refund after
        # shipping, on an order that still stands, is a customer refund and no blocker.)
        if any(so.status in _SHIPPED_OR_DELIVERED and not so.has_return for so in active):
            return _attention(AttentionReason.CANCELLED_ON_STORE, "cancelled on the store but the supplier shipped "
                              "it; open a return/refund request with the supplier to get the money back", flags)
    for so in active:
        # A payment failure holds only while the order still awaits payment: one reported after the
        # payment went through (the poller saw it paid while the pay call was failing) is stale.
        if so.failure is SupplierFailure.PAYMENT_FAILED and so.status is SupplierOrderStatus.PLACED:
            return _attention(AttentionReason.PAYMENT_FAILED, so.failure_message, flags)
        if so.failure in (SupplierFailure.PLACEMENT_FAILED, SupplierFailure.OUTCOME_UNKNOWN) \
                and so.status is SupplierOrderStatus.DRAFT:
            return _attention(AttentionReason.PLACEMENT_FAILED, so.failure_message, flags)

    # Once the store order is gone, nothing more is to be ordered: only live purchases count.
    counted = active if gone_on_store else groups
    stages = {_group_stage(so) for so in counted}
    if facts.has_unplaced_lines and not gone_on_store:
        stages.add(Stage.TO_ORDER)
    least = min(stages, key=STAGE_PROGRESS.index)
    if least is Stage.TO_ORDER:
        blocked = _placement_blocker(facts, flags)
        if blocked is not None:
            return blocked
    return StageView(least, partial=len(stages) > 1, flags=flags)
