"""SandboxStore: the in-memory state of every sandbox shop, and every change that can happen to it.

One re-entrant lock guards all shops; the GraphQL endpoint holds it for a whole request, so a
query sees a consistent store. Every change to an order publishes the matching webhooks.
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ordercenter.sandbox.shopify.bucket import LeakyBucket
from ordercenter.sandbox.shopify.catalog import VARIANTS_BY_ID
from ordercenter.sandbox.shopify.config import SandboxStoreConfig, ShopConfig
from ordercenter.sandbox.shopify.faults import Faults
from ordercenter.sandbox.shopify.fulfilment import FulfillmentOrderRequest, fulfil
from ordercenter.sandbox.shopify.generator import OrderGenerator, exchange_rate
from ordercenter.sandbox.shopify.order_builder import NewLine, NewOrder, NewTransaction, build_order
from ordercenter.sandbox.shopify.payloads import fulfillment_json, order_json, refund_json
from ordercenter.sandbox.shopify.records import (
    Fulfillment,
    Order,
    Refund,
    Shop,
    TrackingInfo,
    Transaction,
    WebhookSubscription,
)
from ordercenter.sandbox.shopify.refunds import RefundSpec, RefundTransactionSpec, refund
from ordercenter.sandbox.shopify.saved_state import StoreState
from ordercenter.sandbox.shopify.tokens import ExpiringTokens
from ordercenter.sandbox.shopify.user_errors import UserError, UserErrorsRaised
from ordercenter.sandbox.shopify.webhooks import WebhookDispatcher, build_delivery
from ordercenter.sandbox.state_file import SavingLock, StateFile

#: First number of each id sequence, so ids look like Shopify's (orders around 5 000 000 000).
_ID_STARTS = {
    "Order": 5_000_000_001, "LineItem": 13_000_000_001, "FulfillmentOrder": 6_000_000_001,
    "FulfillmentOrderLineItem": 14_000_000_001, "Fulfillment": 4_800_000_001, "OrderTransaction": 7_000_000_001,
    "Refund": 900_000_001, "Customer": 7_500_000_001, "WebhookSubscription": 1_100_000_001,
}


# Topics whose resource holds an underscore itself (the others split at their first one).
_TWO_WORD_RESOURCES = ("bulk_operations_",)


def topic_path(topic: str) -> str:
    """WebhookSubscriptionTopic enum → REST topic: ORDERS_PARTIALLY_FULFILLED → orders/partially_fulfilled,
    BULK_OPERATIONS_FINISH → bulk_operations/finish."""
    name = topic.lower()
    for resource in _TWO_WORD_RESOURCES:
        if name.startswith(resource):
            return f"{resource[:-1]}/{name[len(resource):]}"
    return name.replace("_", "/", 1)


class SandboxStore:
    def __init__(self, config: SandboxStoreConfig | None = None) -> None:
        self.config = config or SandboxStoreConfig()
        self.lock = SavingLock()
        self._shops: dict[str, Shop] = {}
        self._buckets: dict[str, LeakyBucket] = {}
        self._next_ids = dict(_ID_STARTS)
        self._random = random.Random(self.config.seed)
        self._generator = OrderGenerator(self._random)
        self._last_event_at: datetime | None = None
        self.faults = Faults()
        self.tokens = ExpiringTokens(self.config.clock, self.config.access_token_lifetime_seconds,
                                     self.config.refresh_token_lifetime_seconds, lock=self.lock)
        self.webhooks = WebhookDispatcher(
            attempts=self.config.webhook_attempts, retry_delay=self.config.webhook_retry_delay,
            timeout=self.config.webhook_timeout, deliver=self.config.deliver_webhook,
        )
        saved = self._open_state_file()
        for shop_config in self.config.shops:
            if saved is None or shop_config.domain not in self._shops:
                self.add_shop(shop_config)
        if self._state_file is not None:
            self.lock.save = self._save
            with self.lock:  # the file exists from the start
                pass

    # -- the state file (the demo's; none in tests) ------------------------------------------

    def _open_state_file(self) -> StoreState | None:
        path = self.config.state_file
        self._state_file = StateFile(path, StoreState) if path is not None else None
        saved = self._state_file.load() if self._state_file is not None else None
        if saved is not None:
            for shop in saved.shops:
                self._shops[shop.domain] = shop
                self._buckets[shop.domain] = LeakyBucket(self.config.bucket_size, self.config.restore_rate,
                                                         self.config.clock)
            self._next_ids.update(saved.next_ids)
            version, words, gauss = saved.generator
            self._random.setstate((version, tuple(words), gauss))
            self.tokens.restore(saved.tokens)
        return saved

    def _save(self) -> None:
        assert self._state_file is not None
        version, words, gauss = self._random.getstate()
        self._state_file.save(StoreState(shops=list(self._shops.values()), next_ids=dict(self._next_ids),
                                         generator=(version, words, gauss), tokens=self.tokens.ledger()))

    # -- shops, ids, time ------------------------------------------------------------------

    def now(self) -> datetime:
        return self.config.clock()

    def next_id(self, kind: str) -> int:
        with self.lock:
            number = self._next_ids[kind]
            self._next_ids[kind] = number + 1
            return number

    def add_shop(self, shop_config: ShopConfig) -> Shop:
        with self.lock:
            shop = Shop(
                domain=shop_config.domain, name=shop_config.name, access_token=shop_config.access_token,
                client_id=shop_config.client_id, client_secret=shop_config.client_secret,
                currency=shop_config.currency, scopes=shop_config.scopes,
                api_versions=tuple(sorted(shop_config.api_versions)),
            )
            self._shops[shop.domain] = shop
            self._buckets[shop.domain] = LeakyBucket(
                self.config.bucket_size, self.config.restore_rate, self.config.clock
            )
            return shop

    def shops(self) -> list[Shop]:
        with self.lock:
            return list(self._shops.values())

    def shop(self, domain: str | None = None) -> Shop:
        """The shop with this domain; the first shop when no domain is given. KeyError if unknown."""
        with self.lock:
            if domain is None:
                return next(iter(self._shops.values()))
            return self._shops[domain]

    def shop_for_token(self, token: str | None, domain: str | None = None) -> Shop | None:
        if not token:
            return None
        with self.lock:
            candidates = [self._shops[domain]] if domain in self._shops else [] if domain else self.shops()
            pasted = next((shop for shop in candidates if shop.access_token == token), None)
            if pasted is not None:
                return pasted
            # An expiring token from an install: known while it lives (expired or revoked → None → 401).
            issued_to = self.tokens.shop_for_access_token(token)
            return next((shop for shop in candidates if shop.domain == issued_to), None)

    def bucket(self, domain: str) -> LeakyBucket:
        return self._buckets[domain]

    # -- reads -----------------------------------------------------------------------------

    def order(self, domain: str | None, order_id: int) -> Order:
        with self.lock:
            shop = self.shop(domain)
            if order_id not in shop.orders:
                raise KeyError(f"order {order_id} not found in {shop.domain}")
            return shop.orders[order_id]

    def list_orders(self, domain: str | None = None) -> list[Order]:
        with self.lock:
            return sorted(self.shop(domain).orders.values(), key=lambda order: order.id)

    def snapshot(self, domain: str | None = None) -> list[dict[str, Any]]:
        """Every order of a shop as its REST JSON (a deep copy, safe to keep in tests)."""
        with self.lock:
            return copy.deepcopy([order_json(order) for order in self.list_orders(domain)])

    # -- order lifecycle -------------------------------------------------------------------

    def create_order(self, domain: str | None, request: NewOrder) -> Order:
        with self.lock:
            shop = self.shop(domain)
            order = build_order(
                request, order_id=self.next_id("Order"), number=shop.next_order_number,
                shop_currency=shop.currency, next_id=self.next_id, now=self.now(),
            )
            shop.next_order_number += 1
            shop.orders[order.id] = order
            self._emit(shop, "ORDERS_CREATE", order_json(order))
            if order.financial_status == "PAID":
                self._emit(shop, "ORDERS_PAID", order_json(order))
            return order

    def generate_orders(
        self, domain: str | None = None, count: int = 1, *, financial_status: str = "PAID",
        with_shipping_address: bool | None = None, created_at: datetime | None = None,
    ) -> list[Order]:
        """Create `count` realistic random orders (seeded, so the same config gives the same orders)."""
        with self.lock:
            shop = self.shop(domain)
            orders = []
            for _ in range(count):
                draft = self._generator.draft(customer_id=self.next_id("Customer"),
                                              with_shipping_address=with_shipping_address)
                lines = []
                for line in draft.lines:
                    variant = VARIANTS_BY_ID[line.variant_id]
                    lines.append(NewLine(
                        title=variant.product_title, quantity=line.quantity, price=variant.price,
                        sku=variant.sku, variant_id=variant.id, product_id=variant.product_id,
                        variant_title=variant.title, vendor=variant.vendor, discount=line.discount,
                    ))
                orders.append(self.create_order(shop.domain, NewOrder(
                    lines=lines, presentment_currency=draft.presentment_currency,
                    rate=exchange_rate(shop.currency, draft.presentment_currency), email=draft.email,
                    customer=draft.customer, shipping_address=draft.shipping_address,
                    shipping_title=draft.shipping_title, shipping_price=draft.shipping_price,
                    order_discount=draft.order_discount, tax_rate=draft.tax_rate, note=draft.note,
                    tags=draft.tags, financial_status=financial_status, created_at=created_at,
                )))
            return orders

    def mark_paid(self, domain: str | None, order_id: int) -> Order:
        with self.lock:
            shop, order = self.shop(domain), self.order(domain, order_id)
            if order.financial_status not in ("PENDING", "AUTHORIZED", "PARTIALLY_PAID"):
                raise ValueError(f"order {order.name} is {order.financial_status}, not payable")
            authorization = next((t for t in order.transactions if t.kind == "AUTHORIZATION"), None)
            outstanding = order.to_presentment(order.total_price) - order.received
            for tx in order.transactions:
                if tx.status == "PENDING":
                    tx.status = "FAILURE"
            order.transactions.append(Transaction(
                id=self.next_id("OrderTransaction"), kind="CAPTURE" if authorization else "SALE",
                status="SUCCESS", amount=outstanding, gateway=authorization.gateway if authorization else "manual",
                created_at=self.now(), parent_id=authorization.id if authorization else None,
            ))
            order.financial_status = "PAID"
            order.updated_at = self.now()
            self._emit(shop, "ORDERS_PAID", order_json(order))
            self._emit(shop, "ORDERS_UPDATED", order_json(order))
            return order

    def cancel_order(self, domain: str | None, order_id: int, *, reason: str = "CUSTOMER",
                     refund_payment: bool = False, restock: bool = False, notify_customer: bool = False,
                     staff_note: str | None = None) -> Order:
        """Cancel an order (the operator's button and orderCancel): refund what is left and restock the
        units not shipped when asked; `orders/cancelled` follows (and `refunds/create` for the refund)."""
        with self.lock:
            shop, order = self.shop(domain), self.order(domain, order_id)
            if order.cancelled_at is not None:
                raise ValueError(f"order {order.name} is already cancelled")
            now = self.now()
            if refund_payment and order.refundable > 0:
                # Restocked units go back with the refund as CANCEL lines, as Shopify's cancel refund shows them.
                lines = [(line.id, unshipped, "CANCEL") for line in order.line_items
                         if (unshipped := line.current_quantity - order.fulfilled_quantity(line.id)) > 0] \
                    if restock else []
                self.create_refund(shop.domain, order.id, RefundSpec(
                    lines=lines,
                    transactions=[RefundTransactionSpec(order.refundable, "shopify_payments", "REFUND", None)],
                    note="Order cancelled", currency=order.presentment_currency,
                ))
            order.cancelled_at = order.closed_at = now
            order.cancel_reason = reason
            order.cancel_staff_note = staff_note
            order.cancel_restocked = restock
            order.cancel_customer_notified = notify_customer
            if order.financial_status in ("PENDING", "AUTHORIZED"):
                order.financial_status = "VOIDED"
            for fo in order.fulfillment_orders:
                if fo.status in ("OPEN", "IN_PROGRESS"):
                    fo.status, fo.updated_at = "CLOSED", now
            order.updated_at = now
            self._emit(shop, "ORDERS_CANCELLED", order_json(order))
            self._emit(shop, "ORDERS_UPDATED", order_json(order))
            return order

    def fulfil_fulfillment_orders(self, domain: str | None, requests: list[FulfillmentOrderRequest],
                                  tracking: list[TrackingInfo]) -> tuple[Order, Fulfillment]:
        """fulfillmentCreate: every fulfillment order must belong to one order of this shop."""
        with self.lock:
            shop = self.shop(domain)
            owners = {self._order_of_fulfillment_order(shop, r.fulfillment_order_id) for r in requests}
            owners.discard(None)
            if len(owners) > 1:
                raise UserErrorsRaised([UserError(["fulfillment", "lineItemsByFulfillmentOrder"],
                                                  "All fulfillment orders must belong to the same order.")])
            if not owners:
                raise UserErrorsRaised([UserError(
                    ["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderId"],
                    "Fulfillment order does not exist.")])
            order = shop.orders[owners.pop() or 0]
            fulfillment = fulfil(order, requests, tracking, self.next_id, self.now())
            status = order.display_fulfillment_status
            self._emit(shop, "FULFILLMENTS_CREATE", fulfillment_json(order, fulfillment))
            self._emit(shop, "ORDERS_FULFILLED" if status == "FULFILLED" else "ORDERS_PARTIALLY_FULFILLED",
                       order_json(order))
            self._emit(shop, "ORDERS_UPDATED", order_json(order))
            return order, fulfillment

    def fulfil_order(self, domain: str | None, order_id: int, quantities: dict[int, int] | None = None,
                     tracking: TrackingInfo | None = None) -> Fulfillment:
        """Operator shortcut (e.g. "fulfilled on Shopify by mistake"): quantities by line item id, or all."""
        with self.lock:
            order = self.order(domain, order_id)
            requests = []
            for fo in order.fulfillment_orders:
                lines = [(line.id, min(line.remaining_quantity, quantities.get(line.line_item_id, 0)))
                         for line in fo.lines] if quantities is not None else None
                if lines is not None:
                    lines = [(line_id, q) for line_id, q in lines if q > 0]
                if fo.status in ("OPEN", "IN_PROGRESS") and (lines is None or lines):
                    requests.append(FulfillmentOrderRequest(fo.id, lines))
            return self.fulfil_fulfillment_orders(domain, requests, [tracking] if tracking else [])[1]

    def update_tracking(self, domain: str | None, fulfillment_id: int,
                        tracking: list[TrackingInfo]) -> tuple[Order, Fulfillment]:
        with self.lock:
            shop = self.shop(domain)
            for order in shop.orders.values():
                for fulfillment in order.fulfillments:
                    if fulfillment.id == fulfillment_id:
                        now = self.now()
                        fulfillment.tracking = tracking
                        fulfillment.updated_at = order.updated_at = now
                        self._emit(shop, "FULFILLMENTS_UPDATE", fulfillment_json(order, fulfillment))
                        self._emit(shop, "ORDERS_UPDATED", order_json(order))
                        return order, fulfillment
            raise UserErrorsRaised([UserError(["fulfillmentId"], "Fulfillment does not exist.")])

    def create_refund(self, domain: str | None, order_id: int, spec: RefundSpec) -> tuple[Order, Refund]:
        with self.lock:
            shop = self.shop(domain)
            order = shop.orders.get(order_id)
            if order is None:
                raise UserErrorsRaised([UserError(["orderId"], "Order does not exist.")])
            record = refund(order, spec, self.next_id, self.now())
            self._emit(shop, "REFUNDS_CREATE", refund_json(order, record))
            self._emit(shop, "ORDERS_UPDATED", order_json(order))
            return order, record

    def refund_order(self, domain: str | None, order_id: int, *, amount: Decimal | None = None,
                     line_items: dict[int, int] | None = None, note: str | None = None) -> Refund:
        """Operator shortcut: refund `amount` (default: everything left) and optionally some line items."""
        with self.lock:
            order = self.order(domain, order_id)
            money = order.refundable if amount is None else amount
            spec = RefundSpec(
                lines=[(line_id, quantity, "NO_RESTOCK") for line_id, quantity in (line_items or {}).items()],
                transactions=[RefundTransactionSpec(money, "shopify_payments", "REFUND", None)] if money > 0 else [],
                note=note, currency=order.presentment_currency,
            )
            return self.create_refund(domain, order_id, spec)[1]

    def _order_of_fulfillment_order(self, shop: Shop, fulfillment_order_id: int) -> int | None:
        for order in shop.orders.values():
            if any(fo.id == fulfillment_order_id for fo in order.fulfillment_orders):
                return order.id
        return None

    # -- webhooks --------------------------------------------------------------------------

    def subscribe(self, domain: str | None, topic: str, callback_url: str, *, format: str = "JSON",
                  api_version: str | None = None, include_fields: list[str] | None = None) -> WebhookSubscription:
        with self.lock:
            shop = self.shop(domain)
            now = self.now()
            subscription = WebhookSubscription(
                id=self.next_id("WebhookSubscription"), topic=topic, callback_url=callback_url, format=format,
                api_version=api_version or shop.api_versions[-1], created_at=now, updated_at=now,
                include_fields=list(include_fields or []),
            )
            shop.subscriptions.append(subscription)
            return subscription

    def unsubscribe(self, domain: str | None, subscription_id: int) -> bool:
        with self.lock:
            shop = self.shop(domain)
            before = len(shop.subscriptions)
            shop.subscriptions = [s for s in shop.subscriptions if s.id != subscription_id]
            return len(shop.subscriptions) < before

    def _event_time(self) -> str:
        """X-Shopify-Triggered-At as Shopify writes it, with a fraction of a second: events of one second
        (which share the order's whole-second updated_at) keep their order, even on a clock that stands still."""
        moment = self.now()
        if self._last_event_at is not None and moment <= self._last_event_at:
            moment = self._last_event_at + timedelta(microseconds=1)
        self._last_event_at = moment
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _emit(self, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
        event_id = str(uuid.uuid4())
        triggered_at = self._event_time()
        for subscription in shop.subscriptions:
            if subscription.topic != topic:
                continue
            body_data = payload
            if subscription.include_fields:
                body_data = {k: v for k, v in payload.items() if k in subscription.include_fields}
            body = json.dumps(body_data, ensure_ascii=False).encode()
            self.webhooks.enqueue(build_delivery(
                url=subscription.callback_url, topic=topic_path(topic), shop_domain=shop.domain,
                secret=shop.client_secret, api_version=subscription.api_version, body=body,
                event_id=event_id, triggered_at=triggered_at,
            ))

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every webhook delivery so far is done (held reordered ones are released first)."""
        return self.webhooks.wait_idle(timeout)

    def flush(self) -> None:
        self.webhooks.flush()

    def close(self) -> None:
        self.webhooks.close()


__all__ = ["NewLine", "NewOrder", "NewTransaction", "SandboxStore", "topic_path"]
