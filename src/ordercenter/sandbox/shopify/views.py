"""GraphQL views: plain dicts keyed by Shopify's field names, built from the sandbox's records.

graphql-core's default resolver reads dict keys; connection fields are callables taking the
field's arguments, so pagination happens only for the fields a query asks for.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from graphql import GraphQLResolveInfo

from ordercenter.sandbox.shopify.catalog import VARIANTS_BY_ID
from ordercenter.sandbox.shopify.connections import SortKey, connection, paginate
from ordercenter.sandbox.shopify.payloads import iso
from ordercenter.sandbox.shopify.records import (
    Address,
    Fulfillment,
    FulfillmentOrder,
    FulfillmentOrderLine,
    LineItem,
    Order,
    Refund,
    Shop,
    Transaction,
    WebhookSubscription,
    gid,
)

T = TypeVar("T")
Resolver = Callable[..., Any]


def gql_decimal(amount: Decimal) -> str:
    """Shopify's Decimal scalar: shortest form with at least one decimal ("10.0", "19.99", "1500.0")."""
    text = format(amount.normalize(), "f")
    return text if "." in text else f"{text}.0"


def money_bag(order: Order, shop_amount: Decimal, *, presentment_amount: Decimal | None = None) -> dict[str, Any]:
    presentment = order.to_presentment(shop_amount) if presentment_amount is None else presentment_amount
    return {
        "shopMoney": {"amount": gql_decimal(shop_amount), "currencyCode": order.currency},
        "presentmentMoney": {"amount": gql_decimal(presentment), "currencyCode": order.presentment_currency},
    }


def connection_field(items: Callable[[], Sequence[T]], view: Callable[[T], dict[str, Any]],
                     key: Callable[[T], SortKey]) -> Resolver:
    def resolve(_info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
        page = paginate(items(), key=key, first=args.get("first"), after=args.get("after"),
                        last=args.get("last"), before=args.get("before"), reverse=bool(args.get("reverse")))
        return connection(page, view)

    return resolve


def list_field(items: Callable[[], Sequence[T]], view: Callable[[T], dict[str, Any]]) -> Resolver:
    def resolve(_info: GraphQLResolveInfo[Any], **args: Any) -> list[dict[str, Any]]:
        selected = list(items())
        first = args.get("first")
        return [view(item) for item in (selected[:first] if first is not None else selected)]

    return resolve


def _by_id(item: Any) -> SortKey:
    return (item.id,)


def shop_view(shop: Shop) -> dict[str, Any]:
    return {"id": gid("Shop", 60_000_000_000 + zlib.crc32(shop.domain.encode())), "name": shop.name,
            "email": f"owner@{shop.domain}", "myshopifyDomain": shop.domain, "currencyCode": shop.currency,
            "ianaTimezone": "Etc/UTC"}


def address_view(address: Address | None, owner_id: int) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        "id": f"gid://shopify/MailingAddress/{owner_id}?model_name=Address", "name": address.name,
        "firstName": address.first_name, "lastName": address.last_name, "address1": address.address1,
        "address2": address.address2, "city": address.city, "province": address.province,
        "provinceCode": address.province_code, "zip": address.zip, "country": address.country,
        "countryCodeV2": address.country_code, "phone": address.phone, "company": address.company,
    }


def line_item_view(order: Order, line: LineItem) -> dict[str, Any]:
    variant = VARIANTS_BY_ID.get(line.variant_id) if line.variant_id else None
    product = None
    if line.product_id is not None:
        product = {"id": gid("Product", line.product_id), "legacyResourceId": str(line.product_id),
                   "title": line.title, "vendor": line.vendor or ""}
    unit_discount = line.discount / line.quantity if line.quantity else Decimal("0")
    return {
        "id": gid("LineItem", line.id), "sku": line.sku or None, "name": line.name, "title": line.title,
        "variantTitle": line.variant_title, "vendor": line.vendor, "quantity": line.quantity,
        "currentQuantity": line.current_quantity,
        "unfulfilledQuantity": max(0, line.current_quantity - order.fulfilled_quantity(line.id)),
        "refundableQuantity": line.current_quantity, "requiresShipping": True,
        "variant": None if line.variant_id is None else {
            "id": gid("ProductVariant", line.variant_id), "legacyResourceId": str(line.variant_id),
            "sku": variant.sku if variant else line.sku, "title": line.variant_title or "Default Title",
            "displayName": line.name, "price": gql_decimal(line.price), "product": product,
        },
        "product": product,
        "originalUnitPriceSet": money_bag(order, line.price),
        "discountedUnitPriceSet": money_bag(order, line.price - unit_discount.quantize(Decimal("0.01"))),
        "originalTotalSet": money_bag(order, line.price * line.quantity),
        "totalDiscountSet": money_bag(order, line.discount),
    }


