"""A webhook delivery from the store: stored first, processed after, kept for inspection.

A delivery whose apply fails is tried again later, 30 s after the first failure and twice as long
after each next one (at most an hour), until the shop's attempt limit; then it gives up, which
raises one alert. A person may replay it at any time, which starts the count again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS = 8  # as many tries as Shopify itself gives a delivery
# A delivery stored but not applied yet is left this long to the request that stored it (it applies it
# right after its answer) before the worker takes it: the process may have died in between.
RECEIVED_GRACE = timedelta(seconds=60)
# How long one try holds a delivery; a worker that died mid-try leaves it to the next after this.
APPLY_LEASE = timedelta(minutes=5)


class DeliveryStatus(StrEnum):
    """Where a webhook delivery stands."""

    RECEIVED = "received"  # authentic and stored; not processed yet
    PROCESSED = "processed"  # applied
    IGNORED = "ignored"  # authentic but nothing to do (a topic we do not act on, a stale version)
    REJECTED = "rejected"  # authentic but unusable (malformed body, missing fields); kept for inspection
    FAILED = "failed"  # processing raised; retried with backoff until it gives up (gave_up_at)


PENDING_STATUSES = frozenset({DeliveryStatus.RECEIVED, DeliveryStatus.FAILED})
# What a person may replay: never applied, or applied in vain (a malformed body is checked again first).
REPLAYABLE_STATUSES = PENDING_STATUSES | {DeliveryStatus.REJECTED}

_DUE = text("next_attempt_at IS NOT NULL")


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 30 s, doubling each time, never above an hour."""
    doublings = min(max(attempts - 1, 0), 20)  # 2**20 × 30 s is far above the cap already
    return min(RETRY_BASE * (1 << doublings), RETRY_CAP)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The platform may deliver the same event more than once: the event id (or webhook id) is unique.
        UniqueConstraint("shop_id", "dedupe_key"),
        # The worker's question, "which deliveries are due?", reads only the rows still to be tried.
        Index("ix_webhook_deliveries_due", "next_attempt_at", sqlite_where=_DUE, postgresql_where=_DUE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    dedupe_key: Mapped[str]
    topic: Mapped[str]
    webhook_id: Mapped[str | None] = mapped_column(default=None)
    event_id: Mapped[str | None] = mapped_column(default=None)
    triggered_at: Mapped[datetime | None] = mapped_column(default=None)
    received_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(default=DeliveryStatus.RECEIVED, index=True)
    error: Mapped[str | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)  # the latest try
    # When the worker may try it (again); None once it needs no more tries (done, or given up).
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    gave_up_at: Mapped[datetime | None] = mapped_column(default=None)  # the last allowed try failed

    @property
    def gave_up(self) -> bool:
        return self.gave_up_at is not None

    def is_due(self, now: datetime) -> bool:
        return self.status in PENDING_STATUSES and self.next_attempt_at is not None and self.next_attempt_at <= now

    def record_try(self, status: DeliveryStatus, error: str | None, *, now: datetime, max_attempts: int) -> bool:
        """Write the outcome of one try and when to try again; True when this failure was the last allowed."""
        self.attempts += 1
        self.status, self.error, self.processed_at = status, error, now
        self.next_attempt_at = None
        if status is not DeliveryStatus.FAILED:
            return False
        if self.attempts >= max_attempts:
            self.gave_up_at = now
            return True
        self.next_attempt_at = now + retry_delay(self.attempts)
        return False

    def start_over(self, now: datetime) -> None:
        """A person asked for a replay: due now, with the whole count of tries ahead of it."""
        self.status = DeliveryStatus.RECEIVED if self.status is DeliveryStatus.REJECTED else self.status
        self.attempts, self.gave_up_at, self.next_attempt_at = 0, None, now
