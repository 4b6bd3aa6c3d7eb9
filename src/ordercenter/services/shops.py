"""Finding the shop a command or request is about."""

from __future__ import annotations

from datetime import datetime

from ordercenter.adapters.ports import Secrets, StoreConnector
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.shops import Shop, normalize_shop_domain
from ordercenter.domain.webhook_topics import SUBSCRIBED_TOPICS
from ordercenter.services.uow import UnitOfWork


def resolve_shop(uow: UnitOfWork, domain: str | None) -> Shop:
    """The shop with this domain; without a domain, the only shop there is."""
    with uow:
        if domain:
            shop = uow.shops.by_domain(normalize_shop_domain(domain))
            if shop is None:
                raise NotFound(f"no shop '{domain}' is connected", field="shop")
            return shop
        shops = uow.shops.all()
        if not shops:
            raise NotFound("no shop is connected yet; add one with 'ordercenter shops add'", field="shop")
        if len(shops) > 1:
            names = ", ".join(s.domain for s in shops)
            raise InvalidInput(f"several shops are connected ({names}); choose one with --shop", field="shop")
        return shops[0]


def connect_shop(uow: UnitOfWork, connect: StoreConnector, secrets: Secrets, *, domain: str, access_token: str,
                 webhook_secret: str, api_url: str | None, callback_url: str, now: datetime) -> Shop:
    """Check the token against the store, keep it encrypted, and subscribe to the order webhooks.

    Connecting an already known shop replaces its credentials (a rotated token, a reinstall).
    """
    shop_domain = normalize_shop_domain(domain)
    if not access_token.strip():
        raise InvalidInput("the access token is empty", field="access_token")
    if not webhook_secret.strip():
        raise InvalidInput("the webhook secret is empty", field="webhook_secret")
    store = connect(shop_domain, access_token.strip(), api_url)
    info = store.fetch_shop()
    store.register_webhooks(callback_url, list(SUBSCRIBED_TOPICS))
    with uow:
        shop = uow.shops.by_domain(shop_domain)
        if shop is None:
            shop = uow.shops.add(Shop(domain=shop_domain, name=info.name, currency=info.currency, created_at=now))
        shop.name, shop.currency, shop.api_url = info.name, info.currency, api_url
        shop.access_token_encrypted = secrets.encrypt(access_token.strip())
        shop.webhook_secret_encrypted = secrets.encrypt(webhook_secret.strip())
        shop.uninstalled_at = None
        uow.commit()
        return shop
