"""Bring a store order in: an idempotent upsert keyed by the platform id, guarded by `updated_at`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError

from ordercenter.domain import audit
from ordercenter.domain.errors import NotFound
from ordercenter.domain.orders import LineItem, Order
from ordercenter.domain.snapshots import OrderSnapshot
from ordercenter.domain.status import FulfillmentStatus, Stage
from ordercenter.services import store_refunds
from ordercenter.services.stage_refresh import refresh_stage, stage_event, stage_new_order
from ordercenter.services.uow import UnitOfWork


class ImportOutcome(StrEnum):
    """What an import did."""

    CREATED = "created"  # a new order
    UPDATED = "updated"  # a newer version replaced the stored one
    UNCHANGED = "unchanged"  # the same version again (a repeated webhook or sync page)
    STALE = "stale"  # an older version arrived after a newer one: ignored


@dataclass(frozen=True)
class ImportResult:
    order_id: int
    outcome: ImportOutcome
    stage: Stage


# Fields whose change is worth a line on the timeline.
_WATCHED = ("financial_status", "fulfillment_status", "cancelled_at", "closed_at", "total_price")


def _apply(order: Order, snap: OrderSnapshot) -> tuple[bool, dict[str, tuple[Any, Any]]]:
    """Copy the snapshot onto the order; returns whether anything differed, and the watched changes."""
    changes = {}
    differed = False
    values: dict[str, Any] = {
        "platform_gid": snap.platform_gid, "name": snap.name, "email": snap.email,
        "customer_name": snap.customer_name, "currency": snap.currency,
        "subtotal_price": snap.subtotal_price, "total_shipping": snap.total_shipping,
        "total_tax": snap.total_tax, "total_discounts": snap.total_discounts, "total_price": snap.total_price,
        "financial_status": snap.financial_status, "fulfillment_status": snap.fulfillment_status,
        "shipping_address_data": snap.shipping_address.to_dict() if snap.shipping_address else None,
        "tags": list(snap.tags), "note": snap.note, "platform_created_at": snap.created_at,
        "platform_updated_at": snap.updated_at, "cancelled_at": snap.cancelled_at, "closed_at": snap.closed_at,
        "raw_payload": snap.raw or None,
    }
    for key, value in values.items():
        old = getattr(order, key, None)
        if old != value and key != "raw_payload":
            differed = True
            if key in _WATCHED:
                changes[key] = (str(old) if old is not None else None, str(value) if value is not None else None)
        setattr(order, key, value)
    existing = {line.platform_line_id: line for line in order.lines}
    for line_snap in snap.lines:
        line = existing.get(line_snap.platform_line_id)
        if line is None or (line.variant_id, line.sku, line.title, line.quantity, line.unit_price) != (
                line_snap.variant_id, line_snap.sku, line_snap.title, line_snap.quantity, line_snap.unit_price):
            differed = True
        if line is None:
            line = LineItem(shop_id=order.shop_id, platform_line_id=line_snap.platform_line_id,
                            title=line_snap.title, quantity=line_snap.quantity, unit_price=line_snap.unit_price)
            order.lines.append(line)
        line.variant_id = line_snap.variant_id
        line.product_id = line_snap.product_id
        line.sku = line_snap.sku
        line.title = line_snap.title
        line.variant_title = line_snap.variant_title
        line.quantity = line_snap.quantity
        line.unit_price = line_snap.unit_price
    order.saw_event(snap.event_at)  # kept for a repeat too, so an older event of the same second stays stale
    return differed, changes


def _new_order(shop_id: int, snap: OrderSnapshot, at: datetime) -> Order:
    # Only an order first seen paid and unfulfilled is to be ordered; one the store had already
    # fulfilled is history, whatever happens to it later.
    return Order(shop_id=shop_id, platform_order_id=snap.platform_order_id, imported_at=at, stage=Stage.UNPAID,
                 lines=[], fulfilled_before_import=snap.fulfillment_status is FulfillmentStatus.FULFILLED)


def import_in_transaction(uow: UnitOfWork, *, shop_id: int, snapshot: OrderSnapshot, at: datetime,
                          source: str) -> ImportResult:
    """`import_order` inside the caller's open unit of work, which commits (a batch of deliveries)."""
    snap = snapshot
    if uow.shops.get(shop_id) is None:
        raise NotFound(f"no shop with id {shop_id}", field="shop")
    order = uow.orders.by_platform_id(shop_id, snap.platform_order_id, for_update=True)
    if order is not None and order.is_newer_than(snap.updated_at, snap.event_at):
        return ImportResult(order.id, ImportOutcome.STALE, order.stage)
    if order is None:
        return _create(uow, shop_id, snap, at, source)
    differed, changes = _apply(order, snap)
    if not differed:
        # A repeated delivery. (Shopify's updated_at has whole seconds, so two real updates in one
        # second share it: equal stamps are compared by content, not dropped, unless the event is older.)
        return ImportResult(order.id, ImportOutcome.UNCHANGED, order.stage)
    uow.flush()
    # Refunds the payload lists (a cancellation or refund made on the store) become requests already refunded.
    store_refunds.record_store_refunds(uow, order, store_refunds.refunds_in_order(snap.raw), at=at)
    if changes:
        uow.events.add(audit.order_updated(shop_id, order.id, at, changes))
    view = refresh_stage(uow, order, at=at)
    return ImportResult(order.id, ImportOutcome.UPDATED, view.stage)


