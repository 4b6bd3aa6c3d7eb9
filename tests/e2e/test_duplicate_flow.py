"""Duplicating an order fulfilled on Shopify by mistake, against the sandbox store over real HTTP."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.duplicates import DUPLICATE_TAG
from ordercenter.domain.orders import Order
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import AttentionReason, FulfillmentStatus, Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder, idempotency_key
from ordercenter.entrypoints.api.app import create_app
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, ShopConfig, create_sandbox_store
from ordercenter.sandbox.shopify.catalog import CATALOG
from ordercenter.sandbox.shopify.order_builder import NewLine, NewOrder
from ordercenter.sandbox.shopify.records import Address, Customer
from ordercenter.services import access
from ordercenter.services.shops import connect_shop
from tests.live_server import free_port, live_server

STAFF_EMAIL, STAFF_PASSWORD = "owner@dup-test.example", "dup-owner-pass-1"
SHOP = ShopConfig(domain="dup-test.myshopify.com", name="Duplicate Test", access_token="shpat_test_dup_token",
                  client_id="dup-client", client_secret="dup-client-secret", currency="USD")


@dataclass
class World:
    container: Container
    store: SandboxStore
    api: httpx.Client
    shop: Shop
    url: str

    def order(self, platform_order_id: str, until: Callable[[Order], bool] = lambda _: True) -> Order:
        """The order as our database has it, once `until` holds: webhooks are applied after their answer."""
        deadline = time.monotonic() + 10
        while True:
            with self.container.uow() as uow:
                order = uow.orders.by_platform_id(self.shop.id, platform_order_id)
            if order is not None and until(order):
                return order
            assert time.monotonic() < deadline, f"order {platform_order_id} did not sync in as expected"
            time.sleep(0.05)

    def duplicated_events(self, order_id: int) -> list[tuple[str, dict[str, Any]]]:
        with self.container.uow() as uow:
            return [(e.message, e.parameters) for e in uow.events.for_order(self.shop.id, order_id)
                    if e.type is OrderEventType.ORDER_DUPLICATED]

    def sandbox_order(self, platform_order_id: str) -> dict[str, Any]:
        return next(o for o in self.store.snapshot(SHOP.domain) if str(o["id"]) == platform_order_id)


def make_world(settings: Settings, app_clock: ManualClock) -> Iterator[World]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    container = bootstrap(settings.model_copy(update={"public_url": url}), clock=app_clock,
                          migrate=settings.database_url is None)
    sandbox = create_sandbox_store(SandboxStoreConfig(shops=[SHOP], bucket_size=20_000.0, restore_rate=10_000.0))
    app = create_app(container, mounts={"/sandbox/shopify": sandbox})
    with live_server(app, port):
        shop = connect_shop(container.uow(), container.connect_store, container.secrets, domain=SHOP.domain,
                            access_token=SHOP.access_token, webhook_secret=SHOP.client_secret,
                            api_url=f"{url}/sandbox/shopify", callback_url=container.webhook_callback_url,
                            now=app_clock.now())
        token = access.create_token(container.uow(), shop_id=shop.id, name="e2e", now=app_clock.now()).token
        with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as api:
            yield World(container, sandbox.store, api, shop, url)
        sandbox.store.close()
    container.engine.dispose()


@pytest.fixture
def world(settings: Settings, clock: ManualClock) -> Iterator[World]:
    yield from make_world(settings, clock)


def fulfilled_by_mistake(world: World) -> Order:
    """An order synced in by webhook, then marked fulfilled on the store while nothing was ordered."""
    created = world.store.generate_orders(SHOP.domain, 1, with_shipping_address=True)[0]
    assert world.store.wait_idle(10)
    world.order(str(created.id))
    world.store.fulfil_order(SHOP.domain, created.id)
    assert world.store.wait_idle(10)
    return world.order(str(created.id), until=lambda o: o.fulfillment_status is FulfillmentStatus.FULFILLED)


def test_an_order_fulfilled_on_the_store_by_mistake_is_duplicated_as_a_paid_unfulfilled_copy(world: World) -> None:
    # given
    original = fulfilled_by_mistake(world)
    assert (original.stage, original.attention_reason) == (Stage.NEEDS_ATTENTION,
                                                           AttentionReason.FULFILLED_ON_STORE)
    # when
    response = world.api.post(f"/orders/{original.id}/duplicate")
    # then: the answer names the copy, which is in our database at once
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["original_id"] == original.id
    with world.container.uow() as uow:
        copy = uow.orders.get(world.shop.id, body["copy_id"])
        assert copy is not None
    assert body["copy_name"] == copy.name
    assert copy.duplicate_of_order_id == original.id
    assert copy.stage in (Stage.TO_ORDER, Stage.NEEDS_ATTENTION)
    # then: the sandbox has a paid, unfulfilled copy with the same lines, customer and address
    source, made = world.sandbox_order(original.platform_order_id), world.sandbox_order(copy.platform_order_id)
    assert made["financial_status"] == "paid"
    assert made["fulfillment_status"] is None
    assert [(li["variant_id"], li["quantity"]) for li in made["line_items"]] == [
        (li["variant_id"], li["quantity"]) for li in source["line_items"]]
    assert made["email"] == source["email"]
    address_fields = ("first_name", "last_name", "address1", "city", "zip", "country_code")
    assert {k: made["shipping_address"][k] for k in address_fields} == {
        k: source["shipping_address"][k] for k in address_fields}
    assert DUPLICATE_TAG in [t.strip() for t in str(made["tags"]).split(",")]
    assert source["name"] in made["note"]
    # then: both timelines tell the story, each pointing at the other order
    assert world.duplicated_events(original.id)[-1][0] == f"Duplicated as {copy.name}"
    assert world.duplicated_events(original.id)[-1][1]["copy_id"] == copy.id
    assert [(m, p["original_id"]) for m, p in world.duplicated_events(copy.id)] == [
        (f"Duplicate of {original.name}", original.id)]


def test_the_copy_belongs_to_the_same_customer_account(world: World) -> None:
    original = fulfilled_by_mistake(world)
    response = world.api.post(f"/orders/{original.id}/duplicate")
    assert response.status_code == 201, response.text
    with world.container.uow() as uow:
        copy = uow.orders.get(world.shop.id, response.json()["copy_id"])
        assert copy is not None
    source, made = world.sandbox_order(original.platform_order_id), world.sandbox_order(copy.platform_order_id)
    assert (made["customer"] or {}).get("id") == (source["customer"] or {}).get("id")


def test_a_second_duplicate_request_is_refused_with_the_reason(world: World) -> None:
    original = fulfilled_by_mistake(world)
    first = world.api.post(f"/orders/{original.id}/duplicate")
    assert first.status_code == 201, first.text
    orders_on_store = len(world.store.snapshot(SHOP.domain))

    again = world.api.post(f"/orders/{original.id}/duplicate")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_allowed"
    assert again.json()["error"]["message"] == f"{original.name} was already duplicated as {first.json()['copy_name']}"
    assert len(world.store.snapshot(SHOP.domain)) == orders_on_store


def test_duplicating_an_order_already_ordered_from_the_supplier_is_refused(world: World) -> None:
    # given: the order was bought from the supplier before it was marked fulfilled
    original = fulfilled_by_mistake(world)
    with world.container.uow() as uow:
        uow.supplier_orders.add(SupplierOrder(
            shop_id=world.shop.id, order_id=original.id, group_key="seller-1", currency="USD",
            created_at=original.imported_at, status=SupplierOrderStatus.PAID, supplier_order_id="8100000001",
            idempotency_key=idempotency_key(world.shop.id, original.platform_order_id, "seller-1", 1)))
        uow.commit()
    orders_on_store = len(world.store.snapshot(SHOP.domain))
    # when
    response = world.api.post(f"/orders/{original.id}/duplicate")
    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_allowed"
    assert "already ordered from the supplier: supplier order 8100000001" in response.json()["error"]["message"]
    assert len(world.store.snapshot(SHOP.domain)) == orders_on_store


def test_duplicating_an_order_that_is_not_fulfilled_on_the_store_is_refused(world: World) -> None:
    created = world.store.generate_orders(SHOP.domain, 1)[0]
    assert world.store.wait_idle(10)
    response = world.api.post(f"/orders/{world.order(str(created.id)).id}/duplicate")
    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith("only an order fulfilled on the store can be duplicated")


def fulfilled_by_mistake_with_every_charge(world: World) -> Order:
    """An order with two lines, a line discount, an order discount, express shipping and 8 % tax."""
    mug, holder = CATALOG[0], CATALOG[3]
    customer = Customer(id=world.store.next_id("Customer"), first_name="Aoife", last_name="O'Connor",
                        email="aoife.oconnor@example.com")
    created = world.store.create_order(SHOP.domain, NewOrder(
        lines=[NewLine(title=v.product_title, quantity=q, price=v.price, sku=v.sku, variant_id=v.id,
                       product_id=v.product_id, variant_title=v.title, vendor=v.vendor, discount=d)
               for v, q, d in ((mug, 2, Decimal("5.00")), (holder, 1, Decimal("0")))],
        presentment_currency="USD", email=customer.email, customer=customer,
        shipping_address=Address(first_name="Aoife", last_name="O'Connor", address1="12 Harbour Road",
                                 city="Dublin", zip="D02 X285", country="Ireland", country_code="IE"),
        shipping_title="Express Shipping", shipping_price=Decimal("12.90"), order_discount=Decimal("3.00"),
        tax_rate=Decimal("0.08")))
    assert world.store.wait_idle(10)
    world.order(str(created.id))
    world.store.fulfil_order(SHOP.domain, created.id)
    assert world.store.wait_idle(10)
    return world.order(str(created.id), until=lambda o: o.fulfillment_status is FulfillmentStatus.FULFILLED)


def test_the_copy_carries_the_originals_prices_shipping_tax_and_discounts(world: World) -> None:
    # given
    original = fulfilled_by_mistake_with_every_charge(world)
    assert original.total_discounts > 0 and original.total_shipping > 0 and original.total_tax > 0
    # when
    response = world.api.post(f"/orders/{original.id}/duplicate")
    # then: the store's copy costs what the original cost, charge by charge
    assert response.status_code == 201, response.text
    with world.container.uow() as uow:
        copy = uow.orders.get(world.shop.id, response.json()["copy_id"])
        assert copy is not None
    source, made = world.sandbox_order(original.platform_order_id), world.sandbox_order(copy.platform_order_id)
    charges = ("total_price", "subtotal_price", "total_tax", "total_discounts")
    assert {k: made[k] for k in charges} == {k: source[k] for k in charges}
    assert made["total_shipping_price_set"]["shop_money"] == source["total_shipping_price_set"]["shop_money"]
    assert [(li["variant_id"], li["price"]) for li in made["line_items"]] == [
        (li["variant_id"], li["price"]) for li in source["line_items"]]
    # then: so does ours, and its placement preview sells at the original's price, not at 0.00
    assert (copy.total_price, copy.subtotal_price, copy.total_shipping, copy.total_tax, copy.total_discounts) == (
        original.total_price, original.subtotal_price, original.total_shipping, original.total_tax,
        original.total_discounts)
    assert [line.unit_price for line in copy.lines] == [line.unit_price for line in original.lines]
    preview = world.api.post("/placements/preview", json={"orders": [{"order_id": copy.id}]})
    assert preview.status_code == 200, preview.text
    assert Decimal(preview.json()["data"][0]["sale_total"]["amount"]) == original.total_price


def test_the_duplicated_original_leaves_the_attention_list_and_names_its_copy(world: World) -> None:
    # given
    original = fulfilled_by_mistake(world)
    assert world.api.get("/orders", params={"stage": "needs_attention"}).json()["count"] == 1
    # when
    response = world.api.post(f"/orders/{original.id}/duplicate")
    assert response.status_code == 201, response.text
    copy_id, copy_name = response.json()["copy_id"], response.json()["copy_name"]
    # then: the original is done, the copy carries on in the normal flow
    detail = world.api.get(f"/orders/{original.id}").json()
    assert (detail["stage"], detail["attention_reason"]) == ("completed", None)
    assert detail["duplicated_as"] == {"id": copy_id, "name": copy_name}
    assert detail["duplicate_of"] is None
    assert world.api.get(f"/orders/{copy_id}").json()["duplicate_of"] == {"id": original.id, "name": original.name}
    attention = world.api.get("/orders", params={"stage": "needs_attention"}).json()["data"]
    assert original.id not in [o["id"] for o in attention]  # (the copy may be there: nothing is mapped here)
    timeline = [(e["type"], e["message"]) for e in detail["timeline"]]
    assert ("stage_changed", "Stage needs_attention → completed") in timeline
    # then: the order page says so, with a link to the copy
    access.create_staff_user(world.container.uow(), shop_id=world.shop.id, email=STAFF_EMAIL,
                             password=STAFF_PASSWORD, now=world.container.clock.now())
    with httpx.Client(base_url=world.url, follow_redirects=True, timeout=30) as browser:
        form = browser.get("/")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        browser.post("/sign-in", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": csrf[1]})
        page = browser.get(f"/orders/{original.id}").text
    assert f'Duplicated as <a href="/orders/{copy_id}">{copy_name}</a>' in page
    assert "Fulfilled on the store while nothing was ordered" not in page
