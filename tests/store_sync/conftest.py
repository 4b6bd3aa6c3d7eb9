"""A sandbox store and Order Center (API and webhooks) over real HTTP, for the sync and the bulk backfill."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.db.repositories import OrderFilter
from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.orders import Order
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.api.app import create_app
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, ShopConfig, create_sandbox_store
from ordercenter.sandbox.shopify.bulk import SandboxBulkOperations, bulk_operations
from ordercenter.services.bulk_backfill import BackfillReport, BulkWait, Progress, backfill_orders
from ordercenter.services.shops import connect_shop
from ordercenter.services.store_sync import SyncReport, sync_orders
from tests.live_server import free_port, live_server

SHOP = ShopConfig(domain="reconcile.myshopify.com", name="Reconcile", access_token="shpat_reconcile_token",
                  client_id="reconcile-client", client_secret="reconcile-client-secret", currency="USD")
# The finish webhook alone: the store is asked only after a minute, longer than any of these tests.
WEBHOOK_ONLY = BulkWait(check_every=0.02, first_poll=60.0)
# Polling alone, quickly.
POLL_ONLY = BulkWait(check_every=0.02, first_poll=0.05, max_poll=0.2)


@dataclass
class World:
    container: Container
    store: SandboxStore
    store_clock: ManualClock
    url: str
    shop: Shop

    @property
    def api_url(self) -> str:
        return f"{self.url}/sandbox/shopify"

    @property
    def bulk(self) -> SandboxBulkOperations:
        return bulk_operations(self.store)

    def client(self) -> ShopifyClient:
        return ShopifyClient(SHOP.domain, SHOP.access_token, api_url=self.api_url)

    def sync(self, *, full: bool = False) -> SyncReport:
        return sync_orders(self.container.uow(), self.container.store_for(self.shop), self.container.clock,
                           shop_id=self.shop.id, full=full)

    def backfill(self, *, wait: BulkWait = WEBHOOK_ONLY, since: datetime | None = None, batch_size: int = 7,
                 on_progress: Progress | None = None) -> BackfillReport:
        return backfill_orders(self.container.uow(), self.container.bulk_export_for(self.shop),
                               self.container.clock, shop_id=self.shop.id, since=since, batch_size=batch_size,
                               wait=wait, sleep=time.sleep, on_progress=on_progress)

    def settle(self, timeout: float = 20.0) -> None:
        """Webhooks delivered by the store and applied by Order Center (which applies them after its 200)."""
        deadline = time.monotonic() + timeout
        assert self.store.wait_idle(timeout)
        while True:
            with self.container.uow() as uow:
                if not uow.webhooks.pending(1):
                    return
            assert time.monotonic() < deadline, "stored webhooks were not applied in time"
            time.sleep(0.02)

    def orders(self) -> dict[str, Order]:
        with self.container.uow() as uow:
            return {o.platform_order_id: o for o in uow.orders.page(self.shop.id, OrderFilter(limit=100_000))}

    def shop_row(self) -> Shop:
        with self.container.uow() as uow:
            shop = uow.shops.get(self.shop.id)
            assert shop is not None
            return shop


def make_world(settings: Settings, app_clock: ManualClock) -> Iterator[World]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    container = bootstrap(settings.model_copy(update={"public_url": url}), clock=app_clock,
                          migrate=settings.database_url is None)
    store_clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    # A generous bucket keeps these tests quick; pacing at Shopify's real numbers is measured in bench/.
    sandbox = create_sandbox_store(SandboxStoreConfig(shops=[SHOP], bucket_size=20_000.0, restore_rate=10_000.0,
                                                      clock=store_clock.now))
    app = create_app(container, mounts={"/sandbox/shopify": sandbox})
    with live_server(app, port):
        shop = connect_shop(container.uow(), container.connect_store, container.secrets, domain=SHOP.domain,
                            access_token=SHOP.access_token, webhook_secret=SHOP.client_secret,
                            api_url=f"{url}/sandbox/shopify", callback_url=container.webhook_callback_url,
                            now=app_clock.now())
        world = World(container, sandbox.store, store_clock, url, shop)
        yield world
        world.bulk.set_options(hold=False)
        world.bulk.wait_finished()
        sandbox.store.close()
    container.engine.dispose()


@pytest.fixture
def world(settings: Settings, clock: ManualClock) -> Iterator[World]:
    yield from make_world(settings, clock)
