"""Cancelling a supplier order: ask the supplier, read the request, record the supplier's decision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ordercenter.domain.cancellations import CancellationFollowUp, CancellationReason, CancellationRequest
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.money import Money
from ordercenter.domain.status import ActorKind, CancellationStatus
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.entrypoints.api.request_models import RequestBody, RowId
from ordercenter.services import cancellation, cancellation_refunds, polling

router = APIRouter(tags=["cancellations"])


class CancellationCreate(RequestBody):
    reason: CancellationReason = Field(description="Why the merchant cancels (the fixed list)")
    note: str = Field("", description="Free text for the supplier; required when the reason is 'other'")
    then: CancellationFollowUp = Field(CancellationFollowUp.REORDER,
                                       description="Once approved: reorder, or cancel the store order too")
    store_refund: bool = Field(True, description="cancel_on_store: refund the customer on the store")
    store_restock: bool = Field(True, description="cancel_on_store: put the items back in stock")
    notify_customer: bool = Field(True, description="cancel_on_store: the store e-mails the customer")


class CancellationDecisionCreate(RequestBody):
    decision: Literal["approved", "rejected"]
    note: str = Field("", description="The supplier's words (its reason for refusing, for one)")


class RefundExpectedPublic(BaseModel):
    amount: str  # a decimal string, never a float
    currency: str
    expected_from: date | None
    expected_by: date | None


class CancellationPublic(BaseModel):
    id: int
    status: CancellationStatus
    supplier_order_id: int
    order_id: int
    reason: CancellationReason
    note: str
    then: CancellationFollowUp
    store_refund: bool
    store_restock: bool
    notify_customer: bool
    requested_at: datetime
    assisted: bool
    steps: list[str] | None  # assisted only: what to do on the supplier's website
    link: str | None  # assisted only: the order page on the supplier's website
    supplier_request_id: str | None
    decided_at: datetime | None
    decided_by: ActorKind | None
    decision_note: str | None
    refund: RefundExpectedPublic | None
    follow_up_done_at: datetime | None
    follow_up_error: str | None

    @classmethod
    def of(cls, request: CancellationRequest) -> CancellationPublic:
        refund = None
        if request.refund_amount is not None:
            refund = RefundExpectedPublic(
                amount=str(Money(request.refund_amount, request.currency).rounded().amount),
                currency=request.currency, expected_from=request.refund_expected_from,
                expected_by=request.refund_expected_by)
        return cls(id=request.id, status=request.status, supplier_order_id=request.supplier_order_id,
                   order_id=request.order_id, reason=request.reason, note=request.note, then=request.follow_up,
                   store_refund=request.store_refund, store_restock=request.store_restock,
                   notify_customer=request.notify_customer, requested_at=request.requested_at,
                   assisted=request.assisted, steps=[str(s) for s in request.steps] if request.assisted else None,
                   link=request.link if request.assisted else None, supplier_request_id=request.supplier_request_id,
                   decided_at=request.decided_at, decided_by=request.decided_by,
                   decision_note=request.decision_note, refund=refund, follow_up_done_at=request.follow_up_done_at,
                   follow_up_error=request.follow_up_error)


class CancellationsPublic(BaseModel):
    data: list[CancellationPublic]
    count: int


@router.post("/supplier-orders/{supplier_order_id}/cancellation", status_code=201,
             response_model=CancellationPublic,
             summary="Ask the supplier to cancel a supplier order that has not shipped (then reorder or cancel on "
                     "the store)")
def request_cancellation(supplier_order_id: RowId, body: CancellationCreate, container: ContainerDep,
                         token: CurrentToken) -> CancellationPublic:
    """The request as it stands: `pending`, or already decided when the supplier answers at once; with an
    assisted supplier, the steps and the link to do it on the supplier's website."""
    with polling.clients(container.uow(), container.supplier_for, container.store_for) as (supplier_for, store_for):
        request = cancellation.request_cancellation(
            container.uow(), supplier_for, store_for, container.clock, shop_id=token.shop_id,
            supplier_order_id=supplier_order_id, reason=body.reason, note=body.note, follow_up=body.then,
            store_refund=body.store_refund, store_restock=body.store_restock, notify_customer=body.notify_customer,
            actor_id=f"token:{token.id}")
    return CancellationPublic.of(request)


@router.get("/cancellations", response_model=CancellationsPublic, summary="The shop's cancellation requests")
def list_cancellations(container: ContainerDep, token: CurrentToken, status: CancellationStatus | None = None,
                       limit: int = Query(50, ge=1, le=cancellation.SCAN_LIMIT)) -> CancellationsPublic:
    requests = cancellation.list_cancellations(container.uow(), shop_id=token.shop_id, status=status, limit=limit)
    return CancellationsPublic(data=[CancellationPublic.of(r) for r in requests], count=len(requests))


@router.get("/cancellations/{cancellation_id}", response_model=CancellationPublic,
            summary="One cancellation request with the supplier's decision and the refund expected")
def get_cancellation(cancellation_id: RowId, container: ContainerDep, token: CurrentToken) -> CancellationPublic:
    return CancellationPublic.of(cancellation.get_cancellation(container.uow(), shop_id=token.shop_id,
                                                               cancellation_id=cancellation_id))


@router.post("/cancellations/{cancellation_id}/decision", response_model=CancellationPublic,
             summary="Record the supplier's decision (for any supplier: what was seen on its website)")
def decide_cancellation(cancellation_id: RowId, body: CancellationDecisionCreate, container: ContainerDep,
                        token: CurrentToken) -> CancellationPublic:
    with polling.clients(container.uow(), container.supplier_for, container.store_for) as (_, store_for):
        request = cancellation.decide_cancellation(container.uow(), store_for, container.clock, shop_id=token.shop_id,
                                                   cancellation_id=cancellation_id, decision=body.decision,
                                                   note=body.note, actor_id=f"token:{token.id}")
    return CancellationPublic.of(request)


class RefundArrivedCreate(RequestBody):
    arrived_at: datetime | None = Field(default=None, description="When it arrived (default: now)")


@router.post("/cancellations/{cancellation_id}/refund-arrived", response_model=CancellationPublic,
             summary="Record that the supplier's refund of an approved cancellation reached the payer")
def refund_arrived(cancellation_id: RowId, container: ContainerDep, token: CurrentToken,
                   body: RefundArrivedCreate | None = None) -> CancellationPublic:
    arrived = body.arrived_at if body else None
    if arrived is not None and arrived.tzinfo is None:
        raise InvalidInput("arrived_at needs a time zone, e.g. 2026-12-01T10:00:00Z", field="arrived_at")
    return CancellationPublic.of(cancellation_refunds.record_refund_arrived(
        container.uow(), container.clock, shop_id=token.shop_id, cancellation_id=cancellation_id,
        actor_id=f"token:{token.id}", at=arrived))