def _create(uow: UnitOfWork, shop_id: int, snap: OrderSnapshot, at: datetime, source: str) -> ImportResult:
    order = _new_order(shop_id, snap, at)
    _apply(order, snap)
    refunds = store_refunds.refunds_in_order(snap.raw)
    # The stage goes in with the insert; a payload that lists refunds attaches requests, so its stage
    # is derived after them, the usual way.
    view = stage_new_order(uow, order) if not refunds else None
    uow.orders.add(order)
    uow.flush()
    uow.events.add(audit.order_imported(shop_id, order.id, order.name, at, source))
    if view is None:
        store_refunds.record_store_refunds(uow, order, refunds, at=at)
        view = refresh_stage(uow, order, at=at)
    elif view.stage is not Stage.UNPAID:
        uow.events.add(stage_event(order, Stage.UNPAID, view, at))
    return ImportResult(order.id, ImportOutcome.CREATED, view.stage)


def _import_once(uow: UnitOfWork, shop_id: int, snap: OrderSnapshot, at: datetime, source: str) -> ImportResult:
    with uow:
        result = import_in_transaction(uow, shop_id=shop_id, snapshot=snap, at=at, source=source)
        if result.outcome is not ImportOutcome.STALE:
            uow.commit()  # a repeat may carry a newer event time of the same version
        return result


def import_order(uow: UnitOfWork, *, shop_id: int, snapshot: OrderSnapshot, at: datetime,
                 source: str) -> ImportResult:
    """Create or update the order from a store snapshot; repeats and stale versions change nothing."""
    try:
        return _import_once(uow, shop_id, snapshot, at, source)
    except IntegrityError:
        # Two deliveries of a new order raced to insert it; the loser retries as an update.
        return _import_once(uow, shop_id, snapshot, at, source)


def import_orders(uow: UnitOfWork, *, shop_id: int, snapshots: Sequence[OrderSnapshot], at: datetime,
                  source: str) -> list[ImportResult]:
    """`import_order` for many orders in one transaction (a backfill batch): same outcomes, one commit.

    The orders of the batch are read in one query and the product mappings of all their variants in
    another; a brand-new order has nothing attached yet, so its stage needs no further lookup.
    """
    try:
        return _import_batch(uow, shop_id, snapshots, at, source)
    except IntegrityError:
        # A webhook inserted one of these orders meanwhile; the retry finds it and updates it instead.
        return _import_batch(uow, shop_id, snapshots, at, source)


def _import_batch(uow: UnitOfWork, shop_id: int, snapshots: Sequence[OrderSnapshot], at: datetime,
                  source: str) -> list[ImportResult]:
    # The same order twice in one batch: its newest version wins, as it would one import at a time.
    newest: dict[str, OrderSnapshot] = {}
    for snap in snapshots:
        seen = newest.get(snap.platform_order_id)
        if seen is None or snap.updated_at >= seen.updated_at:
            newest[snap.platform_order_id] = snap
    with uow:
        if uow.shops.get(shop_id) is None:
            raise NotFound(f"no shop with id {shop_id}", field="shop")
        existing = uow.orders.by_platform_ids(shop_id, list(newest), for_update=True)
        variant_ids = {line.variant_id for snap in newest.values() for line in snap.lines if line.variant_id}
        mappings = uow.mappings.for_variants(shop_id, variant_ids)
        results: dict[str, ImportResult] = {}
        changed: list[tuple[Order, OrderSnapshot, bool, dict[str, tuple[Any, Any]]]] = []
        for platform_id, snap in newest.items():
            order = existing.get(platform_id)
            if order is not None and order.is_newer_than(snap.updated_at, snap.event_at):
                results[platform_id] = ImportResult(order.id, ImportOutcome.STALE, order.stage)
                continue
            created = order is None
            if order is None:
                order = _new_order(shop_id, snap, at)
                uow.orders.add(order)
            differed, changes = _apply(order, snap)
            if not created and not differed:
                results[platform_id] = ImportResult(order.id, ImportOutcome.UNCHANGED, order.stage)
                continue
            changed.append((order, snap, created, changes))
        uow.flush()
        for order, snap, created, changes in changed:
            refunds = store_refunds.record_store_refunds(uow, order, store_refunds.refunds_in_order(snap.raw), at=at)
            if created:
                uow.events.add(audit.order_imported(shop_id, order.id, order.name, at, source))
            elif changes:
                uow.events.add(audit.order_updated(shop_id, order.id, at, changes))
            view = refresh_stage(uow, order, at=at, mappings=mappings, nothing_attached=created and not refunds)
            results[order.platform_order_id] = ImportResult(
                order.id, ImportOutcome.CREATED if created else ImportOutcome.UPDATED, view.stage)
        uow.commit()
    return [results[snap.platform_order_id] if newest[snap.platform_order_id] is snap
            else ImportResult(results[snap.platform_order_id].order_id, ImportOutcome.STALE,
                              results[snap.platform_order_id].stage)
            for snap in snapshots]
