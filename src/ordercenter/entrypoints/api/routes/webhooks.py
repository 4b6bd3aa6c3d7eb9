"""Store webhooks: verified and stored before the answer, applied right after it."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from ordercenter.domain.webhooks import DeliveryStatus
from ordercenter.entrypoints.api.deps import ContainerDep
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


@router.post("/webhooks/shopify", response_model=WebhookAck, summary="Shopify webhook receiver",
             responses={200: {"description": "stored: `received` (applied right after the answer), `duplicate`, "
                                             "`ignored`, or `rejected` when authentic but malformed (kept for "
                                             "inspection, answered 200 so the store does not send it again)"},
                        401: {"description": "signature missing or wrong; nothing stored"},
                        404: {"description": "unknown shop; nothing stored"}})
async def shopify_webhook(request: Request, container: ContainerDep, background: BackgroundTasks) -> WebhookAck:
    body = await request.body()
    state = request.app.state
    if not hasattr(state, "shop_secrets"):
        state.shop_secrets = webhook_intake.ShopSecretCache()
        # SQLite takes one writer at a time, so one batch at a time; PostgreSQL applies batches side by side.
        state.received_applier = webhook_intake.ReceivedApplier(
            1 if container.engine.dialect.name == "sqlite" else PARALLEL_BATCHES)
    received: Received = await run_in_threadpool(
        webhook_intake.receive_webhook, container.uow(), container.webhook_codec, container.secrets,
        headers=dict(request.headers), body=body, now=container.clock.now(), cache=state.shop_secrets)
    if received.duplicate:
        return WebhookAck(status="duplicate", delivery_id=received.delivery_id)
    if received.status is not DeliveryStatus.RECEIVED:
        return WebhookAck(status=received.status.value, delivery_id=received.delivery_id, error=received.error,
                          field=received.field)
    # The run applies this delivery with whatever else arrived meanwhile, in batches.
    background.add_task(state.received_applier.run, container.uow(), container.webhook_codec, container.clock,
                        max_attempts=container.settings.webhook_max_attempts)
    return WebhookAck(status="received", delivery_id=received.delivery_id)
