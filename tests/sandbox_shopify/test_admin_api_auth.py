from __future__ import annotations

from starlette.testclient import TestClient

from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION
from ordercenter.sandbox.shopify import SandboxStore, ShopConfig

from .conftest import API, Gql

SHOP_QUERY = {"query": "{ shop { name myshopifyDomain currencyCode } }"}
INVALID = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def test_a_wrong_access_token_gets_shopifys_401_body(client: TestClient) -> None:
    response = client.post(API, json=SHOP_QUERY, headers={"X-Shopify-Access-Token": "shpat_wrong"})

    assert response.status_code == 401
    assert response.json() == INVALID


def test_a_missing_access_token_gets_401(client: TestClient) -> None:
    assert client.post(API, json=SHOP_QUERY).status_code == 401


def test_the_access_token_picks_the_shop_and_the_version_is_reported(client: TestClient, store: SandboxStore) -> None:
    store.add_shop(ShopConfig(domain="second.myshopify.com", name="Second", access_token="shpat_second",
                              currency="EUR"))

    response = client.post(API, json=SHOP_QUERY, headers={"X-Shopify-Access-Token": "shpat_second"})

    assert response.headers["X-Shopify-API-Version"] == DEFAULT_SHOPIFY_API_VERSION
    assert response.json()["data"]["shop"] == {
        "name": "Second", "myshopifyDomain": "second.myshopify.com", "currencyCode": "EUR"}


def test_the_shop_domain_header_must_agree_with_the_token(client: TestClient, store: SandboxStore) -> None:
    store.add_shop(ShopConfig(domain="second.myshopify.com", access_token="shpat_second"))
    headers = {"X-Shopify-Access-Token": store.shop().access_token, "X-Sandbox-Shop-Domain": "second.myshopify.com"}

    assert client.post(API, json=SHOP_QUERY, headers=headers).status_code == 401


def test_an_unsupported_version_falls_forward_to_the_oldest_supported(client: TestClient,
                                                                      store: SandboxStore) -> None:
    response = client.post("/admin/api/2021-01/graphql.json", json=SHOP_QUERY,
                           headers={"X-Shopify-Access-Token": store.shop().access_token})

    assert response.status_code == 200
    assert response.headers["X-Shopify-API-Version"] == store.shop().api_versions[0]


def test_the_retired_2025_01_is_answered_by_the_oldest_version_still_supported(client: TestClient,
                                                                               store: SandboxStore) -> None:
    response = client.post("/admin/api/2025-01/graphql.json", json=SHOP_QUERY,
                           headers={"X-Shopify-Access-Token": store.shop().access_token})

    assert response.status_code == 200
    assert store.shop().api_versions == ("2026-01", "2026-04", "2026-07", "2026-10")
    assert response.headers["X-Shopify-API-Version"] == "2026-01"


def test_a_body_without_query_is_a_400(client: TestClient, store: SandboxStore) -> None:
    response = client.post(API, json={"variables": {}}, headers={"X-Shopify-Access-Token": store.shop().access_token})

    assert response.status_code == 400
    assert response.json() == {"errors": {"query": "Required parameter missing or invalid"}}


def test_unknown_fields_are_graphql_errors_not_crashes(gql: Gql) -> None:
    body = gql("{ shop { nope } }")

    assert body["errors"][0]["message"]
    assert "data" not in body
