"""Tracking sync on both databases with fake supplier and store: status walks, fulfilments with tracking,
retries without double fulfilment, corrections, cancellations, the poll schedule and alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.db.repositories import OrderFilter
from ordercenter.adapters.ports import (
    PackageItem,
    StoreError,
    SupplierError,
    SupplierErrorKind,
    TrackingEvent,
    TrackingPackage,
)
from ordercenter.bootstrap import Container
from ordercenter.domain.alerts import AlertKind
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import ActorKind, AttentionReason, Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder, SupplierOrderLine
from ordercenter.services.ingestion import import_order
from ordercenter.services.polling import poll_due
from ordercenter.services.tracking import sync_supplier_order
from tests.factories import T0, snapshot
from tests.fakes import FakeStore, FakeSupplier

SO = SupplierOrderStatus
AE_ID = "8190000000001"


@dataclass
class Setup:
    container: Container
    clock: ManualClock
    supplier: FakeSupplier
    store: FakeStore
    shop_id: int
    order_id: int
    so_id: int
    line_gids: list[str]

    def sync(self) -> object:
        return sync_supplier_order(self.container.uow(), self.supplier, self.store, self.clock,
                                   shop_id=self.shop_id, supplier_order_id=self.so_id)

    def so(self) -> SupplierOrder:
        with self.container.uow() as uow:
            so = uow.supplier_orders.get(self.shop_id, self.so_id)
            assert so is not None
            return so

    def stage(self) -> Stage:
        with self.container.uow() as uow:
            order = uow.orders.get(self.shop_id, self.order_id)
            assert order is not None
            return order.stage

    def event_types(self) -> list[OrderEventType]:
        with self.container.uow() as uow:
            return [e.type for e in uow.events.for_order(self.shop_id, self.order_id)]


def setup(container: Container, clock: ManualClock, *, status: SO = SO.PLACED,
          guaranteed_days: int | None = None) -> Setup:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="t.myshopify.com", name="t", currency="EUR", created_at=T0,
                                  notify_customer_on_fulfillment=False))
        uow.commit()
        shop_id = shop.id
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(lines=2), at=T0, source="sync")
    with container.uow() as uow:
        [order] = uow.orders.page(shop_id, OrderFilter())
        so = SupplierOrder(shop_id=shop_id, order_id=order.id, group_key="store-1", idempotency_key="oc-1",
                           supplier_order_id=AE_ID, status=status, currency="EUR", created_at=T0, placed_at=T0,
                           guaranteed_delivery_days=guaranteed_days)
        so.lines = [SupplierOrderLine(shop_id=shop_id, line_item_id=line.id, supplier_product_id=f"100500{i}",
                                      sku_attr="", quantity=line.quantity, unit_cost=Decimal("3.10"))
                    for i, line in enumerate(order.lines, start=1)]
        uow.supplier_orders.add(so)
        uow.commit()
        gids = [f"gid://shopify/LineItem/{line.platform_line_id}" for line in order.lines]
        return Setup(container, clock, FakeSupplier(), FakeStore(), shop_id, order.id, so.id, gids)


def package(number: str, *items: tuple[str, int], carrier: str = "Cainiao", at_hours: float = 0) -> TrackingPackage:
    return TrackingPackage(number=number, carrier=carrier,
                           events=[TrackingEvent(T0 + timedelta(hours=at_hours), "Accepted by carrier")],
                           items=[PackageItem(pid, "", qty) for pid, qty in items])


def test_a_supplier_jump_to_shipped_walks_through_paid_and_fulfils_the_order_with_tracking(
        container: Container, clock: ManualClock) -> None:
    s = setup(container, clock)
    s.supplier.set(AE_ID, "WAIT_BUYER_ACCEPT_GOODS", logistics="SELLER_SEND_GOODS", paid_at=T0 + timedelta(hours=1))
    s.supplier.packages[AE_ID] = [package("LP001", at_hours=5)]
    clock.advance(timedelta(hours=6))

    s.sync()

    so = s.so()
    assert so.status is SO.SHIPPED
    assert so.paid_at == T0 + timedelta(hours=1)  # the supplier's payment time, not ours
    [fulfilment] = s.store.fulfilments.values()
    assert [(line.line_gid, line.quantity) for line in fulfilment.lines] == [(s.line_gids[0], 1), (s.line_gids[1], 2)]
    assert (fulfilment.tracking.number, fulfilment.tracking.company) == ("LP001", "Cainiao")
    assert fulfilment.tracking.url == "https://global.cainiao.com/detail.htm?mailNoList=LP001"
    assert fulfilment.notify_customer is False  # the shop's setting
    [shipment] = so.shipments
    assert shipment.store_fulfillment_id is not None and shipment.pushed_at == clock.now()
    assert s.stage() is Stage.IN_TRANSIT
    types = s.event_types()
    assert types.count(OrderEventType.SUPPLIER_ORDER_STATUS_CHANGED) == 2
    assert OrderEventType.TRACKING_PUSHED in types


def test_two_packages_that_list_their_items_make_two_partial_fulfilments(
        container: Container, clock: ManualClock) -> None:
    s = setup(container, clock, status=SO.PAID)
    s.supplier.set(AE_ID, "WAIT_BUYER_ACCEPT_GOODS", logistics="SELLER_SEND_GOODS")
    s.supplier.packages[AE_ID] = [package("LP001", ("1005001", 1)), package("LP002", ("1005002", 2))]

    s.sync()

    lines = [[(line.line_gid, line.quantity) for line in f.lines] for f in s.store.fulfilments.values()]
    assert lines == [[(s.line_gids[0], 1)], [(s.line_gids[1], 2)]]


def test_a_failed_push_is_retried_next_time_and_never_fulfils_twice(container: Container, clock: ManualClock) -> None:
    s = setup(container, clock, status=SO.PAID)
    s.supplier.set(AE_ID, "WAIT_BUYER_ACCEPT_GOODS")
    s.supplier.packages[AE_ID] = [package("LP001")]
    s.store.fail_next = StoreError("Shopify is down")

    s.sync()
    [shipment] = s.so().shipments
    assert shipment.pushed_at is None and shipment.push_error == "Shopify is down"
    assert s.stage() is Stage.AWAITING_SHIPMENT

    s.sync()
    s.sync()
    assert len(s.store.fulfilments) == 1
    assert s.store.updates == []
    assert s.stage() is Stage.IN_TRANSIT


def test_a_corrected_tracking_number_updates_the_existing_fulfilment(container: Container, clock: ManualClock) -> None:
    s = setup(container, clock, status=SO.PAID)
    s.supplier.set(AE_ID, "WAIT_BUYER_ACCEPT_GOODS")
    s.supplier.packages[AE_ID] = [package("LP001")]
    s.sync()
    s.supplier.packages[AE_ID] = [package("YT999", carrier="YunExpress")]

    s.sync()

    assert len(s.store.fulfilments) == 1
    [(fulfillment_id, tracking, _)] = s.store.updates
    assert (tracking.number, tracking.company, tracking.url) == (
        "YT999", "YunExpress", "https://www.yuntrack.com/parcelTracking?id=YT999")
    [shipment] = s.so().shipments
    assert shipment.store_fulfillment_id == fulfillment_id and shipment.pushed_tracking_number == "YT999"


def test_a_supplier_cancellation_before_shipping_needs_the_merchant(container: Container, clock: ManualClock) -> None:
    s = setup(container, clock, status=SO.PAID)
    s.supplier.set(AE_ID, "FINISH", logistics="NO_LOGISTICS", end_reason="CANCELED")

    s.sync()

    so = s.so()
    assert so.status is SO.CANCELLED and so.cancelled_by is ActorKind.SUPPLIER
    assert ("get_tracking", AE_ID) not in s.supplier.calls
    with container.uow() as uow:
        order = uow.orders.get(s.shop_id, s.order_id)
        assert order is not None and order.attention_reason is AttentionReason.SUPPLIER_CANCELLED


def test_delivery_then_finish_moves_to_delivered_then_completed(container: Container, clock: ManualClock) -> None:
    s = setup(container, clock, status=SO.PAID)
    s.supplier.set(AE_ID, "WAIT_BUYER_ACCEPT_GOODS", logistics="BUYER_ACCEPT_GOODS")
    s.supplier.packages[AE_ID] = [package("LP001")]
    s.sync()
    assert s.so().status is SO.DELIVERED and s.stage() is Stage.DELIVERED

    s.supplier.set(AE_ID, "FINISH", logistics="BUYER_ACCEPT_GOODS", end_reason="BUYER_ACCEPT_GOODS")
    s.sync()
    assert s.so().status is SO.COMPLETED and s.stage() is Stage.COMPLETED
    assert s.so().next_poll_at is None


def test_the_poller_looks_only_at_due_orders_and_schedules_the_next_look(
        container: Container, clock: ManualClock) -> None:
    s = setup(container, clock)
    s.supplier.set(AE_ID, "PLACE_ORDER_SUCCESS")

    def poll() -> int:
        return poll_due(container.uow(), lambda so: s.supplier, lambda shop: s.store, clock, limit=10)

    assert poll() == 1
    assert s.so().next_poll_at == clock.now() + timedelta(minutes=15)
    clock.advance(timedelta(minutes=14))
    assert poll() == 0
    clock.advance(timedelta(minutes=1))
    assert poll() == 1
    assert s.supplier.calls.count(("get_order", AE_ID)) == 2


def test_a_supplier_failure_is_kept_on_the_order_and_retried_on_schedule(
        container: Container, clock: ManualClock) -> None:
    s = setup(container, clock)
    s.supplier.fail_next = SupplierError(SupplierErrorKind.TRANSIENT, "AliExpress timed out")

    answered = poll_due(container.uow(), lambda so: s.supplier, lambda shop: s.store, clock, limit=10)

    so = s.so()
    assert answered == 0
    assert so.last_poll_error == "AliExpress timed out"
    assert so.next_poll_at == clock.now() + timedelta(minutes=15)


def test_an_alert_is_raised_once_on_the_timeline_and_resolved_when_its_condition_clears(
        container: Container, clock: ManualClock) -> None:
    s = setup(container, clock)
    s.supplier.set(AE_ID, "PLACE_ORDER_SUCCESS")
    clock.advance(timedelta(days=17, hours=1))
    s.sync()
    s.sync()
    with container.uow() as uow:
        [alert] = uow.alerts.open_for_supplier_order(s.shop_id, s.so_id)
        assert alert.kind is AlertKind.PAYMENT_DEADLINE_NEAR
    assert s.event_types().count(OrderEventType.ALERT_RAISED) == 1

    s.supplier.set(AE_ID, "WAIT_SELLER_SEND_GOODS")
    s.sync()
    with container.uow() as uow:
        assert uow.alerts.open_for_supplier_order(s.shop_id, s.so_id) == []
        [resolved] = uow.alerts.list(s.shop_id, open_only=False, limit=10)
        assert resolved.resolved_at == clock.now()


def test_tracking_without_movement_for_two_days_raises_a_stalled_alert(
        container: Container, clock: ManualClock) -> None:
    s = setup(container, clock, status=SO.PAID)
    s.supplier.set(AE_ID, "WAIT_BUYER_ACCEPT_GOODS")
    s.supplier.packages[AE_ID] = [package("LP001", at_hours=1)]
    clock.advance(timedelta(hours=49))

    s.sync()

    with container.uow() as uow:
        kinds = {a.kind for a in uow.alerts.open_for_supplier_order(s.shop_id, s.so_id)}
    assert kinds == {AlertKind.TRACKING_STALLED_48H}


def test_the_suppliers_own_payment_deadline_replaces_the_default_and_is_warned_of_before_it_passes(
        container: Container, clock: ManualClock) -> None:
    # given: the supplier closes unpaid orders one day after creation (pay_timeout_second), not 20 days
    s = setup(container, clock)
    s.supplier.set(AE_ID, "PLACE_ORDER_SUCCESS", pay_deadline=T0 + timedelta(days=1))
    s.sync()
    assert s.so().payment_deadline == T0 + timedelta(days=1)
    with container.uow() as uow:
        assert uow.alerts.open_for_supplier_order(s.shop_id, s.so_id) == []

    # when: half of that day has gone
    clock.advance(timedelta(hours=12))
    s.sync()

    # then: the merchant is warned with the supplier's deadline, and told again once it passed
    with container.uow() as uow:
        [alert] = uow.alerts.open_for_supplier_order(s.shop_id, s.so_id)
        assert alert.kind is AlertKind.PAYMENT_DEADLINE_NEAR and "2026-03-03 09:30 UTC" in alert.message
    clock.advance(timedelta(hours=12))
    s.sync()
    with container.uow() as uow:
        kinds = {a.kind for a in uow.alerts.open_for_supplier_order(s.shop_id, s.so_id)}
    assert kinds == {AlertKind.PAYMENT_DEADLINE_PASSED}


def test_an_order_cancelled_on_the_store_whose_supplier_order_then_ships_stays_flagged_with_an_alert(
        container: Container, clock: ManualClock) -> None:
    # given: paid at the supplier, then cancelled on the store
    s = setup(container, clock, status=SO.PAID)
    import_order(container.uow(), shop_id=s.shop_id, at=T0, source="webhook orders/cancelled",
                 snapshot=snapshot(lines=2, updated=timedelta(hours=1), cancelled_at=T0 + timedelta(hours=1)))
    assert s.stage() is Stage.NEEDS_ATTENTION

    # when: the supplier ships it anyway
    s.supplier.set(AE_ID, "WAIT_BUYER_ACCEPT_GOODS", logistics="SELLER_SEND_GOODS")
    s.supplier.packages[AE_ID] = [package("LP001", at_hours=5)]
    clock.advance(timedelta(hours=6))
    s.sync()

    # then: still needs attention, with the reason and one alert that says what to do
    assert s.so().status is SO.SHIPPED
    with container.uow() as uow:
        order = uow.orders.get(s.shop_id, s.order_id)
        assert order is not None and order.attention_reason is AttentionReason.CANCELLED_ON_STORE
        assert "open a return/refund request" in (order.attention_detail or "")
        [alert] = uow.alerts.open_for_supplier_order(s.shop_id, s.so_id)
    assert s.stage() is Stage.NEEDS_ATTENTION
    assert alert.kind is AlertKind.SHIPPED_AFTER_STORE_CANCEL
    s.sync()
    assert s.event_types().count(OrderEventType.ALERT_RAISED) == 1
