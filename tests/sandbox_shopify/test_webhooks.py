from __future__ import annotations

import base64
import hashlib
import hmac
import json

from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION
from ordercenter.sandbox.shopify import SandboxStore

from .conftest import Gql, Received, make_order

SUBSCRIBE = """
mutation($topic: WebhookSubscriptionTopic!, $url: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $url, format: JSON}) {
    webhookSubscription { id topic format uri }
    userErrors { field message }
  }
}
"""
SUBSCRIBE_BY_CALLBACK_URL = """
mutation($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {callbackUrl: $url, format: JSON}) {
    webhookSubscription { id uri endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } }
    userErrors { field message }
  }
}
"""
HOOK = "https://ordercenter.test/webhooks/shopify"


def _verify(body: bytes, header: str, secret: str) -> bool:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(mac).decode(), header)


def test_subscribing_through_graphql_and_listing_subscriptions(gql: Gql) -> None:
    created = gql(SUBSCRIBE, {"topic": "ORDERS_PAID", "url": HOOK})["data"]["webhookSubscriptionCreate"]
    again = gql(SUBSCRIBE, {"topic": "ORDERS_PAID", "url": HOOK})["data"]["webhookSubscriptionCreate"]
    listed = gql("{ webhookSubscriptions(first: 10) { nodes { topic uri apiVersion { handle } } } }")

    assert created["userErrors"] == []
    assert created["webhookSubscription"]["uri"] == HOOK
    assert again["userErrors"] == [{"field": ["webhookSubscription", "uri"],
                                    "message": "Address for this topic has already been taken"}]
    assert listed["data"]["webhookSubscriptions"]["nodes"] == [
        {"topic": "ORDERS_PAID", "uri": HOOK, "apiVersion": {"handle": DEFAULT_SHOPIFY_API_VERSION}}]


def test_the_deprecated_callback_url_still_subscribes(gql: Gql) -> None:
    created = gql(SUBSCRIBE_BY_CALLBACK_URL, {"topic": "ORDERS_PAID", "url": HOOK})["data"]["webhookSubscriptionCreate"]
    again = gql(SUBSCRIBE_BY_CALLBACK_URL, {"topic": "ORDERS_PAID", "url": HOOK})["data"]["webhookSubscriptionCreate"]

    assert created["userErrors"] == []
    assert created["webhookSubscription"]["uri"] == HOOK
    assert created["webhookSubscription"]["endpoint"] == {"__typename": "WebhookHttpEndpoint", "callbackUrl": HOOK}
    assert again["userErrors"] == [{"field": ["webhookSubscription", "callbackUrl"],
                                    "message": "Address for this topic has already been taken"}]


def test_an_order_webhook_is_signed_with_the_app_secret_and_carries_shopify_headers(
    gql: Gql, store: SandboxStore, received: Received
) -> None:
    gql(SUBSCRIBE, {"topic": "ORDERS_CREATE", "url": HOOK})

    order = make_order(store)
    assert store.wait_idle(5)

    [(url, headers, body)] = received.calls
    assert url == HOOK
    assert _verify(body, headers["X-Shopify-Hmac-Sha256"], store.shop().client_secret)
    assert not _verify(body, headers["X-Shopify-Hmac-Sha256"], "another-secret")
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Shop-Domain"] == store.shop().domain
    assert headers["X-Shopify-API-Version"] == DEFAULT_SHOPIFY_API_VERSION
    assert headers["X-Shopify-Webhook-Id"] and headers["X-Shopify-Event-Id"]
    assert headers["X-Shopify-Triggered-At"] == "2025-03-01T12:00:00.000000Z"  # with its fraction, as Shopify writes it
    payload = json.loads(body)
    assert payload["id"] == order.id
    assert payload["admin_graphql_api_id"] == f"gid://shopify/Order/{order.id}"
    assert payload["financial_status"] == "paid"
    assert payload["fulfillment_status"] is None
    assert payload["total_price"] == "35.00"
    assert payload["line_items"][0]["sku"] == "SKU-0"


def test_fulfilment_and_refund_publish_their_topics(gql: Gql, store: SandboxStore, received: Received) -> None:
    for topic in ("ORDERS_PARTIALLY_FULFILLED", "ORDERS_FULFILLED", "REFUNDS_CREATE", "ORDERS_CANCELLED"):
        store.subscribe(None, topic, HOOK)
    order = make_order(store, (2,))

    store.fulfil_order(None, order.id, {order.line_items[0].id: 1})
    store.fulfil_order(None, order.id)
    store.refund_order(None, order.id)
    store.cancel_order(None, order.id)
    assert store.wait_idle(5)

    assert received.topics() == ["orders/partially_fulfilled", "orders/fulfilled", "refunds/create",
                                 "orders/cancelled"]
    assert json.loads(received.calls[0][2])["fulfillment_status"] == "partial"
    assert json.loads(received.calls[1][2])["fulfillment_status"] == "fulfilled"


def test_the_duplicates_option_sends_each_event_twice_with_the_same_event_id(
    store: SandboxStore, received: Received
) -> None:
    store.subscribe(None, "ORDERS_CREATE", HOOK)
    store.webhooks.set_options(duplicate=True)

    make_order(store)
    assert store.wait_idle(5)

    assert len(received.calls) == 2
    first, second = (headers for _, headers, _ in received.calls)
    assert first["X-Shopify-Event-Id"] == second["X-Shopify-Event-Id"]
    assert received.calls[0][2] == received.calls[1][2]


def test_a_failed_delivery_is_retried_until_it_succeeds(store: SandboxStore, received: Received) -> None:
    store.subscribe(None, "ORDERS_CREATE", HOOK)
    received.answers = [500, 503]

    make_order(store)
    assert store.wait_idle(5)

    assert len(received.calls) == 3
    assert store.webhooks.deliveries()[0].state == "delivered"


def test_reorder_holds_a_batch_and_sends_it_backwards(store: SandboxStore, received: Received) -> None:
    store.subscribe(None, "ORDERS_CREATE", HOOK)
    store.webhooks.set_options(reorder=True, reorder_batch_size=3)

    orders = [make_order(store) for _ in range(3)]
    assert store.wait_idle(5)

    assert [json.loads(body)["id"] for _, _, body in received.calls] == [o.id for o in reversed(orders)]


def test_dropped_webhooks_are_logged_but_never_sent(store: SandboxStore, received: Received) -> None:
    store.subscribe(None, "ORDERS_CREATE", HOOK)
    store.webhooks.set_options(drop=True)

    make_order(store)
    assert store.wait_idle(5)

    assert received.calls == []
    assert [d.state for d in store.webhooks.deliveries()] == ["dropped"]
