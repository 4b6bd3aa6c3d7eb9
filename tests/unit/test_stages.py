"""The stage is a pure function of the order's facts: a table of cases."""

from __future__ import annotations

import pytest

from ordercenter.domain.stages import OrderFacts, StageView, SupplierOrderFacts, derive_stage
from ordercenter.domain.status import ActorKind, AttentionReason, FinancialStatus, FulfillmentStatus, Stage
from ordercenter.domain.status import SupplierOrderStatus as S
from ordercenter.domain.supplier_orders import SupplierFailure

PAID = FinancialStatus.PAID
UNFULFILLED = FulfillmentStatus.UNFULFILLED


def facts(*orders: SupplierOrderFacts, unplaced: bool | None = None, **kwargs: object) -> OrderFacts:
    base: dict[str, object] = {"financial_status": PAID, "fulfillment_status": UNFULFILLED,
                               "supplier_orders": orders,
                               "has_unplaced_lines": (not orders) if unplaced is None else unplaced}
    base.update(kwargs)
    return OrderFacts(**base)  # type: ignore[arg-type]


def so(status: S, group: str = "g1", attempt: int = 1, **kwargs: object) -> SupplierOrderFacts:
    return SupplierOrderFacts(group_key=group, attempt=attempt, status=status, **kwargs)  # type: ignore[arg-type]


def stage_of(f: OrderFacts) -> tuple[Stage, AttentionReason | None, bool]:
    view: StageView = derive_stage(f)
    return view.stage, view.attention_reason, view.partial


