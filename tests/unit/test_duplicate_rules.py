"""When an order fulfilled on the store by mistake may be duplicated, and how a copy names its original."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ordercenter.domain.duplicates import (
    DUPLICATE_TAG,
    DuplicationMark,
    DuplicationPhase,
    duplicate_note,
    duplication_refusal,
    open_claim,
    original_named_by,
)
from ordercenter.domain.orders import Order
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder, idempotency_key
from tests.factories import T0


def order(*, fulfillment: FulfillmentStatus = FulfillmentStatus.FULFILLED,
          financial: FinancialStatus = FinancialStatus.PAID, name: str = "#1017", order_id: int = 17,
          duplicate_of: int | None = None, cancelled: bool = False) -> Order:
    return Order(id=order_id, shop_id=1, platform_order_id=f"500{order_id}", platform_gid=f"gid://shopify/Order/500{order_id}",
                 name=name, currency="USD", subtotal_price=Decimal("39.80"), total_price=Decimal("44.79"),
                 financial_status=financial, fulfillment_status=fulfillment, platform_created_at=T0,
                 platform_updated_at=T0, imported_at=T0, duplicate_of_order_id=duplicate_of,
                 cancelled_at=T0 if cancelled else None, lines=[])


def supplier_order(status: SupplierOrderStatus, number: str | None = "8123456789") -> SupplierOrder:
    return SupplierOrder(shop_id=1, order_id=17, group_key="seller-1", attempt=1, currency="USD",
                         idempotency_key=idempotency_key(1, "50017", "seller-1", 1), status=status,
                         supplier_order_id=number, seller_name="Best Gadgets Store", created_at=T0)


def test_an_order_fulfilled_on_the_store_with_nothing_ordered_may_be_duplicated() -> None:
    assert duplication_refusal(order(), [], None) is None


def test_a_partly_fulfilled_order_may_be_duplicated() -> None:
    assert duplication_refusal(order(fulfillment=FulfillmentStatus.PARTIALLY_FULFILLED), [], None) is None


def test_an_order_whose_supplier_order_was_cancelled_may_be_duplicated() -> None:
    assert duplication_refusal(order(), [supplier_order(SupplierOrderStatus.CANCELLED)], None) is None


def test_an_order_already_ordered_from_the_supplier_is_refused_naming_the_supplier_order() -> None:
    refusal = duplication_refusal(order(), [supplier_order(SupplierOrderStatus.PAID)], None)
    assert refusal == ("#1017 was already ordered from the supplier: supplier order 8123456789 "
                       "from Best Gadgets Store (paid)")


def test_a_draft_supplier_order_counts_as_ordered() -> None:
    refusal = duplication_refusal(order(), [supplier_order(SupplierOrderStatus.DRAFT, number=None)], None)
    assert refusal is not None
    assert "already ordered from the supplier: a supplier order from Best Gadgets Store (draft)" in refusal


def test_an_order_already_duplicated_is_refused_naming_the_copy() -> None:
    copy = order(name="#1042", order_id=42, duplicate_of=17, fulfillment=FulfillmentStatus.UNFULFILLED)
    assert duplication_refusal(order(), [], copy) == "#1017 was already duplicated as #1042"


def test_an_order_being_duplicated_right_now_is_refused() -> None:
    refusal = duplication_refusal(order(), [], None, in_progress_since=T0)
    assert refusal == "a duplicate of #1017 is already being created on the store (requested at 2026-03-02 09:30 UTC)"


def test_an_order_not_fulfilled_on_the_store_is_refused() -> None:
    refusal = duplication_refusal(order(fulfillment=FulfillmentStatus.UNFULFILLED), [], None)
    assert refusal == "only an order fulfilled on the store can be duplicated; #1017 is unfulfilled"


def test_an_order_cancelled_on_the_store_is_refused() -> None:
    refusal = duplication_refusal(order(cancelled=True, financial=FinancialStatus.REFUNDED), [], None)
    assert refusal == "#1017 is cancelled on the store"


def test_a_refunded_order_is_refused() -> None:
    refusal = duplication_refusal(order(financial=FinancialStatus.REFUNDED), [], None)
    assert refusal is not None
    assert "refunded on the store" in refusal


def test_an_unpaid_order_is_refused_because_the_copy_would_ship_for_free() -> None:
    assert duplication_refusal(order(financial=FinancialStatus.PENDING), [], None) == "#1017 is not paid (pending)"


def test_a_copy_fulfilled_by_mistake_may_itself_be_duplicated() -> None:
    copy = order(name="#1042", order_id=42, duplicate_of=17)
    assert duplication_refusal(copy, [], None) is None


def test_the_note_of_a_copy_names_its_original_and_tag_and_note_lead_back_to_it() -> None:
    note = duplicate_note("#1017", "5000017")
    assert note.startswith("Duplicate of #1017 (store order 5000017)")
    assert original_named_by(note, ["vip", DUPLICATE_TAG]) == "5000017"


def test_an_order_without_the_tag_is_not_taken_for_a_copy() -> None:
    assert original_named_by(duplicate_note("#1017", "5000017"), ["vip"]) is None
    assert original_named_by("please gift wrap", [DUPLICATE_TAG]) is None


def test_a_request_stays_open_until_a_release_or_a_link_ends_it() -> None:
    requested = DuplicationMark(1, DuplicationPhase.REQUESTED, T0)
    assert open_claim([requested]) == requested
    released = DuplicationMark(2, DuplicationPhase.RELEASED, T0 + timedelta(seconds=3), closes=1)
    assert open_claim([requested, released]) is None
    again = DuplicationMark(3, DuplicationPhase.REQUESTED, T0 + timedelta(minutes=1))
    linked = DuplicationMark(4, DuplicationPhase.DUPLICATED, T0 + timedelta(minutes=1), closes=3)
    assert open_claim([requested, released, again]) == again
    assert open_claim([requested, released, again, linked]) is None


def test_a_new_request_released_after_taking_over_an_old_one_is_still_open() -> None:
    old = DuplicationMark(1, DuplicationPhase.REQUESTED, T0)
    new = DuplicationMark(2, DuplicationPhase.REQUESTED, T0 + timedelta(minutes=11))
    old_released = DuplicationMark(3, DuplicationPhase.RELEASED, T0 + timedelta(minutes=11), closes=1)
    assert open_claim([old, new, old_released]) == new
