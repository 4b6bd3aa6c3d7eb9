"""Paying supplier orders: by API where the supplier allows it, otherwise on the supplier's website
before the payment deadline (AliExpress: My Orders → Awaiting payment → Pay all)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordercenter.adapters.ports import Clock, SupplierError, SupplierPayments
from ordercenter.domain.errors import NotAllowed, NotFound
from ordercenter.domain.status import ActorKind, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierFailure, SupplierOrder
from ordercenter.services.placement_planning import SupplierResolver
from ordercenter.services.supplier_order_changes import record_failure, settle_changes
from ordercenter.services.uow import UnitOfWork


@dataclass(frozen=True)
class PaymentResult:
    supplier_order_id: int
    paid: bool
    message: str


def _on_website(so: SupplierOrder) -> str:
    deadline = f" before {so.payment_deadline:%Y-%m-%d %H:%M} UTC" if so.payment_deadline else ""
    return (f"pay supplier order {so.supplier_order_id} on the supplier's website{deadline} (AliExpress: My Orders "
            "→ Awaiting payment → Pay all); Order Center sees the payment at its next status check")


def _apply(uow: UnitOfWork, shop_id: int, so_id: int, now: datetime, *, paid: bool, failure: str | None,
           actor_id: str | None) -> SupplierOrderStatus | None:
    """Record the payment's outcome; the supplier order's status after it (None when it is gone)."""
    with uow:
        so = uow.supplier_orders.get(shop_id, so_id, for_update=True)
        order = uow.orders.get(shop_id, so.order_id, for_update=True) if so else None
        if so is None or order is None:
            return None
        # Only an order still awaiting payment takes the outcome: one paid meanwhile (another click, the
        # status poll) keeps its state, and a failure that came too late is no failure of it.
        if so.status is SupplierOrderStatus.PLACED:
            if paid:
                so.transition_to(SupplierOrderStatus.PAID, at=now, reason="paid by API")
            elif failure is not None:
                record_failure(uow, so, SupplierFailure.PAYMENT_FAILED, failure, at=now)
        settle_changes(uow, so, order, at=now, actor=ActorKind.STAFF if actor_id else ActorKind.SYSTEM,
                       actor_id=actor_id)
        uow.commit()
        return so.status


def pay_supplier_order(uow: UnitOfWork, resolve: SupplierResolver, clock: Clock, *, shop_id: int,
                       supplier_order_id: int, actor_id: str | None = None,
                       confirm_store_gone: bool = False) -> PaymentResult:
    """Pay one supplier order awaiting payment, or say how to pay it on the supplier's website.

    A supplier order whose store order was cancelled or refunded is refused with the reason unless the
    merchant confirms: paying would spend money on goods nobody is waiting for.
    """
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        order = uow.orders.get(shop_id, so.order_id) if so else None
    if so is None or order is None:
        raise NotFound(f"no supplier order with id {supplier_order_id}", field="supplier_order_id")
    if so.status is not SupplierOrderStatus.PLACED or so.supplier_order_id is None:
        raise NotAllowed(f"supplier order {supplier_order_id} is {so.status.value}; only one awaiting payment "
                         "can be paid", field="status")
    gone = order.gone_on_store
    if gone is not None and not confirm_store_gone:
        raise NotAllowed(f"order {order.name} {gone}: paying supplier order {so.supplier_order_id} would buy goods "
                         "nobody is waiting for. Cancel the supplier order instead, or confirm to pay anyway",
                         field="confirm")
    _, supplier = resolve(so.supplier_account_id)
    if not isinstance(supplier, SupplierPayments):
        return PaymentResult(so.id, False, _on_website(so))
    try:
        supplier.pay_order(so.supplier_order_id)
    except SupplierError as error:
        words = error.supplier_message or error.message
        status = _apply(uow, shop_id, so.id, clock.now(), paid=False, failure=f"payment failed: {words}",
                        actor_id=actor_id)
        if status is not None and status not in (SupplierOrderStatus.PLACED, SupplierOrderStatus.CANCELLED):
            return PaymentResult(so.id, True, f"paid already: supplier order {so.supplier_order_id} is {status.value}")
        return PaymentResult(so.id, False, f"payment failed: {words}")
    _apply(uow, shop_id, so.id, clock.now(), paid=True, failure=None, actor_id=actor_id)
    return PaymentResult(so.id, True, "paid")
