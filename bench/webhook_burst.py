"""Webhook burst: N signed order webhooks, with repeats and out-of-order updates, while people read the orders.

    .venv/bin/python -m bench.webhook_burst [--webhooks 10000] [--concurrency 16] [--readers 2]
                                            [--read-pause 0.5] [--server process|thread] [--database-url URL]

One server process (the production app, `create_app` served by uvicorn on loopback, started as a child
process so that the clients here do not share its interpreter) receives a burst of `orders/create` and
`orders/updated` webhooks for the sandbox store's generated orders, signed like Shopify signs them,
`--concurrency` in flight: every order is created and updated once; a tenth of the deliveries are sent
again with the same webhook id (Shopify's retries), and about a tenth of the orders get their update
before their create. Meanwhile `--readers` clients take turns reading the orders page (signed in) and
the API's order list, a pause between reads like a person at the page. Afterwards the database must hold
every order exactly once in its latest state and every webhook id once, applied (processed, or ignored
as stale when its update came first), with no delivery left waiting; every answer must come within
Shopify's 5 s. The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.ingest import waiting
from bench.webhooks import SHOPIFY_DEADLINE_SECONDS, Answer, connected_shop, payloads, percentile, post
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.orders import Order
from ordercenter.domain.webhooks import DeliveryStatus, WebhookDelivery
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.loopback import free_port, serve_on_loopback
from ordercenter.entrypoints.web.sessions import SESSION_COOKIE
from ordercenter.services.access import create_staff_user, create_token
from ordercenter.services.web_sessions import sign_in

DUPLICATE_SHARE = 0.1  # of the deliveries sent: repeats of one sent before (same webhook id and event id)
REORDERED_SHARE = 0.1  # of the orders: the update is sent, and answered, before the create
STALLED_SECONDS = 30  # no delivery applied for this long after the burst: the rest is left (and reported)
SERVER_START_SECONDS = 60
STAFF_EMAIL, STAFF_PASSWORD = "burst@example.com", "burst-password-1234"
APPLIED = frozenset({DeliveryStatus.PROCESSED, DeliveryStatus.IGNORED})  # ignored: stale, its update came first


@dataclass(frozen=True)
class Delivery:
    platform_order_id: str
    topic: str
    body: bytes
    webhook_id: str
    event_id: str


@dataclass(frozen=True)
class Latest:
    updated_at: datetime
    note: str


def burst(webhooks: int, rng: random.Random) -> tuple[list[list[Delivery]], dict[str, Latest], int, int]:
    """The work: sequences of deliveries (one sender posts a sequence in order), the latest state of each
    order, how many repeats and how many orders updated before created."""
    repeats = round(webhooks * DUPLICATE_SHARE)
    orders = (webhooks - repeats) // 2
    repeats = webhooks - 2 * orders
    sequences: list[list[Delivery]] = []
    latest: dict[str, Latest] = {}
    reordered = 0
    for body in payloads(orders):
        created = json.loads(body)
        platform_id = str(created["id"])
        updated_at = datetime.fromisoformat(created["updated_at"].replace("Z", "+00:00")) + timedelta(minutes=5)
        note = f"updated by the burst ({uuid.uuid4().hex[:8]})"
        updated = {**created, "updated_at": updated_at.isoformat().replace("+00:00", "Z"), "note": note}
        pair = [Delivery(platform_id, "orders/create", body, str(uuid.uuid4()), str(uuid.uuid4())),
                Delivery(platform_id, "orders/updated", json.dumps(updated).encode(), str(uuid.uuid4()),
                         str(uuid.uuid4()))]
        if rng.random() < REORDERED_SHARE:
            pair.reverse()
            reordered += 1
        sequences.append(pair)
        latest[platform_id] = Latest(updated_at, note)
    originals = [delivery for pair in sequences for delivery in pair]
    for delivery in rng.sample(originals, repeats):
        # A retry arrives anywhere later in the burst (or, under load, overtakes its first try).
        sequences.insert(rng.randrange(len(sequences) // 10, len(sequences) + 1), [delivery])
    return sequences, latest, repeats, reordered


# ---------------------------------------------------------------- the server, in a process of its own


def _serve(database_url: str | None, data_dir: str, port: int, ready: Any, stop: Any) -> None:
    container = bootstrap(_settings(database_url, Path(data_dir)), migrate=False)
    with serve_on_loopback(create_app(container), port):
        ready.set()
        stop.wait()
    container.engine.dispose()


def _settings(database_url: str | None, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, secret_key="b" * 40, database_url=database_url, log_level="warning")


@contextmanager
def server_thread(database_url: str | None, data_dir: Path) -> Iterator[str]:
    """The production app served from a thread of this process (quicker to start, shares the interpreter)."""
    container = bootstrap(_settings(database_url, data_dir), migrate=False)
    try:
        with serve_on_loopback(create_app(container)) as url:
            yield url
    finally:
        container.engine.dispose()


@contextmanager
def server_process(database_url: str | None, data_dir: Path) -> Iterator[str]:
    """The production app served from a child process until the block ends; yields its base URL."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    port = free_port()
    child = context.Process(target=_serve, args=(database_url, str(data_dir), port, ready, stop), daemon=True)
    child.start()
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not ready.wait(0.1):
            if time.monotonic() > deadline or not child.is_alive():
                raise RuntimeError(f"the server process did not start on port {port} (exit code {child.exitcode})")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        child.join(30)
        if child.is_alive():
            child.kill()


