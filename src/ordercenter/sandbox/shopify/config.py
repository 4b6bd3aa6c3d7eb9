"""Configuration of the sandbox Shopify store: its shops and its rate-limit numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

#: Delivers one webhook in-process instead of over HTTP: (url, headers, raw body) -> HTTP status.
DeliverWebhook = Callable[[str, dict[str, str], bytes], int]

#: API versions the sandbox serves, oldest first: those Shopify supported in December 2026 (each is
#: supported for at least 12 months). A request to any other version is served by the oldest one.
DEFAULT_API_VERSIONS: tuple[str, ...] = ("2026-01", "2026-04", "2026-07", "2026-10")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ShopConfig:
    """One sandbox shop and the credentials of the single app installed on it."""

    domain: str = "sandbox-store.myshopify.com"
    name: str = "Sandbox Store"
    access_token: str = "shpat_sandbox_0000000000000000000000000000"
    #: The app's API key (OAuth client_id).
    client_id: str = "sandbox-client-id"
    #: The app's client secret: signs webhooks (base64) and OAuth redirects (hex).
    client_secret: str = "sandbox-client-secret"
    currency: str = "USD"
    scopes: str = (
        "read_orders,write_orders,read_merchant_managed_fulfillment_orders,"
        "write_merchant_managed_fulfillment_orders,read_customers,write_customers"
    )
    api_versions: tuple[str, ...] = DEFAULT_API_VERSIONS


@dataclass
class SandboxStoreConfig:
    """How the sandbox store behaves; every field has a demo-friendly default."""

    shops: list[ShopConfig] = field(default_factory=lambda: [ShopConfig()])
    #: Leaky bucket size in cost points (Shopify Standard plan: 2000).
    bucket_size: float = 2000.0
    #: Points restored per second (Shopify Standard plan: 100).
    restore_rate: float = 100.0
    #: Largest cost a single query may request.
    max_query_cost: int = 1000
    clock: Callable[[], datetime] = utc_now
    #: Seed of the order generator, so demo data is reproducible.
    seed: int = 1001
    #: When set, webhooks go to this callable instead of an HTTP POST.
    deliver_webhook: DeliverWebhook | None = None
    #: Attempts per webhook delivery (first try included) before giving up.
    webhook_attempts: int = 4
    #: Seconds before the first retry; doubles on each further retry.
    webhook_retry_delay: float = 0.2
    #: HTTP timeout of one webhook POST, in seconds (Shopify allows 5 s).
    webhook_timeout: float = 5.0
    #: Lifetime of an expiring offline access token (Shopify: one hour); tests make it short.
    access_token_lifetime_seconds: int = 3600
    #: Lifetime of a refresh token (Shopify: 90 days, counted again from each refresh).
    refresh_token_lifetime_seconds: int = 90 * 24 * 3600
    #: Where the store keeps its shops, orders, subscriptions and tokens across restarts (the demo's data
    #: folder); None keeps them in memory only, as tests and benchmarks want.
    state_file: Path | None = None
    #: The bearer token `/_operator/` demands (see sandbox/operator_access.py); None leaves it open (tests).
    operator_token: str | None = None
