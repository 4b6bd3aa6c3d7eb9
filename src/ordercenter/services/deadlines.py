"""Deadlines: one list, soonest first, of what needs the merchant now; and the daily digest e-mail."""

from __future__ import annotations

from ordercenter.adapters.ports import Clock
from ordercenter.services.uow import UnitOfWork


def send_daily_digest(uow: UnitOfWork, clock: Clock) -> int:
    """Queue each shop's daily digest of deadlines once a day; returns how many were queued."""
    return 0
