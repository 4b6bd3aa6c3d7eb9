"""The customer refund lifecycle through the services on the real database (SQLite, and PostgreSQL when
configured), with the rows and the timeline checked after each step: requests asked, answered, declined,
refunded in part or in full (once, even when the store's answer is lost or it refuses), refunded directly on
the store and synced back. The money that left the store never exceeds what the customer paid, and every
change of a request or of the order's stage left exactly one timeline row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.ports import StoreError
from ordercenter.bootstrap import Container
from ordercenter.domain.audit import OrderEvent, OrderEventType
from ordercenter.domain.customer_refunds import CustomerRefundRequest, CustomerRefundSource
from ordercenter.domain.errors import Conflict
from ordercenter.domain.status import CUSTOMER_REFUND_TRANSITIONS, CustomerRefundStatus, FinancialStatus
from ordercenter.services import customer_refunds
from ordercenter.services.customer_refunds import RefundRequestInput
from ordercenter.services.ingestion import import_order
from ordercenter.services.store_refunds import refund_key
from tests.factories import snapshot
from tests.integration.test_customer_refund_money import MoneyStore
from tests.properties.lifecycle_checks import refusal
from tests.properties.profiles import LONG_TIMEOUT, SERVICE
from tests.properties.service_world import assert_one_event_per_change, assert_stage_rows_follow_the_stage, new_shop

CF = CustomerRefundStatus
# What a merchant types: cents up to a little more than the order's 64.69 EUR, sometimes nothing or too much.
amounts = st.integers(-50, 7_000).map(lambda cents: f"{Decimal(cents) / 100:.2f}")


class CustomerRefundsThroughTheServices(RuleBasedStateMachine):
    def __init__(self, container: Container, clock: ManualClock) -> None:
        super().__init__()
        self.c, self.clock = container, clock
        self.store = MoneyStore()
        self.shop_id = new_shop(container)
        self.number = 1001
        made = import_order(container.uow(), shop_id=self.shop_id, snapshot=snapshot(self.number), at=clock.now(),
                            source="test")
        self.order_id = made.order_id
        with container.uow() as uow:
            order = uow.orders.get(self.shop_id, self.order_id)
            assert order is not None
            self.paid, self.gid = order.total, order.platform_gid
        self.moved: dict[str, Decimal] = {}  # refund id at the store → the money it sent back (ours and direct)
        self.requests: list[int] = []
        self.syncs = 0

    @initialize(cents=st.integers(1, 6_469))
    def a_customer_asks_for_part_of_the_money(self, cents: int) -> None:
        self.a_customer_asks_for_a_refund(f"{Decimal(cents) / 100:.2f}")
        assert self.requests, "a request within what was paid is recorded"

    # ------------------------------------------------------------ readings

    def rows(self) -> list[tuple[Any, ...]]:
        with self.c.uow() as uow:
            requests = uow.customer_refunds.for_order(self.shop_id, self.order_id)
            order = uow.orders.get(self.shop_id, self.order_id)
            assert order is not None
            return [(r.id, r.status, r.refund_amount, r.store_refund_id) for r in requests] + [
                (order.stage, order.financial_status, len(uow.events.for_order(self.shop_id, self.order_id)))]

    def refused_changes_nothing(self, call: Any) -> bool:
        """Run a service call; a refusal must leave every row as it was. True when it was accepted."""
        before = self.rows()
        refused = refusal(call)
        if refused is None:
            return True
        assert refused.message and refused.code
        assert self.rows() == before, f"refused ({refused.message}) yet something changed"
        return False

    # ------------------------------------------------------------ the customer and the merchant

    @rule(minutes=st.sampled_from([1, 5, 11, 60 * 25]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    @rule(amount=st.none() | amounts)
    def a_customer_asks_for_a_refund(self, amount: str | None) -> None:
        def ask() -> None:
            view = customer_refunds.record_request(self.c.uow(), self.clock, shop_id=self.shop_id,
                                                   order_id=self.order_id,
                                                   data=RefundRequestInput(message="It arrived broken", amount=amount),
                                                   actor_id="staff-1")
            self.requests.append(view.request.id)
        self.refused_changes_nothing(ask)

    @precondition(lambda self: bool(self.requests))
    @rule(pick=st.integers(0, 3), declining=st.booleans())
    def the_merchant_replies(self, pick: int, declining: bool) -> None:
        request_id = self.requests[pick % len(self.requests)]
        self.refused_changes_nothing(lambda: customer_refunds.reply_to_customer(
            self.c.uow(), self.clock, shop_id=self.shop_id, request_id=request_id,
            template="refund_declined" if declining else None, actor_id="staff-1"))

    @precondition(lambda self: bool(self.requests))
    @rule(pick=st.integers(0, 3), amount=st.none() | amounts, full=st.booleans(),
          edge=st.sampled_from([None, None, -1, 0, 1]),
          store=st.sampled_from(["answers", "answers", "refuses", "loses the answer"]))
    def the_merchant_refunds(self, pick: int, amount: str | None, full: bool, edge: int | None, store: str) -> None:
        """A refund of an amount typed, of the request's, in full, or (`edge`) a cent around what is left."""
        request_id = self.requests[pick % len(self.requests)]
        if edge is not None:
            with self.c.uow() as uow:
                decided = sum((r.refund_amount or Decimal(0)
                               for r in uow.customer_refunds.for_order(self.shop_id, self.order_id)), Decimal(0))
            amount, full = f"{self.paid.amount - decided + Decimal(edge) / 100:.2f}", False
        if store == "refuses":
            self.store.fail_next = StoreError("Refund amount is greater than the refundable amount", field="amount")
        elif store == "loses the answer":
            self.store.fail_next, self.store.refund_then_fail = StoreError("lost"), True
        made_before, calls_before = set(self.store.refunds.values()), len(self.store.calls)
        before = self.rows()
        refused = refusal(lambda: customer_refunds.refund_customer(
            self.c.uow(), lambda: self.store, self.clock, shop_id=self.shop_id, request_id=request_id, amount=amount,
            full=full, actor_id="staff-1"))
        self.store.fail_next, self.store.refund_then_fail = None, False
        if refused is not None:
            event(f"refund refused: {refused.code.value}")
            if len(self.store.calls) == calls_before:  # refused before the store was asked: nothing written
                assert self.rows() == before, f"refused ({refused.message}) yet something changed"
        new = set(self.store.refunds.values()) - made_before
        assert len(new) <= 1, "one click made two refunds"
        for refund_id in new:
            self.moved[refund_id] = self.store.calls[-1][1].amount
            event(f"refunded at the store ({store})")

    @rule(cents=st.integers(1, 7_000))
    def the_store_refunds_directly(self, cents: int) -> None:
        """A refund made on Shopify's admin, limited by what Shopify itself still holds."""
        amount = Decimal(cents) / 100
        if sum(self.moved.values(), Decimal(0)) + amount > self.paid.amount:
            return  # Shopify refuses it
        self.moved[f"gid://shopify/Refund/direct-{len(self.moved) + 1}"] = amount
        self.the_store_syncs_the_order()

    @rule()
    def the_store_syncs_the_order(self) -> None:
        """The order as the store has it now (a webhook or a sync page), listing every refund made."""
        self.syncs += 1
        keys = {refund_id: key for key, refund_id in self.store.refunds.items()}
        given = sum(self.moved.values(), Decimal(0))
        financial = FinancialStatus.PAID if given == 0 else (
            FinancialStatus.REFUNDED if given >= self.paid.amount else FinancialStatus.PARTIALLY_REFUNDED)
        payload = {"refunds": [
            {"id": refund_id.rsplit("/", 1)[-1], "admin_graphql_api_id": refund_id,
             "note": f"Customer refund [{keys[refund_id]}]" if refund_id in keys else "",
             "transactions": [{"kind": "refund", "status": "success", "amount": str(amount), "currency": "EUR"}]}
            for refund_id, amount in self.moved.items()]}
        snap = dataclasses.replace(snapshot(self.number, updated=timedelta(minutes=self.syncs), financial=financial),
                                   raw=payload)
        import_order(self.c.uow(), shop_id=self.shop_id, snapshot=snap, at=self.clock.now(), source="webhook")

    # ------------------------------------------------------------ what must hold

    @invariant()
    def the_rows_and_the_timeline_agree_with_the_money(self) -> None:
        with self.c.uow() as uow:
            requests = uow.customer_refunds.for_order(self.shop_id, self.order_id)
            order = uow.orders.get(self.shop_id, self.order_id)
            events = uow.events.for_order(self.shop_id, self.order_id)
        assert order is not None
        self.refunded_never_exceeds_paid(requests)
        self.a_request_is_refunded_exactly_when_the_store_confirmed_it(requests)
        self.every_change_left_exactly_one_timeline_row(requests, events)
        assert_stage_rows_follow_the_stage(events, order.stage)

    def refunded_never_exceeds_paid(self, requests: Sequence[CustomerRefundRequest]) -> None:
        assert sum(self.moved.values(), Decimal(0)) <= self.paid.amount, (self.moved, self.paid)
        recorded = [r.refund_amount for r in requests if r.store_refund_id is not None and r.refund_amount]
        decided = [r.refund_amount for r in requests if r.refund_amount is not None]
        assert sum(recorded, Decimal(0)) <= self.paid.amount
        assert sum(decided, Decimal(0)) <= self.paid.amount
        assert all(r.currency == self.paid.currency for r in requests)
        # Each refund Order Center made at the store carries one request's key: one refund per request.
        assert sorted(self.store.refunds) == sorted({refund_key(r.id) for r in requests} & set(self.store.refunds))

    def a_request_is_refunded_exactly_when_the_store_confirmed_it(self,
                                                                 requests: Sequence[CustomerRefundRequest]) -> None:
        for request in requests:
            assert (request.status is CF.REFUNDED) == (request.store_refund_id is not None), request.status
            if request.refund_amount is not None and request.store_refund_id is None:
                # A refund under way may have left the store already (its answer lost): when the store's
                # webhook or a retry confirms it, the request must still be able to say so.
                assert CUSTOMER_REFUND_TRANSITIONS.can(request.status, CF.REFUNDED), \
                    f"request {request.id} is {request.status.value} while its refund is under way"

    def every_change_left_exactly_one_timeline_row(self, requests: Sequence[CustomerRefundRequest],
                                                   events: Sequence[OrderEvent]) -> None:
        for request in requests:
            assert_one_event_per_change(events, OrderEventType.CUSTOMER_REFUND_STATUS_CHANGED,
                                        CUSTOMER_REFUND_TRANSITIONS, request.id, CF.NEW, request.status)
            received = [e for e in events if e.type is OrderEventType.CUSTOMER_REFUND_RECEIVED
                        and e.parameters.get("customer_refund_id") == request.id]
            refunded = [e for e in events if e.type is OrderEventType.CUSTOMER_REFUNDED
                        and e.parameters.get("customer_refund_id") == request.id]
            assert len(received) == 1, f"request {request.id} was recorded {len(received)} times"
            ours = request.source is not CustomerRefundSource.STORE
            assert len(refunded) == (1 if ours and request.store_refund_id else 0), refunded


