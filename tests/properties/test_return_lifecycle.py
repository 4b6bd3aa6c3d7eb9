"""The return/refund request's lifecycle, several of them on one shipped supplier order, over the domain
alone (no I/O): opened within what was paid and not yet recovered, moved by the merchant's actions
(`check_action`, `route_to`, `close_status`) and by the supplier's dispute statuses (`supplier_target`), each
step through `ReturnRequest.transition_to`. Refunded never exceeds what was paid for the supplier order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ordercenter.domain import return_rules as rules
from ordercenter.domain.errors import Conflict, DomainError, InvalidInput, NotAllowed
from ordercenter.domain.events import StatusChanged
from ordercenter.domain.money import Money
from ordercenter.domain.return_rules import ReturnAction
from ordercenter.domain.returns import OPEN_RETURN_STATUSES, ReturnKind, ReturnReason, ReturnRequest
from ordercenter.domain.status import RETURN_TRANSITIONS, ReturnStatus
from tests.factories import T0
from tests.properties.lifecycle_checks import (
    assert_history_walks_the_table,
    assert_one_change_per_step,
    columns_of,
    refusal,
    status_changes,
)
from tests.properties.profiles import DOMAIN

RS = ReturnStatus
TABLE = RETURN_TRANSITIONS
PAID = Money(Decimal("30.00"), "USD")  # what the supplier order cost: the ceiling of every refund
# Amounts as a merchant types them: cents, sometimes a third decimal, sometimes more than was paid.
amounts = st.one_of(st.integers(-100, 3_500).map(lambda cents: f"{Decimal(cents) / 100:.2f}"),
                    st.integers(1, 30_000).map(lambda mills: f"{Decimal(mills) / 1000:.3f}"))


class ReturnLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[ReturnRequest] = []
        self.histories: dict[int, list[StatusChanged]] = {}
        self.now: datetime = T0

    def recovered(self) -> list[Money]:
        """What earlier requests got back (the service's reading: refunded ones, in the order's currency)."""
        return [Money(r.amount_refunded, r.currency) for r in self.requests
                if r.status is RS.REFUNDED and r.amount_refunded is not None]

    def move(self, request: ReturnRequest, steps: list[RS]) -> None:
        """Take the request through the steps the way the return service does (`move_request`)."""
        before = request.status
        for step in steps:
            if step in (RS.APPROVED, RS.REFUND_PENDING, RS.REFUNDED) and request.amount_refunded is None:
                request.amount_refunded = request.amount_requested
            request.transition_to(step, at=self.now)
        changes = status_changes(request)
        assert_one_change_per_step(changes, TABLE, list(zip([before, *steps], steps)))  # noqa: B905
        self.histories[request.id] += changes

    @rule(hours=st.integers(1, 96))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(kind=st.sampled_from(ReturnKind), amount=amounts)
    def the_merchant_opens_a_request(self, kind: ReturnKind, amount: str) -> None:
        blocking = [r.id for r in self.requests if r.is_open or r.status is RS.REJECTED]
        left = rules.refundable(PAID, self.recovered())
        refused = refusal(lambda: rules.check_no_other_request(blocking))
        if refused is not None:
            assert isinstance(refused, Conflict) and blocking
            return
        refused = refusal(lambda: rules.parse_requested_amount(amount, left))
        if refused is not None:
            typed = Decimal(amount)
            assert isinstance(refused, InvalidInput) and refused.field == "amount"
            assert typed <= 0 or typed > left.amount or typed != round(typed, 2)
            return
        asked = rules.parse_requested_amount(amount, left)
        assert not blocking and Decimal(0) < asked.amount <= left.amount and asked.currency == PAID.currency
        event(f"opened after {len(self.recovered())} refunded request(s)")
        request = ReturnRequest(id=len(self.requests) + 1, shop_id=1, order_id=1, supplier_order_id=7, kind=kind,
                                reason=ReturnReason.DAMAGED, currency=asked.currency, amount_requested=asked.amount,
                                status=RS.SUBMITTED, opened_at=self.now)
        self.requests.append(request)
        self.histories[request.id] = []

    @precondition(lambda self: bool(self.requests))
    @rule(pick=st.integers(0, 3), choice=st.integers(0, 3), any_action=st.none() | st.sampled_from(ReturnAction),
          approve=st.booleans(), refund=st.none() | amounts)
    def the_merchant_acts(self, pick: int, choice: int, any_action: ReturnAction | None, approve: bool,
                          refund: str | None) -> None:
        """One of the actions the page offers now, or (`any_action`) one it does not offer, sent anyway."""
        request = self.requests[pick % len(self.requests)]
        before = columns_of(request)
        escalated = request.escalated_at is not None
        offered = rules.allowed_actions(request.status, escalated=escalated)
        action = any_action or (offered[choice % len(offered)] if offered else ReturnAction.CLOSE)
        refused = refusal(lambda: rules.check_action(request.status, action, escalated=escalated))
        if refused is not None:
            assert isinstance(refused, NotAllowed | Conflict) and action not in offered
            assert refused.field == "status" and columns_of(request) == before
            return
        steps = self.steps_for(request, action, approve, refund)
        if steps is None:
            assert columns_of(request) == before, "a refused refund amount changed the request"
            return
        event(f"{action.value} from {request.status.value}")
        self.move(request, steps)

    def steps_for(self, request: ReturnRequest, action: ReturnAction, approve: bool,
                  refund: str | None) -> list[RS] | None:
        if action in (ReturnAction.DECIDE, ReturnAction.REFUND_ISSUED) and refund is not None and approve:
            amount = Money(Decimal(refund), request.currency)
            if amount.amount <= 0 or request.requested < amount:
                return None  # refused by the service: more than asked for, or nothing
            request.amount_refunded = amount.amount
        route = {ReturnKind.REFUND_ONLY: RS.REFUND_PENDING, ReturnKind.RETURN_AND_REFUND: RS.AWAITING_RETURN}
        if action is ReturnAction.RECORD_DISPUTE:
            return [RS.UNDER_REVIEW]
        if action is ReturnAction.DECIDE:
            target = route[request.kind] if approve else RS.REJECTED
            return rules.route_to(request.kind, request.status, target)
        if action is ReturnAction.SHIP_RETURN:
            return rules.route_to(request.kind, request.status, RS.RETURN_SHIPPED)
        if action is ReturnAction.REFUND_ISSUED:
            return rules.route_to(request.kind, request.status, RS.REFUND_PENDING)
        if action is ReturnAction.REFUND_ARRIVED:
            return [RS.REFUNDED]
        if action is ReturnAction.ESCALATE:
            request.escalated_at = self.now
            return rules.route_to(request.kind, request.status, RS.UNDER_REVIEW)
        return [rules.close_status(request.status)]

    @precondition(lambda self: bool(self.requests))
    @rule(pick=st.integers(0, 3), status=st.sampled_from([*rules.SUPPLIER_DISPUTE_STATUSES, "SOMETHING_NEW"]),
          platform=st.booleans())
    def the_supplier_reports_its_dispute(self, pick: int, status: str, platform: bool) -> None:
        request = self.requests[pick % len(self.requests)]
        target = rules.supplier_target(status, decided_by="platform" if platform else None)
        steps = rules.route_to(request.kind, request.status, target) if target is not None else []
        try:
            self.move(request, steps)
        except DomainError as refused:  # pragma: no cover - a route through a refused move is the defect
            raise AssertionError(f"the route {steps} from {request.status.value} was refused: {refused}") from None

    @invariant()
    def every_request_is_in_a_state_its_table_reaches(self) -> None:
        for request in self.requests:
            assert_history_walks_the_table(self.histories[request.id], TABLE, RS.SUBMITTED, request.status)
            assert request.is_open == (request.status in OPEN_RETURN_STATUSES)

    @invariant()
    def a_request_is_stamped_as_it_goes(self) -> None:
        for request in self.requests:
            passed = {RS(c.new) for c in self.histories[request.id]}
            assert (request.decided_at is not None) == bool(passed & {RS.APPROVED, RS.REJECTED})
            assert (request.refund_issued_at is not None) == (RS.REFUND_PENDING in passed)
            # closed when it ends; open again (an escalated refusal back under review) it is not closed
            assert (request.closed_at is None) == request.is_open, (request.status, request.closed_at)

    @invariant()
    def only_one_request_is_followed_at_a_time(self) -> None:
        assert sum(r.is_open or r.status is RS.REJECTED for r in self.requests) <= 1

    @invariant()
    def refunded_never_exceeds_what_was_paid(self) -> None:
        for request in self.requests:
            assert request.requested <= PAID
            if request.amount_refunded is not None:
                assert request.amount_refunded <= request.amount_requested
        refunded = sum((m.amount for m in self.recovered()), Decimal(0))
        assert refunded <= PAID.amount
        on_the_way = sum((r.amount_refunded or Decimal(0) for r in self.requests
                          if r.status in (RS.REFUND_PENDING, RS.REFUNDED)), Decimal(0))
        assert on_the_way <= PAID.amount, f"{on_the_way} refunded or on its way for {PAID}"

    @invariant()
    def a_request_still_open_always_has_something_to_do(self) -> None:
        for request in self.requests:
            actions = rules.allowed_actions(request.status, escalated=request.escalated_at is not None)
            assert bool(actions) == (not TABLE.is_terminal(request.status)), request.status


ReturnLifecycle.TestCase.settings = DOMAIN
test_return_lifecycle = ReturnLifecycle.TestCase
