"""The Admin GraphQL transport: one POST per operation, paced by the shop's cost limiter, retried when safe.

Failures become `StoreError` carrying Shopify's own words. Retries:
- THROTTLED (with or without HTTP 429) and 429 with Retry-After: always retried after the bucket refills,
  since Shopify ran nothing;
- connection failures before the request left: always retried;
- 5xx and timeouts: retried with jittered exponential backoff for queries only. A mutation that may have
  run is never sent twice (money never moves twice): its error says the outcome is unknown.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ordercenter.adapters.ports import StoreError
from ordercenter.adapters.shopify.pacing import CostLimiter, QueryCost, backoff_delay, limiter_for
from ordercenter.adapters.shopify.queries import operation_name
from ordercenter.domain.api_versions import DEFAULT_API_VERSION

# The Admin API version spoken when none is given (settings pass ORDERCENTER_SHOPIFY_API_VERSION).
API_VERSION = DEFAULT_API_VERSION

log = logging.getLogger(__name__)

MAX_TRANSIENT_ATTEMPTS = 4
MAX_THROTTLED_ATTEMPTS = 10
DEFAULT_RETRY_AFTER = 2.0


def graphql_endpoint(shop_domain: str, api_url: str | None = None, api_version: str = API_VERSION) -> str:
    base = (api_url or f"https://{shop_domain}").rstrip("/")
    return f"{base}/admin/api/{api_version}/graphql.json"


class AdminGraphQL:
    def __init__(self, shop_domain: str, access_token: str, *, api_url: str | None = None,
                 transport: httpx.BaseTransport | None = None, limiter: CostLimiter | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 jitter: Callable[[], float] = random.random, timeout: float = 30.0,
                 api_version: str = API_VERSION) -> None:
        self.shop_domain = shop_domain
        self.api_version = api_version
        self.endpoint = graphql_endpoint(shop_domain, api_url, api_version)
        self.limiter = limiter if limiter is not None else limiter_for(shop_domain, clock=clock)
        self._sleep = sleep
        self._jitter = jitter
        self._served_versions: set[str] = set()
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={"X-Shopify-Access-Token": access_token, "Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def query(self, document: str, variables: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
        """The `data` of a read; transient failures are retried."""
        return self._execute(document, variables, may_repeat=True)

    def mutate(self, document: str, variables: Mapping[str, Any], payload: str) -> Mapping[str, Any]:
        """The mutation's payload object (`data[payload]`); its `userErrors` raise StoreError."""
        data = self._execute(document, variables, may_repeat=False)
        result = data.get(payload)
        if not isinstance(result, Mapping):
            raise StoreError(f"Shopify returned no {payload} result")
        user_errors = result.get("userErrors") or []
        if user_errors:
            raise _user_error(user_errors)
        return result

    # ------------------------------------------------------------ one operation, with pacing and retries

    def _execute(self, document: str, variables: Mapping[str, Any] | None, *, may_repeat: bool) -> Mapping[str, Any]:
        operation = operation_name(document)
        body = {"query": document, "variables": dict(variables or {})}
        transient = throttled = 0
        while True:
            wait = self.limiter.reserve(operation)
            if wait > 0:
                self._sleep(wait)
            try:
                response = self._http.post(self.endpoint, json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # The request never reached Shopify: safe to send again, even a mutation.
                transient = self._transient(operation, transient, f"cannot reach Shopify: {exc}")
                continue
            except httpx.TransportError as exc:
                if not may_repeat:
                    raise StoreError(f"Shopify did not answer {operation} ({exc}); the outcome is unknown, "
                                     "check the store before trying again") from exc
                transient = self._transient(operation, transient, f"Shopify did not answer: {exc}")
                continue
            self._note_version(response)
            if response.status_code == 429 or response.status_code < 300:
                payload = _json(response)
                cost = QueryCost.from_extensions(payload.get("extensions"))
                if _is_throttled(payload) or response.status_code == 429:
                    throttled += 1
                    if throttled > MAX_THROTTLED_ATTEMPTS:
                        raise StoreError(f"Shopify kept throttling {operation}; try again later")
                    if _is_throttled(payload) or cost is not None:
                        waited = self.limiter.throttled(operation, cost)
                    else:
                        waited = _retry_after(response)
                        self.limiter.hold(operation, waited)
                    log.info("shopify %s throttled on %s; waiting %.2fs", operation, self.shop_domain, waited)
                    continue
                self.limiter.observe(operation, cost)
                return _data(payload, operation)
            if response.status_code >= 500:
                if not may_repeat:
                    raise StoreError(f"Shopify failed on {operation} (HTTP {response.status_code}); the outcome "
                                     "is unknown, check the store before trying again")
                transient = self._transient(operation, transient, f"Shopify failed (HTTP {response.status_code})")
                continue
            raise _http_error(response, self.shop_domain, self.api_version)

    def _transient(self, operation: str, attempts: int, reason: str) -> int:
        if attempts + 1 >= MAX_TRANSIENT_ATTEMPTS:
            raise StoreError(f"{reason} (gave up on {operation} after {attempts + 1} attempts)")
        delay = backoff_delay(attempts, jitter=self._jitter)
        log.warning("shopify %s on %s: %s; retrying in %.2fs", operation, self.shop_domain, reason, delay)
        self._sleep(delay)
        return attempts + 1

    def _note_version(self, response: httpx.Response) -> None:
        served = response.headers.get("X-Shopify-API-Version")
        if served and served != self.api_version and served not in self._served_versions:
            self._served_versions.add(served)
            log.warning("Shopify served API version %s instead of the pinned %s for %s",
                        served, self.api_version, self.shop_domain)


# ---------------------------------------------------------------- reading answers


def _json(response: httpx.Response) -> Mapping[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        if response.status_code == 429:
            return {}
        raise StoreError(f"Shopify answered with something other than JSON (HTTP {response.status_code})") from None
    if not isinstance(payload, Mapping):
        raise StoreError("Shopify answered with an unexpected JSON document")
    return payload


def _is_throttled(payload: Mapping[str, Any]) -> bool:
    errors = payload.get("errors")
    if not isinstance(errors, list):
        return False
    return any(isinstance(e, Mapping) and isinstance(e.get("extensions"), Mapping)
               and e["extensions"].get("code") == "THROTTLED" for e in errors)


def _data(payload: Mapping[str, Any], operation: str) -> Mapping[str, Any]:
    errors = payload.get("errors")
    if errors:
        raise _graphql_error(errors)
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise StoreError(f"Shopify returned no data for {operation}")
    return data


def _graphql_error(errors: Any) -> StoreError:
    if not isinstance(errors, list):
        return StoreError(_message_of(errors))
    messages, field = [], None
    for error in errors:
        if not isinstance(error, Mapping):
            messages.append(str(error))
            continue
        messages.append(str(error.get("message") or "unknown error"))
        path = error.get("path")
        if field is None and isinstance(path, list) and path:
            field = ".".join(str(p) for p in path)
    return StoreError("; ".join(messages), field=field)


def _user_error(user_errors: list[Any]) -> StoreError:
    messages, field = [], None
    for error in user_errors:
        if not isinstance(error, Mapping):
            messages.append(str(error))
            continue
        messages.append(str(error.get("message") or "refused"))
        path = error.get("field")
        if field is None and isinstance(path, list) and path:
            field = ".".join(str(p) for p in path)
    return StoreError("; ".join(messages), field=field)


def _message_of(errors: Any) -> str:
    """Shopify's words from an `errors` value, whichever of its shapes (string, list, object) it takes."""
    if isinstance(errors, str):
        return errors
    if isinstance(errors, list):
        return "; ".join(_message_of(e.get("message", e) if isinstance(e, Mapping) else e) for e in errors)
    if isinstance(errors, Mapping):
        return "; ".join(f"{key} {_message_of(value)}" for key, value in errors.items())
    return str(errors)


def _http_error(response: httpx.Response, shop: str, api_version: str) -> StoreError:
    try:
        payload = response.json()
        words = _message_of(payload.get("errors", payload)) if isinstance(payload, Mapping) else str(payload)
    except ValueError:
        words = response.text.strip()[:300]
    status = response.status_code
    if status == 401:
        return StoreError(f"Shopify rejected the access token for {shop} (HTTP 401): {words}", field="access_token")
    if status == 403:
        return StoreError(f"Shopify refused access for {shop}; the app may lack a scope (HTTP 403): {words}")
    if status == 402:
        return StoreError(f"The shop {shop} is frozen or unpaid (HTTP 402): {words}")
    if status == 404:
        return StoreError(f"Shopify has no Admin API at {shop} for version {api_version} (HTTP 404): {words}")
    return StoreError(f"Shopify refused the request (HTTP {status}): {words}")


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", DEFAULT_RETRY_AFTER)))
    except ValueError:
        return DEFAULT_RETRY_AFTER
