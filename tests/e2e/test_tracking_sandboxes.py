"""End to end over real HTTP: a supplier order at the sandbox supplier ships in two packages, the poller
fulfils each on the sandbox store with its tracking, a corrected number updates the store, and
delivery moves the order to delivered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from ordercenter.adapters.aliexpress import SandboxAliExpressClient
from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.ports import PlacementItem, PlacementRequest
from ordercenter.config import Settings
from ordercenter.domain.status import Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder, SupplierOrderLine
from ordercenter.sandbox.aliexpress import SandboxServer, SandboxSupplier
from ordercenter.sandbox.shopify.catalog import CATALOG
from ordercenter.sandbox.shopify.records import Address, Customer
from ordercenter.sandbox.shopify.state import NewLine, NewOrder
from ordercenter.services.polling import poll_due
from tests.aliexpress.aliexpress_fixtures import CABLE, POWER_BANK, us_address
from tests.integration.test_store_sync import SHOP, World, make_world

CABLE_SKU, POWER_BANK_SKU = "14:193", "200000639:201336100"


@pytest.fixture
def world(settings: Settings, clock: ManualClock) -> Iterator[World]:
    # Shopify's own 1,000-point query ceiling applies (the sandbox default): every read must fit under it.
    yield from make_world(settings, clock, bucket_size=20_000.0, restore_rate=10_000.0)


@pytest.fixture
def supplier_client() -> Iterator[tuple[SandboxSupplier, SandboxAliExpressClient]]:
    with SandboxServer() as server:
        creds = server.supplier.credentials()
        client = SandboxAliExpressClient(creds["app_key"], creds["app_secret"], creds["access_token"],
                                         base_url=server.base_url, rate_limit_per_second=1000.0, timeout=5.0)
        yield server.supplier, client
        client.close()


def test_two_packages_are_fulfilled_separately_on_the_store_then_corrected_then_delivered(
        world: World, clock: ManualClock, supplier_client: tuple[SandboxSupplier, SandboxAliExpressClient]) -> None:
    sandbox_supplier, client = supplier_client
    # given: a paid store order of 2 cables and 1 power bank, imported by the order sync
    world.store.webhooks.set_options(drop=True)
    store_order = world.store.create_order(SHOP.domain, NewOrder(
        lines=[NewLine(title=v.product_title, quantity=q, price=v.price, sku=v.sku, variant_id=v.id,
                       product_id=v.product_id, variant_title=v.title, vendor=v.vendor)
               for v, q in ((CATALOG[0], 2), (CATALOG[3], 1))],
        presentment_currency="USD", email="ann@example.com",
        customer=Customer(id=world.store.next_id("Customer"), first_name="Ann", last_name="Lee",
                          email="ann@example.com"),
        shipping_address=Address(first_name="Ann", last_name="Lee", address1="1 Main St", city="Austin",
                                 zip="73301", country="United States", country_code="US", phone="+1 512 555 0100"),
        shipping_title="Standard", shipping_price=Decimal("4.99")))
    world.sync()
    # and: the purchase placed at the sandbox supplier through the client, recorded as our supplier order
    [ae_id] = client.place_order(PlacementRequest("oc-e2e-1", us_address(), [
        PlacementItem(CABLE, CABLE_SKU, 2, "CAINIAO_STANDARD"),
        PlacementItem(POWER_BANK, POWER_BANK_SKU, 1, "CAINIAO_STANDARD")])).supplier_order_ids
    with world.container.uow() as uow:
        order = uow.orders.by_platform_id(world.shop.id, str(store_order.id))
        assert order is not None
        cable_line, bank_line = order.lines
        so = SupplierOrder(shop_id=world.shop.id, order_id=order.id, group_key="gadgets", idempotency_key="oc-e2e-1",
                           supplier_order_id=ae_id, status=SupplierOrderStatus.PLACED, currency="USD",
                           created_at=clock.now(), placed_at=clock.now(), lines=[
                               SupplierOrderLine(shop_id=world.shop.id, line_item_id=cable_line.id,
                                                 supplier_product_id=CABLE, sku_attr=CABLE_SKU, quantity=2),
                               SupplierOrderLine(shop_id=world.shop.id, line_item_id=bank_line.id,
                                                 supplier_product_id=POWER_BANK, sku_attr=POWER_BANK_SKU, quantity=1)])
        uow.supplier_orders.add(so)
        uow.commit()
        so_id, order_id = so.id, order.id

    def poll() -> int:
        clock.advance(timedelta(minutes=15))
        return poll_due(world.container.uow(), lambda _: client, world.container.store_for, clock, limit=10)

    def stage() -> Stage:
        with world.container.uow() as uow:
            row = uow.orders.get(world.shop.id, order_id)
            assert row is not None
            return row.stage

    # when: the seller is paid and ships the order in two packages
    sandbox_supplier.pay(ae_id)
    sandbox_supplier.ship(ae_id, carrier="Cainiao", tracking_number="LP00000000000001", items=[(CABLE, 2)])
    sandbox_supplier.ship(ae_id, carrier="YunExpress", tracking_number="YT0000000000002", items=[(POWER_BANK, 1)])
    assert poll() == 1

    # then: two partial fulfilments with their own lines and tracking
    on_store = world.store.order(SHOP.domain, store_order.id)
    assert on_store.display_fulfillment_status == "FULFILLED"
    first, second = on_store.fulfillments
    assert first.lines == [(store_order.line_items[0].id, 2)]
    assert second.lines == [(store_order.line_items[1].id, 1)]
    assert [(t.number, t.company, t.url) for t in first.tracking] == [
        ("LP00000000000001", "Cainiao", "https://global.cainiao.com/detail.htm?mailNoList=LP00000000000001")]
    assert [(t.number, t.company) for t in second.tracking] == [("YT0000000000002", "YunExpress")]
    assert stage() is Stage.IN_TRANSIT

    # when: the seller corrects the second tracking number
    sandbox_supplier.change_tracking(ae_id, "YT0000000000002", "YT0000000000099")
    poll()
    # then: the same fulfilment now shows it; no new fulfilment
    on_store = world.store.order(SHOP.domain, store_order.id)
    assert len(on_store.fulfillments) == 2
    assert [t.number for t in on_store.fulfillments[1].tracking] == ["YT0000000000099"]

    # when: the carrier delivers
    sandbox_supplier.deliver(ae_id)
    poll()
    # then
    with world.container.uow() as uow:
        row = uow.supplier_orders.get(world.shop.id, so_id)
        assert row is not None and row.status is SupplierOrderStatus.DELIVERED
    assert stage() is Stage.DELIVERED
