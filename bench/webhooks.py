"""Webhook intake benchmark: how fast Order Center answers Shopify's webhooks, and how soon they are applied.

    .venv/bin/python -m bench.webhooks [--orders 500] [--concurrency 8] [--duplicates 0.1]

Shopify gives a receiver 5 seconds to answer and retries (then removes the subscription) otherwise, so
the figure that matters is the answer time under load. The server is the production app (`create_app`)
served by uvicorn on loopback with a SQLite database from `bootstrap`; the payloads are realistic REST
order payloads from the sandbox store's generator, signed with the shop's secret like Shopify signs them.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION, Settings
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.loopback import serve_on_loopback
from ordercenter.sandbox.shopify import SandboxStoreConfig, ShopConfig, create_sandbox_store

DOMAIN = "bench-hooks.myshopify.com"
SECRET = "bench-webhook-secret"
SHOPIFY_DEADLINE_SECONDS = 5.0


@dataclass(frozen=True)
class Answer:
    seconds: float
    status: int
    outcome: str


def payloads(count: int) -> list[bytes]:
    """Realistic `orders/paid` bodies, one per order, from the sandbox store's seeded generator."""
    store = create_sandbox_store(SandboxStoreConfig(shops=[ShopConfig(domain=DOMAIN, client_secret=SECRET)])).store
    store.webhooks.set_options(drop=True)
    store.generate_orders(DOMAIN, count)
    bodies = [json.dumps(order).encode() for order in store.snapshot(DOMAIN)]
    store.close()
    return bodies


def headers_for(body: bytes, event_id: str, *, topic: str = "orders/paid",
                webhook_id: str | None = None) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return {"Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": DOMAIN, "X-Shopify-API-Version": DEFAULT_SHOPIFY_API_VERSION,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()), "X-Shopify-Event-Id": event_id,
            "X-Shopify-Triggered-At": datetime.now(UTC).isoformat()}


def post(client: httpx.Client, body: bytes, event_id: str, *, topic: str = "orders/paid",
         webhook_id: str | None = None) -> Answer:
    """One signed delivery; a Shopify retry of it repeats its `webhook_id` and `event_id`."""
    started = time.perf_counter()
    response = client.post("/webhooks/shopify", content=body,
                           headers=headers_for(body, event_id, topic=topic, webhook_id=webhook_id))
    seconds = time.perf_counter() - started
    outcome = response.json().get("status", "error") if response.status_code == 200 else "error"
    return Answer(seconds, response.status_code, outcome)


def applied(container: Container, shop_id: int) -> tuple[int, int]:
    """(orders in the database, deliveries still waiting to be applied)."""
    with container.uow() as uow:
        return sum(uow.orders.stage_counts(shop_id).values()), len(uow.webhooks.pending(100_000))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def connected_shop(container: Container, at: datetime | None = None) -> int:
    """The benchmark's shop, connected with the webhook secret the bodies are signed with; its id."""
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=DOMAIN, name="Bench", currency="USD", created_at=at or datetime.now(UTC),
                                  access_token_encrypted=container.secrets.encrypt("shpat_bench"),
                                  webhook_secret_encrypted=container.secrets.encrypt(SECRET)))
        uow.commit()
        return shop.id


def run(orders: int, concurrency: int, duplicate_share: float, database_url: str | None) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder:
        container = bootstrap(Settings(data_dir=Path(folder), secret_key="b" * 40, database_url=database_url))
        print(f"database                    {container.engine.dialect.name}")  # noqa: T201
        shop_id = connected_shop(container)
        bodies = payloads(orders)
        events = [str(uuid.uuid4()) for _ in bodies]
        repeats = [(bodies[i], events[i]) for i in range(0, len(bodies), max(1, round(1 / duplicate_share)))] \
            if duplicate_share > 0 else []
        work = list(zip(bodies, events, strict=True)) + repeats
        with serve_on_loopback(create_app(container)) as url, httpx.Client(base_url=url, timeout=30) as client:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                answers = list(pool.map(lambda item: post(client, *item), work))
            sent_seconds = time.perf_counter() - started
            while applied(container, shop_id)[1] and time.perf_counter() - started < 300:
                time.sleep(0.05)
            all_applied_seconds = time.perf_counter() - started
        stored, waiting = applied(container, shop_id)
        container.engine.dispose()
    times = [a.seconds for a in answers]
    outcomes = {k: sum(1 for a in answers if a.outcome == k) for k in ("received", "duplicate", "error")}
    print(f"webhooks sent               {len(work)}  ({orders} orders, {len(repeats)} repeated deliveries, "  # noqa: T201
          f"{concurrency} at a time)")
    print(f"answers                     {outcomes['received']} received, {outcomes['duplicate']} duplicate, "  # noqa: T201
          f"{outcomes['error']} errors")
    print(f"answer time                 p50 {statistics.median(times) * 1000:.0f} ms, "  # noqa: T201
          f"p95 {percentile(times, 0.95) * 1000:.0f} ms, p99 {percentile(times, 0.99) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms  (Shopify allows {SHOPIFY_DEADLINE_SECONDS:.0f} s)")
    print(f"throughput                  {len(work) / sent_seconds:.1f} webhooks/s answered")  # noqa: T201
    print(f"all applied after           {all_applied_seconds:.1f} s  "  # noqa: T201
          f"({orders / all_applied_seconds:.1f} orders/s stored and applied)")
    print(f"orders in the database      {stored} of {orders}; deliveries still waiting: {waiting}")  # noqa: T201
    ok = stored == orders and waiting == 0 and outcomes["error"] == 0 and outcomes["duplicate"] == len(repeats)
    if not ok:
        print("FAILED: not every order was applied exactly once", file=sys.stderr)  # noqa: T201
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=500, help="distinct orders delivered")
    parser.add_argument("--concurrency", type=int, default=8, help="webhooks in flight at once")
    parser.add_argument("--duplicates", type=float, default=0.1, help="share of deliveries sent twice")
    parser.add_argument("--database-url", help="PostgreSQL instead of a fresh SQLite file (its tables are reused: "
                        "pass an empty database)")
    args = parser.parse_args()
    if args.orders < 1 or args.concurrency < 1 or not 0 <= args.duplicates <= 1:
        parser.error("--orders and --concurrency must be at least 1, --duplicates between 0 and 1")
    return run(args.orders, args.concurrency, args.duplicates, args.database_url)


if __name__ == "__main__":
    sys.exit(main())
