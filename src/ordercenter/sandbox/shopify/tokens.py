"""Expiring offline tokens, issued the way Shopify issues them to an install that asks with `expiring=1`.

- The access token lives `access_lifetime` seconds (Shopify: 3600), the refresh token
  `refresh_lifetime` seconds (Shopify: 90 days); both lifetimes are operator knobs.
- A refresh returns a new access token and a new refresh token. The refresh token used stays valid
  until the app uses its replacement (the new refresh token, or the new access token on the Admin
  API), so an app that lost the answer can ask again with the previous one (Shopify, 2026-08-28).
- A new install revokes every earlier expiring token of the shop (one active per app and shop).

The merchant's pasted token (`Shop.access_token`, a custom app's) is not kept here: it never expires.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class _AccessToken:
    shop_domain: str
    expires_at: float
    refresh_token: str  # issued together with it
    revoked: bool = False


@dataclass
class _RefreshToken:
    shop_domain: str
    client_id: str
    scope: str
    expires_at: float
    access_token: str  # issued together with it
    issued_from: str | None = None  # the refresh token that was traded for it
    replaced_by: str | None = None  # what it was last traded for (kept valid until that is used)
    revoked: bool = False


@dataclass(frozen=True)
class RefreshGrant:
    """One refresh request as the sandbox saw it (the operator can check no token was sent twice)."""

    shop_domain: str | None
    refresh_token: str
    accepted: bool


@dataclass
class TokenLedger:
    """Every expiring token issued and every refresh asked for: what a restarted sandbox must remember."""

    access: dict[str, _AccessToken] = field(default_factory=dict)
    refresh: dict[str, _RefreshToken] = field(default_factory=dict)
    grants: list[RefreshGrant] = field(default_factory=list)


class ExpiringTokens:
    def __init__(self, clock: Callable[[], datetime], access_lifetime: int, refresh_lifetime: int,
                 lock: AbstractContextManager[Any] | None = None) -> None:
        self._clock = clock
        # The store passes its own lock, so a token issued is saved with the rest of the store's state.
        self._lock = lock or threading.Lock()
        self.access_lifetime = access_lifetime
        self.refresh_lifetime = refresh_lifetime
        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self.grants: list[RefreshGrant] = []

    def _now(self) -> float:
        return self._clock().timestamp()

    def _issue(self, shop_domain: str, client_id: str, scope: str, issued_from: str | None) -> dict[str, Any]:
        access, refresh = f"shpat_{secrets.token_hex(16)}", f"shprt_{secrets.token_hex(24)}"
        now = self._now()
        self._access[access] = _AccessToken(shop_domain, now + self.access_lifetime, refresh)
        self._refresh[refresh] = _RefreshToken(shop_domain, client_id, scope, now + self.refresh_lifetime, access,
                                               issued_from=issued_from)
        return {"access_token": access, "scope": scope, "expires_in": self.access_lifetime,
                "refresh_token": refresh, "refresh_token_expires_in": self.refresh_lifetime}

    def _revoke_refresh(self, token: str | None, *, with_access_token: bool) -> None:
        record = self._refresh.get(token or "")
        if record is not None:
            record.revoked = True
            if with_access_token:
                self._access[record.access_token].revoked = True

    def install(self, shop_domain: str, client_id: str, scope: str) -> dict[str, Any]:
        """A fresh pair for an authorization code; the shop's earlier expiring tokens stop working."""
        with self._lock:
            self._revoke_shop(shop_domain)
            return self._issue(shop_domain, client_id, scope, None)

    def refresh(self, refresh_token: str, client_id: str) -> dict[str, Any] | None:
        """A new pair for a valid refresh token of this app; None when it is unknown, revoked or expired."""
        with self._lock:
            record = self._refresh.get(refresh_token)
            valid = (record is not None and not record.revoked and self._now() < record.expires_at
                     and record.client_id == client_id)
            self.grants.append(RefreshGrant(record.shop_domain if record else None, refresh_token, valid))
            if record is None or not valid:
                return None
            # Using this token is using the replacement of the one it came from: that one is done (its
            # access token lives on until it expires).
            self._revoke_refresh(record.issued_from, with_access_token=False)
            # Coming back with this token means its last replacement never arrived: that pair is void.
            self._revoke_refresh(record.replaced_by, with_access_token=True)
            answer = self._issue(record.shop_domain, client_id, record.scope, refresh_token)
            record.replaced_by = answer["refresh_token"]
            return answer

    def shop_for_access_token(self, token: str) -> str | None:
        """The shop of a live expiring access token (its first use retires the refresh token before)."""
        with self._lock:
            record = self._access.get(token)
            if record is None or record.revoked or self._now() >= record.expires_at:
                return None
            self._revoke_refresh(self._refresh[record.refresh_token].issued_from, with_access_token=False)
            return record.shop_domain

    def _revoke_shop(self, shop_domain: str) -> int:
        revoked = 0
        for records in (self._access.values(), self._refresh.values()):
            for record in records:
                if record.shop_domain == shop_domain and not record.revoked:
                    record.revoked, revoked = True, revoked + 1
        return revoked

    def revoke_shop(self, shop_domain: str) -> int:
        """Every expiring token of the shop stops working (the merchant removed the app's access); returns
        how many access and refresh tokens were still live."""
        with self._lock:
            return self._revoke_shop(shop_domain)

    def ledger(self) -> TokenLedger:
        """A copy of every token and grant (the store's state file keeps it)."""
        with self._lock:
            return TokenLedger(dict(self._access), dict(self._refresh), list(self.grants))

    def restore(self, ledger: TokenLedger) -> None:
        """Take back the tokens of a ledger saved before a restart."""
        with self._lock:
            self._access, self._refresh, self.grants = dict(ledger.access), dict(ledger.refresh), list(ledger.grants)

    def grants_of(self, shop_domain: str | None = None) -> list[RefreshGrant]:
        with self._lock:
            return [g for g in self.grants if shop_domain is None or g.shop_domain == shop_domain]
