from __future__ import annotations

from starlette.testclient import TestClient

from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, create_sandbox_store

from .conftest import API, FakeClock, Gql, make_order


def test_every_response_carries_the_cost_extension_with_shopify_numbers(gql: Gql, store: SandboxStore) -> None:
    make_order(store)

    body = gql("{ orders(first: 10) { nodes { id lineItems(first: 5) { nodes { sku } } } } }")

    cost = body["extensions"]["cost"]
    # connection: 2 + first × (node 1 + inner connection (2 + 5 × 1))
    assert cost["requestedQueryCost"] == 2 + 10 * (1 + 2 + 5 * 1)
    # actual: one order with two lines
    assert cost["actualQueryCost"] == 2 + 1 * (1 + 2 + 2 * 1)
    assert cost["throttleStatus"] == {"maximumAvailable": 2000.0,
                                      "currentlyAvailable": 2000.0 - cost["actualQueryCost"],
                                      "restoreRate": 100.0}


def test_mutations_cost_ten(gql: Gql) -> None:
    body = gql("""mutation { webhookSubscriptionCreate(topic: ORDERS_CREATE,
                    webhookSubscription: {callbackUrl: "https://example.com/hook", format: JSON}) {
                    userErrors { field message } } }""")

    assert body["extensions"]["cost"]["requestedQueryCost"] == 10


def test_a_query_costing_more_than_the_bucket_holds_is_throttled_until_it_refills(clock: FakeClock) -> None:
    app = create_sandbox_store(SandboxStoreConfig(bucket_size=50, restore_rate=10, clock=clock))
    client = TestClient(app)
    headers = {"X-Shopify-Access-Token": app.store.shop().access_token}
    query = {"query": "{ orders(first: 30) { nodes { id } } }"}  # 2 + 30 = 32 points
    for _ in range(20):
        make_order(app.store)

    first = client.post(API, json=query, headers=headers)
    throttled = client.post(API, json=query, headers=headers)
    clock.advance(2)  # 50 - 22 = 28 left; + 2 s × 10 = 48 ≥ 32
    after_refill = client.post(API, json=query, headers=headers)

    assert first.json()["extensions"]["cost"]["actualQueryCost"] == 2 + 20
    assert throttled.status_code == 200
    body = throttled.json()
    assert body["errors"] == [{"message": "Throttled", "extensions": {
        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}]
    assert "data" not in body
    assert body["extensions"]["cost"]["requestedQueryCost"] == 32
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    assert body["extensions"]["cost"]["throttleStatus"] == {
        "maximumAvailable": 50.0, "currentlyAvailable": 28.0, "restoreRate": 10.0}
    assert "errors" not in after_refill.json()


def test_the_operator_can_force_throttling_answered_with_429(client: TestClient, store: SandboxStore) -> None:
    client.put("/_operator/faults", json={"throttle_next": 1, "throttle_with_429": True})
    headers = {"X-Shopify-Access-Token": store.shop().access_token}

    throttled = client.post(API, json={"query": "{ shop { name } }"}, headers=headers)
    normal = client.post(API, json={"query": "{ shop { name } }"}, headers=headers)

    assert throttled.status_code == 429
    assert throttled.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert normal.status_code == 200


def test_a_single_query_above_the_max_cost_is_refused(gql: Gql) -> None:
    body = gql("{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }")

    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
