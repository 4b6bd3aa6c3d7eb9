"""The privacy webhooks a public app must answer, and the uninstall, sent by the sandbox on the operator's word.

Shopify sends customers/data_request, customers/redact and shop/redact to the compliance address set in
the app's configuration, not to a subscription; the sandbox sends them to the `callback_url` given, or to
where the shop's subscriptions point. An uninstall sends app/uninstalled to its subscribers and then drops
every subscription of the shop, as Shopify does (a reinstall subscribes again).

    POST /_operator/compliance/customers/data_request   {"shop", "customer": email, "callback_url"?}
    POST /_operator/compliance/customers/redact         {"shop", "customer": email, "callback_url"?}
    POST /_operator/compliance/shop/redact              {"shop", "callback_url"?}
    POST /_operator/uninstall                           {"shop"}
"""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from ordercenter.sandbox.shopify.operator import OperatorError, _body, _json
from ordercenter.sandbox.shopify.payloads import iso
from ordercenter.sandbox.shopify.records import Shop
from ordercenter.sandbox.shopify.state import SandboxStore, topic_path
from ordercenter.sandbox.shopify.webhooks import build_delivery

COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")

#: A stable shop id per domain, as Shopify's shop_id (the sandbox has no numeric shop ids of its own).
_SHOP_ID_BASE = 60_000_000_001


class ComplianceApi:
    def __init__(self, store: SandboxStore) -> None:
        self._store = store
        self._request_ids = itertools.count(9_100_000_001)

    def _shop_id(self, shop: Shop) -> int:
        return _SHOP_ID_BASE + [s.domain for s in self._store.shops()].index(shop.domain)

    def _callback_url(self, shop: Shop, body: dict[str, Any]) -> str:
        if body.get("callback_url"):
            return str(body["callback_url"])
        if not shop.subscriptions:
            raise OperatorError(400, f"{shop.domain} has no webhook subscription to learn the app's address "
                                     "from: give callback_url")
        return shop.subscriptions[0].callback_url

    def payload(self, shop: Shop, topic: str, email: str | None) -> dict[str, Any]:
        """The body Shopify sends for this topic, about the customer with this e-mail address."""
        base: dict[str, Any] = {"shop_id": self._shop_id(shop), "shop_domain": shop.domain}
        if topic == "shop/redact":
            return base
        if not email:
            raise OperatorError(400, "customer (the customer's e-mail address) is required")
        orders = [o for o in sorted(shop.orders.values(), key=lambda o: o.id)
                  if (o.email or "").lower() == email.lower()
                  or (o.customer is not None and o.customer.email.lower() == email.lower())]
        customer = next((o.customer for o in orders if o.customer is not None), None)
        base["customer"] = {"id": customer.id if customer else self._store.next_id("Customer"), "email": email,
                            "phone": next((o.shipping_address.phone for o in orders
                                           if o.shipping_address is not None and o.shipping_address.phone), None)}
        if topic == "customers/data_request":
            return {**base, "orders_requested": [o.id for o in orders],
                    "data_request": {"id": next(self._request_ids)}}
        return {**base, "orders_to_redact": [o.id for o in orders]}

    def _send(self, shop: Shop, topic: str, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        delivery = build_delivery(url=url, topic=topic, shop_domain=shop.domain, secret=shop.client_secret,
                                  api_version=shop.api_versions[-1], body=json.dumps(payload).encode(),
                                  event_id=str(uuid.uuid4()), triggered_at=iso(self._store.now()) or "")
        self._store.webhooks.enqueue(delivery)
        return {"topic": topic, "callback_url": url, "webhook_id": delivery.webhook_id, "payload": payload}

    async def compliance(self, request: Request) -> Any:
        topic = f"{request.path_params['resource']}/{request.path_params['action']}"
        if topic not in COMPLIANCE_TOPICS:
            raise OperatorError(404, f"'{topic}' is not a privacy topic ({', '.join(COMPLIANCE_TOPICS)})")
        body = await _body(request)
        with self._store.lock:
            shop = self._store.shop(str(body.get("shop") or request.query_params.get("shop") or "") or None)
            email = str(body["customer"]) if body.get("customer") else None
            return self._send(shop, topic, self._callback_url(shop, body), self.payload(shop, topic, email))

    async def uninstall(self, request: Request) -> Any:
        body = await _body(request)
        with self._store.lock:
            shop = self._store.shop(str(body.get("shop") or request.query_params.get("shop") or "") or None)
            payload = {"id": self._shop_id(shop), "name": shop.name, "domain": shop.domain,
                       "myshopify_domain": shop.domain, "currency": shop.currency}
            sent = [self._send(shop, topic_path(s.topic), s.callback_url, payload)["webhook_id"]
                    for s in shop.subscriptions if s.topic == "APP_UNINSTALLED"]
            dropped = len(shop.subscriptions)
            shop.subscriptions = []
            return {"shop": shop.domain, "sent": sent, "subscriptions_dropped": dropped}

    def routes(self) -> list[Route]:
        o = "/_operator"
        return [
            Route(f"{o}/compliance/{{resource}}/{{action}}", _json(self.compliance), methods=["POST"]),
            Route(f"{o}/uninstall", _json(self.uninstall), methods=["POST"]),
        ]
