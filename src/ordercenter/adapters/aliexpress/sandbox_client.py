"""`SandboxAliExpressClient`: the AliExpress client against the sandbox supplier, with its extra methods.

Same wire protocol and signing as the real platform; on top, the sandbox answers the
`aliexpress.ds.sandbox.*` methods, so this client can look orders up by `out_order_id` (making
placement after a timeout fully automatic) and cancel, dispute and message the seller by API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordercenter.adapters.aliexpress.client import AliExpressClient
from ordercenter.adapters.aliexpress.responses import parse_time
from ordercenter.adapters.ports import AfterSaleAction
from ordercenter.adapters.supplier_after_sale import (
    AfterSaleState,
    CancellationOutcome,
    CancellationTicket,
    DisputeKind,
    DisputeRequest,
    DisputeTicket,
    SellerMessage,
)
from ordercenter.domain.money import Money

ORDER_FIND = "aliexpress.ds.sandbox.order.find"
ORDER_CANCEL = "aliexpress.ds.sandbox.order.cancel"
ORDER_PAY = "aliexpress.ds.sandbox.order.pay"
DISPUTE_OPEN = "aliexpress.ds.sandbox.dispute.open"
DISPUTE_ESCALATE = "aliexpress.ds.sandbox.dispute.escalate"
RETURN_SHIPPED = "aliexpress.ds.sandbox.dispute.return_shipped"
MESSAGE_SEND = "aliexpress.ds.sandbox.message.send"
AFTERSALE_GET = "aliexpress.ds.sandbox.aftersale.get"


def _list(container: object) -> list[dict[str, Any]]:
    if isinstance(container, dict):
        container = next((value for value in container.values() if isinstance(value, list)), [])
    return [item for item in container if isinstance(item, dict)] if isinstance(container, list) else []


def _money(value: object) -> Money | None:
    if not isinstance(value, Mapping) or value.get("amount") in (None, ""):
        return None
    return Money.of(str(value["amount"]), str(value.get("currency_code") or "USD"))


def _cancellation(data: Mapping[str, Any]) -> CancellationTicket:
    requested = parse_time(data.get("requested_at"))
    assert requested is not None, "the sandbox always dates a cancellation request"
    return CancellationTicket(
        cancellation_id=str(data["cancellation_id"]), supplier_order_id=str(data["order_id"]),
        outcome=CancellationOutcome(str(data["status"]).lower()), reason=str(data.get("reason") or ""),
        requested_at=requested, decided_at=parse_time(data.get("decided_at")), note=str(data.get("note") or ""))


def _dispute(data: Mapping[str, Any]) -> DisputeTicket:
    opened = parse_time(data.get("opened_at"))
    requested = _money(data.get("refund_amount_requested"))
    assert opened is not None and requested is not None, "the sandbox always dates and prices a dispute"
    return DisputeTicket(
        dispute_id=str(data["dispute_id"]), supplier_order_id=str(data["order_id"]), status=str(data["status"]),
        kind=DisputeKind(str(data["dispute_type"])), reason=str(data.get("reason") or ""), amount=requested,
        opened_at=opened, refund_amount=_money(data.get("refund_amount")),
        refunded_at=parse_time(data.get("refunded_at")),
        return_instructions=str(data.get("return_instructions") or "") or None,
        decided_by=str(data.get("decided_by") or "") or None, note=str(data.get("note") or ""))


def _message(data: Mapping[str, Any]) -> SellerMessage:
    at = parse_time(data.get("gmt_create"))
    assert at is not None, "the sandbox always dates a message"
    return SellerMessage(message_id=str(data["message_id"]), supplier_order_id=str(data["order_id"]),
                         from_seller=data.get("sender") == "seller", text=str(data.get("content") or ""), at=at)


class SandboxAliExpressClient(AliExpressClient):
    """Talks to `ordercenter.sandbox.aliexpress`; also implements `SupplierAfterSale`."""

    @property
    def capabilities(self) -> frozenset[AfterSaleAction]:
        return frozenset(AfterSaleAction)

    def find_orders_by_out_order_id(self, out_order_id: str) -> list[str] | None:
        response = self._gateway.call(ORDER_FIND, {"out_order_id": out_order_id})
        numbers = (response.get("result") or {}).get("order_list") or {}
        values = numbers.get("number", []) if isinstance(numbers, dict) else numbers
        return [str(number) for number in values]

    def pay_order(self, supplier_order_id: str) -> None:
        """Pay an order awaiting payment (on real AliExpress the merchant pays on the website)."""
        self._gateway.call(ORDER_PAY, {"order_id": supplier_order_id}, retry=False)

    def request_cancellation(self, supplier_order_id: str, reason: str) -> CancellationTicket:
        # Not a blind repeat risk: asking twice returns the pending request, so retries are safe.
        response = self._gateway.call(ORDER_CANCEL, {"order_id": supplier_order_id, "reason": reason})
        return _cancellation(response["result"]["cancellation"])

    def open_dispute(self, request: DisputeRequest) -> DisputeTicket:
        payload = {"order_id": request.supplier_order_id, "dispute_type": request.kind.value,
                   "reason": request.reason, "description": request.description,
                   "refund_amount": {"amount": str(request.amount.rounded().amount),
                                     "currency_code": request.amount.currency},
                   "evidence": list(request.evidence)}
        # A repeat after a lost answer is refused (DISPUTE_ALREADY_OPEN), never doubled: no blind retry.
        response = self._gateway.call(DISPUTE_OPEN, {"dispute_request": payload}, retry=False)
        return _dispute(response["result"]["dispute"])

    def escalate_dispute(self, dispute_id: str) -> DisputeTicket:
        response = self._gateway.call(DISPUTE_ESCALATE, {"dispute_id": dispute_id})
        return _dispute(response["result"]["dispute"])

    def confirm_return_shipped(self, dispute_id: str, tracking_number: str) -> DisputeTicket:
        response = self._gateway.call(RETURN_SHIPPED, {"dispute_id": dispute_id, "logistics_no": tracking_number})
        return _dispute(response["result"]["dispute"])

    def send_message(self, supplier_order_id: str, text: str) -> SellerMessage:
        response = self._gateway.call(MESSAGE_SEND, {"order_id": supplier_order_id, "content": text}, retry=False)
        return _message(response["result"]["message"])

    def get_after_sale(self, supplier_order_id: str) -> AfterSaleState:
        result = self._gateway.call(AFTERSALE_GET, {"order_id": supplier_order_id})["result"]
        return AfterSaleState(cancellations=[_cancellation(c) for c in _list(result.get("cancellations"))],
                              disputes=[_dispute(d) for d in _list(result.get("disputes"))],
                              messages=[_message(m) for m in _list(result.get("messages"))])
