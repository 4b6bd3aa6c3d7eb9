"""The merchant's daily job end to end, over real HTTP with both sandboxes mounted like the demo:
orders arrive by webhook, are previewed, placed in bulk, paid, shipped, and the store shows the
fulfilments with tracking; an order fulfilled on the store by mistake is recovered by a duplicate."""

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
from ordercenter.services.shops import connect_shop
from tests.live_server import free_port, live_server

SHOP = ShopConfig(domain="flow.myshopify.com", name="Flow", access_token="shpat_flow_test", client_id="flow",
                  client_secret="flow-secret", currency="USD")


@dataclass
class Flow:
    container: Container
    store: SandboxStore
    supplier: SandboxSupplier
    api: httpx.Client

    def wait_for_orders(self, count: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 20
        while True:
            data: list[dict[str, Any]] = self.api.get("/orders", params={"limit": 200}).json()["data"]
            if len(data) >= count or time.monotonic() > deadline:
                return data
            time.sleep(0.1)

    def wait_for_stage(self, order_id: int, stage: str) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while True:
            order: dict[str, Any] = self.api.get(f"/orders/{order_id}").json()
            if order["stage"] == stage or time.monotonic() > deadline:
                return order
            time.sleep(0.1)


@pytest.fixture
def flow(settings: Settings, clock: ManualClock) -> Iterator[Flow]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    container = bootstrap(settings.model_copy(update={"public_url": url}), clock=clock,
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
        connect_demo_supplier(container, supplier, shop.id, url)
        token = access.create_token(container.uow(), shop_id=shop.id, name="flow", now=clock.now()).token
        with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as api:
            yield Flow(container, store_app.store, supplier, api)
        store_app.store.close()
    container.engine.dispose()


def test_orders_go_from_the_store_to_the_supplier_and_come_back_with_tracking(flow: Flow) -> None:
    # given: paid orders created on the store reach us by signed webhook
    flow.store.generate_orders(SHOP.domain, 12, with_shipping_address=True)
    assert flow.store.wait_idle(20)
    orders = flow.wait_for_orders(12)
    ready = [o for o in orders if o["stage"] == "to_order"]
    assert ready, [(o["name"], o["stage"], o["attention_detail"]) for o in orders]
    selection = {"orders": [{"order_id": o["id"]} for o in ready]}

    # when: previewed, then placed in bulk
    previews = flow.api.post("/placements/preview", json=selection).json()["data"]
    placeable = [p for p in previews if p["placeable"]]
    assert placeable, previews
    assert all(p["packaging_note"] for p in placeable)  # the demo's packaging preferences
    placed = flow.api.post("/placements", json={"orders": [{"order_id": p["order_id"]} for p in placeable]}).json()
    assert placed["placed"] == len(placeable), placed

    # and: paid, shipped by the seller, and looked at again
    order = flow.api.get(f"/orders/{placeable[0]['order_id']}").json()
    assert order["stage"] == "awaiting_payment"
    for so in order["supplier_orders"]:
        assert flow.api.post(f"/supplier-orders/{so['id']}/pay").json()["paid"] is True
    assert flow.api.get(f"/orders/{order['id']}").json()["stage"] == "awaiting_shipment"
    tracking = []
    for number, so in enumerate(order["supplier_orders"]):
        tracking.append(f"LP00{number}123456CN")
        flow.supplier.ship(so["supplier_order_id"], carrier="Cainiao", tracking_number=tracking[-1])
        refreshed = flow.api.post(f"/supplier-orders/{so['id']}/refresh")
        assert refreshed.status_code == 200, refreshed.text

    # then: the store shows the fulfilments with tracking, and the order is in transit
    after = flow.wait_for_stage(order["id"], "in_transit")
    assert after["stage"] == "in_transit", after
    on_store = next(o for o in flow.store.snapshot(SHOP.domain) if str(o["id"]) == order["platform_order_id"])
    numbers = {n for f in on_store["fulfillments"] for n in f["tracking_numbers"]}
    assert numbers == set(tracking)
    assert on_store["fulfillment_status"] == "fulfilled"
    timeline = [e["type"] for e in after["timeline"]]
    for expected in ("order_imported", "supplier_order_placed", "tracking_pushed"):
        assert expected in timeline


def test_an_order_fulfilled_on_the_store_by_mistake_is_recovered_by_a_duplicate(flow: Flow) -> None:
    [made] = flow.store.generate_orders(SHOP.domain, 1, with_shipping_address=True)
    flow.store.wait_idle(20)
    [ours] = flow.wait_for_orders(1)
    # the merchant clicks "Fulfil" on Shopify before anything was ordered
    flow.store.fulfil_order(SHOP.domain, made.id)
    flow.store.wait_idle(20)
    mistaken = flow.wait_for_stage(ours["id"], "needs_attention")
    assert mistaken["attention_reason"] == "fulfilled_on_store"
    response = flow.api.post(f"/orders/{ours['id']}/duplicate")
    assert response.status_code == 201, response.text
    copy_id = response.json()["copy_id"]
    copy = flow.api.get(f"/orders/{copy_id}").json()
    assert copy["financial_status"] == "paid" and copy["fulfillment_status"] == "unfulfilled"
    assert copy["stage"] in ("to_order", "needs_attention")
    assert [line["variant_id"] for line in copy["lines"]] == [line["variant_id"] for line in mistaken["lines"]]
    assert any("Duplicate of" in e["message"] for e in copy["timeline"])
    again = flow.api.post(f"/orders/{ours['id']}/duplicate")
    assert again.status_code == 409
