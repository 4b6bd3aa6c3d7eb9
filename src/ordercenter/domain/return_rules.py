"""The rules of a return/refund request: when one can be opened, what it may ask, which merchant action
each status allows, and how the supplier's dispute statuses move it. Pure: time is passed in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum

from ordercenter.domain.errors import Conflict, InvalidInput, NotAllowed
from ordercenter.domain.money import Money, minor_units, parse_amount
from ordercenter.domain.policies import ProtectionRules, protection_last_day
from ordercenter.domain.returns import ReturnKind, ReturnReason
from ordercenter.domain.status import RETURN_TRANSITIONS, ReturnStatus, SupplierOrderStatus

RS = ReturnStatus

# Photos or a video are what a seller (and the platform, on escalation) decides these on; a parcel that
# never came cannot be photographed (its tracking speaks for it) and "other" is explained in words.
REASONS_NEEDING_EVIDENCE = frozenset(
    {ReturnReason.NOT_AS_DESCRIBED, ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM, ReturnReason.COUNTERFEIT})
MAX_DESCRIPTION = 2000
# Shipped, delivered or completed: the goods are on their way or arrived. Before that, cancel instead.
OPENABLE_SUPPLIER_STATUSES = frozenset(
    {SupplierOrderStatus.SHIPPED, SupplierOrderStatus.DELIVERED, SupplierOrderStatus.COMPLETED})


def _choices(values: Iterable[StrEnum]) -> str:
    return ", ".join(v.value for v in values)


def parse_kind(value: str) -> ReturnKind:
    try:
        return ReturnKind(value.strip())
    except ValueError:
        raise InvalidInput(f"'{value}' is not a kind of request; choose one of: {_choices(ReturnKind)}",
                           field="kind") from None


def parse_reason(value: str) -> ReturnReason:
    try:
        return ReturnReason(value.strip())
    except ValueError:
        raise InvalidInput(f"'{value}' is not in the list of reasons; choose one of: {_choices(ReturnReason)}",
                           field="reason") from None


def needs_evidence(reason: ReturnReason) -> bool:
    return reason in REASONS_NEEDING_EVIDENCE


def check_kind_fits_reason(kind: ReturnKind, reason: ReturnReason) -> None:
    if kind is ReturnKind.RETURN_AND_REFUND and reason is ReturnReason.NOT_RECEIVED:
        raise InvalidInput("nothing can be sent back when nothing arrived: ask for a refund only", field="kind")


def check_description(reason: ReturnReason, description: str) -> str:
    text = description.strip()
    if reason is ReturnReason.OTHER and not text:
        raise InvalidInput("with the reason 'other', the description must say what is wrong", field="description")
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(f"the description is {len(text)} characters; at most {MAX_DESCRIPTION}",
                           field="description")
    return text


def parse_country(value: str | None, *, field: str = "payer_country") -> str | None:
    """An upper-case two-letter ISO 3166 country code, or None when not given."""
    if value is None or not value.strip():
        return None
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha() or not code.isascii():
        raise InvalidInput(f"'{value}' is not a two-letter country code", field=field)
    return code


def refundable(paid: Money, refunded_before: Iterable[Money]) -> Money:
    """What can still be asked back: what was paid less what earlier requests already recovered."""
    left = paid
    for amount in refunded_before:
        left = left - amount
    return left if left.amount > 0 else Money.zero(paid.currency)


def parse_requested_amount(value: object, refundable_now: Money, *, field: str = "amount") -> Money:
    """The amount asked for: positive, in the currency's decimals, never more than was paid."""
    amount = Money(parse_amount(value, field=field), refundable_now.currency)
    if amount.amount <= 0:
        raise InvalidInput("the amount asked for must be more than zero", field=field)
    if amount.amount != round(amount.amount, minor_units(amount.currency)):
        raise InvalidInput(f"{amount.currency} amounts have at most {minor_units(amount.currency)} decimals",
                           field=field)
    if refundable_now < amount:
        raise InvalidInput(f"the amount asked for ({amount}) is more than was paid for this supplier order "
                           f"and not refunded yet ({refundable_now.rounded()})", field=field)
    return amount


