"""The order's lifecycle: its stage is derived (domain/stages.py) from the store's facts and its supplier
orders, so the machine changes those facts the way the store, the supplier and the merchant do, and checks
that the derived stage is always defined and tells the truth. No I/O.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ordercenter.domain.stages import OrderFacts, StageView, SupplierOrderFacts, derive_stage, latest_attempts
from ordercenter.domain.status import (
    STAGE_PROGRESS,
    SUPPLIER_ORDER_TRANSITIONS,
    ActorKind,
    AttentionReason,
    FinancialStatus,
    FulfillmentStatus,
    Stage,
    SupplierOrderStatus,
)
from ordercenter.domain.supplier_orders import SupplierFailure, SupplierOrder
from tests.factories import T0
from tests.properties.lifecycle_checks import assert_one_change_per_step, assert_refused, status_changes
from tests.properties.profiles import DOMAIN

SO = SupplierOrderStatus
UNPAID = frozenset({FinancialStatus.PENDING, FinancialStatus.AUTHORIZED, FinancialStatus.PARTIALLY_PAID})
MONEY_GONE = frozenset({FinancialStatus.REFUNDED, FinancialStatus.VOIDED, FinancialStatus.EXPIRED})
NOT_SHIPPED = frozenset({SO.DRAFT, SO.PLACED, SO.PAID})
FLAGS = ("cancellation_pending", "return_open", "customer_refund_open")


def check_view(facts: OrderFacts, view: StageView) -> None:
    """What a derived stage must say of any order, whatever its facts."""
    assert view.stage in Stage
    assert (view.stage is Stage.NEEDS_ATTENTION) == (view.attention_reason is not None), view
    assert view.attention_reason is None or view.attention_reason in AttentionReason
    assert view.flags == frozenset(name for name in FLAGS if getattr(facts, name))
    gone = facts.cancelled_on_store or facts.financial_status in MONEY_GONE
    if view.stage is Stage.CANCELLED:
        assert gone, "cancelled while the store order still stands"
    if view.stage is Stage.UNPAID:
        assert facts.financial_status in UNPAID
    if view.partial:
        assert view.stage in STAGE_PROGRESS
    active = [so for so in latest_attempts(facts.supplier_orders) if so.status is not SO.CANCELLED]
    if gone and any(so.status in NOT_SHIPPED for so in active):
        # Money would leave for goods nobody wants: the merchant must be told to cancel at the supplier.
        assert view.stage is Stage.NEEDS_ATTENTION, view


supplier_order_facts = st.builds(
    SupplierOrderFacts, group_key=st.sampled_from(["a", "b", "c"]), attempt=st.integers(1, 3),
    status=st.sampled_from(SO), tracking_pushed=st.booleans(), failure=st.none() | st.sampled_from(SupplierFailure),
    failure_message=st.none() | st.just("the supplier said no"), cancelled_by=st.none() | st.sampled_from(ActorKind),
    has_return=st.booleans())
order_facts = st.builds(
    OrderFacts, financial_status=st.sampled_from(FinancialStatus),
    fulfillment_status=st.sampled_from(FulfillmentStatus),
    cancelled_on_store=st.booleans(), address_problems=st.lists(st.just("no zip"), max_size=1).map(tuple),
    unmapped_items=st.lists(st.just("Mug"), max_size=1).map(tuple), has_unplaced_lines=st.booleans(),
    supplier_orders=st.lists(supplier_order_facts, max_size=4).map(tuple), cancellation_pending=st.booleans(),
    return_open=st.booleans(), customer_refund_open=st.booleans(), fulfilled_before_import=st.booleans(),
    duplicated_as=st.none() | st.just("#1001-2"))


@DOMAIN
@given(order_facts)
def test_every_combination_of_facts_has_a_defined_and_truthful_stage(facts: OrderFacts) -> None:
    check_view(facts, derive_stage(facts))


def test_a_payment_failure_reported_after_the_supplier_order_was_paid_does_not_hold_the_order() -> None:
    # given: the pay call fails while the poller has already seen the supplier order paid (found by the machine)
    so = SupplierOrder(shop_id=1, order_id=1, group_key="a", attempt=1, idempotency_key="oc-1-1-a-1", status=SO.PLACED,
                       currency="EUR", created_at=T0)
    so.transition_to(SO.PAID, at=T0)
    # when
    so.mark_failed(SupplierFailure.PAYMENT_FAILED, "payment failed: the order is already paid")
    view = derive_stage(OrderFacts(FinancialStatus.PAID, FulfillmentStatus.UNFULFILLED, has_unplaced_lines=False,
                                   supplier_orders=(SupplierOrderFacts("a", 1, so.status, failure=so.failure),)))
    # then
    assert (view.stage, view.attention_reason) == (Stage.AWAITING_SHIPMENT, None)


class OrderLifecycle(RuleBasedStateMachine):
    """One store order with one or two sellers' lines, its supplier orders (attempts) and its after-sale flags."""

    def __init__(self) -> None:
        super().__init__()
        self.financial = FinancialStatus.PENDING
        self.fulfillment = FulfillmentStatus.UNFULFILLED
        self.cancelled_on_store = False
        self.address_problems: tuple[str, ...] = ()
        self.unmapped: tuple[str, ...] = ()
        self.sellers: tuple[str, ...] = ("a",)
        self.attempts: dict[str, list[SupplierOrder]] = {}
        self.pushed: set[int] = set()
        self.returns: set[int] = set()
        self.flags = dict.fromkeys(FLAGS, False)
        self.now = T0

    @initialize(sellers=st.sampled_from([("a",), ("a", "b")]), address_ok=st.booleans(), mapped=st.booleans(),
                placed=st.booleans())
    def an_order_arrives(self, sellers: tuple[str, ...], address_ok: bool, mapped: bool, placed: bool) -> None:
        self.sellers = sellers
        self.address_problems = () if address_ok else ("the address has no postcode",)
        self.unmapped = () if mapped else ("Mug",)
        if placed:  # half the stories start paid and placed, so that the later stages get their share of steps
            self.financial = FinancialStatus.PAID
            for _ in sellers:
                self.the_merchant_places_a_seller_group(0)

    def latest(self, seller: str) -> SupplierOrder | None:
        attempts = self.attempts.get(seller, [])
        return attempts[-1] if attempts else None

    def placed(self, pick: int) -> SupplierOrder:
        """The latest attempt of one of the groups placed so far."""
        groups = sorted(self.attempts)
        return self.attempts[groups[pick % len(groups)]][-1]

    def can_place(self) -> bool:
        return any(self.latest(s) is None or self.latest(s).status is SO.CANCELLED  # type: ignore[union-attr]
                   for s in self.sellers)

    def facts(self) -> OrderFacts:
        orders = tuple(
            SupplierOrderFacts(group_key=so.group_key, attempt=so.attempt, status=so.status,
                               tracking_pushed=id(so) in self.pushed, failure=so.failure,
                               failure_message=so.failure_message, cancelled_by=so.cancelled_by,
                               has_return=id(so) in self.returns)
            for attempts in self.attempts.values() for so in attempts)
        unplaced = any(self.latest(s) is None or self.latest(s).status is SO.CANCELLED  # type: ignore[union-attr]
                       for s in self.sellers)
        return OrderFacts(self.financial, self.fulfillment, self.cancelled_on_store, self.address_problems,
                          self.unmapped, unplaced, orders, cancellation_pending=self.flags["cancellation_pending"],
                          return_open=self.flags["return_open"],
                          customer_refund_open=self.flags["customer_refund_open"])

    # ------------------------------------------------------------ the store

    @rule(status=st.sampled_from(FinancialStatus))
    def the_store_reports_a_payment_status(self, status: FinancialStatus) -> None:
        self.financial = status

    @rule()
    def the_customer_pays(self) -> None:
        self.financial = FinancialStatus.PAID

    @rule(status=st.sampled_from(FulfillmentStatus))
    def the_store_reports_a_fulfillment_status(self, status: FulfillmentStatus) -> None:
        self.fulfillment = status

    @rule(chance=st.integers(1, 4))
    def the_store_cancels_the_order(self, chance: int) -> None:
        # Rarely: a cancellation on the store ends most stories, and the later stages deserve steps too.
        self.cancelled_on_store = self.cancelled_on_store or chance == 4

    @rule()
    def the_merchant_fixes_address_and_mapping(self) -> None:
        self.address_problems, self.unmapped = (), ()

    # ------------------------------------------------------------ the supplier orders

    @precondition(can_place)
    @rule(pick=st.integers(0, 1))
    def the_merchant_places_a_seller_group(self, pick: int) -> None:
        open_groups = [s for s in self.sellers
                       if self.latest(s) is None or self.latest(s).status is SO.CANCELLED]  # type: ignore[union-attr]
        seller = open_groups[pick % len(open_groups)]
        latest = self.latest(seller)
        attempt = 1 if latest is None else latest.attempt + 1
        so = SupplierOrder(shop_id=1, order_id=1, group_key=seller, attempt=attempt,
                           idempotency_key=f"oc-1-1-{seller}-{attempt}", status=SO.DRAFT, currency="EUR",
                           items_cost=Decimal("9.50"), shipping_cost=Decimal(0), created_at=self.now)
        self.attempts.setdefault(seller, []).append(so)

    @precondition(lambda self: bool(self.attempts))
    @rule(pick=st.integers(0, 1), requested=st.sampled_from(SO), by=st.sampled_from(ActorKind))
    def a_supplier_order_moves(self, pick: int, requested: SO, by: ActorKind) -> None:
        so = self.placed(pick)
        if requested is so.status:
            return
        self.now += timedelta(hours=5)
        current = so.status
        if not SUPPLIER_ORDER_TRANSITIONS.can(current, requested):
            assert_refused(lambda: so.transition_to(requested, at=self.now), so, SUPPLIER_ORDER_TRANSITIONS,
                           current, requested)
            return
        if requested is SO.CANCELLED:
            so.cancelled_by = by
        so.transition_to(requested, at=self.now)
        assert_one_change_per_step(status_changes(so), SUPPLIER_ORDER_TRANSITIONS, [(current, requested)])

    @precondition(lambda self: bool(self.attempts))
    @rule(pick=st.integers(0, 1), moves=st.integers(1, 5))
    def a_supplier_order_moves_on(self, pick: int, moves: int) -> None:
        so = self.placed(pick)
        steps: list[tuple[SO, SO]] = []
        while len(steps) < moves:
            forward = [s for s in SUPPLIER_ORDER_TRANSITIONS.allowed[so.status] if s is not SO.CANCELLED]
            if not forward:
                break
            self.now += timedelta(hours=5)
            steps.append((so.status, forward[0]))
            so.transition_to(forward[0], at=self.now)
        assert_one_change_per_step(status_changes(so), SUPPLIER_ORDER_TRANSITIONS, steps)

    @precondition(lambda self: bool(self.attempts))
    @rule(pick=st.integers(0, 1), failure=st.sampled_from(SupplierFailure))
    def a_supplier_order_fails(self, pick: int, failure: SupplierFailure) -> None:
        self.placed(pick).mark_failed(failure, f"{failure.value}: the supplier said no")

    @precondition(lambda self: bool(self.attempts))
    @rule(pick=st.integers(0, 1))
    def tracking_reaches_the_store(self, pick: int) -> None:
        so = self.placed(pick)
        if so.status is not SO.CANCELLED and so.status not in NOT_SHIPPED:
            self.pushed.add(id(so))

    @precondition(lambda self: bool(self.attempts))
    @rule(pick=st.integers(0, 1))
    def a_return_is_opened(self, pick: int) -> None:
        so = self.placed(pick)
        if so.status not in NOT_SHIPPED and so.status is not SO.CANCELLED:
            self.returns.add(id(so))
            self.flags["return_open"] = True

    @rule(flag=st.sampled_from(FLAGS), on=st.booleans())
    def an_after_sale_request_opens_or_closes(self, flag: str, on: bool) -> None:
        self.flags[flag] = on

    # ------------------------------------------------------------ what the order shows

    @invariant()
    def the_stage_is_defined_and_truthful(self) -> None:
        view = derive_stage(self.facts())
        check_view(self.facts(), view)
        event(f"stage {view.stage.value}")  # shown by --hypothesis-show-statistics: which stages were reached

    @invariant()
    def a_paid_order_with_nothing_placed_is_to_order_unless_blocked(self) -> None:
        facts = self.facts()
        if facts.supplier_orders or facts.financial_status is not FinancialStatus.PAID or facts.cancelled_on_store:
            return
        if facts.fulfillment_status in (FulfillmentStatus.FULFILLED, FulfillmentStatus.PARTIALLY_FULFILLED):
            return
        view = derive_stage(facts)
        blocked = bool(facts.address_problems or facts.unmapped_items)
        assert view.stage is (Stage.NEEDS_ATTENTION if blocked else Stage.TO_ORDER), view

    @invariant()
    @precondition(lambda self: bool(self.attempts))
    def a_supplier_that_cancelled_on_its_own_needs_the_merchant(self) -> None:
        facts = self.facts()
        gone = facts.cancelled_on_store or facts.financial_status in MONEY_GONE
        if gone:
            return
        if any(so.status is SO.CANCELLED and so.cancelled_by is ActorKind.SUPPLIER
               for so in latest_attempts(facts.supplier_orders)):
            assert derive_stage(facts).attention_reason is AttentionReason.SUPPLIER_CANCELLED

    @invariant()
    def every_seller_completed_means_completed(self) -> None:
        facts = self.facts()
        latest = latest_attempts(facts.supplier_orders)
        if len(latest) == len(self.sellers) and all(so.status is SO.COMPLETED for so in latest):
            assert derive_stage(facts).stage is Stage.COMPLETED


OrderLifecycle.TestCase.settings = DOMAIN
test_order_lifecycle = OrderLifecycle.TestCase
