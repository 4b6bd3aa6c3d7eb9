"""A webhook delivery from the store: stored first, processed after, kept for inspection."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base


class DeliveryStatus(StrEnum):
    """Where a webhook delivery stands."""

    RECEIVED = "received"  # authentic and stored; not processed yet
    PROCESSED = "processed"  # applied
    IGNORED = "ignored"  # authentic but nothing to do (a topic we do not act on, a stale version)
    REJECTED = "rejected"  # authentic but unusable (malformed body, missing fields); kept for inspection
    FAILED = "failed"  # processing raised; retried by the reconciler

class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    # The platform may deliver the same event more than once: the event id (or webhook id) is unique.
    __table_args__ = (UniqueConstraint("shop_id", "dedupe_key"),)

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
    processed_at: Mapped[datetime | None] = mapped_column(default=None)
