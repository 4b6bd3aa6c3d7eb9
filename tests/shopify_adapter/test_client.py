from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from ordercenter.adapters.ports import FulfillmentLine, StoreError, StorePlatform, TrackingInfo
from ordercenter.adapters.shopify import queries
from ordercenter.adapters.shopify.client import ShopifyClient, webhook_topic_enum
from ordercenter.adapters.shopify.graphql import API_VERSION
from ordercenter.adapters.shopify.normalize import normalize_order
from ordercenter.domain.money import Money
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus

from .conftest import SHOP, ScriptedShopify, load

COST = {"cost": {"requestedQueryCost": 10, "actualQueryCost": 10,
                 "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0}}}
TRACKING = TrackingInfo(number="LP00123456789CN", company="Cainiao", url="https://global.cainiao.com/detail.htm?mailNoList=LP00123456789CN")


def test_client_is_a_store_platform(client: ShopifyClient) -> None:
    store: StorePlatform = client
    assert store is client


def test_requests_go_to_the_pinned_graphql_endpoint_with_the_token_header(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.reply(load("shop.json"))

    info = client.fetch_shop()

    assert (info.name, info.currency) == ("Order Center Demo", "EUR")
    request = shopify.requests[0]
    assert str(request.url) == f"https://{SHOP}/admin/api/{API_VERSION}/graphql.json"
    assert request.headers["X-Shopify-Access-Token"] == "shpat_test_token"
    assert "shop { name currencyCode }" in shopify.bodies[0]["query"]


def test_api_url_points_the_client_at_a_sandbox() -> None:
    store = ShopifyClient(SHOP, "t", api_url="http://127.0.0.1:8000/sandbox/shopify/")
    assert store.endpoint == f"http://127.0.0.1:8000/sandbox/shopify/admin/api/{API_VERSION}/graphql.json"
    store.close()


def test_the_api_version_setting_picks_the_endpoint() -> None:
    with ShopifyClient(SHOP, "t", api_version="2026-07") as store:
        assert store.endpoint == f"https://{SHOP}/admin/api/2026-07/graphql.json"
        assert store.api_version == "2026-07"


def test_order_pages_follow_the_cursor_until_the_last_page(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.reply(load("orders_page_1.json")).reply(load("orders_page_2.json"))

    pages = list(client.iter_order_pages(updated_since=None))

    assert [len(p.orders) for p in pages] == [2, 1]
    assert [p.has_next_page for p in pages] == [True, False]
    assert [o.name for p in pages for o in p.orders] == ["#1001", "#1002", "#1003"]
    first, second = shopify.bodies
    assert first["variables"]["first"] == queries.PAGE_SIZE
    assert first["variables"]["cursor"] is None
    assert second["variables"]["cursor"] == pages[0].end_cursor
    assert "sortKey: UPDATED_AT" in first["query"]
    assert first["variables"]["query"] is None  # every order, whatever its status


def test_incremental_sync_searches_from_the_watermark(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.reply(load("orders_page_2.json"))

    list(client.iter_order_pages(updated_since=datetime(2025, 3, 5, 9, 0, 30, tzinfo=UTC)))

    search = shopify.bodies[0]["variables"]["query"]
    assert search == "updated_at:>='2025-03-05T09:00:30Z'"  # by updated_at alone: every status comes in


def test_a_served_version_other_than_the_pinned_one_is_logged_without_the_token(
    client: ShopifyClient, shopify: ScriptedShopify, caplog: pytest.LogCaptureFixture
) -> None:
    shopify.reply(load("shop.json"), headers={"X-Shopify-API-Version": "2025-04"})

    with caplog.at_level(logging.WARNING):
        client.fetch_shop()

    assert "2025-04" in caplog.text
    assert API_VERSION in caplog.text
    assert "shpat_test_token" not in caplog.text


def test_graphql_errors_become_store_errors_with_shopify_words(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.reply({"errors": [{"message": "Field 'shopp' doesn't exist on type 'QueryRoot'", "path": ["query", "shopp"],
                               "extensions": {"code": "undefinedField"}}]})

    with pytest.raises(StoreError) as caught:
        client.fetch_shop()

    assert "Field 'shopp' doesn't exist" in caught.value.message
    assert caught.value.field == "query.shopp"


def test_partial_fulfillment_ships_only_the_remaining_quantities_asked(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.reply(load("order_for_action.json"))
    shopify.reply({"data": {"fulfillmentCreate": {"fulfillment": {"id": "gid://shopify/Fulfillment/9912345678901",
                                                                    "status": "SUCCESS"}, "userErrors": []}},
                   "extensions": COST})

    fulfillment_id = client.create_fulfillment(
        "gid://shopify/Order/5612345678901", [FulfillmentLine("14012345678901", 1)], TRACKING, notify_customer=True)

    assert fulfillment_id == "gid://shopify/Fulfillment/9912345678901"
    lookup, create = shopify.bodies
    assert lookup["variables"] == {"id": "gid://shopify/Order/5612345678901"}
    assert "fulfillmentCreate(fulfillment: $fulfillment" in create["query"]
    assert create["variables"]["fulfillment"] == {
        "lineItemsByFulfillmentOrder": [{
            "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/6712345678901",
            "fulfillmentOrderLineItems": [
                {"id": "gid://shopify/FulfillmentOrderLineItem/15012345678901", "quantity": 1},
            ],
        }],
        "notifyCustomer": True,
        "trackingInfo": {"number": TRACKING.number, "company": "Cainiao", "url": TRACKING.url},
    }


def test_fulfilling_more_than_remains_is_refused_before_any_mutation(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.reply(load("order_for_action.json"))

    with pytest.raises(StoreError) as caught:
        client.create_fulfillment("5612345678901", [FulfillmentLine("gid://shopify/LineItem/14012345678902", 2)],
                                  TRACKING, notify_customer=False)

    assert caught.value.field == "lines"
    assert "1 left to fulfil, not 2" in caught.value.message
    assert len(shopify.requests) == 1


def test_user_errors_of_a_mutation_become_store_errors_naming_the_field(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.reply({"data": {"fulfillmentTrackingInfoUpdate": {"fulfillment": None, "userErrors": [
        {"field": ["fulfillmentId"], "message": "Fulfillment does not exist."}]}}, "extensions": COST})

    with pytest.raises(StoreError) as caught:
        client.update_tracking("9912345678901", TRACKING, notify_customer=False)

    assert caught.value.message == "Fulfillment does not exist."
    assert caught.value.field == "fulfillmentId"
    assert shopify.bodies[0]["variables"]["fulfillmentId"] == "gid://shopify/Fulfillment/9912345678901"


def test_refund_goes_back_through_the_capture_with_the_lines_and_shipping(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.reply(load("order_for_action.json"))
    shopify.reply({"data": {"refundCreate": {"refund": {"id": "gid://shopify/Refund/9812345678901"}, "userErrors": []}},
                   "extensions": COST})

    refund_id = client.refund("gid://shopify/Order/5612345678901", [FulfillmentLine("14012345678901", 1)],
                              Money(Decimal("4.99"), "EUR"), "Parcel lost", notify_customer=True)

    assert refund_id == "gid://shopify/Refund/9812345678901"
    refund_input = shopify.bodies[1]["variables"]["input"]
    assert refund_input["refundLineItems"] == [
        {"lineItemId": "gid://shopify/LineItem/14012345678901", "quantity": 1, "restockType": "NO_RESTOCK"}]
    assert refund_input["shipping"] == {"amount": "4.99"}
    assert refund_input["transactions"] == [{
        "orderId": "gid://shopify/Order/5612345678901", "parentId": "gid://shopify/OrderTransaction/8012345678901",
        "gateway": "shopify_payments", "kind": "REFUND", "amount": "17.49"}]
    assert refund_input["notify"] is True
    assert refund_input["note"] == "Parcel lost"


def test_refund_over_what_is_still_refundable_is_refused(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.reply(load("order_for_action.json"))  # 44.89 captured, 10.00 refunded already

    with pytest.raises(StoreError) as caught:
        client.refund("5612345678901", [FulfillmentLine("14012345678901", 2), FulfillmentLine("14012345678902", 1)],
                      Money(Decimal("4.99"), "EUR"), "All of it", notify_customer=False)

    assert caught.value.field == "amount"
    assert "49.89 EUR exceeds the 34.89 EUR still refundable" in caught.value.message
    assert len(shopify.requests) == 1  # no refundCreate sent


def test_duplicate_is_created_paid_tagged_and_silent_at_the_originals_prices(
        client: ShopifyClient, shopify: ScriptedShopify) -> None:
    original = normalize_order(load("order_webhook.json"))
    created = load("order_node.json")
    created.update(id="gid://shopify/Order/5612345679999", legacyResourceId="5612345679999", name="#1042",
                   tags=["gift", "reship-of-1001", "vip"])
    shopify.reply({"data": {"orderCreate": {"order": created, "userErrors": []}}, "extensions": COST})

    copy = client.duplicate_order(original, tag="reship-of-1001", note="Reship: first parcel fulfilled by mistake")

    assert copy.name == "#1042"
    assert copy.financial_status is FinancialStatus.PAID
    assert copy.fulfillment_status is FulfillmentStatus.UNFULFILLED
    variables = shopify.bodies[0]["variables"]
    assert variables["options"] == {"sendReceipt": False, "sendFulfillmentReceipt": False}
    order = variables["order"]
    assert order["financialStatus"] == "PAID"
    assert order["email"] == "zoe.muller@example.com"
    assert order["tags"] == ["gift", "reship-of-1001", "vip"]
    assert "#1001" in order["note"]
    assert order["lineItems"][0] == {"variantId": "gid://shopify/ProductVariant/45011111111111", "quantity": 2,
                                     "priceSet": {"shopMoney": {"amount": "12.50", "currencyCode": "EUR"}}}
    # The original's shipping and discount (44.90 of items - 5.00 + 4.99 = its 44.89); it had no tax.
    assert order["shippingLines"] == [{"title": "Shipping",
                                       "priceSet": {"shopMoney": {"amount": "4.99", "currencyCode": "EUR"}}}]
    assert order["discountCode"] == {"itemFixedDiscountCode": {
        "code": "AS-ON-1001", "amountSet": {"shopMoney": {"amount": "5.00", "currencyCode": "EUR"}}}}
    assert "taxLines" not in order
    assert order["shippingAddress"] == {"firstName": "Zoë", "lastName": "Müller", "address1": "Hauptstraße 5",
                                        "city": "Berlin", "zip": "10115", "countryCode": "DE",
                                        "phone": "+49 30 1234567"}


def test_registering_webhooks_maps_topics_and_accepts_existing_subscriptions(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.reply({"data": {"webhookSubscriptionCreate": {"webhookSubscription": {
        "id": "gid://shopify/WebhookSubscription/1", "topic": "ORDERS_PAID"}, "userErrors": []}}, "extensions": COST})
    shopify.reply({"data": {"webhookSubscriptionCreate": {"webhookSubscription": None, "userErrors": [
        {"field": ["webhookSubscription", "uri"],
         "message": "Address for this topic has already been taken"}]}},
        "extensions": COST})

    client.register_webhooks("https://oc.example.com/webhooks/shopify", ["orders/paid", "refunds/create"])

    assert [b["variables"]["topic"] for b in shopify.bodies] == ["ORDERS_PAID", "REFUNDS_CREATE"]
    assert shopify.bodies[0]["variables"]["webhookSubscription"] == {
        "uri": "https://oc.example.com/webhooks/shopify", "format": "JSON"}


def test_webhook_topic_names_map_to_the_graphql_enum() -> None:
    assert webhook_topic_enum("orders/partially_fulfilled") == "ORDERS_PARTIALLY_FULFILLED"
    assert webhook_topic_enum("app/uninstalled") == "APP_UNINSTALLED"
    with pytest.raises(StoreError):
        webhook_topic_enum("orders")


def test_rejected_token_is_a_store_error_that_says_so(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.reply({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}, 401)

    with pytest.raises(StoreError) as caught:
        client.fetch_shop()

    assert "rejected the access token" in caught.value.message
    assert "Invalid API key or access token" in caught.value.message
    assert len(shopify.requests) == 1


def test_transport_is_injectable_as_a_plain_handler() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=load("shop.json"))

    with ShopifyClient("another-shop.myshopify.com", "t", transport=httpx.MockTransport(handler)) as store:
        assert store.fetch_shop().currency == "EUR"
    assert seen


def test_duplicate_of_a_line_without_variant_sends_its_title_and_sku(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    payload = load("order_webhook.json")
    payload["line_items"][0].update(variant_id=None, product_id=None)
    original = normalize_order(payload)
    shopify.reply({"data": {"orderCreate": {"order": load("order_node.json"), "userErrors": []}}, "extensions": COST})

    client.duplicate_order(original, tag="reship", note="Reship")

    line = shopify.bodies[0]["variables"]["order"]["lineItems"][0]
    assert line == {"title": "Ceramic Mug", "sku": "MUG-RED", "variantTitle": "Red", "quantity": 2,
                    "priceSet": {"shopMoney": {"amount": "12.50", "currencyCode": "EUR"}}}
    assert shopify.bodies[0]["variables"]["order"]["note"] == "Reship\nDuplicate of #1001"


def test_a_duplicate_of_a_taxed_order_carries_its_tax_as_included_when_the_total_did_not_add_it(
        client: ShopifyClient, shopify: ScriptedShopify) -> None:
    payload = load("order_webhook.json")
    payload.update(total_tax="6.65", total_tax_set={"shop_money": {"amount": "6.65", "currency_code": "EUR"},
                                                     "presentment_money": {"amount": "6.65", "currency_code": "EUR"}},
                   taxes_included=True)
    original = normalize_order(payload)
    shopify.reply({"data": {"orderCreate": {"order": load("order_node.json"), "userErrors": []}}, "extensions": COST})

    client.duplicate_order(original, tag="reship", note="Reship")

    order = shopify.bodies[0]["variables"]["order"]
    assert order["taxLines"] == [{"title": "Tax", "rate": "0.1667",
                                  "priceSet": {"shopMoney": {"amount": "6.65", "currencyCode": "EUR"}}}]
    assert order["taxesIncluded"] is True
