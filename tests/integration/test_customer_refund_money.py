"""Refunding a customer moves money once, on SQLite and PostgreSQL: two clicks at once, a lost answer, a
refusal, and the store's webhook of our own refund arriving first."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.ports import FulfillmentLine, OrderPage, StoreError, StoreShopInfo, TrackingInfo
from ordercenter.bootstrap import Container
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.errors import Conflict, DomainError, InvalidInput
from ordercenter.domain.money import Money
from ordercenter.domain.shops import Shop
from ordercenter.domain.snapshots import OrderSnapshot
from ordercenter.domain.status import CustomerRefundStatus
from ordercenter.services import customer_refunds, store_refunds
from ordercenter.services.customer_refunds import DECISION_TIMEOUT, RefundRequestInput
from ordercenter.services.ingestion import import_order
from tests.factories import T0, snapshot


@dataclass
class MoneyStore:
    """A StorePlatform that refunds by amount, remembering each refund under its key like Shopify's note."""

    delay: float = 0.0
    calls: list[tuple[str, Money, str | None]] = field(default_factory=list)
    refunds: dict[str, str] = field(default_factory=dict)  # key → refund id
    fail_next: StoreError | None = None
    refund_then_fail: bool = False  # the store refunds but the answer is lost
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refund_amount(self, order_gid: str, amount: Money, note: str, *, notify_customer: bool,
                      key: str | None = None) -> str:
        time.sleep(self.delay)
        with self._lock:
            self.calls.append((order_gid, amount, key))
            if key is not None and key in self.refunds:
                return self.refunds[key]
            if self.fail_next is not None and not self.refund_then_fail:
                error, self.fail_next = self.fail_next, None
                raise error
            refund_id = f"gid://shopify/Refund/{len(self.refunds) + 1}"
            self.refunds[key or refund_id] = refund_id
            if self.refund_then_fail:
                self.refund_then_fail = False
                raise StoreError("Shopify did not answer RefundCreate (timed out); the outcome is unknown, "
                                 "check the store before trying again")
            return refund_id

    def fetch_shop(self) -> StoreShopInfo:
        return StoreShopInfo(name="money", currency="EUR")

    def iter_order_pages(self, *, updated_since: datetime | None) -> Iterator[OrderPage]:
        return iter(())

    def create_fulfillment(self, order_gid: str, lines: list[FulfillmentLine], tracking: TrackingInfo,
                           *, notify_customer: bool) -> str:
        raise NotImplementedError

    def update_tracking(self, fulfillment_id: str, tracking: TrackingInfo, *, notify_customer: bool) -> None:
        raise NotImplementedError

    def refund(self, order_gid: str, lines: list[FulfillmentLine], shipping: Money | None, note: str,
               *, notify_customer: bool) -> str:
        raise NotImplementedError

    def cancel_order(self, order_gid: str, *, reason: str, refund: bool, restock: bool, notify_customer: bool,
                     staff_note: str) -> None:
        raise NotImplementedError

    def duplicate_order(self, original: OrderSnapshot, *, tag: str, note: str) -> OrderSnapshot:
        raise NotImplementedError

    def register_webhooks(self, callback_url: str, topics: list[str]) -> None:
        raise NotImplementedError


def a_request(container: Container, clock: ManualClock, amount: str = "10.00") -> tuple[int, int, int]:
    """(shop id, order id, request id): a paid order of 44.79 EUR and a customer asking for `amount`."""
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="m.myshopify.com", name="Money", currency="EUR", created_at=T0))
        uow.commit()
        shop_id = shop.id
    order_id = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1001), at=T0, source="test").order_id
    view = customer_refunds.record_request(container.uow(), clock, shop_id=shop_id, order_id=order_id,
                                           data=RefundRequestInput(message="Broken", amount=amount), actor_id="t")
    return shop_id, order_id, view.request.id


def refund(container: Container, store: MoneyStore, clock: ManualClock, shop_id: int, request_id: int,
           **kwargs: object) -> customer_refunds.CustomerRefundView:
    return customer_refunds.refund_customer(container.uow(), lambda: store, clock, shop_id=shop_id,
                                            request_id=request_id, actor_id="t", **kwargs)  # type: ignore[arg-type]


def decisions(container: Container, shop_id: int, order_id: int) -> list[str]:
    with container.uow() as uow:
        return [str(e.parameters.get("phase")) for e in uow.events.for_order(shop_id, order_id)
                if e.type is OrderEventType.CUSTOMER_REFUND_STATUS_CHANGED and e.parameters.get("phase")]


