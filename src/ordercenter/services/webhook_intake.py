"""Store webhooks: verify and store first (fast), apply after (idempotent, retried from the table).

An authentic delivery is always stored and answered 2xx, even when its body is unusable (kept as
rejected): Shopify would only send the same bytes again. A delivery whose apply fails is tried again
on the schedule of domain/webhooks.py; when the last try fails, one alert tells the merchant, and a
replay that succeeds clears it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError

from ordercenter.adapters import metrics
from ordercenter.adapters.ports import Clock, Secrets, StoreWebhookCodec
from ordercenter.domain import audit
from ordercenter.domain.alerts import Alert, AlertKind, webhook_delivery_subject
from ordercenter.domain.errors import Conflict, DomainError, ErrorCode, InvalidInput, NotFound
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.privacy import read_compliance
from ordercenter.domain.snapshots import OrderSnapshot
from ordercenter.domain.webhook_topics import BULK_OPERATIONS_FINISH, COMPLIANCE_TOPICS, ORDER_TOPICS, SUPPORTED_TOPICS
from ordercenter.domain.webhooks import (
    APPLY_LEASE,
    DEFAULT_MAX_ATTEMPTS,
    PENDING_STATUSES,
    RECEIVED_GRACE,
    REPLAYABLE_STATUSES,
    DeliveryStatus,
    WebhookDelivery,
)
from ordercenter.services import bulk_backfill, privacy, store_refunds
from ordercenter.services.ingestion import ImportOutcome, import_in_transaction, import_order
from ordercenter.services.outbox import notify_merchant
from ordercenter.services.shops import disconnect_shop
from ordercenter.services.stage_refresh import refresh_stage
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)


class UnknownShop(DomainError):
    code = ErrorCode.NOT_FOUND


class BadSignature(DomainError):
    code = ErrorCode.NOT_AUTHENTICATED


@dataclass(frozen=True)
class Received:
    shop_id: int
    delivery_id: int
    duplicate: bool
    status: DeliveryStatus
    error: str | None = None  # why a rejected delivery is unusable
    field: str | None = None  # the header or body field at fault


# Shopify's payloads nest six levels or so (order, line items, a line, its tax lines, a price set, money);
# the standard parser recurses once per level and fails with RecursionError about a thousand levels down.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # brackets inside strings do not nest
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_OPENING = frozenset(b"[{")


def _nests_deeper_than(body: bytes, limit: int) -> bool:
    """Whether the JSON text opens more than `limit` arrays or objects inside one another (read without parsing)."""
    depth = 0
    for bracket in _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", body)):
        depth = depth + 1 if bracket in _OPENING else depth - 1
        if depth > limit:
            return True
    return False


def _parse_json(body: bytes) -> Any:
    """The parsed body; InvalidInput (field `body`) when it is not JSON or nests deeper than MAX_JSON_DEPTH."""
    if _nests_deeper_than(body, MAX_JSON_DEPTH):
        raise InvalidInput(f"the body nests arrays or objects deeper than {MAX_JSON_DEPTH} levels", field="body")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"the body is not JSON: {exc}", field="body") from None


def _validate(codec: StoreWebhookCodec, topic: str, body: bytes) -> None:
    payload = _parse_json(body)
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    if topic in ORDER_TOPICS:
        codec.order_snapshot(payload)
    elif topic == "refunds/create" and not payload.get("order_id"):
        raise InvalidInput("a refund payload needs its order_id", field="order_id")
    elif topic in COMPLIANCE_TOPICS:
        read_compliance(topic, payload)


@dataclass(frozen=True)
class _KnownShop:
    shop_id: int
    secret: str
    read_at: float


class ShopSecretCache:
    """The shop id and decrypted webhook secret per shop domain, kept for a short while in this process.

    Every webhook needs them, and they rarely change: caching spares a query and a decryption per
    delivery. A signature that does not match the cached secret is checked again against a fresh read,
    so a rotated secret is honoured at once; a removed one is honoured within `ttl_seconds`.
    """

    def __init__(self, ttl_seconds: float = 60.0) -> None:
        self._ttl = ttl_seconds
        self._shops: dict[str, _KnownShop] = {}
        self._lock = threading.Lock()

    def get(self, domain: str) -> _KnownShop | None:
        with self._lock:
            known = self._shops.get(domain)
        return known if known is not None and time.monotonic() - known.read_at < self._ttl else None

    def put(self, domain: str, shop_id: int, secret: str) -> _KnownShop:
        known = _KnownShop(shop_id, secret, time.monotonic())
        with self._lock:
            self._shops[domain] = known
        return known

    def forget(self, domain: str) -> None:
        with self._lock:
            self._shops.pop(domain, None)


def _store(uow: UnitOfWork, delivery: WebhookDelivery) -> Received:
    with uow:
        # Insert first: a repeat is rare, and the unique constraint finds it without a lookup per delivery.
        uow.webhooks.add(delivery)
        try:
            uow.commit()
        except IntegrityError:
            uow.rollback()
            existing = uow.webhooks.by_dedupe_key(delivery.shop_id, delivery.dedupe_key)
            if existing is None:  # not a repeat: the shop itself is gone (erased since it was cached)
                raise UnknownShop("the shop of this delivery is no longer connected",
                                  field="X-Shopify-Shop-Domain") from None
            return Received(existing.shop_id, existing.id, True, existing.status, existing.error)
        return Received(delivery.shop_id, delivery.id, False, delivery.status, delivery.error)


def _read_shop(uow: UnitOfWork, secrets: Secrets, domain: str | None, cache: ShopSecretCache | None) -> _KnownShop:
    with uow:
        shop = uow.shops.by_domain(domain) if domain else None
        if shop is None or shop.webhook_secret_encrypted is None:
            if cache is not None and domain:
                cache.forget(domain)
            raise UnknownShop(f"no connected shop '{domain}'" if domain else "the X-Shopify-Shop-Domain header "
                              "is missing: it names the shop that sent the webhook", field="X-Shopify-Shop-Domain")
        shop_id, secret = shop.id, secrets.decrypt(shop.webhook_secret_encrypted)
    return cache.put(domain, shop_id, secret) if cache is not None and domain else _KnownShop(shop_id, secret, 0.0)


def _sender(uow: UnitOfWork, codec: StoreWebhookCodec, secrets: Secrets, headers: Mapping[str, str], body: bytes,
            cache: ShopSecretCache | None) -> int:
    """The id of the shop that signed this delivery; UnknownShop or BadSignature otherwise."""
    domain = codec.shop_domain(headers)
    signature = codec.signature(headers)
    known = cache.get(domain) if cache is not None and domain else None
    if known is not None and codec.signature_valid(body, signature, known.secret):
        return known.shop_id
    known = _read_shop(uow, secrets, domain, cache)  # not cached, or the secret may have been rotated
    if not codec.signature_valid(body, signature, known.secret):
        raise BadSignature("the webhook signature is missing or does not match the body",
                           field="X-Shopify-Hmac-Sha256")
    return known.shop_id


def refuse_unsigned(codec: StoreWebhookCodec, headers: Mapping[str, str]) -> None:
    """BadSignature when the signature header is missing or cannot be a signature: no need to read the body."""
    if not codec.signature_well_formed(codec.signature(headers)):
        raise BadSignature("the webhook signature is missing or is not a signature",
                           field="X-Shopify-Hmac-Sha256")


def receive_webhook(uow: UnitOfWork, codec: StoreWebhookCodec, secrets: Secrets, *, headers: Mapping[str, str],
                    body: bytes, now: datetime, cache: ShopSecretCache | None = None) -> Received:
    """Check who sent it, store it once, say whether it is usable (an unusable one is stored as
    rejected, not refused). Applies nothing."""
    shop_id = _sender(uow, codec, secrets, headers, body, cache)
    try:
        return _receive(uow, codec, shop_id, headers=headers, body=body, now=now)
    except UnknownShop:
        domain = codec.shop_domain(headers)
        if cache is not None and domain:
            cache.forget(domain)
        raise


def _receive(uow: UnitOfWork, codec: StoreWebhookCodec, shop_id: int, *, headers: Mapping[str, str], body: bytes,
             now: datetime) -> Received:
    text = body.decode("utf-8", errors="replace")
    try:
        envelope = codec.read_headers(headers)
    except InvalidInput as exc:
        key = "body:" + hashlib.sha256(body).hexdigest()
        stored = _store(uow, WebhookDelivery(shop_id=shop_id, dedupe_key=key, topic="?", received_at=now,
                                             body=text, status=DeliveryStatus.REJECTED, error=exc.message))
        return dataclasses.replace(stored, field=exc.field)
    delivery = WebhookDelivery(shop_id=shop_id, dedupe_key=envelope.dedupe_key, topic=envelope.topic,
                               webhook_id=envelope.webhook_id, event_id=envelope.event_id,
                               triggered_at=envelope.triggered_at, received_at=now, body=text,
                               next_attempt_at=now + RECEIVED_GRACE)
    if envelope.topic not in SUPPORTED_TOPICS:
        delivery.status, delivery.error = DeliveryStatus.IGNORED, "topic not handled"
        delivery.next_attempt_at = None
        return _store(uow, delivery)
    try:
        _validate(codec, envelope.topic, body)
    except InvalidInput as exc:
        delivery.status, delivery.error, delivery.next_attempt_at = DeliveryStatus.REJECTED, exc.message, None
        return dataclasses.replace(_store(uow, delivery), field=exc.field)
    return _store(uow, delivery)


_STORE_CHANGES = ORDER_TOPICS | {"refunds/create"}


def _installed(uow: UnitOfWork, shop_id: int) -> bool:
    with uow:
        shop = uow.shops.get(shop_id)
        return shop is not None and shop.uninstalled_at is None


def _order_snapshot(codec: StoreWebhookCodec, delivery: WebhookDelivery, payload: dict[str, Any]) -> OrderSnapshot:
    """The order the webhook carries, stamped with when its event fired (ordering changes within one second)."""
    return dataclasses.replace(codec.order_snapshot(payload), event_at=delivery.triggered_at)


def _apply(uow: UnitOfWork, codec: StoreWebhookCodec, delivery: WebhookDelivery, payload: dict[str, Any],
           now: datetime) -> DeliveryStatus:
    if delivery.topic in COMPLIANCE_TOPICS:
        # Honoured for an uninstalled shop too; the work itself runs next, in privacy.complete_due.
        recorded = privacy.record_request(uow, delivery, read_compliance(delivery.topic, payload), now=now)
        return DeliveryStatus.PROCESSED if recorded is not None else DeliveryStatus.IGNORED
    if delivery.topic in _STORE_CHANGES and not _installed(uow, delivery.shop_id):
        return DeliveryStatus.IGNORED  # the app is uninstalled; the catch-up sync after a reinstall brings it
    if delivery.topic in ORDER_TOPICS:
        result = import_order(uow, shop_id=delivery.shop_id, snapshot=_order_snapshot(codec, delivery, payload),
                              at=now, source=f"webhook {delivery.topic}")
        return DeliveryStatus.IGNORED if result.outcome is ImportOutcome.STALE else DeliveryStatus.PROCESSED
    with uow:
        if delivery.topic == "app/uninstalled":
            shop = uow.shops.get(delivery.shop_id)
            if shop is not None:
                disconnect_shop(shop, now)
        elif delivery.topic == BULK_OPERATIONS_FINISH:  # the backfill waiting for it reads the shop row
            if not bulk_backfill.record_finish(uow, delivery.shop_id, payload):
                return DeliveryStatus.IGNORED
        else:  # refunds/create: money back to the customer, recorded once as a customer refund request
            order = uow.orders.by_platform_id(delivery.shop_id, str(payload["order_id"]), for_update=True)
            if order is None:
                return DeliveryStatus.IGNORED
            store_refunds.record_store_refunds(uow, order, store_refunds.refunds_in([payload]), at=now)
            refresh_stage(uow, order, at=now)
        uow.commit()
    return DeliveryStatus.PROCESSED


def process_delivery(uow: UnitOfWork, codec: StoreWebhookCodec, *, shop_id: int, delivery_id: int,
                     now: datetime, max_attempts: int = DEFAULT_MAX_ATTEMPTS, due_only: bool = False) -> DeliveryStatus:
    """Try one stored delivery once; safe to repeat (ingestion is idempotent).

    A failure is recorded on the row with the time of the next try; the last allowed one raises an
    alert instead. With `due_only`, a delivery whose next try is not due yet is left alone.
    """
    with uow:
        delivery = uow.webhooks.get(shop_id, delivery_id)
        if delivery is None:
            return DeliveryStatus.IGNORED
        seen = delivery.next_attempt_at
        if delivery.status not in PENDING_STATUSES or seen is None or (due_only and not delivery.is_due(now)):
            return delivery.status
        # Two workers (or the request's own apply and the worker) may reach the same row: the claim
        # moves its schedule past the lease, so exactly one of them tries it now.
        if not uow.webhooks.claim(shop_id, delivery_id, seen, now + APPLY_LEASE):
            return delivery.status
        uow.commit()
    try:
        status = _apply(uow, codec, delivery, json.loads(delivery.body), now)
        error = None
    except Exception as exc:  # noqa: BLE001  (any failure is recorded on the row and retried later)
        status, error = DeliveryStatus.FAILED, _describe(exc)
    with uow:
        row = uow.webhooks.get(shop_id, delivery_id, for_update=True)
        if row is not None:
            if row.record_try(status, error, now=now, max_attempts=max_attempts):
                _raise_alert(uow, row, now)
            elif status is not DeliveryStatus.FAILED:
                _settle_alert(uow, row, now)
            uow.commit()
    if status is not DeliveryStatus.FAILED:
        metrics.webhook_applied(delivery.received_at, now)
    return status


def process_pending(uow: UnitOfWork, codec: StoreWebhookCodec, *, now: datetime, limit: int = 100,
                    max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
    """Try the deliveries whose next try is due (left by a crash, or failed before); returns how many."""
    with uow:
        due = uow.webhooks.due(now, limit)
    for shop_id, delivery_id in due:
        process_delivery(uow, codec, shop_id=shop_id, delivery_id=delivery_id, now=now, max_attempts=max_attempts,
                         due_only=True)
    return len(due)


BATCH_SIZE = 20  # deliveries per apply transaction: few commits, yet a short hold of SQLite's write lock
# PostgreSQL undoes one of two transactions that wait on each other (deadlock, serialization failure):
# batches applied side by side can, when they touch the same orders and stage counts in another order.
_LOCK_CONFLICTS = frozenset({"40P01", "40001"})
BATCH_CONFLICT_RETRIES = 5  # tries again of one batch in a row


def _lost_to_lock_conflict(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _LOCK_CONFLICTS


def apply_received(uow: UnitOfWork, codec: StoreWebhookCodec, clock: Clock, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                   batch_size: int = BATCH_SIZE) -> int:
    """Apply the deliveries received and not tried yet, a batch per transaction, until none is left.

    Order deliveries of a batch are applied each in a savepoint (one that fails is recorded as failed,
    the others go in) and their outcome is written in the same transaction; other topics are applied
    one by one. A delivery a worker has claimed meanwhile is left to it. A batch that loses a deadlock
    is undone whole (its claims too) and tried again. Returns how many were tried.
    """
    tried = conflicts = 0
    while True:
        now = clock.now()
        try:
            with uow:
                fresh = [d for d in uow.webhooks.never_tried(batch_size)
                         if d.next_attempt_at == d.received_at + RECEIVED_GRACE]  # else a worker holds it
                orders = [d for d in fresh if d.topic in ORDER_TOPICS]
                applied = _apply_batch(uow, codec, orders, now, max_attempts) if orders else []
                uow.commit()
        except DBAPIError as exc:
            if not _lost_to_lock_conflict(exc):
                raise
            if conflicts >= BATCH_CONFLICT_RETRIES:
                # Nothing is lost: the batch stays received, and the worker's sweep applies it.
                log.warning("a batch of webhook deliveries lost %d lock conflicts in a row; left to the worker",
                            conflicts + 1)
                return tried
            conflicts += 1
            continue
        conflicts = 0
        for delivery, status in applied:
            if status is not DeliveryStatus.FAILED:
                metrics.webhook_applied(delivery.received_at, now)
        for delivery in fresh:
            if delivery.topic not in ORDER_TOPICS:
                process_delivery(uow, codec, shop_id=delivery.shop_id, delivery_id=delivery.id, now=now,
                                 max_attempts=max_attempts)
        tried += len(fresh)
        if not fresh:
            return tried


def _apply_batch(uow: UnitOfWork, codec: StoreWebhookCodec, deliveries: list[WebhookDelivery], now: datetime,
                 max_attempts: int) -> list[tuple[WebhookDelivery, DeliveryStatus]]:
    outcomes = []
    for delivery in deliveries:
        seen = delivery.next_attempt_at
        # The claim makes a worker that reads this row meanwhile leave it alone (H5's lease), and with
        # the outcome written in the same transaction nobody ever sees the lease itself.
        if seen is None or not uow.webhooks.claim(delivery.shop_id, delivery.id, seen, now + APPLY_LEASE):
            continue
        status, error = _apply_order_delivery(uow, codec, delivery, now)
        # A delivery on its first try has no alert to settle; a failure is retried on the usual schedule.
        if delivery.record_try(status, error, now=now, max_attempts=max_attempts):
            _raise_alert(uow, delivery, now)
        outcomes.append((delivery, status))
    return outcomes


def _apply_order_delivery(uow: UnitOfWork, codec: StoreWebhookCodec, delivery: WebhookDelivery,
                          now: datetime) -> tuple[DeliveryStatus, str | None]:
    shop = uow.shops.get(delivery.shop_id)
    if shop is None or shop.uninstalled_at is not None:
        return DeliveryStatus.IGNORED, None  # the app is uninstalled; the catch-up sync after a reinstall brings it
    for last_try in (False, True):
        try:
            with uow.savepoint():
                snapshot = _order_snapshot(codec, delivery, json.loads(delivery.body))
                result = import_in_transaction(uow, shop_id=delivery.shop_id, snapshot=snapshot, at=now,
                                               source=f"webhook {delivery.topic}")
        except IntegrityError as exc:
            # Two deliveries of a new order raced to insert it; the loser tries again as an update.
            if last_try:
                return DeliveryStatus.FAILED, _describe(exc)
            continue
        except Exception as exc:
            if _lost_to_lock_conflict(exc):
                raise  # the transaction is lost, not this delivery: the whole batch goes again
            return DeliveryStatus.FAILED, _describe(exc)  # recorded on the row and retried later
        return (DeliveryStatus.IGNORED if result.outcome is ImportOutcome.STALE else DeliveryStatus.PROCESSED), None
    raise AssertionError("unreachable")  # the loop returns on its last try


class ReceivedApplier:
    """Runs `apply_received` for a process, at most `parallel` at a time, and never misses a delivery.

    Each request asks for a run after its answer; while the allowed runs are busy, a request only
    leaves word, and a run that ends checks for that word before it goes.
    """

    def __init__(self, parallel: int) -> None:
        self._slots = threading.Semaphore(parallel)
        self._wanted = threading.Event()

    def run(self, uow: UnitOfWork, codec: StoreWebhookCodec, clock: Clock, *, max_attempts: int) -> None:
        self._wanted.set()
        while self._wanted.is_set():
            if not self._slots.acquire(blocking=False):
                return  # a run in progress sees the word and goes round once more
            try:
                self._wanted.clear()
                apply_received(uow, codec, clock, max_attempts=max_attempts)
            finally:
                self._slots.release()


def replay_delivery(uow: UnitOfWork, codec: StoreWebhookCodec, *, shop_id: int, delivery_id: int, now: datetime,
                    max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> WebhookDelivery:
    """Apply a stored delivery again now, with every try ahead of it (a person asked for it).

    Raises Conflict when it was applied already or has nothing to apply, and InvalidInput when a
    rejected body is still unusable. Returns the delivery after the try.
    """
    with uow:
        delivery = uow.webhooks.get(shop_id, delivery_id, for_update=True)
        if delivery is None:
            raise NotFound(f"no webhook delivery with id {delivery_id}", field="delivery_id")
        if delivery.status not in REPLAYABLE_STATUSES:
            done = "was applied already" if delivery.status is DeliveryStatus.PROCESSED else "has nothing to apply"
            raise Conflict(f"webhook delivery {delivery_id} {done} ({delivery.status.value})", field="delivery_id")
        if delivery.status is DeliveryStatus.REJECTED:
            if delivery.topic not in SUPPORTED_TOPICS:
                raise Conflict(f"webhook delivery {delivery_id} has no topic Order Center handles "
                               f"('{delivery.topic}')", field="delivery_id")
            _validate(codec, delivery.topic, delivery.body.encode())  # still unusable: InvalidInput, nothing changed
        delivery.start_over(now)
        uow.commit()
    process_delivery(uow, codec, shop_id=shop_id, delivery_id=delivery_id, now=now, max_attempts=max_attempts)
    with uow:
        replayed = uow.webhooks.get(shop_id, delivery_id)
        assert replayed is not None  # deliveries are never deleted
        return replayed


# ---------------------------------------------------------------- the alert when every try failed


def _describe(exc: Exception) -> str:
    """The error as a person reads it: its kind and first line (a database error appends its SQL)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {first}"[:500]


