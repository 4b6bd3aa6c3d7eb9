"""Shopify's webhook conventions behind the `StoreWebhookCodec` port."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordercenter.adapters.ports import WebhookHeaders
from ordercenter.adapters.shopify.normalize import normalize_webhook_order
from ordercenter.adapters.shopify.webhooks import (
    HEADER_HMAC,
    HEADER_SHOP_DOMAIN,
    WebhookEnvelope,
    signature_well_formed,
    verify_webhook_hmac,
)
from ordercenter.domain.snapshots import OrderSnapshot


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lower = {key.lower(): value for key, value in headers.items()}
    value = lower.get(name.lower())
    return value.strip() if value else None


class ShopifyWebhookCodec:
    def shop_domain(self, headers: Mapping[str, str]) -> str | None:
        domain = _header(headers, HEADER_SHOP_DOMAIN)
        return domain.lower() if domain else None

    def signature(self, headers: Mapping[str, str]) -> str | None:
        return _header(headers, HEADER_HMAC)

    def signature_well_formed(self, signature: str | None) -> bool:
        return signature_well_formed(signature)

    def signature_valid(self, body: bytes, signature: str | None, secret: str) -> bool:
        return verify_webhook_hmac(body, signature, secret)

    def read_headers(self, headers: Mapping[str, str]) -> WebhookHeaders:
        envelope = WebhookEnvelope.from_headers(headers)
        return WebhookHeaders(topic=envelope.topic, shop_domain=envelope.shop_domain, signature=envelope.hmac,
                              webhook_id=envelope.webhook_id, event_id=envelope.event_id,
                              triggered_at=envelope.triggered_at)

    def order_snapshot(self, payload: Mapping[str, Any]) -> OrderSnapshot:
        return normalize_webhook_order(payload)
