"""A demo stopped and started again on the same folder carries on where it was: the same account, API token,
supplier account and credentials, and sandboxes that still hold the orders both sides know about.

The scenario (the first start, a placement, a shipment, a stop, the second start) is one test per database
backend, each promise checked by its own function: split into tests, it would run once per xdist worker.
The sandboxes' own state files are checked without a server.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from ordercenter.config import Settings
from ordercenter.entrypoints.demo import (
    STORE_STATE_FILE,
    SUPPLIER_STATE_FILE,
    WEBHOOK_PATH,
    DemoWorld,
    open_demo,
    seed_demo,
)
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxSupplier
from ordercenter.sandbox.aliexpress.catalog import demo_catalog
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig
from ordercenter.sandbox.state_file import UnreadableState
from tests.conftest import BACKENDS, settings_for
from tests.live_server import free_port, live_server

COUNTED = ("shops", "staff_users", "api_tokens", "supplier_accounts", "product_mappings", "orders", "line_items",
           "supplier_orders")
TRACKING = "LP00777000111CN"
PLACED = 2  # orders placed before the stop (each placement is a few signed calls to the supplier)
SMALL_DEMO = {"paid": 5, "pending": 1, "without_address": 1}  # the demo's mix of orders, fewer of them


@dataclass
class Start:
    """What one start of the demo showed, read while it ran."""

    url: str
    api_token: str
    operator_token: str
    store_credentials: tuple[str, str, str]
    supplier_credentials: dict[str, str]
    rows: dict[str, int]
    store_orders: list[int]
    imported: set[str]
    subscriptions: list[str]


@dataclass
class Restart:
    first: Start
    second: Start
    #: Supplier order numbers Order Center holds, and whether the restarted supplier still knows each one.
    known_at_supplier: dict[str, bool]
    shipped_number: str
    refreshed: dict[str, Any]
    placed_again: dict[str, Any]
    new_order_arrived: bool
    state_files: list[Path]


def _rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for table in COUNTED}


def _start(world: DemoWorld) -> Start:
    store, domain = world.store_app.store, world.creds.shop_domain
    with world.container.engine.connect() as connection:
        imported = {str(row[0]) for row in connection.execute(text("SELECT platform_order_id FROM orders"))}
    return Start(world.settings.public_url, world.account.api_token, world.secrets.operator_token,
                 (world.creds.access_token, world.creds.client_id, world.creds.client_secret),
                 world.supplier.credentials(), _rows(world.container.engine),
                 [o.id for o in store.list_orders(domain)], imported,
                 [s.callback_url for s in store.shop(domain).subscriptions])


def _api(world: DemoWorld) -> httpx.Client:
    return httpx.Client(base_url=f"{world.settings.public_url}/api/v1", timeout=60,
                        headers={"Authorization": f"Bearer {world.account.api_token}"})


def _serve(settings: Settings) -> tuple[DemoWorld, int]:
    port = free_port()
    return open_demo(settings, url=f"http://127.0.0.1:{port}"), port


def _placed_supplier_orders(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, supplier_order_id FROM supplier_orders "
                                       "WHERE supplier_order_id IS NOT NULL ORDER BY id"))
        return [(int(row[0]), str(row[1])) for row in rows]


def _arrives(engine: Engine, store_order_id: int, timeout: float = 20) -> bool:
    """Whether the store order reaches Order Center (by its webhook) within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(text("SELECT count(*) FROM orders WHERE platform_order_id = :id"),
                                  {"id": str(store_order_id)}).scalar_one():
                return True
        time.sleep(0.1)
    return False


