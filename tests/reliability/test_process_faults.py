"""Process faults: a worker SIGKILLed in the middle of a bulk placement, the broker killed and restarted empty,
the web server SIGKILLed while webhooks arrive. After the restart and one reconciliation pass: every group placed
once at the supplier, nothing left half done, every e-mail sent once, every store order here once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select

from ordercenter.adapters.broker import build_broker, start_consumers
from ordercenter.adapters.clock import ManualClock
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.orders import Order
from ordercenter.domain.outbox import EmailKind, EmailStatus
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.domain.webhooks import WebhookDelivery
from ordercenter.entrypoints.actors import declare_actors
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.worker import (
    apply_pending_webhooks,
    reconcile_interrupted_placements,
    sync_connected_shops,
)
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxServer, SandboxSupplier
from ordercenter.sandbox.shopify import SandboxStoreConfig, create_sandbox_store
from ordercenter.services.outbox import queue_email
from ordercenter.services.shops import connect_shop
from tests.conftest import POSTGRES_URL, settings_for
from tests.factories import T0
from tests.live_server import free_port, live_server
from tests.reliability import LONG
from tests.smtp_server import Mailbox
from tests.store_sync.conftest import SHOP
from tests.workers.test_two_workers import Worker, shop_with_orders

REDIS_SERVER = shutil.which("redis-server")
ORDER_CREATE = "aliexpress.ds.order.create"

_NEEDS_POSTGRES_AND_REDIS = (
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL: set ORDERCENTER_TEST_POSTGRES_URL"),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs the redis-server binary to start a broker of its own"),
)


def needs_postgres_and_redis(test: Callable[..., None]) -> Callable[..., None]:
    """Workers on a broker share one database: PostgreSQL, and a Redis of the test's own."""
    for mark in _NEEDS_POSTGRES_AND_REDIS:
        test = mark(test)
    return test


