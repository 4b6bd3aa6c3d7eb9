"""The one normalizer: a Shopify order, as a REST-shaped webhook payload or as a GraphQL node, to an OrderSnapshot.

Both shapes of the same order give equal snapshots: money as Decimal from the API's strings, ids as numeric
strings (the gid is kept beside the order's), datetimes aware UTC, statuses as our enums.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ordercenter.adapters.shopify.gids import numeric_id, to_gid
from ordercenter.domain.addresses import ShippingAddress
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.money import parse_currency
from ordercenter.domain.snapshots import LineSnapshot, OrderSnapshot
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus


class PayloadError(InvalidInput):
    """A Shopify payload lacks a required field or holds a value we cannot read."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field)
        self.reason = reason


# Shopify's fulfillment values (REST lower case, GraphQL enum) in our words; retired values map to their successors.
_FULFILLMENT = {
    "unfulfilled": FulfillmentStatus.UNFULFILLED,
    "open": FulfillmentStatus.UNFULFILLED,
    "restocked": FulfillmentStatus.UNFULFILLED,
    "partial": FulfillmentStatus.PARTIALLY_FULFILLED,
    "partially_fulfilled": FulfillmentStatus.PARTIALLY_FULFILLED,
    "fulfilled": FulfillmentStatus.FULFILLED,
    "fulfillment_not_required": FulfillmentStatus.FULFILLED,  # 2026-10: nothing in it needs shipping
    "in_progress": FulfillmentStatus.IN_PROGRESS,
    "pending_fulfillment": FulfillmentStatus.IN_PROGRESS,
    "on_hold": FulfillmentStatus.ON_HOLD,
    "scheduled": FulfillmentStatus.SCHEDULED,
    "request_declined": FulfillmentStatus.REQUEST_DECLINED,
}

# GraphQL MailingAddress field → ShippingAddress field.
_GRAPHQL_ADDRESS = {
    "name": "name", "firstName": "first_name", "lastName": "last_name", "address1": "address1",
    "address2": "address2", "city": "city", "province": "province", "provinceCode": "province_code",
    "zip": "zip", "country": "country", "countryCodeV2": "country_code", "phone": "phone", "company": "company",
}


def normalize_order(payload: Mapping[str, Any]) -> OrderSnapshot:
    """Either shape, told apart by its id: a gid (GraphQL node) or a number (REST/webhook payload)."""
    if not isinstance(payload, Mapping):
        raise PayloadError("order", "must be a JSON object")
    if str(payload.get("id", "")).startswith("gid://") or "legacyResourceId" in payload:
        return normalize_graphql_order(payload)
    return normalize_webhook_order(payload)


# ---------------------------------------------------------------- REST / webhook shape


def normalize_webhook_order(data: Mapping[str, Any]) -> OrderSnapshot:
    order_id = _id(data, "id")
    gid = data.get("admin_graphql_api_id") or to_gid("Order", order_id)
    customer = _mapping(data, "customer") or {}
    lines = _list(data, "line_items")
    return OrderSnapshot(
        platform_order_id=order_id,
        platform_gid=str(gid),
        name=_text(data, "name", required=True),
        currency=_currency(data, "currency"),
        subtotal_price=_money(data.get("subtotal_price"), "subtotal_price"),
        total_price=_money(data.get("total_price"), "total_price"),
        total_shipping=_money(_dig(data, "total_shipping_price_set", "shop_money", "amount"),
                              "total_shipping_price_set.shop_money.amount", default=Decimal(0)),
        total_tax=_money(data.get("total_tax"), "total_tax", default=Decimal(0)),
        total_discounts=_money(data.get("total_discounts"), "total_discounts", default=Decimal(0)),
        financial_status=_financial(data.get("financial_status"), "financial_status"),
        fulfillment_status=_fulfillment(data.get("fulfillment_status"), "fulfillment_status"),
        created_at=_when(data.get("created_at"), "created_at"),
        updated_at=_when(data.get("updated_at"), "updated_at"),
        cancelled_at=_maybe_when(data.get("cancelled_at"), "cancelled_at"),
        closed_at=_maybe_when(data.get("closed_at"), "closed_at"),
        lines=tuple(_webhook_line(line, f"line_items[{i}]") for i, line in enumerate(lines)),
        email=_text(data, "email") or _text(customer, "email"),
        customer_name=_person(_text(customer, "first_name"), _text(customer, "last_name")),
        shipping_address=ShippingAddress.from_dict(dict(_mapping(data, "shipping_address") or {})),
        tags=_tags(str(data.get("tags") or "").split(",")),
        note=_text(data, "note"),
        raw=dict(data),
    )