# ---------------------------------------------------------------- senders and readers


def send(client: httpx.Client, delivery: Delivery) -> Answer:
    try:
        return post(client, delivery.body, delivery.event_id, topic=delivery.topic, webhook_id=delivery.webhook_id)
    except httpx.HTTPError as exc:  # a timeout or a dropped connection is an answer Shopify would not get
        return Answer(float("inf"), 0, exc.__class__.__name__)


@dataclass
class Reads:
    seconds: dict[str, list[float]]
    errors: int = 0


def read_while(url: str, token: str, session: str, readers: int, pause: float,
               done: threading.Event) -> tuple[Reads, list[threading.Thread]]:
    """Readers that alternate the orders page and the API's order list, `pause` seconds apart, until `done`."""
    reads = Reads({"orders_page": [], "api_list": []})
    lock = threading.Lock()

    def reader(first: int) -> None:
        kinds: list[tuple[str, Callable[[httpx.Client], httpx.Response]]] = [
            ("orders_page", lambda c: c.get("/orders", params={"tab": "all"})),
            ("api_list", lambda c: c.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})),
        ]
        with httpx.Client(base_url=url, timeout=30, cookies={SESSION_COOKIE: session}) as client:
            turn = first
            while not done.is_set():
                kind, call = kinds[turn % len(kinds)]
                turn += 1
                started = time.perf_counter()
                try:
                    ok = call(client).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    reads.seconds[kind].append(time.perf_counter() - started)
                    reads.errors += 0 if ok else 1
                done.wait(pause)

    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(readers)]
    for thread in threads:
        thread.start()
    return reads, threads


# ---------------------------------------------------------------- what the database holds afterwards


