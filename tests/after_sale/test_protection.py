"""Buyer protection in the order detail and the orders list, over HTTP, on Order Center's clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from ordercenter.services import order_queries
from tests.after_sale.conftest import AfterSale, Placed


def supplier_order(after_sale: AfterSale, placed: Placed) -> dict[str, Any]:
    [so] = after_sale.order(placed.order_id)["supplier_orders"]
    found: dict[str, Any] = so
    return found


def summary(after_sale: AfterSale, order_id: int) -> dict[str, Any] | None:
    [row] = [o for o in after_sale.api.get("/orders", params={"limit": 200}).json()["data"] if o["id"] == order_id]
    found: dict[str, Any] | None = row["protection"]
    return found


def placed_on(after_sale: AfterSale, placed: Placed) -> date:
    at = after_sale.api.get(f"/supplier-orders/{placed.supplier_order_id}").json()["placed_at"]
    return datetime.fromisoformat(at).astimezone(UTC).date()


def given_seller_type(after_sale: AfterSale, placed: Placed, seller_type: str) -> None:
    """What the supplier would have said of the seller (the sandbox's sellers are all standard ones)."""
    with after_sale.container.uow() as uow:
        so = uow.supplier_orders.get(after_sale.shop_id, placed.supplier_order_id)
        assert so is not None
        so.seller_type = seller_type
        uow.commit()


@pytest.mark.also_postgres
def test_the_window_is_open_with_0_days_left_on_day_90_and_closed_on_day_91_in_detail_and_list(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    closes_on = placed_on(after_sale, placed) + timedelta(days=90)
    protection = supplier_order(after_sale, placed)["protection"]
    assert protection["closes_on"] == closes_on.isoformat() and protection["is_open"] is True
    assert summary(after_sale, placed.order_id) == {"closes_on": closes_on.isoformat(),
                                                    "days_left": protection["days_left"]}
    eta = protection["refund_eta"]
    assert eta["method"] == "card" and eta["business_days"] == [3, 20] and eta["issued"] is False
    assert date.fromisoformat(eta["earliest"]) < date.fromisoformat(eta["latest"])

    after_sale.clock.advance(datetime.combine(closes_on, datetime.min.time(), UTC) + timedelta(hours=20)
                             - after_sale.clock.now())  # day 90, late in the evening
    protection = supplier_order(after_sale, placed)["protection"]
    assert (protection["days_left"], protection["is_open"]) == (0, True)
    assert summary(after_sale, placed.order_id) == {"closes_on": closes_on.isoformat(), "days_left": 0}

    after_sale.clock.advance(timedelta(hours=5))  # day 91
    protection = supplier_order(after_sale, placed)["protection"]
    assert (protection["days_left"], protection["is_open"]) == (-1, False)
    assert summary(after_sale, placed.order_id) is None  # no open window left to watch


def test_a_confirmed_delivery_closes_the_window_15_days_after_it(after_sale: AfterSale) -> None:
    placed = after_sale.placed(delivered=True)
    delivered = after_sale.api.get(f"/supplier-orders/{placed.supplier_order_id}").json()["delivered_at"]
    assert delivered is not None
    closes_on = datetime.fromisoformat(delivered).astimezone(UTC).date() + timedelta(days=15)
    protection = supplier_order(after_sale, placed)["protection"]
    assert protection["closes_on"] == closes_on.isoformat()
    assert protection["days_left"] == (closes_on - after_sale.clock.now().date()).days
    assert closes_on < placed_on(after_sale, placed) + timedelta(days=90)


def test_a_choice_seller_to_the_us_offers_a_free_return_and_a_standard_seller_none(after_sale: AfterSale) -> None:
    choice, standard = after_sale.placed(shipped=True, country="US"), after_sale.placed(shipped=True, country="US")
    given_seller_type(after_sale, choice, "choice")
    assert after_sale.order(choice.order_id)["ship_to_country"] == "US"
    free_return = supplier_order(after_sale, choice)["protection"]["free_return"]
    assert free_return is not None and "free return" in free_return and "15 days of delivery" in free_return
    assert supplier_order(after_sale, standard)["protection"]["free_return"] is None


def test_an_issued_refund_shows_its_real_dates_in_the_protection(after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    opened = after_sale.api.post(f"/supplier-orders/{placed.supplier_order_id}/returns",
                                 data={"kind": "refund_only", "reason": "not_received", "amount": "1.00"}).json()
    after_sale.supplier.decide_dispute(opened["supplier_dispute_id"], True)
    after_sale.refresh(placed.supplier_order_id)
    request = after_sale.api.get(f"/returns/{opened['id']}").json()
    after_sale.clock.advance(timedelta(days=2))
    eta = supplier_order(after_sale, placed)["protection"]["refund_eta"]
    assert eta["issued"] is True
    assert (eta["earliest"], eta["latest"]) == (request["refund"]["expected_from"], request["refund"]["expected_by"])


def test_an_order_without_a_placed_supplier_order_has_no_protection(after_sale: AfterSale) -> None:
    after_sale.store.generate_orders("after.myshopify.com", 1, with_shipping_address=True)
    assert after_sale.store.wait_idle(20)
    waiting = [o for o in after_sale.wait_for_orders(1) if o["stage"] != "in_transit"]
    assert waiting and all(o["protection"] is None for o in waiting)
    detail = after_sale.order(waiting[0]["id"])
    assert all(so["protection"] is None for so in detail["supplier_orders"])


@contextmanager
def counted_queries(after_sale: AfterSale) -> Iterator[list[str]]:
    statements: list[str] = []
    mine = threading.get_ident()  # the live server's threads share the engine: count this test's only

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if threading.get_ident() == mine:
            statements.append(statement)

    engine = after_sale.container.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_list_reads_the_protection_of_a_whole_page_in_as_many_queries_as_of_one_order(
        after_sale: AfterSale) -> None:
    placed = [after_sale.placed(shipped=True) for _ in range(3)]
    now = after_sale.clock.now()
    queries = {}
    for limit in (1, 2):  # both pages full, so both count the tab the same way
        with counted_queries(after_sale) as statements:
            page = order_queries.list_orders(after_sale.container.uow(), shop_id=after_sale.shop_id, limit=limit,
                                             now=now)
        queries[limit] = len(statements)
    assert len(page.orders) == 2 and set(page.protection) == {o.id for o in page.orders}
    assert {p.order_id for p in placed} >= set(page.protection)
    assert queries[1] == queries[2]
