"""`ordercenter sandbox …` as an operator runs it: a real process driving the sandboxes of a running server,
found through demo.json like after `ordercenter demo`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.cli import main
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxSupplier, create_sandbox_supplier
from ordercenter.sandbox.aliexpress.catalog import demo_catalog
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, ShopConfig, create_sandbox_store
from tests.e2e.test_cli import run
from tests.factories import T0
from tests.live_server import free_port, live_server

SHOP = ShopConfig(domain="operator.myshopify.com", name="Operator", access_token="shpat_operator",
                  client_id="operator", client_secret="operator-secret", currency="USD")
PRODUCT = "1005006000000004"
ADDRESS = {"address": "1 Main Street", "city": "Austin", "province": "Texas", "country": "US", "zip": "73301",
           "contact_person": "Jane Doe"}


@dataclass
class Demo:
    data_dir: Path
    store: SandboxStore
    supplier: SandboxSupplier

    def sandbox(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run("sandbox", *args, "--data-dir", str(self.data_dir), data_dir=self.data_dir)

    def sandbox_together(self, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
        """Independent commands in parallel processes (each one pays the CLI's start-up time)."""
        with ThreadPoolExecutor(len(commands)) as pool:
            return list(pool.map(lambda args: self.sandbox(*args), commands))

    def supplier_order(self) -> str:
        sku_attr = demo_catalog()[PRODUCT].skus[0].sku_attr
        [order_id] = self.supplier.create_order({"logistics_address": ADDRESS, "product_items": [
            {"product_id": PRODUCT, "sku_attr": sku_attr, "product_count": 1}]})
        return order_id


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """Order Center with both sandboxes mounted like the demo, and a demo.json pointing at their operators."""
    container = bootstrap(Settings(data_dir=tmp_path, secret_key="t" * 40), clock=ManualClock(T0))
    store_app = create_sandbox_store(SandboxStoreConfig(shops=[SHOP]))
    supplier = SandboxSupplier(SandboxConfig())
    app = create_app(container, mounts={"/sandbox/shopify": store_app,
                                        "/sandbox/aliexpress": create_sandbox_supplier(supplier=supplier)})
    with live_server(app) as url:
        (tmp_path / "demo.json").write_text(json.dumps({
            "url": url,
            "sandbox_store": {"shop_domain": SHOP.domain, "operator_url": f"{url}/sandbox/shopify/_operator"},
            "sandbox_supplier": {"operator_url": f"{url}/sandbox/aliexpress/_operator"},
        }))
        yield Demo(tmp_path, store_app.store, supplier)
        store_app.store.close()
    container.engine.dispose()


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr


def test_created_orders_appear_in_the_store_paid_or_pending_and_without_address(demo: Demo) -> None:
    created = demo.sandbox("store", "orders", "create", "--count", "2")
    assert created.returncode == 0, created.stderr
    assert "#1001" in created.stdout and "#1002" in created.stdout
    pending = demo.sandbox("store", "orders", "create", "--pending", "--no-address")
    assert pending.returncode == 0, pending.stderr

    orders = {o["name"]: o for o in demo.store.snapshot(SHOP.domain)}
    assert [orders[n]["financial_status"] for n in ("#1001", "#1002", "#1003")] == ["paid", "paid", "pending"]
    assert orders["#1003"]["shipping_address"] is None
    listing = demo.sandbox("store", "orders", "list")
    assert listing.returncode == 0, listing.stderr
    assert "3 orders" in listing.stdout and "#1003" in listing.stdout and "pending" in listing.stdout


def test_an_order_fulfilled_by_mistake_shows_fulfilled_on_the_store_and_a_pending_one_gets_paid(demo: Demo) -> None:
    [paid] = demo.store.generate_orders(SHOP.domain, 1, with_shipping_address=True)
    [pending] = demo.store.generate_orders(SHOP.domain, 1, financial_status="PENDING")

    fulfilled, made_paid, unknown = demo.sandbox_together(
        ["store", "fulfil", paid.name], ["store", "pay", str(pending.id)], ["store", "pay", "#4242"])

    assert fulfilled.returncode == 0, fulfilled.stderr  # the order named #1001
    assert made_paid.returncode == 0, made_paid.stderr  # the order given by numeric id
    orders = {o["id"]: o for o in demo.store.snapshot(SHOP.domain)}
    assert orders[paid.id]["fulfillment_status"] == "fulfilled"
    assert orders[pending.id]["financial_status"] == "paid"
    assert_one_line_error(unknown, "no order #4242")


def test_a_supplier_order_shipped_from_the_cli_has_its_tracking_at_the_supplier(demo: Demo) -> None:
    order_id = demo.supplier_order()
    # not paid yet: the supplier refuses, and its answer is one line with exit code 2
    assert_one_line_error(demo.sandbox("supplier", "ship", order_id), "refused", "cannot ship")
    demo.supplier.pay(order_id)

    shipped = demo.sandbox("supplier", "ship", order_id, "--tracking", "LP00123456789CN", "--carrier", "YunExpress")

    assert shipped.returncode == 0, shipped.stderr
    assert "LP00123456789CN" in shipped.stdout
    [package] = demo.supplier.order(order_id).packages
    assert (package.tracking_number, package.carrier) == ("LP00123456789CN", "YunExpress")
    listing = demo.sandbox("supplier", "orders")
    assert order_id in listing.stdout and "LP00123456789CN" in listing.stdout


def test_advancing_the_supplier_clock_moves_its_time(demo: Demo) -> None:
    before = demo.supplier.clock.now()

    result = demo.sandbox("supplier", "advance-clock", "--days", "2", "--hours", "3")

    assert result.returncode == 0, result.stderr
    assert demo.supplier.clock.now() - before >= timedelta(days=2, hours=3)
    assert "supplier clock is now" in result.stdout


def test_without_demo_json_the_command_says_how_to_start_the_demo_in_one_line(tmp_path: Path) -> None:
    result = run("sandbox", "store", "orders", "list", "--data-dir", str(tmp_path), data_dir=tmp_path)
    assert_one_line_error(result, "demo.json", "ordercenter demo")


def test_an_unreachable_operator_url_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/sandbox/aliexpress/_operator"
    result = run("sandbox", "supplier", "orders", "--url", url, data_dir=tmp_path)
    assert_one_line_error(result, "cannot reach the sandbox supplier", "is the demo running?")


def test_the_sandbox_groups_and_commands_have_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["sandbox"], ["sandbox", "store"], ["sandbox", "store", "orders"], ["sandbox", "supplier"],
                    ["sandbox", "store", "fulfil"], ["sandbox", "supplier", "faults"]):
        assert main([*command, "--help"]) == 0, command
        assert "Usage" in capsys.readouterr().out
