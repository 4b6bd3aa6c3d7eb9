"""AliExpress answers → our DTOs. Pure functions over the decoded JSON, no I/O.

AliExpress wraps lists in an object named after the item type (`{"ae_item_sku_info_d_t_o": [...]}`,
`{"number": [...]}`) unless `simplify=true`; `_items` accepts both shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ordercenter.adapters.aliexpress.errors import business_error
from ordercenter.adapters.ports import (
    FreightOption,
    PackageItem,
    SupplierOrderState,
    SupplierProduct,
    SupplierSku,
    TrackingEvent,
    TrackingPackage,
)
from ordercenter.domain.money import Money

# [unverified] AliExpress does not document the zone of "YYYY-MM-DD HH:MM:SS" strings; we read them as UTC
# unless they carry an offset.
PLATFORM_TIME_ZONE = UTC


def _items(container: object) -> list[dict[str, Any]]:
    if isinstance(container, list):
        return [item for item in container if isinstance(item, dict)]
    if isinstance(container, dict):
        for value in container.values():
            if isinstance(value, list):
                return [item for item in value if isinstance(item, dict)]
    return []


def _scalars(container: object) -> list[object]:
    if isinstance(container, list):
        return list(container)
    if isinstance(container, dict):
        for value in container.values():
            if isinstance(value, list):
                return list(value)
    return []


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _money(value: Mapping[str, Any] | None) -> Money | None:
    if not value or value.get("amount") in (None, ""):
        return None
    return Money.of(str(value["amount"]), str(value.get("currency_code") or "USD"))


def parse_time(value: object) -> datetime | None:
    """An aware UTC datetime from epoch milliseconds, ISO 8601, or AliExpress's "YYYY-MM-DD HH:MM:SS"."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PLATFORM_TIME_ZONE)
    return parsed.astimezone(UTC)


def _result(response: Mapping[str, Any]) -> dict[str, Any]:
    result = response.get("result")
    return result if isinstance(result, dict) else {}


# ---------------------------------------------------------------- aliexpress.ds.product.get


def parse_product(response: Mapping[str, Any], product_id: str) -> SupplierProduct:
    rsp_code = response.get("rsp_code")
    if rsp_code not in (None, 200, "200", 0, "0"):
        message = str(response.get("rsp_msg") or "")
        code = message if message.isupper() and " " not in message else str(rsp_code)
        if "not allowed to this country" in message.lower():
            code = "ITEM_NOT_ALLOWED_TO_COUNTRY"
        raise business_error(code, message)
    result = _result(response)
    base = result.get("ae_item_base_info_dto") or {}
    store = result.get("ae_store_info") or {}
    default_currency = str(base.get("currency_code") or "USD")
    skus = []
    for sku in _items(result.get("ae_item_sku_info_dtos")):
        price = sku.get("offer_sale_price") or sku.get("sku_price")
        skus.append(SupplierSku(
            sku_id=str(sku.get("sku_id") or sku.get("id") or ""),
            sku_attr=str(sku.get("sku_attr") or ""),
            price=Money.of(str(price), str(sku.get("currency_code") or default_currency)),
            stock=_int_or_none(sku.get("sku_available_stock")) or 0,
        ))
    return SupplierProduct(
        product_id=str(base.get("product_id") or product_id),
        title=str(base.get("subject") or ""),
        seller_id=str(store.get("store_id") or ""),
        seller_name=str(store.get("store_name") or ""),
        skus=skus,
    )


# ---------------------------------------------------------------- aliexpress.ds.freight.query


def parse_freight(response: Mapping[str, Any], order_total: Money | None) -> list[FreightOption]:
    """Options with their cost after the free-shipping rule.

    The rule: `free_shipping` → free; otherwise with `mayHavePFS` it is free when the threshold is
    0 or the order total reaches it (`order_total` None means "unknown", so not free).
    """
    result = _result(response)
    if not _truthy(result.get("success", True)) or str(result.get("code", 200)) not in ("200", "0"):
        message = str(result.get("msg") or "")
        raise business_error(message if message.isupper() else str(result.get("code")), message)
    options = []
    for option in _items(result.get("delivery_options")):
        currency = str(option.get("shipping_fee_currency") or "USD")
        fee = Money.of(str(option.get("shipping_fee_cent") or "0"), currency)
        if _is_free(option, order_total):
            fee = Money.zero(currency)
        options.append(FreightOption(
            code=str(option.get("code") or ""),
            company=str(option.get("company") or ""),
            cost=fee,
            min_days=_int_or_none(option.get("min_delivery_days")),
            max_days=_int_or_none(option.get("max_delivery_days")),
            tracked=_truthy(option.get("tracking")),
            guaranteed_days=_int_or_none(option.get("guaranteed_delivery_days")),
        ))
    return options


