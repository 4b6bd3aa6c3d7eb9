"""Alerts: supplier orders that are late, stalled or unpaid (raised and cleared by the tracking poller)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.entrypoints.api.routes.supplier_orders import AlertPublic
from ordercenter.services import tracking_queries

router = APIRouter(prefix="/alerts", tags=["alerts"])


class AlertsPublic(BaseModel):
    data: list[AlertPublic]
    count: int


@router.get("", response_model=AlertsPublic, summary="List alerts, newest first")
def list_alerts(container: ContainerDep, token: CurrentToken,
                open: Annotated[bool, Query(description="Only alerts not resolved yet")] = True,
                limit: Annotated[int, Query(ge=1, le=tracking_queries.MAX_ALERTS)] = 100) -> AlertsPublic:
    alerts = tracking_queries.list_alerts(container.uow(), shop_id=token.shop_id, open_only=open, limit=limit)
    return AlertsPublic(data=[AlertPublic.of(a) for a in alerts], count=len(alerts))
