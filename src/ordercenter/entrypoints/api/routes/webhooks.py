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


class WebhookAck(BaseModel):
    status: str  # received | duplicate | ignored
    delivery_id: int


@router.post("/webhooks/shopify", response_model=WebhookAck, summary="Shopify webhook receiver",
             responses={400: {"description": "authentic but malformed; kept for inspection"},
                        401: {"description": "signature missing or wrong; nothing stored"},
                        404: {"description": "unknown shop; nothing stored"}})
async def shopify_webhook(request: Request, container: ContainerDep, background: BackgroundTasks) -> WebhookAck:
    body = await request.body()
    received: Received = await run_in_threadpool(
        webhook_intake.receive_webhook, container.uow(), container.webhook_codec, container.secrets,
        headers=dict(request.headers), body=body, now=container.clock.now())
    if received.duplicate:
        return WebhookAck(status="duplicate", delivery_id=received.delivery_id)
    if received.status is not DeliveryStatus.RECEIVED:
        return WebhookAck(status=received.status.value, delivery_id=received.delivery_id)
    background.add_task(webhook_intake.process_delivery, container.uow(), container.webhook_codec,
                        shop_id=received.shop_id, delivery_id=received.delivery_id, now=container.clock.now())
    return WebhookAck(status="received", delivery_id=received.delivery_id)