def free_shipping_threshold(option: Mapping[str, Any]) -> Decimal | None:
    """The threshold that makes shipping free for a `mayHavePFS` option (None when not such an option)."""
    if _truthy(option.get("free_shipping")) or not _truthy(option.get("mayHavePFS")):
        return None
    return Decimal(str(option.get("free_shipping_threshold") or "0"))


def needs_order_total(response: Mapping[str, Any]) -> bool:
    """Whether some option's cost depends on the order total (a non-zero free-shipping threshold)."""
    return any((free_shipping_threshold(option) or 0) > 0
               for option in _items(_result(response).get("delivery_options")))


def _is_free(option: Mapping[str, Any], order_total: Money | None) -> bool:
    if _truthy(option.get("free_shipping")):
        return True
    threshold = free_shipping_threshold(option)
    if threshold is None:
        return False
    return threshold == 0 or (order_total is not None and order_total.amount >= threshold)


# ---------------------------------------------------------------- aliexpress.ds.order.create


def parse_created_order_ids(response: Mapping[str, Any]) -> list[str]:
    result = _result(response)
    if not _truthy(result.get("is_success")):
        raise business_error(str(result.get("error_code") or "ORDER_CREATE_FAILED"), str(result.get("error_msg") or ""))
    return [str(number) for number in _scalars(result.get("order_list"))]


# ---------------------------------------------------------------- aliexpress.trade.ds.order.get


def parse_order_state(response: Mapping[str, Any], supplier_order_id: str) -> SupplierOrderState:
    result = _result(response)
    if not result:
        raise business_error("ORDER_NOT_FOUND", str(response.get("rsp_msg") or f"order {supplier_order_id} not found"))
    children = _items(result.get("child_order_list"))
    end_reason = next((str(child["end_reason"]) for child in children if child.get("end_reason")), None)
    created_at = parse_time(result.get("gmt_create"))
    return SupplierOrderState(
        supplier_order_id=supplier_order_id,
        status=str(result.get("order_status") or ""),
        logistics_status=str(result["logistics_status"]) if result.get("logistics_status") else None,
        amount=_money(result.get("order_amount")),
        end_reason=end_reason,
        paid_at=parse_time(result.get("order_paidtime_string")),
        created_at=created_at,
        pay_deadline=_pay_deadline(created_at, result.get("pay_timeout_second")),
    )


def _pay_deadline(created_at: datetime | None, timeout_seconds: object) -> datetime | None:
    """`pay_timeout_second` counts from the order's creation; an absent or unreadable value says nothing."""
    try:
        seconds = int(str(timeout_seconds))
    except ValueError:
        return None
    if created_at is None or seconds <= 0:
        return None
    return created_at + timedelta(seconds=seconds)


# ---------------------------------------------------------------- aliexpress.ds.order.tracking.get


def parse_tracking(response: Mapping[str, Any]) -> list[TrackingPackage]:
    """Packages with their events, oldest first; an empty list while AliExpress has no data yet."""
    result = _result(response)
    if not _truthy(result.get("ret", True)):
        if str(result.get("code")) == "1001":  # TRACKING DATA NOT FOUND: not shipped yet
            return []
        raise business_error(str(result.get("code") or "TRACKING_ERROR"), str(result.get("msg") or ""))
    data = result.get("data") or {}
    packages = []
    for detail in _items(data.get("tracking_detail_line_list")):
        events = []
        for node in _items(detail.get("detail_node_list")):
            at = parse_time(node.get("time_stamp"))
            if at is not None:
                text = str(node.get("tracking_detail_desc") or node.get("tracking_name") or "")
                events.append(TrackingEvent(at=at, description=text))
        events.sort(key=lambda event: event.at)
        items = [PackageItem(product_id=str(item.get("item_id") or ""), sku_attr=str(item.get("sku_desc") or ""),
                             quantity=_int_or_none(item.get("quantity")) or 0)
                 for item in _items(detail.get("package_item_list"))]
        packages.append(TrackingPackage(number=str(detail.get("mail_no") or ""),
                                        carrier=str(detail.get("carrier_name") or ""), events=events,
                                        items=[item for item in items if item.product_id and item.quantity > 0]))
    return packages
