"""The pinned Shopify API version: the setting reaches the client, its end of support is warned about."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.entrypoints.cli import main


def _settings(tmp_path: Path, version: str) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="t" * 40, shopify_api_version=version)


def test_stores_are_called_at_the_version_of_the_setting(tmp_path: Path) -> None:
    container = bootstrap(_settings(tmp_path, "2026-07"), migrate=False)

    store = container.connect_store("shop.myshopify.com", "shpat_x", None)

    assert isinstance(store, ShopifyClient)
    assert store.endpoint == "https://shop.myshopify.com/admin/api/2026-07/graphql.json"
    store.close()
    container.engine.dispose()


def test_starting_within_90_days_of_the_end_of_support_logs_a_warning(tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    # 2026-01 is supported until 2027-01-01.
    with caplog.at_level(logging.WARNING, logger="ordercenter.bootstrap"):
        bootstrap(_settings(tmp_path, "2026-01"), clock=ManualClock(datetime(2026, 10, 1, tzinfo=UTC)),
                  migrate=False).engine.dispose()
        quiet = list(caplog.records)
        bootstrap(_settings(tmp_path, "2026-01"), clock=ManualClock(datetime(2026, 10, 3, tzinfo=UTC)),
                  migrate=False).engine.dispose()

    assert quiet == []
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING
    assert "2026-01" in warning.getMessage()
    assert "2027-01-01 (90 days left)" in warning.getMessage()


def _shops_list(tmp_path: Path, version: str, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    for name in [n for n in os.environ if n.startswith("ORDERCENTER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ORDERCENTER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ORDERCENTER_SHOPIFY_API_VERSION", version)
    monkeypatch.setenv("COLUMNS", "200")
    code = main(["shops", "list"])
    return code, capsys.readouterr().out


def test_shops_list_warns_when_the_pinned_version_is_past_its_support(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The real clock: 2025-01 ended on 2026-01-01, so this holds on any later day.
    code, shown = _shops_list(tmp_path, "2025-01", monkeypatch, capsys)

    assert code == 0
    assert "warning: Shopify Admin API version 2025-01 is past its support (ended 2026-01-01)" in shown
    assert "ORDERCENTER_SHOPIFY_API_VERSION" in shown


def test_shops_list_says_nothing_of_a_version_far_from_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, shown = _shops_list(tmp_path, "2099-10", monkeypatch, capsys)

    assert code == 0
    assert "domain" in shown  # the (empty) table
    assert "warning" not in shown
