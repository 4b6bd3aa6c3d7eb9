"""Bulk backfill benchmark: import N orders from the sandbox store's bulk query, in constant memory.

    .venv/bin/python -m bench.backfill_bulk [--orders 100000] [--batch-size 500] [--database-url URL]

The sandbox store runs in a process of its own (so this process's memory is the import's alone), seeded
with `--orders` orders by its generator, and serves the Admin API over real HTTP. The production path
then runs: `connect_shop`, `services.bulk_backfill.backfill_orders` through `ShopifyClient.bulk`, which
starts the bulk query, waits for it (polling: nobody receives the finish webhook here), streams the JSONL
result and imports it `--batch-size` orders per transaction. Printed: the import's orders/s, the resident
memory after 10,000 orders and after all of them (it must stay flat), and the ratio of the import's rate
to inserting the very same rows (orders, lines, timeline events) straight into the database with
SQLAlchemy Core in one transaction, into a fresh database migrated the same way. The last line is one
JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, Table, insert, select, text

from ordercenter.adapters.db.migrations import upgrade
from ordercenter.adapters.db.session import build_engine
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.audit import OrderEvent
from ordercenter.domain.orders import LineItem, Order
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.loopback import free_port
from ordercenter.services.bulk_backfill import BackfillReport, BulkWait, backfill_orders
from ordercenter.services.ingestion import ImportOutcome
from ordercenter.services.shops import connect_shop

TOKEN = "shpat_bench_bulk_token"
SECRET = "bench-bulk-client-secret"
MEMORY_MARK = 10_000
WAIT = BulkWait(check_every=0.2, first_poll=1.0, max_poll=5.0)


# ---------------------------------------------------------------- the sandbox store, in its own process


def _serve_sandbox(domain: str, orders: int, port: int, ready: Any) -> None:
    """Child process: a sandbox store with `orders` generated orders, served until terminated."""
    from ordercenter.entrypoints.loopback import serve_on_loopback
    from ordercenter.sandbox.shopify import SandboxStoreConfig, ShopConfig, create_sandbox_store

    shop = ShopConfig(domain=domain, name="Bench Bulk", access_token=TOKEN, client_secret=SECRET)
    sandbox = create_sandbox_store(SandboxStoreConfig(shops=[shop], bucket_size=20_000.0, restore_rate=10_000.0))
    sandbox.store.webhooks.set_options(drop=True)  # only the import is measured
    for start in range(0, orders, 5_000):
        sandbox.store.generate_orders(domain, min(5_000, orders - start))
    with serve_on_loopback(sandbox, port):
        ready.set()
        while True:
            time.sleep(3600)


@contextmanager
def sandbox_process(domain: str, orders: int) -> Iterator[str]:
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    port = free_port()
    process = context.Process(target=_serve_sandbox, args=(domain, orders, port, ready), daemon=True)
    process.start()
    try:
        while not ready.wait(1.0):
            if not process.is_alive():
                raise SystemExit("the sandbox store process stopped before it was ready")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(10)


# ---------------------------------------------------------------- memory


def rss_mib() -> float:
    """This process's resident memory now (VmRSS), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mib() -> float:
    """The high-water mark of resident memory so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class MemoryMarks:
    before_mib: float = 0.0  # after connecting, before the import
    at_mark_mib: float = 0.0  # resident after MEMORY_MARK orders imported
    peak_at_mark_mib: float = 0.0
    at_end_mib: float = 0.0
    peak_at_end_mib: float = 0.0
    seen_at_mark: int = 0


# ---------------------------------------------------------------- the run


@dataclass
class Result:
    orders: int
    batch_size: int
    database: str
    export_seconds: float
    import_seconds: float
    import_orders_per_second: float
    rss_before_mib: float
    rss_at_10000_mib: float
    peak_rss_at_10000_mib: float
    rss_at_end_mib: float
    peak_rss_at_end_mib: float
    rows_inserted: int
    core_insert_seconds: float
    core_orders_per_second: float
    import_to_core_ratio: float


@contextmanager
def database(database_url: str | None) -> Iterator[Container]:
    with tempfile.TemporaryDirectory(prefix="ordercenter-bench-") as data_dir:
        container = bootstrap(Settings(data_dir=Path(data_dir), database_url=database_url,
                                       secret_key="bench-" + "k" * 40))
        try:
            yield container
        finally:
            container.engine.dispose()


def run(orders: int, batch_size: int, database_url: str | None) -> Result:
    # A fresh domain per run, so a reused PostgreSQL database does not collide with an earlier run.
    domain = f"bench-bulk-{secrets.token_hex(4)}.myshopify.com"
    sys.stderr.write(f"seeding the sandbox store with {orders} orders (its own process)…\n")
    with sandbox_process(domain, orders) as url, database(database_url) as container:
        shop = connect_shop(container.uow(), container.connect_store, container.secrets, domain=domain,
                            access_token=TOKEN, webhook_secret=SECRET, api_url=url,
                            callback_url="http://127.0.0.1:9/webhooks/shopify", now=datetime.now(UTC))
        bulk = container.bulk_export_for(shop)
        marks = MemoryMarks(before_mib=rss_mib())
        times: dict[str, float] = {"started": time.perf_counter()}

        def progress(report: BackfillReport) -> None:
            if report.phase == "importing" and "import" not in times:
                times["import"] = time.perf_counter()
                sys.stderr.write(f"the store exported {report.expected} orders ({report.objects} objects) in "
                                 f"{times['import'] - times['started']:.1f} s; importing…\n")
            if report.seen >= MEMORY_MARK and not marks.seen_at_mark:
                marks.seen_at_mark, marks.at_mark_mib, marks.peak_at_mark_mib = report.seen, rss_mib(), peak_rss_mib()
            if report.phase == "importing" and report.batches % 20 == 0:
                sys.stderr.write(f"\r  imported {report.seen}/{report.expected}  RSS {rss_mib():.0f} MiB")

        report = backfill_orders(container.uow(), bulk, container.clock, shop_id=shop.id, batch_size=batch_size,
                                 wait=WAIT, on_progress=progress)
        finished = time.perf_counter()
        marks.at_end_mib, marks.peak_at_end_mib = rss_mib(), peak_rss_mib()
        if not marks.seen_at_mark:  # fewer orders than the mark: the end is the only point
            marks.at_mark_mib, marks.peak_at_mark_mib = marks.at_end_mib, marks.peak_at_end_mib
        sys.stderr.write("\n")
        if report.count(ImportOutcome.CREATED) != orders:
            raise SystemExit(f"expected {orders} orders created, the backfill reports {report.outcomes}")
        rows, core_seconds = core_insert(container, shop.id)
    import_seconds = finished - times["import"]
    import_rate = orders / import_seconds
    core_rate = orders / core_seconds
    return Result(
        orders=orders, batch_size=batch_size, database=container.engine.dialect.name,
        export_seconds=round(times["import"] - times["started"], 2), import_seconds=round(import_seconds, 2),
        import_orders_per_second=round(import_rate, 1), rss_before_mib=round(marks.before_mib, 1),
        rss_at_10000_mib=round(marks.at_mark_mib, 1), peak_rss_at_10000_mib=round(marks.peak_at_mark_mib, 1),
        rss_at_end_mib=round(marks.at_end_mib, 1), peak_rss_at_end_mib=round(marks.peak_at_end_mib, 1),
        rows_inserted=rows, core_insert_seconds=round(core_seconds, 2), core_orders_per_second=round(core_rate, 1),
        import_to_core_ratio=round(import_rate / core_rate, 3))


def core_insert(container: Container, shop_id: int) -> tuple[int, float]:
    """The rows the import wrote (orders, lines, timeline), inserted again with SQLAlchemy Core in one
    transaction into a fresh database of the same backend and schema (same migrations): the database's
    own speed for the same data. Returns (rows, seconds spent inserting and committing)."""
    shops: Table = Shop.__table__  # type: ignore[assignment]
    tables: list[Table] = [Order.__table__, LineItem.__table__, OrderEvent.__table__]  # type: ignore[list-item]
    rows, seconds = 0, 0.0
    with fresh_database(container.engine) as target, container.engine.connect() as source, \
            target.connect() as destination:
        transaction = destination.begin()
        shop_row = source.execute(select(shops).where(shops.c.id == shop_id)).mappings().one()
        destination.execute(insert(shops), [dict(shop_row)])  # the rows below belong to it (not timed)
        for table in tables:
            result = source.execution_options(yield_per=5_000).execute(
                select(table).where(table.c.shop_id == shop_id).order_by(table.c.id))
            for chunk in result.mappings().partitions():
                batch = [dict(row) for row in chunk]
                started = time.perf_counter()
                destination.execute(insert(table), batch)
                seconds += time.perf_counter() - started
                rows += len(batch)
        started = time.perf_counter()
        transaction.commit()
        seconds += time.perf_counter() - started
    return rows, seconds


@contextmanager
def fresh_database(engine: Engine) -> Iterator[Engine]:
    """An empty database beside `engine`'s, migrated like it: a new SQLite file, or a new PostgreSQL database
    (dropped afterwards; the user needs the right to create databases)."""
    if engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ordercenter-bench-core-") as folder:
            fresh = build_engine(f"sqlite:///{folder}/core.db")
            upgrade(fresh)
            try:
                yield fresh
            finally:
                fresh.dispose()
        return
    name = f"{engine.url.database}_core_{secrets.token_hex(4)}"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = build_engine(engine.url.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(fresh)
        yield fresh
    finally:
        fresh.dispose()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))


def render(result: Result) -> str:
    flat = result.peak_rss_at_end_mib - result.peak_rss_at_10000_mib
    lines = [
        f"orders                      {result.orders}  ({result.batch_size} per transaction, {result.database})",
        f"store export (bulk query)   {result.export_seconds:.1f} s  (start to COMPLETED, polled; not in the rate)",
        f"import                      {result.import_seconds:.1f} s  = {result.import_orders_per_second:.0f} orders/s "
        "(stream the JSONL, join the lines, import in batches)",
        f"resident memory             {result.rss_before_mib:.0f} MiB before, {result.rss_at_10000_mib:.0f} MiB after "
        f"10,000 orders, {result.rss_at_end_mib:.0f} MiB after {result.orders}",
        f"peak resident memory        {result.peak_rss_at_10000_mib:.0f} MiB at 10,000 orders, "
        f"{result.peak_rss_at_end_mib:.0f} MiB at {result.orders} ({flat:+.0f} MiB)",
        f"same rows with Core         {result.rows_inserted} rows in {result.core_insert_seconds:.1f} s = "
        f"{result.core_orders_per_second:.0f} orders/s (one transaction, executemany)",
        f"import / Core               {result.import_to_core_ratio:.1%}",
    ]
    return "\n".join(lines) + "\n" + json.dumps(asdict(result)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backfill_bulk",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders in the store (default 100000)")
    parser.add_argument("--batch-size", type=int, default=500, help="orders per import transaction (default 500)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (e.g. PostgreSQL; its tables are created or "
                                               "reused, each run uses a fresh shop, and the Core comparison "
                                               "creates and drops a database beside it); default: SQLite in a "
                                               "temp folder")
    args = parser.parse_args(argv)
    if args.orders < 1 or args.batch_size < 1:
        parser.error("--orders and --batch-size must be at least 1")
    try:
        result = run(args.orders, args.batch_size, args.database_url)
    except httpx.HTTPError as exc:
        raise SystemExit(f"the sandbox store did not answer: {exc}") from exc
    sys.stdout.write(render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
