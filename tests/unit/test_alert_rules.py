"""Alert rules: each raises exactly from its threshold and stays quiet just before it."""

from __future__ import annotations

from datetime import timedelta

from ordercenter.domain.alerts import AlertFacts, AlertKind, alert_conditions
from ordercenter.domain.status import SupplierOrderStatus
from tests.factories import T0

SO = SupplierOrderStatus
SEC = timedelta(seconds=1)
DAY = timedelta(days=1)


def kinds(facts: AlertFacts, at_offset: timedelta) -> set[AlertKind]:
    return set(alert_conditions(facts, T0 + at_offset))


def test_an_unpaid_order_warns_from_three_days_before_its_twenty_day_deadline() -> None:
    facts = AlertFacts(SO.PLACED, placed_at=T0)
    assert kinds(facts, 17 * DAY - SEC) == set()
    assert kinds(facts, 17 * DAY) == {AlertKind.PAYMENT_DEADLINE_NEAR}


def test_an_unpaid_order_past_its_deadline_says_so_instead_of_warning() -> None:
    facts = AlertFacts(SO.PLACED, placed_at=T0)
    assert kinds(facts, 20 * DAY) == {AlertKind.PAYMENT_DEADLINE_PASSED}


def test_the_suppliers_own_payment_deadline_wins_over_the_default() -> None:
    facts = AlertFacts(SO.PLACED, placed_at=T0, payment_deadline=T0 + 7 * DAY)
    assert kinds(facts, 4 * DAY - SEC) == set()
    assert kinds(facts, 4 * DAY) == {AlertKind.PAYMENT_DEADLINE_NEAR}


def test_a_short_supplier_deadline_is_warned_of_halfway_not_at_placement() -> None:
    facts = AlertFacts(SO.PLACED, placed_at=T0, payment_deadline=T0 + DAY)
    assert kinds(facts, timedelta(hours=1)) == set()
    assert kinds(facts, timedelta(hours=12)) == {AlertKind.PAYMENT_DEADLINE_NEAR}
    assert kinds(facts, DAY) == {AlertKind.PAYMENT_DEADLINE_PASSED}


def test_a_paid_order_without_tracking_alerts_seven_days_after_payment() -> None:
    facts = AlertFacts(SO.PAID, placed_at=T0, paid_at=T0 + DAY)
    assert kinds(facts, 8 * DAY - SEC) == set()
    assert kinds(facts, 8 * DAY) == {AlertKind.NO_TRACKING_7_DAYS_AFTER_PAYMENT}


def test_a_paid_order_with_a_tracking_number_does_not_raise_no_tracking() -> None:
    facts = AlertFacts(SO.PAID, placed_at=T0, paid_at=T0, has_tracking=True)
    assert kinds(facts, 30 * DAY) == set()


def test_tracking_without_movement_for_48_hours_is_stalled() -> None:
    facts = AlertFacts(SO.SHIPPED, placed_at=T0, shipped_at=T0, has_tracking=True, last_movement_at=T0 + DAY)
    assert kinds(facts, 3 * DAY - SEC) == set()
    assert kinds(facts, 3 * DAY) == {AlertKind.TRACKING_STALLED_48H}


def test_a_delivered_parcel_is_never_stalled() -> None:
    facts = AlertFacts(SO.DELIVERED, placed_at=T0, shipped_at=T0, has_tracking=True, last_movement_at=T0)
    assert kinds(facts, 60 * DAY) == set()


def test_past_the_guaranteed_delivery_days_counted_from_shipping() -> None:
    facts = AlertFacts(SO.SHIPPED, placed_at=T0, shipped_at=T0 + 2 * DAY, guaranteed_delivery_days=10,
                       has_tracking=True, last_movement_at=T0 + 11 * DAY)
    assert AlertKind.PAST_GUARANTEED_DELIVERY not in kinds(facts, 12 * DAY - SEC)
    assert AlertKind.PAST_GUARANTEED_DELIVERY in kinds(facts, 12 * DAY)


def test_an_unshipped_order_counts_the_guarantee_from_placement() -> None:
    facts = AlertFacts(SO.PAID, placed_at=T0, paid_at=T0, guaranteed_delivery_days=5, has_tracking=True)
    assert kinds(facts, 5 * DAY) == {AlertKind.PAST_GUARANTEED_DELIVERY}


def test_closed_orders_raise_nothing() -> None:
    for status in (SO.COMPLETED, SO.CANCELLED):
        assert kinds(AlertFacts(status, placed_at=T0, paid_at=T0, guaranteed_delivery_days=1), 90 * DAY) == set()


def test_a_supplier_order_shipped_after_the_store_order_was_cancelled_alerts_until_a_return_is_opened() -> None:
    shipped = AlertFacts(SO.SHIPPED, placed_at=T0, shipped_at=T0 + DAY, has_tracking=True,
                         last_movement_at=T0 + DAY, cancelled_on_store=True)
    assert AlertKind.SHIPPED_AFTER_STORE_CANCEL in kinds(shipped, DAY)
    handled = AlertFacts(SO.SHIPPED, placed_at=T0, shipped_at=T0 + DAY, has_tracking=True,
                         last_movement_at=T0 + DAY, cancelled_on_store=True, has_return=True)
    assert AlertKind.SHIPPED_AFTER_STORE_CANCEL not in kinds(handled, DAY)
