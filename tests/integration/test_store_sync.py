"""The Shopify adapter against the sandbox store over real HTTP: connect, backfill, incremental sync,
throttling, webhooks, and both payload shapes giving the same order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.db.repositories import OrderFilter
from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.adapters.shopify.normalize import normalize_webhook_order
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.orders import Order
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import Stage
from ordercenter.entrypoints.api.app import create_app
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, ShopConfig, create_sandbox_store
from ordercenter.services.ingestion import ImportOutcome
from ordercenter.services.shops import connect_shop
from ordercenter.services.store_sync import SyncReport, sync_orders
from tests.live_server import free_port, live_server

SHOP = ShopConfig(domain="sync-test.myshopify.com", name="Sync Test", access_token="shpat_test_sync_token",
                  client_id="test-client", client_secret="test-client-secret", currency="USD")


@dataclass
class World:
    container: Container
    store: SandboxStore
    url: str
    shop: Shop

    @property
    def api_url(self) -> str:
        return f"{self.url}/sandbox/shopify"

    def sync(self, *, full: bool = False) -> SyncReport:
        return sync_orders(self.container.uow(), self.container.store_for(self.shop), self.container.clock,
                           shop_id=self.shop.id, full=full)

    def settle(self, timeout: float = 20.0) -> None:
        """Webhooks delivered by the store *and* applied by us (we apply them after answering 200)."""
        deadline = time.monotonic() + timeout
        assert self.store.wait_idle(timeout)
        while True:
            with self.container.uow() as uow:
                if not uow.webhooks.pending(1):
                    return
            assert time.monotonic() < deadline, "stored webhooks were not applied in time"
            time.sleep(0.05)

    def orders_by_platform_id(self) -> dict[str, Order]:
        with self.container.uow() as uow:
            return {o.platform_order_id: o for o in uow.orders.page(self.shop.id, OrderFilter(limit=10_000))}


def make_world(settings: Settings, app_clock: ManualClock, **store_options: object) -> Iterator[World]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    container = bootstrap(settings.model_copy(update={"public_url": url}), clock=app_clock,
                          migrate=settings.database_url is None)
    sandbox = create_sandbox_store(SandboxStoreConfig(shops=[SHOP], **store_options))  # type: ignore[arg-type]
    app = create_app(container, mounts={"/sandbox/shopify": sandbox})
    with live_server(app, port):
        shop = connect_shop(container.uow(), container.connect_store, container.secrets, domain=SHOP.domain,
                            access_token=SHOP.access_token, webhook_secret=SHOP.client_secret,
                            api_url=f"{url}/sandbox/shopify", callback_url=container.webhook_callback_url,
                            now=app_clock.now())
        yield World(container, sandbox.store, url, shop)
        sandbox.store.close()
    container.engine.dispose()


@pytest.fixture
def world(settings: Settings, clock: ManualClock) -> Iterator[World]:
    # A generous bucket keeps these tests quick; pacing at Shopify's real numbers is measured in bench/.
    yield from make_world(settings, clock, bucket_size=20_000.0, restore_rate=10_000.0)


def store_order_ids(store: SandboxStore) -> set[str]:
    return {str(o["id"]) for o in store.snapshot(SHOP.domain)}


def test_connecting_checks_the_token_and_subscribes_to_order_webhooks(world: World) -> None:
    assert world.shop.name == "Sync Test"
    topics = {s.topic for s in world.store.shop(SHOP.domain).subscriptions}
    assert {"ORDERS_CREATE", "ORDERS_PAID", "ORDERS_UPDATED", "ORDERS_CANCELLED", "ORDERS_FULFILLED",
            "ORDERS_PARTIALLY_FULFILLED", "REFUNDS_CREATE", "APP_UNINSTALLED"} <= topics
    with world.container.uow() as uow:
        stored = uow.shops.get(world.shop.id)
        assert stored is not None
        assert stored.access_token_encrypted is not None
        assert SHOP.access_token not in stored.access_token_encrypted


def test_a_paged_full_backfill_walks_every_page_and_imports_every_status(world: World) -> None:
    world.store.webhooks.set_options(drop=True)  # this test is about sync alone
    world.store.generate_orders(SHOP.domain, 120)
    pending = world.store.generate_orders(SHOP.domain, 7, financial_status="PENDING")
    report = world.sync(full=True)
    assert report.pages == 13  # 10 orders a page: see queries.PAGE_SIZE
    assert report.count(ImportOutcome.CREATED) == 127
    orders = world.orders_by_platform_id()
    assert set(orders) == store_order_ids(world.store)
    assert {orders[str(o.id)].stage for o in pending} == {Stage.UNPAID}  # stored, not to be ordered yet


def test_an_incremental_sync_asks_only_for_what_changed(settings: Settings, clock: ManualClock) -> None:
    store_clock = ManualClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    for world in make_world(settings, clock, bucket_size=20_000.0, restore_rate=10_000.0, clock=store_clock.now):
        _incremental_sync(world, store_clock)


def _incremental_sync(world: World, store_clock: ManualClock) -> None:
    world.store.webhooks.set_options(drop=True)
    for _ in range(60):
        world.store.generate_orders(SHOP.domain, 1)
        store_clock.advance(timedelta(seconds=1))
    pending = world.store.generate_orders(SHOP.domain, 2, financial_status="PENDING")
    world.sync(full=True)
    store_clock.advance(timedelta(minutes=10))
    world.store.mark_paid(SHOP.domain, pending[0].id)
    world.store.generate_orders(SHOP.domain, 3)
    report = world.sync()
    # the 4 changed orders, plus the one updated in the watermark's own second (the search is inclusive)
    assert report.seen == 5, report
    assert report.count(ImportOutcome.CREATED) == 3, report
    assert report.count(ImportOutcome.UPDATED) == 1, report  # the pending order, paid since
    again = world.sync()
    assert again.count(ImportOutcome.CREATED) == 0
    assert set(world.orders_by_platform_id()) == store_order_ids(world.store)


def test_a_tiny_bucket_throttles_but_the_backfill_finishes_without_a_failed_request(
        settings: Settings, clock: ManualClock) -> None:
    for world in make_world(settings, clock, bucket_size=1000.0, restore_rate=500.0):
        world.store.webhooks.set_options(drop=True)
        world.store.generate_orders(SHOP.domain, 150)
        report = world.sync(full=True)
        assert report.count(ImportOutcome.CREATED) == 150


def test_webhooks_from_the_store_bring_orders_in(world: World) -> None:
    world.store.webhooks.set_options(duplicate=True)
    created = world.store.generate_orders(SHOP.domain, 3)
    world.settle()
    orders = world.orders_by_platform_id()
    assert {str(o.id) for o in created} <= set(orders)
    one = orders[str(created[0].id)]
    with world.container.uow() as uow:
        events = uow.events.for_order(world.shop.id, one.id)
    assert [e.type for e in events].count(OrderEventType.ORDER_IMPORTED) == 1


def test_an_order_cancelled_on_the_store_after_sync_leaves_to_order(world: World) -> None:
    order = world.store.generate_orders(SHOP.domain, 1)[0]
    world.settle()
    world.store.cancel_order(SHOP.domain, order.id, refund_payment=True)
    world.settle()
    stored = world.orders_by_platform_id()[str(order.id)]
    assert stored.stage is Stage.CANCELLED


def test_the_webhook_shape_and_the_graphql_shape_give_the_same_order(world: World) -> None:
    world.store.webhooks.set_options(drop=True)
    world.store.generate_orders(SHOP.domain, 5)
    world.store.generate_orders(SHOP.domain, 2, with_shipping_address=False)
    client = ShopifyClient(SHOP.domain, SHOP.access_token, api_url=world.api_url)
    from_graphql = {o.platform_order_id: o for page in client.iter_order_pages(updated_since=None)
                    for o in page.orders}
    from_webhook = {str(p["id"]): normalize_webhook_order(p) for p in world.store.snapshot(SHOP.domain)}
    assert len(from_graphql) == 7
    for platform_id, snapshot in from_graphql.items():
        assert from_webhook[platform_id] == snapshot
