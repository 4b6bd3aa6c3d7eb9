"""Which of two versions of a store order is newer: the whole-second updated_at, then the events' own times."""

from __future__ import annotations

from datetime import datetime, timedelta

from ordercenter.domain.orders import Order
from tests.factories import T0

MS = timedelta(milliseconds=1)


def held(event_at: datetime | None = None) -> Order:
    return Order(shop_id=1, platform_order_id="1", platform_updated_at=T0, platform_event_at=event_at)


def test_a_version_updated_in_an_earlier_second_is_older_whatever_its_event_time() -> None:
    assert held(T0).is_newer_than(T0 - timedelta(seconds=1), T0 + timedelta(hours=1))
    assert not held(T0).is_newer_than(T0 + timedelta(seconds=1), T0 - timedelta(hours=1))


def test_within_one_second_the_earlier_event_is_the_older_version() -> None:
    assert held(T0 + 5 * MS).is_newer_than(T0, T0 + 2 * MS)
    assert not held(T0 + 5 * MS).is_newer_than(T0, T0 + 7 * MS)
    assert not held(T0 + 5 * MS).is_newer_than(T0, T0 + 5 * MS)  # the same event again: compared by content


def test_within_one_second_a_version_without_an_event_time_is_not_older() -> None:
    assert not held(None).is_newer_than(T0, T0 + 2 * MS)
    assert not held(T0 + 5 * MS).is_newer_than(T0, None)  # a sync's read


def test_the_newest_event_time_seen_is_kept() -> None:
    order = held(T0 + 5 * MS)
    order.saw_event(T0 + 2 * MS)
    order.saw_event(None)
    assert order.platform_event_at == T0 + 5 * MS
    order.saw_event(T0 + 9 * MS)
    assert order.platform_event_at == T0 + 9 * MS
