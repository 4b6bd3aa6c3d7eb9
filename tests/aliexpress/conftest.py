"""The sandbox supplier on a real local port, and clients pointed at it (sleeps recorded, never slept)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ordercenter.adapters.aliexpress import AliExpressClient, SandboxAliExpressClient
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxServer, SandboxSupplier
from tests.aliexpress.aliexpress_fixtures import ClientFactory


@pytest.fixture
def supplier() -> SandboxSupplier:
    return SandboxSupplier(SandboxConfig())


@pytest.fixture
def server(supplier: SandboxSupplier) -> Iterator[SandboxServer]:
    with SandboxServer(supplier) as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(server: SandboxServer, sleeps: list[float]) -> Iterator[ClientFactory]:
    made: list[AliExpressClient] = []

    def make(cls: type[AliExpressClient] = SandboxAliExpressClient, *, access_token: str | None = None,
             **overrides: Any) -> AliExpressClient:
        creds = server.supplier.credentials()
        options: dict[str, Any] = {"base_url": server.base_url, "sleep": sleeps.append,
                                   "rate_limit_per_second": 1000.0, "timeout": 5.0}
        options.update(overrides)
        client = cls(creds["app_key"], creds["app_secret"], access_token or creds["access_token"], **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> SandboxAliExpressClient:
    made = make_client()
    assert isinstance(made, SandboxAliExpressClient)
    return made
