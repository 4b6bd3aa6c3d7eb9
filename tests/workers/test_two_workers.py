"""Two real `ordercenter worker` processes on one Redis and one PostgreSQL: every periodic job once per
period, every supplier order placed once, and a worker killed mid-run changes none of it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ordercenter.adapters.broker import build_broker
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.mappings import ProductMapping
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import SupplierOrderStatus
from ordercenter.domain.suppliers import SupplierAccount, SupplierPlatformKind
from ordercenter.entrypoints.actors import declare_actors
from ordercenter.entrypoints.worker import default_jobs
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxServer, SandboxSupplier
from ordercenter.services.ingestion import import_order
from ordercenter.services.job_claims import job_runs
from tests.conftest import POSTGRES_URL, TEST_REDIS_URL
from tests.factories import T0, snapshot

REDIS_URL = TEST_REDIS_URL
SCALE = 0.1  # the 5-second jobs run every half second, the minute ones every 6 s
STARTED = re.compile(r"periodic job '([^']+)' started at ([0-9T:.+-]+)")
CABLE, MUG = "1005006000000001", "1005006000000005"


def _listens(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL: set ORDERCENTER_TEST_POSTGRES_URL"),
    pytest.mark.skipif(not _listens(REDIS_URL, 6379), reason="needs a Redis on 127.0.0.1:6379"),
]


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    from tests.conftest import settings_for

    settings = settings_for("postgresql", request, tmp_path)
    container = bootstrap(settings, migrate=False)
    yield container
    container.engine.dispose()


@pytest.fixture
def redis_db() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()  # db 7 is this test's own
    yield REDIS_URL
    client.flushdb()
    client.close()


class Worker:
    """A real `ordercenter worker` process whose output is read as it comes."""

    def __init__(self, settings: Settings, broker_url: str = REDIS_URL,
                 env_extra: dict[str, str] | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
        env.update({"ORDERCENTER_DATA_DIR": str(settings.data_dir),
                    "ORDERCENTER_SECRET_KEY": settings.secret_key or "",
                    "ORDERCENTER_DATABASE_URL": settings.database_url or "", "ORDERCENTER_BROKER_URL": broker_url,
                    "ORDERCENTER_LOG_LEVEL": "info", "PYTHONUNBUFFERED": "1", **(env_extra or {})})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ordercenter", "worker", "--period-scale", str(SCALE), "--threads", "2"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def has_run_a_job(self) -> bool:
        return any(STARTED.search(line) for line in list(self.lines))

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(20)
        self._reader.join(5)
        return self.output


def shop_with_orders(container: Container, supplier: SandboxServer, count: int) -> tuple[int, list[int]]:
    creds = supplier.supplier.credentials()
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="workers.myshopify.com", name="Workers", currency="USD", created_at=T0))
        uow.flush()
        account = uow.supplier_accounts.add(SupplierAccount(
            shop_id=shop.id, platform=SupplierPlatformKind.ALIEXPRESS, name="sandbox", app_key=creds["app_key"],
            app_secret_encrypted=container.secrets.encrypt(creds["app_secret"]), api_url=supplier.base_url,
            access_token_encrypted=container.secrets.encrypt(creds["access_token"]), is_sandbox=True,
            created_at=T0))
        uow.flush()
        for variant, product, sku in ((1, CABLE, "14:193"), (2, MUG, "14:175")):
            uow.mappings.add(ProductMapping(
                shop_id=shop.id, variant_id=str(40_000_000_000 + variant), supplier_product_id=product,
                sku_attr=sku, supplier_account_id=account.id, created_at=T0, updated_at=T0))
        uow.commit()
        shop_id = shop.id
    order_ids = [import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(2000 + n), at=T0,
                              source="test").order_id for n in range(count)]
    return shop_id, order_ids


def starts_by_job(outputs: list[str]) -> dict[str, list[datetime]]:
    starts: dict[str, list[datetime]] = defaultdict(list)
    for output in outputs:
        for name, at in STARTED.findall(output):
            starts[name].append(datetime.fromisoformat(at))
    return {name: sorted(times) for name, times in starts.items()}


@pytest.mark.timeout(120)
def test_two_workers_run_each_periodic_job_once_per_period_and_place_each_supplier_order_once(
        database: Container, redis_db: str) -> None:
    with SandboxServer(SandboxSupplier(SandboxConfig())) as supplier:
        # given: a shop with orders to place, and two workers on one Redis and one PostgreSQL
        shop_id, order_ids = shop_with_orders(database, supplier, count=4)
        first, second = Worker(database.settings), Worker(database.settings)
        try:
            # when: the same placement is asked for three times (a double click, a retry), through the broker
            broker = build_broker(redis_db)
            actors = declare_actors(broker, jobs=[])
            for _ in range(3):
                actors.place_supplier_orders.send(shop_id, order_ids)
            broker.close()
            deadline = time.monotonic() + 45  # a loaded machine starts processes slowly
            while not (first.has_run_a_job() and second.has_run_a_job()):
                assert time.monotonic() < deadline, (first.output[-2000:], second.output[-2000:])
                time.sleep(0.1)
            time.sleep(2.0)
            # and one worker dies without a word, whatever it was running
            first.process.send_signal(signal.SIGKILL)
            first.process.wait(5)
            killed_at = datetime.now(UTC)
            time.sleep(8.0)  # longer than the half-second jobs' lease (6 s), should the dead worker hold one
            assert second.process.poll() is None, second.output[-2000:]
        finally:
            outputs = [first.stop(), second.stop()]

        # then: each supplier order reached the supplier once, under its own key
        placed = supplier.supplier.orders()
        with database.uow() as uow:
            claims = [so for order_id in order_ids for so in uow.supplier_orders.for_order(shop_id, order_id)]
        assert len(claims) == 2 * len(order_ids), outputs[1][-3000:]  # one per seller per order
        assert {so.status for so in claims} == {SupplierOrderStatus.PLACED}
        assert sorted(o.out_order_id for o in placed) == sorted(so.idempotency_key for so in claims)

    # then: both workers ran jobs, no job started twice within one period, and the counts agree with the runs
    starts = starts_by_job(outputs)
    periods = {job.name: job.every_seconds for job in default_jobs(period_scale=SCALE)}
    rows = {row.name: row for row in job_runs(database.session_factory)}
    assert set(rows) == set(periods)
    for name, times in starts.items():
        gaps = [(later - earlier).total_seconds() for earlier, later in zip(times, times[1:], strict=False)]
        assert all(gap >= periods[name] - 0.01 for gap in gaps), (name, gaps)
        assert rows[name].run_count == len(times), name
    # the surviving worker carried on: the half-second jobs kept running after the kill
    for name in ("apply pending webhooks", "send e-mails"):
        assert len([at for at in starts[name] if at > killed_at]) >= 2, (name, starts[name], killed_at)
