"""The sandbox's OAuth side: authorization codes, access and refresh tokens, on the sandbox clock.

Like AliExpress: a code is single-use and short-lived; refreshing hands out a new refresh token
(the old one stops working) and a fresh access-token lifetime, but never extends the refresh
token's own deadline.
"""

from __future__ import annotations

import secrets
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ordercenter.sandbox.aliexpress.clock import SandboxClock
from ordercenter.sandbox.aliexpress.config import SandboxConfig
from ordercenter.sandbox.aliexpress.records import SandboxApiError

DEMO_USER_ID = "2200800123456"
DEMO_ACCOUNT = "ds-demo@sandbox.invalid"


@dataclass
class _Grant:
    access_token: str
    refresh_token: str
    access_expires: datetime
    refresh_expires: datetime


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class TokenLedger:
    """Codes, access and refresh tokens issued: what a restarted sandbox must remember."""

    codes: dict[str, datetime] = field(default_factory=dict)
    grants: list[_Grant] = field(default_factory=list)


class TokenDesk:
    def __init__(self, config: SandboxConfig, clock: SandboxClock,
                 lock: AbstractContextManager[Any] | None = None) -> None:
        self._config = config
        self._clock = clock
        # The supplier passes its own lock, so a token issued is saved with the rest of its state.
        self._lock = lock or threading.Lock()
        self._codes: dict[str, datetime] = {}
        now = clock.now()
        demo = _Grant(config.access_token, "sbx_r_" + secrets.token_hex(20),
                      now + config.demo_token_ttl, now + config.demo_token_ttl)
        self._by_access = {demo.access_token: demo}
        self._by_refresh = {demo.refresh_token: demo}

    def ledger(self) -> TokenLedger:
        """A copy of every live code and grant (the supplier's state file keeps it)."""
        with self._lock:
            # The same grants are indexed by refresh token.
            return TokenLedger(dict(self._codes), list(self._by_access.values()))

    def restore(self, ledger: TokenLedger) -> None:
        """Take back the codes and grants of a ledger saved before a restart (the demo grant among them)."""
        with self._lock:
            self._codes = dict(ledger.codes)
            self._by_access = {grant.access_token: grant for grant in ledger.grants}
            self._by_refresh = {grant.refresh_token: grant for grant in ledger.grants}

    def issue_code(self) -> str:
        """The demo DS account approves our app at once (no login page in the sandbox)."""
        code = f"3_{self._config.app_key}_{secrets.token_urlsafe(18)}"
        with self._lock:
            self._codes[code] = self._clock.now() + self._config.code_ttl
        return code

    def check_access(self, access_token: str | None) -> None:
        with self._lock:
            grant = self._by_access.get(access_token or "")
            if grant is None or grant.access_expires <= self._clock.now():
                raise SandboxApiError("IllegalAccessToken", "The specified access token is invalid or expired")

    def exchange(self, code: str) -> dict[str, Any]:
        with self._lock:
            expires = self._codes.pop(code, None)
            now = self._clock.now()
            if expires is None or expires <= now:
                raise SandboxApiError("InvalidCode", "The authorization code is invalid or expired")
            grant = _Grant("sbx_" + secrets.token_hex(20), "sbx_r_" + secrets.token_hex(20),
                           now + self._config.access_token_ttl, now + self._config.refresh_token_ttl)
            self._by_access[grant.access_token] = grant
            self._by_refresh[grant.refresh_token] = grant
            return self._answer(grant, now)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            now = self._clock.now()
            old = self._by_refresh.pop(refresh_token, None)
            if old is None or old.refresh_expires <= now:
                raise SandboxApiError("IllegalRefreshToken", "The specified refresh token is invalid or expired")
            self._by_access.pop(old.access_token, None)
            access_expires = min(now + self._config.access_token_ttl, old.refresh_expires)
            grant = _Grant("sbx_" + secrets.token_hex(20), "sbx_r_" + secrets.token_hex(20),
                           access_expires, old.refresh_expires)
            self._by_access[grant.access_token] = grant
            self._by_refresh[grant.refresh_token] = grant
            return self._answer(grant, now)

    def _answer(self, grant: _Grant, now: datetime) -> dict[str, Any]:
        return {
            "access_token": grant.access_token, "refresh_token": grant.refresh_token,
            "expires_in": int((grant.access_expires - now).total_seconds()),
            "expire_time": _ms(grant.access_expires),
            "refresh_expires_in": max(0, int((grant.refresh_expires - now).total_seconds())),
            "refresh_token_valid_time": _ms(grant.refresh_expires),
            "user_id": DEMO_USER_ID, "seller_id": DEMO_USER_ID, "user_nick": "ds_demo_buyer",
            "account": DEMO_ACCOUNT, "account_platform": "buyerApp", "havana_id": "220080012345",
            "locale": "en_US", "sp": "ae", "code": "0",
        }
