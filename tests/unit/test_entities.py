"""Entities change status through one door and record what happened."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ordercenter.domain.cancellations import CancellationReason, CancellationRequest
from ordercenter.domain.customer_refunds import CustomerRefundRequest
from ordercenter.domain.errors import InvalidInput, InvalidTransition
from ordercenter.domain.events import StatusChanged
from ordercenter.domain.returns import ReturnKind, ReturnReason, ReturnRequest
from ordercenter.domain.shops import normalize_shop_domain
from ordercenter.domain.status import CancellationStatus, CustomerRefundStatus, ReturnStatus, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierFailure, SupplierOrder, idempotency_key
from tests.factories import T0


def supplier_order() -> SupplierOrder:
    return SupplierOrder(shop_id=1, order_id=1, group_key="seller-1", attempt=1, currency="USD",
                         idempotency_key=idempotency_key(1, "5000001", "seller-1", 1),
                         status=SupplierOrderStatus.DRAFT, created_at=T0)


def test_a_supplier_order_moving_forward_stamps_the_time_and_records_the_change() -> None:
    so = supplier_order()
    so.transition_to(SupplierOrderStatus.PLACED, at=T0)
    so.transition_to(SupplierOrderStatus.PAID, at=T0 + timedelta(hours=1))
    assert so.placed_at == T0
    assert so.paid_at == T0 + timedelta(hours=1)
    events = so.collect_events()
    assert [(e.old, e.new) for e in events if isinstance(e, StatusChanged)] == [
        ("draft", "placed"), ("placed", "paid")]
    assert so.collect_events() == []


def test_a_shipped_supplier_order_cannot_be_cancelled() -> None:
    so = supplier_order()
    for status in (SupplierOrderStatus.PLACED, SupplierOrderStatus.PAID, SupplierOrderStatus.SHIPPED):
        so.transition_to(status, at=T0)
    with pytest.raises(InvalidTransition, match="'shipped' to 'cancelled'"):
        so.transition_to(SupplierOrderStatus.CANCELLED, at=T0)
    assert so.status is SupplierOrderStatus.SHIPPED


def test_moving_to_the_same_status_does_nothing() -> None:
    so = supplier_order()
    so.transition_to(SupplierOrderStatus.DRAFT, at=T0)
    assert so.collect_events() == []


def test_a_successful_step_clears_an_earlier_failure() -> None:
    so = supplier_order()
    so.mark_failed(SupplierFailure.PLACEMENT_FAILED, "Please enter a city")
    so.transition_to(SupplierOrderStatus.PLACED, at=T0)
    assert so.failure is None and so.failure_message is None


def test_the_idempotency_key_is_stable_for_the_same_order_group_and_attempt() -> None:
    assert idempotency_key(3, "5001", "s1", 1) == idempotency_key(3, "5001", "s1", 1)
    assert idempotency_key(3, "5001", "s1", 1) != idempotency_key(3, "5001", "s1", 2)
    assert idempotency_key(3, "5001", "s1", 1) != idempotency_key(3, "5001", "s2", 1)


def test_a_cancellation_decision_is_recorded_once() -> None:
    request = CancellationRequest(shop_id=1, order_id=1, supplier_order_id=1,
                                  reason=CancellationReason.CUSTOMER_CHANGED_MIND,
                                  status=CancellationStatus.PENDING, requested_at=T0)
    request.decide(CancellationStatus.APPROVED, at=T0, note="seller agreed")
    assert request.decided_at == T0 and not request.is_open
    with pytest.raises(InvalidTransition):
        request.decide(CancellationStatus.REJECTED, at=T0)


def test_a_refund_only_return_goes_from_approved_straight_to_refund_pending() -> None:
    request = ReturnRequest(shop_id=1, order_id=1, supplier_order_id=1, kind=ReturnKind.REFUND_ONLY,
                            reason=ReturnReason.NOT_RECEIVED, currency="USD", amount_requested=Decimal("12.00"),
                            status=ReturnStatus.SUBMITTED, opened_at=T0)
    for status in (ReturnStatus.UNDER_REVIEW, ReturnStatus.APPROVED, ReturnStatus.REFUND_PENDING):
        request.transition_to(status, at=T0)
    assert request.refund_issued_at == T0 and request.is_open
    request.transition_to(ReturnStatus.REFUNDED, at=T0 + timedelta(days=5))
    assert request.closed_at == T0 + timedelta(days=5) and not request.is_open


def test_a_customer_refund_request_is_answered_before_it_is_declined() -> None:
    request = CustomerRefundRequest(shop_id=1, order_id=1, customer_email="a@b.co", message="refund please",
                                    currency="USD", status=CustomerRefundStatus.NEW, received_at=T0)
    with pytest.raises(InvalidTransition, match="'new' to 'declined'"):
        request.transition_to(CustomerRefundStatus.DECLINED, at=T0)
    request.transition_to(CustomerRefundStatus.REPLIED, at=T0)
    request.transition_to(CustomerRefundStatus.REFUNDED, at=T0 + timedelta(hours=2))
    assert request.replied_at == T0 and request.resolved_at == T0 + timedelta(hours=2)


@pytest.mark.parametrize(("given", "expected"), [
    ("Demo-Store.myshopify.com", "demo-store.myshopify.com"),
    ("https://demo-store.myshopify.com/", "demo-store.myshopify.com"),
    ("demo-store", "demo-store.myshopify.com"),
])
def test_shop_domains_are_normalized(given: str, expected: str) -> None:
    assert normalize_shop_domain(given) == expected


@pytest.mark.parametrize("bad", ["", "bad domain.com", "shop..myshopify.com", "x/y"])
def test_a_bad_shop_domain_is_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as error:
        normalize_shop_domain(bad)
    assert error.value.field == "domain"


def test_a_refund_made_on_the_store_settles_a_request_nobody_answered_yet() -> None:
    request = CustomerRefundRequest(shop_id=1, order_id=1, customer_email="a@b.co", message="refund please",
                                    currency="USD", status=CustomerRefundStatus.NEW, received_at=T0)
    request.transition_to(CustomerRefundStatus.REFUNDED, at=T0 + timedelta(hours=1))
    assert request.resolved_at == T0 + timedelta(hours=1) and not request.is_open
