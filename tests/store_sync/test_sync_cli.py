"""`ordercenter sync --full` as a merchant runs it: a real process against the sandbox store over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.entrypoints.cli import main
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, create_sandbox_store
from ordercenter.services.shops import connect_shop
from tests.live_server import live_server

from .conftest import SHOP

SECRET_KEY = "cli-" + "k" * 40


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
    environment.update({"ORDERCENTER_DATA_DIR": str(data_dir), "ORDERCENTER_SECRET_KEY": SECRET_KEY,
                        "COLUMNS": "160"})
    return subprocess.run([sys.executable, "-m", "ordercenter", *args], capture_output=True, text=True,
                          env=environment, timeout=60, check=False)


@pytest.fixture
def connected_store(tmp_path: Path) -> Iterator[SandboxStore]:
    """A sandbox store with 15 orders, connected to an Order Center in `tmp_path` (no server: no webhooks)."""
    sandbox = create_sandbox_store(SandboxStoreConfig(shops=[SHOP], bucket_size=20_000.0, restore_rate=10_000.0))
    sandbox.store.webhooks.set_options(drop=True)
    sandbox.store.generate_orders(SHOP.domain, 15)
    with live_server(sandbox) as url:
        container = bootstrap(Settings(data_dir=tmp_path, secret_key=SECRET_KEY))
        connect_shop(container.uow(), container.connect_store, container.secrets, domain=SHOP.domain,
                     access_token=SHOP.access_token, webhook_secret=SHOP.client_secret, api_url=url,
                     callback_url="http://127.0.0.1:9/webhooks/shopify", now=datetime.now(UTC))
        container.engine.dispose()
        yield sandbox.store
    sandbox.store.close()


def test_sync_full_imports_every_order_through_a_bulk_query_and_says_where_the_next_sync_starts(
        tmp_path: Path, connected_store: SandboxStore) -> None:
    result = run("sync", "--full", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "15 orders from bulk query gid://shopify/BulkOperation/" in result.stdout
    assert "15 new, 0 updated, 0 unchanged, 0 stale" in result.stdout
    assert "(finish told by poll)" in result.stdout  # nobody receives this store's webhooks here
    assert "the next sync continues from" in result.stdout
    assert "read_all_orders" in result.stdout  # the sandbox shop did not grant it: 60 days only, said so
    container = bootstrap(Settings(data_dir=tmp_path, secret_key=SECRET_KEY), migrate=False)
    with container.uow() as uow:
        shop = uow.shops.all()[0]
        assert shop.orders_synced_through is not None
        assert f"{shop.orders_synced_through:%Y-%m-%d %H:%M:%S}" in result.stdout
    container.engine.dispose()


def test_asking_for_older_history_without_read_all_orders_is_one_line_and_exit_code_2(
        tmp_path: Path, connected_store: SandboxStore, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ORDERCENTER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ORDERCENTER_SECRET_KEY", SECRET_KEY)
    assert main(["sync", "--full", "--since", "2020-01-01"]) == 2
    error = capsys.readouterr().err
    assert error.strip().count("\n") == 0
    assert "read_all_orders" in error and "[since]" in error
    assert main(["sync", "--full", "--since", "last spring"]) == 2
    assert "'last spring' is not a date like 2024-01-01 [since]" in capsys.readouterr().err


def test_since_and_paged_go_with_full(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--since", "2020-01-01"]) == 2
    assert "--paged and --since go with --full" in capsys.readouterr().err
    assert main(["sync", "--full", "--paged", "--since", "2020-01-01"]) == 2
    assert "leave out --paged" in capsys.readouterr().err