def _order_id_named_by(uow: UnitOfWork, delivery: WebhookDelivery) -> int | None:
    """Our order the delivery is about, when it names one we have."""
    try:
        payload = _parse_json(delivery.body.encode())
    except InvalidInput:
        return None
    if not isinstance(payload, dict):
        return None
    if delivery.topic in ORDER_TOPICS:
        platform_id = payload.get("id")
    elif delivery.topic == "refunds/create":
        platform_id = payload.get("order_id")
    else:
        return None
    if platform_id in (None, ""):
        return None
    order = uow.orders.by_platform_id(delivery.shop_id, str(platform_id))
    return order.id if order is not None else None


def _raise_alert(uow: UnitOfWork, delivery: WebhookDelivery, now: datetime) -> None:
    subject = webhook_delivery_subject(delivery.id)
    if uow.alerts.open_for_subject(delivery.shop_id, subject):
        return
    order_id = _order_id_named_by(uow, delivery)
    message = (f"the store's {delivery.topic} webhook (delivery {delivery.id}) could not be applied after "
               f"{delivery.attempts} tries: {delivery.error}")
    alert = uow.alerts.add(Alert(shop_id=delivery.shop_id, order_id=order_id, subject=subject,
                                 kind=AlertKind.WEBHOOK_FAILED, message=message, raised_at=now))
    if order_id is not None:
        uow.events.add(audit.alert_raised(delivery.shop_id, order_id, now, supplier_order_id=None,
                                          kind=AlertKind.WEBHOOK_FAILED.value, message=message))
    uow.flush()
    notify_merchant(uow, shop_id=delivery.shop_id, kind=EmailKind.ALERT, order_id=order_id, now=now,
                    subject=f"A store webhook could not be applied: {delivery.topic}",
                    text=(f"Order Center stopped trying: {message}.\n\n"
                          "What the store sent is kept. Once the cause is fixed, apply it again with\n"
                          f"  ordercenter webhooks replay {delivery.id}\n"
                          f"or POST /api/v1/webhook-deliveries/{delivery.id}/replay; the order sync also "
                          "catches up on order changes.\n\n"
                          "You receive this e-mail because alerts are switched on for this shop."),
                    dedupe_key=f"alert:{alert.id}")


def _settle_alert(uow: UnitOfWork, delivery: WebhookDelivery, now: datetime) -> None:
    for alert in uow.alerts.open_for_subject(delivery.shop_id, webhook_delivery_subject(delivery.id)):
        alert.resolve(now)
        if alert.order_id is not None:
            uow.events.add(audit.alert_resolved(delivery.shop_id, alert.order_id, now, supplier_order_id=None,
                                                kind=alert.kind.value))
