from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from ordercenter.sandbox.shopify import SandboxShopifyApp, SandboxStore, SandboxStoreConfig
from ordercenter.sandbox.shopify.faults import DroppedConnection

from .conftest import API, FakeClock, Received


def test_the_app_works_mounted_under_a_prefix(app: SandboxShopifyApp, store: SandboxStore) -> None:
    server = TestClient(Starlette(routes=[Mount("/sandbox/shopify", app=app)]))

    created = server.post("/sandbox/shopify/_operator/orders", json={"count": 2})
    answer = server.post(f"/sandbox/shopify{API}", json={"query": "{ orders(first: 5) { nodes { name } } }"},
                         headers={"X-Shopify-Access-Token": store.shop().access_token})

    assert created.status_code == 200
    assert [n["name"] for n in answer.json()["data"]["orders"]["nodes"]] == ["#1001", "#1002"]


def test_operator_generates_realistic_orders_and_drives_their_lifecycle(client: TestClient,
                                                                       store: SandboxStore) -> None:
    orders = client.post("/_operator/orders", json={"count": 12}).json()
    pending = client.post("/_operator/orders", json={"count": 1, "financial_status": "pending"}).json()[0]

    assert {o["financial_status"] for o in orders} == {"paid"}
    assert all(o["id"] > 5_000_000_000 for o in orders)
    assert len({o["shipping_address"]["country_code"] for o in orders if o["shipping_address"]}) > 3
    order_id = pending["id"]
    assert client.post(f"/_operator/orders/{order_id}/mark_paid").json()["financial_status"] == "paid"
    fulfilled = client.post(f"/_operator/orders/{order_id}/fulfil", json={"tracking_number": "LP1"}).json()
    assert fulfilled["fulfillment_status"] == "fulfilled"
    assert fulfilled["fulfillments"][0]["tracking_number"] == "LP1"
    refund = client.post(f"/_operator/orders/{order_id}/refund", json={"amount": "1.00"}).json()
    assert refund["transactions"][0]["amount"] == "1.00"
    cancelled = client.post(f"/_operator/orders/{order_id}/cancel", json={"reason": "customer"}).json()
    assert cancelled["cancelled_at"] is not None
    assert client.post(f"/_operator/orders/{order_id}/cancel").status_code == 400
    assert client.get("/_operator/orders/1").status_code == 404
    assert len(client.get("/_operator/orders").json()) == 13
    assert len(store.snapshot()) == 13


def test_the_same_seed_generates_the_same_orders(clock: FakeClock, received: Received) -> None:
    first = SandboxStore(SandboxStoreConfig(clock=clock, seed=7)).generate_orders(count=3)
    second = SandboxStore(SandboxStoreConfig(clock=clock, seed=7)).generate_orders(count=3)

    assert [o.email for o in first] == [o.email for o in second]


def test_fail_next_answers_5xx_then_recovers(client: TestClient, store: SandboxStore) -> None:
    client.put("/_operator/faults", json={"fail_next": 2, "fail_status": 502})
    headers = {"X-Shopify-Access-Token": store.shop().access_token}

    statuses = [client.post(API, json={"query": "{ shop { name } }"}, headers=headers).status_code
                for _ in range(3)]

    assert statuses == [502, 502, 200]


def test_drop_next_closes_the_connection_without_an_answer(client: TestClient, store: SandboxStore) -> None:
    client.put("/_operator/faults", json={"drop_next": 1})

    with pytest.raises(DroppedConnection):
        client.post(API, json={"query": "{ shop { name } }"},
                    headers={"X-Shopify-Access-Token": store.shop().access_token})


def test_operator_can_shrink_the_bucket(client: TestClient) -> None:
    status = client.put("/_operator/throttle", json={"bucket_size": 100, "restore_rate": 5}).json()

    assert status == {"maximumAvailable": 100.0, "currentlyAvailable": 100.0, "restoreRate": 5.0}


def test_unknown_fault_settings_are_refused(client: TestClient) -> None:
    response = client.put("/_operator/faults", json={"explode": True})

    assert response.status_code == 400


def test_operator_subscribes_delays_and_flushes_webhooks(client: TestClient, received: Received) -> None:
    client.post("/_operator/webhooks/subscriptions", json={"topic": "orders/paid", "callback_url": "http://hook.test/x"})
    client.put("/_operator/webhooks/options", json={"delay_seconds": 0.05})

    client.post("/_operator/orders", json={"count": 1})
    flushed = client.post("/_operator/webhooks/flush", json={"timeout": 5}).json()

    assert flushed == {"idle": True}
    assert received.topics() == ["orders/paid"]
    assert [d["state"] for d in client.get("/_operator/webhooks/deliveries").json()] == ["delivered"]
