"""Deadlines: one list, soonest first, of what needs the merchant now; and the daily digest e-mail."""

from __future__ import annotations

import logging
from datetime import datetime

from ordercenter.adapters.ports import Clock
from ordercenter.domain.deadlines import (
    REFUND_WARNING,
    Deadline,
    cancellation_deadline,
    customer_deadline,
    payment_due,
    protection_deadline,
    refund_deadline,
    silence_deadline,
    sorted_deadlines,
)
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.outbox import EmailKind
from ordercenter.services.outbox import NO_RECIPIENT, merchant_recipients, notify_merchant
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_LIMIT = 500
DIGEST_LIMIT = 100


def _collect(uow: UnitOfWork, shop_id: int, now: datetime, limit: int) -> list[Deadline]:
    """Inside an open unit of work: each source's `limit` soonest, merged and cut to `limit`."""
    q = uow.deadlines
    today = now.date()
    return sorted_deadlines([
        *(protection_deadline(f, now) for f in q.closing_protection(shop_id, now, limit)),
        *(payment_due(f, now) for f in q.unpaid(shop_id, limit)),
        *(refund_deadline(f, now) for f in q.refunds_expected(shop_id, today=today, until=(now + REFUND_WARNING).date(),
                                                              limit=limit)),
        *(customer_deadline(f, now) for f in q.unanswered_customers(shop_id, limit)),
        *(silence_deadline(f, now) for f in q.awaiting_reply(shop_id, limit)),
        *(cancellation_deadline(f, now) for f in q.pending_cancellations(shop_id, limit)),
    ], limit)


def list_deadlines(uow: UnitOfWork, *, shop_id: int, now: datetime, limit: int = 100) -> list[Deadline]:
    """What needs the merchant, soonest first: closing protection windows of undelivered orders, supplier
    payments, refunds due or overdue, unanswered customers, silent sellers and undecided cancellations."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    with uow:
        return _collect(uow, shop_id, now, limit)


def _when(deadline: Deadline) -> str:
    at = deadline.due_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"{at}, overdue" if deadline.overdue else at


def digest_text(shop_name: str, deadlines: list[Deadline], *, more: bool) -> str:
    """The digest's plain text: one line per deadline, soonest first."""
    overdue = sum(1 for d in deadlines if d.overdue)
    lines = [f"Good morning. {len(deadlines)} deadline{'s' if len(deadlines) != 1 else ''} for {shop_name} "
             f"({overdue} overdue), soonest first:", ""]
    lines += [f"- {_when(d)} · order {d.order_name}: {d.what_to_do} ({d.link})" for d in deadlines]
    if more:
        lines += ["", f"Only the first {len(deadlines)} are listed; see them all with 'ordercenter deadlines'."]
    lines += ["", "You receive this e-mail once a day while something falls due."]
    return "\n".join(lines)


def _queue_digest(uow: UnitOfWork, shop_id: int, now: datetime) -> bool:
    """Queue one shop's digest of today unless it was queued already or nothing falls due."""
    key = f"digest:{shop_id}:{now.date().isoformat()}"
    with uow:
        shop = uow.shops.get(shop_id)
        recipients = merchant_recipients(uow, shop_id) or [NO_RECIPIENT]
        if shop is None or any(uow.outbox.by_dedupe_key(shop_id, f"{key}:{to}") for to in recipients):
            return False  # queued today already (the key is per recipient, see notify_merchant)
        found = _collect(uow, shop_id, now, DIGEST_LIMIT + 1)
        if not found:
            return False
        listed = found[:DIGEST_LIMIT]
        overdue = sum(1 for d in listed if d.overdue)
        subject = (f"{shop.name}: {len(listed)}{'+' if len(found) > DIGEST_LIMIT else ''} deadline"
                   f"{'s' if len(listed) != 1 else ''} today" + (f", {overdue} overdue" if overdue else ""))
        notify_merchant(uow, shop_id=shop_id, kind=EmailKind.DIGEST, subject=subject, now=now,
                        text=digest_text(shop.name, listed, more=len(found) > DIGEST_LIMIT), dedupe_key=key)
        uow.commit()
        return True


def send_daily_digest(uow: UnitOfWork, clock: Clock) -> int:
    """Queue each shop's daily digest of deadlines once a day; returns how many were queued."""
    now = clock.now()
    with uow:
        shop_ids = uow.shops.installed_ids()
    queued = 0
    for shop_id in shop_ids:
        try:
            queued += _queue_digest(uow, shop_id, now)
        except Exception:  # noqa: BLE001  (one shop's failure, or a second worker's race, must not stop the others)
            log.exception("daily digest of shop %s failed", shop_id)
    return queued
