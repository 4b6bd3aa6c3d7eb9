"""Resolvers of the Mutation fields; every payload carries `userErrors` like Shopify's."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from graphql import GraphQLResolveInfo

from ordercenter.sandbox.shopify.catalog import VARIANTS_BY_ID
from ordercenter.sandbox.shopify.context import request_context
from ordercenter.sandbox.shopify.fulfilment import FulfillmentOrderRequest, tracking_from_input
from ordercenter.sandbox.shopify.generator import exchange_rate
from ordercenter.sandbox.shopify.order_builder import NewLine, NewOrder, NewTransaction
from ordercenter.sandbox.shopify.records import Address, Customer, Order, parse_gid
from ordercenter.sandbox.shopify.refunds import RefundSpec, RefundTransactionSpec
from ordercenter.sandbox.shopify.user_errors import UserError, UserErrorsRaised
from ordercenter.sandbox.shopify.views import fulfillment_view, order_view, refund_view, webhook_subscription_view

_COUNTRY_NAMES = {
    "US": "United States", "GB": "United Kingdom", "FR": "France", "DE": "Germany", "ES": "Spain",
    "IT": "Italy", "CA": "Canada", "AU": "Australia", "BR": "Brazil", "JP": "Japan", "NL": "Netherlands",
    "BE": "Belgium", "AT": "Austria", "CH": "Switzerland", "IE": "Ireland", "PT": "Portugal", "MX": "Mexico",
}


def _errors(errors: list[UserError]) -> list[dict[str, Any]]:
    return [error.to_graphql() for error in errors]


def _decimal(value: Any, field: list[str]) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise UserErrorsRaised([UserError(field, f"{value!r} is not a valid decimal amount.")]) from error
    if not amount.is_finite():
        raise UserErrorsRaised([UserError(field, f"{value!r} is not a valid decimal amount.")])
    return amount


def _id(value: Any, kind: str, field: list[str], message: str) -> int:
    number = parse_gid(str(value), kind)
    if number is None:
        raise UserErrorsRaised([UserError(field, message)])
    return number


def fulfillment_create(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    context = request_context(info)
    raw = args["fulfillment"]
    try:
        requests = []
        for i, entry in enumerate(raw["lineItemsByFulfillmentOrder"]):
            prefix = ["fulfillment", "lineItemsByFulfillmentOrder", str(i)]
            fo_id = _id(entry["fulfillmentOrderId"], "FulfillmentOrder", [*prefix, "fulfillmentOrderId"],
                        "Fulfillment order does not exist.")
            lines = None
            if entry.get("fulfillmentOrderLineItems") is not None:
                lines = [
                    (_id(line["id"], "FulfillmentOrderLineItem", [*prefix, "fulfillmentOrderLineItems", str(j), "id"],
                         "Fulfillment order line item does not exist."), int(line["quantity"]))
                    for j, line in enumerate(entry["fulfillmentOrderLineItems"])
                ]
            requests.append(FulfillmentOrderRequest(fo_id, lines))
        tracking = tracking_from_input(raw.get("trackingInfo"), ["fulfillment", "trackingInfo"])
        order, fulfillment = context.store.fulfil_fulfillment_orders(context.shop.domain, requests, tracking)
    except UserErrorsRaised as raised:
        return {"fulfillment": None, "userErrors": _errors(raised.errors)}
    return {"fulfillment": fulfillment_view(order, fulfillment), "userErrors": []}


def fulfillment_tracking_info_update(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    context = request_context(info)
    try:
        fulfillment_id = _id(args["fulfillmentId"], "Fulfillment", ["fulfillmentId"], "Fulfillment does not exist.")
        tracking = tracking_from_input(args["trackingInfoInput"], ["trackingInfoInput"])
        order, fulfillment = context.store.update_tracking(context.shop.domain, fulfillment_id, tracking)
    except UserErrorsRaised as raised:
        return {"fulfillment": None, "userErrors": _errors(raised.errors)}
    return {"fulfillment": fulfillment_view(order, fulfillment), "userErrors": []}


def refund_create(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    context = request_context(info)
    raw = args["input"]
    try:
        order_id = _id(raw["orderId"], "Order", ["orderId"], "Order does not exist.")
        spec = RefundSpec(note=raw.get("note"), currency=raw.get("currency"))
        for i, line in enumerate(raw.get("refundLineItems") or []):
            line_id = _id(line["lineItemId"], "LineItem", ["refundLineItems", str(i), "lineItemId"],
                          "Line item does not exist.")
            spec.lines.append((line_id, int(line["quantity"]), str(line.get("restockType") or "NO_RESTOCK")))
        shipping = raw.get("shipping") or {}
        spec.shipping_full = bool(shipping.get("fullRefund"))
        if shipping.get("amount") is not None:
            spec.shipping_amount = _decimal(shipping["amount"], ["shipping", "amount"])
        for i, tx in enumerate(raw.get("transactions") or []):
            field = ["transactions", str(i)]
            parent = tx.get("parentId")
            spec.transactions.append(RefundTransactionSpec(
                amount=_decimal(tx["amount"], [*field, "amount"]), gateway=str(tx["gateway"]), kind=str(tx["kind"]),
                parent_id=_id(parent, "OrderTransaction", [*field, "parentId"], "Parent transaction does not exist.")
                if parent else None,
            ))
        order, refund = context.store.create_refund(context.shop.domain, order_id, spec)
    except UserErrorsRaised as raised:
        return {"refund": None, "order": None, "userErrors": _errors(raised.errors)}
    return {"refund": refund_view(order, refund), "order": order_view(order), "userErrors": []}


def _money(raw: dict[str, Any] | None, field: list[str]) -> Decimal | None:
    if not raw:
        return None
    return _decimal(raw["shopMoney"]["amount"], [*field, "shopMoney", "amount"])


def _address(raw: dict[str, Any] | None) -> Address | None:
    if not raw:
        return None
    code = raw.get("countryCode")
    return Address(
        first_name=raw.get("firstName") or "", last_name=raw.get("lastName") or "",
        address1=raw.get("address1") or "", address2=raw.get("address2"), city=raw.get("city") or "",
        zip=raw.get("zip") or "", country=_COUNTRY_NAMES.get(code or "", code or ""), country_code=code or "",
        province=raw.get("provinceCode"), province_code=raw.get("provinceCode"), phone=raw.get("phone"),
        company=raw.get("company"),
    )


def _customer(context_orders: list[Order], raw: dict[str, Any] | None, email: str | None,
              new_id: int) -> Customer | None:
    if raw and raw.get("toAssociate"):
        wanted = raw["toAssociate"]
        wanted_id = parse_gid(str(wanted.get("id") or ""), "Customer")
        for order in context_orders:
            customer = order.customer
            if customer and (customer.id == wanted_id or (wanted.get("email") and customer.email == wanted["email"])):
                return customer
        raise UserErrorsRaised([UserError(["order", "customer", "toAssociate", "id"], "Customer does not exist.",
                                          "INVALID")])
    if raw and raw.get("toUpsert"):
        upsert = raw["toUpsert"]
        # Upsert, as Shopify does: an existing customer with that e-mail is reused, not duplicated.
        wanted_email = (upsert.get("email") or email or "").lower()
        for order in context_orders:
            if order.customer and wanted_email and order.customer.email.lower() == wanted_email:
                return order.customer
        return Customer(id=new_id, first_name=upsert.get("firstName") or "", last_name=upsert.get("lastName") or "",
                        email=upsert.get("email") or email or "")
    return None


def _discount(raw: dict[str, Any] | None, gross: Decimal) -> tuple[Decimal, bool]:
    """The order discount of orderCreate's `discountCode`, and whether it makes the shipping free."""
    field = ["order", "discountCode"]
    chosen = {key: value for key, value in (raw or {}).items() if value is not None}
    if len(chosen) > 1:
        raise UserErrorsRaised([UserError(field, "Only one type of discount can be applied to an order.",
                                          "INVALID")])
    if "itemFixedDiscountCode" in chosen:
        amount = _money(chosen["itemFixedDiscountCode"].get("amountSet"),
                        [*field, "itemFixedDiscountCode", "amountSet"]) or Decimal("0")
        return min(amount, gross), False
    if "itemPercentageDiscountCode" in chosen:
        percentage = _decimal(chosen["itemPercentageDiscountCode"].get("percentage") or 0,
                              [*field, "itemPercentageDiscountCode", "percentage"])
        return gross * min(max(percentage, Decimal("0")), Decimal("100")) / 100, False
    return Decimal("0"), "freeShippingDiscountCode" in chosen


