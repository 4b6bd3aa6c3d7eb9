from __future__ import annotations

from ordercenter.sandbox.shopify import SandboxStore

from .conftest import Gql, make_order

REFUND = """
mutation Refund($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id totalRefundedSet { presentmentMoney { amount currencyCode } } }
    order { displayFinancialStatus totalRefundedSet { shopMoney { amount } } }
    userErrors { field message }
  }
}
"""
TRANSACTIONS = """query($id: ID!) { order(id: $id) {
  transactions { id kind status gateway amountSet { shopMoney { amount } } } } }"""


def _sale(gql: Gql, order_id: int) -> dict[str, str]:
    txs = gql(TRANSACTIONS, {"id": f"gid://shopify/Order/{order_id}"})["data"]["order"]["transactions"]
    sale: dict[str, str] = next(t for t in txs if t["kind"] == "SALE")
    return sale


def test_refunding_more_than_was_paid_returns_user_errors_and_moves_no_money(gql: Gql, store: SandboxStore) -> None:
    order = make_order(store, (1,), price="10.00", shipping="5.00")  # paid 15.00
    sale = _sale(gql, order.id)
    order_gid = f"gid://shopify/Order/{order.id}"

    result = gql(REFUND, {"input": {"orderId": order_gid, "transactions": [
        {"orderId": order_gid, "parentId": sale["id"], "amount": "20.00", "kind": "REFUND",
         "gateway": sale["gateway"]}]}})

    payload = result["data"]["refundCreate"]
    assert payload["refund"] is None
    assert payload["userErrors"][0]["field"] == ["transactions"]
    assert "greater than the refundable amount" in payload["userErrors"][0]["message"]
    assert order.refunded == 0


def test_a_partial_refund_with_a_line_item_marks_the_order_partially_refunded(
    gql: Gql, store: SandboxStore
) -> None:
    order = make_order(store, (2,), price="10.00", shipping="5.00")  # paid 25.00
    sale = _sale(gql, order.id)
    order_gid = f"gid://shopify/Order/{order.id}"

    result = gql(REFUND, {"input": {
        "orderId": order_gid, "note": "one broken", "notify": False,
        "refundLineItems": [{"lineItemId": f"gid://shopify/LineItem/{order.line_items[0].id}", "quantity": 1,
                             "restockType": "NO_RESTOCK"}],
        "transactions": [{"orderId": order_gid, "parentId": sale["id"], "amount": "10.00", "kind": "REFUND",
                          "gateway": sale["gateway"]}]}})

    payload = result["data"]["refundCreate"]
    assert payload["userErrors"] == []
    assert payload["refund"]["totalRefundedSet"]["presentmentMoney"] == {"amount": "10.0", "currencyCode": "USD"}
    assert payload["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert order.line_items[0].current_quantity == 1
    # a second refund may take only what is left
    again = gql(REFUND, {"input": {"orderId": order_gid, "transactions": [
        {"orderId": order_gid, "amount": "15.01", "kind": "REFUND", "gateway": sale["gateway"]}]}})
    assert again["data"]["refundCreate"]["userErrors"]


ORDER_CREATE = """
mutation Dup($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id name tags email displayFinancialStatus displayFulfillmentStatus
            lineItems(first: 5) { nodes { title quantity variant { id }
                                          originalUnitPriceSet { shopMoney { amount } } } }
            shippingAddress { city countryCodeV2 } }
    userErrors { field message code }
  }
}
"""


def test_order_create_duplicates_an_order_as_a_free_reship(gql: Gql, store: SandboxStore) -> None:
    original = store.generate_orders(count=1, with_shipping_address=True)[0]
    variant_id = original.line_items[0].variant_id

    result = gql(ORDER_CREATE, {"order": {
        "currency": "USD", "email": original.email, "tags": ["reship-of:#1001"], "note": "Replacement",
        "lineItems": [{"variantId": f"gid://shopify/ProductVariant/{variant_id}", "quantity": 1,
                       "priceSet": {"shopMoney": {"amount": "0.00", "currencyCode": "USD"}}}],
        "shippingAddress": {"firstName": "Ana", "lastName": "Silva", "address1": "Rua Augusta, 5",
                            "city": "São Paulo", "countryCode": "BR", "zip": "01310-100"},
        "financialStatus": "PAID"}, "options": {"sendReceipt": False}})

    payload = result["data"]["orderCreate"]
    assert payload["userErrors"] == []
    created = payload["order"]
    assert created["name"] == "#1002"
    assert created["tags"] == ["reship-of:#1001"]
    assert created["displayFinancialStatus"] == "PAID"
    assert created["displayFulfillmentStatus"] == "UNFULFILLED"
    assert created["lineItems"]["nodes"][0]["variant"]["id"] == f"gid://shopify/ProductVariant/{variant_id}"
    assert created["lineItems"]["nodes"][0]["originalUnitPriceSet"]["shopMoney"]["amount"] == "0.0"
    assert created["shippingAddress"] == {"city": "São Paulo", "countryCodeV2": "BR"}


def test_order_create_with_an_unknown_variant_is_a_user_error(gql: Gql, store: SandboxStore) -> None:
    result = gql(ORDER_CREATE, {"order": {"lineItems": [
        {"variantId": "gid://shopify/ProductVariant/1", "quantity": 1}]}})

    payload = result["data"]["orderCreate"]
    assert payload["order"] is None
    assert payload["userErrors"] == [{"field": ["order", "lineItems", "0", "variantId"],
                                      "message": "Product variant does not exist.", "code": "INVALID"}]
    assert store.list_orders() == []
