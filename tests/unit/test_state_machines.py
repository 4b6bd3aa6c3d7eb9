"""Every allowed and every refused transition of each state machine, against the issue's wording."""

from __future__ import annotations

from enum import StrEnum
from itertools import product

import pytest

from ordercenter.domain.errors import InvalidTransition
from ordercenter.domain.status import (
    CANCELLATION_TRANSITIONS,
    CUSTOMER_REFUND_TRANSITIONS,
    RETURN_TRANSITIONS,
    SUPPLIER_ORDER_TRANSITIONS,
    CancellationStatus,
    CustomerRefundStatus,
    ReturnStatus,
    SupplierOrderStatus,
    TransitionTable,
)

SO = SupplierOrderStatus
SUPPLIER_ORDER_ALLOWED = {
    (SO.DRAFT, SO.PLACED), (SO.PLACED, SO.PAID), (SO.PAID, SO.SHIPPED), (SO.SHIPPED, SO.DELIVERED),
    (SO.DELIVERED, SO.COMPLETED),
    # cancelled from any state before shipped
    (SO.DRAFT, SO.CANCELLED), (SO.PLACED, SO.CANCELLED), (SO.PAID, SO.CANCELLED),
}
CR = CancellationStatus
CANCELLATION_ALLOWED = {(CR.PENDING, CR.APPROVED), (CR.PENDING, CR.REJECTED)}
RS = ReturnStatus
_ENDINGS = (RS.REJECTED, RS.WITHDRAWN, RS.CLOSED)
RETURN_ALLOWED = {
    (RS.SUBMITTED, RS.UNDER_REVIEW), (RS.UNDER_REVIEW, RS.APPROVED), (RS.APPROVED, RS.AWAITING_RETURN),
    (RS.AWAITING_RETURN, RS.RETURN_SHIPPED), (RS.RETURN_SHIPPED, RS.REFUND_PENDING),
    (RS.REFUND_PENDING, RS.REFUNDED),
    (RS.APPROVED, RS.REFUND_PENDING),  # refund only
    *((s, end) for s in (RS.SUBMITTED, RS.UNDER_REVIEW, RS.APPROVED, RS.AWAITING_RETURN) for end in _ENDINGS),
    # a returned parcel can still end without a refund (e.g. lost on the way back, settled elsewhere)
    (RS.RETURN_SHIPPED, RS.CLOSED),
    # a refused dispute is escalated (reviewed again) or closed
    (RS.REJECTED, RS.UNDER_REVIEW), (RS.REJECTED, RS.CLOSED),
}
CF = CustomerRefundStatus
CUSTOMER_REFUND_ALLOWED = {(CF.NEW, CF.REPLIED), (CF.REPLIED, CF.REFUNDED), (CF.REPLIED, CF.DECLINED),
                           (CF.REPLIED, CF.RESOLVED),
                           # a refund made directly on the store settles a request nobody answered yet
                           (CF.NEW, CF.REFUNDED)}

MACHINES: list[tuple[TransitionTable[StrEnum], type[StrEnum], set[tuple[StrEnum, StrEnum]]]] = [
    (SUPPLIER_ORDER_TRANSITIONS, SupplierOrderStatus, SUPPLIER_ORDER_ALLOWED),  # type: ignore[list-item]
    (CANCELLATION_TRANSITIONS, CancellationStatus, CANCELLATION_ALLOWED),  # type: ignore[list-item]
    (RETURN_TRANSITIONS, ReturnStatus, RETURN_ALLOWED),  # type: ignore[list-item]
    (CUSTOMER_REFUND_TRANSITIONS, CustomerRefundStatus, CUSTOMER_REFUND_ALLOWED),  # type: ignore[list-item]
]

CASES = [
    pytest.param(table, a, b, (a, b) in allowed, id=f"{table.entity}: {a.value}->{b.value}")
    for table, states, allowed in MACHINES
    for a, b in product(list(states), repeat=2)
    if a is not b
]


@pytest.mark.parametrize(("table", "current", "requested", "allowed"), CASES)
def test_transition_is_allowed_exactly_when_the_lifecycle_says_so(
    table: TransitionTable[StrEnum], current: StrEnum, requested: StrEnum, allowed: bool
) -> None:
    if allowed:
        table.check(current, requested)
    else:
        with pytest.raises(InvalidTransition) as error:
            table.check(current, requested)
        assert f"'{current.value}'" in error.value.message
        assert f"'{requested.value}'" in error.value.message


def test_every_state_appears_in_its_table() -> None:
    for table, states, _ in MACHINES:
        assert set(table.allowed) == set(states)


def test_terminal_states_have_no_way_out() -> None:
    assert SUPPLIER_ORDER_TRANSITIONS.is_terminal(SO.COMPLETED)
    assert SUPPLIER_ORDER_TRANSITIONS.is_terminal(SO.CANCELLED)
    assert not SUPPLIER_ORDER_TRANSITIONS.is_terminal(SO.SHIPPED)
    assert all(RETURN_TRANSITIONS.is_terminal(s) for s in (RS.REFUNDED, RS.WITHDRAWN, RS.CLOSED))
