"""The operator's HTTP API under /_operator/: make orders happen, misbehave, and look inside.

Not a Shopify API: it stands in for the merchant clicking in the Shopify admin and for the
platform's bad days (latency, 5xx, throttling, webhook duplicates and delays).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordercenter.sandbox.shopify.config import ShopConfig
from ordercenter.sandbox.shopify.payloads import order_json, refund_json
from ordercenter.sandbox.shopify.records import Shop, TrackingInfo
from ordercenter.sandbox.shopify.state import SandboxStore
from ordercenter.sandbox.shopify.user_errors import UserErrorsRaised

Handler = Callable[[Request], Awaitable[Any]]


class OperatorError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def shop_json(shop: Shop) -> dict[str, Any]:
    return {"domain": shop.domain, "name": shop.name, "access_token": shop.access_token,
            "client_id": shop.client_id, "client_secret": shop.client_secret, "webhook_secret": shop.client_secret,
            "currency": shop.currency, "scopes": shop.scopes, "api_versions": list(shop.api_versions)}


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise OperatorError(400, "body must be a JSON object") from error
    if not isinstance(data, dict):
        raise OperatorError(400, "body must be a JSON object")
    return data


def _json(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request))
        except OperatorError as error:
            return JSONResponse({"error": str(error)}, status_code=error.status)
        except KeyError as error:
            return JSONResponse({"error": f"not found: {error.args[0]}"}, status_code=404)
        except UserErrorsRaised as error:
            return JSONResponse({"error": str(error), "userErrors": [e.to_graphql() for e in error.errors]},
                                status_code=422)
        except (ValueError, TypeError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)

    return endpoint


def _decimal(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise OperatorError(400, f"{name} must be a decimal amount") from error


def _quantities(raw: Any) -> dict[int, int] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise OperatorError(400, "line_items must map line item id to quantity")
    return {int(line_id): int(quantity) for line_id, quantity in raw.items()}


class OperatorApi:
    def __init__(self, store: SandboxStore) -> None:
        self._store = store

    @staticmethod
    def _shop_param(request: Request, body: dict[str, Any] | None = None) -> str | None:
        shop = (body or {}).get("shop") or request.query_params.get("shop")
        return str(shop) if shop else None

    async def list_shops(self, request: Request) -> Any:
        return [shop_json(shop) for shop in self._store.shops()]

    async def add_shop(self, request: Request) -> Any:
        body = await _body(request)
        if not body.get("domain"):
            raise OperatorError(400, "domain is required")
        fields = {k: v for k, v in body.items() if k in ShopConfig.__dataclass_fields__}
        if "api_versions" in fields:
            fields["api_versions"] = tuple(fields["api_versions"])
        return shop_json(self._store.add_shop(ShopConfig(**fields)))

    async def list_orders(self, request: Request) -> Any:
        return self._store.snapshot(self._shop_param(request))

    async def get_order(self, request: Request) -> Any:
        with self._store.lock:
            return order_json(self._store.order(self._shop_param(request), int(request.path_params["order_id"])))

    async def create_orders(self, request: Request) -> Any:
        body = await _body(request)
        orders = self._store.generate_orders(
            self._shop_param(request, body), int(body.get("count", 1)),
            financial_status=str(body.get("financial_status", "paid")).upper(),
            with_shipping_address=body.get("with_shipping_address"),
        )
        with self._store.lock:
            return [order_json(order) for order in orders]

    async def mark_paid(self, request: Request) -> Any:
        body = await _body(request)
        with self._store.lock:
            return order_json(self._store.mark_paid(self._shop_param(request, body),
                                                    int(request.path_params["order_id"])))

    async def cancel(self, request: Request) -> Any:
        body = await _body(request)
        with self._store.lock:
            return order_json(self._store.cancel_order(
                self._shop_param(request, body), int(request.path_params["order_id"]),
                reason=str(body.get("reason", "customer")).upper(), refund_payment=bool(body.get("refund", False)),
            ))

    async def refund(self, request: Request) -> Any:
        body = await _body(request)
        domain, order_id = self._shop_param(request, body), int(request.path_params["order_id"])
        amount = _decimal(body["amount"], "amount") if body.get("amount") is not None else None
        with self._store.lock:
            record = self._store.refund_order(domain, order_id, amount=amount,
                                              line_items=_quantities(body.get("line_items")), note=body.get("note"))
            return refund_json(self._store.order(domain, order_id), record)

    async def fulfil(self, request: Request) -> Any:
        body = await _body(request)
        domain, order_id = self._shop_param(request, body), int(request.path_params["order_id"])
        tracking = None
        if body.get("tracking_number") or body.get("tracking_company"):
            tracking = TrackingInfo(body.get("tracking_number"), body.get("tracking_company"),
                                    body.get("tracking_url"))
        with self._store.lock:
            self._store.fulfil_order(domain, order_id, _quantities(body.get("line_items")), tracking)
            return order_json(self._store.order(domain, order_id))

    async def webhook_options(self, request: Request) -> Any:
        if request.method == "PUT":
            return asdict(self._store.webhooks.set_options(**await _body(request)))
        return asdict(self._store.webhooks.options)

    async def subscriptions(self, request: Request) -> Any:
        if request.method == "POST":
            body = await _body(request)
            if not body.get("topic") or not body.get("callback_url"):
                raise OperatorError(400, "topic and callback_url are required")
            topic = str(body["topic"]).upper().replace("/", "_")
            sub = self._store.subscribe(self._shop_param(request, body), topic, str(body["callback_url"]))
            return {"id": sub.id, "topic": sub.topic, "callback_url": sub.callback_url, "api_version": sub.api_version}
        with self._store.lock:
            return [{"id": s.id, "topic": s.topic, "callback_url": s.callback_url, "api_version": s.api_version}
                    for s in self._store.shop(self._shop_param(request)).subscriptions]

    async def deliveries(self, request: Request) -> Any:
        return [delivery.summary() for delivery in self._store.webhooks.deliveries()]

    async def flush(self, request: Request) -> Any:
        body = await _body(request)
        return {"idle": self._store.wait_idle(float(body.get("timeout", 5.0)))}

    async def faults(self, request: Request) -> Any:
        if request.method == "PUT":
            return asdict(self._store.faults.update(**await _body(request)))
        return asdict(self._store.faults.snapshot())

    async def reset_faults(self, request: Request) -> Any:
        self._store.faults.reset()
        return asdict(self._store.faults.snapshot())

    async def throttle(self, request: Request) -> Any:
        body = await _body(request)
        domain = self._store.shop(self._shop_param(request, body)).domain
        bucket = self._store.bucket(domain)
        bucket.configure(size=float(body["bucket_size"]) if "bucket_size" in body else None,
                         restore_rate=float(body["restore_rate"]) if "restore_rate" in body else None)
        if body.get("drain"):
            bucket.drain()
        return bucket.status().to_graphql()

    def routes(self) -> list[Route]:
        o = "/_operator"
        return [
            Route(f"{o}/shops", _json(self.list_shops), methods=["GET"]),
            Route(f"{o}/shops", _json(self.add_shop), methods=["POST"]),
            Route(f"{o}/orders", _json(self.list_orders), methods=["GET"]),
            Route(f"{o}/orders", _json(self.create_orders), methods=["POST"]),
            Route(f"{o}/orders/{{order_id:int}}", _json(self.get_order), methods=["GET"]),
            Route(f"{o}/orders/{{order_id:int}}/mark_paid", _json(self.mark_paid), methods=["POST"]),
            Route(f"{o}/orders/{{order_id:int}}/cancel", _json(self.cancel), methods=["POST"]),
            Route(f"{o}/orders/{{order_id:int}}/refund", _json(self.refund), methods=["POST"]),
            Route(f"{o}/orders/{{order_id:int}}/fulfil", _json(self.fulfil), methods=["POST"]),
            Route(f"{o}/webhooks/options", _json(self.webhook_options), methods=["GET", "PUT"]),
            Route(f"{o}/webhooks/subscriptions", _json(self.subscriptions), methods=["GET", "POST"]),
            Route(f"{o}/webhooks/deliveries", _json(self.deliveries), methods=["GET"]),
            Route(f"{o}/webhooks/flush", _json(self.flush), methods=["POST"]),
            Route(f"{o}/faults", _json(self.faults), methods=["GET", "PUT"]),
            Route(f"{o}/faults/reset", _json(self.reset_faults), methods=["POST"]),
            Route(f"{o}/throttle", _json(self.throttle), methods=["PUT"]),
        ]
