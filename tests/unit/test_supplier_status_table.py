"""What each AliExpress status value means for our supplier order, and how skipped steps are walked."""

from __future__ import annotations

import pytest

from ordercenter.domain.status import SupplierOrderStatus
from ordercenter.domain.supplier_status import (
    LOGISTICS_STATUS_TABLE,
    ORDER_STATUS_TABLE,
    SupplierReading,
    steps_to,
    supplier_target,
)

SO = SupplierOrderStatus


@pytest.mark.parametrize(("order_status", "expected"), [
    ("PLACE_ORDER_SUCCESS", SO.PLACED),
    ("PAYMENT_PROCESSING", SO.PLACED),
    ("WAIT_COMPLETE_ADDRESS", SO.PLACED),
    ("WAIT_SELLER_EXAMINE_MONEY", SO.PAID),
    ("FUND_PROCESSING", SO.PAID),
    ("RISK_CONTROL", SO.PAID),
    ("RISK_CONTROL_HOLD", SO.PAID),
    ("WAIT_GROUP", SO.PAID),
    ("WAIT_SELLER_SEND_GOODS", SO.PAID),
    ("SELLER_PART_SEND_GOODS", SO.SHIPPED),
    ("WAIT_BUYER_ACCEPT_GOODS", SO.SHIPPED),
    ("BUYER_ACCEPT_GOODS", SO.DELIVERED),
    ("IN_CANCEL", None),
    ("IN_ISSUE", None),
    ("IN_FROZEN", None),
    ("FINISH", None),
])
def test_each_order_status_value_maps_to_our_status(order_status: str, expected: SO | None) -> None:
    assert ORDER_STATUS_TABLE[order_status] is expected


@pytest.mark.parametrize(("logistics_status", "expected"), [
    ("DEFAULT", None), ("NO_LOGISTICS", None), ("WAIT_SELLER_SEND_GOODS", None),
    ("SELLER_SEND_PART_GOODS", SO.SHIPPED), ("SELLER_SEND_GOODS", SO.SHIPPED),
    ("BUYER_ACCEPT_GOODS", SO.DELIVERED),
])
def test_each_logistics_status_value_maps_to_our_status(logistics_status: str, expected: SO | None) -> None:
    assert LOGISTICS_STATUS_TABLE[logistics_status] is expected


def test_a_paid_order_that_the_supplier_says_is_paid_does_not_move() -> None:
    assert supplier_target(SupplierReading("WAIT_SELLER_SEND_GOODS"), SO.PAID) is None


def test_payment_in_progress_keeps_a_placed_order_placed() -> None:
    assert supplier_target(SupplierReading("PAYMENT_PROCESSING"), SO.PLACED) is None


def test_the_logistics_axis_wins_when_it_is_further_along() -> None:
    reading = SupplierReading("WAIT_BUYER_ACCEPT_GOODS", "BUYER_ACCEPT_GOODS")
    assert supplier_target(reading, SO.PAID) is SO.DELIVERED


def test_an_older_answer_never_moves_an_order_backwards() -> None:
    assert supplier_target(SupplierReading("WAIT_SELLER_SEND_GOODS"), SO.SHIPPED) is None


@pytest.mark.parametrize("end_reason", ["CANCELED", "PAY_TIMEOUT", None])
@pytest.mark.parametrize("current", [SO.PLACED, SO.PAID])
def test_finish_before_shipping_is_a_cancellation(end_reason: str | None, current: SO) -> None:
    assert supplier_target(SupplierReading("FINISH", "NO_LOGISTICS", end_reason), current) is SO.CANCELLED


@pytest.mark.parametrize("current", [SO.SHIPPED, SO.DELIVERED])
def test_finish_after_shipping_is_a_completion_whatever_the_end_reason(current: SO) -> None:
    reading = SupplierReading("FINISH", "BUYER_ACCEPT_GOODS", "BUYER_ACCEPT_GOODS")
    assert supplier_target(reading, current) is SO.COMPLETED
    assert supplier_target(SupplierReading("FINISH", None, "CANCELED"), current) is SO.COMPLETED


def test_finish_with_a_parcel_out_completes_even_an_order_we_thought_paid() -> None:
    assert supplier_target(SupplierReading("FINISH", "SELLER_SEND_GOODS", "CANCELED"), SO.PAID) is SO.COMPLETED


def test_a_cancelled_order_is_never_reopened() -> None:
    assert supplier_target(SupplierReading("WAIT_BUYER_ACCEPT_GOODS"), SO.CANCELLED) is None


def test_unknown_values_change_nothing() -> None:
    assert supplier_target(SupplierReading("SOMETHING_NEW", "ALSO_NEW"), SO.PAID) is None


def test_a_jump_from_placed_to_shipped_is_walked_through_paid() -> None:
    assert steps_to(SO.PLACED, SO.SHIPPED) == [SO.PAID, SO.SHIPPED]


def test_a_jump_from_placed_to_completed_walks_every_step() -> None:
    assert steps_to(SO.PLACED, SO.COMPLETED) == [SO.PAID, SO.SHIPPED, SO.DELIVERED, SO.COMPLETED]


def test_cancelling_is_one_step_from_paid() -> None:
    assert steps_to(SO.PAID, SO.CANCELLED) == [SO.CANCELLED]


def test_no_walk_exists_from_shipped_to_cancelled() -> None:
    assert steps_to(SO.SHIPPED, SO.CANCELLED) == []
