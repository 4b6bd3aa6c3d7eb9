"""Backfill benchmark: a full order sync from the sandbox store over real HTTP into a real database.

    .venv/bin/python -m bench.backfill [--orders 500] [--bucket 2000] [--restore 100] [--split db]

Everything on the path is the production code: `connect_shop`, `sync_orders`, `ShopifyClient` with its
cost limiter, the SQLite database made by `bootstrap`. Only the HTTP transport is wrapped, to read each
response's `extensions.cost` and count THROTTLED answers. The figures are compared with what the
sandbox's leaky bucket allows at best, so the result reads as "how close to the rate limit we sync".
See bench/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ordercenter.adapters.ports import OrderPage, StorePlatform
from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.adapters.shopify.queries import PAGE_SIZE, operation_name
from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.entrypoints.loopback import serve_on_loopback
from ordercenter.sandbox.shopify import SandboxStoreConfig, ShopConfig, create_sandbox_store
from ordercenter.services.ingestion import ImportOutcome
from ordercenter.services.shops import connect_shop
from ordercenter.services.store_sync import SyncReport, sync_orders

SHOP = ShopConfig(domain="bench-store.myshopify.com", name="Bench Store", access_token="shpat_bench_token",
                  client_id="bench-client", client_secret="bench-client-secret", currency="USD")
SYNC_OPERATION = "OrdersSync"


@dataclass
class Exchange:
    """One HTTP round trip as the client saw it."""

    operation: str
    seconds: float
    throttled: bool
    requested: float | None
    actual: float | None


class CostRecordingTransport(httpx.BaseTransport):
    """Real HTTP, recording each answer's operation, duration, cost figures and THROTTLED status."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        operation = operation_name(json.loads(request.read()).get("query", ""))
        started = time.perf_counter()
        response = self._inner.handle_request(request)
        body = response.read()  # buffered, so the client reads the same bytes again
        seconds = time.perf_counter() - started
        payload = _json_object(body)
        cost = (payload.get("extensions") or {}).get("cost") or {}
        errors = payload.get("errors")
        throttled = response.status_code == 429 or (isinstance(errors, list) and any(
            isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors))
        self.exchanges.append(Exchange(operation, seconds, throttled, _points(cost.get("requestedQueryCost")),
                                       _points(cost.get("actualQueryCost"))))
        return response

    def close(self) -> None:
        self._inner.close()


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _points(value: Any) -> float | None:
    # Cost figures are points, not money: float is right.
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class TimedShopifyClient(ShopifyClient):
    """The real client; also measures the time spent producing each page (HTTP, pacing, parsing).

    `sync_orders` alternates: fetch a page, import it. Time inside `next()` of the page iterator is the
    fetch; time between pages is the import into the database.
    """

    fetch_seconds: float = 0.0

    def iter_order_pages(self, *, updated_since: datetime | None) -> Iterator[OrderPage]:
        pages = super().iter_order_pages(updated_since=updated_since)
        while True:
            started = time.perf_counter()
            try:
                page = next(pages)
            except StopIteration:
                self.fetch_seconds += time.perf_counter() - started
                return
            self.fetch_seconds += time.perf_counter() - started
            yield page


@dataclass
class Run:
    orders: int
    bucket: float
    restore: float
    report: SyncReport
    wall_seconds: float
    exchanges: list[Exchange]
    fetch_seconds: float
    pauses: list[float] = field(default_factory=list)

    @property
    def sync_exchanges(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.operation == SYNC_OPERATION]

    @property
    def throttled(self) -> int:
        return sum(1 for e in self.exchanges if e.throttled)

    @property
    def cost_per_order(self) -> float:
        actual = sum(e.actual or 0.0 for e in self.sync_exchanges)
        return actual / max(1, self.report.seen)

    @property
    def requested_per_page(self) -> float:
        requested = [e.requested for e in self.sync_exchanges if e.requested is not None and not e.throttled]
        return max(requested, default=0.0)

    def theoretical_seconds(self) -> float:
        """Best time the bucket allows: the first `bucket` points at once, the rest at `restore` a second."""
        return max(0.0, self.orders * self.cost_per_order - self.bucket) / self.restore

    def theoretical_seconds_with_reserve(self) -> float:
        """As above, but each page must find its whole *requested* cost in the bucket before it runs, so
        the last page needs (requested − actual) points more than the simple model."""
        last_page_actual = self.cost_per_order * min(PAGE_SIZE, self.orders)
        reserve = max(0.0, self.requested_per_page - last_page_actual)
        return max(0.0, self.orders * self.cost_per_order - self.bucket + reserve) / self.restore


