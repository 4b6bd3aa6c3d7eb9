"""Duplicate an order fulfilled on the store by mistake, and link copies that arrive on their own.

Exactly one copy per original, even with double clicks, two API processes or a crash:
1. Under a row lock on the original, the rule is checked and a `requested` claim is written to its
   timeline and committed *before* the store is called. A second request sees the open claim and is
   refused with the reason.
2. The store creates the copy. A definite refusal releases the claim (the reason goes on the
   timeline and back to the caller); an unknown outcome keeps it, because the copy may exist.
3. The copy is imported and linked both ways, closing the claim; the original's stage becomes
   completed (the copy is what gets ordered from the supplier).

A crash or a lost answer after the store accepted leaves the claim open. The copy arrives anyway
by webhook or sync, and `link_pending_duplicates` links it by its tag and note. A claim older than
`CLAIM_TIMEOUT` with no copy in our database makes the next request look on the store for the copy
before it asks for another one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ordercenter.adapters.ports import Clock, StoreError, StorePlatform
from ordercenter.domain import audit
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.duplicates import (
    DUPLICATE_TAG,
    DuplicationMark,
    DuplicationPhase,
    duplicate_note,
    duplication_refusal,
    open_claim,
    original_named_by,
)
from ordercenter.domain.errors import Conflict, NotAllowed, NotFound
from ordercenter.domain.orders import LineItem, Order
from ordercenter.domain.snapshots import LineSnapshot, OrderSnapshot
from ordercenter.domain.status import ActorKind
from ordercenter.services.ingestion import import_order
from ordercenter.services.stage_refresh import refresh_stage
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

# Longer than any store call with its retries: a claim this old belongs to an attempt that died.
CLAIM_TIMEOUT = timedelta(minutes=10)
# StoreError has no kind yet; the GraphQL client says this when a mutation may have gone through.
_OUTCOME_UNKNOWN = "outcome is unknown"
_PHASES = frozenset(phase.value for phase in DuplicationPhase)


@dataclass(frozen=True)
class DuplicateResult:
    original_id: int
    original_name: str
    copy_id: int
    copy_name: str


@dataclass(frozen=True)
class _Claim:
    event_id: int
    snapshot: OrderSnapshot
    note: str


@dataclass(frozen=True)
class _StaleClaim:
    event_id: int
    since: datetime
    platform_order_id: str


def duplicate_order(uow: UnitOfWork, store: StorePlatform, clock: Clock, *, shop_id: int, order_id: int,
                    actor_id: str | None) -> DuplicateResult:
    """Create the copy of an order fulfilled on the store by mistake, import it and link both ways.

    Raises NotAllowed with the reason when the order may not be duplicated (already ordered from the
    supplier, already duplicated or being duplicated, not fulfilled on the store, cancelled…).
    """
    claim = _claim(uow, clock, shop_id, order_id, actor_id, take_over=None)
    if isinstance(claim, _StaleClaim):
        # The earlier attempt died without a word: look on the store before asking for another copy.
        found = _find_copy_on_store(store, claim.platform_order_id, claim.since)
        if found is not None:
            return _record_copy(uow, clock, shop_id, order_id, found, actor_id)
        claim = _claim(uow, clock, shop_id, order_id, actor_id, take_over=claim.event_id)
        if isinstance(claim, _StaleClaim):  # pragma: no cover  (_claim took it over or raised)
            raise Conflict("the earlier duplication attempt is still open", field="order_id")
    try:
        copy = store.duplicate_order(claim.snapshot, tag=DUPLICATE_TAG, note=claim.note)
    except StoreError as exc:
        if _OUTCOME_UNKNOWN not in exc.message:
            _release(uow, clock, shop_id, order_id, claim.event_id, exc.message, actor_id)
        raise
    return _record_copy(uow, clock, shop_id, order_id, copy, actor_id)


def link_pending_duplicates(uow: UnitOfWork, *, shop_id: int, at: datetime) -> list[DuplicateResult]:
    """Link every copy made by Order Center that reached our database without being linked.

    Such a copy comes in through a webhook or a sync when the process that asked the store for it
    did not live to import it. Safe to run any number of times and next to `duplicate_order`.
    """
    with uow:
        pairs: list[tuple[int, str]] = []
        for copy in uow.orders.unlinked_copies(shop_id):
            platform_id = original_named_by(copy.note, copy.tags)
            if platform_id is not None and platform_id != copy.platform_order_id:
                pairs.append((copy.id, platform_id))
        originals = {pid: uow.orders.by_platform_id(shop_id, pid) for _, pid in pairs}
        pairs_by_id = [(copy_id, o.id) for copy_id, pid in pairs if (o := originals[pid]) is not None]
    linked = []
    for copy_id, original_id in pairs_by_id:
        result = _link(uow, at, shop_id, original_id, copy_id, ActorKind.SYSTEM, None)
        if result is not None:
            linked.append(result)
    return linked


def order_id_for(uow: UnitOfWork, *, shop_id: int, reference: str) -> int:
    """The id of the order a person names: "#1017" (its name), or a number (our id, else the name "#N")."""
    text = reference.strip()
    with uow:
        if text.isdigit() and uow.orders.get(shop_id, int(text)) is not None:
            return int(text)
        name = text if text.startswith("#") else f"#{text}"
        found = uow.orders.id_by_name(shop_id, name)
    if found is None:
        raise NotFound(f"no order named {name} or with id {text}" if text.isdigit() else f"no order named {name}",
                       field="order")
    return found


# ---------------------------------------------------------------- steps


def _claim(uow: UnitOfWork, clock: Clock, shop_id: int, order_id: int, actor_id: str | None,
           take_over: int | None) -> _Claim | _StaleClaim:
    now = clock.now()
    with uow:
        # The row lock serializes two requests for the same original on PostgreSQL. SQLite ignores it
        # and starts the write transaction at the first write, so the claim is written *before* the
        # rule is read: the second writer waits for the first to commit and then sees its claim.
        order = uow.orders.get(shop_id, order_id, for_update=True)
        if order is None:
            raise NotFound(f"no order with id {order_id}", field="order_id")
        event = uow.events.add(audit.duplicate_requested(shop_id, order.id, now, actor_id))
        uow.flush()
        pending = open_claim([m for m in _marks(uow, order) if m.event_id != event.id])
        if pending is not None and pending.event_id == take_over:
            uow.events.add(audit.duplicate_released(
                shop_id, order.id, now, pending.event_id,
                f"no copy on the store {CLAIM_TIMEOUT} after the request; the store never got it"))
            pending = None
        elif pending is not None and now - pending.at >= CLAIM_TIMEOUT:
            return _StaleClaim(pending.event_id, pending.at, order.platform_order_id)  # rolls the claim back
        refusal = duplication_refusal(order, uow.supplier_orders.for_order(shop_id, order.id),
                                      uow.orders.copy_of(shop_id, order.id),
                                      in_progress_since=pending.at if pending else None)
        if refusal is not None:
            raise NotAllowed(refusal, field="order_id")  # leaving the unit of work rolls the claim back
        claim = _Claim(event.id, _snapshot_of(order), duplicate_note(order.name, order.platform_order_id))
        uow.commit()
    return claim


def _release(uow: UnitOfWork, clock: Clock, shop_id: int, order_id: int, claim_event_id: int, reason: str,
             actor_id: str | None) -> None:
    with uow:
        uow.events.add(audit.duplicate_released(shop_id, order_id, clock.now(), claim_event_id, reason,
                                                ActorKind.STAFF, actor_id))
        uow.commit()


def _record_copy(uow: UnitOfWork, clock: Clock, shop_id: int, original_id: int, copy: OrderSnapshot,
                 actor_id: str | None) -> DuplicateResult:
    # The copy's own webhook may import it first; import_order is an upsert, so either order is fine.
    imported = import_order(uow, shop_id=shop_id, snapshot=copy, at=clock.now(), source="duplicate")
    result = _link(uow, clock.now(), shop_id, original_id, imported.order_id, ActorKind.STAFF, actor_id)
    if result is None:  # pragma: no cover  (the copy was created for this original a moment ago)
        raise Conflict(f"the store's copy {copy.name} is linked to another order", field="order_id")
    return result


def _link(uow: UnitOfWork, at: datetime, shop_id: int, original_id: int, copy_id: int, actor: ActorKind,
          actor_id: str | None) -> DuplicateResult | None:
    """Link a copy to its original and write both timelines; None when it belongs to another order."""
    with uow:
        original = uow.orders.get(shop_id, original_id, for_update=True)
        if original is None:
            raise NotFound(f"no order with id {original_id}", field="order_id")
        # The request and the sweep may link the same copy at once: a conditional update lets exactly
        # one of them win on every backend, and only the winner writes the timelines.
        won = uow.orders.link_copy(shop_id, copy_id, original.id)
        copy = uow.orders.get(shop_id, copy_id)
        if copy is None:
            raise NotFound(f"no order with id {copy_id}", field="order_id")
        result = DuplicateResult(original.id, original.name, copy.id, copy.name)
        if not won:
            return result if copy.duplicate_of_order_id == original.id else None
        pending = open_claim(_marks(uow, original))
        uow.events.add(audit.order_duplicated(shop_id, original.id, at, copy.id, copy.name,
                                              pending.event_id if pending else None, actor, actor_id))
        uow.events.add(audit.duplicate_linked(shop_id, copy.id, at, original.id, original.name, actor, actor_id))
        refresh_stage(uow, original, at=at)  # the copy carries on: the original leaves the attention list
        uow.commit()
        return result


def _find_copy_on_store(store: StorePlatform, platform_order_id: str, since: datetime) -> OrderSnapshot | None:
    """The copy of this original on the store, created at or after `since`, if there is one.

    A copy is created paid and unfulfilled, so it is among the orders the sync reads.
    """
    for page in store.iter_order_pages(updated_since=since - timedelta(minutes=1)):
        for snapshot in page.orders:
            if original_named_by(snapshot.note, snapshot.tags) == platform_order_id:
                return snapshot
    return None


# ---------------------------------------------------------------- reads


def _marks(uow: UnitOfWork, order: Order) -> list[DuplicationMark]:
    marks = []
    for event in uow.events.for_order(order.shop_id, order.id):
        phase = event.parameters.get("phase")
        if event.type is OrderEventType.ORDER_DUPLICATED and phase in _PHASES:
            marks.append(DuplicationMark(event.id, DuplicationPhase(phase), event.created_at, event.related_event_id))
    return marks


# ---------------------------------------------------------------- the original, as the store port wants it


def _snapshot_of(order: Order) -> OrderSnapshot:
    """The original as the store described it, rebuilt from our columns (the port needs no raw payload)."""
    return OrderSnapshot(
        platform_order_id=order.platform_order_id, platform_gid=order.platform_gid, name=order.name,
        currency=order.currency, subtotal_price=order.subtotal_price, total_price=order.total_price,
        financial_status=order.financial_status, fulfillment_status=order.fulfillment_status,
        created_at=order.platform_created_at, updated_at=order.platform_updated_at,
        lines=tuple(_line_snapshot(line) for line in order.lines if line.quantity > 0),
        total_shipping=order.total_shipping, total_tax=order.total_tax, total_discounts=order.total_discounts,
        email=order.email, customer_name=order.customer_name, shipping_address=order.shipping_address,
        tags=tuple(str(tag) for tag in order.tags), note=order.note, cancelled_at=order.cancelled_at,
        closed_at=order.closed_at,
    )


def _line_snapshot(line: LineItem) -> LineSnapshot:
    return LineSnapshot(platform_line_id=line.platform_line_id, title=line.title, quantity=line.quantity,
                        unit_price=line.unit_price, sku=line.sku, variant_id=line.variant_id,
                        product_id=line.product_id, variant_title=line.variant_title)