def _webhook_line(line: Any, path: str) -> LineSnapshot:
    if not isinstance(line, Mapping):
        raise PayloadError(path, "must be a JSON object")
    variant_id, product_id = line.get("variant_id"), line.get("product_id")
    return LineSnapshot(
        platform_line_id=_id(line, "id", path),
        title=_text(line, "title", path=path, required=True),
        quantity=_quantity(line.get("quantity"), f"{path}.quantity"),
        unit_price=_money(line.get("price"), f"{path}.price"),
        sku=_text(line, "sku"),
        variant_id=_id(line, "variant_id", path) if variant_id is not None else None,
        product_id=_id(line, "product_id", path) if product_id is not None else None,
        variant_title=_text(line, "variant_title"),
    )


# ---------------------------------------------------------------- GraphQL shape


def normalize_graphql_order(node: Mapping[str, Any]) -> OrderSnapshot:
    gid = _text(node, "id", required=True)
    legacy = node.get("legacyResourceId")
    order_id = _id(node, "legacyResourceId") if legacy is not None else _id(node, "id")
    customer = _mapping(node, "customer") or {}
    lines = _list(_mapping(node, "lineItems") or {}, "nodes", "lineItems")
    address = _mapping(node, "shippingAddress")
    return OrderSnapshot(
        platform_order_id=order_id,
        platform_gid=gid,
        name=_text(node, "name", required=True),
        currency=_currency(node, "currencyCode"),
        subtotal_price=_money(_shop_money(node, "subtotalPriceSet"), "subtotalPriceSet.shopMoney.amount"),
        total_price=_money(_shop_money(node, "totalPriceSet"), "totalPriceSet.shopMoney.amount"),
        total_shipping=_money(_shop_money(node, "totalShippingPriceSet"), "totalShippingPriceSet.shopMoney.amount",
                              default=Decimal(0)),
        total_tax=_money(_shop_money(node, "totalTaxSet"), "totalTaxSet.shopMoney.amount", default=Decimal(0)),
        total_discounts=_money(_shop_money(node, "totalDiscountsSet"), "totalDiscountsSet.shopMoney.amount",
                               default=Decimal(0)),
        financial_status=_financial(node.get("displayFinancialStatus"), "displayFinancialStatus"),
        fulfillment_status=_fulfillment(node.get("displayFulfillmentStatus"), "displayFulfillmentStatus"),
        created_at=_when(node.get("createdAt"), "createdAt"),
        updated_at=_when(node.get("updatedAt"), "updatedAt"),
        cancelled_at=_maybe_when(node.get("cancelledAt"), "cancelledAt"),
        closed_at=_maybe_when(node.get("closedAt"), "closedAt"),
        lines=tuple(_graphql_line(line, f"lineItems.nodes[{i}]") for i, line in enumerate(lines)),
        email=_text(node, "email") or _text(customer, "email"),
        customer_name=_person(_text(customer, "firstName"), _text(customer, "lastName")),
        shipping_address=ShippingAddress.from_dict(
            {ours: address.get(theirs) for theirs, ours in _GRAPHQL_ADDRESS.items()} if address else None
        ),
        tags=_tags(node.get("tags") or []),
        note=_text(node, "note"),
        raw=dict(node),
    )


def _graphql_line(line: Any, path: str) -> LineSnapshot:
    if not isinstance(line, Mapping):
        raise PayloadError(path, "must be a JSON object")
    variant = _mapping(line, "variant", path)
    product = _mapping(line, "product", path)
    return LineSnapshot(
        platform_line_id=_id(line, "id", path),
        title=_text(line, "title", path=path) or _text(line, "name", path=path, required=True),
        quantity=_quantity(line.get("quantity"), f"{path}.quantity"),
        unit_price=_money(_shop_money(line, "originalUnitPriceSet"), f"{path}.originalUnitPriceSet.shopMoney.amount"),
        sku=_text(line, "sku"),
        variant_id=_related_id(variant, f"{path}.variant"),
        product_id=_related_id(product, f"{path}.product"),
        variant_title=_text(line, "variantTitle"),
    )


