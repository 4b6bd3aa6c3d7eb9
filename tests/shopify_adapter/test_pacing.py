from __future__ import annotations

import threading

import httpx
import pytest

from ordercenter.adapters.ports import FulfillmentLine, StoreError, TrackingInfo
from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.adapters.shopify.pacing import CostLimiter, QueryCost, backoff_delay, limiter_for

from .conftest import FakeTime, ScriptedShopify, load

TRACKING = TrackingInfo(number="LP00123456789CN", company="Cainiao")


def _cost(requested: float, available: float) -> dict[str, object]:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": requested,
                     "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available,
                                        "restoreRate": 100.0}}}


def test_next_page_waits_until_the_bucket_holds_its_requested_cost(
    client: ShopifyClient, shopify: ScriptedShopify, fake_time: FakeTime
) -> None:
    first = load("orders_page_1.json")
    first["extensions"] = _cost(252, 10)  # the bucket is nearly empty after page one
    shopify.reply(first).reply(load("orders_page_2.json"))

    pages = list(client.iter_order_pages(updated_since=None))

    assert len(pages) == 2
    assert fake_time.sleeps == [pytest.approx((252 - 10) / 100)]


def test_a_full_bucket_sends_without_waiting(client: ShopifyClient, shopify: ScriptedShopify,
                                             fake_time: FakeTime) -> None:
    shopify.reply(load("orders_page_1.json")).reply(load("orders_page_2.json"))

    list(client.iter_order_pages(updated_since=None))

    assert fake_time.sleeps == []


def test_throttled_query_is_retried_after_the_bucket_refills_and_the_caller_never_sees_it(
    client: ShopifyClient, shopify: ScriptedShopify, fake_time: FakeTime
) -> None:
    shopify.reply(load("throttled.json")).reply(load("shop.json"))  # requested 502, available 102, 100/s

    info = client.fetch_shop()

    assert info.name == "Order Center Demo"
    assert fake_time.sleeps == [pytest.approx((502 - 102) / 100)]
    assert len(shopify.requests) == 2


def test_throttled_with_http_429_is_retried_the_same_way(
    client: ShopifyClient, shopify: ScriptedShopify, fake_time: FakeTime
) -> None:
    shopify.reply(load("throttled.json"), status=429).reply(load("shop.json"))

    client.fetch_shop()

    assert fake_time.sleeps == [pytest.approx(4.0)]


def test_throttled_mutation_is_retried_because_shopify_ran_nothing(
    client: ShopifyClient, shopify: ScriptedShopify, fake_time: FakeTime
) -> None:
    shopify.reply(load("throttled.json"))
    shopify.reply({"data": {"fulfillmentTrackingInfoUpdate": {"fulfillment": {"id": "gid://shopify/Fulfillment/1"},
                                                               "userErrors": []}}, "extensions": _cost(10, 1990)})

    client.update_tracking("1", TRACKING, notify_customer=False)

    assert len(shopify.requests) == 2
    assert fake_time.sleeps == [pytest.approx(4.0)]


def test_429_with_retry_after_waits_that_long(client: ShopifyClient, shopify: ScriptedShopify,
                                              fake_time: FakeTime) -> None:
    shopify.replies.append(httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "2.0"}))
    shopify.reply(load("shop.json"))

    client.fetch_shop()

    assert fake_time.sleeps == [pytest.approx(2.0)]


def test_server_errors_on_a_query_are_retried_with_growing_backoff(
    client: ShopifyClient, shopify: ScriptedShopify, fake_time: FakeTime
) -> None:
    shopify.reply({"errors": "Internal Server Error"}, 500).reply({"errors": "Bad Gateway"}, 502)
    shopify.fail(httpx.ReadTimeout("timed out")).reply(load("shop.json"))

    assert client.fetch_shop().currency == "EUR"
    assert fake_time.sleeps == [0.5, 1.0, 2.0]


def test_server_errors_give_up_after_bounded_attempts(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    for _ in range(4):
        shopify.reply({"errors": "Service Unavailable"}, 503)

    with pytest.raises(StoreError) as caught:
        client.fetch_shop()

    assert "HTTP 503" in caught.value.message
    assert "4 attempts" in caught.value.message
    assert len(shopify.requests) == 4


def test_client_errors_are_not_retried(client: ShopifyClient, shopify: ScriptedShopify, fake_time: FakeTime) -> None:
    shopify.reply({"errors": "This action requires merchant approval for read_orders scope."}, 403)

    with pytest.raises(StoreError) as caught:
        client.fetch_shop()

    assert "requires merchant approval for read_orders scope" in caught.value.message
    assert len(shopify.requests) == 1
    assert fake_time.sleeps == []


def test_a_mutation_that_may_have_run_is_never_sent_twice(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.reply(load("order_for_action.json"))
    shopify.reply({"errors": "Internal Server Error"}, 500)

    with pytest.raises(StoreError) as caught:
        client.create_fulfillment("5612345678901", [FulfillmentLine("14012345678901", 1)], TRACKING,
                                  notify_customer=False)

    assert "outcome is unknown" in caught.value.message
    assert len(shopify.requests) == 2


def test_a_mutation_that_never_left_is_retried(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.fail(httpx.ConnectError("connection refused"))
    shopify.reply({"data": {"fulfillmentTrackingInfoUpdate": {"fulfillment": {"id": "gid://shopify/Fulfillment/1"},
                                                               "userErrors": []}}, "extensions": _cost(10, 1990)})

    client.update_tracking("1", TRACKING, notify_customer=False)

    assert len(shopify.requests) == 2


def test_concurrent_reservations_queue_behind_each_other(fake_time: FakeTime) -> None:
    limiter = CostLimiter(clock=fake_time.monotonic)
    limiter.observe("OrdersSync", QueryCost(requested=300, available=500, maximum=2000, restore_rate=100))

    waits = [limiter.reserve("OrdersSync") for _ in range(3)]

    assert waits == [0.0, pytest.approx(1.0), pytest.approx(4.0)]


def test_unknown_operations_are_estimated_and_learn_their_cost(fake_time: FakeTime) -> None:
    limiter = CostLimiter(clock=fake_time.monotonic, default_estimate=100)
    limiter.observe("Shop", QueryCost(requested=2, actual=1, available=1999, maximum=2000, restore_rate=100))

    assert limiter.estimate("Shop") == 2
    assert limiter.estimate("OrdersSync") == 100


def test_one_limiter_per_shop_domain_shared_across_clients_and_threads() -> None:
    found: list[CostLimiter] = []

    def grab() -> None:
        found.append(limiter_for("Shared-Shop.myshopify.com"))

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(limiter) for limiter in found}) == 1
    assert limiter_for("shared-shop.myshopify.com") is found[0]
    assert limiter_for("other-shop.myshopify.com") is not found[0]
    first = ShopifyClient("shared-shop.myshopify.com", "a")
    second = ShopifyClient("shared-shop.myshopify.com", "b")
    assert first._api.limiter is second._api.limiter is found[0]
    first.close()
    second.close()


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    assert [backoff_delay(n, jitter=lambda: 1.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff_delay(2, jitter=lambda: 0.0) == 1.0
