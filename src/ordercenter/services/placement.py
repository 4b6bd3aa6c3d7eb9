"""Placing supplier orders exactly once.

For each seller group of a store order: claim a DRAFT row under its idempotency key (unique), commit,
then ask the supplier, then record the answer. A second click, a second worker or a retry finds the
claim and does not ask again; a crash between the supplier's yes and our commit leaves a DRAFT that
`reconcile_drafts` resolves by looking the key up at the supplier before anything is placed again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from ordercenter.adapters.ports import (
    Clock,
    PlacementItem,
    PlacementRequest,
    SupplierError,
    SupplierErrorKind,
    SupplierPlatform,
)
from ordercenter.domain import audit
from ordercenter.domain.alerts import AlertKind, supplier_order_subject
from ordercenter.domain.errors import DomainError, NotFound
from ordercenter.domain.placement import (
    CLAIM_PRESUMED_INTERRUPTED,
    UNCONFIRMED_CLAIM_ATTENTION_AFTER,
    OrderPlan,
    PlannedGroup,
    unconfirmed_claim_message,
    unconfirmed_claim_needs_attention,
)
from ordercenter.domain.policies import payment_deadline
from ordercenter.domain.status import ActorKind, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierFailure, SupplierOrder, SupplierOrderLine, idempotency_key
from ordercenter.domain.supplier_status import automatic_payment_taken
from ordercenter.services.alerting import settle_alerts
from ordercenter.services.placement_planning import PlacementOptions, SupplierCache, SupplierResolver, plan_order
from ordercenter.services.supplier_order_changes import record_failure, settle_changes
from ordercenter.services.uow import UnitOfWork

# Kept for callers that name it; the policy lives in the domain.
STALE_CLAIM = CLAIM_PRESUMED_INTERRUPTED
_UNCONFIRMED = frozenset({AlertKind.PLACEMENT_UNCONFIRMED})


class GroupResult(StrEnum):
    """What happened to one seller group."""

    PLACED = "placed"  # the supplier accepted it now
    ALREADY_PLACED = "already_placed"  # an earlier click or worker placed it: nothing sent
    IN_PROGRESS = "in_progress"  # another worker is placing it right now: nothing sent
    FAILED = "failed"  # the supplier refused; its words are kept
    UNKNOWN = "unknown"  # the supplier did not answer; looked up before any retry


@dataclass(frozen=True)
class GroupOutcome:
    seller_name: str
    result: GroupResult
    supplier_order_ids: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class PlacementOutcome:
    order_id: int
    order_name: str
    groups: tuple[GroupOutcome, ...] = ()
    blockers: tuple[str, ...] = ()

    @property
    def placed(self) -> bool:
        return bool(self.groups) and all(
            g.result in (GroupResult.PLACED, GroupResult.ALREADY_PLACED) for g in self.groups)

    @property
    def summary(self) -> str:
        if self.blockers:
            return "; ".join(self.blockers)
        return "; ".join(f"{g.seller_name}: {g.result.value}" + (f" ({g.message})" if g.message else "")
                         + (f" #{', #'.join(g.supplier_order_ids)}" if g.supplier_order_ids else "")
                         for g in self.groups)


@dataclass
class _Claim:
    supplier_order_id: int
    key: str
    skip: GroupOutcome | None = None
    memo: str = field(default="")


def _claim(uow: UnitOfWork, shop_id: int, order_id: int, group: PlannedGroup, plan: OrderPlan,
           now: datetime) -> _Claim:
    """Write (or reuse) the DRAFT that stands for this group's purchase, or say why nothing may be sent."""
    with uow:
        order = uow.orders.get(shop_id, order_id, for_update=True)  # serializes placers of one order
        if order is None:
            raise NotFound(f"no order with id {order_id}", field="order_id")
        attempts = [so for so in uow.supplier_orders.for_order(shop_id, order_id) if so.group_key == group.group_key]
        latest = max(attempts, key=lambda so: so.attempt, default=None)
        if latest is not None and latest.status is not SupplierOrderStatus.CANCELLED:
            if latest.status is not SupplierOrderStatus.DRAFT:
                return _Claim(latest.id, latest.idempotency_key, GroupOutcome(
                    group.seller_name, GroupResult.ALREADY_PLACED, (latest.supplier_order_id or "",)))
            if latest.failure is None:
                return _Claim(latest.id, latest.idempotency_key, GroupOutcome(
                    group.seller_name, GroupResult.IN_PROGRESS, message="being placed right now"))
            if latest.failure is SupplierFailure.OUTCOME_UNKNOWN:
                return _Claim(latest.id, latest.idempotency_key, GroupOutcome(
                    group.seller_name, GroupResult.UNKNOWN, message=latest.failure_message or ""))
            # A definite refusal recorded nothing at the supplier: the same key may be sent again.
            draft = latest
            draft.failure, draft.failure_message = None, None
            draft.lines.clear()
        else:
            attempt = latest.attempt + 1 if latest else 1
            draft = SupplierOrder(
                shop_id=shop_id, order_id=order_id, supplier_account_id=group.account_id, group_key=group.group_key,
                attempt=attempt, idempotency_key=idempotency_key(shop_id, order.platform_order_id, group.group_key,
                                                                 attempt),
                status=SupplierOrderStatus.DRAFT, currency=group.currency, created_at=now)
            uow.supplier_orders.add(draft)
        draft.seller_name = group.seller_name
        draft.items_cost, draft.shipping_cost = group.items_cost.amount, group.shipping_cost.amount
        draft.shipping_method = ", ".join(sorted({i.shipping.code for i in group.items if i.shipping}))
        draft.guaranteed_delivery_days = group.guaranteed_days
        draft.packaging_note = plan.packaging_note
        draft.created_at = now
        for item in group.items:
            draft.lines.append(SupplierOrderLine(shop_id=shop_id, line_item_id=item.line_item_id,
                                                 supplier_product_id=item.product_id, sku_attr=item.sku_attr,
                                                 quantity=item.quantity, unit_cost=item.unit_cost.amount))
        try:
            uow.commit()
        except IntegrityError:
            # Another worker inserted the same idempotency key between our read and our write.
            uow.rollback()
            return _Claim(0, "", GroupOutcome(group.seller_name, GroupResult.IN_PROGRESS,
                                              message="claimed by another worker"))
        return _Claim(draft.id, draft.idempotency_key, memo=plan.packaging_note)


