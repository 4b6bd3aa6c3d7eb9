"""The business methods the sandbox answers at `/sync`, each in its real response shape.

Real AliExpress methods report refusals their own way (order create: `is_success=false` with
`error_code`; product get: `rsp_code`/`rsp_msg`; freight: `result.code`/`msg`; tracking: `ret=false`).
The sandbox-only methods (`aliexpress.ds.sandbox.*`) report them as `error_response` code 15 with
the reason in `sub_code`, the TOP convention for business errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from ordercenter.sandbox.aliexpress import records as r
from ordercenter.sandbox.aliexpress import wire
from ordercenter.sandbox.aliexpress.supplier import SandboxSupplier

Params = dict[str, str]


def _json_param(params: Params, name: str, *, required: bool = True) -> dict[str, Any]:
    raw = params.get(name)
    if raw is None:
        if required:
            raise r.SandboxApiError("MissingParameter", f"The input parameter '{name}' that is mandatory is missing")
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise r.SandboxApiError("InvalidParameter", f"'{name}' is not valid JSON") from None
    if not isinstance(value, dict):
        raise r.SandboxApiError("InvalidParameter", f"'{name}' must be a JSON object")
    return value


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise r.SandboxApiError("MissingParameter", f"The input parameter '{name}' that is mandatory is missing")
    return value


def _decimal(value: object, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise r.SandboxApiError("InvalidParameter", f"'{name}' is not a decimal amount") from None


def _issue_status(supplier: SandboxSupplier, order_id: str) -> str:
    _, disputes, _ = supplier.after_sale_of(order_id)
    if not disputes:
        return "NO_ISSUE"
    return "END_ISSUE" if all(d.status in (r.DISPUTE_REFUNDED, r.DISPUTE_CLOSED) for d in disputes) else "IN_ISSUE"


# ---------------------------------------------------------------- real methods


def product_get(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    country = params.get("ship_to_country", "US")
    try:
        product = supplier.product(_required(params, "product_id"), country)
    except r.SandboxApiError as error:
        message = error.message if error.code == "ITEM_NOT_ALLOWED_TO_COUNTRY" else error.code
        return wire.envelope(method, {"rsp_code": 5005, "rsp_msg": message})
    skus = [{
        "sku_id": sku.sku_id, "id": sku.sku_attr, "sku_attr": sku.sku_attr, "sku_price": f"{sku.price:.2f}",
        "offer_sale_price": f"{sku.price:.2f}", "offer_bulk_sale_price": f"{sku.price:.2f}",
        "sku_available_stock": sku.stock, "currency_code": "USD", "price_include_tax": False,
        "tax_amount": "0.00", "estimated_import_charges": "0.00",
        "ae_sku_property_dtos": {"ae_sku_property_d_t_o": [
            {"sku_property_name": name, "sku_property_value": value, "property_value_definition_name": value}
            for name, value in sku.properties]},
    } for sku in product.skus]
    result = {
        "ae_item_base_info_dto": {"product_id": int(product.product_id), "subject": product.subject,
                                  "currency_code": "USD", "product_status_type": "onSelling",
                                  "category_id": int(product.category_id)},
        "ae_item_sku_info_dtos": {"ae_item_sku_info_d_t_o": skus},
        "logistics_info_dto": {"ship_to_country": country, "delivery_time": 15},
        "package_info_dto": {"package_type": False, "gross_weight": "0.300"},
        "ae_store_info": {"store_id": int(product.store.store_id), "store_name": product.store.name,
                          "store_country_code": "CN"},
        "ae_multimedia_info_dto": {"image_urls": f"https://ae01.alicdn.com/kf/sandbox-{product.product_id}.jpg"},
    }
    return wire.envelope(method, {"result": result, "rsp_code": 200, "rsp_msg": "Call succeeds"})


def freight_query(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    request = _json_param(params, "queryDeliveryReq")
    try:
        product, quotes = supplier.freight(str(request.get("productId", "")), str(request.get("selectedSkuId", "")),
                                           str(request.get("shipToCountry", "")))
    except r.SandboxApiError as error:
        code = 505 if error.code == "DELIVERY_NOT_AVAILABLE_TO_YOUR_ADDRESS" else 501
        return wire.envelope(method, {"result": {"code": code, "success": False, "msg": error.code}})
    sku = product.sku_by_id(str(request.get("selectedSkuId")))
    options = []
    for quote in quotes:
        threshold = quote.free_shipping_threshold
        options.append({
            "code": quote.method.code, "company": quote.method.company, "shipping_fee_cent": f"{quote.fee:.2f}",
            "shipping_fee_currency": "USD", "shipping_fee_format": f"US ${quote.fee:.2f}",
            "free_shipping": quote.free_shipping, "mayHavePFS": quote.may_have_pfs,
            "free_shipping_threshold": f"{threshold:.2f}" if threshold is not None else "",
            "min_delivery_days": quote.min_days, "max_delivery_days": quote.max_days,
            "guaranteed_delivery_days": str(quote.method.guaranteed_days),
            "delivery_date_desc": f"{quote.min_days}-{quote.max_days} days", "ship_from_country": "CN",
            "tracking": quote.method.tracked, "available_stock": str(sku.stock if sku else 0),
            "ddpIncludeVATTax": False,
        })
    return wire.envelope(method, {"result": {"code": 200, "success": True, "msg": "success",
                                             "delivery_options": {"delivery_option_d_t_o": options}}})


def order_create(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    request = _json_param(params, "param_place_order_request4_open_api_d_t_o")
    extend = _json_param(params, "ds_extend_request", required=False)
    try:
        order_ids = supplier.create_order(request, extend)
    except r.SandboxApiError as error:
        return wire.envelope(method, {"result": {"is_success": False, "error_code": error.code,
                                                 "error_msg": error.message}})
    return wire.envelope(method, {"result": {"is_success": True,
                                             "order_list": {"number": [int(i) for i in order_ids]}}})


def order_get(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    query = _json_param(params, "single_order_query")
    order = supplier.order(str(query.get("order_id", "")))
    return wire.envelope(method, {"result": wire.order_json(order, _issue_status(supplier, order.order_id))})


def tracking_get(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    try:
        order = supplier.order(_required(params, "ae_order_id"))
    except r.SandboxApiError:
        return wire.envelope(method, {"result": {"ret": False, "code": "1001", "msg": "TRACKING DATA NOT FOUND"}})
    return wire.envelope(method, {"result": wire.tracking_json(order)})


# ---------------------------------------------------------------- sandbox-only after-sale methods


def sandbox_order_find(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    ids = supplier.find_orders(_required(params, "out_order_id"))
    return wire.envelope(method, {"result": {"order_list": {"number": [int(i) for i in ids]}}})


def sandbox_order_pay(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    """What the buyer does on the website's payment page, offered by API so flows run end to end."""
    record = supplier.pay(_required(params, "order_id"))
    return wire.envelope(method, {"result": {"order_id": record.order_id, "order_status": record.status}})


