"""A shop's query-cost bucket kept in Redis: every process spends from, and corrects, the same bucket."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from ordercenter.adapters import shared_budgets
from ordercenter.adapters.shopify.pacing import CostLimiter, QueryCost, SharedBucketLevel, limiter_for
from tests.conftest import TEST_REDIS_URL

REDIS_URL = TEST_REDIS_URL


def _two_processes(redis_client: redis.Redis) -> Iterator[CostLimiter]:
    key = f"test-shopify-cost:{uuid.uuid4()}"
    for _ in range(2):
        # Each limiter has its own connection, as two processes would.
        own = redis.Redis.from_url(REDIS_URL)
        yield CostLimiter(level=SharedBucketLevel(own, key, maximum=2000, restore_rate=100))


def _less_what_refilled_since(started: float, expected: float) -> tuple[float, float]:
    """The bounds of a wait expected at `started`: the bucket refills while the test runs, however slowly."""
    return expected - (time.monotonic() - started) - 0.01, expected + 0.01


def test_points_spent_by_one_process_make_the_other_wait(redis_client: redis.Redis) -> None:
    first, second = _two_processes(redis_client)
    started = time.monotonic()
    first.observe("orders", QueryCost(requested=1500))
    second.observe("orders", QueryCost(requested=1000))
    assert first.reserve("orders") == 0.0
    # 500 points left for the other process's 1,000-point query: 5 s at 100 points a second.
    lowest, highest = _less_what_refilled_since(started, 5.0)
    assert lowest <= second.reserve("orders") <= highest
    available = first.available()
    assert -500.0 - 1 <= available <= -500.0 + 100 * (time.monotonic() - started) + 1


def test_the_servers_figures_seen_by_one_process_correct_the_other(redis_client: redis.Redis) -> None:
    first, second = _two_processes(redis_client)
    started = time.monotonic()
    first.observe("orders", QueryCost(requested=10, actual=8, maximum=1000, available=120, restore_rate=50))
    available = second.available()
    assert 120.0 - 1 <= available <= 120.0 + 50 * (time.monotonic() - started) + 1
    second.observe("orders", QueryCost(requested=620))
    # The bucket is now 1,000 points refilled at 50 a second, as the server said through the first process.
    lowest, highest = _less_what_refilled_since(started, 10.0)
    assert lowest <= second.reserve("orders") <= highest


def test_a_throttled_answer_in_one_process_pauses_the_other(redis_client: redis.Redis) -> None:
    first, second = _two_processes(redis_client)
    started = time.monotonic()
    wait = first.throttled("orders", QueryCost(requested=400, maximum=2000, available=100, restore_rate=100))
    lowest, highest = _less_what_refilled_since(started, 3.0)
    assert lowest <= wait <= highest
    second.observe("orders", QueryCost(requested=400))
    lowest, highest = _less_what_refilled_since(started, 3.0)
    assert lowest <= second.reserve("orders") <= highest


def test_a_retry_after_pause_holds_every_process(redis_client: redis.Redis) -> None:
    first, second = _two_processes(redis_client)
    started = time.monotonic()
    first.hold("orders", 4.0)
    lowest, highest = _less_what_refilled_since(started, 4.0)
    assert lowest <= second.reserve("orders") <= highest


def test_with_a_redis_broker_a_shop_limiter_spends_what_another_process_spent(redis_client: redis.Redis) -> None:
    shop = f"shared-{uuid.uuid4().hex[:8]}.myshopify.com"
    spend = ("from ordercenter.adapters import shared_budgets\n"
             "from ordercenter.adapters.shopify.pacing import QueryCost, limiter_for\n"
             f"shared_budgets.share_budgets_through({REDIS_URL!r})\n"
             f"limiter = limiter_for({shop!r})\n"
             "limiter.observe('orders', QueryCost(requested=1900))\n"
             "assert limiter.reserve('orders') == 0.0\n")
    subprocess.run([sys.executable, "-c", spend], check=True, timeout=60)
    try:
        shared_budgets.share_budgets_through(REDIS_URL)
        # 1,900 of 2,000 points were spent by the other process a moment ago.
        assert limiter_for(shop).available() < 400
    finally:
        shared_budgets.share_budgets_through(None)
    assert limiter_for(shop).available() == pytest.approx(2000.0)
