"""Duplicating an order fulfilled on the store by mistake: when it is allowed, and how a copy names its original.

The remedy for "marked fulfilled on Shopify while nothing was ordered from the supplier" is a copy of
the order on the store (paid, unfulfilled, no receipt sent) that goes through the normal flow. It
carries the original's prices, shipping, tax and discounts, so its total, and the margin its
placement shows, are the original's. The original is then done: it leaves the attention list (its
stage is completed, see domain/stages.py). One original gets at most one copy: a second copy would
ship the customer's parcel twice.

A copy that is itself fulfilled by mistake may be duplicated in turn: it is an ordinary paid order
in the same trouble, and the one-copy-per-order rule still holds for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from ordercenter.domain.orders import Order
from ordercenter.domain.snapshots import OrderSnapshot
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder

# The tag every copy carries on the store: how an operator (and `link_pending_duplicates`) recognizes one.
DUPLICATE_TAG = "ordercenter-duplicate"

_FULFILLED_ON_STORE = frozenset({FulfillmentStatus.FULFILLED, FulfillmentStatus.PARTIALLY_FULFILLED})
_REFUNDED = frozenset({FinancialStatus.REFUNDED, FinancialStatus.VOIDED, FinancialStatus.EXPIRED})
_NOTE_PATTERN = re.compile(r"Duplicate of (?P<name>\S+) \(store order (?P<platform_id>\d+)\)")


class DuplicationPhase(StrEnum):
    """The steps of one duplication, kept as `phase` on the `order_duplicated` timeline events."""

    REQUESTED = "requested"  # the original is claimed; the store is being asked for a copy
    RELEASED = "released"  # the attempt ended without a copy (the store refused, or never got it)
    DUPLICATED = "duplicated"  # the original's side: the copy exists and is linked
    COPY_LINKED = "copy_linked"  # the copy's side: it was linked to its original


@dataclass(frozen=True)
class DuplicationMark:
    """One `order_duplicated` event of an original's timeline, reduced to what the claim rule needs."""

    event_id: int
    phase: DuplicationPhase
    at: datetime
    closes: int | None = None  # the request a release or a link ends (the event's related_event_id)


@dataclass(frozen=True)
class CopyCharges:
    """What the copy charges besides its lines (at the original's unit prices): the original's amounts."""

    shipping: Decimal
    tax: Decimal
    tax_rate: Decimal  # the tax over the discounted subtotal; the store wants a rate with the amount
    taxes_included: bool  # the original's prices held the tax: its total did not add it again
    discount: Decimal  # line and order discounts together


def copy_charges(original: OrderSnapshot) -> CopyCharges:
    """The shipping, tax and discount a copy must carry so that its total is the original's."""
    taxed = original.subtotal_price
    rate = (original.total_tax / taxed).quantize(Decimal("0.0001")) if taxed > 0 else Decimal(0)
    included = original.total_tax > 0 and original.subtotal_price + original.total_shipping == original.total_price
    return CopyCharges(shipping=original.total_shipping, tax=original.total_tax, tax_rate=rate,
                       taxes_included=included, discount=original.total_discounts)


def duplicate_note(original_name: str, platform_order_id: str) -> str:
    """The note a copy carries on the store; it names the original in words and by its store id."""
    return (f"Duplicate of {original_name} (store order {platform_order_id}): reshipped by Order Center "
            "because the original was marked fulfilled on the store by mistake.")


def original_named_by(note: str, tags: Sequence[str]) -> str | None:
    """The store id of the original a copy's note names, when the order is a copy made by Order Center."""
    if DUPLICATE_TAG not in tags:
        return None
    match = _NOTE_PATTERN.search(note)
    return match.group("platform_id") if match else None


def open_claim(marks: Sequence[DuplicationMark]) -> DuplicationMark | None:
    """The latest request of a duplication that no release or link has ended yet."""
    ended = {m.closes for m in marks if m.phase in (DuplicationPhase.RELEASED, DuplicationPhase.DUPLICATED)}
    requests = [m for m in marks if m.phase is DuplicationPhase.REQUESTED and m.event_id not in ended]
    return max(requests, key=lambda m: m.event_id) if requests else None


def duplication_refusal(order: Order, supplier_orders: Sequence[SupplierOrder], existing_copy: Order | None,
                        *, in_progress_since: datetime | None = None) -> str | None:
    """Why this order may not be duplicated, in the merchant's words; None when it may.

    `existing_copy` is an order already linked as its duplicate; `in_progress_since` is when a
    duplication that has not finished yet was requested.
    """
    if existing_copy is not None:
        return f"{order.name} was already duplicated as {existing_copy.name}"
    if in_progress_since is not None:
        return (f"a duplicate of {order.name} is already being created on the store "
                f"(requested at {in_progress_since:%Y-%m-%d %H:%M} UTC)")
    ordered = [so for so in supplier_orders if so.status is not SupplierOrderStatus.CANCELLED]
    if ordered:
        described = ", ".join(_describe(so) for so in ordered)
        return f"{order.name} was already ordered from the supplier: {described}"
    if order.is_cancelled_on_store:
        return f"{order.name} is cancelled on the store"
    if order.financial_status in _REFUNDED:
        return f"{order.name} is {order.financial_status.value} on the store: the customer did not pay for it"
    if order.fulfillment_status not in _FULFILLED_ON_STORE:
        return (f"only an order fulfilled on the store can be duplicated; {order.name} is "
                f"{order.fulfillment_status.value.replace('_', ' ')}")
    if order.financial_status not in (FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED):
        # The copy is created as paid: reshipping an unpaid order would give it away.
        return f"{order.name} is not paid ({order.financial_status.value.replace('_', ' ')})"
    return None


def _describe(so: SupplierOrder) -> str:
    reference = f"supplier order {so.supplier_order_id}" if so.supplier_order_id else "a supplier order"
    seller = f" from {so.seller_name}" if so.seller_name else ""
    return f"{reference}{seller} ({so.status.value})"
