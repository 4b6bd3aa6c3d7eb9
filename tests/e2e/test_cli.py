"""The `ordercenter` command as a user runs it: a real process, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest


def run(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
    environment.update({"ORDERCENTER_DATA_DIR": str(data_dir), **(env or {})})
    return subprocess.run([sys.executable, "-m", "ordercenter", *args], capture_output=True, text=True,
                          env=environment, timeout=60, check=False)


def test_an_unknown_command_is_one_line_on_stderr_and_exit_code_2(tmp_path: Path) -> None:
    result = run("frobnicate", data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "No such command 'frobnicate'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_database_url_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = run("db", "upgrade", data_dir=tmp_path, env={"ORDERCENTER_DATABASE_URL": "postgres//nohost"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "ORDERCENTER_DATABASE_URL" in result.stderr


def test_a_bad_option_value_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = run("orders", "list", "--stage", "lost", data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "--stage" in result.stderr


def test_every_command_has_help(tmp_path: Path) -> None:
    for command in (["demo"], ["serve"], ["db", "upgrade"], ["users", "create"], ["tokens", "create"],
                    ["orders", "list"]):
        result = run(*command, "--help", data_dir=tmp_path)
        assert result.returncode == 0, command
        assert "Usage" in result.stdout


def test_without_a_shop_commands_say_how_to_add_one(tmp_path: Path) -> None:
    result = run("tokens", "create", data_dir=tmp_path)
    assert result.returncode == 2
    assert "ordercenter shops add" in result.stderr


def test_the_demo_serves_health_and_writes_demo_json(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    process = subprocess.Popen([sys.executable, "-m", "ordercenter", "demo", "--port", "0", "--data-dir",
                                str(data_dir)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")})
    try:
        info = _wait_for_demo(data_dir / "demo.json")
        with urllib.request.urlopen(info["url"] + "/healthz", timeout=5) as response:
            assert json.load(response)["status"] == "ok"
        request = urllib.request.Request(info["url"] + "/api/v1/orders",
                                         headers={"Authorization": f"Bearer {info['api_token']}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            listing = json.load(response)
        assert listing["count"] >= 30  # the sandbox store's orders came in through webhooks and sync
        assert {"to_order", "unpaid", "needs_attention"} <= {o["stage"] for o in listing["data"]} | {
            o["stage"] for o in _all_orders(info)}
        assert info["email"] and info["password"]
        # every after-sale state is there to be seen
        assert {"pending", "approved", "rejected"} <= {c["status"] for c in _get(info, "/cancellations")["data"]}
        assert {"under_review", "awaiting_return", "refunded"} <= {r["status"] for r in _get(info, "/returns")["data"]}
        assert {"new", "refunded"} <= {r["status"] for r in _get(info, "/customer-refunds")["data"]}
        assert {"supplier_silent", "customer_unanswered", "cancellation_pending"} <= {
            d["kind"] for d in _get(info, "/deadlines")["data"]}
        store = info["sandbox_store"]
        assert store["base_url"] == info["url"] + "/sandbox/shopify"
        assert store["access_token"].startswith("shpat_") and store["webhook_secret"]
        supplier = info["sandbox_supplier"]
        assert supplier["base_url"] == info["url"] + "/sandbox/aliexpress"
        assert supplier["app_key"] and supplier["app_secret"]
        # the same demo folder can be started again
        tokens = run("tokens", "list", data_dir=data_dir)
        assert tokens.returncode == 0, tokens.stderr
    finally:
        process.terminate()
        process.wait(timeout=20)


def _get(info: dict[str, Any], path: str) -> dict[str, Any]:
    request = urllib.request.Request(info["url"] + "/api/v1" + path,
                                     headers={"Authorization": f"Bearer {info['api_token']}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body: dict[str, Any] = json.load(response)
        return body


def _all_orders(info: dict[str, Any]) -> list[dict[str, str]]:
    request = urllib.request.Request(info["url"] + "/api/v1/orders?limit=200",
                                     headers={"Authorization": f"Bearer {info['api_token']}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        data: list[dict[str, str]] = json.load(response)["data"]
        return data


def _wait_for_demo(path: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists():
            info: dict[str, Any] = json.loads(path.read_text())
            try:
                urllib.request.urlopen(info["url"] + "/healthz", timeout=2).close()
                return info
            except OSError:
                pass
        time.sleep(0.3)
    pytest.fail(f"the demo did not come up with {path}")
