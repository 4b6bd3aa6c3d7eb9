"""The supplier order's lifecycle as a Hypothesis state machine over the domain alone (no I/O).

The merchant and the poller push a supplier order through `transition_to` and through the supplier's own
readings (`supplier_target` then `steps_to`, as the tracking sync does); every refused move must name both
states and change nothing, every accepted one must leave one StatusChanged event and its time stamp.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ordercenter.domain.events import StatusChanged
from ordercenter.domain.stages import OrderFacts, SupplierOrderFacts, derive_stage
from ordercenter.domain.status import (
    SUPPLIER_ORDER_TRANSITIONS,
    ActorKind,
    FinancialStatus,
    FulfillmentStatus,
    Stage,
    SupplierOrderStatus,
)
from ordercenter.domain.supplier_orders import SupplierFailure, SupplierOrder
from ordercenter.domain.supplier_status import (
    LOGISTICS_STATUS_TABLE,
    ORDER_STATUS_TABLE,
    SupplierReading,
    steps_to,
    supplier_target,
)
from tests.factories import T0
from tests.properties.lifecycle_checks import (
    assert_history_walks_the_table,
    assert_one_change_per_step,
    assert_refused,
    status_changes,
)
from tests.properties.profiles import DOMAIN

SO = SupplierOrderStatus
TABLE = SUPPLIER_ORDER_TRANSITIONS
STAMPS = {SO.PLACED: "placed_at", SO.PAID: "paid_at", SO.SHIPPED: "shipped_at", SO.DELIVERED: "delivered_at",
          SO.COMPLETED: "completed_at", SO.CANCELLED: "cancelled_at"}
# What the supplier may answer: its known values, plus ones we have never seen (they must change nothing).
readings = st.builds(
    SupplierReading,
    order_status=st.sampled_from([*ORDER_STATUS_TABLE, "SOMETHING_NEW"]),
    logistics_status=st.none() | st.sampled_from([*LOGISTICS_STATUS_TABLE, "LOST_IN_SPACE"]),
    end_reason=st.none() | st.sampled_from(["CANCELED", "PAY_TIMEOUT", "BUYER_CANCEL", "ORDER_COMPLETE", ""]),
)


def facts_of(so: SupplierOrder) -> SupplierOrderFacts:
    return SupplierOrderFacts(group_key=so.group_key, attempt=so.attempt, status=so.status,
                              tracking_pushed=False, failure=so.failure, failure_message=so.failure_message,
                              cancelled_by=so.cancelled_by)


class SupplierOrderLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.so = SupplierOrder(shop_id=1, order_id=1, group_key="seller-1", attempt=1, idempotency_key="oc-1-1-s-1",
                                status=SO.DRAFT, currency="EUR", items_cost=Decimal("12.40"),
                                shipping_cost=Decimal("1.99"), created_at=T0)
        self.now: datetime = T0
        self.history: list[StatusChanged] = []

    def _accept(self, steps: list[tuple[SO, SO]]) -> None:
        changes = status_changes(self.so)
        assert_one_change_per_step(changes, TABLE, steps)
        for (_, new), change in zip(steps, changes, strict=True):
            assert getattr(self.so, STAMPS[new]) == change.occurred_at
        if steps and steps[-1][1] is not SO.CANCELLED:
            assert (self.so.failure, self.so.failure_message) == (None, None), "moving on clears the failure"
        self.history += changes

    @rule(minutes=st.integers(min_value=1, max_value=3 * 24 * 60))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(requested=st.sampled_from(SO))
    def someone_asks_for_a_status(self, requested: SO) -> None:
        current = self.so.status
        if requested is current:
            self.so.transition_to(requested, at=self.now)
            assert status_changes(self.so) == [], "staying put must record nothing"
        elif TABLE.can(current, requested):
            self.so.transition_to(requested, at=self.now, reason="asked")
            assert self.so.status is requested
            self._accept([(current, requested)])
        else:
            assert_refused(lambda: self.so.transition_to(requested, at=self.now), self.so, TABLE, current, requested)

    @rule(reading=readings)
    def the_supplier_answers(self, reading: SupplierReading) -> None:
        current = self.so.status
        target = supplier_target(reading, current)
        if target is None:
            return
        walk = steps_to(current, target)
        # Whatever the supplier says, we can follow it: a target the table cannot reach would leave the
        # order behind the supplier for ever.
        assert walk and walk[-1] is target, f"no way from {current.value} to {target.value}"
        assert SO.CANCELLED not in walk[:-1], "a walk never passes through a cancellation"
        steps = list(zip([current, *walk[:-1]], walk, strict=True))
        for step in walk:
            self.so.transition_to(step, at=self.now, reason=f"supplier says {reading.order_status}")
        self._accept(steps)

    @rule(failure=st.sampled_from(SupplierFailure))
    def something_fails(self, failure: SupplierFailure) -> None:
        self.so.mark_failed(failure, f"{failure.value} at the supplier")
        assert status_changes(self.so) == []

    @rule()
    def the_supplier_cancels(self) -> None:
        if TABLE.can(self.so.status, SO.CANCELLED):
            current = self.so.status
            self.so.cancelled_by = ActorKind.SUPPLIER
            self.so.transition_to(SO.CANCELLED, at=self.now, reason="closed by the supplier")
            self._accept([(current, SO.CANCELLED)])

    @invariant()
    def the_status_is_one_the_table_reaches_from_draft(self) -> None:
        assert_history_walks_the_table(self.history, TABLE, SO.DRAFT, self.so.status)

    @invariant()
    def a_stamp_is_set_exactly_for_each_status_passed_through_in_time_order(self) -> None:
        passed = {SO(c.new) for c in self.history}
        for status, stamp in STAMPS.items():
            assert (getattr(self.so, stamp) is not None) == (status in passed), stamp
        times = [getattr(self.so, STAMPS[SO(c.new)]) for c in self.history]
        assert times == sorted(times)

    @invariant()
    def the_derived_stage_is_defined_and_says_why_when_it_needs_attention(self) -> None:
        for financial in (FinancialStatus.PAID, FinancialStatus.REFUNDED):
            view = derive_stage(OrderFacts(financial, FulfillmentStatus.UNFULFILLED, has_unplaced_lines=False,
                                           supplier_orders=(facts_of(self.so),)))
            assert view.stage in Stage
            assert (view.stage is Stage.NEEDS_ATTENTION) == (view.attention_reason is not None)

    @invariant()
    def the_cost_keeps_its_currency(self) -> None:
        assert self.so.cost.currency == "EUR" and self.so.cost.amount == Decimal("14.39")


SupplierOrderLifecycle.TestCase.settings = DOMAIN
test_supplier_order_lifecycle = SupplierOrderLifecycle.TestCase
