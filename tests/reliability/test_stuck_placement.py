"""A placement claim interrupted by a crash while the supplier's look-up keeps failing: after a bounded
time the order needs attention, with what to check at the supplier, one alert and one timeline entry.

The crash is simulated in-process (the supplier commits the order, then the placing call dies before
we record the answer); `tests/placement/test_crash.py` does the same with a real SIGKILL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.ports import PlacementRequest, PlacementResult
from ordercenter.domain.alerts import Alert, AlertKind
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.placement import UNCONFIRMED_CLAIM_ATTENTION_AFTER
from ordercenter.domain.status import AttentionReason, Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierFailure, SupplierOrder
from ordercenter.services.placement import GroupResult, place_order, reconcile_drafts
from tests.placement.conftest import Placement, placement, sandbox_supplier  # noqa: F401  (the fixtures; hence F811 below)

LOOKUP = "aliexpress.ds.sandbox.order.find"


class ProcessDied(BaseException):
    """Stands for the process being killed: nothing after it runs, nothing catches it."""


class DiesAfterTheSupplierAccepts:
    """The sandbox client, except that the caller dies once the supplier has committed the order."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def place_order(self, request: PlacementRequest) -> PlacementResult:
        self._inner.place_order(request)  # type: ignore[attr-defined]
        raise ProcessDied


def _interrupted_claim(world: Placement, clock: ManualClock) -> tuple[int, SupplierOrder]:
    order_id = world.order()
    with pytest.raises(ProcessDied):
        place_order(world.container.uow(), world.resolver(DiesAfterTheSupplierAccepts(world.client)),  # type: ignore[arg-type]
                    clock, shop_id=world.shop_id, order_id=order_id)
    [claim] = world.supplier_orders(order_id)
    assert isinstance(claim, SupplierOrder)
    assert (claim.status, claim.failure) == (SupplierOrderStatus.DRAFT, None)
    return order_id, claim


def _sweep(world: Placement, clock: ManualClock) -> None:
    reconcile_drafts(world.container.uow(), world.resolver(), clock, shop_id=world.shop_id)


def _alerts(world: Placement, claim: SupplierOrder) -> list[Alert]:
    with world.container.uow() as uow:
        return [a for a in uow.alerts.list(world.shop_id, open_only=False, limit=100)
                if a.supplier_order_id == claim.id]


def _events(world: Placement, order_id: int, kind: OrderEventType) -> list[str]:
    with world.container.uow() as uow:
        return [e.message for e in uow.events.for_order(world.shop_id, order_id) if e.type == kind]


def test_an_interrupted_claim_whose_look_up_keeps_failing_needs_attention_after_the_bound(
        placement: Placement, clock: ManualClock) -> None:  # noqa: F811
    # given: the supplier holds the order, we hold only the claim, and the look-up fails at every call
    order_id, claim = _interrupted_claim(placement, clock)
    placement.supplier.inject_fault("server_error", method=LOOKUP, times=10_000)
    # when: the sweep runs while the bound has not passed
    clock.advance(UNCONFIRMED_CLAIM_ATTENTION_AFTER - timedelta(minutes=1))
    _sweep(placement, clock)
    # then: still waiting for the look-up to work, nobody bothered yet
    [waiting] = placement.supplier_orders(order_id)
    assert isinstance(waiting, SupplierOrder) and waiting.failure is None
    assert _alerts(placement, claim) == []
    # when: the bound has passed, and the sweep runs again (and again)
    clock.advance(timedelta(minutes=2))
    _sweep(placement, clock)
    clock.advance(timedelta(minutes=5))
    _sweep(placement, clock)
    # then: the order needs attention, saying what to look for at the supplier
    [stuck] = placement.supplier_orders(order_id)
    assert isinstance(stuck, SupplierOrder)
    assert (stuck.status, stuck.failure) == (SupplierOrderStatus.DRAFT, SupplierFailure.OUTCOME_UNKNOWN)
    with placement.container.uow() as uow:
        order = uow.orders.get(placement.shop_id, order_id)
        assert order is not None
        assert (order.stage, order.attention_reason) == (Stage.NEEDS_ATTENTION, AttentionReason.PLACEMENT_FAILED)
        detail = order.attention_detail or ""
    assert claim.idempotency_key in detail and "AliExpress order list" in detail
    # one alert, one timeline entry of the failure, one alert entry: the second sweep added nothing
    [alert] = _alerts(placement, claim)
    assert (alert.kind, alert.is_open) == (AlertKind.PLACEMENT_UNCONFIRMED, True)
    assert claim.idempotency_key in alert.message
    [failed] = _events(placement, order_id, OrderEventType.SUPPLIER_ORDER_FAILED)
    assert claim.idempotency_key in failed
    assert len(_events(placement, order_id, OrderEventType.ALERT_RAISED)) == 1
    # and a click on "place" no longer says "being placed right now", nor sends anything
    again = place_order(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id,
                        order_id=order_id)
    assert GroupResult.IN_PROGRESS not in {g.result for g in again.groups}
    assert len([o for o in placement.supplier.orders() if o.out_order_id == claim.idempotency_key]) == 1


def test_a_claim_handed_over_settles_itself_and_its_alert_once_the_look_up_works_again(
        placement: Placement, clock: ManualClock) -> None:  # noqa: F811
    order_id, claim = _interrupted_claim(placement, clock)
    placement.supplier.inject_fault("server_error", method=LOOKUP, times=10_000)
    clock.advance(UNCONFIRMED_CLAIM_ATTENTION_AFTER + timedelta(minutes=1))
    _sweep(placement, clock)
    # when: the supplier answers again
    placement.supplier.faults.clear()
    clock.advance(timedelta(minutes=1))
    _sweep(placement, clock)
    # then: the order found under our key is recorded, not placed again, and the alert is resolved
    [placed] = placement.supplier_orders(order_id)
    assert isinstance(placed, SupplierOrder)
    assert placed.status is SupplierOrderStatus.PLACED
    [at_supplier] = [o for o in placement.supplier.orders() if o.out_order_id == claim.idempotency_key]
    assert placed.supplier_order_id == at_supplier.order_id
    [alert] = _alerts(placement, claim)
    assert not alert.is_open
