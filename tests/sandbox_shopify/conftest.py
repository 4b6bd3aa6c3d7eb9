from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION
from ordercenter.sandbox.shopify import SandboxShopifyApp, SandboxStore, SandboxStoreConfig, create_sandbox_store
from ordercenter.sandbox.shopify.order_builder import NewLine, NewOrder
from ordercenter.sandbox.shopify.records import Order

API = f"/admin/api/{DEFAULT_SHOPIFY_API_VERSION}/graphql.json"

Gql = Callable[..., dict[str, Any]]


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Received:
    """Webhooks delivered in-process: (url, headers, body) per delivery."""

    calls: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        self.calls.append((url, headers, body))
        return self.answers.pop(0) if self.answers else 200

    def topics(self) -> list[str]:
        return [headers["X-Shopify-Topic"] for _, headers, _ in self.calls]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
def app(clock: FakeClock, received: Received) -> Iterator[SandboxShopifyApp]:
    config = SandboxStoreConfig(clock=clock, deliver_webhook=received, webhook_retry_delay=0.01)
    application = create_sandbox_store(config)
    yield application
    application.store.close()


@pytest.fixture
def store(app: SandboxShopifyApp) -> SandboxStore:
    return app.store


@pytest.fixture
def client(app: SandboxShopifyApp) -> TestClient:
    return TestClient(app)


@pytest.fixture
def gql(client: TestClient, store: SandboxStore) -> Any:
    def run(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = client.post(API, json={"query": query, "variables": variables or {}},
                               headers={"X-Shopify-Access-Token": store.shop().access_token})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


def make_order(store: SandboxStore, quantities: tuple[int, ...] = (2, 1), *, financial_status: str = "PAID",
               price: str = "10.00", shipping: str = "5.00", currency: str = "USD") -> Order:
    """An order with known lines: one line per quantity, each at `price`, plus `shipping`."""
    lines = [NewLine(title=f"Product {i}", quantity=q, price=Decimal(price), sku=f"SKU-{i}",
                     variant_id=81000000011 + i, product_id=8100000001)
             for i, q in enumerate(quantities)]
    return store.create_order(None, NewOrder(
        lines=lines, presentment_currency=currency, email="buyer@example.com", shipping_title="Standard",
        shipping_price=Decimal(shipping), financial_status=financial_status))
