"""Follow one supplier order at the supplier: status, packages, alerts, then tracking to the store.

The supplier is asked outside any transaction (slow HTTP never holds a row lock); its answer is then
applied under the supplier order's row lock, and packages are pushed to the store last
(`tracking_push.py`), each in its own transaction, so a store outage leaves them for the next look.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ordercenter.adapters.ports import Clock, StorePlatform, SupplierOrderState, SupplierPlatform, TrackingPackage
from ordercenter.domain.alerts import AlertFacts, AlertKind, alert_conditions, supplier_order_subject
from ordercenter.domain.errors import NotAllowed, NotFound
from ordercenter.domain.package_allocation import LineToShip, PackedItem, allocate_package
from ordercenter.domain.polling import next_poll_at
from ordercenter.domain.status import ActorKind, CancellationStatus, SupplierOrderStatus
from ordercenter.domain.supplier_orders import Shipment, SupplierOrder
from ordercenter.domain.supplier_status import SupplierReading, steps_to, supplier_target
from ordercenter.services import cancellation
from ordercenter.services.alerting import settle_alerts
from ordercenter.services.supplier_order_changes import settle_changes
from ordercenter.services.tracking_push import push_shipments
from ordercenter.services.uow import UnitOfWork

SO = SupplierOrderStatus
_NO_TRACKING_BEFORE = frozenset({SO.DRAFT, SO.PLACED})


@dataclass
class SyncResult:
    supplier_order_id: int
    status_before: SupplierOrderStatus
    status_after: SupplierOrderStatus
    supplier_status: str
    new_packages: int = 0
    changed_packages: int = 0
    fulfilments_created: int = 0
    tracking_updates: int = 0
    push_errors: list[str] = field(default_factory=list)
    alerts_raised: list[str] = field(default_factory=list)
    alerts_resolved: list[str] = field(default_factory=list)
    next_poll_at: datetime | None = None


def sync_supplier_order(uow: UnitOfWork, supplier: SupplierPlatform, store: StorePlatform, clock: Clock, *,
                        shop_id: int, supplier_order_id: int) -> SyncResult:
    """Ask the supplier about one placed supplier order and apply what it says.

    Status moves through the state machine (skipped steps walked one by one); new packages become
    shipments and are fulfilled on the store with their tracking; corrected tracking is updated on
    the store; alerts are raised or cleared. Raises SupplierError when the supplier cannot answer.
    """
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        if so is None:
            raise NotFound(f"no supplier order {supplier_order_id}", field="supplier_order_id")
        if so.supplier_order_id is None:
            raise NotAllowed("this supplier order has not been placed with the supplier yet",
                             field="supplier_order_id")
        platform_id, before = so.supplier_order_id, so.status
    state = supplier.get_order(platform_id)
    reading = SupplierReading(state.status, state.logistics_status, state.end_reason)
    target = supplier_target(reading, before)
    expect_tracking = (target or before) not in _NO_TRACKING_BEFORE and (target or before) is not SO.CANCELLED
    packages = supplier.get_tracking(platform_id) if expect_tracking else []

    result = SyncResult(supplier_order_id, before, before, state.status)
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id, for_update=True)
        order = uow.orders.get(shop_id, so.order_id) if so else None
        if so is None or order is None:
            raise NotFound(f"no supplier order {supplier_order_id}", field="supplier_order_id")
        now = clock.now()
        _apply_status(uow, so, state, packages, now)
        if so.status is SO.PLACED and state.pay_deadline is not None:
            so.payment_deadline = state.pay_deadline  # the supplier's own figure beats our 20-day default
        result.new_packages, result.changed_packages = _record_packages(uow, so, packages, now)
        so.last_polled_at, so.last_poll_error = now, None
        so.next_poll_at = next_poll_at(so.status, so.placed_at or so.created_at, so.shipped_at, now)
        result.alerts_raised, result.alerts_resolved = evaluate_alerts(uow, so, now)
        # Without a cancel API (assisted), the order status is the supplier's answer to a cancellation.
        approved = cancellation.follow_supplier_status(uow, so, order, supplier_status=state.status, now=now)
        settle_changes(uow, so, order, at=now, actor=ActorKind.SUPPLIER)
        uow.commit()
        result.status_after, result.next_poll_at = so.status, so.next_poll_at
    cancellation.run_follow_ups(uow, store, clock, shop_id=shop_id, cancellation_ids=approved)

    pushed = push_shipments(uow, store, clock, shop_id=shop_id, supplier_order_id=supplier_order_id)
    result.fulfilments_created, result.tracking_updates = pushed.created, pushed.updated
    result.push_errors = pushed.errors
    return result


def record_poll_failure(uow: UnitOfWork, clock: Clock, *, shop_id: int, supplier_order_id: int,
                        message: str) -> None:
    """Keep the supplier's refusal on the row and schedule the next look as if it had answered."""
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id, for_update=True)
        if so is None:
            return
        now = clock.now()
        so.last_polled_at, so.last_poll_error = now, message
        so.next_poll_at = next_poll_at(so.status, so.placed_at or so.created_at, so.shipped_at, now)
        uow.commit()


