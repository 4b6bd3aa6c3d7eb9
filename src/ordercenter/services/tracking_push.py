"""Push package tracking to the store: one fulfilment per package, later corrections as tracking updates.

Never fulfil twice: a shipment with a `store_fulfillment_id` is only ever updated, and each push runs
under the supplier order's row lock, re-checked after the lock is taken, so two pollers cannot both
create a fulfilment for one package. If the process dies after the store said yes but before our
commit, the retry asks the store to fulfil lines it already fulfilled, which the store refuses
("0 left to fulfil"), so the failure is loud rather than a second fulfilment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordercenter.adapters.ports import Clock, FulfillmentLine, StoreError, StorePlatform, TrackingInfo
from ordercenter.domain import audit
from ordercenter.domain.orders import Order
from ordercenter.domain.package_allocation import tracking_url
from ordercenter.domain.supplier_orders import Shipment
from ordercenter.services.stage_refresh import refresh_stage
from ordercenter.services.uow import UnitOfWork

LINE_GID = "gid://shopify/LineItem/{}"


@dataclass
class PushReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def needs_create(shipment: Shipment) -> bool:
    return shipment.store_fulfillment_id is None and shipment.pushed_at is None


def needs_update(shipment: Shipment) -> bool:
    return shipment.store_fulfillment_id is not None and (
        shipment.pushed_tracking_number != shipment.tracking_number or shipment.pushed_carrier != shipment.carrier)


def tracking_of(shipment: Shipment) -> TrackingInfo:
    url = shipment.tracking_url or tracking_url(shipment.carrier, shipment.tracking_number)
    return TrackingInfo(number=shipment.tracking_number, company=shipment.carrier, url=url)


def _store_lines(order: Order, shipment: Shipment) -> list[FulfillmentLine]:
    platform_ids = {line.id: line.platform_line_id for line in order.lines}
    quantities: dict[int, int] = {}
    for covered in shipment.lines_covered:
        line_item_id = int(covered["line_item_id"])
        quantities[line_item_id] = quantities.get(line_item_id, 0) + int(covered["store_quantity"])
    return [FulfillmentLine(LINE_GID.format(platform_ids[line_id]), qty)
            for line_id, qty in quantities.items() if qty > 0 and line_id in platform_ids]


def push_shipments(uow: UnitOfWork, store: StorePlatform, clock: Clock, *, shop_id: int,
                   supplier_order_id: int) -> PushReport:
    """Send every unpushed package and every tracking correction of one supplier order to the store."""
    report = PushReport()
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        pending = [s.id for s in so.shipments if needs_create(s) or needs_update(s)] if so else []
    for shipment_id in pending:
        _push_one(uow, store, clock, shop_id, supplier_order_id, shipment_id, report)
    return report


def _push_one(uow: UnitOfWork, store: StorePlatform, clock: Clock, shop_id: int, supplier_order_id: int,
              shipment_id: int, report: PushReport) -> None:
    with uow:
        # The row lock is held across the store call on purpose: it is what keeps two pollers from
        # fulfilling the same package (see the module docstring).
        so = uow.supplier_orders.get(shop_id, supplier_order_id, for_update=True)
        shipment = next((s for s in so.shipments if s.id == shipment_id), None) if so else None
        order = uow.orders.get(shop_id, so.order_id) if so else None
        shop = uow.shops.get(shop_id)
        if so is None or shipment is None or order is None or shop is None:
            return
        creating = needs_create(shipment)
        if not creating and not needs_update(shipment):
            return  # another worker did it while we waited for the lock
        tracking = tracking_of(shipment)
        lines = _store_lines(order, shipment) if creating else []
        now = clock.now()
        if creating and not lines:
            # A package with nothing of its own (the supplier did not split the items, an earlier
            # package took them all): the store's fulfilment of those lines already carries tracking.
            shipment.pushed_at, shipment.push_error = now, None
            uow.events.add(audit.order_event(
                shop_id, order.id, audit.OrderEventType.TRACKING_PUSHED, now,
                f"Extra package {tracking.company} {tracking.number}: its items were already fulfilled on the store",
                supplier_order_id=so.id, number=tracking.number, carrier=tracking.company, url=tracking.url,
                fulfillment_id=None, update=False))
            refresh_stage(uow, order, at=now)
            uow.commit()
            return
        try:
            if creating:
                fulfillment_id = store.create_fulfillment(order.platform_gid, lines, tracking,
                                                          notify_customer=shop.notify_customer_on_fulfillment)
                shipment.store_fulfillment_id = fulfillment_id
                shipment.pushed_at = now
            else:
                assert shipment.store_fulfillment_id is not None
                store.update_tracking(shipment.store_fulfillment_id, tracking,
                                      notify_customer=shop.notify_customer_on_fulfillment)
        except StoreError as error:
            shipment.push_error = error.message
            report.errors.append(f"{tracking.number}: {error.message}")
            uow.commit()
            return
        shipment.pushed_tracking_number, shipment.pushed_carrier = shipment.tracking_number, shipment.carrier
        shipment.tracking_url = tracking.url
        shipment.push_error = None
        uow.events.add(audit.tracking_pushed(
            shop_id, order.id, now, supplier_order_id=so.id, number=tracking.number, carrier=tracking.company,
            url=tracking.url, fulfillment_id=shipment.store_fulfillment_id, update=not creating,
            lines=len(lines)))
        refresh_stage(uow, order, at=now)
        uow.commit()
    if creating:
        report.created += 1
    else:
        report.updated += 1