NA = Stage.NEEDS_ATTENTION
CASES = [
    ("paid and unfulfilled, nothing ordered", facts(), (Stage.TO_ORDER, None, False)),
    ("pending payment waits", facts(financial_status=FinancialStatus.PENDING), (Stage.UNPAID, None, False)),
    ("authorized payment waits", facts(financial_status=FinancialStatus.AUTHORIZED), (Stage.UNPAID, None, False)),
    ("unmapped item", facts(unmapped_items=("Mug",)), (NA, AttentionReason.UNMAPPED_ITEM, False)),
    ("missing address", facts(address_problems=("shipping address is missing",)),
     (NA, AttentionReason.INVALID_ADDRESS, False)),
    ("placement failed", facts(so(S.DRAFT, failure=SupplierFailure.PLACEMENT_FAILED, failure_message="city")),
     (NA, AttentionReason.PLACEMENT_FAILED, False)),
    ("payment failed", facts(so(S.PLACED, failure=SupplierFailure.PAYMENT_FAILED)),
     (NA, AttentionReason.PAYMENT_FAILED, False)),
    ("placed, awaiting payment", facts(so(S.PLACED)), (Stage.AWAITING_PAYMENT, None, False)),
    ("paid, awaiting shipment", facts(so(S.PAID)), (Stage.AWAITING_SHIPMENT, None, False)),
    ("shipped but tracking not yet on the store", facts(so(S.SHIPPED)), (Stage.AWAITING_SHIPMENT, None, False)),
    ("shipped and tracking pushed", facts(so(S.SHIPPED, tracking_pushed=True)), (Stage.IN_TRANSIT, None, False)),
    ("delivered", facts(so(S.DELIVERED, tracking_pushed=True)), (Stage.DELIVERED, None, False)),
    ("completed", facts(so(S.COMPLETED, tracking_pushed=True)), (Stage.COMPLETED, None, False)),
    ("split order shows its least advanced part",
     facts(so(S.SHIPPED, "g1", tracking_pushed=True), so(S.PLACED, "g2")), (Stage.AWAITING_PAYMENT, None, True)),
    ("split order with a line still to order", facts(so(S.PAID), unplaced=True), (Stage.TO_ORDER, None, True)),
    ("cancelled on the store before anything was ordered",
     facts(cancelled_on_store=True, financial_status=FinancialStatus.REFUNDED), (Stage.CANCELLED, None, False)),
    ("cancelled on the store after the supplier order",
     facts(so(S.PAID), cancelled_on_store=True), (NA, AttentionReason.CANCELLED_ON_STORE, False)),
    ("refunded on the store after the supplier order",
     facts(so(S.PLACED), financial_status=FinancialStatus.REFUNDED), (NA, AttentionReason.REFUNDED_ON_STORE, False)),
    ("refunded on the store after shipping is a customer refund, not a blocker",
     facts(so(S.SHIPPED, tracking_pushed=True), financial_status=FinancialStatus.REFUNDED),
     (Stage.IN_TRANSIT, None, False)),
    ("fulfilled on the store while nothing was ordered",
     facts(fulfillment_status=FulfillmentStatus.FULFILLED), (NA, AttentionReason.FULFILLED_ON_STORE, False)),
    ("fulfilled on the store by mistake and duplicated: its copy carries on, it is done",
     facts(fulfillment_status=FulfillmentStatus.FULFILLED, duplicated_as="#1042"), (Stage.COMPLETED, None, False)),
    ("partly fulfilled by mistake and duplicated is done too",
     facts(fulfillment_status=FulfillmentStatus.PARTIALLY_FULFILLED, duplicated_as="#1042"),
     (Stage.COMPLETED, None, False)),
    ("fulfilled on the store by our own tracking push is normal",
     facts(so(S.SHIPPED, tracking_pushed=True), fulfillment_status=FulfillmentStatus.FULFILLED),
     (Stage.IN_TRANSIT, None, False)),
    ("supplier cancelled", facts(so(S.CANCELLED, cancelled_by=ActorKind.SUPPLIER, failure_message="no stock")),
     (NA, AttentionReason.SUPPLIER_CANCELLED, False)),
    ("merchant cancelled the supplier order: to order again", facts(so(S.CANCELLED, cancelled_by=ActorKind.STAFF)),
     (Stage.TO_ORDER, None, False)),
    ("a reorder supersedes the cancelled attempt",
     facts(so(S.CANCELLED, attempt=1, cancelled_by=ActorKind.SUPPLIER), so(S.PLACED, attempt=2)),
     (Stage.AWAITING_PAYMENT, None, False)),
    ("cancelled on the store and the supplier order cancelled too",
     facts(so(S.CANCELLED, cancelled_by=ActorKind.STAFF), cancelled_on_store=True), (Stage.CANCELLED, None, False)),
    ("cancelled on the store and then shipped by the supplier stays flagged",
     facts(so(S.SHIPPED, tracking_pushed=True), cancelled_on_store=True),
     (NA, AttentionReason.CANCELLED_ON_STORE, False)),
    ("cancelled on the store, delivered by the supplier, still flagged",
     facts(so(S.DELIVERED, tracking_pushed=True), cancelled_on_store=True),
     (NA, AttentionReason.CANCELLED_ON_STORE, False)),
    ("cancelled on the store and shipped: a return/refund request opened is the merchant acting",
     facts(so(S.SHIPPED, tracking_pushed=True, has_return=True), cancelled_on_store=True),
     (Stage.IN_TRANSIT, None, False)),
    ("partly refunded before ordering needs a decision",
     facts(financial_status=FinancialStatus.PARTIALLY_REFUNDED), (NA, AttentionReason.REFUNDED_ON_STORE, False)),
]


@pytest.mark.parametrize(("given", "expected"), [pytest.param(f, e, id=name) for name, f, e in CASES])
def test_stage_is_derived_from_the_facts(given: OrderFacts, expected: tuple[Stage, object, bool]) -> None:
    assert stage_of(given) == expected


def test_after_sale_flags_sit_beside_the_stage() -> None:
    view = derive_stage(facts(so(S.PAID), cancellation_pending=True, customer_refund_open=True))
    assert view.stage is Stage.AWAITING_SHIPMENT
    assert view.flags == {"cancellation_pending", "customer_refund_open"}


def test_the_attention_detail_carries_the_suppliers_words() -> None:
    view = derive_stage(facts(so(S.DRAFT, failure=SupplierFailure.PLACEMENT_FAILED,
                                 failure_message="Please enter a city")))
    assert view.attention_detail == "Please enter a city"