@LONG_TIMEOUT
def test_customer_refunds_through_the_services_never_refund_more_than_paid_and_write_each_change_once(
        container: Container, clock: ManualClock) -> None:
    # Hypothesis takes any factory of machines (here: bound to this test's database); its hint names the class.
    run_state_machine_as_test(lambda: CustomerRefundsThroughTheServices(container, clock),  # type: ignore[arg-type]
                              settings=SERVICE)


def test_a_refund_under_way_cannot_be_declined_and_the_store_confirmation_is_still_recorded(
        container: Container, clock: ManualClock) -> None:
    # given: a refund decided and sent to the store, whose answer was lost (found by the machine above)
    shop_id = new_shop(container)
    order_id = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1001), at=clock.now(),
                            source="test").order_id
    request_id = customer_refunds.record_request(container.uow(), clock, shop_id=shop_id, order_id=order_id,
                                                 data=RefundRequestInput(message="Broken", amount="10.00"),
                                                 actor_id="staff-1").request.id
    store = MoneyStore(fail_next=StoreError("lost"), refund_then_fail=True)
    with pytest.raises(StoreError):
        customer_refunds.refund_customer(container.uow(), lambda: store, clock, shop_id=shop_id,
                                         request_id=request_id, actor_id="staff-1")
    # when: the merchant replies declining it
    with pytest.raises(Conflict) as refused:
        customer_refunds.reply_to_customer(container.uow(), clock, shop_id=shop_id, request_id=request_id,
                                           template="refund_declined", actor_id="staff-1")
    # then: refused, and the store's webhook listing the refund completes the request
    assert refused.value.field == "status" and "being made on the store" in refused.value.message
    [(refund_id, key)] = [(v, k) for k, v in store.refunds.items()]
    payload = {"refunds": [{"id": "1", "admin_graphql_api_id": refund_id, "note": f"Customer refund [{key}]",
                            "transactions": [{"kind": "refund", "status": "success", "amount": "10.00",
                                              "currency": "EUR"}]}]}
    snap = dataclasses.replace(snapshot(1001, updated=timedelta(minutes=1),
                                        financial=FinancialStatus.PARTIALLY_REFUNDED), raw=payload)
    import_order(container.uow(), shop_id=shop_id, snapshot=snap, at=clock.now(), source="webhook")
    with container.uow() as uow:
        [request] = uow.customer_refunds.for_order(shop_id, order_id)
        assert (request.status, request.store_refund_id) == (CF.REFUNDED, refund_id)