def test_two_clicks_at_once_refund_once_and_the_second_is_told_why(container: Container, clock: ManualClock) -> None:
    shop_id, _, request_id = a_request(container, clock)
    store = MoneyStore(delay=0.3)
    outcomes: list[object] = []

    def click() -> None:
        try:
            outcomes.append(refund(container, store, clock, shop_id, request_id))
        except DomainError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(store.calls) == 1
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "CustomerRefundView"]
    with container.uow() as uow:
        request = uow.customer_refunds.get(shop_id, request_id)
        assert request is not None
        assert (request.status, request.refund_amount) == (CustomerRefundStatus.REFUNDED, Decimal("10.00"))


def test_a_lost_answer_keeps_the_decision_and_a_retry_later_finds_the_first_refund(
    container: Container, clock: ManualClock,
) -> None:
    shop_id, order_id, request_id = a_request(container, clock)
    store = MoneyStore(refund_then_fail=True)

    with pytest.raises(StoreError, match="outcome is unknown"):
        refund(container, store, clock, shop_id, request_id)
    with pytest.raises(Conflict, match="being made on the store"):
        refund(container, store, clock, shop_id, request_id, amount="3.00")
    clock.advance(DECISION_TIMEOUT + timedelta(seconds=1))
    view = refund(container, store, clock, shop_id, request_id)

    assert [key for _, _, key in store.calls] == ["customer-refund:1"] * 2  # the retry used the same key
    assert [m.amount for _, m, _ in store.calls] == [Decimal("10.00")] * 2
    assert len(store.refunds) == 1
    assert view.request.store_refund_id == "gid://shopify/Refund/1"
    assert decisions(container, shop_id, order_id) == ["refund_decided", "refund_decided"]


def test_a_refusal_takes_the_decision_back_so_the_merchant_may_decide_again(
    container: Container, clock: ManualClock,
) -> None:
    shop_id, order_id, request_id = a_request(container, clock)
    store = MoneyStore(fail_next=StoreError("the refund of 10.00 EUR exceeds the 5.00 EUR still refundable",
                                            field="amount"))

    with pytest.raises(InvalidInput) as caught:
        refund(container, store, clock, shop_id, request_id)
    view = refund(container, store, clock, shop_id, request_id, amount="5.00")

    assert caught.value.field == "amount"
    assert view.request.refund_amount == Decimal("5.00")
    assert view.request.status is CustomerRefundStatus.REFUNDED
    assert decisions(container, shop_id, order_id) == ["refund_decided", "refund_failed", "refund_decided"]


def test_the_webhook_of_our_own_refund_arriving_first_marks_the_request_once(
    container: Container, clock: ManualClock,
) -> None:
    shop_id, order_id, request_id = a_request(container, clock)

    class WebhookFirst(MoneyStore):
        def refund_amount(self, order_gid: str, amount: Money, note: str, *, notify_customer: bool,
                          key: str | None = None) -> str:
            refund_id = super().refund_amount(order_gid, amount, note, notify_customer=notify_customer, key=key)
            with container.uow() as uow:  # what the refunds/create delivery does before we hear back
                order = uow.orders.get(shop_id, order_id, for_update=True)
                assert order is not None
                store_refunds.record_store_refunds(uow, order, [store_refunds.StoreRefund(
                    refund_id, amount.amount, amount.currency, f"{note} [{key}]")], at=clock.now())
                uow.commit()
            return refund_id

    view = refund(container, WebhookFirst(), clock, shop_id, request_id)

    assert view.request.status is CustomerRefundStatus.REFUNDED
    with container.uow() as uow:
        assert len(uow.customer_refunds.for_order(shop_id, order_id)) == 1
        refunded = [e for e in uow.events.for_order(shop_id, order_id) if e.type is OrderEventType.CUSTOMER_REFUNDED]
    assert len(refunded) == 1
    assert view.net.refunded_to_customer == Money(Decimal("10.00"), "EUR")


def test_a_store_refund_delivered_twice_at_once_is_recorded_once(container: Container, clock: ManualClock) -> None:
    shop_id, order_id, _ = a_request(container, clock)
    refund_made = store_refunds.StoreRefund("gid://shopify/Refund/900", Decimal("4.99"), "EUR", "Goodwill")

    def deliver() -> None:
        with container.uow() as uow:
            order = uow.orders.get(shop_id, order_id, for_update=True)
            assert order is not None
            store_refunds.record_store_refunds(uow, order, [refund_made], at=clock.now())
            uow.commit()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deliver()  # and a redelivery later

    with container.uow() as uow:
        store_made = [r for r in uow.customer_refunds.for_order(shop_id, order_id) if r.store_refund_id]
    assert [(r.store_refund_id, r.status, r.refund_amount) for r in store_made] == [
        ("gid://shopify/Refund/900", CustomerRefundStatus.REFUNDED, Decimal("4.99"))]
