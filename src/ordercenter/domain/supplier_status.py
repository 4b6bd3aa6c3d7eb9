"""What the supplier's own status values mean for our supplier order: a table, and the walk to get there.

AliExpress reports two axes per order (`order_status` and `logistics_status`) plus, once an order is
FINISH, an `end_reason` telling a close-before-shipping (cancelled, unpaid) from a normal completion.
We read both axes and keep the most advanced reading, because the logistics axis often moves first
(the parcel is delivered while the order still says WAIT_BUYER_ACCEPT_GOODS).

A supplier that jumps (placed straight to shipped between two polls) is followed step by step through
the transition table, so every intermediate stamp and timeline row exists; readings that would move
an order backwards are ignored (regional replication lag can serve an older answer).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ordercenter.domain.status import SUPPLIER_ORDER_TRANSITIONS, SupplierOrderStatus

SO = SupplierOrderStatus

# `order_status` → our status; None means "says nothing about progress" (keep what we have).
ORDER_STATUS_TABLE: dict[str, SupplierOrderStatus | None] = {
    "PLACE_ORDER_SUCCESS": SO.PLACED,  # placed, awaiting payment
    "PAYMENT_PROCESSING": SO.PLACED,  # payment started but not confirmed: not paid yet
    "WAIT_COMPLETE_ADDRESS": SO.PLACED,  # the supplier wants a better address before payment
    "WAIT_SELLER_EXAMINE_MONEY": SO.PAID,  # money left the buyer; the seller checks it
    "FUND_PROCESSING": SO.PAID,  # older seller-side name of the same step
    "RISK_CONTROL": SO.PAID,  # 24 h risk check after payment
    "RISK_CONTROL_HOLD": SO.PAID,
    "WAIT_GROUP": SO.PAID,  # paid group-buy waiting for its group
    "WAIT_SELLER_SEND_GOODS": SO.PAID,  # paid, awaiting shipment
    "SELLER_PART_SEND_GOODS": SO.SHIPPED,  # some packages left: the order is on its way
    "WAIT_BUYER_ACCEPT_GOODS": SO.SHIPPED,  # shipped, the buyer has not confirmed receipt
    "BUYER_ACCEPT_GOODS": SO.DELIVERED,  # the buyer confirmed receipt
    "IN_CANCEL": None,  # a cancellation is pending: the cancellation flow decides
    "IN_ISSUE": None,  # a dispute is open: the return flow follows it
    "IN_FROZEN": None,
    "FINISH": None,  # decided with end_reason and how far the order got (see `supplier_target`)
}

# `logistics_status` → our status.
LOGISTICS_STATUS_TABLE: dict[str, SupplierOrderStatus | None] = {
    "DEFAULT": None,
    "NO_LOGISTICS": None,
    "WAIT_SELLER_SEND_GOODS": None,  # says paid-or-not nothing; order_status does
    "SELLER_SEND_PART_GOODS": SO.SHIPPED,
    "SELLER_SEND_GOODS": SO.SHIPPED,
    "BUYER_ACCEPT_GOODS": SO.DELIVERED,
}

# `end_reason` values that close an order before it shipped. AliExpress documents only CANCELED;
# PAY_TIMEOUT is what an unpaid order closes with after its payment deadline.
CANCEL_END_REASONS = frozenset({"CANCELED", "CANCELLED", "PAY_TIMEOUT", "BUYER_CANCEL", "SELLER_CANCEL",
                                "RISK_REJECT", "SELLER_SEND_GOODS_TIMEOUT"})

_PROGRESS = (SO.DRAFT, SO.PLACED, SO.PAID, SO.SHIPPED, SO.DELIVERED, SO.COMPLETED)
_NOT_SHIPPED = frozenset({SO.DRAFT, SO.PLACED, SO.PAID})


@dataclass(frozen=True)
class SupplierReading:
    """The supplier's answer about one order, in its own words."""

    order_status: str
    logistics_status: str | None = None
    end_reason: str | None = None


def _rank(status: SupplierOrderStatus) -> int:
    return _PROGRESS.index(status)


def supplier_target(reading: SupplierReading, current: SupplierOrderStatus) -> SupplierOrderStatus | None:
    """The status the supplier's answer puts our order in, or None when it changes nothing we track."""
    if current is SO.CANCELLED:
        return None  # terminal: nothing the supplier says reopens it
    from_order = ORDER_STATUS_TABLE.get(reading.order_status)
    from_logistics = LOGISTICS_STATUS_TABLE.get(reading.logistics_status or "")
    readings = [s for s in (from_order, from_logistics) if s is not None]
    if reading.order_status == "FINISH":
        went_out = current not in _NOT_SHIPPED or from_logistics is not None
        if not went_out and (reading.end_reason or "").upper() in CANCEL_END_REASONS:
            return SO.CANCELLED
        if not went_out and not reading.end_reason:
            # Closed before shipping without a reason: AliExpress does not disclose why it cancels.
            return SO.CANCELLED
        readings.append(SO.COMPLETED)
    if not readings:
        return None
    target = max(readings, key=_rank)
    return target if _rank(target) > _rank(current) else None


def steps_to(current: SupplierOrderStatus, target: SupplierOrderStatus) -> list[SupplierOrderStatus]:
    """The shortest walk through the allowed transitions from `current` to `target` (excluded/included);
    empty when already there or when the table allows no way (e.g. shipped → cancelled)."""
    if current is target:
        return []
    parents: dict[SupplierOrderStatus, SupplierOrderStatus | None] = {current: None}
    queue = deque([current])
    while queue and target not in parents:
        state = queue.popleft()
        for nxt in sorted(SUPPLIER_ORDER_TRANSITIONS.allowed.get(state, frozenset()), key=_rank_or_last):
            # Never pass through a cancellation on the way somewhere else.
            if nxt in parents or (nxt is SO.CANCELLED and target is not SO.CANCELLED):
                continue
            parents[nxt] = state
            queue.append(nxt)
    if target not in parents:
        return []
    path: list[SupplierOrderStatus] = []
    step: SupplierOrderStatus | None = target
    while step is not None and step is not current:
        path.append(step)
        step = parents[step]
    return list(reversed(path))


def _rank_or_last(status: SupplierOrderStatus) -> int:
    return _PROGRESS.index(status) if status in _PROGRESS else len(_PROGRESS)


def automatic_payment_taken(order_status: str) -> bool | None:
    """Right after a placement that asked the supplier to charge the account: True when it was paid,
    False when the order still simply awaits payment (the charge was not taken), None when undecided."""
    if order_status == "PLACE_ORDER_SUCCESS":
        return False
    target = ORDER_STATUS_TABLE.get(order_status)
    if target is not None and _rank(target) >= _rank(SO.PAID):
        return True
    return None
