"""The supplier call budget kept in Redis: two processes' buckets for one app key share one pace."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from ordercenter.adapters import shared_budgets
from ordercenter.adapters.aliexpress import rate_limit
from ordercenter.adapters.aliexpress.rate_limit import SharedTokenBucket

REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield connection
    connection.close()


def test_two_buckets_of_one_key_hand_out_turns_one_interval_apart(client: redis.Redis) -> None:
    key = f"test-budget:{uuid.uuid4()}"
    first, second = (SharedTokenBucket(client, key, rate=5, capacity=1) for _ in range(2))
    waits = [bucket.reserve(0.0) for bucket in (first, second, first, second, first, second)]
    # Six calls at 5/s from two "processes": queued 0.2 s apart whoever asks (less the few ms the calls took).
    for turn, wait in enumerate(waits):
        assert turn * 0.2 - 0.05 <= wait <= turn * 0.2 + 0.001, waits
    client.delete(key)


def test_another_app_key_has_its_own_budget(client: redis.Redis) -> None:
    one, other = f"test-budget:{uuid.uuid4()}", f"test-budget:{uuid.uuid4()}"
    SharedTokenBucket(client, one, rate=1, capacity=1).reserve(0.0)
    assert SharedTokenBucket(client, other, rate=1, capacity=1).reserve(0.0) == 0.0
    assert SharedTokenBucket(client, one, rate=1, capacity=1).reserve(0.0) > 0.9
    client.delete(one, other)


def test_with_a_redis_broker_the_process_buckets_are_the_shared_ones(client: redis.Redis) -> None:
    try:
        shared_budgets.share_budgets_through(REDIS_URL)
        assert isinstance(rate_limit.bucket_for(f"app-{uuid.uuid4()}", 10), SharedTokenBucket)
    finally:
        shared_budgets.share_budgets_through(None)
    assert isinstance(rate_limit.bucket_for(f"app-{uuid.uuid4()}", 10), rate_limit.TokenBucket)
