"""Supplier orders: one with its packages and alerts, and an on-demand look at the supplier."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from ordercenter.domain.alerts import Alert, AlertKind
from ordercenter.domain.status import SupplierOrderStatus
from ordercenter.domain.supplier_orders import Shipment, SupplierOrder
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.services import polling, tracking_queries
from ordercenter.services.tracking import SyncResult

router = APIRouter(prefix="/supplier-orders", tags=["supplier orders"])


class AlertPublic(BaseModel):
    id: int
    order_id: int | None  # None for an alert about the shop itself
    supplier_order_id: int | None
    subject: str
    kind: AlertKind
    message: str
    raised_at: datetime
    resolved_at: datetime | None

    @classmethod
    def of(cls, alert: Alert) -> AlertPublic:
        return cls(id=alert.id, order_id=alert.order_id, supplier_order_id=alert.supplier_order_id,
                   subject=alert.subject, kind=alert.kind, message=alert.message, raised_at=alert.raised_at,
                   resolved_at=alert.resolved_at)


class PackagePublic(BaseModel):
    tracking_number: str
    carrier: str
    tracking_url: str | None
    last_movement_at: datetime | None
    store_fulfillment_id: str | None
    pushed_at: datetime | None
    push_error: str | None

    @classmethod
    def of(cls, shipment: Shipment) -> PackagePublic:
        return cls(tracking_number=shipment.tracking_number, carrier=shipment.carrier,
                   tracking_url=shipment.tracking_url, last_movement_at=shipment.last_movement_at,
                   store_fulfillment_id=shipment.store_fulfillment_id, pushed_at=shipment.pushed_at,
                   push_error=shipment.push_error)


class SupplierOrderTrackingPublic(BaseModel):
    id: int
    order_id: int
    supplier_order_id: str | None
    seller_name: str
    status: SupplierOrderStatus
    placed_at: datetime | None
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    last_polled_at: datetime | None
    next_poll_at: datetime | None
    last_poll_error: str | None
    packages: list[PackagePublic]
    open_alerts: list[AlertPublic]

    @classmethod
    def of(cls, so: SupplierOrder, alerts: list[Alert]) -> SupplierOrderTrackingPublic:
        return cls(id=so.id, order_id=so.order_id, supplier_order_id=so.supplier_order_id,
                   seller_name=so.seller_name, status=so.status, placed_at=so.placed_at, paid_at=so.paid_at,
                   shipped_at=so.shipped_at, delivered_at=so.delivered_at, completed_at=so.completed_at,
                   cancelled_at=so.cancelled_at, last_polled_at=so.last_polled_at, next_poll_at=so.next_poll_at,
                   last_poll_error=so.last_poll_error,
                   packages=[PackagePublic.of(s) for s in sorted(so.shipments, key=lambda s: s.id)],
                   open_alerts=[AlertPublic.of(a) for a in alerts])


class RefreshPublic(BaseModel):
    status_before: SupplierOrderStatus
    status_after: SupplierOrderStatus
    supplier_status: str
    new_packages: int
    fulfilments_created: int
    tracking_updates: int
    push_errors: list[str]
    alerts_raised: list[str]
    alerts_resolved: list[str]
    supplier_order: SupplierOrderTrackingPublic

    @classmethod
    def of(cls, result: SyncResult, detail: tracking_queries.SupplierOrderDetail) -> RefreshPublic:
        return cls(status_before=result.status_before, status_after=result.status_after,
                   supplier_status=result.supplier_status, new_packages=result.new_packages,
                   fulfilments_created=result.fulfilments_created, tracking_updates=result.tracking_updates,
                   push_errors=result.push_errors, alerts_raised=result.alerts_raised,
                   alerts_resolved=result.alerts_resolved,
                   supplier_order=SupplierOrderTrackingPublic.of(detail.supplier_order, list(detail.alerts)))


@router.get("/{supplier_order_id}", response_model=SupplierOrderTrackingPublic,
            summary="One supplier order with its packages, polling state and open alerts")
def get_supplier_order(supplier_order_id: RowId, container: ContainerDep,
                       token: CurrentToken) -> SupplierOrderTrackingPublic:
    detail = tracking_queries.get_supplier_order(container.uow(), shop_id=token.shop_id,
                                                 supplier_order_id=supplier_order_id)
    return SupplierOrderTrackingPublic.of(detail.supplier_order, list(detail.alerts))


@router.post("/{supplier_order_id}/refresh", response_model=RefreshPublic,
             summary="Ask the supplier now: status, tracking to the store, alerts")
def refresh_supplier_order(supplier_order_id: RowId, container: ContainerDep, token: CurrentToken) -> RefreshPublic:
    with polling.clients(container.uow(), container.supplier_for, container.store_for) as (supplier_for, store_for):
        result = polling.refresh_one(container.uow(), supplier_for, store_for, container.clock,
                                     shop_id=token.shop_id, supplier_order_id=supplier_order_id)
    detail = tracking_queries.get_supplier_order(container.uow(), shop_id=token.shop_id,
                                                 supplier_order_id=supplier_order_id)
    return RefreshPublic.of(result, detail)