def _fulfillment_order_line_view(order: Order, line: FulfillmentOrderLine) -> dict[str, Any]:
    item = order.line_item(line.line_item_id)
    assert item is not None
    return {"id": gid("FulfillmentOrderLineItem", line.id), "sku": item.sku or None, "productTitle": item.title,
            "variantTitle": item.variant_title, "remainingQuantity": line.remaining_quantity,
            "totalQuantity": line.total_quantity, "lineItem": line_item_view(order, item)}


def fulfillment_order_view(order: Order, fo: FulfillmentOrder) -> dict[str, Any]:
    return {
        "id": gid("FulfillmentOrder", fo.id), "status": fo.status, "requestStatus": "UNSUBMITTED",
        "createdAt": iso(fo.created_at), "updatedAt": iso(fo.updated_at), "orderId": gid("Order", order.id),
        "orderName": order.name, "order": lambda _info, **_: order_view(order),
        "lineItems": connection_field(lambda: fo.lines, lambda line: _fulfillment_order_line_view(order, line),
                                      _by_id),
    }


def fulfillment_view(order: Order, fulfillment: Fulfillment) -> dict[str, Any]:
    lines = [(index, line_id, quantity) for index, (line_id, quantity) in enumerate(fulfillment.lines)]

    def line_view(entry: tuple[int, int, int]) -> dict[str, Any]:
        index, line_id, quantity = entry
        item = order.line_item(line_id)
        assert item is not None
        return {"id": gid("FulfillmentLineItem", fulfillment.id * 100 + index), "quantity": quantity,
                "lineItem": line_item_view(order, item)}

    return {
        "id": gid("Fulfillment", fulfillment.id), "legacyResourceId": str(fulfillment.id), "name": fulfillment.name,
        "status": fulfillment.status, "createdAt": iso(fulfillment.created_at),
        "updatedAt": iso(fulfillment.updated_at), "totalQuantity": sum(q for _, q in fulfillment.lines),
        "order": lambda _info, **_: order_view(order),
        "trackingInfo": list_field(lambda: fulfillment.tracking,
                                   lambda t: {"company": t.company, "number": t.number, "url": t.url}),
        "fulfillmentLineItems": connection_field(lambda: lines, line_view, lambda entry: (entry[0],)),
    }


def transaction_view(order: Order, tx: Transaction) -> dict[str, Any]:
    parent = next((t for t in order.transactions if t.id == tx.parent_id), None)
    return {
        "id": gid("OrderTransaction", tx.id), "kind": tx.kind, "status": tx.status, "gateway": tx.gateway,
        "amountSet": money_bag(order, order.to_shop(tx.amount), presentment_amount=tx.amount),
        "createdAt": iso(tx.created_at), "processedAt": iso(tx.created_at), "test": order.test,
        "parentTransaction": None if parent is None else transaction_view(order, parent),
    }


def refund_view(order: Order, refund: Refund) -> dict[str, Any]:
    def line_view(entry: tuple[int, int, str]) -> dict[str, Any]:
        line_id, quantity, restock = entry
        item = order.line_item(line_id)
        assert item is not None
        return {"id": None, "quantity": quantity, "restockType": restock, "restocked": restock != "NO_RESTOCK",
                "lineItem": line_item_view(order, item), "priceSet": money_bag(order, item.price),
                "subtotalSet": money_bag(order, item.price * quantity)}

    transactions = [t for t in order.transactions if t.id in refund.transaction_ids]
    return {
        "id": gid("Refund", refund.id), "legacyResourceId": str(refund.id), "createdAt": iso(refund.created_at),
        "note": refund.note,
        "totalRefundedSet": money_bag(order, order.to_shop(refund.amount), presentment_amount=refund.amount),
        "order": lambda _info, **_: order_view(order),
        "refundLineItems": connection_field(lambda: refund.lines, line_view, lambda entry: (entry[0],)),
        "transactions": connection_field(lambda: transactions, lambda t: transaction_view(order, t), _by_id),
    }


