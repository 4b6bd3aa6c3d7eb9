"""Customer refund requests: recorded, answered from a template, refunded on the store, linked to recovery."""

from __future__ import annotations

from ordercenter.adapters.ports import Clock
from ordercenter.services.uow import UnitOfWork


def scan_unanswered(uow: UnitOfWork, clock: Clock) -> int:
    """Raise the alert on customer requests unanswered for 24 hours (every shop)."""
    return 0
