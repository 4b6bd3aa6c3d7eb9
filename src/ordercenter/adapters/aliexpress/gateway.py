"""Signed calls to the AliExpress Open Platform over HTTP: envelopes, errors, pacing and retries.

Business APIs go to `POST {base}/sync?method=…`, system APIs to `POST {base}/rest{path}`; both as
`application/x-www-form-urlencoded`, complex parameters as JSON strings in one form field.
Only this module and `oauth.py` know URLs and the wire format.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from ordercenter.adapters import metrics
from ordercenter.adapters.aliexpress import errors
from ordercenter.adapters.aliexpress.rate_limit import CallBudget, bucket_for
from ordercenter.adapters.aliexpress.signing import SIGN_METHOD, sign, without_empty
from ordercenter.adapters.ports import SupplierError, SupplierErrorKind

DEFAULT_BASE_URL = "https://api-sg.aliexpress.com"

# Transport failures where the request certainly never reached the platform: safe to send again.
_NEVER_SENT = frozenset({"ConnectError", "ConnectTimeout"})


def never_sent(error: SupplierError) -> bool:
    """True when the failure happened before the request left us (nothing can have been created)."""
    return error.supplier_code in _NEVER_SENT


@dataclass(frozen=True)
class RetryPolicy:
    """Jittered exponential backoff for calls that are safe to repeat (queries)."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (1-based): half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def _encode(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Gateway:
    """One app key (and optionally one access token) talking to one base URL."""

    def __init__(self, app_key: str, app_secret: str, access_token: str | None = None, *,
                 base_url: str = DEFAULT_BASE_URL, transport: httpx.BaseTransport | None = None,
                 timeout: float = 30.0, rate_limit_per_second: float = 10.0,
                 retry: RetryPolicy | None = None, clock: Callable[[], datetime] = _utc_now,
                 monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.app_key = app_key
        self._secret = app_secret
        self.access_token = access_token
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(transport=transport, timeout=timeout)
        self._bucket: CallBudget = bucket_for(app_key, rate_limit_per_second)
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._rng = rng or random.Random()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------ business APIs

    def call(self, method: str, params: Mapping[str, object], *, retry: bool = True) -> dict[str, Any]:
        """Call a business API and return its `<method>_response` object.

        With `retry`, transient failures and rate limits are retried with backoff; without it the
        first failure is raised (the caller decides, e.g. order create checks before repeating).
        """
        attempt = 1
        while True:
            try:
                return self._call_once(method, params)
            except SupplierError as error:
                retriable = error.kind in (SupplierErrorKind.TRANSIENT, SupplierErrorKind.RATE_LIMITED)
                if not (retry and retriable) or attempt >= self.retry.attempts:
                    raise
                self._sleep(self.retry.delay(attempt, self._rng))
                attempt += 1

    def _call_once(self, method: str, params: Mapping[str, object]) -> dict[str, Any]:
        fields: dict[str, str | None] = {key: _encode(value) for key, value in params.items()}
        fields.update(app_key=self.app_key, timestamp=self._timestamp(), sign_method=SIGN_METHOD,
                      method=method, access_token=self.access_token)
        signed = without_empty(fields)
        signed["sign"] = sign(signed, self._secret)
        body = self._post(f"{self.base_url}/sync", signed, query={"method": method})
        key = method.replace(".", "_") + "_response"
        inner = body.get(key)
        if not isinstance(inner, dict):
            metrics.supplier_error(SupplierErrorKind.TRANSIENT)
            raise SupplierError(SupplierErrorKind.TRANSIENT, f"AliExpress answered {method} without '{key}'",
                                supplier_code="UNEXPECTED_RESPONSE", supplier_message=json.dumps(body)[:300])
        return inner

    # ------------------------------------------------------------ system APIs

    def call_system(self, path: str, params: Mapping[str, object]) -> dict[str, Any]:
        """Call a system API (`/auth/token/create`…); signed with the path prefix, no access token.

        Not retried: an authorization code is single-use, so a repeat after a lost answer fails anyway.
        """
        fields: dict[str, str | None] = {key: _encode(value) for key, value in params.items()}
        fields.update(app_key=self.app_key, timestamp=self._timestamp(), sign_method=SIGN_METHOD)
        signed = without_empty(fields)
        signed["sign"] = sign(signed, self._secret, api_path=path)
        body = self._post(f"{self.base_url}/rest{path}", signed)
        code = body.get("code")
        if code not in (None, "0", 0):
            raise errors.platform_error(body)
        return body

    # ------------------------------------------------------------ wire

    def _timestamp(self) -> str:
        return str(int(self._clock().timestamp() * 1000))

    def _post(self, url: str, form: dict[str, str], query: dict[str, str] | None = None) -> dict[str, Any]:
        wait = self._bucket.reserve(self._monotonic())
        metrics.rate_limit_waited("supplier", wait)
        if wait > 0:
            self._sleep(wait)
        try:
            response = self._http.post(url, data=form, params=query)
        except httpx.HTTPError as exc:
            raise errors.transport_error(exc) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error_response"), dict):
            raise errors.platform_error(body["error_response"])
        if response.status_code >= 400 or not isinstance(body, dict):
            raise errors.http_status_error(response.status_code, response.text)
        return body