def _tax(raw_lines: list[dict[str, Any]], raw: dict[str, Any], subtotal: Decimal) -> Decimal | None:
    """The tax of orderCreate's `taxLines` (on the order and on its lines); None when none were given."""
    found: list[Decimal] = []
    for i, line in enumerate(raw_lines):
        base = (_money(line.get("priceSet"), ["order", "lineItems", str(i), "priceSet"]) or Decimal("0")) \
            * int(line["quantity"])
        for j, tax in enumerate(line.get("taxLines") or []):
            field = ["order", "lineItems", str(i), "taxLines", str(j)]
            amount = _money(tax.get("priceSet"), [*field, "priceSet"])
            found.append(amount if amount is not None else base * _decimal(tax["rate"], [*field, "rate"]))
    for j, tax in enumerate(raw.get("taxLines") or []):
        field = ["order", "taxLines", str(j)]
        amount = _money(tax.get("priceSet"), [*field, "priceSet"])
        found.append(amount if amount is not None else subtotal * _decimal(tax["rate"], [*field, "rate"]))
    return sum(found, Decimal("0")) if found else None


def order_create(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    context = request_context(info)
    raw = args["order"]
    shop = context.shop
    try:
        if not raw.get("lineItems"):
            raise UserErrorsRaised([UserError(["order", "lineItems"], "Line items can't be blank.", "INVALID")])
        lines = []
        for i, line in enumerate(raw["lineItems"]):
            field = ["order", "lineItems", str(i)]
            variant = None
            if line.get("variantId"):
                variant = VARIANTS_BY_ID.get(parse_gid(str(line["variantId"]), "ProductVariant") or -1)
                if variant is None:
                    raise UserErrorsRaised([UserError([*field, "variantId"], "Product variant does not exist.",
                                                      "INVALID")])
            elif not line.get("title"):
                raise UserErrorsRaised([UserError([*field, "title"], "Title can't be blank.", "INVALID")])
            if int(line["quantity"]) <= 0:
                raise UserErrorsRaised([UserError([*field, "quantity"], "Quantity must be greater than 0.",
                                                  "INVALID")])
            price = _money(line.get("priceSet"), [*field, "priceSet"])
            lines.append(NewLine(
                title=line.get("title") or (variant.product_title if variant else ""),
                quantity=int(line["quantity"]),
                price=price if price is not None else (variant.price if variant else Decimal("0")),
                sku=line.get("sku") if line.get("sku") is not None else (variant.sku if variant else None),
                variant_id=variant.id if variant else None, product_id=variant.product_id if variant else None,
                variant_title=line.get("variantTitle") or (variant.title if variant else None),
                vendor=line.get("vendor") or (variant.vendor if variant else None),
            ))
        presentment = raw.get("presentmentCurrency") or raw.get("currency") or shop.currency
        email = raw.get("email")
        customer = _customer(list(shop.orders.values()), raw.get("customer"), email,
                             context.store.next_id("Customer"))
        transactions = None
        if raw.get("transactions"):
            transactions = [
                NewTransaction(kind=str(tx.get("kind") or "SALE"), status=str(tx.get("status") or "SUCCESS"),
                               amount=_money(tx["amountSet"], ["order", "transactions", str(i), "amountSet"])
                               or Decimal("0"), gateway=str(tx.get("gateway") or "manual"))
                for i, tx in enumerate(raw["transactions"])
            ]
        financial_status = raw.get("financialStatus") or ("PAID" if transactions else "PENDING")
        shipping_lines = raw.get("shippingLines") or []
        shipping = shipping_lines[0] if shipping_lines else None
        gross = sum((line.price * line.quantity for line in lines), Decimal("0"))
        discount, free_shipping = _discount(raw.get("discountCode"), gross)
        order = context.store.create_order(shop.domain, NewOrder(
            lines=lines, presentment_currency=presentment, rate=exchange_rate(shop.currency, presentment),
            email=email or (customer.email if customer else None), customer=customer,
            shipping_address=_address(raw.get("shippingAddress")),
            shipping_title=shipping["title"] if shipping else None,
            shipping_price=(_money(shipping["priceSet"], ["order", "shippingLines", "0", "priceSet"]) or Decimal("0"))
            if shipping and not free_shipping else Decimal("0"),
            order_discount=discount, total_tax=_tax(raw["lineItems"], raw, gross - discount),
            taxes_included=bool(raw.get("taxesIncluded")),
            note=raw.get("note"), tags=list(raw.get("tags") or []), financial_status=str(financial_status),
            transactions=transactions, test=bool(raw.get("test")),
        ))
        if raw.get("fulfillmentStatus") == "FULFILLED":
            context.store.fulfil_order(shop.domain, order.id)
    except UserErrorsRaised as raised:
        return {"order": None, "userErrors": _errors(raised.errors)}
    return {"order": order_view(order), "userErrors": []}


def _cancel_refused(error: UserError) -> dict[str, Any]:
    return {"job": None, "orderCancelUserErrors": [error.to_graphql()],
            "userErrors": [{"field": error.field, "message": error.message}]}


def order_cancel(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    """orderCancel: refused with `orderCancelUserErrors` when the order is unknown, cancelled or shipped."""
    context = request_context(info)
    order_id = parse_gid(str(args["orderId"]), "Order")
    order = context.shop.orders.get(order_id) if order_id is not None else None
    if order is None:
        return _cancel_refused(UserError(["orderId"], "Order does not exist.", "NOT_FOUND"))
    if order.cancelled_at is not None:
        return _cancel_refused(UserError(["orderId"], "Order has already been cancelled.", "INVALID"))
    if any(f.status == "SUCCESS" for f in order.fulfillments):
        return _cancel_refused(UserError(["orderId"], "Cannot cancel an order with fulfillments. Cancel the "
                                                      "fulfillments first.", "INVALID"))
    refund_method = args.get("refundMethod") or {}
    try:
        context.store.cancel_order(context.shop.domain, order.id, reason=str(args["reason"]),
                                   refund_payment=bool(refund_method.get("originalPaymentMethodsRefund")),
                                   restock=bool(args["restock"]),
                                   notify_customer=bool(args.get("notifyCustomer")), staff_note=args.get("staffNote"))
    except UserErrorsRaised as raised:
        return _cancel_refused(UserError(raised.errors[0].field, raised.errors[0].message, "INVALID"))
    # Shopify answers before its job has run (`done: false`); the sandbox has finished it already.
    return {"job": {"id": f"gid://shopify/Job/{uuid.uuid4()}", "done": True}, "orderCancelUserErrors": [],
            "userErrors": []}


def webhook_subscription_create(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    context = request_context(info)
    topic = str(args["topic"])
    raw = args["webhookSubscription"]
    # `uri` since 2025-10; the deprecated `callbackUrl` still works.
    key = "uri" if raw.get("uri") is not None or raw.get("callbackUrl") is None else "callbackUrl"
    url = raw.get(key)
    field = ["webhookSubscription", key]
    error = None
    if not url:
        error = UserError(field, "Address can't be blank")
    elif urlsplit(str(url)).scheme not in ("http", "https") or not urlsplit(str(url)).netloc:
        error = UserError(field, "Address is invalid")
    elif any(s.topic == topic and s.callback_url == url for s in context.shop.subscriptions):
        error = UserError(field, "Address for this topic has already been taken")
    elif (raw.get("format") or "JSON") != "JSON":
        error = UserError(["webhookSubscription", "format"], "The sandbox only delivers JSON webhooks.")
    if error is not None:
        return {"webhookSubscription": None, "userErrors": _errors([error])}
    subscription = context.store.subscribe(context.shop.domain, topic, str(url), api_version=context.api_version,
                                           include_fields=list(raw.get("includeFields") or []))
    return {"webhookSubscription": webhook_subscription_view(subscription), "userErrors": []}


def webhook_subscription_delete(info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    context = request_context(info)
    sub_id = parse_gid(str(args["id"]), "WebhookSubscription")
    if sub_id is None or not context.store.unsubscribe(context.shop.domain, sub_id):
        return {"deletedWebhookSubscriptionId": None,
                "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}]}
    return {"deletedWebhookSubscriptionId": args["id"], "userErrors": []}


MUTATION_RESOLVERS = {
    "fulfillmentCreate": fulfillment_create,
    "fulfillmentTrackingInfoUpdate": fulfillment_tracking_info_update,
    "refundCreate": refund_create,
    "orderCreate": order_create,
    "orderCancel": order_cancel,
    "webhookSubscriptionCreate": webhook_subscription_create,
    "webhookSubscriptionDelete": webhook_subscription_delete,
}