def sandbox_order_cancel(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    record = supplier.request_cancellation(_required(params, "order_id"), params.get("reason", ""))
    return wire.envelope(method, {"result": {"cancellation": wire.cancellation_json(record)}})


def sandbox_dispute_open(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    request = _json_param(params, "dispute_request")
    amount = request.get("refund_amount") or {}
    evidence = request.get("evidence") or []
    record = supplier.open_dispute(
        str(request.get("order_id", "")), str(request.get("dispute_type", "")), str(request.get("reason", "")),
        str(request.get("description", "")), _decimal(amount.get("amount", "0"), "refund_amount"),
        [str(item) for item in evidence] if isinstance(evidence, list) else [])
    return wire.envelope(method, {"result": {"dispute": wire.dispute_json(record)}})


def sandbox_dispute_escalate(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    record = supplier.escalate_dispute(_required(params, "dispute_id"))
    return wire.envelope(method, {"result": {"dispute": wire.dispute_json(record)}})


def sandbox_return_shipped(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    record = supplier.mark_return_shipped(_required(params, "dispute_id"), _required(params, "logistics_no"))
    return wire.envelope(method, {"result": {"dispute": wire.dispute_json(record)}})


def sandbox_message_send(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    record = supplier.send_message(_required(params, "order_id"), params.get("content", ""))
    return wire.envelope(method, {"result": {"message": wire.message_json(record)}})


def sandbox_aftersale_get(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    cancellations, disputes, messages = supplier.after_sale_of(_required(params, "order_id"))
    return wire.envelope(method, {"result": {
        "cancellations": {"cancellation": [wire.cancellation_json(c) for c in cancellations]},
        "disputes": {"dispute": [wire.dispute_json(d) for d in disputes]},
        "messages": {"message": [wire.message_json(m) for m in messages]},
    }})


Handler = Callable[[SandboxSupplier, str, Params], dict[str, Any]]

METHODS: dict[str, Handler] = {
    "aliexpress.ds.product.get": product_get,
    "aliexpress.ds.freight.query": freight_query,
    "aliexpress.ds.order.create": order_create,
    "aliexpress.trade.ds.order.get": order_get,
    "aliexpress.ds.order.tracking.get": tracking_get,
    "aliexpress.ds.sandbox.order.find": sandbox_order_find,
    "aliexpress.ds.sandbox.order.cancel": sandbox_order_cancel,
    "aliexpress.ds.sandbox.order.pay": sandbox_order_pay,
    "aliexpress.ds.sandbox.dispute.open": sandbox_dispute_open,
    "aliexpress.ds.sandbox.dispute.escalate": sandbox_dispute_escalate,
    "aliexpress.ds.sandbox.dispute.return_shipped": sandbox_return_shipped,
    "aliexpress.ds.sandbox.message.send": sandbox_message_send,
    "aliexpress.ds.sandbox.aftersale.get": sandbox_aftersale_get,
}


def answer(supplier: SandboxSupplier, method: str, params: Params) -> dict[str, Any]:
    """The JSON body for a verified business call (an `error_response` for unknown methods)."""
    handler = METHODS.get(method)
    if handler is None:
        return wire.error_response("InvalidApiPath", "The specified API path is invalid")
    try:
        return handler(supplier, method, params)
    except r.SandboxApiError as error:
        if error.code in ("MissingParameter", "InvalidParameter"):
            return wire.error_response(error.code, error.message)
        return wire.error_response("15", "Remote service error", sub_code=error.code, sub_msg=error.message)
