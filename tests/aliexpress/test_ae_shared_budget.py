"""The supplier call budget kept in Redis: two processes' buckets for one app key share one pace."""

from __future__ import annotations

import time
import uuid

import redis

from ordercenter.adapters import shared_budgets
from ordercenter.adapters.aliexpress import rate_limit
from ordercenter.adapters.aliexpress.rate_limit import SharedTokenBucket
from tests.conftest import TEST_REDIS_URL

REDIS_URL = TEST_REDIS_URL


def test_two_buckets_of_one_key_hand_out_turns_one_interval_apart(redis_client: redis.Redis) -> None:
    key = f"test-budget:{uuid.uuid4()}"
    first, second = (SharedTokenBucket(redis_client, key, rate=5, capacity=1) for _ in range(2))
    calls = []
    for bucket in (first, second, first, second, first, second):
        before = time.monotonic()
        wait = bucket.reserve(0.0)
        calls.append((before, wait, time.monotonic()))
    # Six calls at 5/s from two "processes": each may go 0.2 s after the one before, whoever asks. The wait
    # shrinks by the time the calls themselves took, which is bounded by the local clock around each call.
    started_before, _, started_after = calls[0]
    for turn, (before, wait, after) in enumerate(calls):
        goes_at_least, goes_at_most = before - started_after + wait, after - started_before + wait
        assert goes_at_least - 0.005 <= turn * 0.2 <= goes_at_most + 0.005, calls
    redis_client.delete(key)


def test_another_app_key_has_its_own_budget(redis_client: redis.Redis) -> None:
    one, other = f"test-budget:{uuid.uuid4()}", f"test-budget:{uuid.uuid4()}"
    SharedTokenBucket(redis_client, one, rate=1, capacity=1).reserve(0.0)
    assert SharedTokenBucket(redis_client, other, rate=1, capacity=1).reserve(0.0) == 0.0
    assert SharedTokenBucket(redis_client, one, rate=1, capacity=1).reserve(0.0) > 0.9
    redis_client.delete(one, other)


def test_with_a_redis_broker_the_process_buckets_are_the_shared_ones(redis_client: redis.Redis) -> None:
    try:
        shared_budgets.share_budgets_through(REDIS_URL)
        assert isinstance(rate_limit.bucket_for(f"app-{uuid.uuid4()}", 10), SharedTokenBucket)
    finally:
        shared_budgets.share_budgets_through(None)
    assert isinstance(rate_limit.bucket_for(f"app-{uuid.uuid4()}", 10), rate_limit.TokenBucket)