# ---------------------------------------------------------------- status


def _apply_status(uow: UnitOfWork, so: SupplierOrder, state: SupplierOrderState,
                  packages: list[TrackingPackage], now: datetime) -> None:
    target = supplier_target(SupplierReading(state.status, state.logistics_status, state.end_reason), so.status)
    if target is None:
        return
    first_scan = min((e.at for p in packages for e in p.events), default=None)
    for step in steps_to(so.status, target):
        # Stamp with the supplier's own times where it gives them: the alert rules count from them.
        at = now
        if step is SO.PAID and state.paid_at is not None and state.paid_at <= now:
            at = state.paid_at
        elif step is SO.SHIPPED and first_scan is not None and first_scan <= now:
            at = first_scan
        if step is SO.CANCELLED:
            so.cancelled_by = _who_cancelled(uow, so)
            reason = f"closed by the supplier ({state.end_reason or 'no reason given'})"
            so.failure_message = reason
            so.transition_to(step, at=at, reason=reason)
        else:
            so.transition_to(step, at=at, reason=f"supplier says {state.status}")


def _who_cancelled(uow: UnitOfWork, so: SupplierOrder) -> ActorKind:
    """The merchant, when it asked for this cancellation; otherwise the supplier did it on its own."""
    asked = any(c.supplier_order_id == so.id and c.status in (CancellationStatus.PENDING, CancellationStatus.APPROVED)
                for c in uow.cancellations.for_order(so.shop_id, so.order_id))
    return ActorKind.STAFF if asked else ActorKind.SUPPLIER


# ---------------------------------------------------------------- packages


def _lines_to_ship(uow: UnitOfWork, so: SupplierOrder) -> list[LineToShip]:
    order = uow.orders.get(so.shop_id, so.order_id)
    store_qty = {line.id: line.quantity for line in order.lines} if order else {}
    # When several supplier lines buy for one store line, the first carries the store quantity.
    seen: set[int] = set()
    result = []
    for line in sorted(so.lines, key=lambda item: item.id):
        share = store_qty.get(line.line_item_id, line.quantity) if line.line_item_id not in seen else 0
        seen.add(line.line_item_id)
        result.append(LineToShip(line.id, line.line_item_id, line.supplier_product_id, line.sku_attr,
                                 line.quantity, share))
    return result


