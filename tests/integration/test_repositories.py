"""Storage on the real databases: migrations, constraints, tenant scoping, keyset pagination."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from ordercenter.adapters.db.repositories import OrderFilter
from ordercenter.bootstrap import Container
from ordercenter.domain.metadata import metadata
from ordercenter.domain.orders import Order
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus, Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder, idempotency_key
from ordercenter.services.ingestion import import_order
from tests.factories import T0, snapshot


def add_shop(container: Container, domain: str = "a.myshopify.com") -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=domain, name=domain, currency="EUR", created_at=T0))
        uow.commit()
        return shop.id


def test_migrations_create_every_table_and_every_table_carries_the_shop_key(container: Container) -> None:
    tables = set(inspect(container.engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables
    for table in metadata.sorted_tables:
        if table.name == "job_runs":
            continue  # a system table (the periodic jobs' claims), not tenant data
        key = "id" if table.name == "shops" else "shop_id"
        assert key in table.columns, table.name


def test_datetimes_come_back_aware_utc(container: Container) -> None:
    shop_id = add_shop(container)
    result = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="test")
    with container.uow() as uow:
        order = uow.orders.get(shop_id, result.order_id)
        assert order is not None
        assert order.platform_created_at == T0
        assert order.platform_created_at.utcoffset() == timedelta(0)


def test_the_same_platform_order_cannot_be_stored_twice_in_one_shop(container: Container) -> None:
    shop_id = add_shop(container)
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="test")
    snap = snapshot()
    with container.uow() as uow:
        uow.orders.add(Order(shop_id=shop_id, platform_order_id=snap.platform_order_id, platform_gid="x",
                             name="#dup", currency="EUR", subtotal_price=1, total_price=1,
                             financial_status=FinancialStatus.PAID, fulfillment_status=FulfillmentStatus.UNFULFILLED,
                             platform_created_at=T0, platform_updated_at=T0, imported_at=T0))
        with pytest.raises(IntegrityError):
            uow.commit()


def test_two_shops_may_hold_the_same_platform_order_id_and_never_see_each_other(container: Container) -> None:
    first, second = add_shop(container, "a.myshopify.com"), add_shop(container, "b.myshopify.com")
    a = import_order(container.uow(), shop_id=first, snapshot=snapshot(), at=T0, source="test")
    import_order(container.uow(), shop_id=second, snapshot=snapshot(), at=T0, source="test")
    with container.uow() as uow:
        assert uow.orders.get(second, a.order_id) is None
        assert len(uow.orders.page(first, OrderFilter())) == 1
        assert len(uow.orders.page(second, OrderFilter())) == 1


def test_a_supplier_idempotency_key_is_unique(container: Container) -> None:
    shop_id = add_shop(container)
    order_id = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="t").order_id
    key = idempotency_key(shop_id, "5000001001", "seller-1", 1)
    with container.uow() as uow:
        uow.supplier_orders.add(SupplierOrder(shop_id=shop_id, order_id=order_id, group_key="seller-1",
                                              idempotency_key=key, currency="USD", created_at=T0,
                                              status=SupplierOrderStatus.DRAFT))
        uow.commit()
    with container.uow() as uow:
        uow.supplier_orders.add(SupplierOrder(shop_id=shop_id, order_id=order_id, group_key="seller-1",
                                              idempotency_key=key, currency="USD", created_at=T0,
                                              status=SupplierOrderStatus.DRAFT))
        with pytest.raises(IntegrityError):
            uow.commit()


def test_keyset_pages_cover_every_order_once_newest_first(container: Container) -> None:
    shop_id = add_shop(container)
    for number in range(1001, 1026):
        import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(number), at=T0, source="test")
    seen: list[int] = []
    before: int | None = None
    with container.uow() as uow:
        while True:
            page = uow.orders.page(shop_id, OrderFilter(before_id=before, limit=10))
            if not page:
                break
            seen.extend(o.id for o in page)
            before = page[-1].id
    assert len(seen) == 25 and len(set(seen)) == 25
    assert seen == sorted(seen, reverse=True)


def test_search_and_stage_filters(container: Container) -> None:
    shop_id = add_shop(container)
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1001, customer="Ana Lima"), at=T0, source="t")
    import_order(container.uow(), shop_id=shop_id, at=T0, source="t",
                 snapshot=snapshot(1002, customer="Bo Chen", email="bo@shop.test",
                                   financial=FinancialStatus.PENDING))
    with container.uow() as uow:
        assert [o.name for o in uow.orders.page(shop_id, OrderFilter(search="lima"))] == ["#1001"]
        assert [o.name for o in uow.orders.page(shop_id, OrderFilter(search="BO@SHOP"))] == ["#1002"]
        assert [o.name for o in uow.orders.page(shop_id, OrderFilter(search="#1002"))] == ["#1002"]
        assert [o.name for o in uow.orders.page(shop_id, OrderFilter(stage=Stage.UNPAID))] == ["#1002"]
        assert uow.orders.count(shop_id, OrderFilter(stage=Stage.NEEDS_ATTENTION), cap=10) == 1  # unmapped items
        assert uow.orders.stage_counts(shop_id) == {Stage.UNPAID: 1, Stage.NEEDS_ATTENTION: 1}


def test_work_not_committed_is_rolled_back(container: Container) -> None:
    shop_id = add_shop(container)
    with container.uow() as uow:
        uow.shops.add(Shop(domain="never.myshopify.com", name="never", created_at=T0))
        uow.flush()
    with container.uow() as uow:
        assert uow.shops.by_domain("never.myshopify.com") is None
        assert uow.shops.get(shop_id) is not None