def _record(uow: UnitOfWork, shop_id: int, supplier_order_id: int, now: datetime, *,
            ids: Sequence[str] = (), failure: SupplierFailure | None = None, message: str = "",
            actor_id: str | None = None) -> None:
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id, for_update=True)
        if so is None or so.status is not SupplierOrderStatus.DRAFT:
            return
        order = uow.orders.get(shop_id, so.order_id, for_update=True)
        assert order is not None
        was_unconfirmed = so.failure is SupplierFailure.OUTCOME_UNKNOWN
        if ids:
            so.supplier_order_id = ids[0]
            so.transition_to(SupplierOrderStatus.PLACED, at=now)
            so.payment_deadline = payment_deadline(now)
            cost = f"{so.cost.rounded()}"
            uow.events.add(audit.supplier_order_placed(shop_id, so.order_id, now, ", ".join(ids), so.seller_name,
                                                       cost, so.idempotency_key, actor_id))
        elif failure is not None:
            record_failure(uow, so, failure, message, at=now)
        if was_unconfirmed and so.failure is not SupplierFailure.OUTCOME_UNKNOWN:
            # The supplier answered at last: the person asked to check need not any more.
            settle_alerts(uow, shop_id=shop_id, order_id=so.order_id, subject=supplier_order_subject(so.id),
                          holding={}, managed=_UNCONFIRMED, now=now, supplier_order_id=so.id)
        settle_changes(uow, so, order, at=now, actor=ActorKind.SUPPLIER)
        uow.commit()


