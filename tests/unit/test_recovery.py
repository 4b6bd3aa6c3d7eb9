"""The supplier-side step suggested once a customer got money back: cancel, dispute, under way, or nothing."""

from __future__ import annotations

from datetime import date, timedelta

from ordercenter.domain.recovery import RecoveryAction, SupplierSide, suggest_recovery
from ordercenter.domain.status import SupplierOrderStatus as SO

TODAY = date(2025, 3, 10)


def side(status: SO, *, closes_in: int | None = 30, live: tuple[str, ...] = (), so_id: int = 1) -> SupplierSide:
    closes = TODAY + timedelta(days=closes_in) if closes_in is not None else None
    return SupplierSide(so_id, f"81{so_id}", "Lamp Store", status, closes, live)


def test_a_paid_supplier_order_not_shipped_is_to_be_cancelled_for_its_refund() -> None:
    suggestion = suggest_recovery([side(SO.PAID)], TODAY)

    assert suggestion.action is RecoveryAction.CANCEL_SUPPLIER_ORDER
    assert suggestion.supplier_order_id == 1
    assert "refunds what was paid" in suggestion.message


def test_an_unpaid_supplier_order_is_to_be_cancelled_before_paying_it() -> None:
    suggestion = suggest_recovery([side(SO.PLACED)], TODAY)

    assert suggestion.action is RecoveryAction.CANCEL_SUPPLIER_ORDER
    assert "not paid yet" in suggestion.message


def test_a_shipped_supplier_order_calls_for_a_return_by_the_day_its_window_closes() -> None:
    suggestion = suggest_recovery([side(SO.SHIPPED, closes_in=5)], TODAY)

    assert suggestion.action is RecoveryAction.OPEN_RETURN
    assert suggestion.act_by == TODAY + timedelta(days=5)
    assert "5 days left" in suggestion.message


def test_of_two_shipped_supplier_orders_the_one_closing_first_comes_first() -> None:
    suggestion = suggest_recovery([side(SO.DELIVERED, closes_in=9, so_id=1), side(SO.SHIPPED, closes_in=2, so_id=2)],
                                  TODAY)

    assert suggestion.supplier_order_id == 2


def test_a_cancellation_already_asked_for_means_recovery_is_under_way() -> None:
    suggestion = suggest_recovery([side(SO.PAID, live=("cancellation request 4 (pending)",))], TODAY)

    assert suggestion.action is RecoveryAction.UNDER_WAY
    assert "cancellation request 4" in suggestion.message


def test_a_closed_window_leaves_nothing_to_recover_and_says_since_when() -> None:
    suggestion = suggest_recovery([side(SO.DELIVERED, closes_in=-1)], TODAY)

    assert suggestion.action is RecoveryAction.NOTHING
    assert (TODAY - timedelta(days=1)).isoformat() in suggestion.message


def test_nothing_bought_or_a_completed_order_leaves_nothing_to_recover() -> None:
    assert "nothing was bought" in suggest_recovery([], TODAY).message
    assert "nothing was bought" in suggest_recovery([side(SO.DRAFT, closes_in=None)], TODAY).message
    completed = suggest_recovery([side(SO.COMPLETED)], TODAY)
    assert completed.action is RecoveryAction.NOTHING
    assert "completed" in completed.message
