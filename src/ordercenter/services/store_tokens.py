"""Expiring offline store tokens: refreshed in the background before they run out, refreshed on demand
when a call finds one expired, and a clean request to install the app again when the store refuses.

Shopify's rules (2026): an expiring offline access token lives an hour; the refresh token is replaced
at every refresh, and since 2026-08-28 the previous one stays valid until the app uses its
replacement. So a refresh whose answer is lost (the process dies before the commit) is repaired by
the next run sending the previous refresh token again, and a committed refresh never sends it again.
A token pasted from a merchant's custom app never expires and is never refreshed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode

from ordercenter.adapters.ports import Secrets, StoreError, StoreTokenRefresher, StoreTokenRefused, StoreTokens
from ordercenter.domain.alerts import AlertKind
from ordercenter.domain.errors import NotAllowed, NotFound
from ordercenter.domain.shops import Shop
from ordercenter.services.alerting import raise_shop_alert, resolve_shop_alert
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

# The background job runs every 5 minutes: a 10-minute margin gives each token two chances.
REFRESH_MARGIN = timedelta(minutes=10)
# On demand, a token with less than this left is refreshed first, so it cannot die during the call.
ON_DEMAND_MARGIN = timedelta(minutes=1)


class RefreshOutcome(StrEnum):
    """What one refresh attempt came to."""

    REFRESHED = "refreshed"  # new tokens stored
    NOT_DUE = "not_due"  # someone else refreshed it meanwhile, or it needs nothing
    REFUSED = "refused"  # the store said no: the shop now waits for a new install
    FAILED = "failed"  # the store could not be asked; the next run tries again


@dataclass
class TokenRefreshReport:
    refreshed: int = 0
    refused: int = 0
    failed: int = 0


def reauthorization_url(public_url: str, shop_domain: str) -> str:
    """Where the merchant installs the app again (the OAuth install, which issues new tokens)."""
    return f"{public_url.rstrip('/')}/shopify/install?{urlencode({'shop': shop_domain})}"


def keep_tokens(shop: Shop, secrets: Secrets, tokens: StoreTokens, now: datetime) -> None:
    """Store what the store handed out, encrypted, with deadlines from its lifetimes (the caller commits)."""
    shop.access_token_encrypted = secrets.encrypt(tokens.access_token)
    shop.access_token_expires_at = now + timedelta(seconds=tokens.expires_in) if tokens.expires_in else None
    shop.refresh_token_encrypted = secrets.encrypt(tokens.refresh_token) if tokens.refresh_token else None
    shop.refresh_token_expires_at = (now + timedelta(seconds=tokens.refresh_token_expires_in)
                                     if tokens.refresh_token and tokens.refresh_token_expires_in else None)


def clear_reauthorization(uow: UnitOfWork, shop: Shop, now: datetime) -> None:
    """A new connection (an install, a pasted token) ends a pending re-authorization (the caller commits)."""
    shop.reauthorization_needed_since = None
    if shop.id is not None:
        resolve_shop_alert(uow, shop_id=shop.id, kind=AlertKind.STORE_REAUTHORIZATION_NEEDED, now=now)


def _ask_for_reauthorization(uow: UnitOfWork, shop: Shop, reason: str, now: datetime, public_url: str) -> None:
    if not shop.require_reauthorization(now):
        return
    log.warning("%s needs re-authorization: %s", shop.domain, reason)
    link = reauthorization_url(public_url, shop.domain)
    text = (f"Shopify no longer accepts Order Center's access to {shop.name} ({shop.domain}): {reason}.\n\n"
            "Until the app is authorized again, Order Center does not sync this store's orders and sends it "
            "no fulfillments, tracking numbers or refunds.\n\n"
            f"Authorize the app again (sign in to the store's admin if asked, then approve):\n{link}\n")
    raise_shop_alert(uow, shop_id=shop.id, kind=AlertKind.STORE_REAUTHORIZATION_NEEDED,
                     message=f"{shop.domain} must be authorized again: {link}",
                     email_subject=f"Authorize Order Center again on {shop.name}", email_text=text, now=now)


def _refresh_one(uow: UnitOfWork, refresher: StoreTokenRefresher, secrets: Secrets, *, shop_id: int,
                 now: datetime, margin: timedelta, public_url: str) -> RefreshOutcome:
    with uow:
        # Under the row lock a second worker waits here, then finds the token fresh and leaves: the
        # same refresh token is never sent twice. Holding the lock across the call is the point.
        shop = uow.shops.get(shop_id, for_update=True)
        if shop is None or not shop.token_refresh_due(now, margin):
            return RefreshOutcome.NOT_DUE
        if not shop.can_refresh(now):
            reason = "its refresh token ran out" if shop.refresh_token_encrypted else "it has no refresh token"
            _ask_for_reauthorization(uow, shop, reason, now, public_url)
            uow.commit()
            return RefreshOutcome.REFUSED
        assert shop.refresh_token_encrypted is not None  # can_refresh checked it
        try:
            tokens = refresher.refresh(shop.domain, secrets.decrypt(shop.refresh_token_encrypted), shop.api_url)
        except StoreTokenRefused as refusal:
            _ask_for_reauthorization(uow, shop, refusal.message, now, public_url)
            uow.commit()
            return RefreshOutcome.REFUSED
        except StoreError as error:
            log.warning("token refresh of %s failed; the next run tries again: %s", shop.domain, error.message)
            return RefreshOutcome.FAILED
        keep_tokens(shop, secrets, tokens, now)
        uow.commit()
        return RefreshOutcome.REFRESHED


def refresh_expiring_tokens(uow: UnitOfWork, refresher: StoreTokenRefresher, secrets: Secrets, now: datetime,
                            margin: timedelta = REFRESH_MARGIN, *, public_url: str) -> TokenRefreshReport:
    """Refresh every connected shop whose access token expires within `margin`, each pair stored in one
    commit; a refused refresh marks the shop for re-authorization, with one alert and one e-mail."""
    with uow:
        due = [shop.id for shop in uow.shops.all() if shop.token_refresh_due(now, margin)]
    report = TokenRefreshReport()
    for shop_id in due:
        outcome = _refresh_one(uow, refresher, secrets, shop_id=shop_id, now=now, margin=margin,
                               public_url=public_url)
        report.refreshed += outcome is RefreshOutcome.REFRESHED
        report.refused += outcome is RefreshOutcome.REFUSED
        report.failed += outcome is RefreshOutcome.FAILED
    return report


def current_access_token(uow: UnitOfWork, refresher: StoreTokenRefresher, secrets: Secrets, *, shop_id: int,
                         now: datetime, public_url: str, margin: timedelta = ON_DEMAND_MARGIN) -> str:
    """The shop's access token for a call about to be made, refreshed first when it has (nearly) expired."""
    with uow:
        shop = uow.shops.get(shop_id)
    if shop is None:
        raise NotFound(f"no shop {shop_id}", field="shop")
    if shop.token_refresh_due(now, margin):
        _refresh_one(uow, refresher, secrets, shop_id=shop_id, now=now, margin=margin, public_url=public_url)
        with uow:
            shop = uow.shops.get(shop_id)
        assert shop is not None  # shops are never deleted
    if shop.access_token_encrypted is None:
        raise NotAllowed(f"{shop.domain} has no access token; install the app or connect it with "
                         "'ordercenter shops add'", field="shop")
    expires = shop.access_token_expires_at
    if expires is not None and now >= expires:
        if shop.reauthorization_needed_since is not None:
            raise NotAllowed(f"{shop.domain} must be authorized again: open "
                             f"{reauthorization_url(public_url, shop.domain)}", field="shop")
        raise StoreError(f"the access token of {shop.domain} expired and could not be refreshed yet; "
                         "try again in a few minutes")
    return secrets.decrypt(shop.access_token_encrypted)