def _check_automatic_payment(uow: UnitOfWork, supplier: SupplierPlatform, shop_id: int, so_id: int,
                             supplier_ids: Sequence[str], now: datetime) -> None:
    """Did the supplier take the automatic payment? Paid → awaiting shipment; refused → needs attention.
    Unreadable or undecided answers are left to the status poller."""
    try:
        taken = automatic_payment_taken(supplier.get_order(supplier_ids[0]).status)
    except SupplierError:
        return
    if taken is None:
        return
    with uow:
        so = uow.supplier_orders.get(shop_id, so_id, for_update=True)
        order = uow.orders.get(shop_id, so.order_id, for_update=True) if so else None
        if so is None or order is None or so.status is not SupplierOrderStatus.PLACED:
            return
        if taken:
            so.transition_to(SupplierOrderStatus.PAID, at=now, reason="paid automatically at placement")
        else:
            message = "the automatic payment was not taken; pay it on the supplier's website"
            if so.payment_deadline:
                message += f" before {so.payment_deadline:%Y-%m-%d}"
            record_failure(uow, so, SupplierFailure.PAYMENT_FAILED, message, at=now)
        settle_changes(uow, so, order, at=now, actor=ActorKind.SUPPLIER)
        uow.commit()


def _merchant_words(error: SupplierError) -> str:
    words = error.message
    if error.supplier_message and error.supplier_message not in words:
        words += f" (supplier says: {error.supplier_message})"
    return words


def place_order(uow: UnitOfWork, resolve: SupplierResolver, clock: Clock, *, shop_id: int, order_id: int,
                options: PlacementOptions | None = None, auto_pay: bool = False,
                actor_id: str | None = None, cache: SupplierCache | None = None) -> PlacementOutcome:
    """Place one store order with its supplier(s): one supplier order per seller, never two."""
    with uow:
        order = uow.orders.get(shop_id, order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}", field="order_id")
    cache = cache or SupplierCache()
    plan = plan_order(uow, resolve, order, options or PlacementOptions(), cache)
    if not plan.placeable:
        return PlacementOutcome(order.id, order.name, blockers=tuple(b.message for b in plan.blockers))
    address = order.shipping_address
    assert address is not None  # plan_order blocks an order without one
    outcomes = []
    for group in plan.groups:
        claim = _claim(uow, shop_id, order.id, group, plan, clock.now())
        if claim.skip is not None:
            outcomes.append(claim.skip)
            continue
        _, supplier = resolve(group.account_id)
        request = PlacementRequest(out_order_id=claim.key, address=address, auto_pay=auto_pay, items=[
            PlacementItem(item.product_id, item.sku_attr, item.quantity,
                          item.shipping.code if item.shipping else None, claim.memo) for item in group.items])
        try:
            result = supplier.place_order(request)
        except SupplierError as error:
            unknown = error.kind is SupplierErrorKind.TRANSIENT or error.kind is SupplierErrorKind.ALREADY_PLACED
            failure = SupplierFailure.OUTCOME_UNKNOWN if unknown else SupplierFailure.PLACEMENT_FAILED
            words = _merchant_words(error)
            _record(uow, shop_id, claim.supplier_order_id, clock.now(), failure=failure, message=words)
            outcomes.append(GroupOutcome(group.seller_name, GroupResult.UNKNOWN if unknown else GroupResult.FAILED,
                                         message=words))
            continue
        _record(uow, shop_id, claim.supplier_order_id, clock.now(), ids=result.supplier_order_ids, actor_id=actor_id)
        for item in group.items:
            cache.consume(group.account_id, item.product_id, item.sku_attr, item.quantity)
        if auto_pay and result.supplier_order_ids:
            _check_automatic_payment(uow, supplier, shop_id, claim.supplier_order_id, result.supplier_order_ids,
                                     clock.now())
        outcomes.append(GroupOutcome(group.seller_name, GroupResult.PLACED, tuple(result.supplier_order_ids)))
    return PlacementOutcome(order.id, order.name, tuple(outcomes))


