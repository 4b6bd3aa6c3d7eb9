"""Read side of tracking: one supplier order with its packages and alerts, and the alert list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ordercenter.domain.alerts import Alert
from ordercenter.domain.errors import NotFound
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.services.uow import UnitOfWork

MAX_ALERTS = 500


@dataclass(frozen=True)
class SupplierOrderDetail:
    supplier_order: SupplierOrder
    alerts: Sequence[Alert]


def get_supplier_order(uow: UnitOfWork, *, shop_id: int, supplier_order_id: int) -> SupplierOrderDetail:
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        if so is None:
            raise NotFound(f"no supplier order {supplier_order_id}", field="supplier_order_id")
        alerts = uow.alerts.open_for_supplier_order(shop_id, so.id)
        _ = (so.lines, so.shipments)  # loaded before the session closes
        return SupplierOrderDetail(so, alerts)


def list_alerts(uow: UnitOfWork, *, shop_id: int, open_only: bool, limit: int = 100) -> Sequence[Alert]:
    with uow:
        return uow.alerts.list(shop_id, open_only=open_only, limit=min(limit, MAX_ALERTS))