@pytest.fixture(params=BACKENDS)
def restart(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Restart]:
    settings = settings_for(request.param, request, tmp_path)

    # given a demo that imported its orders, placed a few and whose seller shipped one
    world, port = _serve(settings)
    with live_server(world.app(), port), _api(world) as api:
        seed_demo(world, **SMALL_DEMO)
        listed = api.get("/orders", params={"stage": "to_order", "limit": 100}).json()["data"]
        to_order = [o["id"] for o in listed][:PLACED]
        placed = api.post("/placements", json={"orders": [{"order_id": i} for i in to_order], "auto_pay": True})
        assert placed.status_code == 200, placed.text
        [(shipped_id, shipped_number), *_] = _placed_supplier_orders(world.container.engine)
        with httpx.Client(headers={"Authorization": f"Bearer {world.secrets.operator_token}"}) as operator:
            shipped = operator.post(f"{world.settings.public_url}/sandbox/aliexpress/_operator/orders/"
                                    f"{shipped_number}/ship", json={"tracking_number": TRACKING}, timeout=30)
            assert shipped.status_code == 200, shipped.text
        first = _start(world)
    world.close()

    # when it is started again on the same folder (another port, as `--port 0` gives)
    world, port = _serve(settings)
    try:
        with live_server(world.app(), port), _api(world) as api:
            seed_demo(world, **SMALL_DEMO)
            second = _start(world)
            known = {}
            for _, number in _placed_supplier_orders(world.container.engine):
                try:
                    world.supplier.order(number)
                    known[number] = True
                except Exception:  # noqa: BLE001  (ORDER_NOT_FOUND: the restarted supplier forgot it)
                    known[number] = False
            refreshed = api.post(f"/supplier-orders/{shipped_id}/refresh").json()
            again = api.post("/placements", json={"orders": [{"order_id": i} for i in to_order]}).json()
            [new] = world.store_app.store.generate_orders(world.creds.shop_domain, 1)
            yield Restart(first, second, known, shipped_number, refreshed, again,
                          _arrives(world.container.engine, new.id),
                          [settings.data_dir / STORE_STATE_FILE, settings.data_dir / SUPPLIER_STATE_FILE])
    finally:
        world.close()


def test_a_restarted_demo_is_the_same_demo_with_nothing_lost_and_nothing_doubled(restart: Restart) -> None:
    reuses_its_account_api_token_and_supplier_account(restart)
    syncs_without_duplicating_and_the_store_still_has_what_was_imported(restart)
    the_supplier_still_knows_every_order_placed_before(restart)
    the_store_sends_its_webhooks_to_the_new_address_only(restart)
    the_state_files_are_readable_by_their_owner_only(restart)


def reuses_its_account_api_token_and_supplier_account(restart: Restart) -> None:
    first, second = restart.first, restart.second

    assert second.api_token == first.api_token
    assert second.operator_token == first.operator_token
    assert second.supplier_credentials == first.supplier_credentials
    assert second.store_credentials == first.store_credentials
    assert {t: second.rows[t] for t in ("shops", "staff_users", "api_tokens", "supplier_accounts")} == {
        "shops": 1, "staff_users": 1, "api_tokens": 1, "supplier_accounts": 1}


def syncs_without_duplicating_and_the_store_still_has_what_was_imported(restart: Restart) -> None:
    first, second = restart.first, restart.second

    assert second.rows == first.rows
    assert second.store_orders == first.store_orders
    assert {str(i) for i in second.store_orders} == second.imported == first.imported


def the_supplier_still_knows_every_order_placed_before(restart: Restart) -> None:
    assert restart.known_at_supplier and all(restart.known_at_supplier.values()), restart.known_at_supplier
    assert restart.refreshed["status_after"] == "shipped", restart.refreshed
    assert TRACKING in str(restart.refreshed)
    # placing the same orders again places nothing: they are placed, at the supplier as in Order Center
    assert restart.placed_again["placed"] == 0, restart.placed_again


def the_store_sends_its_webhooks_to_the_new_address_only(restart: Restart) -> None:
    assert restart.second.subscriptions
    assert set(restart.second.subscriptions) == {restart.second.url + WEBHOOK_PATH}
    assert restart.new_order_arrived


def the_state_files_are_readable_by_their_owner_only(restart: Restart) -> None:
    for path in restart.state_files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


