"""The cancellation request's lifecycle with the supplier order it cancels, over the domain alone (no I/O).

The merchant asks (`check_cancellable`), the supplier decides (`CancellationRequest.decide`), an approval
cancels the supplier order and brings back what was paid (`expected_refund`), while the supplier may ship in
the meantime. The rules are applied in the order the cancellation service applies them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ordercenter.domain import cancellation_rules as rules
from ordercenter.domain.cancellations import CancellationReason, CancellationRequest
from ordercenter.domain.errors import NotAllowed
from ordercenter.domain.events import StatusChanged
from ordercenter.domain.money import Money
from ordercenter.domain.policies import PaymentMethod
from ordercenter.domain.status import (
    CANCELLATION_TRANSITIONS,
    SUPPLIER_ORDER_TRANSITIONS,
    ActorKind,
    CancellationStatus,
    SupplierOrderStatus,
)
from ordercenter.domain.supplier_orders import SupplierOrder
from tests.factories import T0
from tests.properties.lifecycle_checks import (
    assert_history_walks_the_table,
    assert_one_change_per_step,
    assert_refused,
    columns_of,
    refusal,
    status_changes,
)
from tests.properties.profiles import DOMAIN

SO = SupplierOrderStatus
CS = CancellationStatus
TABLE = CANCELLATION_TRANSITIONS
DECISIONS = [CS.APPROVED, CS.REJECTED]


class CancellationLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.so = SupplierOrder(id=7, shop_id=1, order_id=1, group_key="seller-1", attempt=1,
                                idempotency_key="oc-1-1-s-1", supplier_order_id="8190000000001", status=SO.DRAFT,
                                currency="USD", items_cost=Decimal("23.45"), shipping_cost=Decimal("2.10"),
                                payment_method=PaymentMethod.CARD.value, created_at=T0)
        self.so.transition_to(SO.PLACED, at=T0)
        self.so_history: list[StatusChanged] = status_changes(self.so)
        self.requests: list[CancellationRequest] = []
        self.histories: dict[int, list[StatusChanged]] = {}
        self.now: datetime = T0

    def _so_moves(self, new: SO, reason: str) -> None:
        current = self.so.status
        self.so.transition_to(new, at=self.now, reason=reason)
        changes = status_changes(self.so)
        assert_one_change_per_step(changes, SUPPLIER_ORDER_TRANSITIONS, [(current, new)])
        self.so_history += changes

    @rule(hours=st.integers(1, 72))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def the_supplier_order_moves_on(self) -> None:
        forward = sorted(s for s in SUPPLIER_ORDER_TRANSITIONS.allowed[self.so.status] if s is not SO.CANCELLED)
        if forward:
            self._so_moves(forward[0], "the supplier moved on")

    @precondition(lambda self: not any(r.is_open for r in self.requests))
    @rule(reason=st.sampled_from(CancellationReason))
    def the_merchant_asks_to_cancel(self, reason: CancellationReason) -> None:
        before = columns_of(self.so)
        refused = refusal(lambda: rules.check_cancellable(self.so.id, self.so.status,
                                                          placed=self.so.supplier_order_id is not None))
        if refused is not None:
            assert isinstance(refused, NotAllowed) and self.so.status not in rules.CANCELLABLE_STATUSES
            assert refused.field == "status" and str(self.so.id) in refused.message
            assert columns_of(self.so) == before
            return
        assert self.so.status in rules.CANCELLABLE_STATUSES
        request = CancellationRequest(id=len(self.requests) + 1, shop_id=1, order_id=1, supplier_order_id=self.so.id,
                                      reason=reason, note="", status=CS.PENDING, requested_at=self.now,
                                      currency=self.so.currency)
        self.requests.append(request)
        self.histories[request.id] = []

    @precondition(lambda self: bool(self.requests))
    @rule(pick=st.integers(0, 3), decision=st.sampled_from(DECISIONS))
    def the_supplier_decides(self, pick: int, decision: CS) -> None:
        request = self.requests[pick % len(self.requests)]
        current = request.status
        if current is decision:
            request.decide(decision, at=self.now)
            assert status_changes(request) == []
            return
        if not TABLE.can(current, decision):
            assert_refused(lambda: request.decide(decision, at=self.now), request, TABLE, current, decision)
            return
        if decision is CS.APPROVED and not SUPPLIER_ORDER_TRANSITIONS.can(self.so.status, SO.CANCELLED) \
                and self.so.status is not SO.CANCELLED:
            # Shipped while the request waited: the approval is refused as a whole (the service rolls back).
            assert_refused(lambda: self.so.transition_to(SO.CANCELLED, at=self.now), self.so,
                           SUPPLIER_ORDER_TRANSITIONS, self.so.status, SO.CANCELLED)
            return
        event(f"{decision.value} while the supplier order was {self.so.status.value}")
        request.decide(decision, at=self.now, note="the seller's words")
        changes = status_changes(request)
        assert_one_change_per_step(changes, TABLE, [(current, decision)])
        self.histories[request.id] += changes
        assert (request.decided_at, request.decision_note) == (self.now, "the seller's words")
        if decision is CS.APPROVED:
            self.so.cancelled_by = ActorKind.STAFF
            if self.so.status is not SO.CANCELLED:
                self._so_moves(SO.CANCELLED, f"cancellation {request.id} approved")
            refund = rules.expected_refund(paid=self.so.paid_at is not None, amount=self.so.cost.amount,
                                           currency=self.so.currency, method=PaymentMethod.CARD, payer_country="FR",
                                           decided_at=self.now)
            if refund is not None:
                request.refund_amount, request.currency = refund.amount, refund.currency
                assert refund.expected_from <= refund.expected_by and refund.expected_from >= self.now.date()

    @invariant()
    def every_state_is_one_its_table_reaches(self) -> None:
        assert_history_walks_the_table(self.so_history, SUPPLIER_ORDER_TRANSITIONS, SO.DRAFT, self.so.status)
        for request in self.requests:
            assert_history_walks_the_table(self.histories[request.id], TABLE, CS.PENDING, request.status)

    @invariant()
    def at_most_one_request_waits_and_at_most_one_is_approved(self) -> None:
        assert sum(r.is_open for r in self.requests) <= 1
        assert sum(r.status is CS.APPROVED for r in self.requests) <= 1

    @invariant()
    def an_approval_means_the_supplier_order_is_cancelled(self) -> None:
        if any(r.status is CS.APPROVED for r in self.requests):
            assert self.so.status is SO.CANCELLED and self.so.cancelled_at is not None
        else:
            assert self.so.status is not SO.CANCELLED

    @invariant()
    def the_refund_expected_never_exceeds_what_was_paid(self) -> None:
        paid = self.so.cost if self.so.paid_at is not None else Money.zero(self.so.currency)
        owed = [Money(r.refund_amount, r.currency) for r in self.requests if r.refund_amount is not None]
        assert sum((m.amount for m in owed), Decimal(0)) <= paid.amount
        assert all(m.currency == paid.currency for m in owed)
        if owed:
            assert self.so.paid_at is not None, "a refund is expected of a supplier order never paid"


CancellationLifecycle.TestCase.settings = DOMAIN
test_cancellation_lifecycle = CancellationLifecycle.TestCase