def backfill(orders: int, bucket: float, restore: float) -> Run:
    sandbox = create_sandbox_store(SandboxStoreConfig(shops=[SHOP], bucket_size=bucket, restore_rate=restore))
    sandbox.store.webhooks.set_options(drop=True)  # the benchmark measures sync alone
    sys.stderr.write(f"generating {orders} orders in the sandbox store…\n")
    sandbox.store.generate_orders(SHOP.domain, orders)
    transport = CostRecordingTransport()
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        time.sleep(seconds)

    clients: list[TimedShopifyClient] = []

    def connect(domain: str, access_token: str, api_url: str | None) -> StorePlatform:
        client = TimedShopifyClient(domain, access_token, api_url=api_url, transport=transport, sleep=sleep)
        clients.append(client)
        return client

    with tempfile.TemporaryDirectory(prefix="ordercenter-bench-") as data_dir, \
            serve_on_loopback(sandbox) as url:
        container = bootstrap(Settings(data_dir=Path(data_dir), secret_key="bench-" + "k" * 40))
        shop = connect_shop(container.uow(), connect, container.secrets, domain=SHOP.domain,
                            access_token=SHOP.access_token, webhook_secret=SHOP.client_secret, api_url=url,
                            callback_url=container.webhook_callback_url, now=datetime.now(UTC))
        _wait_for_full_bucket(sandbox.store.bucket(SHOP.domain).status().currently_available, bucket, restore)
        client = clients[0]
        exchanges_before, pauses_before = len(transport.exchanges), len(pauses)
        started = time.perf_counter()
        report = sync_orders(container.uow(), client, container.clock, shop_id=shop.id, full=True,
                             on_page=_progress(orders))
        wall = time.perf_counter() - started
        sys.stderr.write("\n")
        container.engine.dispose()
        for each in clients:
            each.close()
    sandbox.store.close()
    if report.count(ImportOutcome.CREATED) != orders:
        raise SystemExit(f"expected {orders} orders created, the sync reports {report.outcomes}")
    return Run(orders, bucket, restore, report, wall, transport.exchanges[exchanges_before:],
               client.fetch_seconds, pauses[pauses_before:])


def _wait_for_full_bucket(available: float, bucket: float, restore: float) -> None:
    # Connecting (shop query, webhook subscriptions) spent points; start from a full bucket, as the
    # theoretical figures assume. The client's own model refills in the same time.
    time.sleep(max(0.0, bucket - available) / restore + 0.05)


def _progress(total: int) -> Any:
    def show(report: SyncReport) -> None:
        sys.stderr.write(f"\r  synced {report.seen}/{total} orders, {report.pages} pages")
        sys.stderr.flush()

    return show


def render(run: Run, *, split_db: bool) -> str:
    n, cost = run.report.seen, run.cost_per_order
    theory = run.theoretical_seconds()
    theory_reserve = run.theoretical_seconds_with_reserve()
    measured_rate = n / run.wall_seconds
    lines = [
        f"orders                      {n}  (pages of {PAGE_SIZE})",
        f"pages                       {run.report.pages}",
        f"bucket                      {run.bucket:g} points, restores {run.restore:g}/s",
        f"wall time                   {run.wall_seconds:.1f} s",
        f"throughput                  {measured_rate:.2f} orders/s",
        f"actual cost per order       {cost:.2f} points  (requested per page: {run.requested_per_page:g})",
        f"bucket maximum              burst {run.bucket / cost:.0f} orders at once, "
        f"then {run.restore / cost:.2f} orders/s",
        f"theoretical best time       {theory:.1f} s  ({theory_reserve:.1f} s keeping each page's "
        "requested cost in reserve)",
        f"measured / theoretical      {_ratio(theory, run.wall_seconds)}  "
        f"({_ratio(theory_reserve, run.wall_seconds)} against the reserve-aware bound)"
        if theory_reserve > 0 else "measured / theoretical      n/a: every order fits in the first burst",
        f"THROTTLED responses         {run.throttled}  of {len(run.exchanges)} requests",
    ]
    if split_db:
        http = sum(e.seconds for e in run.exchanges)
        paced = sum(run.pauses)
        ingest = run.wall_seconds - run.fetch_seconds
        other = run.fetch_seconds - http - paced
        lines += [
            "split of the wall time:",
            f"  waiting on the bucket     {paced:6.1f} s  {_share(paced, run.wall_seconds)}  "
            f"({len(run.pauses)} pauses of the client's cost limiter)",
            f"  HTTP round trips          {http:6.1f} s  {_share(http, run.wall_seconds)}  "
            "(sandbox execution included)",
            f"  DB writes (import)        {ingest:6.1f} s  {_share(ingest, run.wall_seconds)}  "
            f"({n / ingest if ingest else 0:.0f} orders/s if the bucket were unlimited)",
            f"  parsing and the rest      {other:6.1f} s  {_share(other, run.wall_seconds)}",
        ]
    return "\n".join(lines) + "\n"


def _ratio(theoretical: float, measured: float) -> str:
    if theoretical <= 0:
        return "n/a"
    return f"{theoretical / measured:.0%}"


def _share(part: float, whole: float) -> str:
    return f"{part / whole:5.1%}" if whole else "  n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backfill", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500, help="orders to generate and sync (default 500)")
    parser.add_argument("--bucket", type=float, default=2000.0, help="bucket size in points (default 2000)")
    parser.add_argument("--restore", type=float, default=100.0, help="points restored per second (default 100)")
    parser.add_argument("--split", choices=["db"], help="'db': also split the wall time into waiting on the "
                                                        "bucket, HTTP, DB writes and the rest")
    args = parser.parse_args(argv)
    if args.orders < 1 or args.bucket <= 0 or args.restore <= 0:
        parser.error("--orders, --bucket and --restore must be positive")
    run = backfill(args.orders, args.bucket, args.restore)
    sys.stdout.write(render(run, split_db=args.split == "db"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
