"""Orders list benchmark: the API's list, tabs, search and deep paging on a shop with many orders.

    .venv/bin/python -m bench.orders_list [--orders 100000] [--requests 40] [--database-url URL]

Seeds one shop with N realistic orders (names #1001…, customers drawn from 40,000 names, e-mail
addresses, stages in the shares a busy store has, two years of dates, a supplier order with a
tracking number on every shipped one) with SQLAlchemy Core, then times real requests to
`GET /api/v1/orders` through the production app (`create_app`, bearer token, JSON answer):
the default list, a stage tab, `q` = a customer's name, `q` = an order name, and page 20
reached through `next_cursor`; and the orders page itself (signed in) searched by customer and
filtered to one week. Prints p50/p95 per request kind; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.orders import Order
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus, Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import Shipment, SupplierOrder
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.web.sessions import SESSION_COOKIE
from ordercenter.services.access import create_staff_user, create_token
from ordercenter.services.web_sessions import sign_in

FIRST = ["Ana", "Bo", "Chloe", "Dmitri", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Mateo",
         "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Xavi", "Yara", "Zoe",
         "Liam", "Emma", "Noah", "Olivia", "Lucas", "Mia", "Hugo", "Ines", "Leo", "Alma", "Theo", "Ada", "Jonas",
         "Maya", "Felix", "Nina", "Oscar", "Lea", "Arlo", "Iris", "Milo", "Ruth", "Ezra", "Cleo"]
LAST = ["Lima", "Chen", "Martin", "Petrov", "Yilmaz", "Haddad", "Berg", "Sato", "Novak", "Silva", "Mensah",
        "Fischer", "Garcia", "Rossi", "Khan", "Larsen", "Murphy", "Costa", "Nilsson", "Singh", "Ali", "Kovacs",
        "Wang", "Roca", "Haddadi", "Dubois", "Okafor", "Jensen", "Moreau", "Schmidt", "Tanaka", "Kim", "Lopez",
        "Nowak", "Horvat", "Olsen", "Ivanova", "Conti", "Weber", "Ortiz"]
# A busy store: most orders done, a working set to place and follow.
STAGE_SHARES = [(Stage.COMPLETED, 0.55), (Stage.DELIVERED, 0.12), (Stage.IN_TRANSIT, 0.1),
                (Stage.AWAITING_SHIPMENT, 0.06), (Stage.TO_ORDER, 0.06), (Stage.CANCELLED, 0.04),
                (Stage.AWAITING_PAYMENT, 0.03), (Stage.NEEDS_ATTENTION, 0.02), (Stage.UNPAID, 0.02)]
SHIPPED = {Stage.IN_TRANSIT, Stage.DELIVERED, Stage.COMPLETED}
BATCH = 5000
DOMAIN = "bench-list.myshopify.com"
STAFF_EMAIL, STAFF_PASSWORD = "bench@example.com", "bench-password-1234"


def _customer(rng: random.Random) -> str:
    # 50 × 40 base names with a middle initial: about 40,000 distinct customers.
    return f"{rng.choice(FIRST)} {chr(65 + rng.randrange(20))}. {rng.choice(LAST)}"


def _order_rows(shop_id: int, count: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    stages, weights = zip(*STAGE_SHARES, strict=True)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(count):
        customer = _customer(rng)
        created = start + timedelta(minutes=i * (2 * 365 * 24 * 60) // max(count, 1))
        stage = rng.choices(stages, weights)[0]
        total = Decimal(rng.randrange(1500, 25000)) / 100
        yield {"shop_id": shop_id, "platform_order_id": str(5_000_000_000 + i), "name": f"#{1001 + i}",
               "platform_gid": f"gid://shopify/Order/{5_000_000_000 + i}",
               "email": f"{customer.split()[0].lower()}.{customer.split()[-1].lower()}{i % 97}@mail.test",
               "customer_name": customer, "currency": "USD", "subtotal_price": total - Decimal("4.99"),
               "total_shipping": Decimal("4.99"), "total_tax": Decimal(0), "total_discounts": Decimal(0),
               "total_price": total,
               "financial_status": FinancialStatus.PENDING if stage is Stage.UNPAID else FinancialStatus.PAID,
               "fulfillment_status": FulfillmentStatus.FULFILLED if stage in SHIPPED else FulfillmentStatus.UNFULFILLED,
               "tags": [], "note": "", "platform_created_at": created, "platform_updated_at": created,
               "imported_at": created, "stage": stage, "stage_partial": False,
               "cancellation_pending": False, "return_open": False, "customer_refund_open": False}


def seed(container: Container, shop_id: int, count: int) -> tuple[list[str], list[str]]:
    """N orders (and a tracked supplier order per shipped one); returns sample customer names and order names."""
    rng = random.Random(7)
    customers: list[str] = []
    with container.engine.begin() as connection:
        batch: list[dict[str, Any]] = []
        for row in _order_rows(shop_id, count, rng):
            batch.append(row)
            if len(batch) == BATCH:
                connection.execute(insert(Order), batch)
                customers.extend(r["customer_name"] for r in batch[:3])
                batch = []
        if batch:
            connection.execute(insert(Order), batch)
            customers.extend(r["customer_name"] for r in batch[:3])
        shipped = connection.execute(select(Order.id, Order.platform_created_at).where(
            Order.shop_id == shop_id, Order.stage.in_(SHIPPED))).all()
        for offset in range(0, len(shipped), BATCH):
            chunk = shipped[offset:offset + BATCH]
            ids = connection.execute(insert(SupplierOrder).returning(SupplierOrder.id), [
                {"shop_id": shop_id, "order_id": order_id, "group_key": "seller", "idempotency_key": f"b-{order_id}",
                 "currency": "USD", "status": SupplierOrderStatus.SHIPPED, "created_at": at, "placed_at": at}
                for order_id, at in chunk]).scalars().all()
            connection.execute(insert(Shipment), [
                {"shop_id": shop_id, "supplier_order_id": so_id, "tracking_number": f"LP{so_id:011d}CN",
                 "created_at": at} for so_id, (_, at) in zip(ids, chunk, strict=True)])
    with container.uow() as uow:
        uow.orders.recount_stages(shop_id)  # Core inserts bypass the counting the application does
        uow.commit()
    names = [f"#{1001 + rng.randrange(count)}" for _ in range(50)]
    return customers, names


def samples(container: Container, shop_id: int, count: int) -> tuple[list[str], list[str]]:
    """Customer names and order names to search for, read from orders seeded before."""
    with container.engine.connect() as connection:
        customers = list(connection.execute(select(Order.customer_name).where(
            Order.shop_id == shop_id, Order.id % (count // 60 + 1) == 0).limit(60)).scalars())
    rng = random.Random(7)
    return customers, [f"#{1001 + rng.randrange(count)}" for _ in range(50)]


def timed(call: Callable[[], Any], times: int) -> list[float]:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def run(orders: int, requests: int, database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-orders-") as folder:
        container = bootstrap(Settings(data_dir=Path(folder), secret_key="b" * 40, database_url=database_url))
        dialect = container.engine.dialect.name
        now = datetime.now(UTC)
        with container.uow() as uow:
            existing = uow.shops.by_domain(DOMAIN)
            kept = existing is not None and sum(uow.orders.stage_counts(existing.id).values()) == orders
            if existing is not None and not kept:
                raise SystemExit("the database holds another run's shop with a different number of orders: "
                                 "pass an empty database")
            shop = existing or uow.shops.add(Shop(domain=DOMAIN, name="Bench", currency="USD", created_at=now))
            uow.commit()
            shop_id = shop.id
        started = time.perf_counter()
        # A PostgreSQL database seeded by an earlier run with the same --orders is measured again as it is.
        customers, names = samples(container, shop_id, orders) if kept else seed(container, shop_id, orders)
        if dialect == "postgresql":
            with container.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        seeded = time.perf_counter() - started
        token = create_token(container.uow(), shop_id=shop_id, name="bench", now=now).token
        with container.uow() as uow:
            has_staff = uow.staff.by_email(STAFF_EMAIL) is not None
        if not has_staff:
            create_staff_user(container.uow(), shop_id=shop_id, email=STAFF_EMAIL, password=STAFF_PASSWORD, now=now)
        session = sign_in(container.uow(), email=STAFF_EMAIL, password=STAFF_PASSWORD, client_address="bench",
                          now=now).token
        rng = random.Random(11)
        figures: dict[str, Any] = {"database": dialect, "orders": orders, "seed_seconds": round(seeded, 1)}
        with TestClient(create_app(container), headers={"Authorization": f"Bearer {token}"}) as client:

            def page(**params: Any) -> None:
                response = client.get("/orders", params=params, cookies={SESSION_COOKIE: session})
                if response.status_code != 200:
                    raise SystemExit(f"GET /orders {params} answered {response.status_code}")

            def get(**params: Any) -> dict[str, Any]:
                response = client.get("/api/v1/orders", params={k: v for k, v in params.items() if v is not None})
                if response.status_code != 200:
                    raise SystemExit(f"GET /api/v1/orders {params} answered {response.status_code}: {response.text}")
                body: dict[str, Any] = response.json()
                return body

            get()  # warm up
            deep_cursor = None
            for _ in range(19):  # the cursor of page 20, walked to as a merchant would
                deep_cursor = get(cursor=deep_cursor)["next_cursor"]
            kinds: dict[str, Callable[[], Any]] = {
                "default_list": lambda: get(),
                "stage_tab": lambda: get(stage=Stage.TO_ORDER.value),
                "q_customer": lambda: get(q=rng.choice(customers)),
                "q_order_name": lambda: get(q=rng.choice(names)),
                "page_20_cursor": lambda: get(cursor=deep_cursor),
                # The orders page in the browser: the same reads plus the tab counts and the HTML.
                "web_page_q_customer": lambda: page(tab="all", q=rng.choice(customers)),
                "web_page_one_week": lambda: page(tab="all", **{"from": "2026-03-02", "to": "2026-03-08"}),
            }
            found = get(q=customers[0])
            if not found["data"]:
                raise SystemExit(f"the search for {customers[0]!r} found nothing")
            if [o["name"] for o in get(q=names[0])["data"]] != [names[0]]:
                raise SystemExit(f"the search for {names[0]} did not find exactly that order")
            for kind, call in kinds.items():
                seconds = timed(call, requests)
                figures[f"{kind}_p50_ms"] = round(statistics.median(seconds) * 1000, 1)
                figures[f"{kind}_p95_ms"] = round(p95(seconds) * 1000, 1)
                print(f"{kind:<18} p50 {figures[f'{kind}_p50_ms']:>7.1f} ms   "  # noqa: T201
                      f"p95 {figures[f'{kind}_p95_ms']:>7.1f} ms")
        container.engine.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=100_000, help="orders seeded in the shop")
    parser.add_argument("--requests", type=int, default=40, help="requests timed per kind")
    parser.add_argument("--database-url", help="PostgreSQL instead of a fresh SQLite file: an empty database, or "
                        "one an earlier run seeded with the same --orders (measured again without seeding)")
    args = parser.parse_args()
    if args.orders < 1000 or args.requests < 5:
        print("--orders must be at least 1000 and --requests at least 5", file=sys.stderr)  # noqa: T201
        return 2
    figures = run(args.orders, args.requests, args.database_url)
    print(f"database {figures['database']}, {figures['orders']} orders seeded in "  # noqa: T201
          f"{figures['seed_seconds']} s")
    print(json.dumps(figures))  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
