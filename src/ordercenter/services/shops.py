"""Finding the shop a command or request is about."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ordercenter.adapters.ports import Secrets, StoreConnector, StorePlatform, StoreTokens
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.shops import Shop, normalize_shop_domain
from ordercenter.domain.webhook_topics import SUBSCRIBED_TOPICS
from ordercenter.services.store_sync import sync_orders
from ordercenter.services.store_tokens import clear_reauthorization, keep_tokens
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)


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
                 webhook_secret: str, api_url: str | None, callback_url: str, now: datetime,
                 tokens: StoreTokens | None = None) -> Shop:
    """Check the token against the store, keep it encrypted, and subscribe to the order webhooks.

    Connecting an already known shop replaces its credentials (a rotated token, a reinstall) and ends a
    pending re-authorization. `tokens` are those of an install (expiring, with a refresh token); a
    pasted token never expires. A reinstall after an uninstall also syncs at once what changed meanwhile.
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
        keep_tokens(shop, secrets, tokens or StoreTokens(access_token.strip()), now)
        clear_reauthorization(uow, shop, now)
        shop.webhook_secret_encrypted = secrets.encrypt(webhook_secret.strip())
        reinstalled = shop.uninstalled_at is not None
        shop.uninstalled_at = None
        uow.commit()
    if reinstalled:
        catch_up(uow, store, shop, now)
    return shop


def disconnect_shop(shop: Shop, now: datetime) -> None:
    """The app was uninstalled: the store's tokens are wiped and background work leaves the shop alone.

    The webhook secret stays: the store still sends signed privacy webhooks (shop/redact comes 48 hours
    later) and they must be verified. The caller commits.
    """
    if shop.uninstalled_at is None:
        shop.uninstalled_at = now
    for column in Shop.__table__.columns:
        if column.name.endswith("_encrypted") and column.name != "webhook_secret_encrypted":
            setattr(shop, column.name, None)


@dataclass(frozen=True)
class _At:
    moment: datetime

    def now(self) -> datetime:
        return self.moment


def catch_up(uow: UnitOfWork, store: StorePlatform, shop: Shop, now: datetime) -> None:
    """After a reinstall: the orders changed while the app was away, synced from the watermark at once.

    A failure is only logged: the periodic sync resumes from the same watermark.
    """
    try:
        report = sync_orders(uow, store, _At(now), shop_id=shop.id)
    except Exception:  # noqa: BLE001  (the connection itself succeeded; the periodic sync catches up)
        log.exception("catch-up sync of %s after its reinstall failed", shop.domain)
        return
    log.info("catch-up sync of %s after its reinstall: %d orders seen", shop.domain, report.seen)
