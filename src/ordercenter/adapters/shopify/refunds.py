"""Working out a refund before asking Shopify for it: the amount, the check against what is still
refundable, and the parent SALE/CAPTURE transactions the money goes back through.

The amount is each line's original unit price times the quantity, plus the shipping given; taxes and
discounts are not apportioned (the merchant passes what they mean to give back). Orders paid in a
presentment currency other than the shop's are refused: Shopify wants presentment amounts then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ordercenter.adapters.ports import FulfillmentLine, StoreError
from ordercenter.adapters.shopify.gids import numeric_id, to_gid
from ordercenter.domain.money import Money

PAYMENT_KINDS = frozenset({"SALE", "CAPTURE"})


@dataclass(frozen=True)
class RefundTransaction:
    parent_id: str
    gateway: str
    amount: Decimal


@dataclass(frozen=True)
class RefundPlan:
    currency: str
    amount: Decimal
    refundable: Decimal
    line_items: list[dict[str, Any]]
    transactions: list[RefundTransaction]


def plan_refund(order: Mapping[str, Any], lines: list[FulfillmentLine], shipping: Money | None) -> RefundPlan:
    currency = str(order.get("currencyCode") or "")
    presentment = order.get("presentmentCurrencyCode")
    if presentment and presentment != currency:
        raise StoreError(f"this order was paid in {presentment}, not the shop currency {currency}; "
                         "refund it from the Shopify admin", field="currency")
    amount, line_items = _lines_amount(order, lines)
    if shipping is not None:
        if shipping.currency != currency:
            raise StoreError(f"shipping is in {shipping.currency} but the order is in {currency}", field="shipping")
        if shipping.amount < 0:
            raise StoreError("shipping to refund cannot be negative", field="shipping")
        amount += shipping.amount
    if amount <= 0:
        raise StoreError("nothing to refund: give lines or shipping", field="lines")
    remaining = _refundable_by_parent(order)
    refundable = sum(remaining.values(), Decimal(0))
    if amount > refundable:
        raise StoreError(f"the refund of {amount} {currency} exceeds the {refundable} {currency} still refundable",
                         field="amount")
    return RefundPlan(currency, amount, refundable, line_items, _split(amount, remaining, order))


def plan_amount_refund(order: Mapping[str, Any], amount: Money) -> RefundPlan:
    """A refund of money alone (no lines, no shipping): in the shop currency, at most what is refundable."""
    currency = str(order.get("currencyCode") or "")
    presentment = order.get("presentmentCurrencyCode")
    if presentment and presentment != currency:
        raise StoreError(f"this order was paid in {presentment}, not the shop currency {currency}; "
                         "refund it from the Shopify admin", field="currency")
    if amount.currency != currency:
        raise StoreError(f"the refund is in {amount.currency} but the order is in {currency}", field="amount")
    if amount.amount <= 0:
        raise StoreError("the amount to refund must be more than zero", field="amount")
    remaining = _refundable_by_parent(order)
    refundable = sum(remaining.values(), Decimal(0))
    if amount.amount > refundable:
        raise StoreError(f"the refund of {amount.amount} {currency} exceeds the {refundable} {currency} still "
                         "refundable", field="amount")
    return RefundPlan(currency, amount.amount, refundable, [], _split(amount.amount, remaining, order))


def _lines_amount(order: Mapping[str, Any], lines: list[FulfillmentLine]) -> tuple[Decimal, list[dict[str, Any]]]:
    ordered = {str(node.get("id")): node for node in _nodes(order.get("lineItems"))}
    amount = Decimal(0)
    line_items = []
    for line in lines:
        gid = to_gid("LineItem", line.line_gid)
        node = ordered.get(gid)
        if node is None:
            raise StoreError(f"order line {numeric_id(gid)} is not on this order", field="lines")
        if line.quantity <= 0 or line.quantity > int(node.get("quantity") or 0):
            raise StoreError(f"order line {numeric_id(gid)} cannot be refunded {line.quantity} times", field="lines")
        price = Decimal(str(((node.get("originalUnitPriceSet") or {}).get("shopMoney") or {}).get("amount") or "0"))
        amount += price * line.quantity
        line_items.append({"lineItemId": gid, "quantity": line.quantity, "restockType": "NO_RESTOCK"})
    return amount, line_items


def _refundable_by_parent(order: Mapping[str, Any]) -> dict[str, Decimal]:
    """Successful payments (SALE, CAPTURE) less the successful refunds already made against each."""
    transactions = [t for t in order.get("transactions") or [] if isinstance(t, Mapping)]
    remaining: dict[str, Decimal] = {}
    for t in transactions:
        if t.get("kind") in PAYMENT_KINDS and t.get("status") == "SUCCESS":
            remaining[str(t["id"])] = _amount(t)
    unattributed = Decimal(0)
    for t in transactions:
        if t.get("kind") == "REFUND" and t.get("status") == "SUCCESS":
            parent = str((t.get("parentTransaction") or {}).get("id") or "")
            if parent in remaining:
                remaining[parent] -= _amount(t)
            else:
                unattributed += _amount(t)
    for parent in sorted(remaining, key=lambda p: remaining[p], reverse=True):  # take unattributed refunds off
        taken = min(unattributed, max(remaining[parent], Decimal(0)))
        remaining[parent] -= taken
        unattributed -= taken
    return {parent: left for parent, left in remaining.items() if left > 0}


def _split(amount: Decimal, remaining: dict[str, Decimal], order: Mapping[str, Any]) -> list[RefundTransaction]:
    gateways = {str(t.get("id")): str(t.get("gateway") or "") for t in order.get("transactions") or []
                if isinstance(t, Mapping)}
    result = []
    for parent in sorted(remaining, key=lambda p: remaining[p], reverse=True):
        if amount <= 0:
            break
        part = min(amount, remaining[parent])
        result.append(RefundTransaction(parent, gateways.get(parent, ""), part))
        amount -= part
    return result


def _amount(transaction: Mapping[str, Any]) -> Decimal:
    return Decimal(str(((transaction.get("amountSet") or {}).get("shopMoney") or {}).get("amount") or "0"))


def _nodes(connection: Any) -> list[Mapping[str, Any]]:
    if not isinstance(connection, Mapping):
        return []
    return [node for node in connection.get("nodes") or [] if isinstance(node, Mapping)]
