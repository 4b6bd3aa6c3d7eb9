"""orderCancel and refunds by amount: the documents sent, Shopify's refusals, and the same calls against the
sandbox store over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from ordercenter.adapters.ports import StoreError
from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.adapters.shopify.pacing import CostLimiter
from ordercenter.domain.money import Money
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, ShopConfig, create_sandbox_store
from ordercenter.sandbox.shopify.order_builder import NewLine, NewOrder
from tests.live_server import live_server

from .conftest import ScriptedShopify, load

COST = {"cost": {"requestedQueryCost": 10, "actualQueryCost": 10,
                 "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0}}}
ORDER_GID = "gid://shopify/Order/5612345678901"


def _order_for_refund(refunds: list[dict[str, Any]]) -> dict[str, Any]:
    """The recorded order (44.89 captured, 10.00 refunded) as ORDER_FOR_REFUND reads it, with these refunds."""
    order = dict(load("order_for_action.json")["data"]["order"])
    del order["lineItems"], order["fulfillmentOrders"]
    return {"data": {"order": {**order, "refunds": refunds}}, "extensions": COST}


# ---------------------------------------------------------------- orderCancel


def test_cancel_sends_order_cancel_with_the_merchants_choices(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.reply({"data": {"orderCancel": {"job": {"id": "gid://shopify/Job/abc", "done": False},
                                            "userErrors": []}}, "extensions": COST})

    client.cancel_order("5612345678901", reason="customer", refund=True, restock=False, notify_customer=True,
                        staff_note="Supplier cancelled; customer refunded")

    [body] = shopify.bodies
    assert "orderCancel(" in body["query"]
    assert "userErrors: orderCancelUserErrors" in body["query"]
    assert body["variables"] == {"orderId": ORDER_GID, "reason": "CUSTOMER",
                                 "refundMethod": {"originalPaymentMethodsRefund": True}, "restock": False,
                                 "notifyCustomer": True, "staffNote": "Supplier cancelled; customer refunded"}


def test_cancel_refusals_come_back_as_store_errors_naming_the_field(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.reply({"data": {"orderCancel": {"job": None, "userErrors": [
        {"field": ["orderId"], "message": "Order has already been cancelled.", "code": "INVALID"}]}},
        "extensions": COST})

    with pytest.raises(StoreError) as caught:
        client.cancel_order(ORDER_GID, reason="OTHER", refund=False, restock=False, notify_customer=False,
                            staff_note="")

    assert caught.value.message == "Order has already been cancelled."
    assert caught.value.field == "orderId"


def test_an_unknown_cancel_reason_is_refused_before_anything_is_sent(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    with pytest.raises(StoreError) as caught:
        client.cancel_order(ORDER_GID, reason="bored", refund=False, restock=False, notify_customer=False,
                            staff_note="")

    assert caught.value.field == "reason"
    assert "customer, declined, fraud, inventory, other, staff" in caught.value.message
    assert shopify.requests == []


# ---------------------------------------------------------------- refunds by amount


def test_a_refund_by_amount_goes_back_through_the_capture_with_the_key_in_its_note(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.reply(_order_for_refund([]))
    shopify.reply({"data": {"refundCreate": {"refund": {"id": "gid://shopify/Refund/77"}, "userErrors": []}},
                   "extensions": COST})

    refund_id = client.refund_amount(ORDER_GID, Money(Decimal("12.50"), "EUR"), "Customer request",
                                     notify_customer=True, key="customer-refund:4")

    assert refund_id == "gid://shopify/Refund/77"
    refund_input = shopify.bodies[1]["variables"]["input"]
    assert refund_input["refundLineItems"] == []
    assert refund_input["note"] == "Customer request [customer-refund:4]"
    assert refund_input["notify"] is True
    assert refund_input["transactions"] == [{
        "orderId": ORDER_GID, "parentId": "gid://shopify/OrderTransaction/8012345678901",
        "gateway": "shopify_payments", "kind": "REFUND", "amount": "12.50"}]


def test_a_retry_under_the_same_key_returns_the_earlier_refund_without_refunding_again(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    earlier = {"id": "gid://shopify/Refund/77", "note": "Customer request [customer-refund:4]"}
    shopify.reply(_order_for_refund([earlier]))

    refund_id = client.refund_amount(ORDER_GID, Money(Decimal("12.50"), "EUR"), "Customer request",
                                     notify_customer=False, key="customer-refund:4")

    assert refund_id == "gid://shopify/Refund/77"
    assert len(shopify.requests) == 1  # no refundCreate


def test_a_refund_by_amount_above_what_is_left_is_refused_before_any_mutation(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.reply(_order_for_refund([]))

    with pytest.raises(StoreError) as caught:
        client.refund_amount(ORDER_GID, Money(Decimal("34.90"), "EUR"), "Too much", notify_customer=False)

    assert caught.value.field == "amount"
    assert "exceeds the 34.89 EUR still refundable" in caught.value.message
    assert len(shopify.requests) == 1


def test_a_refund_in_another_currency_than_the_order_is_refused(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.reply(_order_for_refund([]))

    with pytest.raises(StoreError) as caught:
        client.refund_amount(ORDER_GID, Money(Decimal("5"), "USD"), "Wrong money", notify_customer=False)

    assert caught.value.field == "amount"
    assert len(shopify.requests) == 1


# ---------------------------------------------------------------- against the sandbox store

SHOP = ShopConfig(domain="adapter-cancel.myshopify.com", name="Adapter", access_token="shpat_adapter_cancel",
                  client_id="adapter", client_secret="adapter-secret", currency="USD")


@pytest.fixture
def sandbox() -> Iterator[tuple[SandboxStore, ShopifyClient]]:
    app = create_sandbox_store(SandboxStoreConfig(shops=[SHOP], bucket_size=20_000.0, restore_rate=10_000.0))
    app.store.webhooks.set_options(drop=True)
    with live_server(app) as url:
        client = ShopifyClient(SHOP.domain, SHOP.access_token, api_url=url, limiter=CostLimiter())
        yield app.store, client
        client.close()
    app.store.close()


def _paid_order(store: SandboxStore) -> int:
    order = store.create_order(SHOP.domain, NewOrder(
        lines=[NewLine(title="Lamp", quantity=2, price=Decimal("20.00"), sku="LAMP", variant_id=81000000011,
                       product_id=8100000001)],
        presentment_currency="USD", email="buyer@example.com", shipping_title="Standard",
        shipping_price=Decimal("5.00")))
    return order.id


def test_the_sandbox_store_refunds_in_part_then_the_rest_and_refuses_more(
    sandbox: tuple[SandboxStore, ShopifyClient]
) -> None:
    store, client = sandbox
    order_id = _paid_order(store)  # 45.00 paid

    first = client.refund_amount(str(order_id), Money(Decimal("12.50"), "USD"), "Part", notify_customer=False,
                                 key="customer-refund:1")
    again = client.refund_amount(str(order_id), Money(Decimal("12.50"), "USD"), "Part", notify_customer=False,
                                 key="customer-refund:1")
    rest = client.refund_amount(str(order_id), Money(Decimal("32.50"), "USD"), "Rest", notify_customer=False,
                                key="customer-refund:2")
    with pytest.raises(StoreError) as caught:
        client.refund_amount(str(order_id), Money(Decimal("0.01"), "USD"), "More", notify_customer=False)

    assert again == first != rest
    order = store.order(SHOP.domain, order_id)
    assert [r.amount for r in order.refunds] == [Decimal("12.50"), Decimal("32.50")]
    assert order.refunds[0].note == "Part [customer-refund:1]"
    assert order.financial_status == "REFUNDED"
    assert caught.value.field == "amount"


def test_the_sandbox_store_cancels_through_order_cancel_and_refuses_a_second_time(
    sandbox: tuple[SandboxStore, ShopifyClient]
) -> None:
    store, client = sandbox
    order_id = _paid_order(store)

    client.cancel_order(str(order_id), reason="inventory", refund=True, restock=True, notify_customer=False,
                        staff_note="Out of stock at the supplier")
    with pytest.raises(StoreError) as caught:
        client.cancel_order(str(order_id), reason="inventory", refund=True, restock=True, notify_customer=False,
                            staff_note="again")

    order = store.order(SHOP.domain, order_id)
    assert order.cancel_reason == "INVENTORY"
    assert order.cancel_staff_note == "Out of stock at the supplier"
    assert order.refundable == Decimal("0")
    assert caught.value.message == "Order has already been cancelled."
