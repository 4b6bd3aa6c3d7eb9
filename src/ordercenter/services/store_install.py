"""Installing the public app on a store: a signed `state` nonce out, an authentic callback in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random_secrets
from collections.abc import Mapping
from datetime import datetime

from ordercenter.adapters.ports import Secrets, StoreConnector, StoreInstaller
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.shops import Shop, normalize_shop_domain
from ordercenter.services.shops import connect_shop
from ordercenter.services.uow import UnitOfWork

STATE_LIFETIME_SECONDS = 600


def _sign(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


def make_state(shop_domain: str, now: datetime, key: str) -> str:
    """A nonce bound to the shop and the time, signed so the callback needs no server-side storage."""
    nonce = random_secrets.token_urlsafe(12)
    message = f"{shop_domain}|{int(now.timestamp())}|{nonce}"
    return base64.urlsafe_b64encode(f"{message}|{_sign(key, message)}".encode()).decode().rstrip("=")


def check_state(state: str, shop_domain: str, now: datetime, key: str) -> None:
    try:
        raw = base64.urlsafe_b64decode(state + "=" * (-len(state) % 4)).decode()
        shop, stamp, nonce, signature = raw.split("|")
        issued = int(stamp)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the install state is not one we issued", field="state") from None
    if not hmac.compare_digest(signature, _sign(key, f"{shop}|{stamp}|{nonce}")) or shop != shop_domain:
        raise InvalidInput("the install state is not one we issued for this shop", field="state")
    if not 0 <= now.timestamp() - issued <= STATE_LIFETIME_SECONDS:
        raise InvalidInput("the install link expired; start the install again", field="state")


def begin_install(installer: StoreInstaller, *, shop: str, redirect_uri: str, now: datetime, key: str) -> str:
    """The store's approval page for this shop, carrying a fresh signed state."""
    domain = normalize_shop_domain(shop)
    return installer.authorize_url(domain, redirect_uri, make_state(domain, now, key))


def finish_install(uow: UnitOfWork, installer: StoreInstaller, connect: StoreConnector, secrets: Secrets, *,
                   params: Mapping[str, str], callback_url: str, now: datetime, key: str) -> Shop:
    """Check the callback (HMAC, state), trade the code for expiring tokens, and connect the shop (which
    also ends a pending re-authorization)."""
    if not installer.callback_is_authentic(params):
        raise InvalidInput("the install callback is not signed by the store", field="hmac")
    domain = normalize_shop_domain(params.get("shop", ""))
    check_state(params.get("state", ""), domain, now, key)
    code = params.get("code", "")
    if not code:
        raise InvalidInput("the install callback has no code", field="code")
    tokens = installer.exchange_code(domain, code)
    return connect_shop(uow, connect, secrets, domain=domain, access_token=tokens.access_token,
                        webhook_secret=installer.webhook_secret, api_url=installer.api_url,
                        callback_url=callback_url, now=now, tokens=tokens)
