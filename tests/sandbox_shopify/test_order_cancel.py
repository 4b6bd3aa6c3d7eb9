"""orderCancel in the sandbox store: cancel with refund, restock and notification; refused like Shopify."""

from __future__ import annotations

import json
from decimal import Decimal

from ordercenter.sandbox.shopify import SandboxStore

from .conftest import Gql, Received, make_order

CANCEL = """
mutation OrderCancel($orderId: ID!, $reason: OrderCancelReason!, $refundMethod: OrderCancelRefundMethodInput,
                     $restock: Boolean!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refundMethod: $refundMethod, restock: $restock,
              notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""
ORDER = """query($id: ID!) { order(id: $id) {
  cancelledAt cancelReason displayFinancialStatus totalRefundedSet { shopMoney { amount } }
  lineItems(first: 5) { nodes { currentQuantity } }
  refunds { id note } } }"""


def _cancel(gql: Gql, order_id: int, **overrides: object) -> dict[str, object]:
    variables = {"orderId": f"gid://shopify/Order/{order_id}", "reason": "CUSTOMER",
                 "refundMethod": {"originalPaymentMethodsRefund": True}, "restock": True, "notifyCustomer": True,
                 "staffNote": "Customer changed their mind", **overrides}
    payload: dict[str, object] = gql(CANCEL, variables)["data"]["orderCancel"]
    return payload


def test_cancelling_with_refund_and_restock_refunds_everything_and_sends_the_cancelled_webhook(
    gql: Gql, store: SandboxStore, received: Received
) -> None:
    order = make_order(store, (2, 1), price="10.00", shipping="5.00")  # paid 35.00
    store.subscribe(None, "ORDERS_CANCELLED", "https://oc.example/webhooks")
    store.subscribe(None, "REFUNDS_CREATE", "https://oc.example/webhooks")

    payload = _cancel(gql, order.id)

    assert payload["orderCancelUserErrors"] == []
    job = payload["job"]
    assert isinstance(job, dict)
    assert str(job["id"]).startswith("gid://shopify/Job/")
    shown = gql(ORDER, {"id": f"gid://shopify/Order/{order.id}"})["data"]["order"]
    assert shown["cancelReason"] == "CUSTOMER"
    assert shown["cancelledAt"] is not None
    assert shown["displayFinancialStatus"] == "REFUNDED"
    assert Decimal(shown["totalRefundedSet"]["shopMoney"]["amount"]) == Decimal("35.00")
    assert [line["currentQuantity"] for line in shown["lineItems"]["nodes"]] == [0, 0]  # restocked
    assert order.cancel_staff_note == "Customer changed their mind"
    assert order.cancel_customer_notified is True
    assert store.wait_idle()
    topics = received.topics()
    assert topics == ["refunds/create", "orders/cancelled"]
    cancelled = json.loads(received.calls[1][2])
    assert cancelled["cancel_reason"] == "customer"
    assert [r["id"] for r in cancelled["refunds"]] == [int(shown["refunds"][0]["id"].rsplit("/", 1)[1])]


def test_cancelling_without_refund_keeps_the_money_and_the_stock(gql: Gql, store: SandboxStore) -> None:
    order = make_order(store, (1,), price="10.00", shipping="0.00")

    payload = _cancel(gql, order.id, refundMethod={"originalPaymentMethodsRefund": False}, restock=False,
                      notifyCustomer=False, staffNote=None)

    assert payload["orderCancelUserErrors"] == []
    assert order.cancelled_at is not None
    assert order.refunded == Decimal("0")
    assert order.line_items[0].current_quantity == 1
    assert order.cancel_restocked is False
    assert order.cancel_customer_notified is False


def test_a_second_cancel_is_refused_with_a_user_error_and_changes_nothing(gql: Gql, store: SandboxStore) -> None:
    order = make_order(store, (1,))
    assert _cancel(gql, order.id)["orderCancelUserErrors"] == []
    refunds_before = len(order.refunds)

    again = _cancel(gql, order.id)

    assert again["job"] is None
    assert again["orderCancelUserErrors"] == [
        {"field": ["orderId"], "message": "Order has already been cancelled.", "code": "INVALID"}]
    assert len(order.refunds) == refunds_before


def test_an_unknown_order_is_not_found(gql: Gql, store: SandboxStore) -> None:
    payload = _cancel(gql, 123)

    assert payload["job"] is None
    assert payload["orderCancelUserErrors"] == [
        {"field": ["orderId"], "message": "Order does not exist.", "code": "NOT_FOUND"}]


def test_a_fulfilled_order_cannot_be_cancelled(gql: Gql, store: SandboxStore) -> None:
    order = make_order(store, (1,))
    store.fulfil_order(None, order.id)

    payload = _cancel(gql, order.id)

    assert payload["job"] is None
    errors = payload["orderCancelUserErrors"]
    assert isinstance(errors, list)
    assert "Cancel the fulfillments first" in errors[0]["message"]
    assert order.cancelled_at is None


def test_a_refund_by_amount_alone_leaves_the_lines_and_takes_only_that_much(gql: Gql, store: SandboxStore) -> None:
    order = make_order(store, (1,), price="40.00", shipping="0.00")
    order_gid = f"gid://shopify/Order/{order.id}"
    refund = """mutation R($input: RefundInput!) { refundCreate(input: $input) {
      refund { id note } order { displayFinancialStatus } userErrors { field message } } }"""

    first = gql(refund, {"input": {"orderId": order_gid, "note": "part", "transactions": [
        {"orderId": order_gid, "amount": "12.50", "kind": "REFUND", "gateway": "manual"}]}})["data"]["refundCreate"]
    rest = gql(refund, {"input": {"orderId": order_gid, "transactions": [
        {"orderId": order_gid, "amount": "27.50", "kind": "REFUND", "gateway": "manual"}]}})["data"]["refundCreate"]

    assert first["userErrors"] == []
    assert first["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert rest["userErrors"] == []
    assert rest["order"]["displayFinancialStatus"] == "REFUNDED"
    assert order.line_items[0].current_quantity == 1
    assert order.refundable == Decimal("0")