def _related_id(obj: Mapping[str, Any] | None, path: str) -> str | None:
    if obj is None:
        return None
    key = "legacyResourceId" if obj.get("legacyResourceId") is not None else "id"
    return _id(obj, key, path)


def _shop_money(obj: Mapping[str, Any], key: str) -> Any:
    return _dig(obj, key, "shopMoney", "amount")


# ---------------------------------------------------------------- field readers, each naming the field at fault


def _dig(obj: Mapping[str, Any], *keys: str) -> Any:
    value: Any = obj
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mapping(obj: Mapping[str, Any], key: str, path: str = "") -> Mapping[str, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise PayloadError(_where(path, key), "must be a JSON object")
    return value


def _list(obj: Mapping[str, Any], key: str, path: str = "") -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(_where(path, key), "must be a list")
    return value


def _text(obj: Mapping[str, Any], key: str, *, path: str = "", required: bool = False) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise PayloadError(_where(path, key), "is missing")
        return ""
    if isinstance(value, Mapping | list):
        raise PayloadError(_where(path, key), "must be text")
    return str(value)


def _id(obj: Mapping[str, Any], key: str, path: str = "") -> str:
    value = obj.get(key)
    if value is None or value == "":
        raise PayloadError(_where(path, key), "is missing")
    if isinstance(value, bool | float):
        raise PayloadError(_where(path, key), f"'{value}' is not a Shopify id")
    try:
        return numeric_id(value)
    except InvalidInput:
        raise PayloadError(_where(path, key), f"'{value}' is not a Shopify id") from None


def _money(value: Any, field: str, *, default: Decimal | None = None) -> Decimal:
    if value is None or value == "":
        if default is not None:
            return default
        raise PayloadError(field, "is missing")
    if isinstance(value, float | bool) or not isinstance(value, str | int | Decimal):
        raise PayloadError(field, f"'{value}' must be a decimal string")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(field, f"'{value}' is not a decimal amount") from None
    if not amount.is_finite():
        raise PayloadError(field, f"'{value}' is not a finite amount")
    return amount


def _quantity(value: Any, field: str) -> int:
    if value is None:
        raise PayloadError(field, "is missing")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadError(field, f"'{value}' is not a whole number")
    try:
        quantity = int(value)
    except ValueError:
        raise PayloadError(field, f"'{value}' is not a whole number") from None
    if quantity < 0:
        raise PayloadError(field, "cannot be negative")
    return quantity


def _currency(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise PayloadError(key, "is missing")
    try:
        return parse_currency(value, field=key)
    except InvalidInput as exc:
        raise PayloadError(key, exc.message) from None


def _when(value: Any, field: str) -> datetime:
    moment = _maybe_when(value, field)
    if moment is None:
        raise PayloadError(field, "is missing")
    return moment


def _maybe_when(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(field, f"'{value}' is not an ISO 8601 date-time")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(field, f"'{value}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise PayloadError(field, f"'{value}' has no time zone")
    return moment.astimezone(UTC)


def _financial(value: Any, field: str) -> FinancialStatus:
    if not isinstance(value, str) or not value:
        raise PayloadError(field, "is missing")
    try:
        return FinancialStatus(value.strip().lower())
    except ValueError:
        raise PayloadError(field, f"'{value}' is not a known financial status") from None


def _fulfillment(value: Any, field: str) -> FulfillmentStatus:
    if value is None:  # REST sends null until something is fulfilled
        return FulfillmentStatus.UNFULFILLED
    status = _FULFILLMENT.get(str(value).strip().lower())
    if status is None:
        raise PayloadError(field, f"'{value}' is not a known fulfillment status")
    return status


def _person(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def _tags(values: Any) -> tuple[str, ...]:
    # Tags are a set on Shopify; sorted so both shapes (comma string, list) compare equal.
    if not isinstance(values, list):
        raise PayloadError("tags", "must be a list or a comma-separated string")
    return tuple(sorted({str(v).strip() for v in values if str(v).strip()}, key=str.casefold))
