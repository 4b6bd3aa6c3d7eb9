"""Webhook ingest benchmark: new-order webhooks through the real endpoint, against the database's own speed.

    .venv/bin/python -m bench.ingest [--orders 2000] [--concurrency 16] [--database-url URL]

The endpoint side posts `--orders` realistic `orders/paid` webhooks (the sandbox store's generator, signed
like Shopify signs them) to the production app served by uvicorn on loopback, `--concurrency` at a time,
and times until every order is stored and applied. The database side inserts the same rows (orders and
line items, the columns ingestion writes) with SQLAlchemy Core in one transaction into fresh tables of the
same backend: that is as fast as this database takes these rows, and the ratio of the two rates says how
much of it the endpoint (signature, dedupe, store, apply) keeps.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, func, insert, select, text

from bench.webhooks import DOMAIN, Answer, connected_shop, payloads, percentile, post
from ordercenter.adapters.ports import StoreWebhookCodec
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.base import Base
from ordercenter.domain.orders import LineItem, Order
from ordercenter.domain.shops import Shop
from ordercenter.domain.snapshots import OrderSnapshot
from ordercenter.domain.status import FulfillmentStatus, Stage
from ordercenter.domain.webhooks import PENDING_STATUSES, WebhookDelivery
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.loopback import serve_on_loopback

CORE_SCHEMA = "bench_ingest_core"  # PostgreSQL: the Core side's fresh tables, dropped afterwards
APPLY_TIMEOUT_SECONDS = 600


def waiting(container: Container) -> int:
    """Deliveries stored but not applied yet (one cheap count, so polling barely loads the database)."""
    with container.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.next_attempt_at.is_not(None),
            WebhookDelivery.status.in_(sorted(PENDING_STATUSES)))) or 0)


def orders_stored(container: Container, shop_id: int) -> int:
    with container.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Order).where(Order.shop_id == shop_id)) or 0)


def through_endpoint(container: Container, shop_id: int, bodies: list[bytes],
                     concurrency: int) -> tuple[list[Answer], float]:
    """Post every body at saturation; returns the answers and the seconds until all were applied."""
    work = [(body, str(uuid.uuid4())) for body in bodies]
    with serve_on_loopback(create_app(container)) as url, \
            httpx.Client(base_url=url, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            answers = list(pool.map(lambda item: post(client, *item), work))
        while waiting(container) and time.perf_counter() - started < APPLY_TIMEOUT_SECONDS:
            time.sleep(0.02)
        return answers, time.perf_counter() - started


def rows_of(shop_id: int, snapshots: list[OrderSnapshot], at: datetime) -> tuple[list[dict[str, Any]],
                                                                                 list[dict[str, Any]]]:
    """The order and line item rows ingestion writes for these snapshots (ids given, no RETURNING needed)."""
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for order_id, snap in enumerate(snapshots, start=1):
        orders.append({
            "id": order_id, "shop_id": shop_id, "platform_order_id": snap.platform_order_id,
            "platform_gid": snap.platform_gid, "name": snap.name, "email": snap.email,
            "customer_name": snap.customer_name, "currency": snap.currency, "subtotal_price": snap.subtotal_price,
            "total_shipping": snap.total_shipping, "total_tax": snap.total_tax,
            "total_discounts": snap.total_discounts, "total_price": snap.total_price,
            "financial_status": snap.financial_status, "fulfillment_status": snap.fulfillment_status,
            "shipping_address_data": snap.shipping_address.to_dict() if snap.shipping_address else None,
            "tags": list(snap.tags), "note": snap.note, "platform_created_at": snap.created_at,
            "platform_updated_at": snap.updated_at, "cancelled_at": snap.cancelled_at, "closed_at": snap.closed_at,
            "raw_payload": snap.raw or None, "imported_at": at, "stage": Stage.TO_ORDER,
            "fulfilled_before_import": snap.fulfillment_status is FulfillmentStatus.FULFILLED,
        })
        lines.extend({
            "shop_id": shop_id, "order_id": order_id, "platform_line_id": line.platform_line_id,
            "variant_id": line.variant_id, "product_id": line.product_id, "sku": line.sku, "title": line.title,
            "variant_title": line.variant_title, "quantity": line.quantity, "unit_price": line.unit_price,
        } for line in snap.lines)
    return orders, lines


def core_engine(database_url: str | None, folder: Path) -> tuple[Engine, dict[str, Any]]:
    """An engine on fresh tables of the same backend: a new SQLite file, or a new PostgreSQL schema."""
    if database_url is None or database_url.startswith("sqlite"):
        return create_engine(f"sqlite:///{folder / 'core.sqlite3'}"), {}
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {CORE_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {CORE_SCHEMA}"))
    return engine, {"schema_translate_map": {None: CORE_SCHEMA}}


def through_core(codec: StoreWebhookCodec, database_url: str | None, folder: Path, bodies: list[bytes]) -> float:
    """Seconds to insert the same orders and lines with SQLAlchemy Core, in one transaction."""
    snapshots = [codec.order_snapshot(json.loads(body)) for body in bodies]
    engine, options = core_engine(database_url, folder)
    at = datetime.now(UTC)
    try:
        with engine.begin() as connection:
            connection = connection.execution_options(**options)
            Base.metadata.create_all(connection)
            shop_id = connection.execute(insert(Shop).values(domain=DOMAIN, name="Bench", currency="USD",
                                                             created_at=at).returning(Shop.id)).scalar_one()
        orders, lines = rows_of(shop_id, snapshots, at)
        started = time.perf_counter()
        with engine.begin() as connection:
            connection = connection.execution_options(**options)
            connection.execute(insert(Order), orders)
            connection.execute(insert(LineItem), lines)
        return time.perf_counter() - started
    finally:
        if options:
            with engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {CORE_SCHEMA} CASCADE"))
        engine.dispose()


def run(orders: int, concurrency: int, database_url: str | None) -> int:
    bodies = payloads(orders)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as name:
        folder = Path(name)
        container = bootstrap(Settings(data_dir=folder, secret_key="b" * 40, database_url=database_url))
        backend = container.engine.dialect.name
        shop_id = connected_shop(container)
        answers, endpoint_seconds = through_endpoint(container, shop_id, bodies, concurrency)
        stored, left = orders_stored(container, shop_id), waiting(container)
        container.engine.dispose()
        core_seconds = through_core(container.webhook_codec, database_url, folder, bodies)
    times = [a.seconds for a in answers]
    errors = sum(1 for a in answers if a.outcome != "received")
    endpoint_rate, core_rate = orders / endpoint_seconds, orders / core_seconds
    figures = {
        "database": backend, "orders": orders, "concurrency": concurrency,
        "endpoint_seconds": round(endpoint_seconds, 3), "endpoint_orders_per_s": round(endpoint_rate, 1),
        "answer_p50_ms": round(statistics.median(times) * 1000, 1),
        "answer_p95_ms": round(percentile(times, 0.95) * 1000, 1),
        "answer_p99_ms": round(percentile(times, 0.99) * 1000, 1),
        "core_seconds": round(core_seconds, 3), "core_orders_per_s": round(core_rate, 1),
        "ratio": round(endpoint_rate / core_rate, 4), "orders_stored": stored, "errors": errors,
    }
    print(f"database                    {backend}")  # noqa: T201
    print(f"webhooks                    {orders} new orders, {concurrency} in flight, {errors} not received")  # noqa: T201
    print(f"answer time                 p50 {figures['answer_p50_ms']:.0f} ms, "  # noqa: T201
          f"p95 {figures['answer_p95_ms']:.0f} ms, p99 {figures['answer_p99_ms']:.0f} ms")
    print(f"endpoint                    {endpoint_seconds:.2f} s until all applied: "  # noqa: T201
          f"{endpoint_rate:.1f} orders/s")
    print(f"core insert                 {core_seconds:.3f} s in one transaction: {core_rate:.1f} orders/s")  # noqa: T201
    print(f"endpoint / core             {endpoint_rate / core_rate:.3f}")  # noqa: T201
    print(f"orders in the database      {stored} of {orders}; deliveries still waiting: {left}")  # noqa: T201
    ok = stored == orders and left == 0 and errors == 0
    if not ok:
        print("FAILED: not every order was applied exactly once", file=sys.stderr)  # noqa: T201
    print(json.dumps(figures))  # noqa: T201
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=2000, help="distinct new orders delivered")
    parser.add_argument("--concurrency", type=int, default=16, help="webhooks in flight at once")
    parser.add_argument("--database-url", help="PostgreSQL instead of a fresh SQLite file (its tables are reused: "
                        f"pass an empty database; the Core side uses a scratch schema {CORE_SCHEMA})")
    args = parser.parse_args()
    if args.orders < 1 or args.concurrency < 1:
        parser.error("--orders and --concurrency must be at least 1")
    return run(args.orders, args.concurrency, args.database_url)


if __name__ == "__main__":
    sys.exit(main())