def check_can_open(status: SupplierOrderStatus, label: str) -> None:
    """A return/refund needs goods on their way; before shipping the answer is a cancellation."""
    if status in OPENABLE_SUPPLIER_STATUSES:
        return
    if status is SupplierOrderStatus.CANCELLED:
        raise NotAllowed(f"supplier order {label} was cancelled; its refund comes with the cancellation, "
                         "there is nothing to return", field="supplier_order_id")
    raise NotAllowed(f"supplier order {label} has not shipped yet ({status.value}): ask the supplier to cancel it "
                     "instead (a cancellation request), a return/refund is for goods that have shipped",
                     field="supplier_order_id")


def check_window_open(now: datetime, placed_at: datetime, rules: ProtectionRules,
                      delivered_at: datetime | None = None) -> date:
    """The last day of the buyer protection, or NotAllowed saying on which date it closed and why."""
    last = protection_last_day(placed_at, rules, delivered_at)
    if now.date() <= last:
        return last
    if delivered_at is not None and last < placed_at.date() + timedelta(days=rules.window_days):
        why = f"{rules.days_after_delivery} days after delivery on {delivered_at:%Y-%m-%d}"
    else:
        why = f"{rules.window_days} days after it was placed"
    raise NotAllowed(f"the buyer protection of this supplier order closed on {last.isoformat()} ({why}): "
                     "a return/refund can no longer be opened", field="protection")


def check_no_other_request(open_ids: Iterable[int]) -> None:
    found = sorted(open_ids)
    if found:
        raise Conflict(f"return/refund request {found[0]} is already open for this supplier order; follow it "
                       "(or close it) instead of opening another", field="supplier_order_id")


# ---------------------------------------------------------------- what the merchant may do


class ReturnAction(StrEnum):
    """What a merchant can do to a return/refund request, depending on its status."""

    RECORD_DISPUTE = "record_dispute"  # opened by hand on the supplier's site: record its dispute number
    DECIDE = "decide"  # record the supplier's decision (assisted, or what an operator saw)
    SHIP_RETURN = "ship_return"  # the goods went back, with a tracking number
    REFUND_ISSUED = "refund_issued"  # the supplier issued the refund
    REFUND_ARRIVED = "refund_arrived"  # the money reached the payer
    ESCALATE = "escalate"  # ask the platform to decide a refused dispute
    CLOSE = "close"  # drop an open request, or close a refused one


_VERBS = {
    ReturnAction.RECORD_DISPUTE: "record a dispute number", ReturnAction.DECIDE: "record a decision",
    ReturnAction.SHIP_RETURN: "record the return shipment", ReturnAction.REFUND_ISSUED: "record the refund",
    ReturnAction.REFUND_ARRIVED: "confirm the refund arrived", ReturnAction.ESCALATE: "be escalated",
    ReturnAction.CLOSE: "be closed",
}

A = ReturnAction
ALLOWED_ACTIONS: dict[ReturnStatus, frozenset[ReturnAction]] = {
    RS.SUBMITTED: frozenset({A.RECORD_DISPUTE, A.DECIDE, A.CLOSE}),
    RS.UNDER_REVIEW: frozenset({A.DECIDE, A.ESCALATE, A.CLOSE}),
    RS.APPROVED: frozenset({A.REFUND_ISSUED, A.CLOSE}),
    RS.AWAITING_RETURN: frozenset({A.SHIP_RETURN, A.CLOSE}),
    RS.RETURN_SHIPPED: frozenset({A.REFUND_ISSUED, A.CLOSE}),
    RS.REFUND_PENDING: frozenset({A.REFUND_ARRIVED}),
    RS.REJECTED: frozenset({A.ESCALATE, A.CLOSE}),
}


def allowed_actions(status: ReturnStatus, *, escalated: bool = False) -> list[ReturnAction]:
    """The merchant's possible actions now, in a stable order (a dispute is escalated once)."""
    found = ALLOWED_ACTIONS.get(status, frozenset())
    return [a for a in ReturnAction if a in found and not (a is A.ESCALATE and escalated)]


