"""Request and response models of the return/refund (dispute) endpoints."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from ordercenter.domain.return_rules import allowed_actions
from ordercenter.domain.returns import ReturnKind, ReturnReason, ReturnRequest
from ordercenter.domain.status import ReturnStatus
from ordercenter.entrypoints.api.request_models import RequestBody
from ordercenter.entrypoints.api.schemas import MoneyPublic

# The multipart form of POST /supplier-orders/{id}/returns, for /openapi.json (the route reads it itself,
# bounded, rather than letting the framework spool an unlimited body).
RETURN_FORM_OPENAPI: dict[str, object] = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "required": ["kind", "reason", "amount"],
            "properties": {
                "kind": {"type": "string", "enum": [k.value for k in ReturnKind]},
                "reason": {"type": "string", "enum": [r.value for r in ReturnReason]},
                "amount": {"type": "string", "description": "Decimal amount asked for, at most what was paid"},
                "description": {"type": "string", "description": "What is wrong; required for the reason 'other'"},
                "payer_country": {"type": "string",
                                  "description": "Country of the payment method (default: the ship-to country)"},
                "evidence": {"type": "array", "items": {"type": "string", "format": "binary"},
                             "description": "Photos (JPEG, PNG, WebP) and videos (MP4, MOV), checked by content"},
            },
        }}},
    },
}


class EvidencePublic(BaseModel):
    n: int
    name: str
    url: str  # served to the same shop only, as an attachment


class ReturnInstructionsPublic(BaseModel):
    text: str | None
    address: str | None
    ship_by: date | None
    label_url: str | None


class ReturnRefundPublic(BaseModel):
    amount: MoneyPublic  # agreed (or asked for, until agreed)
    method: str | None  # how the supplier was paid: the refund goes back there
    payer_country: str | None
    issued_at: datetime | None
    expected_from: date | None
    expected_by: date | None
    arrived_at: datetime | None


class ReturnPublic(BaseModel):
    id: int
    order_id: int
    supplier_order_id: int
    kind: ReturnKind
    reason: ReturnReason
    description: str
    status: ReturnStatus
    amount_requested: MoneyPublic
    evidence: list[EvidencePublic]
    opened_at: datetime
    decided_at: datetime | None
    closed_at: datetime | None
    assisted: bool
    steps: list[str] | None  # assisted only: how to open the dispute on the supplier's website
    link: str | None  # assisted only: the order page on the supplier's website
    supplier_dispute_id: str | None
    supplier_status: str | None
    decision_note: str | None
    return_instructions: ReturnInstructionsPublic | None
    return_tracking_number: str | None
    escalated_at: datetime | None
    refund: ReturnRefundPublic
    allowed_actions: list[str]

    @classmethod
    def of(cls, request: ReturnRequest) -> ReturnPublic:
        keys = [str(k) for k in request.evidence_keys]
        instructions = None
        if request.return_instructions or request.return_address:
            instructions = ReturnInstructionsPublic(text=request.return_instructions, address=request.return_address,
                                                    ship_by=request.return_ship_by,
                                                    label_url=request.return_label_url)
        refund_amount = request.amount_refunded if request.amount_refunded is not None else request.amount_requested
        return cls(
            id=request.id, order_id=request.order_id, supplier_order_id=request.supplier_order_id, kind=request.kind,
            reason=request.reason, description=request.description, status=request.status,
            amount_requested=MoneyPublic.of(request.amount_requested, request.currency),
            evidence=[EvidencePublic(n=n, name=key.rsplit("/", 1)[-1].split("-", 1)[-1],
                                     url=f"/api/v1/returns/{request.id}/evidence/{n}")
                      for n, key in enumerate(keys, start=1)],
            opened_at=request.opened_at, decided_at=request.decided_at, closed_at=request.closed_at,
            assisted=request.assisted, steps=[str(s) for s in request.steps] if request.assisted else None,
            link=request.link if request.assisted else None, supplier_dispute_id=request.supplier_dispute_id,
            supplier_status=request.supplier_status, decision_note=request.decision_note,
            return_instructions=instructions, return_tracking_number=request.return_tracking_number,
            escalated_at=request.escalated_at,
            refund=ReturnRefundPublic(amount=MoneyPublic.of(refund_amount, request.currency),
                                      method=request.payment_method, payer_country=request.payer_country,
                                      issued_at=request.refund_issued_at, expected_from=request.refund_expected_from,
                                      expected_by=request.refund_expected_by, arrived_at=request.refund_arrived_at),
            allowed_actions=[a.value for a in allowed_actions(request.status,
                                                              escalated=request.escalated_at is not None)],
        )


class ReturnsPublic(BaseModel):
    data: list[ReturnPublic]
    count: int


class DisputeNumberCreate(RequestBody):
    dispute_id: str = Field(description="The dispute number the supplier's site shows")


class ReturnDecisionCreate(RequestBody):
    decision: str = Field(description="approved | rejected: what the supplier decided")
    note: str | None = Field(None, description="The supplier's words")
    return_address: str | None = Field(None, description="Approved return and refund: where to send the goods")
    return_ship_by: date | None = Field(None, description="Approved return and refund: the last day to send them")
    return_label_url: str | None = Field(None, description="A prepaid return label, when the supplier gives one")
    refund_amount: str | None = Field(None, description="The refund agreed, when less than asked for")


class ReturnShipmentCreate(RequestBody):
    tracking_number: str = Field(description="The return parcel's tracking number")


class ReturnCloseCreate(RequestBody):
    note: str | None = Field(None, description="Why it is closed or dropped")


class RefundIssuedCreate(RequestBody):
    amount: str | None = Field(None, description="The amount refunded, when less than asked for")
