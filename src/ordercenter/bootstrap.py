"""The composition root: the one place that knows which concrete adapters run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ordercenter.adapters.clock import SystemClock
from ordercenter.adapters.db.migrations import upgrade
from ordercenter.adapters.db.session import build_engine, build_session_factory
from ordercenter.adapters.ports import Clock, StorePlatform, StoreWebhookCodec
from ordercenter.adapters.secrets import SecretBox
from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.adapters.shopify.codec import ShopifyWebhookCodec
from ordercenter.config import Settings
from ordercenter.domain.errors import NotAllowed
from ordercenter.domain.shops import Shop
from ordercenter.services.uow import SqlAlchemyUnitOfWork, UnitOfWork


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    secrets: SecretBox

    def uow(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory)

    @property
    def uow_factory(self) -> Callable[[], UnitOfWork]:
        return self.uow

    def connect_store(self, domain: str, access_token: str, api_url: str | None) -> StorePlatform:
        """A Shopify client for a store (the `StoreConnector` port)."""
        return ShopifyClient(domain, access_token, api_url=api_url)

    def store_for(self, shop: Shop) -> StorePlatform:
        """The client of a connected shop, with its decrypted token."""
        if shop.access_token_encrypted is None:
            raise NotAllowed(f"{shop.domain} has no access token; connect it with 'ordercenter shops add'",
                             field="shop")
        return self.connect_store(shop.domain, self.secrets.decrypt(shop.access_token_encrypted), shop.api_url)

    @property
    def webhook_codec(self) -> StoreWebhookCodec:
        return ShopifyWebhookCodec()

    @property
    def webhook_callback_url(self) -> str:
        return self.settings.public_url.rstrip("/") + "/webhooks/shopify"


def bootstrap(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Container:
    """Build every adapter from settings; migrate the database unless told not to."""
    engine = build_engine(settings.resolved_database_url)
    if migrate:
        upgrade(engine)
    return Container(
        settings=settings,
        engine=engine,
        session_factory=build_session_factory(engine),
        clock=clock or SystemClock(),
        secrets=SecretBox(settings.resolved_secret_key()),
    )
