from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from ordercenter.adapters.shopify.normalize import PayloadError
from ordercenter.adapters.shopify.webhooks import (
    HEADER_HMAC,
    WebhookEnvelope,
    verify_webhook_hmac,
    webhook_signature,
)
from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION
from ordercenter.domain.webhook_topics import SUPPORTED_TOPICS

from .conftest import FIXTURES

SECRET = "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"
BODY = (FIXTURES / "order_webhook.json").read_bytes()


def _signed(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_a_delivery_signed_with_the_secret_is_valid() -> None:
    assert webhook_signature(BODY, SECRET) == _signed(BODY)
    assert verify_webhook_hmac(BODY, _signed(BODY), SECRET)


def test_a_forged_signature_is_refused() -> None:
    assert not verify_webhook_hmac(BODY, _signed(BODY, "another-apps-secret"), SECRET)
    assert not verify_webhook_hmac(BODY, "not base64 at all", SECRET)


def test_a_body_altered_by_one_byte_is_refused() -> None:
    altered = bytearray(BODY)
    altered[100] ^= 0x01

    assert not verify_webhook_hmac(bytes(altered), _signed(BODY), SECRET)


def test_a_missing_signature_or_secret_is_refused() -> None:
    assert not verify_webhook_hmac(BODY, None, SECRET)
    assert not verify_webhook_hmac(BODY, "", SECRET)
    assert not verify_webhook_hmac(BODY, _signed(BODY, ""), "")


HEADERS = {
    "X-Shopify-Topic": "orders/paid",
    "X-Shopify-Hmac-Sha256": "c2lnbmF0dXJl",
    "X-Shopify-Shop-Domain": "Order-Center-Demo.myshopify.com",
    "X-Shopify-API-Version": DEFAULT_SHOPIFY_API_VERSION,
    "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
    "X-Shopify-Triggered-At": "2025-03-04T15:16:02.123456Z",
}


def test_envelope_reads_the_delivery_headers_in_any_case() -> None:
    envelope = WebhookEnvelope.from_headers({key.lower(): value for key, value in HEADERS.items()})

    assert envelope.topic == "orders/paid"
    assert envelope.supported
    assert envelope.shop_domain == "order-center-demo.myshopify.com"
    assert envelope.event_id == "98880550-7158-44d4-b7cd-2c97c8a091b5" == envelope.dedupe_key
    assert envelope.triggered_at == datetime(2025, 3, 4, 15, 16, 2, 123456, tzinfo=UTC)


def test_envelope_accepts_the_headers_without_x_prefix() -> None:
    envelope = WebhookEnvelope.from_headers({key.removeprefix("X-"): value for key, value in HEADERS.items()})

    assert envelope.webhook_id == HEADERS["X-Shopify-Webhook-Id"]


def test_envelope_without_a_required_header_names_it() -> None:
    headers = {key: value for key, value in HEADERS.items() if key != HEADER_HMAC}

    with pytest.raises(PayloadError) as caught:
        WebhookEnvelope.from_headers(headers)

    assert caught.value.field == "X-Shopify-Hmac-Sha256"


def test_supported_topics_cover_the_order_life_and_uninstall() -> None:
    assert {"orders/paid", "orders/cancelled", "refunds/create", "app/uninstalled"} <= set(SUPPORTED_TOPICS)
