"""After the sale, end to end: both sandboxes mounted like the demo over real HTTP, a real SMTP server.

`after_sale` gives a running Order Center whose orders can be placed, paid and shipped in one call,
so each test starts where its story starts (a paid order, a shipped one) and the e-mails it caused
can be sent through the outbox and read from the SMTP server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.demo import connect_demo_supplier
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxSupplier, create_sandbox_supplier
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, ShopConfig, create_sandbox_store
from ordercenter.services import access
from ordercenter.services.outbox import SendReport, send_due
from ordercenter.services.shops import connect_shop
from tests.live_server import free_port, live_server
from tests.smtp_server import Mailbox

SHOP = ShopConfig(domain="after.myshopify.com", name="After", access_token="shpat_after_test", client_id="after",
                  client_secret="after-secret", currency="USD")
MERCHANT_EMAIL = "owner@after.example"


@dataclass(frozen=True)
class Placed:
    order_id: int  # ours
    supplier_order_id: int  # ours
    supplier_number: str  # the supplier's order id
    store_order_id: int  # the sandbox store's order id


@dataclass
class AfterSale:
    container: Container
    clock: ManualClock
    store: SandboxStore
    supplier: SandboxSupplier
    api: httpx.Client
    mailbox: Mailbox
    shop_id: int

    def wait_for_orders(self, count: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 20
        while True:
            data: list[dict[str, Any]] = self.api.get("/orders", params={"limit": 200}).json()["data"]
            if len(data) >= count or time.monotonic() > deadline:
                return data
            time.sleep(0.1)

    def order(self, order_id: int) -> dict[str, Any]:
        response = self.api.get(f"/orders/{order_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def placed(self, *, paid: bool = True, shipped: bool = False, delivered: bool = False) -> Placed:
        """A new store order, placed with the supplier (one seller), then paid / shipped / delivered."""
        before = {o["id"] for o in self.api.get("/orders", params={"limit": 200}).json()["data"]}
        for _ in range(20):  # some generated orders have several sellers or need a CPF: take a simple one
            [made] = self.store.generate_orders(SHOP.domain, 1, with_shipping_address=True)
            assert self.store.wait_idle(20)
            orders = self.wait_for_orders(len(before) + 1)
            new = [o for o in orders if o["id"] not in before]
            before |= {o["id"] for o in new}
            ready = [o for o in new if o["stage"] == "to_order"]
            if not ready:
                continue
            preview = self.api.post("/placements/preview", json={"orders": [{"order_id": ready[0]["id"]}]}).json()
            [plan] = preview["data"]
            if not plan["placeable"] or len(plan["groups"]) != 1:
                continue
            result = self.api.post("/placements", json={"orders": [{"order_id": ready[0]["id"]}]}).json()
            assert result["placed"] == 1, result
            order = self.order(ready[0]["id"])
            [so] = order["supplier_orders"]
            placed = Placed(order["id"], so["id"], so["supplier_order_id"], made.id)
            if paid:
                assert self.api.post(f"/supplier-orders/{so['id']}/pay").json()["paid"] is True
            if shipped or delivered:
                self.supplier.ship(placed.supplier_number, carrier="Cainiao")
                self.refresh(placed.supplier_order_id)
            if delivered:
                self.supplier.deliver(placed.supplier_number)
                self.refresh(placed.supplier_order_id)
            return placed
        raise AssertionError("the sandbox store made no simple order in 20 tries")

    def refresh(self, supplier_order_id: int) -> dict[str, Any]:
        response = self.api.post(f"/supplier-orders/{supplier_order_id}/refresh")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def send_emails(self) -> SendReport:
        """What the background sender does after commit: hand every due e-mail to the SMTP server."""
        return send_due(self.container.uow(), self.container.notifier, self.clock)


@pytest.fixture
def after_sale(settings: Settings, clock: ManualClock, mailbox: Mailbox) -> Iterator[AfterSale]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    container = bootstrap(settings.model_copy(update={"public_url": url, "smtp_url": mailbox.url}), clock=clock,
                          migrate=settings.database_url is None)
    store_app = create_sandbox_store(SandboxStoreConfig(shops=[SHOP], bucket_size=20_000.0, restore_rate=10_000.0))
    supplier = SandboxSupplier(SandboxConfig())
    app = create_app(container, mounts={"/sandbox/shopify": store_app,
                                        "/sandbox/aliexpress": create_sandbox_supplier(supplier=supplier)})
    with live_server(app, port):
        shop = connect_shop(container.uow(), container.connect_store, container.secrets, domain=SHOP.domain,
                            access_token=SHOP.access_token, webhook_secret=SHOP.client_secret,
                            api_url=f"{url}/sandbox/shopify", callback_url=container.webhook_callback_url,
                            now=clock.now())
        access.create_staff_user(container.uow(), shop_id=shop.id, email=MERCHANT_EMAIL, password="owner-pass-1",
                                 now=clock.now())
        connect_demo_supplier(container, supplier, shop.id, url)
        token = access.create_token(container.uow(), shop_id=shop.id, name="after-sale", now=clock.now()).token
        with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as api:
            yield AfterSale(container, clock, store_app.store, supplier, api, mailbox, shop.id)
        store_app.store.close()
    container.engine.dispose()
