"""Resolvers of the QueryRoot fields: shop, order, orders, fulfillmentOrder, webhook subscriptions, app scopes."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ordercenter.sandbox.shopify.connections import SortKey, connection, paginate
from ordercenter.sandbox.shopify.context import request_context
from ordercenter.sandbox.shopify.records import Order, Shop, gid, parse_gid
from ordercenter.sandbox.shopify.search import ParsedQuery, parse_order_query
from ordercenter.sandbox.shopify.views import (
    fulfillment_order_view,
    order_view,
    shop_view,
    webhook_subscription_view,
)

if TYPE_CHECKING:
    from ordercenter.sandbox.shopify.state import SandboxStore

# Shopify shows an app the orders of the last 60 days unless it was granted read_all_orders.
ALL_ORDERS_SCOPE = "read_all_orders"
VISIBLE_HISTORY = timedelta(days=60)


def _stamp(order: Order, attribute: str) -> str:
    return str(getattr(order, attribute).isoformat())


_SORT_KEYS: dict[str, Any] = {
    "CREATED_AT": lambda order: (_stamp(order, "created_at"), order.id),
    "UPDATED_AT": lambda order: (_stamp(order, "updated_at"), order.id),
    "PROCESSED_AT": lambda order: ((order.processed_at or order.created_at).isoformat(), order.id),
    "ID": lambda order: (order.id,),
    "ORDER_NUMBER": lambda order: (order.number, order.id),
    "TOTAL_PRICE": lambda order: (int(order.total_price * 100), order.id),
    "FINANCIAL_STATUS": lambda order: (order.financial_status, order.id),
    "FULFILLMENT_STATUS": lambda order: (order.display_fulfillment_status, order.id),
    "CUSTOMER_NAME": lambda order: (
        f"{order.customer.first_name} {order.customer.last_name}" if order.customer else "", order.id),
}


def resolve_shop(info: GraphQLResolveInfo[Any], **_: Any) -> dict[str, Any]:
    return shop_view(request_context(info).shop)


def resolve_order(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any] | None:
    order_id = parse_gid(str(args["id"]), "Order")
    order = request_context(info).shop.orders.get(order_id) if order_id is not None else None
    return order_view(order) if order is not None else None


def visible_orders(store: SandboxStore, shop: Shop, parsed: ParsedQuery) -> list[Order]:
    """The shop's orders a search finds; without read_all_orders, only those of the last 60 days,
    the others left out silently as Shopify does."""
    oldest = None if ALL_ORDERS_SCOPE in shop.scopes.split(",") else store.now() - VISIBLE_HISTORY
    return [order for order in shop.orders.values()
            if (oldest is None or order.created_at >= oldest) and parsed.matches(order)]


def order_sort_key(sort_key: Any) -> Callable[[Order], SortKey]:
    key = _SORT_KEYS.get(str(sort_key or "PROCESSED_AT"), _SORT_KEYS["ID"])
    return lambda order: tuple(key(order))


def resolve_orders(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    context = request_context(info)
    query = args.get("query")
    parsed = parse_order_query(query)
    if query:
        context.search.append({"path": [info.path.key], "query": query, "parsed": {"query": query},
                               **({"warnings": parsed.warnings} if parsed.warnings else {})})
    orders = visible_orders(context.store, context.shop, parsed)
    page = paginate(orders, key=order_sort_key(args.get("sortKey")), first=args.get("first"), after=args.get("after"),
                    last=args.get("last"), before=args.get("before"), reverse=bool(args.get("reverse")))
    return connection(page, order_view)


def resolve_current_app_installation(info: GraphQLResolveInfo[Any], **_: Any) -> dict[str, Any]:
    shop = request_context(info).shop
    handles = [scope.strip() for scope in shop.scopes.split(",") if scope.strip()]
    return {"id": gid("AppInstallation", 70_000_000_000 + zlib.crc32(shop.domain.encode())),
            "accessScopes": [{"handle": handle, "description": handle} for handle in handles]}


def resolve_fulfillment_order(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any] | None:
    fo_id = parse_gid(str(args["id"]), "FulfillmentOrder")
    for order in request_context(info).shop.orders.values():
        for fo in order.fulfillment_orders:
            if fo.id == fo_id:
                return fulfillment_order_view(order, fo)
    return None


def resolve_webhook_subscription(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any] | None:
    sub_id = parse_gid(str(args["id"]), "WebhookSubscription")
    subscription = next((s for s in request_context(info).shop.subscriptions if s.id == sub_id), None)
    return webhook_subscription_view(subscription) if subscription is not None else None


def resolve_webhook_subscriptions(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    subscriptions = list(request_context(info).shop.subscriptions)
    if args.get("topics"):
        subscriptions = [s for s in subscriptions if s.topic in args["topics"]]
    if args.get("callbackUrl"):
        subscriptions = [s for s in subscriptions if s.callback_url == args["callbackUrl"]]
    if args.get("format"):
        subscriptions = [s for s in subscriptions if s.format == args["format"]]
    page = paginate(subscriptions, key=lambda s: (s.id,), first=args.get("first"), after=args.get("after"),
                    last=args.get("last"), before=args.get("before"), reverse=bool(args.get("reverse")))
    return connection(page, webhook_subscription_view)


QUERY_RESOLVERS = {
    "shop": resolve_shop,
    "order": resolve_order,
    "orders": resolve_orders,
    "fulfillmentOrder": resolve_fulfillment_order,
    "webhookSubscription": resolve_webhook_subscription,
    "webhookSubscriptions": resolve_webhook_subscriptions,
    "currentAppInstallation": resolve_current_app_installation,
}
