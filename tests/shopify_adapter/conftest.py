"""Shopify adapter test kit: recorded-style JSON fixtures, a fake time line and a scripted Shopify."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.adapters.shopify.pacing import CostLimiter
from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION

FIXTURES = Path(__file__).parent / "fixtures"
SHOP = "order-center-demo.myshopify.com"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeTime:
    """A monotonic clock that only moves when someone sleeps; remembers every wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Reply = httpx.Response | Callable[[httpx.Request], httpx.Response] | Exception


class ScriptedShopify:
    """Answers each request with the next scripted reply; remembers requests and their GraphQL bodies."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[httpx.Request] = []

    def reply(self, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> ScriptedShopify:
        all_headers = {"X-Shopify-API-Version": DEFAULT_SHOPIFY_API_VERSION, **(headers or {})}
        self.replies.append(httpx.Response(status, json=body, headers=all_headers))
        return self

    def fail(self, error: Exception) -> ScriptedShopify:
        self.replies.append(error)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected request {request.content[:200]!r}")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)
        return reply

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def shopify() -> ScriptedShopify:
    return ScriptedShopify()


@pytest.fixture
def limiter(fake_time: FakeTime) -> CostLimiter:
    return CostLimiter(clock=fake_time.monotonic)


@pytest.fixture
def client(shopify: ScriptedShopify, limiter: CostLimiter, fake_time: FakeTime) -> Iterator[ShopifyClient]:
    with ShopifyClient(SHOP, "shpat_test_token", transport=httpx.MockTransport(shopify), limiter=limiter,
                       sleep=fake_time.sleep, clock=fake_time.monotonic, jitter=lambda: 1.0) as store:
        yield store
