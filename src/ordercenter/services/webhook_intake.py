"""Store webhooks: verify and store first (fast), apply after (idempotent, retried from the table)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from ordercenter.adapters.ports import Secrets, StoreWebhookCodec
from ordercenter.domain.errors import DomainError, ErrorCode, InvalidInput
from ordercenter.domain.webhook_topics import ORDER_TOPICS, SUPPORTED_TOPICS
from ordercenter.domain.webhooks import DeliveryStatus, WebhookDelivery
from ordercenter.services import store_refunds
from ordercenter.services.ingestion import ImportOutcome, import_order
from ordercenter.services.stage_refresh import refresh_stage
from ordercenter.services.uow import UnitOfWork


class UnknownShop(DomainError):
    code = ErrorCode.NOT_FOUND


class BadSignature(DomainError):
    code = ErrorCode.NOT_AUTHENTICATED


class RejectedDelivery(InvalidInput):
    """Authentic but unusable; stored for inspection and answered with 400."""


@dataclass(frozen=True)
class Received:
    shop_id: int
    delivery_id: int
    duplicate: bool
    status: DeliveryStatus


def _validate(codec: StoreWebhookCodec, topic: str, body: bytes) -> None:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"the body is not JSON: {exc}", field="body") from None
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    if topic in ORDER_TOPICS:
        codec.order_snapshot(payload)
    elif topic == "refunds/create" and not payload.get("order_id"):
        raise InvalidInput("a refund payload needs its order_id", field="order_id")


def _store(uow: UnitOfWork, delivery: WebhookDelivery) -> Received:
    with uow:
        existing = uow.webhooks.by_dedupe_key(delivery.shop_id, delivery.dedupe_key)
        if existing is not None:
            return Received(existing.shop_id, existing.id, True, existing.status)
        uow.webhooks.add(delivery)
        try:
            uow.commit()
        except IntegrityError:
            uow.rollback()
            raced = uow.webhooks.by_dedupe_key(delivery.shop_id, delivery.dedupe_key)
            assert raced is not None  # the unique constraint fired because this row exists
            return Received(raced.shop_id, raced.id, True, raced.status)
        return Received(delivery.shop_id, delivery.id, False, delivery.status)


def receive_webhook(uow: UnitOfWork, codec: StoreWebhookCodec, secrets: Secrets, *, headers: Mapping[str, str],
                    body: bytes, now: datetime) -> Received:
    """Check who sent it, store it once, say whether it is usable. Applies nothing."""
    domain = codec.shop_domain(headers)
    with uow:
        shop = uow.shops.by_domain(domain) if domain else None
        if shop is None or shop.webhook_secret_encrypted is None:
            raise UnknownShop(f"no connected shop '{domain}'", field="X-Shopify-Shop-Domain")
        shop_id, secret = shop.id, secrets.decrypt(shop.webhook_secret_encrypted)
    if not codec.signature_valid(body, codec.signature(headers), secret):
        raise BadSignature("the webhook signature is missing or does not match the body",
                           field="X-Shopify-Hmac-Sha256")
    text = body.decode("utf-8", errors="replace")
    try:
        envelope = codec.read_headers(headers)
    except InvalidInput as exc:
        key = "body:" + hashlib.sha256(body).hexdigest()
        _store(uow, WebhookDelivery(shop_id=shop_id, dedupe_key=key, topic="?", received_at=now, body=text,
                                    status=DeliveryStatus.REJECTED, error=exc.message))
        raise RejectedDelivery(exc.message, field=exc.field) from None
    delivery = WebhookDelivery(shop_id=shop_id, dedupe_key=envelope.dedupe_key, topic=envelope.topic,
                               webhook_id=envelope.webhook_id, event_id=envelope.event_id,
                               triggered_at=envelope.triggered_at, received_at=now, body=text)
    if envelope.topic not in SUPPORTED_TOPICS:
        delivery.status, delivery.error = DeliveryStatus.IGNORED, "topic not handled"
        return _store(uow, delivery)
    try:
        _validate(codec, envelope.topic, body)
    except InvalidInput as exc:
        delivery.status, delivery.error = DeliveryStatus.REJECTED, exc.message
        _store(uow, delivery)
        raise RejectedDelivery(exc.message, field=exc.field) from None
    return _store(uow, delivery)


def _apply(uow: UnitOfWork, codec: StoreWebhookCodec, delivery: WebhookDelivery, payload: dict[str, Any],
           now: datetime) -> DeliveryStatus:
    if delivery.topic in ORDER_TOPICS:
        result = import_order(uow, shop_id=delivery.shop_id, snapshot=codec.order_snapshot(payload), at=now,
                              source=f"webhook {delivery.topic}")
        return DeliveryStatus.IGNORED if result.outcome is ImportOutcome.STALE else DeliveryStatus.PROCESSED
    with uow:
        if delivery.topic == "app/uninstalled":
            shop = uow.shops.get(delivery.shop_id)
            if shop is not None and shop.uninstalled_at is None:
                shop.uninstalled_at = now
        else:  # refunds/create: money back to the customer, recorded once as a customer refund request
            order = uow.orders.by_platform_id(delivery.shop_id, str(payload["order_id"]), for_update=True)
            if order is None:
                return DeliveryStatus.IGNORED
            store_refunds.record_store_refunds(uow, order, store_refunds.refunds_in([payload]), at=now)
            refresh_stage(uow, order, at=now)
        uow.commit()
    return DeliveryStatus.PROCESSED


def process_delivery(uow: UnitOfWork, codec: StoreWebhookCodec, *, shop_id: int, delivery_id: int,
                     now: datetime) -> DeliveryStatus:
    """Apply one stored delivery; safe to repeat (ingestion is idempotent)."""
    with uow:
        delivery = uow.webhooks.get(shop_id, delivery_id)
        if delivery is None or delivery.status not in (DeliveryStatus.RECEIVED, DeliveryStatus.FAILED):
            return delivery.status if delivery else DeliveryStatus.IGNORED
    try:
        status = _apply(uow, codec, delivery, json.loads(delivery.body), now)
        error = None
    except Exception as exc:  # noqa: BLE001  (any failure is recorded on the row and retried later)
        status, error = DeliveryStatus.FAILED, f"{exc.__class__.__name__}: {exc}"
    with uow:
        row = uow.webhooks.get(shop_id, delivery_id, for_update=True)
        if row is not None:
            row.status, row.error, row.attempts = status, error, row.attempts + 1
            row.processed_at = now
            uow.commit()
    return status


def process_pending(uow: UnitOfWork, codec: StoreWebhookCodec, *, now: datetime, limit: int = 100) -> int:
    """Apply deliveries stored but not applied (after a crash, or failed before); returns how many."""
    with uow:
        pending = [(d.shop_id, d.id) for d in uow.webhooks.pending(limit)]
    for shop_id, delivery_id in pending:
        process_delivery(uow, codec, shop_id=shop_id, delivery_id=delivery_id, now=now)
    return len(pending)
