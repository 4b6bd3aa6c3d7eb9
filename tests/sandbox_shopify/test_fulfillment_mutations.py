from __future__ import annotations

from typing import Any

from ordercenter.sandbox.shopify import SandboxStore

from .conftest import Gql, make_order

FULFILL = """
mutation Fulfil($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status name trackingInfo { number company url } }
    userErrors { field message }
  }
}
"""
ORDER = """
query($id: ID!) { order(id: $id) { displayFulfillmentStatus
  fulfillmentOrders(first: 5) { nodes { id status
    lineItems(first: 10) { nodes { id remainingQuantity totalQuantity } } } }
  fulfillments { id status trackingInfo { number } } } }
"""


def _order(gql: Gql, order_id: int) -> dict[str, Any]:
    data: dict[str, Any] = gql(ORDER, {"id": f"gid://shopify/Order/{order_id}"})["data"]["order"]
    return data


def test_partial_then_full_fulfilment_updates_remaining_quantities_and_status(
    gql: Gql, store: SandboxStore
) -> None:
    order = make_order(store, (2, 1))
    fo = _order(gql, order.id)["fulfillmentOrders"]["nodes"][0]
    line_a, line_b = fo["lineItems"]["nodes"]

    # when: ship one of the two units of line A
    first = gql(FULFILL, {"fulfillment": {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"],
                                         "fulfillmentOrderLineItems": [{"id": line_a["id"], "quantity": 1}]}],
        "trackingInfo": {"number": "LP00123456789CN", "company": "Cainiao",
                         "url": "https://global.cainiao.com/detail.htm?mailNoList=LP00123456789CN"},
        "notifyCustomer": False}})["data"]["fulfillmentCreate"]

    # then
    assert first["userErrors"] == []
    assert first["fulfillment"]["status"] == "SUCCESS"
    assert first["fulfillment"]["trackingInfo"][0]["number"] == "LP00123456789CN"
    after_first = _order(gql, order.id)
    assert after_first["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    fo_after = after_first["fulfillmentOrders"]["nodes"][0]
    assert fo_after["status"] == "IN_PROGRESS"
    assert [n["remainingQuantity"] for n in fo_after["lineItems"]["nodes"]] == [1, 1]

    # when: ship everything left (no line list = the whole fulfillment order)
    second = gql(FULFILL, {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}})

    # then
    assert second["data"]["fulfillmentCreate"]["userErrors"] == []
    done = _order(gql, order.id)
    assert done["displayFulfillmentStatus"] == "FULFILLED"
    assert done["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"
    assert [n["remainingQuantity"] for n in done["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"]] == [0, 0]
    assert len(done["fulfillments"]) == 2
    assert line_b["totalQuantity"] == 1


def test_fulfilling_more_than_remains_is_a_user_error_and_changes_nothing(gql: Gql, store: SandboxStore) -> None:
    order = make_order(store, (1,))
    fo = _order(gql, order.id)["fulfillmentOrders"]["nodes"][0]
    line = fo["lineItems"]["nodes"][0]

    result = gql(FULFILL, {"fulfillment": {"lineItemsByFulfillmentOrder": [{
        "fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 5}]}]}})

    payload = result["data"]["fulfillmentCreate"]
    assert payload["fulfillment"] is None
    assert payload["userErrors"] == [{
        "field": ["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderLineItems", "0", "quantity"],
        "message": "Invalid fulfillment order line item quantity requested."}]
    assert _order(gql, order.id)["displayFulfillmentStatus"] == "UNFULFILLED"


def test_an_unknown_fulfillment_order_is_a_user_error(gql: Gql) -> None:
    result = gql(FULFILL, {"fulfillment": {"lineItemsByFulfillmentOrder": [
        {"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1"}]}})

    assert result["data"]["fulfillmentCreate"]["userErrors"][0]["message"] == "Fulfillment order does not exist."


def test_tracking_can_be_changed_after_fulfilment(gql: Gql, store: SandboxStore) -> None:
    order = make_order(store, (1,))
    fulfillment = store.fulfil_order(None, order.id)

    result = gql("""mutation($id: ID!, $t: FulfillmentTrackingInput!) {
        fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $t, notifyCustomer: false) {
          fulfillment { trackingInfo { number company url } } userErrors { field message } } }""",
                 {"id": f"gid://shopify/Fulfillment/{fulfillment.id}",
                  "t": {"number": "YT1234", "company": "YunExpress", "url": "https://t.yunexpress.com/YT1234"}})

    payload = result["data"]["fulfillmentTrackingInfoUpdate"]
    assert payload["userErrors"] == []
    assert payload["fulfillment"]["trackingInfo"] == [
        {"number": "YT1234", "company": "YunExpress", "url": "https://t.yunexpress.com/YT1234"}]
