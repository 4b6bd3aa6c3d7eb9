"""The README's screenshots, taken from the demo's own data.

`ORDERCENTER_SCREENSHOTS=1 pytest tests/web/test_demo_screenshots.py` starts `ordercenter demo`, signs in with the
account it prints and photographs the main pages into docs/screenshots/. Without that variable it is skipped (it
rewrites files of the repository)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import SCREENSHOTS, VIEWPORT, browser_missing

pytestmark = pytest.mark.skipif(os.environ.get("ORDERCENTER_SCREENSHOTS") != "1",
                                reason="screenshots are taken only with ORDERCENTER_SCREENSHOTS=1")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
    process = subprocess.Popen([sys.executable, "-m", "ordercenter", "demo", "--port", "0", "--data-dir",
                                str(data_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 180
        while not (data_dir / "demo.json").exists():
            assert time.monotonic() < deadline and process.poll() is None, "the demo did not start"
            time.sleep(0.5)
        yield json.loads((data_dir / "demo.json").read_text())
    finally:
        process.terminate()
        process.wait(timeout=30)


def _api(info: dict[str, Any], path: str) -> Any:
    request = urllib.request.Request(info["url"] + "/api/v1" + path,
                                     headers={"Authorization": f"Bearer {info['api_token']}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_the_main_pages_are_photographed_from_the_demo(demo: dict[str, Any]) -> None:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

    cancellations = _api(demo, "/cancellations")["data"]
    returns = _api(demo, "/returns")["data"]
    refunds = _api(demo, "/customer-refunds")["data"]
    pending = next(c for c in cancellations if c["status"] == "pending")
    awaiting = next(r for r in returns if r["status"] == "awaiting_return")
    new_refund = next(r for r in refunds if r["status"] == "new")
    pages = {
        "demo-orders": "/orders",
        "demo-needs-attention": "/orders?tab=needs_attention",
        "demo-order": f"/orders/{awaiting['order_id']}",
        "demo-cancellation": f"/cancellations/{pending['id']}",
        "demo-return": f"/returns/{awaiting['id']}",
        "demo-customer-refund": f"/customer-refunds/{new_refund['id']}",
        "demo-deadlines": "/deadlines",
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=VIEWPORT, base_url=demo["url"]).new_page()  # type: ignore[arg-type]
        page.goto("/")
        page.screenshot(path=str(SCREENSHOTS / "demo-sign-in.png"))
        page.get_by_label("E-mail").fill(demo["email"])
        page.get_by_label("Password").fill(demo["password"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/orders"))
        for name, path in pages.items():
            response = page.goto(path)
            assert response is not None and response.status == 200, (path, response and response.status)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        browser.close()
    assert all((SCREENSHOTS / f"{name}.png").stat().st_size > 10_000 for name in pages)
    assert Path(SCREENSHOTS / "demo-sign-in.png").exists()