def check(container: Container, shop_id: int, sequences: list[list[Delivery]],
          latest: dict[str, Latest]) -> dict[str, int]:
    """Orders missing, extra or not in their latest state; webhook ids not stored exactly once and applied."""
    with container.engine.connect() as connection:
        orders = connection.execute(select(Order.platform_order_id, Order.platform_updated_at, Order.note).where(
            Order.shop_id == shop_id)).all()
        stored = connection.execute(select(WebhookDelivery.webhook_id, func.count(), func.min(WebhookDelivery.status))
                                    .where(WebhookDelivery.shop_id == shop_id)
                                    .group_by(WebhookDelivery.webhook_id)).all()
    by_id = {platform_id: (updated_at if updated_at.tzinfo else updated_at.replace(tzinfo=UTC), note)
             for platform_id, updated_at, note in orders}
    stale = sum(1 for platform_id, want in latest.items()
                if platform_id in by_id and by_id[platform_id] != (want.updated_at, want.note))
    sent_ids = {delivery.webhook_id for sequence in sequences for delivery in sequence}
    rows = {webhook_id: (count, DeliveryStatus(status)) for webhook_id, count, status in stored}
    return {
        "orders_missing": len(latest.keys() - by_id.keys()),
        "orders_extra": len(by_id.keys() - latest.keys()),
        "orders_not_latest": stale,
        "webhooks_dropped": sum(1 for webhook_id in sent_ids
                                if webhook_id not in rows or rows[webhook_id][1] not in APPLIED),
        "webhooks_stored_twice": sum(1 for count, _ in rows.values() if count > 1),
        "deliveries_waiting": waiting(container),
    }


