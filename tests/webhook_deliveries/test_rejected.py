"""An authentic but malformed delivery: stored as rejected and answered 200, so the store does not resend it."""

from __future__ import annotations

import json
import uuid

import httpx

from ordercenter.domain.webhooks import DeliveryStatus
from ordercenter.sandbox.shopify.webhooks import build_delivery
from tests.webhook_deliveries.conftest import SHOP, World


def send(world: World, body: bytes, *, topic: str = "orders/paid", secret: str = SHOP.client_secret) -> httpx.Response:
    """POST a delivery signed the way the store signs them."""
    delivery = build_delivery(url=world.container.webhook_callback_url, topic=topic, shop_domain=SHOP.domain,
                              secret=secret, api_version=world.settings.shopify_api_version, body=body,
                              event_id=str(uuid.uuid4()), triggered_at="2026-03-02T09:29:59Z")
    return httpx.post(delivery.url, content=body, headers=delivery.headers, timeout=10)


def test_an_authentic_malformed_body_is_answered_200_rejected_and_stored(world: World) -> None:
    body = b'{"id": 450789469, "name": "#1001", '

    answer = send(world, body)

    assert answer.status_code == 200
    assert answer.json() == {"status": "rejected", "delivery_id": answer.json()["delivery_id"], "field": "body",
                             "error": answer.json()["error"]}
    assert answer.json()["error"].startswith("the body is not JSON")
    (stored,) = world.deliveries()
    assert (stored.id, stored.topic, stored.status, stored.body) == (
        answer.json()["delivery_id"], "orders/paid", DeliveryStatus.REJECTED, body.decode())
    assert stored.next_attempt_at is None  # nothing to try again
    listed = world.api.get("/webhook-deliveries", params={"status": "rejected"}).json()
    assert [(d["id"], d["error"]) for d in listed["data"]] == [(stored.id, stored.error)]


def test_an_order_payload_missing_a_field_is_rejected_naming_it_and_a_replay_says_it_is_still_unusable(
        world: World) -> None:
    world.store.generate_orders(SHOP.domain, 1)
    assert world.store.wait_idle(10)
    payload = {k: v for k, v in world.store.snapshot(SHOP.domain)[0].items() if k != "updated_at"}
    before = len(world.deliveries())

    answer = send(world, json.dumps(payload).encode(), topic="orders/updated")

    assert (answer.status_code, answer.json()["status"], answer.json()["field"]) == (200, "rejected", "updated_at")
    replay = world.api.post(f"/webhook-deliveries/{answer.json()['delivery_id']}/replay")
    assert replay.status_code == 422
    assert replay.json()["error"]["field"] == "updated_at"
    assert world.delivery(answer.json()["delivery_id"]).status is DeliveryStatus.REJECTED
    assert len(world.deliveries()) == before + 1


def test_a_forged_delivery_is_still_refused_and_nothing_is_stored(world: World) -> None:
    answer = send(world, b'{"id": 1}', secret="not-the-secret")

    assert answer.status_code == 401
    assert world.deliveries() == []
