"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against a live Order Center with
both sandboxes (the `after_sale` fixture). Never downloads a browser: without Chromium or Playwright the
browser tests skip and say why.

`ORDERCENTER_SCREENSHOTS=1` saves screenshots of the main pages (1280×800) to docs/screenshots/.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.after_sale.conftest import MERCHANT_EMAIL, SHOP, AfterSale, after_sale

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["after_sale"]  # the fixture, re-exported for these tests

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "owner-pass-1"
VIEWPORT = {"width": 1280, "height": 800}


NO_PLAYWRIGHT = "browser tests skipped: Playwright is not installed (pip install -e '.[dev]')"


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return NO_PLAYWRIGHT
    if not CHROMIUM.exists():
        return f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Web:
    """A running Order Center with a signed-up merchant, and what the tests do in its pages."""

    shop: AfterSale
    url: str
    browser: Browser

    def page(self) -> Page:
        context = self.browser.new_context(viewport=VIEWPORT, base_url=self.url)  # type: ignore[arg-type]
        # Nothing may come from the internet: any request to another host fails the test that made it.
        context.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), lambda route: route.abort())
        return context.new_page()

    def signed_in(self, email: str = MERCHANT_EMAIL, password: str = PASSWORD) -> Page:
        page = self.page()
        page.goto("/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/orders"))
        return page

    def paid_orders(self, count: int) -> list[dict[str, Any]]:
        """`count` new paid orders with an address on the store, once they reached Order Center."""
        before = len(self.shop.api.get("/orders", params={"limit": 200}).json()["data"])
        self.shop.store.generate_orders(SHOP.domain, count, with_shipping_address=True)
        assert self.shop.store.wait_idle(20)
        return self.shop.wait_for_orders(before + count)

    def cookies(self, page: Page) -> httpx.Cookies:
        jar = httpx.Cookies()
        for cookie in page.context.cookies():
            jar.set(cookie["name"], cookie["value"])
        return jar


@pytest.fixture
def web(after_sale: AfterSale, browser: Browser) -> Web:
    return Web(after_sale, str(after_sale.api.base_url).rstrip("/").removesuffix("/api/v1"), browser)


def screenshot(page: Page, name: str) -> None:
    """Kept only when ORDERCENTER_SCREENSHOTS=1, for the README."""
    if os.environ.get("ORDERCENTER_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical accessibility violations axe-core finds on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
