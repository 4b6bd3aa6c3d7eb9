"""The sandbox's JSON in AliExpress's shapes: envelopes, platform errors, and records as the API shows them.

Lists are wrapped the way the platform does without `simplify` (`{"number": [...]}`), amounts are
decimal strings, times "YYYY-MM-DD HH:MM:SS" (UTC in the sandbox) or epoch milliseconds.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordercenter.sandbox.aliexpress import records as r


def request_id() -> str:
    return secrets.token_hex(7)


def envelope(method: str, payload: dict[str, Any]) -> dict[str, Any]:
    """`{"<method_with_underscores>_response": {..., "request_id"}}`."""
    return {method.replace(".", "_") + "_response": {**payload, "request_id": request_id()}}


def error_response(code: str, msg: str, *, error_type: str = "ISV", sub_code: str | None = None,
                   sub_msg: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": error_type, "code": code, "msg": msg, "request_id": request_id()}
    if sub_code:
        body["sub_code"] = sub_code
        body["sub_msg"] = sub_msg or msg
    return {"error_response": body}


def system_error(code: str, message: str) -> dict[str, Any]:
    """A failing system API (`/rest/...`): a top-level code other than "0"."""
    return {"type": "ISV", "code": code, "message": message, "request_id": request_id()}


def text_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def ms(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment else None


def money(amount: Decimal, currency: str = "USD") -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currency_code": currency}


def order_json(order: r.OrderRecord, issue_status: str) -> dict[str, Any]:
    """The `result` of `aliexpress.trade.ds.order.get`."""
    children = []
    for line in order.lines:
        children.append({
            "product_id": int(line.product_id), "sku_id": line.sku_id, "product_name": line.title,
            "product_count": line.quantity, "product_price": money(line.unit_price),
            "sale_fee": money(line.unit_price * line.quantity), "sale_discount_fee": money(Decimal(0)),
            "shipping_fee": money(line.shipping_fee), "shipping_discount_fee": money(Decimal(0)),
            "actual_shipping_fee": money(line.shipping_fee),
            "actual_fee": money(line.unit_price * line.quantity + line.shipping_fee),
            "actual_tax_fee": money(Decimal(0)), "already_include_tax": "false",
            "end_reason": order.end_reason or "", "end_reason_desc": order.end_reason or "",
        })
    pay_timeout = int((order.pay_deadline - order.created_at).total_seconds())
    return {
        "gmt_create": text_time(order.created_at), "order_paidtime_string": text_time(order.paid_at),
        "pay_timeout_second": str(pay_timeout), "order_status": order.status,
        "logistics_status": order.logistics_status, "order_amount": money(order.amount, order.currency),
        "user_order_amount": money(order.amount, order.currency),
        "child_order_list": {"aeop_child_order_info": children},
        "logistics_info_list": {"ae_order_logistics_info": [
            {"logistics_no": p.tracking_number, "logistics_service": p.carrier} for p in order.packages]},
        "store_info": {"store_id": int(order.store_id), "store_name": order.store_name,
                       "store_url": f"https://www.aliexpress.com/store/{order.store_id}"},
        "issue_status": issue_status,
        "refund_amount": money(order.refunded, order.currency),
    }


def _package_lines(order: r.OrderRecord, package: r.PackageRecord) -> list[tuple[r.LineRecord, int]]:
    if package.items is None:
        return [(line, line.quantity) for line in order.lines]
    wanted = dict(package.items)
    return [(line, wanted[line.product_id]) for line in order.lines if wanted.get(line.product_id)]


def tracking_json(order: r.OrderRecord) -> dict[str, Any]:
    """The `result` of `aliexpress.ds.order.tracking.get`."""
    if not order.packages:
        return {"ret": False, "code": "1001", "msg": "TRACKING DATA NOT FOUND"}
    details = []
    for package in order.packages:
        details.append({
            "mail_no": package.tracking_number, "carrier_name": package.carrier, "eta_time_stamps": ms(package.eta),
            "detail_node_list": {"detail_node": [
                {"time_stamp": ms(node.at), "tracking_name": node.name, "tracking_detail_desc": node.description}
                for node in package.nodes]},
            "package_item_list": {"package_item": [
                {"item_id": int(line.product_id), "sku_desc": line.sku_attr, "quantity": quantity,
                 "item_title": line.title} for line, quantity in _package_lines(order, package)]},
        })
    return {"ret": True, "code": "0", "msg": "success",
            "data": {"tracking_detail_line_list": {"tracking_detail": details}}}


def cancellation_json(record: r.CancellationRecord) -> dict[str, Any]:
    return {"cancellation_id": record.cancellation_id, "order_id": record.order_id, "reason": record.reason,
            "status": record.outcome.upper(), "requested_at": ms(record.requested_at),
            "decided_at": ms(record.decided_at), "note": record.note}


def dispute_json(record: r.DisputeRecord) -> dict[str, Any]:
    return {
        "dispute_id": record.dispute_id, "order_id": record.order_id, "dispute_type": record.kind,
        "reason": record.reason, "description": record.description, "status": record.status,
        "refund_amount_requested": money(record.amount), "evidence": {"string": list(record.evidence)},
        "opened_at": ms(record.opened_at), "decided_by": record.decided_by or "",
        "refund_amount": money(record.refund_amount) if record.refund_amount is not None else None,
        "refunded_at": ms(record.refunded_at), "return_instructions": record.return_instructions or "",
        "return_logistics_no": record.return_tracking or "", "note": record.note,
    }


def message_json(record: r.MessageRecord) -> dict[str, Any]:
    return {"message_id": record.message_id, "order_id": record.order_id,
            "sender": "seller" if record.from_seller else "buyer", "content": record.text, "gmt_create": ms(record.at)}