def order_view(order: Order) -> dict[str, Any]:
    customer = order.customer
    net = order.received - order.refunded
    return {
        "id": gid("Order", order.id), "legacyResourceId": str(order.id), "name": order.name,
        "createdAt": iso(order.created_at), "updatedAt": iso(order.updated_at),
        "processedAt": iso(order.processed_at or order.created_at), "cancelledAt": iso(order.cancelled_at),
        "cancelReason": order.cancel_reason, "closed": order.closed_at is not None,
        "closedAt": iso(order.closed_at), "confirmed": True, "test": order.test, "email": order.email,
        "note": order.note, "tags": list(order.tags), "displayFinancialStatus": order.financial_status,
        "displayFulfillmentStatus": order.display_fulfillment_status,
        "fullyPaid": order.financial_status in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED"),
        "unpaid": order.received == 0, "refundable": order.refundable > 0,
        "currencyCode": order.currency, "presentmentCurrencyCode": order.presentment_currency,
        "subtotalPriceSet": money_bag(order, order.subtotal_price),
        "totalPriceSet": money_bag(order, order.total_price),
        "currentTotalPriceSet": money_bag(order, order.total_price - order.to_shop(order.refunded)),
        "totalShippingPriceSet": money_bag(order, order.shipping_price),
        "totalTaxSet": money_bag(order, order.total_tax), "taxesIncluded": order.taxes_included,
        "totalDiscountsSet": money_bag(order, order.total_discounts),
        "totalReceivedSet": money_bag(order, order.to_shop(order.received), presentment_amount=order.received),
        "totalRefundedSet": money_bag(order, order.to_shop(order.refunded), presentment_amount=order.refunded),
        "netPaymentSet": money_bag(order, order.to_shop(net), presentment_amount=net),
        "customer": None if customer is None else {
            "id": gid("Customer", customer.id), "legacyResourceId": str(customer.id),
            "firstName": customer.first_name, "lastName": customer.last_name,
            "displayName": f"{customer.first_name} {customer.last_name}", "email": customer.email,
        },
        "shippingAddress": address_view(order.shipping_address, order.id),
        "billingAddress": address_view(order.shipping_address, order.id + 1),
        "shippingLine": None if order.shipping_title is None else {
            "id": gid("ShippingLine", order.id + 1), "title": order.shipping_title, "code": order.shipping_title,
            "originalPriceSet": money_bag(order, order.shipping_price),
        },
        "lineItems": connection_field(lambda: order.line_items, lambda line: line_item_view(order, line), _by_id),
        "fulfillmentOrders": connection_field(lambda: order.fulfillment_orders,
                                              lambda fo: fulfillment_order_view(order, fo), _by_id),
        "fulfillments": list_field(lambda: order.fulfillments, lambda f: fulfillment_view(order, f)),
        "transactions": list_field(lambda: order.transactions, lambda t: transaction_view(order, t)),
        "refunds": list_field(lambda: order.refunds, lambda r: refund_view(order, r)),
    }


def webhook_subscription_view(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": gid("WebhookSubscription", subscription.id), "legacyResourceId": str(subscription.id),
        "topic": subscription.topic, "format": subscription.format, "uri": subscription.callback_url,
        "callbackUrl": subscription.callback_url,
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": subscription.callback_url},
        "apiVersion": {"handle": subscription.api_version, "displayName": subscription.api_version,
                       "supported": True},
        "includeFields": list(subscription.include_fields), "metafieldNamespaces": [], "filter": None,
        "createdAt": iso(subscription.created_at), "updatedAt": iso(subscription.updated_at),
    }
