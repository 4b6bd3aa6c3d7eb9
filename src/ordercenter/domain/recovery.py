"""What to do at the supplier once a customer got money back: the money paid to the supplier for the
same order may still be recovered. Order Center suggests; the merchant acts (nothing is sent by itself).

While a supplier order has not shipped, cancelling it gets the whole payment back. Once shipped, a
return/refund request (the dispute) can be opened until the protection window closes. After that,
or when nothing was bought, there is nothing to recover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ordercenter.domain.status import SupplierOrderStatus

SO = SupplierOrderStatus
_CANCELLABLE = frozenset({SO.PLACED, SO.PAID})
_DISPUTABLE = frozenset({SO.SHIPPED, SO.DELIVERED})


class RecoveryAction(StrEnum):
    """The step that gets the supplier's money back."""

    CANCEL_SUPPLIER_ORDER = "cancel_supplier_order"  # not shipped yet: cancel it, the supplier refunds
    OPEN_RETURN = "open_return"  # shipped: open a return/refund request while protection lasts
    UNDER_WAY = "under_way"  # a cancellation or return/refund request already recovers it
    NOTHING = "nothing"  # nothing was bought, or it is too late


@dataclass(frozen=True)
class SupplierSide:
    """One supplier order of the store order, as far as recovering its money goes."""

    supplier_order_id: int
    number: str | None  # the supplier's own order number
    seller: str
    status: SupplierOrderStatus
    protection_closes_on: date | None  # the last day a return/refund can be opened
    live_requests: tuple[str, ...] = ()  # e.g. "cancellation request 3 (pending)"


@dataclass(frozen=True)
class RecoverySuggestion:
    action: RecoveryAction
    message: str
    supplier_order_id: int | None = None
    act_by: date | None = None  # the last day the suggested step is possible


def _name(side: SupplierSide) -> str:
    seller = f" with {side.seller}" if side.seller else ""
    return f"supplier order {side.number or side.supplier_order_id}{seller}"


def suggest_recovery(sides: Sequence[SupplierSide], today: date) -> RecoverySuggestion:
    """The most useful step now: cancel what has not shipped, else dispute what has, soonest window first."""
    idle = [s for s in sides if not s.live_requests and s.status is not SO.CANCELLED]
    cancellable = [s for s in idle if s.status in _CANCELLABLE]
    if cancellable:
        side = cancellable[0]
        outcome = ("the supplier then refunds what was paid" if side.status is SO.PAID
                   else "it is not paid yet, so nothing more is spent")
        return RecoverySuggestion(RecoveryAction.CANCEL_SUPPLIER_ORDER,
                                  f"cancel {_name(side)} while it has not shipped; {outcome}", side.supplier_order_id)
    disputable = sorted((s for s in idle if s.status in _DISPUTABLE and s.protection_closes_on is not None
                         and s.protection_closes_on >= today),
                        key=lambda s: (s.protection_closes_on, s.supplier_order_id))
    if disputable:
        side = disputable[0]
        closes = side.protection_closes_on
        assert closes is not None  # filtered above
        days = (closes - today).days
        return RecoverySuggestion(
            RecoveryAction.OPEN_RETURN,
            f"{_name(side)} has shipped: open a return/refund request with the supplier by {closes.isoformat()} "
            f"({days} day{'s' if days != 1 else ''} left)", side.supplier_order_id, closes)
    under_way = [request for s in sides for request in s.live_requests]
    if under_way:
        return RecoverySuggestion(RecoveryAction.UNDER_WAY, "already being recovered: " + ", ".join(under_way))
    return RecoverySuggestion(RecoveryAction.NOTHING, _why_nothing(sides))


def _why_nothing(sides: Sequence[SupplierSide]) -> str:
    if not sides or all(s.status is SO.DRAFT for s in sides):
        return "nothing to recover: nothing was bought from the supplier for this order"
    bought = [s for s in sides if s.status not in (SO.DRAFT, SO.CANCELLED)]
    if not bought:
        return "nothing to recover: the supplier order was cancelled"
    completed = [s for s in bought if s.status is SO.COMPLETED]
    if completed:
        return f"nothing to recover: {_name(completed[0])} is completed, so the supplier takes no return/refund"
    last = max((s.protection_closes_on for s in bought if s.protection_closes_on is not None), default=None)
    closed = f" on {last.isoformat()}" if last else ""
    return f"nothing to recover: the supplier's protection window closed{closed}"
