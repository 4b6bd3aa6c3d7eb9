"""Store-token test kit: Order Center and the sandbox store in one live server on loopback, sharing
one manual clock, with the public app of the sandbox shop configured so the OAuth install runs for real."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.api.app import create_app
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, ShopConfig, create_sandbox_store
from tests.live_server import free_port, live_server

SHOP = ShopConfig(domain="tokens-test.myshopify.com", name="Tokens Test", access_token="shpat_pasted_custom_app",
                  client_id="tokens-client", client_secret="tokens-client-secret")
MERCHANT = "owner@tokens-test.example"
HOUR = timedelta(hours=1)


@dataclass
class World:
    container: Container
    store: SandboxStore
    url: str
    clock: ManualClock

    @property
    def api_url(self) -> str:
        return f"{self.url}/sandbox/shopify"

    def install(self) -> Shop:
        """The merchant opens the install link: our server, the sandbox's approval, our callback."""
        response = httpx.get(f"{self.url}/shopify/install", params={"shop": SHOP.domain}, follow_redirects=True,
                             timeout=10)
        assert response.status_code == 200, response.text
        return self.shop()

    def shop(self) -> Shop:
        with self.container.uow() as uow:
            shop = uow.shops.by_domain(SHOP.domain)
        assert shop is not None
        return shop

    def send_merchant_mail_to(self, address: str) -> None:
        with self.container.uow() as uow:
            shop = uow.shops.by_domain(SHOP.domain)
            assert shop is not None
            shop.notification_emails = [address]
            uow.commit()

    def operator(self, path: str, **body: Any) -> Any:
        response = httpx.post(f"{self.api_url}/_operator/oauth/{path}", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def refresh_grants(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.api_url}/_operator/oauth/refresh_grants", timeout=10)
        assert response.status_code == 200
        grants: list[dict[str, Any]] = response.json()
        return grants

    def stored_refresh_token(self) -> str:
        shop = self.shop()
        assert shop.refresh_token_encrypted is not None
        return self.container.secrets.decrypt(shop.refresh_token_encrypted)

    def stored_access_token(self) -> str:
        shop = self.shop()
        assert shop.access_token_encrypted is not None
        return self.container.secrets.decrypt(shop.access_token_encrypted)


def make_world(settings: Settings, clock: ManualClock) -> Iterator[World]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    container = bootstrap(settings.model_copy(update={
        "public_url": url, "shopify_client_id": SHOP.client_id, "shopify_client_secret": SHOP.client_secret,
        "shopify_api_url": f"{url}/sandbox/shopify"}), clock=clock, migrate=settings.database_url is None)
    sandbox = create_sandbox_store(SandboxStoreConfig(shops=[SHOP], clock=clock.now))
    with live_server(create_app(container, mounts={"/sandbox/shopify": sandbox}), port):
        yield World(container, sandbox.store, url, clock)
        sandbox.store.close()
    container.engine.dispose()


@pytest.fixture
def world(settings: Settings, clock: ManualClock) -> Iterator[World]:
    yield from make_world(settings, clock)
