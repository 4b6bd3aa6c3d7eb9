"""The retry schedule of a delivery, as a table, and the claim that lets exactly one worker try it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercenter.bootstrap import Container
from ordercenter.domain.shops import Shop
from ordercenter.domain.webhooks import (
    APPLY_LEASE,
    DEFAULT_MAX_ATTEMPTS,
    DeliveryStatus,
    WebhookDelivery,
    retry_delay,
)
from tests.factories import T0


@pytest.mark.parametrize(("attempts", "wait"), [
    (1, timedelta(seconds=30)), (2, timedelta(minutes=1)), (3, timedelta(minutes=2)), (7, timedelta(minutes=32)),
    (8, timedelta(hours=1)), (9, timedelta(hours=1)), (1000, timedelta(hours=1)),
])
def test_the_wait_after_a_failed_try_starts_at_30_seconds_and_doubles_up_to_an_hour(
        attempts: int, wait: timedelta) -> None:
    assert retry_delay(attempts) == wait


def delivery(**changes: object) -> WebhookDelivery:
    fields: dict[str, object] = {"shop_id": 1, "dedupe_key": "k", "topic": "orders/paid", "received_at": T0,
                                 "body": "{}", "status": DeliveryStatus.RECEIVED, "attempts": 0,
                                 "next_attempt_at": T0}
    fields.update(changes)
    return WebhookDelivery(**fields)


def test_a_failed_try_before_the_last_is_scheduled_and_the_last_gives_up() -> None:
    row = delivery()
    assert row.record_try(DeliveryStatus.FAILED, "boom", now=T0, max_attempts=3) is False
    assert (row.attempts, row.next_attempt_at, row.gave_up) == (1, T0 + timedelta(seconds=30), False)
    assert row.record_try(DeliveryStatus.FAILED, "boom", now=T0, max_attempts=3) is False
    assert row.record_try(DeliveryStatus.FAILED, "boom", now=T0, max_attempts=3) is True
    assert (row.attempts, row.next_attempt_at, row.gave_up_at, row.is_due(T0 + timedelta(days=9))) == (
        3, None, T0, False)


def test_a_success_needs_no_more_tries_and_a_replay_starts_the_count_again() -> None:
    row = delivery(status=DeliveryStatus.FAILED, attempts=DEFAULT_MAX_ATTEMPTS, gave_up_at=T0, next_attempt_at=None)
    row.start_over(T0 + timedelta(hours=1))
    assert (row.attempts, row.gave_up_at, row.is_due(T0 + timedelta(hours=1))) == (0, None, True)
    assert row.record_try(DeliveryStatus.PROCESSED, None, now=T0, max_attempts=DEFAULT_MAX_ATTEMPTS) is False
    assert (row.status, row.attempts, row.next_attempt_at, row.error) == (DeliveryStatus.PROCESSED, 1, None, None)


def test_of_two_workers_claiming_one_due_delivery_exactly_one_gets_it(container: Container) -> None:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="claim.myshopify.com", name="c", currency="USD", created_at=T0))
        uow.flush()
        row = uow.webhooks.add(delivery(shop_id=shop.id, status=DeliveryStatus.FAILED, attempts=1))
        uow.commit()
        shop_id, row_id = shop.id, row.id
    wins = []
    for _ in range(2):  # both read the schedule before either claimed
        with container.uow() as uow:
            wins.append(uow.webhooks.claim(shop_id, row_id, T0, T0 + APPLY_LEASE))
            uow.commit()
    assert wins == [True, False]
    with container.uow() as uow:
        assert uow.webhooks.due(T0 + timedelta(seconds=1), 10) == []  # leased: no one else takes it
        assert uow.webhooks.due(T0 + APPLY_LEASE, 10) == [(shop_id, row_id)]  # a dead worker's lease runs out
