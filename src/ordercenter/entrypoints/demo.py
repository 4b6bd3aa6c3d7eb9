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

from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.mappings import MappingInput
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.cli_context import DEMO_CLOCK_FILE
from ordercenter.entrypoints.demo_after_sale import seed_after_sale
from ordercenter.entrypoints.loopback import free_port
from ordercenter.entrypoints.worker import start_in_thread
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxSupplier, create_sandbox_supplier
from ordercenter.sandbox.aliexpress.catalog import demo_catalog
from ordercenter.sandbox.aliexpress.clock import SandboxClock
from ordercenter.sandbox.shopify import SandboxShopifyApp, SandboxStoreConfig, ShopConfig, create_sandbox_store
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


@dataclass(frozen=True)
class SandboxStoreCredentials:
    """Generated for every demo start: nothing real, nothing reused."""

    shop_domain: str
    access_token: str
    client_id: str
    client_secret: str  # signs the webhooks

    @classmethod
    def generate(cls) -> SandboxStoreCredentials:
        return cls(DEMO_SHOP_DOMAIN, "shpat_" + secrets.token_hex(16), "demo-" + secrets.token_hex(8),
                   secrets.token_hex(24))


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
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "demo.json"
    path.write_text(json.dumps(info, indent=2) + "\n")
    path.chmod(0o600)
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


def _seed(container: Container, store_app: SandboxShopifyApp, supplier: SandboxSupplier,
          creds: SandboxStoreCredentials, url: str) -> None:
    """Connect the demo shop to the sandbox store and supplier, and fill the store with orders."""
    now = container.clock.now()
    shop = connect_shop(container.uow(), container.connect_store, container.secrets, domain=creds.shop_domain,
                        access_token=creds.access_token, webhook_secret=creds.client_secret,
                        api_url=f"{url}/sandbox/shopify", callback_url=container.webhook_callback_url, now=now)
    connect_demo_supplier(container, supplier, shop.id, url)
    store = store_app.store
    if not store.list_orders(creds.shop_domain):
        store.generate_orders(creds.shop_domain, DEMO_PAID_ORDERS)
        store.generate_orders(creds.shop_domain, DEMO_PENDING_ORDERS, financial_status="PENDING")
        store.generate_orders(creds.shop_domain, DEMO_ORDERS_WITHOUT_ADDRESS, with_shipping_address=False)
    store.wait_idle(30)  # the webhooks reach /webhooks/shopify over HTTP like Shopify's would
    sync_orders(container.uow(), container.store_for(shop), container.clock, shop_id=shop.id, full=True)


def _seed_after_sale(container: Container, store_app: SandboxShopifyApp, supplier: SandboxSupplier,
                     creds: SandboxStoreCredentials, url: str, token: str, console: Console) -> None:
    """Once per demo folder: orders in every after-sale state (entrypoints/demo_after_sale.py)."""
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

    with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
        failures = seed_after_sale(api, store_app.store, supplier, creds.shop_domain, order_id_of)
    for failure in failures:
        console.print(f"[yellow]  demo after-sale story not loaded: {failure}[/yellow]")


def _demo_info(url: str, account: DemoAccount, creds: SandboxStoreCredentials, supplier: SandboxSupplier,
               container: Container) -> dict[str, Any]:
    supplier_creds = supplier.credentials()
    return {
        "url": url,
        "email": account.email,
        "password": account.password,
        "api_token": account.api_token,
        "shop_domain": account.shop_domain,
        "database_url": container.engine.url.render_as_string(hide_password=True),
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
    settings = settings.model_copy(update={"public_url": url, "demo_clock_file": settings.data_dir / DEMO_CLOCK_FILE})
    container = bootstrap(settings)
    account = ensure_demo_account(container.uow(), now=container.clock.now())
    creds = SandboxStoreCredentials.generate()
    store_app = create_sandbox_store(SandboxStoreConfig(shops=[ShopConfig(
        domain=creds.shop_domain, name="Demo Store", access_token=creds.access_token, client_id=creds.client_id,
        client_secret=creds.client_secret, currency="USD")], clock=container.clock.now))
    # One clock for all three: `ordercenter sandbox clock advance` moves Order Center and both sandboxes.
    supplier = SandboxSupplier(SandboxConfig(), clock=SandboxClock(wall=container.clock.now))
    app = create_app(container, mounts={"/sandbox/shopify": store_app,
                                        "/sandbox/aliexpress": create_sandbox_supplier(supplier=supplier)})
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    console = Console()
    console.print(f"[bold]Order Center demo[/bold] starting at {url}")

    def seed_when_up() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        try:
            _seed(container, store_app, supplier, creds, url)
        except Exception as exc:
            console.print(f"[red]the demo could not load its data: {exc}[/red]")
            log.exception("demo seeding failed")
            server.should_exit = True
            return
        start_in_thread(container)
        _seed_after_sale(container, store_app, supplier, creds, url, account.api_token, console)
        path = write_demo_file(settings.data_dir, _demo_info(url, account, creds, supplier, container))
        console.print(f"  open {url}/  (sign in with {account.email} / {account.password}; API at {url}/docs)",
                      soft_wrap=True)
        console.print(f"  sign in: {account.email} / {account.password}")
        console.print(f"  API token: {account.api_token}")
        supplier_creds = supplier.credentials()
        console.print(f"  sandbox store: {url}/sandbox/shopify", soft_wrap=True)
        console.print(f"    shop {creds.shop_domain}, access token {creds.access_token}, "
                      f"webhook secret {creds.client_secret}", soft_wrap=True)
        console.print(f"  sandbox supplier: {url}/sandbox/aliexpress", soft_wrap=True)
        console.print(f"    app key {supplier_creds['app_key']}, app secret {supplier_creds['app_secret']}, "
                      f"access token {supplier_creds['access_token']}", soft_wrap=True)
        console.print(f"  details written to {path}")

    threading.Thread(target=seed_when_up, name="demo-seed", daemon=True).start()
    server.run()
    store_app.store.close()
    if not server.started:
        sys.exit(1)