class RedisServer:
    """A Redis of this test's own on a free port, without persistence: killing it loses every message."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.folder = tmp_path
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(5)
        self.process = None
        self.kills += 1


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process is not None:
        server.kill()


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    if POSTGRES_URL is None:
        pytest.skip("needs PostgreSQL: set ORDERCENTER_TEST_POSTGRES_URL")
    container = bootstrap(settings_for("postgresql", request, tmp_path), migrate=False)
    yield container
    container.engine.dispose()


def wait_until(what: str, done: Callable[[], bool], timeout: float = 60.0, *, worker: Worker | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if worker is not None:
            assert worker.process.poll() is None, worker.output[-3000:]
        assert time.monotonic() < deadline, f"timed out waiting for {what}" + (
            f"\n{worker.output[-3000:]}" if worker else "")
        time.sleep(0.05)


def claims(container: Container, shop_id: int, order_ids: list[int]) -> list[SupplierOrder]:
    with container.uow() as uow:
        return [so for order_id in order_ids for so in uow.supplier_orders.for_order(shop_id, order_id)]


def send_placement(broker_url: str, shop_id: int, order_ids: list[int]) -> None:
    """What the placement page does with a broker: one message for the whole selection."""
    broker = build_broker(broker_url)
    try:
        declare_actors(broker, jobs=[]).place_supplier_orders.send(shop_id, order_ids)
    finally:
        broker.close()


# -- a worker killed in the middle of a bulk placement --------------------------------------------------------


@needs_postgres_and_redis
@pytest.mark.timeout(180)
@pytest.mark.parametrize("kills", [3 if LONG else 1])
def test_a_worker_killed_mid_bulk_placement_places_each_group_once_after_restart_and_one_reconciliation(
        database: Container, redis_server: RedisServer, kills: int) -> None:
    orders = 16 if LONG else 4
    groups = 2 * orders  # two sellers per order
    at_kills: list[int] = []
    with SandboxServer(SandboxSupplier(SandboxConfig())) as supplier:
        shop_id, order_ids = shop_with_orders(database, supplier, count=orders)
        # Each order is committed at the supplier, then its answer held a moment: a kill lands mid-call.
        supplier.supplier.inject_fault("timeout_after_commit", method=ORDER_CREATE, times=100_000, delay=0.2)
        for kill in range(kills):
            # given: a worker placing the whole selection, from one message
            worker = Worker(database.settings, broker_url=redis_server.url)
            try:
                send_placement(redis_server.url, shop_id, order_ids)
                placed_before = len(supplier.supplier.orders())
                target = placed_before + max(1, (groups - placed_before) // (kills - kill + 1))
                wait_until("the placement to be under way",
                           lambda target=target: len(supplier.supplier.orders()) >= target,  # type: ignore[misc]
                           worker=worker)
                # when: it dies without a word
                worker.process.send_signal(signal.SIGKILL)
                worker.process.wait(10)
            finally:
                worker.stop()
            at_kills.append(len(supplier.supplier.orders()))
            # then (so far): it died mid-work, some groups placed and some not
            assert 0 < at_kills[-1] < groups, at_kills

        # when: one reconciliation pass, later than the claims' staleness, settles what the kill interrupted
        later = ManualClock(datetime.now(UTC) + timedelta(minutes=5))
        reconciler = bootstrap(database.settings, clock=later, migrate=False)
        try:
            interrupted = reconcile_interrupted_placements(reconciler)
        finally:
            reconciler.engine.dispose()
        # and a worker, restarted, is asked for the same selection again (the merchant clicks Place again). It
        # consumes in this process (a process start costs seconds here); the actors and the broker are the same.
        supplier.supplier.faults.clear()
        broker = build_broker(redis_server.url)
        declare_actors(broker, jobs=[], container=lambda: database)
        consumers = start_consumers(broker, threads=2)
        try:
            send_placement(redis_server.url, shop_id, order_ids)
            wait_until("every group placed", lambda: len(claims(database, shop_id, order_ids)) == groups and all(
                so.status is SupplierOrderStatus.PLACED for so in claims(database, shop_id, order_ids)))
            time.sleep(0.5)  # room for a double placement to show
        finally:
            consumers.stop()
            broker.close()

        # then: each group reached the supplier exactly once, under its own key, and nothing is half done
        at_supplier = Counter(o.out_order_id for o in supplier.supplier.orders())
        ours = claims(database, shop_id, order_ids)
        assert set(at_supplier.values()) == {1}, at_supplier
        assert sorted(at_supplier) == sorted(so.idempotency_key for so in ours)
        assert len(ours) == groups
        assert {so.status for so in ours} == {SupplierOrderStatus.PLACED}
        assert all(so.failure is None for so in ours)
    print(f"\nfigures: {kills} worker SIGKILL(s) mid-placement at {at_kills} of {groups} groups placed; "  # noqa: T201
          f"{interrupted} interrupted claim(s) settled by one reconciliation pass; {len(at_supplier)} supplier "
          f"orders for {groups} groups, 0 doubled")



# -- the broker killed -------------------------------------------------------------------------------------


def queue_emails(container: Container, shop_id: int, first: int, count: int) -> None:
    with container.uow() as uow:
        for n in range(first, first + count):
            queue_email(uow, shop_id=shop_id, kind=EmailKind.DECISION, to=f"customer{n}@example.com",
                        subject=f"About your order {n}", text="Hello,\n\nYour refund is on its way.",
                        now=datetime.now(UTC), dedupe_key=f"broker-fault:{n}")
        uow.commit()


@needs_postgres_and_redis
@pytest.mark.timeout(120)
def test_with_the_broker_killed_the_work_waits_in_the_database_and_is_all_done_once_it_is_back(
        database: Container, redis_server: RedisServer, mailbox: Mailbox) -> None:
    emails = 50 if LONG else 5
    with database.uow() as uow:
        shop = uow.shops.add(Shop(domain="broker.myshopify.com", name="Broker", currency="USD", created_at=T0))
        uow.commit()
        shop_id = shop.id
    worker = Worker(database.settings, broker_url=redis_server.url, env_extra={"ORDERCENTER_SMTP_URL": mailbox.url})
    try:
        # given: a worker sending the outbox's e-mails through the broker
        queue_emails(database, shop_id, 0, 1)
        wait_until("the first e-mail", lambda: len(mailbox.received) == 1, worker=worker)
        # when: the broker dies, with every message it held
        redis_server.kill()
        # then: asking it for work fails at once (the caller keeps the work: it is in the database)
        started = time.monotonic()
        broker = build_broker(redis_server.url)
        with pytest.raises(RedisConnectionError):
            declare_actors(broker, jobs=[]).enqueue_job("send e-mails")
        broker.close()
        assert time.monotonic() - started < 5
        # and e-mails written meanwhile wait in the outbox: nothing runs without the broker, nothing crashes
        queue_emails(database, shop_id, 1, emails)
        time.sleep(2.0)
        assert len(mailbox.received) == 1
        assert worker.process.poll() is None, worker.output[-3000:]
        # when: the broker comes back, empty
        redis_server.start()
        # then: the same worker, not restarted, sends every e-mail written meanwhile, each once
        wait_until("every e-mail", lambda: len(mailbox.received) >= emails + 1, worker=worker)
        time.sleep(1.0)  # room for a double send to show
    finally:
        output = worker.stop()
    # and the outage was told once, and its end once, not once per job and tick
    assert output.count("could not send") == 1, output.count("could not send")
    assert output.count("the broker answers again") == 1
    message_ids = Counter(r.message_id for r in mailbox.received)
    assert len(message_ids) == emails + 1 and set(message_ids.values()) == {1}, (message_ids, output[-3000:])
    with database.uow() as uow:
        rows = uow.outbox.page(shop_id, status=None, limit=1000)
    assert {r.status for r in rows} == {EmailStatus.SENT}
    assert sorted(r.message_id for r in rows) == sorted(message_ids)
    print(f"\nfigures: broker SIGKILLed {redis_server.kills}x and restarted empty; {emails} e-mails written "  # noqa: T201
          f"while it was away, {len(message_ids)} sent in all, each once")


# -- the web server killed while webhooks arrive ------------------------------------------------------------


class ServerProcess:
    """A real `ordercenter serve` (uvicorn) process on a free port, on the given settings."""

    def __init__(self, settings: Settings, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
        env.update({"ORDERCENTER_DATA_DIR": str(settings.data_dir), "ORDERCENTER_SECRET_KEY": settings.secret_key or "",
                    "ORDERCENTER_LOG_LEVEL": "warning", "PYTHONUNBUFFERED": "1"})
        if settings.database_url:
            env["ORDERCENTER_DATABASE_URL"] = settings.database_url
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen([sys.executable, "-m", "ordercenter", "serve", "--port", str(port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, "the server exited"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.mark.timeout(150)
def test_the_server_killed_while_webhooks_arrive_ends_with_each_store_order_once_after_the_next_sync(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    orders = 60 if LONG else 16
    settings = settings_for("postgresql" if POSTGRES_URL else "sqlite", request, tmp_path)
    container = bootstrap(settings, migrate=settings.database_url is None)
    port = free_port()
    sandbox = create_sandbox_store(SandboxStoreConfig(shops=[SHOP], bucket_size=20_000.0, restore_rate=10_000.0))
    server: ServerProcess | None = None
    try:
        with live_server(sandbox) as store_url:
            server = ServerProcess(settings, port)
            shop = connect_shop(container.uow(), container.connect_store, container.secrets, domain=SHOP.domain,
                                access_token=SHOP.access_token, webhook_secret=SHOP.client_secret,
                                api_url=store_url, callback_url=f"{server.url}/webhooks/shopify",
                                now=datetime.now(UTC))
            # given: orders coming in on the store, one every few hundredths of a second, webhooks following
            made: list[int] = []

            def make_orders() -> None:
                for _ in range(orders):
                    made.append(sandbox.store.generate_orders(SHOP.domain, 1, with_shipping_address=True)[0].id)
                    time.sleep(0.05)

            maker = threading.Thread(target=make_orders, daemon=True)
            maker.start()
            # when: the server dies without a word once some of them were received
            wait_until("the first webhooks", lambda: stored_webhooks(container, shop.id) >= 4, timeout=30)
            server.kill()
            stored_at_kill, made_at_kill = stored_webhooks(container, shop.id), len(made)
            maker.join(30)
            # the store's retries (0.2 s doubling, 4 tries) meet a closed port: the first webhooks are lost for good
            wait_until("the store to give up on a webhook", lambda: any(
                d.state == "failed" for d in sandbox.store.webhooks.deliveries()), timeout=30)
            # and it is started again on its port (in this process: a second process start costs seconds here,
            # and what is tested is the kill; the replacement runs the same app on the same database)
            restarted = bootstrap(settings, migrate=False)
            with live_server(create_app(restarted), port):
                assert sandbox.store.wait_idle(30)
            restarted.engine.dispose()
            given_up = sum(1 for d in sandbox.store.webhooks.deliveries() if d.state == "failed")
            # when: one pass of the worker's jobs, once stored webhooks are due (their apply after the answer
            # died with the server): the stored webhooks applied, then the next sync of the shop
            later = bootstrap(settings, clock=ManualClock(datetime.now(UTC) + timedelta(minutes=2)), migrate=False)
            try:
                left_unapplied = apply_pending_webhooks(later)
                synced = sync_connected_shops(later)
            finally:
                later.engine.dispose()
        # then: nothing is left to apply, and every store order is here exactly once
        assert not pending_webhooks(container)
        copies = order_copies(container, shop.id)
        assert synced == 1
        assert copies == Counter(dict.fromkeys((str(i) for i in made), 1)), (copies, made)
        # and the kill did land mid-stream: some of the orders' webhooks (create and paid each) were in, not all
        assert 0 < stored_at_kill < 2 * orders, (stored_at_kill, made_at_kill)
    finally:
        if server is not None:
            server.stop()
        sandbox.store.close()
        container.engine.dispose()
    print(f"\nfigures: server SIGKILLed once with {stored_at_kill} webhooks stored and {made_at_kill}/{orders} "  # noqa: T201
          f"orders made; {left_unapplied} stored but unapplied; {given_up} deliveries given up by the store "
          f"during the outage; after the restart and "
          f"one sync {len(copies)} orders, each once")


def stored_webhooks(container: Container, shop_id: int) -> int:
    with container.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(WebhookDelivery)
                                  .where(WebhookDelivery.shop_id == shop_id)) or 0)


def pending_webhooks(container: Container) -> bool:
    with container.uow() as uow:
        return bool(uow.webhooks.pending(1))


def order_copies(container: Container, shop_id: int) -> Counter[str]:
    with container.session_factory() as session:
        rows = session.execute(select(Order.platform_order_id, func.count()).where(Order.shop_id == shop_id)
                               .group_by(Order.platform_order_id)).all()
    return Counter(dict(rows))
