"""Duplicating an order fulfilled on the store by mistake, on SQLite and PostgreSQL, with a fake store."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.ports import FulfillmentLine, OrderPage, StoreError, StoreShopInfo, TrackingInfo
from ordercenter.bootstrap import Container
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.duplicates import DUPLICATE_TAG
from ordercenter.domain.errors import DomainError, NotAllowed
from ordercenter.domain.money import Money
from ordercenter.domain.shops import Shop
from ordercenter.domain.snapshots import OrderSnapshot
from ordercenter.domain.status import AttentionReason, FinancialStatus, FulfillmentStatus, Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder, idempotency_key
from ordercenter.services.duplicates import CLAIM_TIMEOUT, duplicate_order, link_pending_duplicates
from ordercenter.services.ingestion import import_order
from tests.factories import T0, snapshot


class FakeStore:
    """A StorePlatform that remembers the copies it was asked for; it can be told to fail the next one."""

    def __init__(self, delay: float = 0.0) -> None:
        self.duplicate_calls: list[tuple[OrderSnapshot, str, str]] = []
        self.created: list[OrderSnapshot] = []
        self.fail_next: StoreError | None = None
        self.create_then_fail = False  # the store makes the copy but the answer is lost
        self.delay = delay
        self._lock = threading.Lock()

    def duplicate_order(self, original: OrderSnapshot, *, tag: str, note: str) -> OrderSnapshot:
        time.sleep(self.delay)
        with self._lock:
            self.duplicate_calls.append((original, tag, note))
            if self.fail_next is not None and not self.create_then_fail:
                error, self.fail_next = self.fail_next, None
                raise error
            number = 1042 + len(self.created)
            copy = dataclasses.replace(
                snapshot(number, lines=0), lines=original.lines, subtotal_price=original.subtotal_price,
                total_price=original.total_price, total_shipping=original.total_shipping,
                total_tax=original.total_tax, total_discounts=original.total_discounts, email=original.email,
                customer_name=original.customer_name,
                shipping_address=original.shipping_address, tags=tuple(sorted({*original.tags, tag})), note=note,
                fulfillment_status=FulfillmentStatus.UNFULFILLED, financial_status=FinancialStatus.PAID)
            copy = dataclasses.replace(copy, lines=tuple(
                dataclasses.replace(line, platform_line_id=f"{copy.platform_order_id}{i}")
                for i, line in enumerate(copy.lines)))
            self.created.append(copy)
            if self.create_then_fail:
                raise StoreError("Shopify did not answer orderCreate (timed out); the outcome is unknown, "
                                 "check the store before trying again")
            return copy

    def iter_order_pages(self, *, updated_since: datetime | None) -> Iterator[OrderPage]:
        yield OrderPage(orders=list(self.created), end_cursor=None, has_next_page=False)

    def fetch_shop(self) -> StoreShopInfo:
        return StoreShopInfo(name="fake", currency="EUR")

    def create_fulfillment(self, order_gid: str, lines: list[FulfillmentLine], tracking: TrackingInfo,
                           *, notify_customer: bool) -> str:
        raise NotImplementedError

    def update_tracking(self, fulfillment_id: str, tracking: TrackingInfo, *, notify_customer: bool) -> None:
        raise NotImplementedError

    def refund(self, order_gid: str, lines: list[FulfillmentLine], shipping: Money | None, note: str,
               *, notify_customer: bool) -> str:
        raise NotImplementedError

    def refund_amount(self, order_gid: str, amount: Money, note: str, *, notify_customer: bool,
                      key: str | None = None) -> str:
        raise NotImplementedError

    def cancel_order(self, order_gid: str, *, reason: str, refund: bool, restock: bool, notify_customer: bool,
                     staff_note: str) -> None:
        raise NotImplementedError

    def register_webhooks(self, callback_url: str, topics: list[str]) -> None:
        raise NotImplementedError


def fulfilled_by_mistake(container: Container) -> tuple[int, int]:
    """A shop and an order of it that the store says is fulfilled while nothing was ordered."""
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="d.myshopify.com", name="d", currency="EUR", created_at=T0))
        uow.commit()
        shop_id = shop.id
    # First seen paid and unfulfilled (an order first seen fulfilled is history, not a mistake), then fulfilled.
    original = dataclasses.replace(snapshot(1017), tags=("vip",), note="leave at the door")
    import_order(container.uow(), shop_id=shop_id, snapshot=original, at=T0, source="webhook")
    fulfilled = dataclasses.replace(snapshot(1017, fulfillment=FulfillmentStatus.FULFILLED, updated=timedelta(hours=1)),
                                    tags=("vip",), note="leave at the door")
    result = import_order(container.uow(), shop_id=shop_id, snapshot=fulfilled, at=T0, source="webhook")
    return shop_id, result.order_id


def timeline(container: Container, shop_id: int, order_id: int) -> list[tuple[str, str, dict[str, object]]]:
    with container.uow() as uow:
        return [(e.type.value, e.message, e.parameters) for e in uow.events.for_order(shop_id, order_id)
                if e.type is OrderEventType.ORDER_DUPLICATED]


def test_the_order_starts_in_needs_attention_as_fulfilled_on_the_store(container: Container) -> None:
    shop_id, order_id = fulfilled_by_mistake(container)
    with container.uow() as uow:
        order = uow.orders.get(shop_id, order_id)
        assert order is not None
        assert (order.stage, order.attention_reason) == (Stage.NEEDS_ATTENTION, AttentionReason.FULFILLED_ON_STORE)


def test_duplicating_creates_one_copy_with_the_same_lines_customer_and_address_linked_both_ways(
        container: Container, clock: ManualClock) -> None:
    shop_id, order_id = fulfilled_by_mistake(container)
    store = FakeStore()
    result = duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")

    (sent, tag, note), = store.duplicate_calls
    assert tag == DUPLICATE_TAG
    assert note.startswith("Duplicate of #1017 (store order 5000001017)")
    assert [(line.variant_id, line.quantity) for line in sent.lines] == [
        ("40000000001", 1), ("40000000002", 2)]
    assert (sent.email, sent.customer_name, sent.shipping_address) == (
        "jane@example.com", "Jane Doe", snapshot().shipping_address)
    assert result.copy_name == "#1042"
    with container.uow() as uow:
        copy = uow.orders.get(shop_id, result.copy_id)
        assert copy is not None
        assert copy.duplicate_of_order_id == order_id
        assert (copy.financial_status, copy.fulfillment_status) == (FinancialStatus.PAID,
                                                                    FulfillmentStatus.UNFULFILLED)
        assert copy.stage in (Stage.TO_ORDER, Stage.NEEDS_ATTENTION)
    original_events = timeline(container, shop_id, order_id)
    assert [m for _, m, _ in original_events] == ["Duplicate requested on the store", "Duplicated as #1042"]
    assert original_events[-1][2]["copy_id"] == result.copy_id
    copy_events = timeline(container, shop_id, result.copy_id)
    assert [(m, p["original_id"]) for _, m, p in copy_events] == [("Duplicate of #1017", order_id)]


def test_a_second_request_is_refused_as_already_duplicated_and_the_store_is_not_called_again(
        container: Container, clock: ManualClock) -> None:
    shop_id, order_id = fulfilled_by_mistake(container)
    store = FakeStore()
    duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    with pytest.raises(NotAllowed, match="#1017 was already duplicated as #1042"):
        duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    assert len(store.duplicate_calls) == 1


def test_an_order_with_a_live_supplier_order_is_refused_and_the_store_is_not_called(
        container: Container, clock: ManualClock) -> None:
    shop_id, order_id = fulfilled_by_mistake(container)
    with container.uow() as uow:
        uow.supplier_orders.add(SupplierOrder(
            shop_id=shop_id, order_id=order_id, group_key="seller-1", currency="USD", created_at=T0,
            idempotency_key=idempotency_key(shop_id, "5000001017", "seller-1", 1),
            status=SupplierOrderStatus.PLACED, supplier_order_id="8123"))
        uow.commit()
    store = FakeStore()
    with pytest.raises(NotAllowed, match="already ordered from the supplier: supplier order 8123"):
        duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    assert store.duplicate_calls == []
    assert timeline(container, shop_id, order_id) == []  # a refusal leaves no claim behind


def test_a_store_refusal_releases_the_claim_so_the_merchant_can_try_again(
        container: Container, clock: ManualClock) -> None:
    shop_id, order_id = fulfilled_by_mistake(container)
    store = FakeStore()
    store.fail_next = StoreError("Product variant does not exist.")
    with pytest.raises(StoreError, match="variant does not exist"):
        duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    assert [m for _, m, _ in timeline(container, shop_id, order_id)] == [
        "Duplicate requested on the store", "Duplicate not created: Product variant does not exist."]
    result = duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    assert result.copy_name == "#1042"


def test_an_unknown_outcome_keeps_the_claim_and_the_copy_is_linked_when_it_syncs_in(
        container: Container, clock: ManualClock) -> None:
    # given: the store made the copy but its answer was lost
    shop_id, order_id = fulfilled_by_mistake(container)
    store = FakeStore()
    store.create_then_fail = True
    with pytest.raises(StoreError, match="outcome is unknown"):
        duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    # when: a retry comes at once
    with pytest.raises(NotAllowed, match="already being created on the store"):
        duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    # when: the copy arrives by webhook and the sweep runs (twice: it is idempotent)
    copy = import_order(container.uow(), shop_id=shop_id, snapshot=store.created[0], at=clock.now(),
                        source="webhook")
    linked = link_pending_duplicates(container.uow(), shop_id=shop_id, at=clock.now())
    assert link_pending_duplicates(container.uow(), shop_id=shop_id, at=clock.now()) == []
    # then
    assert [(r.original_id, r.copy_id) for r in linked] == [(order_id, copy.order_id)]
    assert [m for _, m, _ in timeline(container, shop_id, order_id)][-1] == "Duplicated as #1042"
    assert [m for _, m, _ in timeline(container, shop_id, copy.order_id)] == ["Duplicate of #1017"]
    with pytest.raises(NotAllowed, match="already duplicated as #1042"):
        duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    assert len(store.duplicate_calls) == 1


def test_after_a_stale_claim_the_copy_found_on_the_store_is_linked_instead_of_made_again(
        container: Container, clock: ManualClock) -> None:
    shop_id, order_id = fulfilled_by_mistake(container)
    store = FakeStore()
    store.create_then_fail = True
    with pytest.raises(StoreError):
        duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    store.create_then_fail = False
    clock.advance(CLAIM_TIMEOUT + timedelta(seconds=1))
    result = duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    assert result.copy_name == "#1042"
    assert len(store.duplicate_calls) == 1


def test_after_a_stale_claim_with_no_copy_on_the_store_a_new_copy_is_made(
        container: Container, clock: ManualClock) -> None:
    # given: the request was claimed, then the process died before the store was called
    shop_id, order_id = fulfilled_by_mistake(container)
    store = FakeStore()
    store.create_then_fail = True
    with pytest.raises(StoreError):
        duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    store.created.clear()  # as if the store never got it
    store.create_then_fail = False
    clock.advance(CLAIM_TIMEOUT + timedelta(seconds=1))
    # when
    result = duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id, actor_id="u1")
    # then
    assert len(store.duplicate_calls) == 2
    messages = [m for _, m, _ in timeline(container, shop_id, order_id)]
    assert messages[-2].startswith("Duplicate not created: no copy on the store")
    assert messages[-1] == f"Duplicated as {result.copy_name}"


def test_a_double_click_creates_one_copy_on_the_store(container: Container, clock: ManualClock) -> None:
    shop_id, order_id = fulfilled_by_mistake(container)
    store = FakeStore(delay=0.3)
    outcomes: list[object] = []

    def click() -> None:
        try:
            outcomes.append(duplicate_order(container.uow(), store, clock, shop_id=shop_id, order_id=order_id,
                                            actor_id="u1"))
        except DomainError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(store.duplicate_calls) == 1
    refusals = [o for o in outcomes if isinstance(o, NotAllowed)]
    assert len(refusals) == 1
    assert "already being created" in refusals[0].message
