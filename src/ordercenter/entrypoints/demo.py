"""`ordercenter demo`: the embedded default with demo data, all in one process.

The sandbox store and the sandbox supplier are mounted in the same server and connected exactly like a
real store and supplier: over HTTP, with generated credentials, signed webhooks and signed API calls.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from starlette.types import ASGIApp

from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.mappings import MappingInput
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.cli_context import DEMO_CLOCK_FILE
from ordercenter.entrypoints.demo_after_sale import seed_after_sale
from ordercenter.entrypoints.loopback import free_port
from ordercenter.entrypoints.sandbox_cli import DEMO_SECRETS_FILE
from ordercenter.entrypoints.worker import start_in_thread
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxSupplier, create_sandbox_supplier
from ordercenter.sandbox.aliexpress.catalog import demo_catalog
from ordercenter.sandbox.aliexpress.clock import SandboxClock
from ordercenter.sandbox.shopify import (
    SandboxShopifyApp,
    SandboxStore,
    SandboxStoreConfig,
    ShopConfig,
    create_sandbox_store,
)
from ordercenter.sandbox.shopify.records import Shop as SandboxShop
from ordercenter.sandbox.state_file import StateFile, UnreadableState, write_private_file
from ordercenter.services.demo_setup import DEMO_SHOP_DOMAIN, DemoAccount, ensure_demo_account
from ordercenter.services.mappings import save_mapping
from ordercenter.services.packaging import PackagingInput, save_packaging
from ordercenter.services.shops import connect_shop
from ordercenter.services.store_sync import sync_orders
from ordercenter.services.suppliers import connect_supplier

log = logging.getLogger(__name__)

DEMO_PAID_ORDERS = 30
DEMO_PENDING_ORDERS = 4
DEMO_ORDERS_WITHOUT_ADDRESS = 2


#: In the data folder, beside the database: the sandboxes' state (mode 0600, like DEMO_SECRETS_FILE).
STORE_STATE_FILE = "sandbox-store.json"
SUPPLIER_STATE_FILE = "sandbox-supplier.json"
WEBHOOK_PATH = "/webhooks/shopify"  # where Order Center's callback ends, whatever its host and port


@dataclass(frozen=True)
class SandboxStoreCredentials:
    """Generated at the first demo start on a folder; the store's state file keeps them for the next."""

    shop_domain: str
    access_token: str
    client_id: str
    client_secret: str  # signs the webhooks

    @classmethod
    def generate(cls) -> SandboxStoreCredentials:
        return cls(DEMO_SHOP_DOMAIN, "shpat_" + secrets.token_hex(16), "demo-" + secrets.token_hex(8),
                   secrets.token_hex(24))

    @classmethod
    def of(cls, shop: SandboxShop) -> SandboxStoreCredentials:
        return cls(shop.domain, shop.access_token, shop.client_id, shop.client_secret)


@dataclass
class DemoSecrets:
    """What the demo keeps for its next start on the same folder (the file is the operator's, mode 0600)."""

    #: Opens the sandboxes' operator APIs (`ordercenter sandbox …` reads it from demo.json).
    operator_token: str
    #: The demo's REST API token, handed out again while it still works.
    api_token: str | None = None


# Sandbox store variant → (sandbox supplier product, index of its SKU). Two products stay unmapped on
# purpose (posture corrector, warm-white LED strip) so the demo shows "needs attention: unmapped item";
# the earbuds are out of stock at the supplier with a power bank as backup.
DEMO_MAPPINGS: dict[int, tuple[str, int]] = {
    81_000_000_011: ("1005006000000004", 0), 81_000_000_012: ("1005006000000004", 0),
    81_000_000_021: ("1005006000000006", 0), 81_000_000_022: ("1005006000000006", 1),
    81_000_000_041: ("1005006000000010", 0), 81_000_000_051: ("1005006000000012", 1),
    81_000_000_052: ("1005006000000012", 0), 81_000_000_061: ("1005006000000003", 0),
    81_000_000_071: ("1005006000000007", 0), 81_000_000_072: ("1005006000000007", 1),
    81_000_000_081: ("1005006000000005", 0),
}
DEMO_BACKUPS: dict[int, tuple[str, int]] = {81_000_000_061: ("1005006000000002", 0)}


def _sku_attr(product_id: str, index: int) -> str:
    return demo_catalog()[product_id].skus[index].sku_attr


def write_demo_file(data_dir: Path, info: dict[str, Any]) -> Path:
    path = data_dir / "demo.json"
    write_private_file(path, (json.dumps(info, indent=2) + "\n").encode())  # it holds every credential
    return path


