"""The rules of cancelling a supplier order, without any I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from ordercenter.domain import cancellation_rules as rules
from ordercenter.domain.cancellations import (
    DECISION_ALERT_AFTER,
    CancellationFollowUp,
    CancellationReason,
    CancellationRequest,
)
from ordercenter.domain.errors import InvalidInput, NotAllowed
from ordercenter.domain.orders import Order
from ordercenter.domain.policies import PaymentMethod, is_business_day
from ordercenter.domain.status import CancellationStatus, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder

SO = SupplierOrderStatus
T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SHOPIFY_CANCEL_REASONS = {"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"}


@pytest.mark.parametrize("status", [SO.PLACED, SO.PAID])
def test_a_placed_or_paid_supplier_order_can_be_cancelled(status: SupplierOrderStatus) -> None:
    rules.check_cancellable(7, status, placed=True)


@pytest.mark.parametrize("status", [SO.SHIPPED, SO.DELIVERED, SO.COMPLETED])
def test_a_cancellation_after_shipping_is_refused_and_points_to_a_return_request(
        status: SupplierOrderStatus) -> None:
    with pytest.raises(NotAllowed) as refused:
        rules.check_cancellable(7, status, placed=True)
    assert "already shipped" in refused.value.message
    assert "return/refund request" in refused.value.message
    assert "/api/v1/supplier-orders/7/returns" in refused.value.message


def test_a_cancelled_supplier_order_cannot_be_cancelled_again() -> None:
    with pytest.raises(NotAllowed, match="already cancelled"):
        rules.check_cancellable(7, SO.CANCELLED, placed=True)


@pytest.mark.parametrize(("status", "placed"), [(SO.DRAFT, False), (SO.DRAFT, True), (SO.PLACED, False)])
def test_a_supplier_order_not_placed_with_the_supplier_has_nothing_to_cancel(status: SupplierOrderStatus,
                                                                            placed: bool) -> None:
    with pytest.raises(NotAllowed, match="not been placed"):
        rules.check_cancellable(7, status, placed=placed)


def test_a_reason_outside_the_list_is_refused_naming_the_field_and_the_choices() -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.parse_reason("bored")
    assert refused.value.field == "reason"
    assert "'bored'" in refused.value.message
    assert all(f"'{reason.value}'" in refused.value.message for reason in CancellationReason)


def test_a_reason_is_read_whatever_its_case_and_spacing() -> None:
    assert rules.parse_reason(" Out_Of_Stock ") is CancellationReason.OUT_OF_STOCK


@pytest.mark.parametrize("note", ["", "   ", None])
def test_other_without_a_note_is_refused_naming_the_note(note: str | None) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.checked_note(CancellationReason.OTHER, note)
    assert refused.value.field == "note"


def test_other_with_a_note_keeps_the_note_trimmed_and_a_listed_reason_needs_none() -> None:
    assert rules.checked_note(CancellationReason.OTHER, "  duplicate order  ") == "duplicate order"
    assert rules.checked_note(CancellationReason.OUT_OF_STOCK, None) == ""


def test_a_note_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at most"):
        rules.checked_note(CancellationReason.PRICE_CHANGED, "x" * (rules.NOTE_MAX_LENGTH + 1))


def test_the_follow_up_is_reorder_or_cancel_on_store_only() -> None:
    assert rules.parse_follow_up("cancel_on_store") is CancellationFollowUp.CANCEL_ON_STORE
    with pytest.raises(InvalidInput) as refused:
        rules.parse_follow_up("refund")
    assert refused.value.field == "then"


@pytest.mark.parametrize("value", ["pending", "maybe"])
def test_a_decision_is_approved_or_rejected_only(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.checked_decision(value)
    assert refused.value.field == "decision"
    assert rules.checked_decision("rejected") is CancellationStatus.REJECTED


def test_every_reason_maps_to_a_shopify_order_cancel_reason() -> None:
    assert {rules.store_cancel_reason(reason) for reason in CancellationReason} <= SHOPIFY_CANCEL_REASONS
    assert rules.store_cancel_reason(CancellationReason.CUSTOMER_CHANGED_MIND) == "CUSTOMER"
    assert rules.store_cancel_reason(CancellationReason.OUT_OF_STOCK) == "INVENTORY"


def test_the_supplier_reads_the_reason_with_the_note_and_other_as_the_note_alone() -> None:
    assert rules.supplier_reason_text(CancellationReason.WRONG_ADDRESS, "flat number missing") == \
        "the shipping address is wrong: flat number missing"
    assert rules.supplier_reason_text(CancellationReason.OTHER, "ordered twice") == "ordered twice"


def test_an_unpaid_supplier_order_brings_no_refund() -> None:
    assert rules.expected_refund(paid=False, amount=Decimal("12.50"), currency="USD", method=PaymentMethod.CARD,
                                 payer_country="US", decided_at=T) is None


def test_a_paid_one_is_refunded_in_business_days_of_the_payers_country() -> None:
    # Decided on Friday 9 January 2026: Saudi Arabia rests on Friday and Saturday, so its three business
    # days are Sunday, Monday, Tuesday (the 13th); in the United States Monday to Wednesday (the 14th).
    friday = datetime(2026, 1, 9, 12, 0, tzinfo=UTC)
    saudi = rules.expected_refund(paid=True, amount=Decimal("12.50"), currency="USD", method=PaymentMethod.CARD,
                                  payer_country="SA", decided_at=friday)
    american = rules.expected_refund(paid=True, amount=Decimal("12.50"), currency="USD",
                                     method=PaymentMethod.CARD, payer_country="US", decided_at=friday)
    assert saudi is not None and american is not None
    assert saudi.amount == Decimal("12.50") and saudi.currency == "USD"
    assert saudi.expected_from == date(2026, 1, 13)
    assert american.expected_from == date(2026, 1, 14)
    assert saudi.expected_by > saudi.expected_from and is_business_day(saudi.expected_by, "SA")


def test_a_pending_request_needs_the_merchant_after_48_hours() -> None:
    assert not rules.undecided_too_long(T, T + DECISION_ALERT_AFTER - timedelta(minutes=1))
    assert rules.undecided_too_long(T, T + DECISION_ALERT_AFTER)
    assert "49 hours" in rules.undecided_message(T, T + timedelta(hours=49))


def _entities(status: CancellationStatus, follow_up: CancellationFollowUp) -> tuple[CancellationRequest,
                                                                                    SupplierOrder, Order]:
    request = CancellationRequest(id=3, shop_id=1, order_id=5, supplier_order_id=7,
                                  reason=CancellationReason.OUT_OF_STOCK, note="", status=status, requested_at=T,
                                  decided_at=T + timedelta(hours=1), decision_note="no stock left",
                                  follow_up=follow_up, store_refund=True, store_restock=False,
                                  notify_customer=True, currency="USD")
    so = SupplierOrder(id=7, shop_id=1, order_id=5, supplier_order_id="8198352049851315", seller_name="Best Store",
                       currency="USD", group_key="g", idempotency_key="k", created_at=T)
    order = Order(id=5, shop_id=1, name="#1001", currency="USD", platform_order_id="1", platform_gid="g")
    return request, so, order


def test_the_approval_email_gives_the_supplier_words_the_refund_dates_and_the_reorder() -> None:
    request, so, order = _entities(CancellationStatus.APPROVED, CancellationFollowUp.REORDER)
    request.refund_amount = Decimal("12.5")
    request.refund_expected_from, request.refund_expected_by = date(2026, 3, 5), date(2026, 3, 30)
    subject, text = rules.decision_email(request, so, order)
    assert subject == "Order #1001: the supplier approved the cancellation"
    assert '"no stock left"' in text and "8198352049851315" in text
    assert "12.50 USD" in text and "2026-03-05" in text and "2026-03-30" in text
    assert "to order" in text and "/api/v1/orders/5/reorder" in text


def test_the_approval_email_of_a_store_cancel_says_what_the_store_will_do() -> None:
    request, so, order = _entities(CancellationStatus.APPROVED, CancellationFollowUp.CANCEL_ON_STORE)
    _, text = rules.decision_email(request, so, order)
    assert "no refund is due" in text
    assert "cancels the order on the store" in text and "restock: no" in text


def test_the_refusal_email_says_the_order_continues_and_where_a_return_is_opened() -> None:
    request, so, order = _entities(CancellationStatus.REJECTED, CancellationFollowUp.REORDER)
    subject, text = rules.decision_email(request, so, order)
    assert subject == "Order #1001: the supplier refused the cancellation"
    assert "order continues" in text and "/api/v1/supplier-orders/7/returns" in text
    assert "Refund" not in text
