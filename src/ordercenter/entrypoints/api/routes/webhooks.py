"""Store webhooks: verified and stored before the answer, applied right after it."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ordercenter.domain.errors import ErrorCode
from ordercenter.domain.webhooks import DeliveryStatus
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.errors import error_body
from ordercenter.services import webhook_intake
from ordercenter.services.webhook_intake import Received

router = APIRouter(tags=["webhooks"])

PARALLEL_BATCHES = 4


class WebhookAck(BaseModel):
    status: str  # received | duplicate | ignored | rejected
    delivery_id: int
    # Why a rejected delivery is unusable, and the header or body field at fault.
    error: str | None = None
    field: str | None = None


class _BodyTooLarge(Exception):
    pass


def _refused_unread(status: int, code: ErrorCode, message: str, field: str) -> JSONResponse:
    # The rest of the body is never read: closing the connection spares taking it in only to drop it.
    return JSONResponse(error_body(code, message, field), status_code=status, headers={"Connection": "close"})


async def _body_within(request: Request, limit: int) -> bytes:
    """The body, read no further than `limit` bytes; _BodyTooLarge beyond (a chunked body has no length)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _BodyTooLarge
    return bytes(body)


@router.post("/webhooks/shopify", response_model=WebhookAck, summary="Shopify webhook receiver",
             responses={200: {"description": "stored: `received` (applied right after the answer), `duplicate`, "
                                             "`ignored`, or `rejected` when authentic but malformed (kept for "
                                             "inspection, answered 200 so the store does not send it again)"},
                        401: {"description": "signature missing or wrong; nothing stored (a missing or "
                                             "malformed one is refused before the body is read)"},
                        404: {"description": "unknown shop; nothing stored"},
                        413: {"description": "body larger than ORDERCENTER_WEBHOOK_MAX_BODY_BYTES; refused "
                                             "without reading the rest, nothing stored"}})
async def shopify_webhook(request: Request, container: ContainerDep,
                          background: BackgroundTasks) -> WebhookAck | JSONResponse:
    headers = dict(request.headers)
    try:
        webhook_intake.refuse_unsigned(container.webhook_codec, headers)
    except webhook_intake.BadSignature as exc:
        return _refused_unread(401, exc.code, exc.message, exc.field or "X-Shopify-Hmac-Sha256")
    limit = container.settings.webhook_max_body_bytes
    try:
        body = await _body_within(request, limit)
    except _BodyTooLarge:
        return _refused_unread(413, ErrorCode.INVALID_INPUT, f"the body is larger than {limit} bytes", "body")
    state = request.app.state
    if not hasattr(state, "shop_secrets"):
        state.shop_secrets = webhook_intake.ShopSecretCache()
        # SQLite takes one writer at a time, so one batch at a time; PostgreSQL applies batches side by side.
        state.received_applier = webhook_intake.ReceivedApplier(
            1 if container.engine.dialect.name == "sqlite" else PARALLEL_BATCHES)
    received: Received = await run_in_threadpool(
        webhook_intake.receive_webhook, container.uow(), container.webhook_codec, container.secrets,
        headers=headers, body=body, now=container.clock.now(), cache=state.shop_secrets)
    if received.duplicate:
        return WebhookAck(status="duplicate", delivery_id=received.delivery_id)
    if received.status is not DeliveryStatus.RECEIVED:
        return WebhookAck(status=received.status.value, delivery_id=received.delivery_id, error=received.error,
                          field=received.field)
    # The run applies this delivery with whatever else arrived meanwhile, in batches.
    background.add_task(state.received_applier.run, container.uow(), container.webhook_codec, container.clock,
                        max_attempts=container.settings.webhook_max_attempts)
    return WebhookAck(status="received", delivery_id=received.delivery_id)
