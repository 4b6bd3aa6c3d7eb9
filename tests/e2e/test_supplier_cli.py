"""`ordercenter suppliers …` as a user runs it: a real process against a running sandbox supplier."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.worker import default_jobs
from ordercenter.sandbox.aliexpress import SandboxServer
from tests.e2e.test_cli import run
from tests.factories import T0


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    c = bootstrap(Settings(data_dir=tmp_path))
    with c.uow() as uow:
        uow.shops.add(Shop(domain="cli.myshopify.com", name="CLI shop", currency="USD", created_at=T0))
        uow.commit()
    c.engine.dispose()
    return tmp_path


def test_adding_an_account_without_a_token_prints_the_link_to_authorize_it(data_dir: Path) -> None:
    with SandboxServer() as server:
        creds = server.supplier.credentials()
        result = run("suppliers", "add", "aliexpress", "--app-key", creds["app_key"], "--app-secret",
                     creds["app_secret"], "--api-url", server.base_url, "--sandbox", data_dir=data_dir)

    assert result.returncode == 0, result.stderr
    url = result.stdout.strip().splitlines()[-1]  # the link is the last line, unwrapped
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{server.base_url}/oauth/authorize?")
    assert query["client_id"] == [creds["app_key"]] and query["state"]
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/aliexpress/callback"]
    assert creds["app_secret"] not in result.stdout


def test_an_account_with_a_working_token_is_listed_and_nothing_needs_refreshing(data_dir: Path) -> None:
    with SandboxServer() as server:
        creds = server.supplier.credentials()
        added = run("suppliers", "add", "aliexpress", "--app-key", creds["app_key"], "--app-secret",
                    creds["app_secret"], "--access-token", creds["access_token"], "--api-url", server.base_url,
                    "--sandbox", "--name", "Demo AE", data_dir=data_dir)
    listed = run("suppliers", "list", data_dir=data_dir, env={"COLUMNS": "240"})
    refreshed = run("suppliers", "refresh-tokens", data_dir=data_dir)

    assert added.returncode == 0, added.stderr
    assert "/oauth/authorize" not in added.stdout
    assert "Demo AE" in listed.stdout and "authorized (sandbox)" in listed.stdout
    assert creds["access_token"] not in listed.stdout
    assert "refreshed 0 supplier tokens" in refreshed.stdout


def test_a_bad_supplier_argument_is_one_line_naming_the_field_and_exit_code_2(data_dir: Path) -> None:
    result = run("suppliers", "add", "aliexpress", "--app-key", "123", "--app-secret", "s", "--sandbox",
                 data_dir=data_dir)

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "[api_url]" in result.stderr


def test_the_worker_refreshes_supplier_tokens_and_sends_alerts(container: Container) -> None:
    jobs = {job.name: job for job in default_jobs()}

    assert jobs["refresh supplier tokens"].every_seconds == 300
    assert jobs["send re-authorization alerts"].every_seconds == 3600
    assert jobs["refresh supplier tokens"].run(container) == 0
    assert jobs["send re-authorization alerts"].run(container) == 0
