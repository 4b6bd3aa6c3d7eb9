"""The pure pieces of Shopify webhook intake: the HMAC check, the header names, the topics, the envelope.

The endpoint and the storage live elsewhere; they call these.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ordercenter.adapters.shopify.normalize import PayloadError
from ordercenter.domain.webhook_topics import SUPPORTED_TOPICS

HEADER_TOPIC = "X-Shopify-Topic"
HEADER_HMAC = "X-Shopify-Hmac-Sha256"
HEADER_SHOP_DOMAIN = "X-Shopify-Shop-Domain"
HEADER_WEBHOOK_ID = "X-Shopify-Webhook-Id"
HEADER_EVENT_ID = "X-Shopify-Event-Id"
HEADER_TRIGGERED_AT = "X-Shopify-Triggered-At"
HEADER_API_VERSION = "X-Shopify-API-Version"

_SIGNATURE_BYTES = hashlib.sha256().digest_size


def webhook_signature(raw_body: bytes, secret: str) -> str:
    """The base64 HMAC-SHA256 of the raw body under the app's client secret, as Shopify sends it."""
    digest = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_well_formed(header_value: str | None) -> bool:
    """True when the header can be a Shopify signature at all: base64 of one SHA-256 digest.

    Checked before the body is read, so a request that cannot be authentic is refused unread.
    """
    if not header_value:
        return False
    try:
        return len(base64.b64decode(header_value.strip(), validate=True)) == _SIGNATURE_BYTES
    except (ValueError, UnicodeEncodeError):
        return False


def verify_webhook_hmac(raw_body: bytes, header_value: str | None, secret: str) -> bool:
    """True when `header_value` signs exactly these body bytes (verify before parsing the JSON).

    During a client-secret rotation call it once per secret: Shopify may sign with either for an hour.
    """
    if not header_value or not secret:
        return False
    expected = webhook_signature(raw_body, secret)
    return hmac.compare_digest(expected.encode("ascii"), header_value.strip().encode("utf-8", "replace"))


@dataclass(frozen=True)
class WebhookEnvelope:
    """What a delivery's headers say: which shop, which topic, which delivery and which event."""

    topic: str
    shop_domain: str
    hmac: str
    api_version: str
    webhook_id: str
    event_id: str | None = None
    triggered_at: datetime | None = None

    @property
    def supported(self) -> bool:
        return self.topic in SUPPORTED_TOPICS

    @property
    def dedupe_key(self) -> str:
        """The same event delivered twice shares an event id; older deliveries without one use the webhook id."""
        return self.event_id or self.webhook_id

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> WebhookEnvelope:
        """Parsed from request headers (names in any case, with or without the `X-` prefix)."""
        lower = {key.lower(): value for key, value in headers.items()}

        def header(name: str, *, required: bool) -> str | None:
            key = name.lower()
            value = lower.get(key) or lower.get(key.removeprefix("x-"))
            value = value.strip() if value else None
            if required and not value:
                raise PayloadError(name, "header is missing")
            return value

        triggered = header(HEADER_TRIGGERED_AT, required=False)
        return cls(
            topic=str(header(HEADER_TOPIC, required=True)),
            shop_domain=str(header(HEADER_SHOP_DOMAIN, required=True)).lower(),
            hmac=str(header(HEADER_HMAC, required=True)),
            api_version=str(header(HEADER_API_VERSION, required=True)),
            webhook_id=str(header(HEADER_WEBHOOK_ID, required=True)),
            event_id=header(HEADER_EVENT_ID, required=False),
            triggered_at=_triggered_at(triggered) if triggered else None,
        )


def _triggered_at(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(HEADER_TRIGGERED_AT, f"'{value}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
