"""The rules of cancelling a supplier order: when it can be asked, what a request must say, how the
answer reads, what the supplier owes back, and when an undecided request needs the merchant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from ordercenter.domain.cancellations import (
    DECISION_ALERT_AFTER,
    CancellationFollowUp,
    CancellationReason,
    CancellationRequest,
)
from ordercenter.domain.errors import InvalidInput, NotAllowed
from ordercenter.domain.money import Money
from ordercenter.domain.orders import Order
from ordercenter.domain.policies import PaymentMethod
from ordercenter.domain.protection import refund_eta
from ordercenter.domain.status import CancellationStatus, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder

SO = SupplierOrderStatus

# Placed (awaiting payment) or paid (awaiting shipment): the supplier can still keep the parcel.
CANCELLABLE_STATUSES = frozenset({SO.PLACED, SO.PAID})
# Once the parcel has left, only a return/refund request (a dispute) gets money back.
SHIPPED_STATUSES = frozenset({SO.SHIPPED, SO.DELIVERED, SO.COMPLETED})

NOTE_MAX_LENGTH = 1000

REASON_LABELS: dict[CancellationReason, str] = {
    CancellationReason.CUSTOMER_CHANGED_MIND: "the customer changed their mind",
    CancellationReason.OUT_OF_STOCK: "the supplier is out of stock",
    CancellationReason.SHIPPING_TOO_SLOW: "shipping is too slow",
    CancellationReason.WRONG_ITEM_ORDERED: "the wrong item or variant was ordered",
    CancellationReason.PRICE_CHANGED: "the price changed",
    CancellationReason.WRONG_ADDRESS: "the shipping address is wrong",
    CancellationReason.OTHER: "other",
}

# Shopify's OrderCancelReason closest to each of our reasons, for `orderCancel` on the store.
_STORE_CANCEL_REASONS: dict[CancellationReason, str] = {
    CancellationReason.CUSTOMER_CHANGED_MIND: "CUSTOMER",
    CancellationReason.OUT_OF_STOCK: "INVENTORY",
    CancellationReason.SHIPPING_TOO_SLOW: "OTHER",
    CancellationReason.WRONG_ITEM_ORDERED: "STAFF",
    CancellationReason.PRICE_CHANGED: "OTHER",
    CancellationReason.WRONG_ADDRESS: "CUSTOMER",
    CancellationReason.OTHER: "OTHER",
}


def _choices(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def parse_reason(value: str) -> CancellationReason:
    """The reason from the fixed list; anything else is refused naming the choices."""
    try:
        return CancellationReason(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"reason '{value}' is not one of {_choices([r.value for r in CancellationReason])}",
                           field="reason") from None


def parse_follow_up(value: str) -> CancellationFollowUp:
    """What to do once approved: reorder, or cancel the store order too."""
    try:
        return CancellationFollowUp(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"then '{value}' is not one of {_choices([f.value for f in CancellationFollowUp])}",
                           field="then") from None


def checked_note(reason: CancellationReason, note: str | None) -> str:
    """The note, trimmed; 'other' needs one, since the supplier must read why."""
    text = (note or "").strip()
    if reason is CancellationReason.OTHER and not text:
        raise InvalidInput("the reason 'other' needs a note saying why", field="note")
    if len(text) > NOTE_MAX_LENGTH:
        raise InvalidInput(f"the note is {len(text)} characters long; at most {NOTE_MAX_LENGTH} are allowed",
                           field="note")
    return text


def returns_path(supplier_order_id: int) -> str:
    """Where a return/refund request for this supplier order is opened."""
    return f"POST /api/v1/supplier-orders/{supplier_order_id}/returns"


def check_cancellable(supplier_order_id: int, status: SupplierOrderStatus, *, placed: bool) -> None:
    """Refuse a cancellation the supplier cannot take, saying what to do instead."""
    if status in SHIPPED_STATUSES:
        raise NotAllowed(f"supplier order {supplier_order_id} has already shipped ({status.value}), so it can no "
                         "longer be cancelled; open a return/refund request instead "
                         f"({returns_path(supplier_order_id)})", field="status")
    if status is SO.CANCELLED:
        raise NotAllowed(f"supplier order {supplier_order_id} is already cancelled", field="status")
    if status not in CANCELLABLE_STATUSES or not placed:
        raise NotAllowed(f"supplier order {supplier_order_id} has not been placed with the supplier yet, so there "
                         "is nothing to cancel there", field="status")


def supplier_reason_text(reason: CancellationReason, note: str) -> str:
    """The reason as the supplier reads it."""
    label = REASON_LABELS[reason]
    if reason is CancellationReason.OTHER:
        return note
    return f"{label}: {note}" if note else label


def store_cancel_reason(reason: CancellationReason) -> str:
    """Shopify's `OrderCancelReason` for a store order cancelled because of this supplier cancellation."""
    return _STORE_CANCEL_REASONS[reason]


