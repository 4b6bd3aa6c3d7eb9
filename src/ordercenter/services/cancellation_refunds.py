"""After an approved cancellation: the merchant confirms the supplier's refund arrived, and a sweeper finishes
store cancellations that a crash left half done (approved, store order not cancelled yet, no error kept)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ordercenter.adapters.ports import Clock
from ordercenter.domain import audit
from ordercenter.domain.alerts import AlertKind, request_subject
from ordercenter.domain.cancellations import CancellationRequest
from ordercenter.domain.errors import NotAllowed, NotFound
from ordercenter.domain.status import ActorKind, CancellationStatus
from ordercenter.services import cancellation
from ordercenter.services.after_sale_sync import StoreFor
from ordercenter.services.alerting import settle_alerts
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

# A follow-up younger than this may still be running in the process that approved it.
FOLLOW_UP_GRACE = timedelta(minutes=5)
SWEEP_LIMIT = 100


def record_refund_arrived(uow: UnitOfWork, clock: Clock, *, shop_id: int, cancellation_id: int,
                          actor_id: str | None = None, at: datetime | None = None) -> CancellationRequest:
    """The supplier's refund of an approved cancellation reached the payer: it leaves the deadlines and its
    overdue alert clears. Saying it twice changes nothing more."""
    with uow:
        request = uow.cancellations.get(shop_id, cancellation_id, for_update=True)
        if request is None:
            raise NotFound(f"no cancellation request {cancellation_id}", field="cancellation_id")
        if request.status is not CancellationStatus.APPROVED or request.refund_amount is None:
            raise NotAllowed(f"cancellation request {cancellation_id} is {request.status.value} and expects no "
                             "refund", field="status")
        if request.refund_arrived_at is not None:
            return request
        now = clock.now()
        request.refund_arrived_at = at or now
        uow.events.add(audit.order_event(
            shop_id, request.order_id, audit.OrderEventType.CANCELLATION_DECIDED, now,
            f"Refund of {request.refund_amount:.2f} {request.currency} from the supplier arrived "
            f"(cancellation {request.id})", ActorKind.STAFF if actor_id else ActorKind.SYSTEM, actor_id,
            entity_id=request.id, phase="refund_arrived"))
        settle_alerts(uow, shop_id=shop_id, order_id=request.order_id,
                      subject=request_subject("cancellation", request.id), holding={},
                      managed={AlertKind.REFUND_OVERDUE}, now=now, supplier_order_id=request.supplier_order_id)
        uow.commit()
        return request


def resume_follow_ups(uow: UnitOfWork, store_for: StoreFor, clock: Clock) -> int:
    """Store cancellations of approved requests that never ran to the end (every shop); returns how many ran."""
    with uow:
        due = [(r.shop_id, r.id) for r in uow.cancellations.unfinished_follow_ups(
            clock.now() - FOLLOW_UP_GRACE, SWEEP_LIMIT)]
    for shop_id, cancellation_id in due:
        try:
            cancellation.run_follow_up(uow, store_for, clock, shop_id=shop_id, cancellation_id=cancellation_id)
        except Exception:  # one store's outage must not stop the others
            log.exception("the store follow-up of cancellation %s failed", cancellation_id)
    return len(due)
