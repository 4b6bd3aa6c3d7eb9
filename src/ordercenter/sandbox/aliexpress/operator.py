"""Operator controls over HTTP, under `/_operator/` (the same actions as `SandboxSupplier`'s methods).

Behind the operator token when the sandbox has one (the demo's: see sandbox/operator_access.py). JSON in,
JSON out; a refused action answers 409 with `{"error": code, "message": ...}`, bad input 400.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordercenter.sandbox.aliexpress import wire
from ordercenter.sandbox.aliexpress.faults import FaultKind
from ordercenter.sandbox.aliexpress.records import OrderRecord, SandboxApiError
from ordercenter.sandbox.aliexpress.supplier import SandboxSupplier

Endpoint = Callable[[Request], Awaitable[Response]]


def _order_view(order: OrderRecord) -> dict[str, Any]:
    return {**wire.order_json(order, ""), "order_id": order.order_id, "out_order_id": order.out_order_id,
            "end_reason": order.end_reason, "tracking": wire.tracking_json(order)}


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("a JSON object is expected")
    return value


def _amount(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a decimal amount") from None


def _guarded(action: Callable[[Request, dict[str, Any]], Any]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        try:
            result = action(request, await _body(request))
        except SandboxApiError as error:
            return JSONResponse({"error": error.code, "message": error.message}, 409)
        except (KeyError, ValueError, TypeError) as error:
            return JSONResponse({"error": "bad_request", "message": str(error)}, 400)
        return JSONResponse(result)
    return endpoint


def operator_routes(supplier: SandboxSupplier) -> list[Route]:
    def oid(request: Request) -> str:
        return str(request.path_params["order_id"])

    def credentials(request: Request, body: dict[str, Any]) -> Any:
        return supplier.credentials()

    def orders(request: Request, body: dict[str, Any]) -> Any:
        return {"orders": [_order_view(order) for order in supplier.orders()]}

    def order(request: Request, body: dict[str, Any]) -> Any:
        cancellations, disputes, messages = supplier.after_sale_of(oid(request))
        return {**_order_view(supplier.order(oid(request))),
                "cancellations": [wire.cancellation_json(c) for c in cancellations],
                "disputes": [wire.dispute_json(d) for d in disputes],
                "messages": [wire.message_json(m) for m in messages]}

    def pay(request: Request, body: dict[str, Any]) -> Any:
        return _order_view(supplier.pay(oid(request)))

    def ship(request: Request, body: dict[str, Any]) -> Any:
        items = body.get("items")  # [{"product_id", "quantity"}]: one package of several
        return _order_view(supplier.ship(
            oid(request), carrier=str(body.get("carrier") or "Cainiao"), tracking_number=body.get("tracking_number"),
            items=None if items is None else [(str(i["product_id"]), int(i["quantity"])) for i in items]))

    def change_tracking(request: Request, body: dict[str, Any]) -> Any:
        supplier.change_tracking(oid(request), str(body["old_number"]), str(body["new_number"]),
                                 body.get("carrier"))
        return _order_view(supplier.order(oid(request)))

    def tracking_event(request: Request, body: dict[str, Any]) -> Any:
        supplier.add_tracking_event(oid(request), str(body["description"]), str(body.get("name") or "IN_TRANSIT"))
        return _order_view(supplier.order(oid(request)))

    def deliver(request: Request, body: dict[str, Any]) -> Any:
        return _order_view(supplier.deliver(oid(request)))

    def complete(request: Request, body: dict[str, Any]) -> Any:
        return _order_view(supplier.complete(oid(request)))

    def refund(request: Request, body: dict[str, Any]) -> Any:
        reason = str(body.get("reason") or "refund by the platform")
        return _order_view(supplier.refund(oid(request), _amount(body["amount"]), reason))

    def seller_message(request: Request, body: dict[str, Any]) -> Any:
        return wire.message_json(supplier.reply_as_seller(oid(request), str(body["text"])))

    def decide_cancellation(request: Request, body: dict[str, Any]) -> Any:
        approve = body.get("approve")
        record = supplier.decide_cancellation(str(request.path_params["cancellation_id"]),
                                              None if approve is None else bool(approve), str(body.get("note") or ""))
        return wire.cancellation_json(record)

    def decide_dispute(request: Request, body: dict[str, Any]) -> Any:
        amount = body.get("refund_amount")
        record = supplier.decide_dispute(
            str(request.path_params["dispute_id"]), bool(body["accept"]), by=str(body.get("by") or "seller"),
            refund_amount=None if amount is None else _amount(amount), note=str(body.get("note") or ""))
        return wire.dispute_json(record)

    def refund_dispute(request: Request, body: dict[str, Any]) -> Any:
        return wire.dispute_json(supplier.refund_dispute(str(request.path_params["dispute_id"])))

    def silent(request: Request, body: dict[str, Any]) -> Any:
        supplier.set_silent(bool(body.get("silent", True)))
        return {"silent": supplier.config.seller_silent}

    def clock(request: Request, body: dict[str, Any]) -> Any:
        return {"now": supplier.clock.now().isoformat()}

    def advance(request: Request, body: dict[str, Any]) -> Any:
        delta = timedelta(days=float(body.get("days", 0)), hours=float(body.get("hours", 0)),
                          seconds=float(body.get("seconds", 0)))
        return {"now": supplier.advance_clock(delta).isoformat()}

    def faults(request: Request, body: dict[str, Any]) -> Any:
        if request.method == "DELETE":
            supplier.faults.clear()
            return {"cleared": True}
        supplier.inject_fault(FaultKind(str(body["kind"])), method=body.get("method"),
                              times=int(body.get("times", 1)), delay=float(body.get("delay", 5.0)))
        return {"injected": body["kind"]}

    def stock(request: Request, body: dict[str, Any]) -> Any:
        supplier.set_stock(str(body["product_id"]), str(body["sku_id"]), int(body["stock"]))
        return {"ok": True}

    return [
        Route("/credentials", _guarded(credentials), methods=["GET"]),
        Route("/orders", _guarded(orders), methods=["GET"]),
        Route("/orders/{order_id}", _guarded(order), methods=["GET"]),
        Route("/orders/{order_id}/pay", _guarded(pay), methods=["POST"]),
        Route("/orders/{order_id}/ship", _guarded(ship), methods=["POST"]),
        Route("/orders/{order_id}/tracking-events", _guarded(tracking_event), methods=["POST"]),
        Route("/orders/{order_id}/tracking-number", _guarded(change_tracking), methods=["POST"]),
        Route("/orders/{order_id}/deliver", _guarded(deliver), methods=["POST"]),
        Route("/orders/{order_id}/complete", _guarded(complete), methods=["POST"]),
        Route("/orders/{order_id}/refund", _guarded(refund), methods=["POST"]),
        Route("/orders/{order_id}/seller-messages", _guarded(seller_message), methods=["POST"]),
        Route("/cancellations/{cancellation_id}/decide", _guarded(decide_cancellation), methods=["POST"]),
        Route("/disputes/{dispute_id}/decide", _guarded(decide_dispute), methods=["POST"]),
        Route("/disputes/{dispute_id}/refund", _guarded(refund_dispute), methods=["POST"]),
        Route("/seller/silent", _guarded(silent), methods=["POST"]),
        Route("/clock", _guarded(clock), methods=["GET"]),
        Route("/clock/advance", _guarded(advance), methods=["POST"]),
        Route("/faults", _guarded(faults), methods=["POST", "DELETE"]),
        Route("/stock", _guarded(stock), methods=["POST"]),
    ]
