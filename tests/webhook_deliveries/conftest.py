"""A live Order Center with the sandbox store over real HTTP, and a store order whose webhooks cannot apply.

The cause is real: Order Center already holds one of the order's line items on another order (an
earlier import gone wrong), so inserting the order breaks the unique constraint on line items, on
SQLite and on PostgreSQL alike, on every try, until someone fixes the data.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.alerts import Alert
from ordercenter.domain.shops import Shop
from ordercenter.domain.webhooks import WebhookDelivery
from ordercenter.entrypoints.api.app import create_app
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, ShopConfig, create_sandbox_store
from ordercenter.services import access
from ordercenter.services.ingestion import import_order
from ordercenter.services.shops import connect_shop
from tests.factories import T0, snapshot
from tests.live_server import free_port, live_server

SHOP = ShopConfig(domain="hooks-retry.myshopify.com", name="Retry Test", access_token="shpat_test_retry_token",
                  client_id="retry-client", client_secret="retry-client-secret", currency="USD")
STALE_ORDER_NUMBER = 900  # the order that wrongly holds the new order's line item


@dataclass
class World:
    container: Container
    clock: ManualClock
    store: SandboxStore
    api: httpx.Client
    shop: Shop
    settings: Settings

    def deliveries(self) -> list[WebhookDelivery]:
        with self.container.uow() as uow:
            return list(reversed(uow.webhooks.page(self.shop.id, statuses=None, before_id=None, limit=100)))

    def delivery(self, delivery_id: int) -> WebhookDelivery:
        with self.container.uow() as uow:
            row = uow.webhooks.get(self.shop.id, delivery_id)
        assert row is not None
        return row

    def alerts(self) -> list[Alert]:
        with self.container.uow() as uow:
            return list(reversed(uow.alerts.list(self.shop.id, open_only=False, limit=100)))

    def wait_for(self, what: str, until: Callable[[], bool]) -> None:
        """Webhooks are applied right after their answer, in the server's thread: wait for it."""
        deadline = time.monotonic() + 10
        while not until():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.02)

    def order_that_fails_to_apply(self) -> list[WebhookDelivery]:
        """A paid order on the store whose line item Order Center already holds on another order; returns
        its webhook deliveries (orders/create and orders/paid) after their first, failed, try."""
        before = len(self.deliveries())
        self.store.webhooks.set_options(reorder=True, reorder_batch_size=1000)  # hold the webhooks
        created = self.store.generate_orders(SHOP.domain, 1, with_shipping_address=True)[0]
        stale = snapshot(STALE_ORDER_NUMBER, lines=1)
        stale = dataclasses.replace(stale, lines=(dataclasses.replace(stale.lines[0],
                                                                      platform_line_id=str(created.line_items[0].id)),))
        import_order(self.container.uow(), shop_id=self.shop.id, snapshot=stale, at=self.clock.now(),
                     source="sync")
        self.store.webhooks.set_options(reorder=False)  # release them
        assert self.store.wait_idle(10)
        self.wait_for("the first tries", lambda: len(self.deliveries()) == before + 2
                      and all(d.attempts == 1 for d in self.deliveries()[before:]))
        return sorted(self.deliveries()[before:], key=lambda d: d.topic)  # (held ones come in reverse)

    def fix_the_cause(self) -> None:
        """What an operator does: the stale order that holds the line item is corrected."""
        with self.container.uow() as uow:
            stale = uow.orders.by_platform_id(self.shop.id, snapshot(STALE_ORDER_NUMBER).platform_order_id)
            assert stale is not None
            stale.lines[0].platform_line_id = "corrected-" + stale.lines[0].platform_line_id
            uow.commit()


def make_world(settings: Settings, clock: ManualClock) -> Iterator[World]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = settings.model_copy(update={"public_url": url})
    container = bootstrap(settings, clock=clock, migrate=settings.database_url is None)
    sandbox = create_sandbox_store(SandboxStoreConfig(shops=[SHOP], bucket_size=20_000.0, restore_rate=10_000.0))
    app = create_app(container, mounts={"/sandbox/shopify": sandbox})
    with live_server(app, port):
        shop = connect_shop(container.uow(), container.connect_store, container.secrets, domain=SHOP.domain,
                            access_token=SHOP.access_token, webhook_secret=SHOP.client_secret,
                            api_url=f"{url}/sandbox/shopify", callback_url=container.webhook_callback_url,
                            now=clock.now())
        token = access.create_token(container.uow(), shop_id=shop.id, name="tests", now=clock.now()).token
        with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as api:
            yield World(container, clock, sandbox.store, api, shop, settings)
        sandbox.store.close()
    container.engine.dispose()


@pytest.fixture
def world(settings: Settings, clock: ManualClock) -> Iterator[World]:
    assert clock.now() == T0
    yield from make_world(settings, clock)