def wait_for_applies(container: Container) -> None:
    """Until no delivery waits, or none has been applied for STALLED_SECONDS (a stuck one fails the check)."""
    left, moved = waiting(container), time.monotonic()
    while left and time.monotonic() - moved < STALLED_SECONDS:
        time.sleep(0.05)
        now_left = waiting(container)
        if now_left < left:
            moved = time.monotonic()
        left = now_left


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run(webhooks: int, concurrency: int, readers: int, read_pause: float, database_url: str | None,
        server: str = "process", seed: int = 12, data_dir: Path | None = None) -> dict[str, Any]:
    """The burst against a fresh database (or an empty PostgreSQL one); returns the figures, `ok` among them.

    The SQLite file and the keys go to `data_dir`, by default a temporary folder removed afterwards.
    """
    sequences, latest, repeats, reordered = burst(webhooks, random.Random(seed))
    with tempfile.TemporaryDirectory(prefix="bench-burst-", dir=data_dir) as name:
        folder = Path(name)
        container = bootstrap(_settings(database_url, folder))
        now = datetime.now(UTC)
        shop_id = connected_shop(container, now)
        token = create_token(container.uow(), shop_id=shop_id, name="bench", now=now).token
        create_staff_user(container.uow(), shop_id=shop_id, email=STAFF_EMAIL, password=STAFF_PASSWORD, now=now)
        session = sign_in(container.uow(), email=STAFF_EMAIL, password=STAFF_PASSWORD, client_address="bench",
                          now=now).token
        serving = server_process if server == "process" else server_thread
        with serving(database_url, folder) as url, \
                httpx.Client(base_url=url, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
            done = threading.Event()
            reads, threads = read_while(url, token, session, readers, read_pause, done)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                answered = list(pool.map(lambda sequence: [send(client, d) for d in sequence], sequences))
            sent_seconds = time.perf_counter() - started
            done.set()
            for thread in threads:
                thread.join(60)
            wait_for_applies(container)
            applied_seconds = time.perf_counter() - started
        found = check(container, shop_id, sequences, latest)
        container.engine.dispose()
    answers = [answer for sequence in answered for answer in sequence]
    times = [a.seconds for a in answers]
    outcomes = Counter(a.outcome for a in answers)
    all_reads = [s for seconds in reads.seconds.values() for s in seconds]
    figures: dict[str, Any] = {
        "database": container.engine.dialect.name, "webhooks_sent": len(answers), "orders": len(latest),
        "duplicates_sent": repeats, "reordered_orders": reordered, "concurrency": concurrency, "readers": readers,
        "read_pause_s": read_pause, "server": server,
        "answers_by_status": {str(k): v for k, v in sorted(Counter(a.status for a in answers).items())},
        "answers_by_outcome": dict(sorted(outcomes.items())),
        "answer_p50_ms": ms(statistics.median(times)), "answer_p95_ms": ms(percentile(times, 0.95)),
        "answer_p99_ms": ms(percentile(times, 0.99)), "answer_max_ms": ms(max(times)),
        "answers_over_deadline": sum(1 for t in times if t >= SHOPIFY_DEADLINE_SECONDS),
        "sent_seconds": round(sent_seconds, 2), "webhooks_per_s": round(len(answers) / sent_seconds, 1),
        "all_applied_seconds": round(applied_seconds, 2),
        "reads": len(all_reads), "read_errors": reads.errors,
        "read_p95_ms": ms(percentile(all_reads, 0.95)) if all_reads else None,
        **{f"{kind}_reads": len(seconds) for kind, seconds in reads.seconds.items()},
        **{f"{kind}_p95_ms": ms(percentile(seconds, 0.95)) if seconds else None
           for kind, seconds in reads.seconds.items()},
        **found,
    }
    figures["ok"] = (outcomes["duplicate"] == repeats and outcomes["received"] == len(answers) - repeats
                     and figures["answers_over_deadline"] == 0 and reads.errors == 0 and len(all_reads) > 0
                     and not any(found.values()))
    return figures


def report(figures: dict[str, Any]) -> None:
    f = figures
    lines = [
        f"database                    {f['database']} (server in a {f['server']})",
        f"webhooks sent               {f['webhooks_sent']}: {f['orders']} orders created and updated, "
        f"{f['duplicates_sent']} repeated deliveries, {f['reordered_orders']} orders updated before created; "
        f"{f['concurrency']} in flight",
        f"answers                     by status {f['answers_by_status']}, by outcome {f['answers_by_outcome']}",
        f"answer time                 p50 {f['answer_p50_ms']:.0f} ms, p95 {f['answer_p95_ms']:.0f} ms, "
        f"p99 {f['answer_p99_ms']:.0f} ms, max {f['answer_max_ms']:.0f} ms; "
        f"{f['answers_over_deadline']} at or over Shopify's {SHOPIFY_DEADLINE_SECONDS:.0f} s",
        f"throughput                  {f['webhooks_per_s']} webhooks/s answered; all applied after "
        f"{f['all_applied_seconds']} s",
        f"reads meanwhile             {f['reads']} ({f['orders_page_reads']} orders page, "
        f"{f['api_list_reads']} API list), {f['read_errors']} failed; p95 {f['read_p95_ms']} ms "
        f"(page {f['orders_page_p95_ms']} ms, API {f['api_list_p95_ms']} ms)",
        f"afterwards                  orders missing {f['orders_missing']}, extra {f['orders_extra']}, "
        f"not in their latest state {f['orders_not_latest']}; webhook ids dropped {f['webhooks_dropped']}, "
        f"stored twice {f['webhooks_stored_twice']}; deliveries waiting {f['deliveries_waiting']}",
    ]
    print("\n".join(lines))  # noqa: T201
    if not f["ok"]:
        print("FAILED: a delivery was dropped, an order is wrong, or an answer was late", file=sys.stderr)  # noqa: T201
    print(json.dumps(f))  # noqa: T201


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--webhooks", type=int, default=10_000, help="deliveries sent in all, repeats included")
    parser.add_argument("--concurrency", type=int, default=16, help="webhooks in flight at once")
    parser.add_argument("--readers", type=int, default=2, help="clients reading the orders page and the API list")
    parser.add_argument("--read-pause", type=float, default=0.5, help="seconds each reader waits between reads "
                        "(a person at the orders page; 0: as fast as answers come)")
    parser.add_argument("--server", choices=("process", "thread"), default="process",
                        help="serve from a child process (the default: one server process, as deployed) or from a "
                        "thread of the bench (starts sooner; the clients share its interpreter)")
    parser.add_argument("--database-url", help="PostgreSQL instead of a fresh SQLite file (its tables are reused: "
                        "pass an empty database)")
    args = parser.parse_args(argv)
    if args.webhooks < 20 or args.concurrency < 1 or args.readers < 1 or args.read_pause < 0:
        parser.error("--webhooks must be at least 20, --concurrency and --readers at least 1, --read-pause at least 0")
    figures = run(args.webhooks, args.concurrency, args.readers, args.read_pause, args.database_url,
                  args.server)
    report(figures)
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
