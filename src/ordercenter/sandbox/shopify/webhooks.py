"""Signed webhook deliveries from a background thread, with the misbehaviours real webhooks have.

Deliveries are at-least-once like Shopify's: a non-2xx answer (or an exception) is retried a few
times with a doubling delay. Operator options make them worse on purpose: duplicates, delays,
batches sent in reverse order, or dropped deliveries.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import logging
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import httpx

from ordercenter.sandbox.shopify.config import DeliverWebhook

logger = logging.getLogger(__name__)

_LOG_LIMIT = 1000


def sign_body(body: bytes, secret: str) -> str:
    """Shopify's X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256(raw body) keyed by the app secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class WebhookDelivery:
    url: str
    topic: str
    shop_domain: str
    headers: dict[str, str]
    body: bytes
    webhook_id: str
    event_id: str
    attempts: int = 0
    #: queued, held, delivered, failed, dropped
    state: str = "queued"
    last_status: int | None = None

    def summary(self) -> dict[str, Any]:
        return {"url": self.url, "topic": self.topic, "shop_domain": self.shop_domain,
                "webhook_id": self.webhook_id, "event_id": self.event_id, "attempts": self.attempts,
                "state": self.state, "last_status": self.last_status}


def build_delivery(*, url: str, topic: str, shop_domain: str, secret: str, api_version: str, body: bytes,
                   event_id: str, triggered_at: str) -> WebhookDelivery:
    webhook_id = str(uuid.uuid4())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Shopify-Captain-Hook",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign_body(body, secret),
        "X-Shopify-Shop-Domain": shop_domain,
        "X-Shopify-API-Version": api_version,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Triggered-At": triggered_at,
    }
    return WebhookDelivery(url=url, topic=topic, shop_domain=shop_domain, headers=headers, body=body,
                           webhook_id=webhook_id, event_id=event_id)


@dataclass
class WebhookOptions:
    #: Send every delivery twice (same webhook and event ids, as a Shopify redelivery).
    duplicate: bool = False
    #: Hold each delivery this many seconds before the first attempt.
    delay_seconds: float = 0.0
    #: Hold deliveries and send each batch of `reorder_batch_size` in reverse order.
    reorder: bool = False
    reorder_batch_size: int = 2
    #: Never send (the delivery is logged as dropped).
    drop: bool = False


@dataclass(order=True)
class _Scheduled:
    due: float
    seq: int
    delivery: WebhookDelivery = field(compare=False)


class WebhookDispatcher:
    def __init__(self, *, attempts: int, retry_delay: float, timeout: float,
                 deliver: DeliverWebhook | None = None) -> None:
        self._attempts = max(1, attempts)
        self._retry_delay = retry_delay
        self._timeout = timeout
        self.deliver: DeliverWebhook | None = deliver
        self._cond = threading.Condition()
        self._heap: list[_Scheduled] = []
        self._held: list[WebhookDelivery] = []
        self._in_flight = 0
        self._seq = itertools.count()
        self._options = WebhookOptions()
        self._log: list[WebhookDelivery] = []
        self._thread: threading.Thread | None = None
        self._stopped = False

    # -- options ---------------------------------------------------------------------------

    @property
    def options(self) -> WebhookOptions:
        with self._cond:
            return replace(self._options)

    def set_options(self, **changes: Any) -> WebhookOptions:
        names = {f.name for f in fields(WebhookOptions)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown webhook option(s): {', '.join(sorted(unknown))}")
        with self._cond:
            current = asdict(self._options)
            for name, value in changes.items():
                current[name] = type(current[name])(value)
            self._options = WebhookOptions(**current)
            if not self._options.reorder:
                self._release_held()
            return replace(self._options)

    # -- queue -----------------------------------------------------------------------------

    def enqueue(self, delivery: WebhookDelivery) -> None:
        with self._cond:
            options = self._options
            copies = [delivery, replace(delivery, headers=dict(delivery.headers))] if options.duplicate \
                else [delivery]
            for copy in copies:
                self._remember(copy)
                if options.drop:
                    copy.state = "dropped"
                    continue
                if options.reorder:
                    copy.state = "held"
                    self._held.append(copy)
                    if len(self._held) >= max(1, options.reorder_batch_size):
                        self._release_held()
                    continue
                self._schedule(copy, options.delay_seconds)
            self._ensure_thread()

    def _remember(self, delivery: WebhookDelivery) -> None:
        self._log.append(delivery)
        del self._log[:-_LOG_LIMIT]

    def _schedule(self, delivery: WebhookDelivery, delay: float) -> None:
        delivery.state = "queued"
        heapq.heappush(self._heap, _Scheduled(time.monotonic() + delay, next(self._seq), delivery))
        self._cond.notify_all()

    def _release_held(self) -> None:
        held, self._held = self._held, []
        for delivery in reversed(held):
            self._schedule(delivery, self._options.delay_seconds)

    def flush(self) -> None:
        """Send every held (reordered) delivery now, in reverse order."""
        with self._cond:
            self._release_held()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Flush, then wait until nothing is queued or being sent; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._release_held()
            while self._heap or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def deliveries(self) -> list[WebhookDelivery]:
        with self._cond:
            return list(self._log)

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=2)

    # -- worker ----------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopped = False
            self._thread = threading.Thread(target=self._run, name="sandbox-shopify-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=httpx.Timeout(self._timeout, connect=1.0)) as client:
            while True:
                with self._cond:
                    while not self._stopped and (not self._heap or self._heap[0].due > time.monotonic()):
                        wait = self._heap[0].due - time.monotonic() if self._heap else None
                        self._cond.wait(wait)
                    if self._stopped:
                        return
                    delivery = heapq.heappop(self._heap).delivery
                    self._in_flight += 1
                ok = self._attempt(client, delivery)
                with self._cond:
                    self._in_flight -= 1
                    if ok:
                        delivery.state = "delivered"
                    elif delivery.attempts < self._attempts:
                        self._schedule(delivery, self._retry_delay * 2 ** (delivery.attempts - 1))
                    else:
                        delivery.state = "failed"
                    self._cond.notify_all()

    def _attempt(self, client: httpx.Client, delivery: WebhookDelivery) -> bool:
        delivery.attempts += 1
        try:
            if self.deliver is not None:
                status = self.deliver(delivery.url, dict(delivery.headers), delivery.body)
            else:
                status = client.post(delivery.url, content=delivery.body, headers=delivery.headers).status_code
        except Exception as error:  # any failure of the receiver is a failed attempt, as on Shopify
            logger.warning("webhook %s to %s failed: %r", delivery.topic, delivery.url, error)
            delivery.last_status = None
            return False
        delivery.last_status = status
        return 200 <= status < 300