def checked_decision(value: CancellationStatus | str) -> CancellationStatus:
    """A decision is approved or rejected; pending is no decision."""
    try:
        status = CancellationStatus(value)
    except ValueError:
        status = CancellationStatus.PENDING
    if status is CancellationStatus.PENDING:
        raise InvalidInput(f"decision '{value}' is not one of 'approved', 'rejected'", field="decision")
    return status


@dataclass(frozen=True)
class RefundExpected:
    """What the supplier gives back for an approved cancellation of a paid order, and when it arrives."""

    amount: Decimal
    currency: str
    expected_from: date
    expected_by: date


def expected_refund(*, paid: bool, amount: Decimal, currency: str, method: PaymentMethod,
                    payer_country: str | None, decided_at: datetime) -> RefundExpected | None:
    """The refund an approval brings (None when nothing was paid): issued on the decision day."""
    if not paid or amount <= 0:
        return None
    window = refund_eta(method, payer_country, now=decided_at, issued_at=decided_at).window
    return RefundExpected(amount, currency, window.earliest, window.latest)


def undecided_too_long(requested_at: datetime, now: datetime) -> bool:
    """True once a pending request has waited `DECISION_ALERT_AFTER` for the supplier."""
    return now - requested_at >= DECISION_ALERT_AFTER


def undecided_message(requested_at: datetime, now: datetime) -> str:
    hours = int((now - requested_at) / timedelta(hours=1))
    return (f"the cancellation asked {hours} hours ago is still not decided by the supplier; check the order on "
            "the supplier's site and record the decision, or message the seller")


# ---------------------------------------------------------------- what the merchant reads


def _order_path(order: Order) -> str:
    return f"/orders/{order.id}"


def _refund_text(request: CancellationRequest) -> str:
    if request.refund_amount is None:
        return "Refund: nothing was paid for this supplier order, so no refund is due."
    amount = Money(request.refund_amount, request.currency).rounded()
    dates = ""
    if request.refund_expected_from and request.refund_expected_by:
        dates = (f", expected between {request.refund_expected_from:%Y-%m-%d} and "
                 f"{request.refund_expected_by:%Y-%m-%d}")
    return f"Refund: {amount.amount} {amount.currency} back to the original payment method{dates}."


def _next_text(request: CancellationRequest, so: SupplierOrder, order: Order) -> str:
    if request.status is CancellationStatus.REJECTED:
        return ("Next: the order continues and the supplier ships it as planned. If the customer no longer wants "
                "it, open a return/refund request once it has arrived "
                f"({returns_path(so.id)}).")
    if request.follow_up is CancellationFollowUp.CANCEL_ON_STORE:
        return ("Next: Order Center cancels the order on the store as you chose (refund the customer: "
                f"{'yes' if request.store_refund else 'no'}, restock: {'yes' if request.store_restock else 'no'}, "
                f"notify the customer: {'yes' if request.notify_customer else 'no'}); the order's timeline shows "
                "the result.")
    return (f"Next: order {order.name} is back in 'to order': place it again, for example from the backup "
            f"product (POST /api/v1/orders/{order.id}/reorder, or 'ordercenter orders place').")


def decision_email(request: CancellationRequest, so: SupplierOrder, order: Order) -> tuple[str, str]:
    """The subject and text of the e-mail that tells the merchant the supplier's decision."""
    approved = request.status is CancellationStatus.APPROVED
    verb = "approved" if approved else "refused"
    seller = so.seller_name or "the supplier"
    words = f'The supplier\'s words: "{request.decision_note}"' if request.decision_note \
        else "The supplier gave no reason."
    paragraphs = [
        f"The supplier {verb} the cancellation of supplier order {so.supplier_order_id} ({seller}) for order "
        f"{order.name}. You asked on {request.requested_at:%Y-%m-%d %H:%M} UTC because "
        f"{supplier_reason_text(request.reason, request.note)}.",
        words,
    ]
    if approved:
        paragraphs.append(_refund_text(request))
    paragraphs += [_next_text(request, so, order),
                   f"Open the order in Order Center ({_order_path(order)}) to see its timeline."]
    return f"Order {order.name}: the supplier {verb} the cancellation", "\n\n".join(paragraphs)


def follow_up_failed_email(request: CancellationRequest, order: Order, message: str) -> tuple[str, str]:
    """The e-mail when the approved cancellation could not be carried to the store order."""
    text = (f"The supplier cancelled its order for {order.name}, but cancelling the order on the store failed: "
            f"{message}.\n\nCancel it on the store yourself, or reorder it from Order Center "
            f"({_order_path(order)}).")
    return f"Order {order.name}: not cancelled on the store", text
