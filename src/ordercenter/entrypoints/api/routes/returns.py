"""Return/refund requests (disputes) with the supplier: open with evidence, read, move along, serve evidence."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

from ordercenter.config import Settings
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.evidence import FIELD, MB, SNIFF_BYTES, EvidenceLimits, read_budget
from ordercenter.domain.status import ReturnStatus
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.entrypoints.api.return_schemas import (
    RETURN_FORM_OPENAPI,
    DisputeNumberCreate,
    RefundIssuedCreate,
    ReturnCloseCreate,
    ReturnDecisionCreate,
    ReturnPublic,
    ReturnShipmentCreate,
    ReturnsPublic,
)
from ordercenter.services import return_actions, return_queries, returns

router = APIRouter(tags=["returns"])

# Room for the text fields and the multipart boundaries around the files.
FORM_OVERHEAD = 1 * MB
MAX_TEXT_FIELD = 64 * 1024


def evidence_limits(settings: Settings) -> EvidenceLimits:
    return EvidenceLimits(max_photo_bytes=settings.evidence_max_photo_bytes,
                          max_video_bytes=settings.evidence_max_video_bytes, max_files=settings.evidence_max_files)


def _too_large(limits: EvidenceLimits) -> InvalidInput:
    return InvalidInput(f"the upload is too large: at most {limits.max_files} files, photos up to "
                        f"{limits.max_photo_bytes // MB} MB and videos up to {limits.max_video_bytes // MB} MB",
                        field=FIELD)


async def _bounded(stream: AsyncIterator[bytes], cap: int, limits: EvidenceLimits) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > cap:
            raise _too_large(limits)
        yield chunk


async def _read_form(request: Request, limits: EvidenceLimits) -> FormData:
    """The multipart form, refused as soon as the body outgrows what the limits can allow (with or without a
    Content-Length), so an oversized upload is neither held in memory nor spooled to disk whole."""
    content_type = request.headers.get("content-type", "")
    # A request without evidence (a parcel that never came) may be sent as a plain form.
    plain = content_type.startswith("application/x-www-form-urlencoded")
    if not plain and not content_type.startswith("multipart/form-data"):
        raise InvalidInput("send the request as multipart/form-data (kind, reason, amount, description, evidence "
                           "files)", field="content-type")
    cap = (MAX_TEXT_FIELD if plain else limits.max_files * limits.largest_file) + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(limits)
    stream = _bounded(request.stream(), cap, limits)
    try:
        if plain:
            return await FormParser(request.headers, stream, max_fields=20, max_part_size=MAX_TEXT_FIELD).parse()
        return await MultiPartParser(request.headers, stream, max_files=limits.max_files, max_fields=20,
                                     max_part_size=MAX_TEXT_FIELD).parse()
    except MultiPartException as error:
        if "files" in error.message.lower():
            raise InvalidInput(f"at most {limits.max_files} evidence files can be attached", field=FIELD) from None
        raise InvalidInput(f"the form could not be read: {error.message}", field=FIELD) from None


async def _evidence(form: FormData, limits: EvidenceLimits) -> list[tuple[str, bytes]]:
    """Each evidence file's name and bytes, reading no more of a file than its kind's limit (plus one byte)."""
    files: list[tuple[str, bytes]] = []
    for item in form.getlist("evidence"):
        if not isinstance(item, UploadFile):
            raise InvalidInput("evidence must be sent as files, not as text", field=FIELD)
        head = await item.read(SNIFF_BYTES)
        rest = await item.read(max(0, read_budget(head, limits) - len(head)))
        files.append((item.filename or "", head + rest))
    return files


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a text field", field=name)
    return value


@router.post("/supplier-orders/{supplier_order_id}/returns", response_model=ReturnPublic, status_code=201,
             summary="Open a return/refund request (dispute) with evidence", openapi_extra=RETURN_FORM_OPENAPI)
async def open_return(supplier_order_id: RowId, request: Request, container: ContainerDep,
                      token: CurrentToken) -> ReturnPublic:
    """201 with the request as it stands: `under_review` when the supplier took the dispute by API,
    `submitted` when it is to be opened by hand on the supplier's site (assisted: `steps`, `link`) or
    the supplier did not answer yet."""
    limits = evidence_limits(container.settings)
    form = await _read_form(request, limits)
    try:
        evidence = await _evidence(form, limits)
        fields = {name: _text(form, name) for name in ("kind", "reason", "amount", "description", "payer_country")}
    finally:
        await form.close()
    for required in ("kind", "reason", "amount"):
        if not fields[required].strip():
            raise InvalidInput(f"{required} is required", field=required)
    opened = await run_in_threadpool(
        returns.open_return, container.uow(), container.supplier_resolver(token.shop_id), container.file_store,
        container.clock, limits, shop_id=token.shop_id, supplier_order_id=supplier_order_id, kind=fields["kind"],
        reason=fields["reason"], amount=fields["amount"], description=fields["description"], evidence=evidence,
        actor_id=f"token:{token.id}", payer_country=fields["payer_country"] or None)
    return ReturnPublic.of(opened)


@router.get("/returns", response_model=ReturnsPublic, summary="List return/refund requests, newest first")
def list_returns(container: ContainerDep, token: CurrentToken, status: ReturnStatus | None = None,
                 open: Annotated[bool, Query(description="Only requests still open")] = False,
                 limit: Annotated[int, Query(ge=1, le=return_queries.MAX_LIST)] = 100) -> ReturnsPublic:
    rows = return_queries.list_returns(container.uow(), shop_id=token.shop_id, status=status, open_only=open,
                                       limit=limit)
    return ReturnsPublic(data=[ReturnPublic.of(r) for r in rows], count=len(rows))


@router.get("/returns/{return_id}", response_model=ReturnPublic, summary="One return/refund request")
def get_return(return_id: RowId, container: ContainerDep, token: CurrentToken) -> ReturnPublic:
    return ReturnPublic.of(return_queries.get_return(container.uow(), shop_id=token.shop_id, return_id=return_id))


@router.get("/returns/{return_id}/evidence/{n}", response_class=Response,
            summary="One evidence file (the same shop only), as an attachment",
            responses={200: {"content": {"application/octet-stream": {}}}})
def get_evidence(return_id: RowId, n: RowId, container: ContainerDep, token: CurrentToken) -> Response:
    found = return_queries.evidence_file(container.uow(), container.file_store, shop_id=token.shop_id,
                                         return_id=return_id, number=n)
    return Response(found.content, media_type=found.content_type, headers={
        "Content-Disposition": f'attachment; filename="{found.name}"', "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})


@router.post("/returns/{return_id}/dispute", response_model=ReturnPublic,
             summary="Record the dispute number of a request opened by hand on the supplier's site")
def record_dispute(return_id: RowId, body: DisputeNumberCreate, container: ContainerDep,
                   token: CurrentToken) -> ReturnPublic:
    return ReturnPublic.of(return_actions.record_dispute_opened(
        container.uow(), container.clock, shop_id=token.shop_id, return_id=return_id, dispute_id=body.dispute_id,
        actor_id=f"token:{token.id}"))


@router.post("/returns/{return_id}/decision", response_model=ReturnPublic,
             summary="Record the supplier's decision (with return instructions when approved)")
def record_decision(return_id: RowId, body: ReturnDecisionCreate, container: ContainerDep,
                    token: CurrentToken) -> ReturnPublic:
    return ReturnPublic.of(return_actions.record_decision(
        container.uow(), container.clock, shop_id=token.shop_id, return_id=return_id, decision=body.decision,
        note=body.note, return_address=body.return_address, return_ship_by=body.return_ship_by,
        return_label_url=body.return_label_url, refund_amount=body.refund_amount, actor_id=f"token:{token.id}"))


@router.post("/returns/{return_id}/return-shipment", response_model=ReturnPublic,
             summary="The goods went back: their tracking number")
def record_return_shipment(return_id: RowId, body: ReturnShipmentCreate, container: ContainerDep,
                           token: CurrentToken) -> ReturnPublic:
    return ReturnPublic.of(return_actions.record_return_shipment(
        container.uow(), container.supplier_resolver(token.shop_id), container.clock, shop_id=token.shop_id,
        return_id=return_id, tracking_number=body.tracking_number, actor_id=f"token:{token.id}"))


@router.post("/returns/{return_id}/escalate", response_model=ReturnPublic,
             summary="Ask the platform to decide a refused dispute")
def escalate(return_id: RowId, container: ContainerDep, token: CurrentToken) -> ReturnPublic:
    return ReturnPublic.of(return_actions.escalate_return(
        container.uow(), container.supplier_resolver(token.shop_id), container.clock, shop_id=token.shop_id,
        return_id=return_id, actor_id=f"token:{token.id}"))


@router.post("/returns/{return_id}/close", response_model=ReturnPublic,
             summary="Close a refused request, or drop an open one")
def close(return_id: RowId, container: ContainerDep, token: CurrentToken,
          body: ReturnCloseCreate | None = None) -> ReturnPublic:
    return ReturnPublic.of(return_actions.close_return(
        container.uow(), container.clock, shop_id=token.shop_id, return_id=return_id, note=body.note if body else None,
        actor_id=f"token:{token.id}"))


@router.post("/returns/{return_id}/refund-issued", response_model=ReturnPublic,
             summary="The supplier issued the refund: count its expected arrival from today")
def refund_issued(return_id: RowId, container: ContainerDep, token: CurrentToken,
                  body: RefundIssuedCreate | None = None) -> ReturnPublic:
    return ReturnPublic.of(return_actions.record_refund_issued(
        container.uow(), container.clock, shop_id=token.shop_id, return_id=return_id,
        amount=body.amount if body else None, actor_id=f"token:{token.id}"))


@router.post("/returns/{return_id}/refund-arrived", response_model=ReturnPublic,
             summary="The refund reached the payer")
def refund_arrived(return_id: RowId, container: ContainerDep, token: CurrentToken) -> ReturnPublic:
    return ReturnPublic.of(return_actions.confirm_refund_arrived(
        container.uow(), container.clock, shop_id=token.shop_id, return_id=return_id, actor_id=f"token:{token.id}"))