# ---------------------------------------------------------------------- the sandboxes' state files alone

ADDRESS = {"address": "1 Main Street", "city": "Austin", "province": "Texas", "country": "US", "zip": "73301",
           "contact_person": "Jane Doe"}
PRODUCT = "1005006000000004"


def _place(supplier: SandboxSupplier, out_order_id: str) -> str:
    sku = demo_catalog()[PRODUCT].skus[0]
    [number] = supplier.create_order({"out_order_id": out_order_id, "logistics_address": ADDRESS,
                                      "product_items": [{"product_id": PRODUCT, "sku_attr": sku.sku_attr,
                                                         "product_count": 2}]})
    return number


def test_the_sandbox_supplier_carries_orders_after_sale_tokens_and_stock_over_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(state_file=tmp_path / "supplier.json")
    before = SandboxSupplier(config)
    number = _place(before, "oc-1")
    before.pay(number)
    before.ship(number, tracking_number=TRACKING)
    before.deliver(number)
    dispute = before.open_dispute(number, "refund_only", "damaged", "The box was crushed", before.order(number).amount,
                                  [])
    before.advance_clock(timedelta(hours=3))
    code = before.tokens.issue_code()

    after = SandboxSupplier(SandboxConfig(state_file=tmp_path / "supplier.json"))

    assert after.credentials() == before.credentials()
    assert after.order(number) == before.order(number)
    assert after.find_orders("oc-1") == [number]
    assert [d.dispute_id for d in after.after_sale_of(number)[1]] == [dispute.dispute_id]
    assert after.clock.now() - before.clock.now() < timedelta(minutes=1)  # the advanced hours are kept
    assert demo_catalog()[PRODUCT].skus[0].stock - after.product(PRODUCT, "US").skus[0].stock == 2
    after.tokens.check_access(before.credentials()["access_token"])
    assert after.tokens.exchange(code)["access_token"]  # a code issued before the stop still works once
    # a new order gets a new number, and the out_order_id guard still holds
    assert _place(after, "oc-2") != number
    with pytest.raises(Exception, match="REPEATED_ORDER_ERROR"):
        _place(after, "oc-1")


def test_the_sandbox_store_carries_orders_subscriptions_ids_and_tokens_over_a_restart(tmp_path: Path) -> None:
    before = SandboxStore(SandboxStoreConfig(state_file=tmp_path / "store.json"))
    orders = before.generate_orders(None, 3)
    before.fulfil_order(None, orders[0].id)
    before.refund_order(None, orders[1].id)
    subscription = before.subscribe(None, "ORDERS_CREATE", "http://127.0.0.1:1/webhooks/shopify")
    issued = before.tokens.install(before.shop().domain, before.shop().client_id, "read_orders")

    after = SandboxStore(SandboxStoreConfig(state_file=tmp_path / "store.json"))

    assert after.snapshot() == before.snapshot()
    assert [s.id for s in after.shop().subscriptions] == [subscription.id]
    assert after.shop_for_token(issued["access_token"]) is not None
    [made] = after.generate_orders(None, 1)
    [would_have_made] = before.generate_orders(None, 1)
    assert (made.id, made.name) == (would_have_made.id, "#1004")
    assert made.email == would_have_made.email  # the generator carried on instead of starting over
    before.close()
    after.close()


def test_sandboxes_without_a_state_file_keep_everything_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    monkeypatch.chdir(tmp_path)
    store = SandboxStore(SandboxStoreConfig())
    store.generate_orders(None, 2)
    _place(SandboxSupplier(SandboxConfig()), "oc-1")
    store.close()

    assert list(tmp_path.iterdir()) == []


def test_a_damaged_state_file_stops_the_sandbox_with_the_file_named(tmp_path: Path) -> None:
    path = tmp_path / "supplier.json"
    path.write_text('{"orders": "not a sandbox"}')

    with pytest.raises(UnreadableState, match="supplier.json"):
        SandboxSupplier(SandboxConfig(state_file=path))