def _record_packages(uow: UnitOfWork, so: SupplierOrder, packages: list[TrackingPackage],
                     now: datetime) -> tuple[int, int]:
    """New packages become shipments; a vanished number replaced by a new one is a correction."""
    packages = [p for p in packages if p.number.strip()]
    by_number = {s.tracking_number: s for s in so.shipments}
    known = [p for p in packages if p.number in by_number]
    fresh = [p for p in packages if p.number not in by_number]
    current = {p.number for p in packages}
    vanished = sorted((s for s in so.shipments if s.tracking_number not in current), key=lambda s: s.id)
    changed = 0
    for package in known:
        shipment = by_number[package.number]
        if package.carrier and package.carrier != shipment.carrier:
            shipment.carrier, shipment.tracking_url = package.carrier, package.url
            changed += 1
        _note_movement(shipment, package)
    # Pair corrections in order: AliExpress gives packages no id of their own beyond the number.
    while fresh and vanished:
        package, shipment = fresh.pop(0), vanished.pop(0)
        shipment.tracking_number, shipment.carrier = package.number, package.carrier or shipment.carrier
        shipment.tracking_url = package.url
        _note_movement(shipment, package)
        changed += 1
    lines: list[LineToShip] | None = None
    for package in fresh:
        if lines is None:
            lines = _lines_to_ship(uow, so)
        taken: dict[int, int] = {}
        for shipment in so.shipments:
            for covered in shipment.lines_covered:
                key = int(covered["supplier_line_id"])
                taken[key] = taken.get(key, 0) + int(covered["quantity"])
        items = [PackedItem(i.product_id, i.sku_attr, i.quantity) for i in package.items]
        allocation = allocate_package(lines, taken, items, first_package=not any(taken.values()))
        shipment = Shipment(shop_id=so.shop_id, supplier_order_id=so.id, tracking_number=package.number,
                            carrier=package.carrier, tracking_url=package.url, created_at=now,
                            lines_covered=[{"supplier_line_id": a.supplier_line_id, "line_item_id": a.line_item_id,
                                            "quantity": a.quantity, "store_quantity": a.store_quantity}
                                           for a in allocation])
        _note_movement(shipment, package)
        so.shipments.append(shipment)
    return len(fresh), changed


def _note_movement(shipment: Shipment, package: TrackingPackage) -> None:
    newest = max((event.at for event in package.events), default=None)
    if newest is not None and (shipment.last_movement_at is None or newest > shipment.last_movement_at):
        shipment.last_movement_at = newest


# ---------------------------------------------------------------- alerts


def alert_facts(so: SupplierOrder, *, cancelled_on_store: bool = False, has_return: bool = False) -> AlertFacts:
    movements = [s.last_movement_at or s.created_at for s in so.shipments]
    return AlertFacts(status=so.status, placed_at=so.placed_at, paid_at=so.paid_at, shipped_at=so.shipped_at,
                      payment_deadline=so.payment_deadline, guaranteed_delivery_days=so.guaranteed_delivery_days,
                      has_tracking=bool(so.shipments), last_movement_at=max(movements, default=None),
                      cancelled_on_store=cancelled_on_store, has_return=has_return)


# The kinds the supplier-order rules own; other rules may put alerts on the same subject.
_SUPPLIER_ORDER_RULE_KINDS = frozenset({
    AlertKind.NO_TRACKING_7_DAYS_AFTER_PAYMENT, AlertKind.TRACKING_STALLED_48H, AlertKind.PAST_GUARANTEED_DELIVERY,
    AlertKind.PAYMENT_DEADLINE_NEAR, AlertKind.PAYMENT_DEADLINE_PASSED, AlertKind.SHIPPED_AFTER_STORE_CANCEL,
})


def evaluate_alerts(uow: UnitOfWork, so: SupplierOrder, now: datetime) -> tuple[list[str], list[str]]:
    """Raise the alerts whose condition holds and resolve the open ones whose condition cleared."""
    order = uow.orders.get(so.shop_id, so.order_id)
    facts = alert_facts(so, cancelled_on_store=order is not None and order.is_cancelled_on_store,
                        has_return=any(r.supplier_order_id == so.id for r in uow.returns.for_order(so.shop_id,
                                                                                                  so.order_id)))
    return settle_alerts(uow, shop_id=so.shop_id, order_id=so.order_id, subject=supplier_order_subject(so.id),
                         holding=alert_conditions(facts, now), managed=_SUPPLIER_ORDER_RULE_KINDS,
                         now=now, supplier_order_id=so.id)
