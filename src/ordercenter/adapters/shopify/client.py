"""The Shopify store, as the `StorePlatform` port: Admin GraphQL only, at the pinned API version."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from ordercenter.adapters.ports import FulfillmentLine, OrderPage, StoreError, StoreShopInfo, TrackingInfo
from ordercenter.adapters.shopify import queries
from ordercenter.adapters.shopify.bulk import BulkOperations
from ordercenter.adapters.shopify.fulfillment_orders import plan_fulfillment
from ordercenter.adapters.shopify.gids import to_gid
from ordercenter.adapters.shopify.graphql import API_VERSION, AdminGraphQL
from ordercenter.adapters.shopify.normalize import PayloadError, normalize_graphql_order
from ordercenter.adapters.shopify.pacing import CostLimiter
from ordercenter.adapters.shopify.refunds import RefundPlan, plan_amount_refund, plan_refund
from ordercenter.domain.addresses import ShippingAddress
from ordercenter.domain.duplicates import copy_charges
from ordercenter.domain.money import Money
from ordercenter.domain.snapshots import LineSnapshot, OrderSnapshot

__all__ = ["API_VERSION", "ShopifyClient", "webhook_topic_enum"]

log = logging.getLogger(__name__)

# Shopify's OrderCancelReason values.
CANCEL_REASONS = frozenset({"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"})

# Shopify's words when a subscription for this topic and address exists already: registering is idempotent.
_ALREADY_SUBSCRIBED = "address for this topic has already been taken"


def webhook_topic_enum(topic: str) -> str:
    """The GraphQL `WebhookSubscriptionTopic` of a REST topic name: `orders/paid` → `ORDERS_PAID`."""
    parts = topic.strip().split("/")
    if len(parts) != 2 or not all(p.replace("_", "").isalnum() for p in parts):
        raise StoreError(f"'{topic}' is not a webhook topic such as orders/paid", field="topics")
    return "_".join(parts).upper()


class ShopifyClient:
    """One connected Shopify store. Thread-safe enough to share: pacing is per shop, not per client."""

    def __init__(self, shop_domain: str, access_token: str, api_url: str | None = None,
                 transport: httpx.BaseTransport | None = None, limiter: CostLimiter | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 jitter: Callable[[], float] = random.random, api_version: str = API_VERSION) -> None:
        self.shop_domain = shop_domain
        self._api = AdminGraphQL(shop_domain, access_token, api_url=api_url, transport=transport,
                                 limiter=limiter, sleep=sleep, clock=clock, jitter=jitter, api_version=api_version)
        # The store's bulk queries (a full backfill): the `StoreBulkExport` port.
        self.bulk = BulkOperations(self._api, transport=transport)

    @property
    def endpoint(self) -> str:
        return self._api.endpoint

    @property
    def api_version(self) -> str:
        return self._api.api_version

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ reads

    def fetch_shop(self) -> StoreShopInfo:
        shop = self._api.query(queries.SHOP).get("shop") or {}
        return StoreShopInfo(name=str(shop.get("name") or ""), currency=str(shop.get("currencyCode") or ""))

    def iter_order_pages(self, *, updated_since: datetime | None) -> Iterator[OrderPage]:
        """Orders of every status by `updated_at`, a page at a time; from `updated_since` when given."""
        variables: dict[str, Any] = {"first": queries.PAGE_SIZE, "cursor": None,
                                     "query": queries.orders_search(updated_since)}
        while True:
            orders = self._api.query(queries.ORDERS_SYNC, variables).get("orders") or {}
            page_info = orders.get("pageInfo") or {}
            nodes = orders.get("nodes") or []
            snapshots = [normalize_graphql_order(self._with_all_lines(node)) for node in nodes]
            has_next = bool(page_info.get("hasNextPage"))
            end_cursor = page_info.get("endCursor")
            yield OrderPage(orders=snapshots, end_cursor=end_cursor, has_next_page=has_next)
            if not has_next or not end_cursor:
                return
            variables = {**variables, "cursor": end_cursor}

    def _with_all_lines(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """The order node with every line: pages beyond the first are fetched only for long orders."""
        connection = node.get("lineItems") or {}
        page_info = connection.get("pageInfo") or {}
        if not page_info.get("hasNextPage"):
            return node
        lines = list(connection.get("nodes") or [])
        cursor = page_info.get("endCursor")
        while cursor:
            order = self._api.query(queries.ORDER_MORE_LINES, {"id": node.get("id"), "cursor": cursor}).get("order")
            more = (order or {}).get("lineItems") or {}
            lines += more.get("nodes") or []
            more_info = more.get("pageInfo") or {}
            cursor = more_info.get("endCursor") if more_info.get("hasNextPage") else None
        return {**node, "lineItems": {"nodes": lines}}

    def _order_for_action(self, order_gid: str) -> Mapping[str, Any]:
        gid = to_gid("Order", order_gid)
        order = self._api.query(queries.ORDER_FOR_ACTION, {"id": gid}).get("order")
        if not isinstance(order, Mapping):
            raise StoreError(f"Shopify has no order {gid}", field="order_gid")
        return order

    # ------------------------------------------------------------ fulfilment

    def create_fulfillment(self, order_gid: str, lines: list[FulfillmentLine], tracking: TrackingInfo,
                           *, notify_customer: bool) -> str:
        order = self._order_for_action(order_gid)
        fulfillment = {
            "lineItemsByFulfillmentOrder": plan_fulfillment(order, lines),
            "notifyCustomer": notify_customer,
            "trackingInfo": _tracking_input(tracking),
        }
        result = self._api.mutate(queries.FULFILLMENT_CREATE, {"fulfillment": fulfillment}, "fulfillmentCreate")
        fulfillment_id = (result.get("fulfillment") or {}).get("id")
        if not fulfillment_id:
            raise StoreError("Shopify created no fulfillment")
        return str(fulfillment_id)

    def update_tracking(self, fulfillment_id: str, tracking: TrackingInfo, *, notify_customer: bool) -> None:
        self._api.mutate(queries.FULFILLMENT_TRACKING_UPDATE, {
            "fulfillmentId": to_gid("Fulfillment", fulfillment_id),
            "trackingInfoInput": _tracking_input(tracking),
            "notifyCustomer": notify_customer,
        }, "fulfillmentTrackingInfoUpdate")

    # ------------------------------------------------------------ money back

    def refund(self, order_gid: str, lines: list[FulfillmentLine], shipping: Money | None, note: str,
               *, notify_customer: bool) -> str:
        order = self._order_for_action(order_gid)
        plan = plan_refund(order, lines, shipping)
        refund_input = _refund_input(order, plan, note, notify_customer)
        if shipping is not None and shipping.amount > 0:
            refund_input["shipping"] = {"amount": str(shipping.amount)}
        return self._create_refund(refund_input)

    def refund_amount(self, order_gid: str, amount: Money, note: str, *, notify_customer: bool,
                      key: str | None = None) -> str:
        """Refund money alone, checked against what is still refundable; with `key`, never twice.

        The key goes into the refund's note in brackets; a refund of this order already carrying it is
        the one asked for before (a retry after a lost answer) and is returned instead of a second one.
        """
        gid = to_gid("Order", order_gid)
        order = self._api.query(queries.ORDER_FOR_REFUND, {"id": gid}).get("order")
        if not isinstance(order, Mapping):
            raise StoreError(f"Shopify has no order {gid}", field="order_gid")
        marker = f"[{key}]" if key else None
        if marker is not None:
            for earlier in order.get("refunds") or []:
                if isinstance(earlier, Mapping) and marker in str(earlier.get("note") or ""):
                    return str(earlier["id"])
        plan = plan_amount_refund(order, amount)
        return self._create_refund(_refund_input(order, plan, f"{note} {marker}".strip() if marker else note,
                                                 notify_customer))

    def _create_refund(self, refund_input: dict[str, Any]) -> str:
        result = self._api.mutate(queries.REFUND_CREATE, {"input": refund_input}, "refundCreate")
        refund_id = (result.get("refund") or {}).get("id")
        if not refund_id:
            raise StoreError("Shopify created no refund")
        return str(refund_id)

    def cancel_order(self, order_gid: str, *, reason: str, refund: bool, restock: bool, notify_customer: bool,
                     staff_note: str) -> None:
        """Cancel the order (`orderCancel`); Shopify finishes it in a background job and sends
        `orders/cancelled` (and `refunds/create` when it refunded), which is how the outcome comes back."""
        code = reason.strip().upper()
        if code not in CANCEL_REASONS:
            raise StoreError(f"'{reason}' is not a Shopify cancel reason (one of "
                             f"{', '.join(sorted(CANCEL_REASONS)).lower()})", field="reason")
        # Since 2025-07 the refund is a method (original payment or store credit), not a yes/no.
        result = self._api.mutate(queries.ORDER_CANCEL, {
            "orderId": to_gid("Order", order_gid), "reason": code,
            "refundMethod": {"originalPaymentMethodsRefund": refund}, "restock": restock,
            "notifyCustomer": notify_customer, "staffNote": staff_note or None,
        }, "orderCancel")
        if not isinstance(result.get("job"), Mapping):
            raise StoreError("Shopify started no cancellation job")

    # ------------------------------------------------------------ duplicate (reship an order fulfilled by mistake)

    def duplicate_order(self, original: OrderSnapshot, *, tag: str, note: str) -> OrderSnapshot:
        """A copy that syncs back in as paid and unfulfilled, without e-mails, costing what the original cost.

        Same variants (or title and sku when the variant is gone), quantities and unit prices, with the
        original's shipping, tax and discounts (domain/duplicates.py `copy_charges`): its total and the
        margin its placement shows are the original's. `financialStatus: PAID` makes it an order to place
        when the sync brings it in.
        """
        currency = original.currency
        order_input: dict[str, Any] = {
            "currency": currency,
            "lineItems": [_duplicate_line(line, currency) for line in original.lines],
            "financialStatus": "PAID",
            "tags": sorted({*original.tags, tag}, key=str.casefold),
            "note": note if original.name in note else f"{note}\nDuplicate of {original.name}".strip(),
        }
        charges = copy_charges(original)
        if charges.shipping > 0:
            order_input["shippingLines"] = [{"title": "Shipping", "priceSet": _shop_money(charges.shipping, currency)}]
        if charges.tax > 0:
            order_input["taxLines"] = [{"title": "Tax", "rate": str(charges.tax_rate),
                                        "priceSet": _shop_money(charges.tax, currency)}]
            order_input["taxesIncluded"] = charges.taxes_included
        if charges.discount > 0:
            # orderCreate takes one discount code; a fixed amount carries the original's discounts as they were.
            order_input["discountCode"] = {"itemFixedDiscountCode": {
                "code": f"AS-ON-{original.name.lstrip('#')}", "amountSet": _shop_money(charges.discount, currency)}}
        if original.email:
            order_input["email"] = original.email
            # The same customer record, found or created by e-mail, so the copy shows on their profile.
            first, _, last = original.customer_name.strip().partition(" ")
            customer = {"email": original.email, **({"firstName": first} if first else {}),
                        **({"lastName": last.strip()} if last.strip() else {})}
            order_input["customer"] = {"toUpsert": customer}
        if original.shipping_address is not None:
            order_input["shippingAddress"] = _mailing_address(original.shipping_address)
        options = {"sendReceipt": False, "sendFulfillmentReceipt": False}
        result = self._api.mutate(queries.ORDER_CREATE, {"order": order_input, "options": options}, "orderCreate")
        created = result.get("order")
        if not isinstance(created, Mapping):
            raise StoreError("Shopify created no order")
        try:
            return normalize_graphql_order(created)
        except PayloadError as exc:
            raise StoreError(f"Shopify created the copy but returned it unreadable: {exc.message}") from exc

    # ------------------------------------------------------------ webhooks

    def register_webhooks(self, callback_url: str, topics: list[str]) -> None:
        """Subscribe `callback_url` to each topic; a subscription that exists already is fine."""
        for topic in topics:
            # `uri` (2025-10) replaces the deprecated `callbackUrl`.
            variables = {"topic": webhook_topic_enum(topic),
                         "webhookSubscription": {"uri": callback_url, "format": "JSON"}}
            try:
                self._api.mutate(queries.WEBHOOK_SUBSCRIPTION_CREATE, variables, "webhookSubscriptionCreate")
            except StoreError as exc:
                if _ALREADY_SUBSCRIBED not in exc.message.lower():
                    raise
                log.info("webhook %s for %s already registered", topic, self.shop_domain)


def _refund_input(order: Mapping[str, Any], plan: RefundPlan, note: str, notify_customer: bool) -> dict[str, Any]:
    return {
        "orderId": str(order["id"]),
        "note": note,
        "notify": notify_customer,
        "refundLineItems": plan.line_items,
        "transactions": [
            {"orderId": str(order["id"]), "parentId": t.parent_id, "gateway": t.gateway,
             "kind": "REFUND", "amount": str(t.amount)}
            for t in plan.transactions
        ],
    }


def _tracking_input(tracking: TrackingInfo) -> dict[str, str]:
    result = {"number": tracking.number, "company": tracking.company}
    if tracking.url:
        result["url"] = tracking.url
    return result


def _shop_money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": str(amount), "currencyCode": currency}}


def _duplicate_line(line: LineSnapshot, currency: str) -> dict[str, Any]:
    item: dict[str, Any] = {"quantity": line.quantity, "priceSet": _shop_money(line.unit_price, currency)}
    if line.variant_id:
        item["variantId"] = to_gid("ProductVariant", line.variant_id)
    else:
        item["title"] = line.title
        if line.sku:
            item["sku"] = line.sku
        if line.variant_title:
            item["variantTitle"] = line.variant_title
    return item


def _mailing_address(address: ShippingAddress) -> dict[str, str]:
    first, last = address.first_name, address.last_name
    if not first and not last and address.name:
        first, _, last = address.name.partition(" ")
    fields = {
        "firstName": first, "lastName": last, "address1": address.address1, "address2": address.address2,
        "city": address.city, "provinceCode": address.province_code, "zip": address.zip,
        "countryCode": address.country_code, "phone": address.phone, "company": address.company,
    }
    return {key: value for key, value in fields.items() if value}
