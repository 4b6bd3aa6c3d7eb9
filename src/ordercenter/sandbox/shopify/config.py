"""Configuration of the sandbox Shopify store: its shops and its rate-limit numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Delivers one webhook in-process instead of over HTTP: (url, headers, raw body) -> HTTP status.
DeliverWebhook = Callable[[str, dict[str, str], bytes], int]

#: API versions the sandbox serves, oldest first (Shopify supports about a year of versions).
DEFAULT_API_VERSIONS: tuple[str, ...] = ("2024-07", "2024-10", "2025-01", "2025-04")


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
        "write_merchant_managed_fulfillment_orders"
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
