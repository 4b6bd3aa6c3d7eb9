"""Recompute an order's cached stage from its facts (inside the caller's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ordercenter.domain import audit
from ordercenter.domain.audit import OrderEvent
from ordercenter.domain.mappings import ProductMapping, choose_mapping
from ordercenter.domain.orders import Order
from ordercenter.domain.stages import OrderFacts, StageView, SupplierOrderFacts, derive_stage, latest_attempts
from ordercenter.domain.status import FulfillmentStatus, Stage, SupplierOrderStatus
from ordercenter.services.uow import UnitOfWork


def order_facts(uow: UnitOfWork, order: Order, *, mappings: Sequence[ProductMapping] | None = None,
                nothing_attached: bool = False) -> OrderFacts:
    """Everything `derive_stage` needs, read from the repositories.

    A batch import passes the mappings it read for all its orders, and says when an order is brand new
    (no supplier order, request or refund attached yet), which spares the lookups that would find none.
    """
    address = order.shipping_address
    country = address.country_code if address else None
    if mappings is None:
        variant_ids = {line.variant_id for line in order.lines if line.variant_id}
        mappings = uow.mappings.for_variants(order.shop_id, variant_ids)
    unmapped = tuple(dict.fromkeys(  # each product named once, in line order
        line.title for line in order.lines
        if line.quantity > 0 and choose_mapping([m for m in mappings if m.variant_id == line.variant_id],
                                                country) is None
    ))
    attached = not nothing_attached
    supplier_orders = uow.supplier_orders.for_order(order.shop_id, order.id) if attached else ()
    returns = uow.returns.for_order(order.shop_id, order.id) if attached else ()
    cancellations = uow.cancellations.for_order(order.shop_id, order.id) if attached else ()
    customer_refunds = uow.customer_refunds.for_order(order.shop_id, order.id) if attached else ()
    with_return = {r.supplier_order_id for r in returns}
    so_facts = tuple(
        SupplierOrderFacts(group_key=so.group_key, attempt=so.attempt, status=so.status,
                           tracking_pushed=so.tracking_pushed, failure=so.failure,
                           failure_message=so.failure_message, cancelled_by=so.cancelled_by,
                           has_return=so.id in with_return)
        for so in supplier_orders
    )
    live_ids = {(f.group_key, f.attempt) for f in latest_attempts(so_facts)
                if f.status is not SupplierOrderStatus.CANCELLED}
    covered = {line.line_item_id for so in supplier_orders if (so.group_key, so.attempt) in live_ids
               for line in so.lines}
    unplaced = any(line.id not in covered for line in order.lines if line.quantity > 0)
    return OrderFacts(
        financial_status=order.financial_status,
        fulfillment_status=order.fulfillment_status,
        cancelled_on_store=order.is_cancelled_on_store,
        address_problems=tuple(address.problems()) if address else ("shipping address is missing",),
        unmapped_items=unmapped,
        has_unplaced_lines=unplaced,
        supplier_orders=so_facts,
        cancellation_pending=any(c.is_open for c in cancellations),
        return_open=any(r.is_open for r in returns),
        customer_refund_open=any(r.is_open for r in customer_refunds),
        fulfilled_before_import=order.fulfilled_before_import,
        duplicated_as=_copy_name(uow, order) if attached else None,
    )


def _copy_name(uow: UnitOfWork, order: Order) -> str | None:
    """The name of the order's copy, looked up only for an order that could have one."""
    if order.fulfillment_status not in (FulfillmentStatus.FULFILLED, FulfillmentStatus.PARTIALLY_FULFILLED):
        return None
    copy = uow.orders.copy_of(order.shop_id, order.id)
    return copy.name if copy is not None else None


def refresh_stage(uow: UnitOfWork, order: Order, *, at: datetime, mappings: Sequence[ProductMapping] | None = None,
                  nothing_attached: bool = False) -> StageView:
    """Derive the stage and store it on the order; a change is written to the timeline."""
    if not nothing_attached:  # the lookups below must see this transaction's changes
        uow.flush()
    view = derive_stage(order_facts(uow, order, mappings=mappings, nothing_attached=nothing_attached))
    old_stage = _store_view(order, view)
    if view.stage is not old_stage:
        uow.events.add(stage_event(order, old_stage, view, at))
    return view


def stage_new_order(uow: UnitOfWork, order: Order, *,
                    mappings: Sequence[ProductMapping] | None = None) -> StageView:
    """Set the stage of an order about to be inserted, so the insert carries it (no update after).

    A new order has nothing attached (no supplier order, return, cancellation, customer refund or copy
    yet), so only its own fields and its product mappings count: no lookup for after-sale rows. The
    caller writes `stage_event(order, Stage.UNPAID, view, at)` once the order has its id.
    """
    view = derive_stage(order_facts(uow, order, mappings=mappings, nothing_attached=True))
    _store_view(order, view)
    return view


def stage_event(order: Order, old_stage: Stage, view: StageView, at: datetime) -> OrderEvent:
    """The timeline line for a change of stage."""
    reason = view.attention_reason.value if view.attention_reason else None
    return audit.stage_changed(order.shop_id, order.id, at, old_stage.value, view.stage.value, reason)


def _store_view(order: Order, view: StageView) -> Stage:
    """Copy the derived stage and flags onto the order; returns the stage it had before."""
    old_stage = order.stage
    order.stage_partial = view.partial
    order.attention_reason = view.attention_reason
    order.attention_detail = view.attention_detail
    order.cancellation_pending = "cancellation_pending" in view.flags
    order.return_open = "return_open" in view.flags
    order.customer_refund_open = "customer_refund_open" in view.flags
    if view.stage is not old_stage:
        order.stage = view.stage
    return old_stage
