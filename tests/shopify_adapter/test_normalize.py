from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordercenter.adapters.shopify.normalize import (
    PayloadError,
    normalize_graphql_order,
    normalize_order,
    normalize_webhook_order,
)
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus

from .conftest import load


def test_webhook_payload_and_graphql_node_of_the_same_order_give_equal_snapshots() -> None:
    from_webhook = normalize_webhook_order(load("order_webhook.json"))
    from_graphql = normalize_graphql_order(load("order_node.json"))

    assert from_webhook == from_graphql
    assert from_webhook.raw != from_graphql.raw  # each keeps its own payload


def test_snapshot_reads_ids_money_times_and_statuses_in_our_words() -> None:
    order = normalize_order(load("order_webhook.json"))

    assert order.platform_order_id == "5612345678901"
    assert order.platform_gid == "gid://shopify/Order/5612345678901"
    assert order.total_price == Decimal("44.89")
    assert isinstance(order.total_price, Decimal)
    assert order.total_shipping == Decimal("4.99")
    assert order.created_at == datetime(2025, 3, 4, 15, 15, tzinfo=UTC)
    assert order.created_at.utcoffset() is not None
    assert order.created_at.tzinfo == UTC
    assert order.financial_status is FinancialStatus.PAID
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert order.customer_name == "Zoë Müller"
    assert order.tags == ("gift", "vip")
    mug, poster = order.lines
    assert mug.platform_line_id == "14012345678901"
    assert (mug.variant_id, mug.product_id) == ("45011111111111", "8811111111111")
    assert mug.unit_price == Decimal("12.50")
    assert mug.quantity == 2
    assert poster.sku == ""  # an empty sku is allowed
    assert order.shipping_address is not None
    assert order.shipping_address.country_code == "DE"


def test_an_order_without_shipping_address_has_none() -> None:
    payload = load("order_webhook.json")
    payload["shipping_address"] = None
    node = load("order_node.json")
    node["shippingAddress"] = None

    assert normalize_order(payload).shipping_address is None
    assert normalize_order(node).shipping_address is None


def test_numeric_id_is_derived_from_the_gid_when_legacy_id_is_absent_and_gid_from_numeric() -> None:
    node = load("order_node.json")
    del node["legacyResourceId"]
    payload = load("order_webhook.json")
    del payload["admin_graphql_api_id"]

    assert normalize_order(node).platform_order_id == "5612345678901"
    assert normalize_order(payload).platform_gid == "gid://shopify/Order/5612345678901"


@pytest.mark.parametrize(
    ("rest", "graphql", "expected"),
    [
        ("partial", "PARTIALLY_FULFILLED", FulfillmentStatus.PARTIALLY_FULFILLED),
        ("fulfilled", "FULFILLED", FulfillmentStatus.FULFILLED),
        ("restocked", "RESTOCKED", FulfillmentStatus.UNFULFILLED),
    ],
)
def test_fulfillment_statuses_of_both_shapes_agree(rest: str, graphql: str, expected: FulfillmentStatus) -> None:
    payload = load("order_webhook.json")
    payload["fulfillment_status"] = rest
    node = load("order_node.json")
    node["displayFulfillmentStatus"] = graphql

    assert normalize_order(payload).fulfillment_status is expected
    assert normalize_order(node).fulfillment_status is expected


def test_partially_refunded_reads_as_such_in_both_shapes() -> None:
    payload = load("order_webhook.json")
    payload["financial_status"] = "partially_refunded"
    node = load("order_node.json")
    node["displayFinancialStatus"] = "PARTIALLY_REFUNDED"

    assert normalize_order(payload).financial_status is FinancialStatus.PARTIALLY_REFUNDED
    assert normalize_order(node).financial_status is FinancialStatus.PARTIALLY_REFUNDED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("total_price"), "total_price"),
        (lambda p: p.__setitem__("total_price", 44.89), "total_price"),  # a float is refused
        (lambda p: p.__setitem__("created_at", "yesterday"), "created_at"),
        (lambda p: p.__setitem__("created_at", "2025-03-04T10:15:00"), "created_at"),  # no time zone
        (lambda p: p.__setitem__("financial_status", "maybe"), "financial_status"),
        (lambda p: p.pop("currency"), "currency"),
        (lambda p: p.pop("name"), "name"),
        (lambda p: p["line_items"][1].pop("quantity"), "line_items[1].quantity"),
        (lambda p: p["line_items"][0].__setitem__("price", "twelve"), "line_items[0].price"),
        (lambda p: p.__setitem__("id", "abc"), "id"),
    ],
)
def test_bad_webhook_payload_raises_payload_error_naming_the_field(change: object, field: str) -> None:
    payload = copy.deepcopy(load("order_webhook.json"))
    change(payload)  # type: ignore[operator]

    with pytest.raises(PayloadError) as caught:
        normalize_order(payload)

    assert caught.value.field == field
    assert isinstance(caught.value, InvalidInput)
    assert field in caught.value.message


def test_bad_graphql_node_raises_payload_error_naming_the_field() -> None:
    node = load("order_node.json")
    node["lineItems"]["nodes"][0]["originalUnitPriceSet"] = None

    with pytest.raises(PayloadError) as caught:
        normalize_order(node)

    assert caught.value.field == "lineItems.nodes[0].originalUnitPriceSet.shopMoney.amount"
    assert caught.value.reason == "is missing"


def test_a_line_whose_variant_was_deleted_has_no_variant_in_either_shape() -> None:
    payload = load("order_webhook.json")
    payload["line_items"][0].update(variant_id=None, product_id=None)
    node = load("order_node.json")
    node["lineItems"]["nodes"][0].update(variant=None, product=None)

    from_webhook, from_graphql = normalize_order(payload), normalize_order(node)

    assert from_webhook == from_graphql
    assert from_webhook.lines[0].variant_id is None
    assert from_webhook.lines[0].product_id is None