def connect_demo_supplier(container: Container, supplier: SandboxSupplier, shop_id: int, url: str) -> None:
    """The sandbox supplier as the shop's AliExpress account, its catalog mapped, packaging set."""
    now = container.clock.now()
    creds = supplier.credentials()
    account = connect_supplier(container.uow(), container.secrets, shop_id=shop_id, platform="aliexpress",
                               app_key=creds["app_key"], app_secret=creds["app_secret"],
                               api_url=f"{url}/sandbox/aliexpress", sandbox=True, access_token=creds["access_token"],
                               name="AliExpress (sandbox)", now=now, probe=container.probe_supplier)
    for variant, (product, sku) in DEMO_MAPPINGS.items():
        backup = DEMO_BACKUPS.get(variant)
        save_mapping(container.uow(), shop_id, MappingInput(
            variant_id=str(variant), supplier_product_id=product, sku_attr=_sku_attr(product, sku),
            supplier_account_id=account.id, backup_supplier_product_id=backup[0] if backup else None,
            backup_sku_attr=_sku_attr(*backup) if backup else None), now)
    save_packaging(container.uow(), shop_id=shop_id, now=now, data=PackagingInput(
        no_invoice_or_prices=True, no_supplier_logo=True, note="Thank-you card inside, please"))


@dataclass
class DemoWorld:
    """Everything one demo start builds on its data folder: Order Center and both sandboxes, not yet served."""

    settings: Settings
    container: Container
    account: DemoAccount
    store_app: SandboxShopifyApp
    supplier: SandboxSupplier
    supplier_app: ASGIApp
    secrets: DemoSecrets

    @property
    def creds(self) -> SandboxStoreCredentials:
        return SandboxStoreCredentials.of(self.store_app.store.shop(DEMO_SHOP_DOMAIN))

    def app(self) -> ASGIApp:
        return create_app(self.container, mounts={"/sandbox/shopify": self.store_app,
                                                  "/sandbox/aliexpress": self.supplier_app})

    def close(self) -> None:
        self.store_app.store.close()
        self.container.engine.dispose()


def open_demo(settings: Settings, *, url: str) -> DemoWorld:
    """Order Center, the sandbox store and the sandbox supplier on `settings.data_dir`, to be served at `url`.

    On a folder used before, each finds what it had: the demo account and API token, the store's shop,
    orders and subscriptions, the supplier's credentials, orders and after-sale records.
    """
    data_dir = settings.data_dir
    settings = settings.model_copy(update={"public_url": url, "demo_clock_file": data_dir / DEMO_CLOCK_FILE})
    container = bootstrap(settings)
    secrets_file = StateFile(data_dir / DEMO_SECRETS_FILE, DemoSecrets)
    kept = secrets_file.load() or DemoSecrets(operator_token="sbxop_" + secrets.token_urlsafe(32))
    account = ensure_demo_account(container.uow(), now=container.clock.now(), api_token=kept.api_token)
    kept.api_token = account.api_token
    secrets_file.save(kept)
    creds = SandboxStoreCredentials.generate()  # used only if the store's state file has no demo shop yet
    store_app = create_sandbox_store(SandboxStoreConfig(shops=[ShopConfig(
        domain=creds.shop_domain, name="Demo Store", access_token=creds.access_token, client_id=creds.client_id,
        client_secret=creds.client_secret, currency="USD")], clock=container.clock.now,
        state_file=data_dir / STORE_STATE_FILE, operator_token=kept.operator_token))
    # One clock for all three: `ordercenter sandbox clock advance` moves Order Center and both sandboxes.
    supplier = SandboxSupplier(SandboxConfig(state_file=data_dir / SUPPLIER_STATE_FILE,
                                             operator_token=kept.operator_token),
                               clock=SandboxClock(wall=container.clock.now))
    return DemoWorld(settings, container, account, store_app, supplier, create_sandbox_supplier(supplier=supplier),
                     kept)


def _forget_earlier_callbacks(store: SandboxStore, domain: str, callback_url: str) -> None:
    """Drop the subscriptions an earlier start of this demo made for another address (another port): that
    server is gone, and Order Center subscribes its current address again when it connects."""
    with store.lock:
        for subscription in list(store.shop(domain).subscriptions):
            url = subscription.callback_url
            if url.endswith(WEBHOOK_PATH) and url != callback_url:
                store.unsubscribe(domain, subscription.id)


def seed_demo(world: DemoWorld, *, paid: int = DEMO_PAID_ORDERS, pending: int = DEMO_PENDING_ORDERS,
              without_address: int = DEMO_ORDERS_WITHOUT_ADDRESS) -> None:
    """Connect the demo shop to the sandbox store and supplier, and fill the store with orders (the first time:
    `paid` of them, `pending` not paid yet and `without_address` paid but with no shipping address)."""
    container, store, creds = world.container, world.store_app.store, world.creds
    url = world.settings.public_url
    now = container.clock.now()
    _forget_earlier_callbacks(store, creds.shop_domain, container.webhook_callback_url)
    shop = connect_shop(container.uow(), container.connect_store, container.secrets, domain=creds.shop_domain,
                        access_token=creds.access_token, webhook_secret=creds.client_secret,
                        api_url=f"{url}/sandbox/shopify", callback_url=container.webhook_callback_url, now=now)
    connect_demo_supplier(container, world.supplier, shop.id, url)
    if not store.list_orders(creds.shop_domain):
        store.generate_orders(creds.shop_domain, paid)
        store.generate_orders(creds.shop_domain, pending, financial_status="PENDING")
        store.generate_orders(creds.shop_domain, without_address, with_shipping_address=False)
    store.wait_idle(30)  # the webhooks reach /webhooks/shopify over HTTP like Shopify's would
    sync_orders(container.uow(), container.store_for(shop), container.clock, shop_id=shop.id, full=True)


