"""The poll schedule at its edges: 15 min for two days, hourly until 3 days after shipping, then 6 h,
daily once delivered, never once closed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercenter.domain.polling import is_due, next_poll_at, poll_interval
from ordercenter.domain.status import SupplierOrderStatus
from tests.factories import T0

SO = SupplierOrderStatus
MIN = timedelta(minutes=1)


def test_a_fresh_order_is_looked_at_every_15_minutes() -> None:
    assert poll_interval(SO.PLACED, T0, None, T0) == timedelta(minutes=15)


def test_the_last_minute_of_the_second_day_is_still_fast() -> None:
    assert poll_interval(SO.PAID, T0, None, T0 + timedelta(days=2) - MIN) == timedelta(minutes=15)


def test_from_two_days_after_placement_an_unshipped_order_is_looked_at_hourly() -> None:
    assert poll_interval(SO.PAID, T0, None, T0 + timedelta(days=2)) == timedelta(hours=1)


def test_a_shipped_order_stays_hourly_until_three_days_after_shipping() -> None:
    shipped = T0 + timedelta(days=5)
    assert poll_interval(SO.SHIPPED, T0, shipped, shipped + timedelta(days=3) - MIN) == timedelta(hours=1)


def test_three_days_after_shipping_the_order_is_looked_at_every_six_hours() -> None:
    shipped = T0 + timedelta(days=5)
    assert poll_interval(SO.SHIPPED, T0, shipped, shipped + timedelta(days=3)) == timedelta(hours=6)


def test_a_parcel_shipped_on_day_one_is_still_fast_within_two_days_of_placement() -> None:
    assert poll_interval(SO.SHIPPED, T0, T0 + timedelta(hours=3), T0 + timedelta(days=1)) == timedelta(minutes=15)


def test_a_delivered_order_is_looked_at_daily() -> None:
    assert poll_interval(SO.DELIVERED, T0, T0, T0 + timedelta(hours=1)) == timedelta(days=1)


@pytest.mark.parametrize("status", [SO.DRAFT, SO.COMPLETED, SO.CANCELLED])
def test_drafts_and_closed_orders_are_not_polled(status: SO) -> None:
    assert next_poll_at(status, T0, None, T0) is None
    assert not is_due(status, None, T0)


def test_the_next_look_is_the_interval_after_this_one() -> None:
    assert next_poll_at(SO.PLACED, T0, None, T0 + MIN) == T0 + MIN + timedelta(minutes=15)


def test_an_open_order_never_looked_at_is_due_at_once() -> None:
    assert is_due(SO.PAID, None, T0)


def test_an_order_is_due_exactly_at_its_time_and_not_a_minute_before() -> None:
    assert is_due(SO.PAID, T0, T0)
    assert not is_due(SO.PAID, T0 + MIN, T0)
