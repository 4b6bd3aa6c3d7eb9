"""orderCreate with the charges of a real order: shipping lines, tax lines, a discount code, taxes included."""

from __future__ import annotations

from typing import Any

from ordercenter.sandbox.shopify import SandboxStore

from .conftest import Gql

ORDER_CREATE = """
mutation Create($order: OrderCreateOrderInput!) {
  orderCreate(order: $order) {
    order { id taxesIncluded
            subtotalPriceSet { shopMoney { amount } } totalPriceSet { shopMoney { amount } }
            totalShippingPriceSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } }
            totalDiscountsSet { shopMoney { amount } } }
    userErrors { field message code }
  }
}
"""
VARIANT = "gid://shopify/ProductVariant/81000000011"


def usd(amount: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": "USD"}}


def totals(order: dict[str, Any]) -> tuple[str, ...]:
    return tuple(order[key]["shopMoney"]["amount"] for key in (
        "subtotalPriceSet", "totalShippingPriceSet", "totalTaxSet", "totalDiscountsSet", "totalPriceSet"))


def create(gql: Gql, **order: Any) -> dict[str, Any]:
    payload: dict[str, Any] = gql(ORDER_CREATE, {"order": {
        "currency": "USD", "financialStatus": "PAID",
        "lineItems": [{"variantId": VARIANT, "quantity": 2, "priceSet": usd("20.00")}], **order}})
    created: dict[str, Any] = payload["data"]["orderCreate"]
    return created


def test_a_fixed_discount_shipping_and_a_tax_line_make_the_total(gql: Gql, store: SandboxStore) -> None:
    result = create(gql, discountCode={"itemFixedDiscountCode": {"code": "SAVE5", "amountSet": usd("5.00")}},
                    shippingLines=[{"title": "Express", "priceSet": usd("12.90")}],
                    taxLines=[{"title": "VAT", "rate": "0.08", "priceSet": usd("2.80")}])

    assert result["userErrors"] == []
    assert totals(result["order"]) == ("35.0", "12.9", "2.8", "5.0", "50.7")
    assert result["order"]["taxesIncluded"] is False


def test_tax_lines_without_an_amount_are_the_rate_of_what_they_tax(gql: Gql, store: SandboxStore) -> None:
    result = create(gql, lineItems=[{"variantId": VARIANT, "quantity": 1, "priceSet": usd("10.00"),
                                     "taxLines": [{"title": "State", "rate": "0.1"}]}],
                    discountCode={"itemPercentageDiscountCode": {"code": "TEN", "percentage": 10}})

    assert totals(result["order"]) == ("9.0", "0.0", "1.0", "1.0", "10.0")


def test_taxes_included_are_not_added_to_the_total(gql: Gql, store: SandboxStore) -> None:
    result = create(gql, taxesIncluded=True, taxLines=[{"title": "VAT", "rate": "0.2", "priceSet": usd("6.67")}])

    assert totals(result["order"]) == ("40.0", "0.0", "6.67", "0.0", "40.0")
    assert result["order"]["taxesIncluded"] is True


def test_two_kinds_of_discount_on_one_order_are_a_user_error(gql: Gql, store: SandboxStore) -> None:
    result = create(gql, discountCode={"itemFixedDiscountCode": {"code": "A", "amountSet": usd("1.00")},
                                       "freeShippingDiscountCode": {"code": "B"}})

    assert result["order"] is None
    assert result["userErrors"] == [{"field": ["order", "discountCode"], "code": "INVALID",
                                     "message": "Only one type of discount can be applied to an order."}]