def seed_after_sale_once(world: DemoWorld, console: Console) -> None:
    """Once per demo folder: orders in every after-sale state (entrypoints/demo_after_sale.py)."""
    container, creds = world.container, world.creds
    with container.uow() as uow:
        shop = uow.shops.by_domain(creds.shop_domain)
        if shop is None or uow.cancellations.page(shop.id, status=None, limit=1):
            return
        shop_id = shop.id

    def order_id_of(store_order_id: int) -> int | None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with container.uow() as uow:
                order = uow.orders.by_platform_id(shop_id, str(store_order_id))
                if order is not None:
                    return order.id
            time.sleep(0.05)
        return None

    with httpx.Client(base_url=f"{world.settings.public_url}/api/v1",
                      headers={"Authorization": f"Bearer {world.account.api_token}"}, timeout=60) as api:
        failures = seed_after_sale(api, world.store_app.store, world.supplier, creds.shop_domain, order_id_of)
    for failure in failures:
        console.print(f"[yellow]  demo after-sale story not loaded: {failure}[/yellow]")


def demo_info(world: DemoWorld) -> dict[str, Any]:
    """What demo.json holds: every address and credential of the demo."""
    url, account, creds = world.settings.public_url, world.account, world.creds
    supplier_creds = world.supplier.credentials()
    return {
        "url": url,
        "email": account.email,
        "password": account.password,
        "api_token": account.api_token,
        "shop_domain": account.shop_domain,
        "database_url": world.container.engine.url.render_as_string(hide_password=True),
        "operator_token": world.secrets.operator_token,
        "sandbox_store": {
            "base_url": f"{url}/sandbox/shopify",
            "shop_domain": creds.shop_domain,
            "access_token": creds.access_token,
            "webhook_secret": creds.client_secret,
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "operator_url": f"{url}/sandbox/shopify/_operator",
        },
        "sandbox_supplier": {
            "base_url": f"{url}/sandbox/aliexpress",
            "app_key": supplier_creds["app_key"],
            "app_secret": supplier_creds["app_secret"],
            "access_token": supplier_creds["access_token"],
            "operator_url": f"{url}/sandbox/aliexpress/_operator",
        },
    }


def run_demo(settings: Settings, *, host: str, port: int) -> None:
    port = port or free_port(host)
    url = f"http://{host}:{port}"
    console = Console()
    try:
        world = open_demo(settings, url=url)
    except UnreadableState as error:
        console.print(f"[red]the demo cannot start: {error}[/red]", soft_wrap=True)
        sys.exit(1)
    server = uvicorn.Server(uvicorn.Config(world.app(), host=host, port=port, log_level="warning"))
    console.print(f"[bold]Order Center demo[/bold] starting at {url}")

    def seed_when_up() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        try:
            seed_demo(world)
        except Exception as exc:
            console.print(f"[red]the demo could not load its data: {exc}[/red]")
            log.exception("demo seeding failed")
            server.should_exit = True
            return
        start_in_thread(world.container)
        seed_after_sale_once(world, console)
        path = write_demo_file(world.settings.data_dir, demo_info(world))
        account, creds, supplier_creds = world.account, world.creds, world.supplier.credentials()
        console.print(f"  open {url}/  (sign in with {account.email} / {account.password}; API at {url}/docs)",
                      soft_wrap=True)
        console.print(f"  sign in: {account.email} / {account.password}")
        console.print(f"  API token: {account.api_token}")
        console.print(f"  sandbox store: {url}/sandbox/shopify", soft_wrap=True)
        console.print(f"    shop {creds.shop_domain}, access token {creds.access_token}, "
                      f"webhook secret {creds.client_secret}", soft_wrap=True)
        console.print(f"  sandbox supplier: {url}/sandbox/aliexpress", soft_wrap=True)
        console.print(f"    app key {supplier_creds['app_key']}, app secret {supplier_creds['app_secret']}, "
                      f"access token {supplier_creds['access_token']}", soft_wrap=True)
        console.print(f"  sandbox operator APIs ({url}/sandbox/…/_operator): 'ordercenter sandbox …', or "
                      f"Authorization: Bearer {world.secrets.operator_token}", soft_wrap=True)
        console.print(f"  details written to {path}; the sandboxes keep their state in {world.settings.data_dir}",
                      soft_wrap=True)

    threading.Thread(target=seed_when_up, name="demo-seed", daemon=True).start()
    server.run()
    world.close()
    if not server.started:
        sys.exit(1)
