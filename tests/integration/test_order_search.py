"""The orders search and the tab counts on the real databases: indexes that answer, counts kept with each change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ordercenter.adapters.db.repositories import OrderFilter
from ordercenter.bootstrap import Container
from ordercenter.domain.order_counts import OrderStageCount
from ordercenter.domain.orders import Order
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import FinancialStatus, Stage
from ordercenter.domain.supplier_orders import Shipment, SupplierOrder
from ordercenter.services import order_queries
from ordercenter.services.ingestion import import_order
from tests.factories import T0, snapshot


def _shop(container: Container, domain: str = "a.myshopify.com") -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=domain, name=domain, currency="EUR", created_at=T0))
        uow.commit()
        return shop.id


def _names(container: Container, shop_id: int, search: str) -> list[str]:
    with container.uow() as uow:
        return [o.name for o in uow.orders.page(shop_id, OrderFilter(search=search))]


def _ship(container: Container, shop_id: int, order_id: int, tracking: str) -> None:
    with container.session_factory() as session:
        so = SupplierOrder(shop_id=shop_id, order_id=order_id, group_key="seller", idempotency_key=f"k-{order_id}",
                           currency="USD", created_at=T0)
        session.add(so)
        session.flush()
        session.add(Shipment(shop_id=shop_id, supplier_order_id=so.id, tracking_number=tracking, created_at=T0))
        session.commit()


def test_a_search_finds_part_of_a_name_an_email_or_a_tracking_number_in_any_case(container: Container) -> None:
    shop_id = _shop(container)
    ana = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1001, customer="Ana Lima",
                                                                            email="ana.lima@mail.test"),
                       at=T0, source="t")
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1002, customer="Bo Chen", email="bo@shop.test"),
                 at=T0, source="t")
    _ship(container, shop_id, ana.order_id, "LP00123456789CN")
    assert _names(container, shop_id, "LIM") == ["#1001"]
    assert _names(container, shop_id, "shop.te") == ["#1002"]
    assert _names(container, shop_id, "3456789cn") == ["#1001"]
    assert _names(container, shop_id, "nobody") == []
    assert _names(container, shop_id, "Bo") == ["#1002"]  # shorter than a trigram: still found


def test_an_order_name_is_matched_exactly_with_or_without_its_hash(container: Container) -> None:
    shop_id = _shop(container)
    for number in (1001, 10011, 21001):
        import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(number), at=T0, source="t")
    assert _names(container, shop_id, "#1001") == ["#1001"]
    assert _names(container, shop_id, " 1001 ") == ["#1001"]


def test_search_text_with_wildcards_and_quotes_is_taken_literally(container: Container) -> None:
    shop_id = _shop(container)
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1001, customer='Zoe "Z" 100%_off'),
                 at=T0, source="t")
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1002, customer="Zoe 1000 offers"),
                 at=T0, source="t")
    assert _names(container, shop_id, "100%_o") == ["#1001"]
    assert _names(container, shop_id, '"Z"') == ["#1001"]
    assert _names(container, shop_id, "%") == ["#1001"]


def test_a_changed_customer_name_is_found_by_its_new_text_and_not_its_old(container: Container) -> None:
    shop_id = _shop(container)
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1001, customer="Old Name"), at=T0, source="t")
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1001, customer="Renamed Buyer",
                                                                      updated=timedelta(minutes=1)),
                 at=T0, source="t")
    assert _names(container, shop_id, "renamed") == ["#1001"]
    assert _names(container, shop_id, "old name") == []


def test_a_search_never_returns_another_shops_orders(container: Container) -> None:
    first, second = _shop(container), _shop(container, "b.myshopify.com")
    import_order(container.uow(), shop_id=first, snapshot=snapshot(1001, customer="Shared Name"), at=T0, source="t")
    import_order(container.uow(), shop_id=second, snapshot=snapshot(1001, customer="Shared Name"), at=T0, source="t")
    with container.uow() as uow:
        found = uow.orders.page(second, OrderFilter(search="shared"))
        assert [o.shop_id for o in found] == [second]
        assert [o.shop_id for o in uow.orders.page(second, OrderFilter(search="#1001"))] == [second]


def _kept(container: Container, shop_id: int) -> dict[Stage, int]:
    with container.uow() as uow:
        return uow.orders.stage_counts(shop_id)


def test_the_tab_counts_follow_every_import_and_change_of_stage(container: Container) -> None:
    shop_id, other = _shop(container), _shop(container, "b.myshopify.com")
    for number in (1001, 1002, 1003):
        import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(number, financial=FinancialStatus.PENDING),
                     at=T0, source="t")
    import_order(container.uow(), shop_id=other, snapshot=snapshot(1001), at=T0, source="t")
    assert _kept(container, shop_id) == {Stage.UNPAID: 3}
    # Paid now: the order moves from the Unpaid tab to the one its lines lead to.
    moved = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1002, updated=timedelta(minutes=1)),
                         at=T0, source="t")
    assert moved.stage is not Stage.UNPAID
    assert _kept(container, shop_id) == {Stage.UNPAID: 2, moved.stage: 1}
    with container.uow() as uow:
        assert uow.orders.recount_stages(shop_id) == _kept(container, shop_id)
        assert uow.orders.recount_stages(other) == _kept(container, other)


def test_a_change_rolled_back_leaves_the_counts_as_they_were(container: Container) -> None:
    shop_id = _shop(container)
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(1001, financial=FinancialStatus.PENDING),
                 at=T0, source="t")
    with container.session_factory() as session:
        order = session.scalars(select(Order).where(Order.shop_id == shop_id)).one()
        order.stage = Stage.CANCELLED
        session.flush()
        session.rollback()
    with container.session_factory() as session:
        rows = session.scalars(select(OrderStageCount).where(OrderStageCount.shop_id == shop_id)).all()
        assert {(r.stage, r.orders) for r in rows} == {(Stage.UNPAID, 1)}


def test_a_search_counts_at_most_the_cap_and_says_the_count_is_a_lower_bound(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    shop_id = _shop(container)
    for number in range(1001, 1006):
        import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(number, customer="Same Buyer"),
                     at=T0, source="t")
    monkeypatch.setattr(order_queries, "COUNT_CAP", 3)
    capped = order_queries.list_orders(container.uow(), shop_id=shop_id, search="same buyer", limit=2)
    whole = order_queries.list_orders(container.uow(), shop_id=shop_id, limit=2)
    assert (capped.count, capped.count_is_exact, len(capped.orders)) == (3, False, 2)
    assert (whole.count, whole.count_is_exact) == (5, True)


def test_a_savepoint_rolled_back_drops_only_its_own_change_of_stage(container: Container) -> None:
    shop_id = _shop(container)
    for number in (1001, 1002, 1003):
        import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(number, financial=FinancialStatus.PENDING),
                     at=T0, source="t")
    with container.session_factory() as session:
        first, second, third = session.scalars(select(Order).where(Order.shop_id == shop_id).order_by(Order.id)).all()
        first.stage = Stage.CANCELLED
        session.flush()
        with session.begin_nested():
            second.stage = Stage.CANCELLED  # kept: the savepoint is released
        try:
            with session.begin_nested():
                third.stage = Stage.CANCELLED
                session.flush()
                raise RuntimeError("undo this one")
        except RuntimeError:
            pass
        session.commit()
    assert _kept(container, shop_id) == {Stage.UNPAID: 1, Stage.CANCELLED: 2}
    with container.uow() as uow:
        assert uow.orders.recount_stages(shop_id) == {Stage.UNPAID: 1, Stage.CANCELLED: 2}
