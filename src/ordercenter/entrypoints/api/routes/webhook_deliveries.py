"""Store webhook deliveries: what arrived, what failed to apply (retried, then alerted), and a replay."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ordercenter.domain.webhooks import DeliveryStatus, WebhookDelivery
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.services import webhook_deliveries, webhook_intake

router = APIRouter(prefix="/webhook-deliveries", tags=["webhooks"])


class WebhookDeliverySummaryPublic(BaseModel):
    id: int
    topic: str
    status: DeliveryStatus
    error: str | None
    attempts: int
    received_at: datetime
    triggered_at: datetime | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None  # None when no more tries are planned
    gave_up_at: datetime | None  # the last allowed try failed; a replay starts again
    event_id: str | None
    webhook_id: str | None

    @classmethod
    def of(cls, row: WebhookDelivery) -> WebhookDeliverySummaryPublic:
        return cls(id=row.id, topic=row.topic, status=row.status, error=row.error, attempts=row.attempts,
                   received_at=row.received_at, triggered_at=row.triggered_at, last_attempt_at=row.processed_at,
                   next_attempt_at=row.next_attempt_at, gave_up_at=row.gave_up_at, event_id=row.event_id,
                   webhook_id=row.webhook_id)


class WebhookDeliveryPublic(WebhookDeliverySummaryPublic):
    body: str  # what the store sent, as received (it holds customer data: only on this route)

    @classmethod
    def of(cls, row: WebhookDelivery) -> WebhookDeliveryPublic:
        return cls(**WebhookDeliverySummaryPublic.of(row).model_dump(), body=row.body)


class WebhookDeliveriesPublic(BaseModel):
    data: list[WebhookDeliverySummaryPublic]
    count: int
    next_cursor: str | None


@router.get("", response_model=WebhookDeliveriesPublic, summary="List store webhook deliveries, newest first",
            description="Without `status`, every delivery. `failed` lists those whose apply failed: still "
                        "retried (`next_attempt_at`) or given up (`gave_up_at`, with an alert). The bodies "
                        "are left out; `GET /webhook-deliveries/{id}` has one.")
def list_webhook_deliveries(
        container: ContainerDep, token: CurrentToken,
        status: Annotated[DeliveryStatus | None, Query(description="Only deliveries in this state")] = None,
        limit: Annotated[int, Query(ge=1, le=webhook_deliveries.MAX_PAGE)] = 50,
        cursor: Annotated[str | None, Query(description="`next_cursor` of the page before")] = None,
) -> WebhookDeliveriesPublic:
    page = webhook_deliveries.list_deliveries(container.uow(), shop_id=token.shop_id, status=status, limit=limit,
                                              cursor=cursor)
    return WebhookDeliveriesPublic(data=[WebhookDeliverySummaryPublic.of(d) for d in page.deliveries],
                                   count=len(page.deliveries), next_cursor=page.next_cursor)


@router.get("/{delivery_id}", response_model=WebhookDeliveryPublic, summary="One webhook delivery with its body")
def get_webhook_delivery(delivery_id: RowId, container: ContainerDep, token: CurrentToken) -> WebhookDeliveryPublic:
    return WebhookDeliveryPublic.of(webhook_deliveries.get_delivery(container.uow(), shop_id=token.shop_id,
                                                                    delivery_id=delivery_id))


@router.post("/{delivery_id}/replay", response_model=WebhookDeliveryPublic,
             summary="Apply a delivery again now, with its tries counted from zero",
             description="For a failed (or rejected, once its cause is fixed) delivery. The answer is the "
                         "delivery after the try: `processed`, or `failed` with the error and the next try. "
                         "409 `conflict` when it was applied already or there is nothing to apply; 422 when a "
                         "rejected body is still unusable (naming the field).",
             responses={409: {"description": "applied already, or nothing to apply"},
                        422: {"description": "a rejected body still unusable"}})
def replay_webhook_delivery(delivery_id: RowId, container: ContainerDep, token: CurrentToken) -> WebhookDeliveryPublic:
    replayed = webhook_intake.replay_delivery(container.uow(), container.webhook_codec, shop_id=token.shop_id,
                                              delivery_id=delivery_id, now=container.clock.now(),
                                              max_attempts=container.settings.webhook_max_attempts)
    return WebhookDeliveryPublic.of(replayed)
