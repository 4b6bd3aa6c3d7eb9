"""What follows a change to a supplier order, inside the caller's transaction: its timeline rows, then the
order's stage."""

from __future__ import annotations

from datetime import datetime

from ordercenter.domain import audit
from ordercenter.domain.events import StatusChanged
from ordercenter.domain.orders import Order
from ordercenter.domain.status import ActorKind
from ordercenter.domain.supplier_orders import SupplierFailure, SupplierOrder
from ordercenter.services.stage_refresh import refresh_stage
from ordercenter.services.uow import UnitOfWork


def record_failure(uow: UnitOfWork, so: SupplierOrder, failure: SupplierFailure, message: str, *,
                   at: datetime) -> None:
    """Mark the supplier order failed and say why on the order's timeline."""
    so.mark_failed(failure, message)
    uow.events.add(audit.supplier_order_failed(so.shop_id, so.order_id, at, so.seller_name, message, failure.value))


def settle_changes(uow: UnitOfWork, so: SupplierOrder, order: Order, *, at: datetime, actor: ActorKind,
                   actor_id: str | None = None) -> None:
    """Write the status changes the supplier order recorded on the timeline, and derive the stage again."""
    for change in so.collect_events():
        if isinstance(change, StatusChanged):
            uow.events.add(audit.status_changed(so.shop_id, so.order_id, change, actor, actor_id))
    refresh_stage(uow, order, at=at)
