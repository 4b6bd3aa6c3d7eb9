"""Refunding an order (refundCreate): quantities, shipping and money checked against what is left."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ordercenter.sandbox.shopify.records import Order, Refund, Transaction, round_money
from ordercenter.sandbox.shopify.user_errors import UserError, UserErrorsRaised


@dataclass
class RefundTransactionSpec:
    amount: Decimal
    gateway: str
    kind: str
    parent_id: int | None


@dataclass
class RefundSpec:
    #: (line item id, quantity, restock type)
    lines: list[tuple[int, int, str]] = field(default_factory=list)
    shipping_amount: Decimal | None = None
    shipping_full: bool = False
    transactions: list[RefundTransactionSpec] = field(default_factory=list)
    note: str | None = None
    currency: str | None = None


def refunded_shipping(order: Order) -> Decimal:
    return sum((refund.shipping for refund in order.refunds), Decimal("0"))


def refund(order: Order, spec: RefundSpec, next_id: Callable[[str], int], now: datetime) -> Refund:
    """Record a refund; money moves only through `spec.transactions`, as on Shopify."""
    errors: list[UserError] = []
    for i, (line_item_id, quantity, _) in enumerate(spec.lines):
        line = order.line_item(line_item_id)
        field_path = ["refundLineItems", str(i)]
        if line is None:
            errors.append(UserError([*field_path, "lineItemId"], "Line item does not exist."))
        elif quantity <= 0 or quantity > line.current_quantity:
            errors.append(UserError(
                [*field_path, "quantity"],
                f"Quantity cannot refund more items than were purchased ({line.current_quantity} refundable).",
            ))
    shipping_left = order.shipping_price - refunded_shipping(order)
    shipping = shipping_left if spec.shipping_full else (spec.shipping_amount or Decimal("0"))
    if shipping < 0 or shipping > shipping_left:
        errors.append(UserError(["shipping", "amount"],
                                f"Shipping refund amount must be between 0 and {shipping_left}."))
    if spec.transactions and order.presentment_currency != order.currency:
        if spec.currency is None:
            errors.append(UserError(["currency"], "Currency is required when the presentment currency "
                                                  "differs from the shop currency."))
    if spec.currency is not None and spec.currency != order.presentment_currency:
        errors.append(UserError(["currency"], f"Currency must be {order.presentment_currency}, the order's "
                                              "presentment currency."))
    parents = {t.id: t for t in order.transactions}
    total = Decimal("0")
    for i, spec_tx in enumerate(spec.transactions):
        field_path = ["transactions", str(i)]
        if spec_tx.kind != "REFUND":
            errors.append(UserError([*field_path, "kind"], "Transaction kind must be REFUND."))
        if spec_tx.amount <= 0:
            errors.append(UserError([*field_path, "amount"], "Amount must be greater than zero."))
        if spec_tx.parent_id is not None:
            parent = parents.get(spec_tx.parent_id)
            if parent is None or parent.kind not in ("SALE", "CAPTURE") or parent.status != "SUCCESS":
                errors.append(UserError([*field_path, "parentId"], "Parent transaction does not exist."))
        total += spec_tx.amount
    if total > order.refundable:
        errors.append(UserError(
            ["transactions"],
            f"Refund amount {total} {order.presentment_currency} is greater than the refundable amount "
            f"{order.refundable} {order.presentment_currency}.",
        ))
    if errors:
        raise UserErrorsRaised(errors)

    for line_item_id, quantity, _ in spec.lines:
        line = order.line_item(line_item_id)
        assert line is not None  # checked above
        line.refunded_quantity += quantity
        _remove_unfulfilled(order, line_item_id, quantity, now)
    default_parent = next((t.id for t in order.transactions
                           if t.kind in ("SALE", "CAPTURE") and t.status == "SUCCESS"), None)
    transaction_ids: list[int] = []
    for spec_tx in spec.transactions:
        tx = Transaction(
            id=next_id("OrderTransaction"), kind="REFUND", status="SUCCESS",
            amount=round_money(spec_tx.amount, order.presentment_currency), gateway=spec_tx.gateway,
            created_at=now, parent_id=spec_tx.parent_id or default_parent,
        )
        order.transactions.append(tx)
        transaction_ids.append(tx.id)
    record = Refund(
        id=next_id("Refund"), created_at=now, note=spec.note, lines=list(spec.lines), shipping=shipping,
        transaction_ids=transaction_ids, amount=total,
    )
    order.refunds.append(record)
    if order.refunded > 0:
        order.financial_status = "REFUNDED" if order.refundable <= 0 else "PARTIALLY_REFUNDED"
    order.updated_at = now
    return record


def _remove_unfulfilled(order: Order, line_item_id: int, quantity: int, now: datetime) -> None:
    """Refunded units that were not shipped yet leave the fulfillment orders (Shopify's CANCEL restock)."""
    left = quantity
    for fo in order.fulfillment_orders:
        for line in fo.lines:
            if line.line_item_id == line_item_id and left > 0 and line.remaining_quantity > 0:
                taken = min(left, line.remaining_quantity)
                line.remaining_quantity -= taken
                line.total_quantity -= taken
                left -= taken
                fo.updated_at = now
        if fo.status in ("OPEN", "IN_PROGRESS") and all(line.remaining_quantity == 0 for line in fo.lines):
            fo.status = "CLOSED"
