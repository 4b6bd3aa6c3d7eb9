"""The after-sale port of a supplier that offers cancel / dispute / message by API.

Real AliExpress offers none of these (they are assisted: done by a person on aliexpress.com, see
`aliexpress/assisted.py`); the sandbox supplier offers all three, so the whole after-sale flow can run
end to end. A client advertises which it supports through `SupplierPlatform.capabilities`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from ordercenter.domain.money import Money


class CancellationOutcome(StrEnum):
    """Where the supplier's answer to a cancellation request stands."""

    PENDING = "pending"  # the seller has not decided yet
    APPROVED = "approved"  # cancelled; a paid order is refunded
    REJECTED = "rejected"  # usually because it has shipped


@dataclass(frozen=True)
class CancellationTicket:
    cancellation_id: str
    supplier_order_id: str
    outcome: CancellationOutcome
    reason: str
    requested_at: datetime
    decided_at: datetime | None = None
    note: str = ""


class DisputeKind(StrEnum):
    REFUND_ONLY = "refund_only"
    RETURN_AND_REFUND = "return_and_refund"


@dataclass(frozen=True)
class DisputeRequest:
    supplier_order_id: str
    kind: DisputeKind
    reason: str
    description: str
    amount: Money
    evidence: list[str] = field(default_factory=list)  # file names or URLs of photos, videos, screenshots


@dataclass(frozen=True)
class DisputeTicket:
    dispute_id: str
    supplier_order_id: str
    status: str  # the supplier's own value, e.g. WAIT_SELLER_RESPONSE, REFUNDED
    kind: DisputeKind
    reason: str
    amount: Money
    opened_at: datetime
    refund_amount: Money | None = None
    refunded_at: datetime | None = None
    return_instructions: str | None = None
    decided_by: str | None = None  # "seller" or "platform"
    note: str = ""


@dataclass(frozen=True)
class SellerMessage:
    message_id: str
    supplier_order_id: str
    from_seller: bool
    text: str
    at: datetime


@dataclass(frozen=True)
class AfterSaleState:
    """Everything after-sale the supplier holds for one order."""

    cancellations: list[CancellationTicket]
    disputes: list[DisputeTicket]
    messages: list[SellerMessage]


@runtime_checkable
class SupplierAfterSale(Protocol):
    def request_cancellation(self, supplier_order_id: str, reason: str) -> CancellationTicket: ...

    def open_dispute(self, request: DisputeRequest) -> DisputeTicket: ...

    def send_message(self, supplier_order_id: str, text: str) -> SellerMessage: ...

    def get_after_sale(self, supplier_order_id: str) -> AfterSaleState: ...
