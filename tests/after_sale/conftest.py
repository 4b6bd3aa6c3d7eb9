"""After the sale, end to end: both sandboxes mounted like the demo over real HTTP, a real SMTP server.

`after_sale` gives a running Order Center whose orders can be placed, paid and shipped in one call,
so each test starts where its story starts (a paid order, a shipped one) and the e-mails it caused
can be sent through the outbox and read from the SMTP server.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
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
from ordercenter.sandbox.shopify.catalog import VARIANTS_BY_ID
from ordercenter.sandbox.shopify.order_builder import NewLine, NewOrder
from ordercenter.sandbox.shopify.records import Address, Customer
from ordercenter.services import access
from ordercenter.services.outbox import SendReport, send_due
from ordercenter.services.shops import connect_shop
from tests.conftest import BACKENDS, settings_for
from tests.live_server import free_port, live_server
from tests.smtp_server import Mailbox

SHOP = ShopConfig(domain="after.myshopify.com", name="After", access_token="shpat_after_test", client_id="after",
                  client_secret="after-secret", currency="USD")
MERCHANT_EMAIL = "owner@after.example"
SIMPLE_VARIANT = 81_000_000_011  # mapped by the demo's mappings to one product of one seller
COUNTRY_NAMES = {"FR": "France", "DE": "Germany", "US": "United States", "SA": "Saudi Arabia", "IL": "Israel"}


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

    def placed(self, *, paid: bool = True, shipped: bool = False, delivered: bool = False,
               country: str = "FR", quantity: int = 1) -> Placed:
        """A new store order of one mapped item (one seller), placed with the supplier, then paid / shipped /
        delivered as asked."""
        variant = VARIANTS_BY_ID[SIMPLE_VARIANT]
        number = len(self.store.list_orders(SHOP.domain)) + 1
        made = self.store.create_order(SHOP.domain, NewOrder(
            lines=[NewLine(title=variant.product_title, quantity=quantity, price=variant.price, sku=variant.sku,
                           variant_id=variant.id, product_id=variant.product_id, variant_title=variant.title,
                           vendor=variant.vendor)],
            presentment_currency="USD", email=f"customer{number}@example.com",
            customer=Customer(id=9_000 + number, first_name="Jane", last_name=f"Doe{number}",
                              email=f"customer{number}@example.com"),
            shipping_address=Address(first_name="Jane", last_name=f"Doe{number}", address1="12 Rue de la Paix",
                                     city="Paris", zip="75002", country=COUNTRY_NAMES.get(country, country),
                                     country_code=country,
                                     province="Île-de-France", phone="+33123456789"),
            shipping_price=Decimal("4.99")))
        assert self.store.wait_idle(20)
        order_id = self.order_id_of(made.id)
        result = self.api.post("/placements", json={"orders": [{"order_id": order_id}]}).json()
        assert result["placed"] == 1, result
        [so] = self.order(order_id)["supplier_orders"]
        placed = Placed(order_id, so["id"], so["supplier_order_id"], made.id)
        if paid:
            assert self.api.post(f"/supplier-orders/{so['id']}/pay").json()["paid"] is True
        if shipped or delivered:
            self.supplier.ship(placed.supplier_number, carrier="Cainiao")
            self.refresh(placed.supplier_order_id)
        if delivered:
            self.supplier.deliver(placed.supplier_number)
            self.refresh(placed.supplier_order_id)
        return placed

    def order_id_of(self, store_order_id: int) -> int:
        """Our id of a store order, once its webhook has been applied."""
        deadline = time.monotonic() + 20
        while True:
            with self.container.uow() as uow:
                order = uow.orders.by_platform_id(self.shop_id, str(store_order_id))
                if order is not None:
                    return order.id
            assert time.monotonic() < deadline, f"store order {store_order_id} never arrived"
            time.sleep(0.05)

    def refresh(self, supplier_order_id: int) -> dict[str, Any]:
        response = self.api.post(f"/supplier-orders/{supplier_order_id}/refresh")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def send_emails(self) -> SendReport:
        """What the background sender does after commit: hand every due e-mail to the SMTP server."""
        return send_due(self.container.uow(), self.container.notifier, self.clock)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """These stories run over HTTP with both sandboxes, so each costs seconds: on SQLite always, and on
    PostgreSQL too when marked `also_postgres` (or with ORDERCENTER_TEST_E2E_ALL_DATABASES=1). The database
    layer itself is tested on both everywhere else."""
    if "settings" not in metafunc.fixturenames:
        return
    both = metafunc.definition.get_closest_marker("also_postgres") is not None or \
        os.environ.get("ORDERCENTER_TEST_E2E_ALL_DATABASES") == "1"
    metafunc.parametrize("settings", [b for b in BACKENDS if b == "sqlite" or both], indirect=True)


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return settings_for(request.param, request, tmp_path)


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
