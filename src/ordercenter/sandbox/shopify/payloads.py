"""REST-shaped JSON of orders and refunds, as Shopify sends them in webhooks (no wrapper object)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ordercenter.sandbox.shopify.records import (
    Address,
    Fulfillment,
    LineItem,
    Order,
    Refund,
    Transaction,
    gid,
    money_quantum,
)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, whole seconds (Shopify's GraphQL form, also accepted from REST)."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rest_amount(amount: Decimal, currency: str) -> str:
    """REST money: a decimal string with the currency's minor units ("19.99", "1500")."""
    return str(amount.quantize(money_quantum(currency)))


def _price_set(order: Order, shop_amount: Decimal) -> dict[str, Any]:
    return {
        "shop_money": {"amount": rest_amount(shop_amount, order.currency), "currency_code": order.currency},
        "presentment_money": {
            "amount": rest_amount(order.to_presentment(shop_amount), order.presentment_currency),
            "currency_code": order.presentment_currency,
        },
    }


def address_json(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        "first_name": address.first_name, "last_name": address.last_name, "name": address.name,
        "address1": address.address1, "address2": address.address2, "city": address.city,
        "province": address.province, "province_code": address.province_code, "zip": address.zip,
        "country": address.country, "country_code": address.country_code, "phone": address.phone,
        "company": address.company, "latitude": None, "longitude": None,
    }


def _line_item_json(order: Order, line: LineItem) -> dict[str, Any]:
    fulfilled = order.fulfilled_quantity(line.id)
    fulfillable = max(0, line.current_quantity - fulfilled)
    status = None
    if fulfilled:
        status = "fulfilled" if fulfillable == 0 else "partial"
    return {
        "id": line.id,
        "admin_graphql_api_id": gid("LineItem", line.id),
        "variant_id": line.variant_id,
        "product_id": line.product_id,
        "sku": line.sku or "",
        "title": line.title,
        "variant_title": line.variant_title,
        "name": line.name,
        "vendor": line.vendor,
        "quantity": line.quantity,
        "current_quantity": line.current_quantity,
        "fulfillable_quantity": fulfillable,
        "fulfillment_status": status,
        "requires_shipping": True,
        "taxable": True,
        "gift_card": False,
        "price": rest_amount(line.price, order.currency),
        "price_set": _price_set(order, line.price),
        "total_discount": rest_amount(line.discount, order.currency),
        "total_discount_set": _price_set(order, line.discount),
        "properties": [],
    }


def fulfillment_json(order: Order, fulfillment: Fulfillment) -> dict[str, Any]:
    numbers = [t.number for t in fulfillment.tracking if t.number]
    urls = [t.url for t in fulfillment.tracking if t.url]
    return {
        "id": fulfillment.id,
        "admin_graphql_api_id": gid("Fulfillment", fulfillment.id),
        "order_id": order.id,
        "name": fulfillment.name,
        "status": fulfillment.status.lower(),
        "created_at": iso(fulfillment.created_at),
        "updated_at": iso(fulfillment.updated_at),
        "tracking_company": next((t.company for t in fulfillment.tracking if t.company), None),
        "tracking_number": numbers[0] if numbers else None,
        "tracking_numbers": numbers,
        "tracking_url": urls[0] if urls else None,
        "tracking_urls": urls,
        "line_items": [
            {**_line_item_json(order, line), "quantity": quantity}
            for line_id, quantity in fulfillment.lines
            if (line := order.line_item(line_id)) is not None
        ],
    }


def _transaction_json(order: Order, tx: Transaction) -> dict[str, Any]:
    return {
        "id": tx.id,
        "admin_graphql_api_id": gid("OrderTransaction", tx.id),
        "order_id": order.id,
        "kind": tx.kind.lower(),
        "status": tx.status.lower(),
        "gateway": tx.gateway,
        "amount": rest_amount(tx.amount, order.presentment_currency),
        "currency": order.presentment_currency,
        "parent_id": tx.parent_id,
        "created_at": iso(tx.created_at),
        "test": order.test,
    }


def refund_json(order: Order, refund: Refund) -> dict[str, Any]:
    """The refunds/create payload."""
    return {
        "id": refund.id,
        "admin_graphql_api_id": gid("Refund", refund.id),
        "order_id": order.id,
        "created_at": iso(refund.created_at),
        "processed_at": iso(refund.created_at),
        "note": refund.note,
        "restock": any(restock != "NO_RESTOCK" for _, _, restock in refund.lines),
        "user_id": None,
        "refund_line_items": [
            {
                "id": refund.id * 10 + index,
                "line_item_id": line_id,
                "quantity": quantity,
                "restock_type": restock.lower(),
                "subtotal": rest_amount(line.price * quantity, order.currency),
                "line_item": _line_item_json(order, line),
            }
            for index, (line_id, quantity, restock) in enumerate(refund.lines)
            if (line := order.line_item(line_id)) is not None
        ],
        "transactions": [
            _transaction_json(order, tx) for tx in order.transactions if tx.id in refund.transaction_ids
        ],
        "order_adjustments": [],
    }


def order_json(order: Order) -> dict[str, Any]:
    """The orders/* payload: the REST Order resource, unwrapped."""
    status = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}.get(order.display_fulfillment_status)
    customer = order.customer
    return {
        "id": order.id,
        "admin_graphql_api_id": gid("Order", order.id),
        "name": order.name,
        "order_number": order.number,
        "number": order.number - 1000,
        "email": order.email,
        "contact_email": order.email,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "processed_at": iso(order.processed_at or order.created_at),
        "cancelled_at": iso(order.cancelled_at),
        "cancel_reason": order.cancel_reason.lower() if order.cancel_reason else None,
        "closed_at": iso(order.closed_at),
        "confirmed": True,
        "test": order.test,
        "currency": order.currency,
        "presentment_currency": order.presentment_currency,
        "subtotal_price": rest_amount(order.subtotal_price, order.currency),
        "subtotal_price_set": _price_set(order, order.subtotal_price),
        "total_price": rest_amount(order.total_price, order.currency),
        "total_price_set": _price_set(order, order.total_price),
        "current_total_price": rest_amount(order.total_price - order.to_shop(order.refunded), order.currency),
        "total_shipping_price_set": _price_set(order, order.shipping_price),
        "total_tax": rest_amount(order.total_tax, order.currency),
        "total_tax_set": _price_set(order, order.total_tax),
        "taxes_included": order.taxes_included,
        "total_discounts": rest_amount(order.total_discounts, order.currency),
        "total_discounts_set": _price_set(order, order.total_discounts),
        "financial_status": order.financial_status.lower(),
        "fulfillment_status": status,
        "tags": ", ".join(order.tags),
        "note": order.note,
        "customer": None if customer is None else {
            "id": customer.id,
            "admin_graphql_api_id": gid("Customer", customer.id),
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
        },
        "shipping_address": address_json(order.shipping_address),
        "billing_address": address_json(order.shipping_address),
        "shipping_lines": [] if order.shipping_title is None else [{
            "id": order.id + 1,
            "title": order.shipping_title,
            "code": order.shipping_title,
            "price": rest_amount(order.shipping_price, order.currency),
            "price_set": _price_set(order, order.shipping_price),
        }],
        "line_items": [_line_item_json(order, line) for line in order.line_items],
        "fulfillments": [fulfillment_json(order, f) for f in order.fulfillments],
        "refunds": [refund_json(order, r) for r in order.refunds],
    }
