"""The customer refund request's lifecycle over the domain alone (no I/O): several requests on one order,
answered, refunded (on the store or by Order Center), declined or settled, each change through
`CustomerRefundRequest.transition_to`. A request whose refund is under way (decided, the store asked) cannot be
declined or settled otherwise, so that the store's confirmation can always be recorded. The money side
(refunded never above what was paid) is decided by the customer refund service and checked through it in
test_service_lifecycles.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ordercenter.domain.customer_refunds import CustomerRefundRequest, CustomerRefundSource
from ordercenter.domain.errors import Conflict
from ordercenter.domain.events import StatusChanged
from ordercenter.domain.status import CUSTOMER_REFUND_TRANSITIONS, CustomerRefundStatus
from tests.factories import T0
from tests.properties.lifecycle_checks import (
    assert_history_walks_the_table,
    assert_one_change_per_step,
    assert_refused,
    columns_of,
    status_changes,
)
from tests.properties.profiles import DOMAIN

CF = CustomerRefundStatus
TABLE = CUSTOMER_REFUND_TRANSITIONS


class CustomerRefundLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[CustomerRefundRequest] = []
        self.histories: dict[int, list[StatusChanged]] = {}
        self.now: datetime = T0

    @rule(minutes=st.integers(1, 48 * 60))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(source=st.sampled_from([CustomerRefundSource.MANUAL, CustomerRefundSource.EMAIL]))
    def a_customer_asks(self, source: CustomerRefundSource) -> None:
        request = CustomerRefundRequest(id=len(self.requests) + 1, shop_id=1, order_id=1,
                                        customer_email="jane@example.com", message="It arrived broken",
                                        status=CF.NEW, currency="EUR", received_at=self.now, source=source)
        self.requests.append(request)
        self.histories[request.id] = []

    @precondition(lambda self: bool(self.requests))
    @rule(pick=st.integers(0, 3), requested=st.sampled_from(CF))
    def someone_moves_a_request(self, pick: int, requested: CF) -> None:
        request = self.requests[pick % len(self.requests)]
        current = request.status
        if request.refund_under_way and requested in (CF.DECLINED, CF.RESOLVED):
            return  # refused with a Conflict: the_merchant_tries_to_close_a_request_whose_refund_is_under_way
        if requested is current:
            request.transition_to(requested, at=self.now)
            assert status_changes(request) == [], "staying put must record nothing"
        elif TABLE.can(current, requested):
            if requested is CF.REFUNDED:  # refunded means the store confirmed a refund (ours or made there)
                request.store_refund_id = f"gid://shopify/Refund/{request.id}"
            request.transition_to(requested, at=self.now, reason="decided")
            changes = status_changes(request)
            assert_one_change_per_step(changes, TABLE, [(current, requested)])
            self.histories[request.id] += changes
        else:
            assert_refused(lambda: request.transition_to(requested, at=self.now), request, TABLE, current, requested)

    @precondition(lambda self: any(r.is_open for r in self.requests))
    @rule(pick=st.integers(0, 3), then=st.sampled_from([CF.REFUNDED, CF.DECLINED, CF.RESOLVED, None]))
    def the_merchant_answers(self, pick: int, then: CF | None) -> None:
        """A reply first (as the reply service does), then perhaps a decision."""
        open_requests = [r for r in self.requests if r.is_open]
        request = open_requests[pick % len(open_requests)]
        if request.refund_under_way and then in (CF.DECLINED, CF.RESOLVED):
            then = None  # refused: see the_merchant_tries_to_close_a_request_whose_refund_is_under_way
        steps: list[tuple[CF, CF]] = [] if request.status is CF.REPLIED else [(request.status, CF.REPLIED)]
        request.transition_to(CF.REPLIED, at=self.now)
        if then is CF.REFUNDED:
            request.store_refund_id = f"gid://shopify/Refund/{request.id}"
        if then is not None:
            request.transition_to(then, at=self.now)
            steps.append((CF.REPLIED, then))
        changes = status_changes(request)
        assert_one_change_per_step(changes, TABLE, steps)
        self.histories[request.id] += changes

    @precondition(lambda self: any(r.is_open and not r.refund_under_way for r in self.requests))
    @rule(pick=st.integers(0, 3), cents=st.integers(1, 10_000))
    def a_refund_is_decided(self, pick: int, cents: int) -> None:
        """The service's decision: an amount on the request, the store asked next (its answer may be lost)."""
        ready = [r for r in self.requests if r.is_open and not r.refund_under_way]
        ready[pick % len(ready)].refund_amount = Decimal(cents) / 100

    @precondition(lambda self: any(r.refund_under_way for r in self.requests))
    @rule(pick=st.integers(0, 3), then=st.sampled_from([CF.DECLINED, CF.RESOLVED]))
    def the_merchant_tries_to_close_a_request_whose_refund_is_under_way(self, pick: int, then: CF) -> None:
        request = [r for r in self.requests if r.refund_under_way][pick % sum(r.refund_under_way
                                                                              for r in self.requests)]
        before = columns_of(request)
        with pytest.raises(Conflict) as refused:
            request.transition_to(then, at=self.now)
        assert refused.value.field == "status" and "being made on the store" in refused.value.message
        assert columns_of(request) == before and request.collect_events() == []

    @precondition(lambda self: any(r.refund_under_way for r in self.requests))
    @rule(pick=st.integers(0, 3))
    def the_store_confirms_the_refund(self, pick: int) -> None:
        request = [r for r in self.requests if r.refund_under_way][pick % sum(r.refund_under_way
                                                                              for r in self.requests)]
        current = request.status
        request.store_refund_id = f"gid://shopify/Refund/{request.id}"
        request.transition_to(CF.REFUNDED, at=self.now, reason="refunded on the store")
        changes = status_changes(request)
        assert_one_change_per_step(changes, TABLE, [(current, CF.REFUNDED)])
        self.histories[request.id] += changes

    @invariant()
    def a_refund_under_way_can_always_be_confirmed(self) -> None:
        for request in self.requests:
            if request.refund_under_way:
                assert TABLE.can(request.status, CF.REFUNDED), request.status

    @invariant()
    def every_request_is_in_a_state_its_table_reaches(self) -> None:
        for request in self.requests:
            assert_history_walks_the_table(self.histories[request.id], TABLE, CF.NEW, request.status)

    @invariant()
    def a_request_is_stamped_when_answered_and_when_settled(self) -> None:
        for request in self.requests:
            passed = [CF(c.new) for c in self.histories[request.id]]
            assert (request.replied_at is not None) == (CF.REPLIED in passed)
            assert (request.resolved_at is not None) == (not request.is_open)
            assert request.is_open == (request.status in (CF.NEW, CF.REPLIED))
            assert (request.status is CF.REFUNDED) == (request.store_refund_id is not None)
            if request.replied_at is not None and request.resolved_at is not None:
                assert request.received_at <= request.replied_at <= request.resolved_at


CustomerRefundLifecycle.TestCase.settings = DOMAIN
test_customer_refund_lifecycle = CustomerRefundLifecycle.TestCase