def place_orders(uow: UnitOfWork, resolve: SupplierResolver, clock: Clock, *, shop_id: int,
                 order_ids: Sequence[int], options: dict[int, PlacementOptions] | None = None,
                 auto_pay: bool = False, actor_id: str | None = None,
                 on_result: Callable[[PlacementOutcome], None] | None = None) -> list[PlacementOutcome]:
    """Place a selection; each order gets its own result and one failure never stops the others."""
    results = []
    cache = SupplierCache()  # one product and freight lookup per product for the whole selection
    for order_id in order_ids:
        outcome = place_order(uow, resolve, clock, shop_id=shop_id, order_id=order_id,
                              options=(options or {}).get(order_id), auto_pay=auto_pay, actor_id=actor_id,
                              cache=cache)
        results.append(outcome)
        if on_result is not None:
            on_result(outcome)
    return results


def _hand_over(uow: UnitOfWork, shop_id: int, supplier_order_id: int, now: datetime, message: str) -> None:
    """The supplier cannot say whether an interrupted claim arrived: needs attention, one alert, one timeline entry."""
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id, for_update=True)
        if so is None or so.status is not SupplierOrderStatus.DRAFT or so.failure is not None:
            return  # answered, released or already handed over meanwhile
        order = uow.orders.get(shop_id, so.order_id, for_update=True)
        assert order is not None
        record_failure(uow, so, SupplierFailure.OUTCOME_UNKNOWN, message, at=now)
        settle_alerts(uow, shop_id=shop_id, order_id=so.order_id, subject=supplier_order_subject(so.id),
                      holding={AlertKind.PLACEMENT_UNCONFIRMED: message}, managed=_UNCONFIRMED, now=now,
                      supplier_order_id=so.id)
        settle_changes(uow, so, order, at=now, actor=ActorKind.SYSTEM)
        uow.commit()


def reconcile_drafts(uow: UnitOfWork, resolve: SupplierResolver, clock: Clock, *, shop_id: int, limit: int = 100,
                     stale_after: timedelta = CLAIM_PRESUMED_INTERRUPTED,
                     attention_after: timedelta = UNCONFIRMED_CLAIM_ATTENTION_AFTER) -> int:
    """Resolve claims left without an answer (a crash mid-placement) by asking the supplier first.

    Found at the supplier → recorded as placed. Not there → released with a message, so the next
    placement sends the same key again. The supplier cannot look up by our key, or its look-up still
    fails `attention_after` the claim → the merchant is asked to check at the supplier (needs
    attention, one alert). Claims handed over that way are asked again on every sweep, so a supplier
    that answers later settles them (and the alert) by itself.
    """
    now = clock.now()
    with uow:
        stuck = [(so.id, so.supplier_account_id, so.idempotency_key, so.created_at, so.seller_name,
                  so.failure is SupplierFailure.OUTCOME_UNKNOWN)
                 for so in [*uow.supplier_orders.unanswered_drafts(shop_id, now - stale_after, limit),
                            *uow.supplier_orders.unconfirmed_drafts(shop_id, limit)]]
    for so_id, account_id, key, claimed_at, seller, handed_over in stuck:
        try:
            _, supplier = resolve(account_id)
            found = supplier.find_orders_by_out_order_id(key)
        except DomainError as error:  # the supplier's refusal, or an account that cannot be used
            if not handed_over and unconfirmed_claim_needs_attention(claimed_at, now, attention_after):
                _hand_over(uow, shop_id, so_id, now, unconfirmed_claim_message(
                    key, seller, claimed_at, _lookup_words(error)))
            continue  # otherwise asked again on the next sweep
        if found:
            _record(uow, shop_id, so_id, now, ids=found)
        elif found is None:
            if not handed_over:
                _hand_over(uow, shop_id, so_id, now, unconfirmed_claim_message(
                    key, seller, claimed_at, "it offers no look-up by our key"))
        else:
            _record(uow, shop_id, so_id, now, failure=SupplierFailure.PLACEMENT_FAILED,
                    message="placement was interrupted before the supplier received it; place it again")
    return len(stuck)


def _lookup_words(error: DomainError) -> str:
    return _merchant_words(error) if isinstance(error, SupplierError) else error.message
