"""Privacy and uninstall, end to end: two shops of one public app on the sandbox store, the sandbox supplier,
and Order Center, all in one live server on loopback; the store's webhooks arrive signed over real HTTP.

`world` gives shop A (the one the stories are about) and shop B (the neighbour that must stay untouched),
both connected, each with the supplier connected and its catalog mapped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.db.migrations import upgrade
from ordercenter.adapters.db.session import build_engine
from ordercenter.adapters.shopify.client import webhook_topic_enum
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.mappings import MappingInput
from ordercenter.domain.metadata import metadata
from ordercenter.domain.orders import Order
from ordercenter.domain.shops import Shop
from ordercenter.domain.webhook_topics import SUBSCRIBED_TOPICS
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.demo import DEMO_MAPPINGS
from ordercenter.entrypoints.worker import complete_privacy_requests
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxSupplier, create_sandbox_supplier
from ordercenter.sandbox.aliexpress.catalog import demo_catalog
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, ShopConfig, create_sandbox_store
from ordercenter.sandbox.shopify.catalog import VARIANTS_BY_ID
from ordercenter.sandbox.shopify.order_builder import NewLine, NewOrder
from ordercenter.sandbox.shopify.records import Address, Customer
from ordercenter.services import access, after_sale_pages
from ordercenter.services.mappings import save_mapping
from ordercenter.services.suppliers import connect_supplier
from tests.live_server import free_port, live_server

# One public app installed on two shops: the same client id and secret sign every shop's webhooks.
APP_ID, APP_SECRET = "privacy-app", "privacy-app-secret"
SHOP_A = ShopConfig(domain="privacy-a.myshopify.com", name="Privacy A", access_token="shpat_privacy_a",
                    client_id=APP_ID, client_secret=APP_SECRET, currency="USD")
SHOP_B = ShopConfig(domain="privacy-b.myshopify.com", name="Privacy B", access_token="shpat_privacy_b",
                    client_id=APP_ID, client_secret=APP_SECRET, currency="USD")
MERCHANT = {SHOP_A.domain: "owner@privacy-a.example", SHOP_B.domain: "owner@privacy-b.example"}
MAPPED_VARIANT = 81_000_000_011  # mapped by the demo's mappings to one product of one seller


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    phone: str
    street: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


ALICE = Person("Alice", "Liddell", "alice.liddell@example.com", "+441865270000", "7 Wonder Lane")
BOB = Person("Robert", "Paulson", "bob.paulson@example.com", "+13125550100", "1537 Paper Street")


@dataclass
class World:
    container: Container
    clock: ManualClock
    store: SandboxStore
    supplier: SandboxSupplier
    url: str
    shop_ids: dict[str, int]
    api: dict[str, httpx.Client]

    @property
    def a(self) -> int:
        return self.shop_ids[SHOP_A.domain]

    @property
    def b(self) -> int:
        return self.shop_ids[SHOP_B.domain]

    def operator(self, path: str, **body: Any) -> Any:
        response = httpx.post(f"{self.url}/sandbox/shopify/_operator/{path}", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def settle(self, timeout: float = 20.0) -> None:
        """Every webhook the store sent so far delivered, and applied by us (after our 200)."""
        deadline = time.monotonic() + timeout
        assert self.store.wait_idle(timeout)
        while True:
            with self.container.uow() as uow:
                if not uow.webhooks.pending(1):
                    return
            assert time.monotonic() < deadline, "stored webhooks were not applied in time"
            time.sleep(0.02)

    def new_order(self, person: Person, *, quantity: int = 1) -> NewOrder:
        """A paid store order of one mapped item by this person."""
        variant = VARIANTS_BY_ID[MAPPED_VARIANT]
        return NewOrder(
            lines=[NewLine(title=variant.product_title, quantity=quantity, price=variant.price, sku=variant.sku,
                           variant_id=variant.id, product_id=variant.product_id, variant_title=variant.title,
                           vendor=variant.vendor)],
            presentment_currency="USD", email=person.email, note=f"Leave it with {person.first}, please",
            customer=Customer(id=self.store.next_id("Customer"), first_name=person.first, last_name=person.last,
                              email=person.email),
            shipping_address=Address(first_name=person.first, last_name=person.last, address1=person.street,
                                     city="Springfield", zip="62704", country="United States", country_code="US",
                                     province="Illinois", province_code="IL", phone=person.phone),
            shipping_price=Decimal("4.99"))

    def buy(self, domain: str, person: Person, *, quantity: int = 1) -> Order:
        """A paid store order by this person, as we imported it from its webhook."""
        made = self.store.create_order(domain, self.new_order(person, quantity=quantity))
        self.settle()
        order = self.order(domain, str(made.id))
        assert order is not None, "the store's orders/create webhook was not applied"
        return order

    def place(self, domain: str, order: Order) -> dict[str, Any]:
        """The order placed with the supplier (one supplier order) and paid."""
        api = self.api[domain]
        result = api.post("/placements", json={"orders": [{"order_id": order.id}]}).json()
        assert result["placed"] == 1, result
        [so] = api.get(f"/orders/{order.id}").json()["supplier_orders"]
        assert api.post(f"/supplier-orders/{so['id']}/pay").json()["paid"] is True
        return dict(so)

    def order(self, domain: str, platform_id: str) -> Order | None:
        with self.container.uow() as uow:
            return uow.orders.by_platform_id(self.shop_ids[domain], platform_id)

    def post_webhook(self, topic: str, payload: dict[str, Any], *, domain: str = SHOP_A.domain,
                     secret: str = APP_SECRET) -> httpx.Response:
        """A delivery as the store sends it, signed with `secret`, straight to our webhook address."""
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json", "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
            .decode(),
            "X-Shopify-Shop-Domain": domain, "X-Shopify-API-Version": "2025-01",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": self.clock.now().isoformat(),
        }
        response = httpx.post(f"{self.url}/webhooks/shopify", content=body, headers=headers, timeout=10)
        self.settle()
        return response

    def shop(self, domain: str) -> Shop | None:
        with self.container.uow() as uow:
            return uow.shops.by_domain(domain)

    def complete_privacy_requests(self) -> int:
        """What the background jobs do every few seconds."""
        return complete_privacy_requests(self.container)

    def rows_of(self, shop_id: int) -> dict[str, int]:
        """How many rows of each table belong to the shop (any column pointing at it, and its own row)."""
        counts = {}
        with self.container.engine.connect() as connection:
            for table in metadata.sorted_tables:
                columns = [c for c in table.columns
                           if any(fk.column.table.name == "shops" for fk in c.foreign_keys)]
                if table.name == "shops":
                    columns = [table.c.id]
                for column in columns:
                    counts[f"{table.name}.{column.name}"] = connection.execute(
                        select(func.count()).select_from(table).where(column == shop_id)).scalar_one()
        return counts


def _connect(container: Container, store: SandboxStore, supplier: SandboxSupplier, url: str, config: ShopConfig,
             clock: ManualClock) -> int:
    """The shop connected as `connect_shop` leaves it (that path is timed by the reinstall story, and each
    connection costs a second of GraphQL), the supplier as its AliExpress account with the one variant the
    stories sell mapped."""
    now = clock.now()
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=config.domain, name=config.name, currency=config.currency,
                                  api_url=f"{url}/sandbox/shopify", created_at=now,
                                  access_token_encrypted=container.secrets.encrypt(config.access_token),
                                  webhook_secret_encrypted=container.secrets.encrypt(config.client_secret)))
        uow.commit()
    for topic in SUBSCRIBED_TOPICS:
        store.subscribe(config.domain, webhook_topic_enum(topic), container.webhook_callback_url)
    after_sale_pages.save_notification_settings(container.uow(), shop_id=shop.id, emails=MERCHANT[config.domain],
                                                sender="", off=[])
    creds = supplier.credentials()
    account = connect_supplier(container.uow(), container.secrets, shop_id=shop.id, platform="aliexpress",
                               app_key=creds["app_key"], app_secret=creds["app_secret"],
                               api_url=f"{url}/sandbox/aliexpress", sandbox=True, access_token=creds["access_token"],
                               name="AliExpress (sandbox)", now=now, probe=container.probe_supplier)
    product, sku = DEMO_MAPPINGS[MAPPED_VARIANT]
    save_mapping(container.uow(), shop.id, MappingInput(
        variant_id=str(MAPPED_VARIANT), supplier_product_id=product,
        sku_attr=demo_catalog()[product].skus[sku].sku_attr, supplier_account_id=account.id), now)
    return shop.id


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ordercenter` commands run in this process on the test's database."""
    monkeypatch.setenv("ORDERCENTER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ORDERCENTER_SECRET_KEY", settings.secret_key or "")
    monkeypatch.setenv("COLUMNS", "200")
    if settings.database_url:
        monkeypatch.setenv("ORDERCENTER_DATABASE_URL", settings.database_url)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run; each test starts from a copy (migrating takes a second)."""
    path = tmp_path_factory.mktemp("privacy-schema") / "ordercenter.db"
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def world(settings: Settings, clock: ManualClock, migrated_sqlite: Path) -> Iterator[World]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_sqlite, settings.data_dir / "ordercenter.db")
    container = bootstrap(settings.model_copy(update={
        "public_url": url, "shopify_client_id": APP_ID, "shopify_client_secret": APP_SECRET,
        "shopify_api_url": f"{url}/sandbox/shopify"}), clock=clock, migrate=False)
    store_app = create_sandbox_store(SandboxStoreConfig(shops=[SHOP_A, SHOP_B], clock=clock.now,
                                                        bucket_size=20_000.0, restore_rate=10_000.0,
                                                        webhook_retry_delay=0.01))
    supplier = SandboxSupplier(SandboxConfig())
    app = create_app(container, mounts={"/sandbox/shopify": store_app,
                                        "/sandbox/aliexpress": create_sandbox_supplier(supplier=supplier)})
    with live_server(app, port):
        shop_ids = {config.domain: _connect(container, store_app.store, supplier, url, config, clock)
                    for config in (SHOP_A, SHOP_B)}
        clients = {}
        for domain, shop_id in shop_ids.items():
            token = access.create_token(container.uow(), shop_id=shop_id, name="privacy", now=clock.now()).token
            clients[domain] = httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"},
                                           timeout=30)
        try:
            yield World(container, clock, store_app.store, supplier, url, shop_ids, clients)
        finally:
            for client in clients.values():
                client.close()
            store_app.store.close()
    container.engine.dispose()