def check_action(status: ReturnStatus, action: ReturnAction, *, escalated: bool = False) -> None:
    if action in allowed_actions(status, escalated=escalated):
        return
    if action is A.ESCALATE and escalated:
        raise Conflict("this dispute was escalated already; the platform's decision is final", field="status")
    possible = ", ".join(a.value for a in allowed_actions(status, escalated=escalated)) or "nothing: it is finished"
    raise NotAllowed(f"a return request that is {status.value} cannot {_VERBS[action]} (possible now: {possible})",
                     field="status")


def close_status(status: ReturnStatus) -> ReturnStatus:
    """Closing a refused dispute (or one whose goods went back without a refund) closes it; closing any
    other open one means the merchant dropped it."""
    return RS.CLOSED if status in (RS.REJECTED, RS.RETURN_SHIPPED) else RS.WITHDRAWN


# ---------------------------------------------------------------- following the supplier's dispute

# The sandbox supplier's dispute statuses (real AliExpress has no buyer dispute API) and what each means here.
SUPPLIER_DISPUTE_STATUSES: dict[str, ReturnStatus] = {
    "WAIT_SELLER_RESPONSE": RS.UNDER_REVIEW,
    "IN_PLATFORM_ARBITRATION": RS.UNDER_REVIEW,  # escalated: the platform decides
    "SELLER_REFUSED": RS.REJECTED,  # may still be escalated
    "WAIT_BUYER_RETURN": RS.AWAITING_RETURN,  # accepted, return instructions given
    "RETURN_SHIPPED": RS.RETURN_SHIPPED,
    "REFUND_PENDING": RS.REFUND_PENDING,  # accepted without a return: the refund is on its way
    "REFUNDED": RS.REFUNDED,
    "CLOSED": RS.CLOSED,
}
ARBITRATION = "IN_PLATFORM_ARBITRATION"


def supplier_target(supplier_status: str, *, decided_by: str | None) -> ReturnStatus | None:
    """Where the supplier's status puts the request (None: a status we do not know, left alone)."""
    target = SUPPLIER_DISPUTE_STATUSES.get(supplier_status.upper())
    if target is RS.CLOSED and decided_by == "platform":
        return RS.REJECTED  # the platform refused after an escalation: final
    return target


_PATHS: dict[ReturnKind, tuple[ReturnStatus, ...]] = {
    ReturnKind.REFUND_ONLY: (RS.SUBMITTED, RS.UNDER_REVIEW, RS.APPROVED, RS.REFUND_PENDING, RS.REFUNDED),
    ReturnKind.RETURN_AND_REFUND: (RS.SUBMITTED, RS.UNDER_REVIEW, RS.APPROVED, RS.AWAITING_RETURN,
                                   RS.RETURN_SHIPPED, RS.REFUND_PENDING, RS.REFUNDED),
}


def route_to(kind: ReturnKind, current: ReturnStatus, target: ReturnStatus) -> list[ReturnStatus]:
    """The steps from `current` to `target` along the request's path, each one a transition the table
    allows; [] when already there or when it would go back (a late answer never undoes a newer fact)."""
    if target is current:
        return []
    path = _PATHS[kind]
    if current is RS.REJECTED and target in path[path.index(RS.UNDER_REVIEW):]:
        # Escalated at the supplier and decided there since we last looked.
        return [RS.UNDER_REVIEW, *route_to(kind, RS.UNDER_REVIEW, target)]
    if current in path and target in path:
        start, end = path.index(current), path.index(target)
        return list(path[start + 1:end + 1]) if end > start else []
    return [target] if RETURN_TRANSITIONS.can(current, target) else []


_SHIP_BY = re.compile(r"\bby (\d{4}-\d{2}-\d{2})\b")
_ADDRESS = re.compile(r"\b(?:back to|return address:)\s*(?P<address>.+?)(?:, quoting\b|, with a tracked\b|\n|$)",
                      re.IGNORECASE | re.DOTALL)


def parse_return_instructions(text: str | None) -> tuple[str | None, date | None]:
    """The address and the ship-by date found in the supplier's return instructions (None when absent)."""
    if not text:
        return None, None
    address_match = _ADDRESS.search(text)
    ship_by_match = _SHIP_BY.search(text)
    ship_by = None
    if ship_by_match:
        try:
            ship_by = date.fromisoformat(ship_by_match.group(1))
        except ValueError:
            ship_by = None
    return (address_match.group("address").strip() if address_match else None), ship_by
