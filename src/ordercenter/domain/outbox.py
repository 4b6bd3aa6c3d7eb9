"""The e-mail outbox: every e-mail is a row written in the same transaction as the change it tells of.

A sender hands due rows to the mail server after commit and marks them sent. The `Message-ID` is
fixed when the row is written, so a resend after a crash (handed over, not yet marked sent) is
recognizable as the same message by the server and the reader's mail client.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base


class EmailKind(StrEnum):
    """What an e-mail is about; each kind can be switched off per shop."""

    DECISION = "decision"  # a supplier decided a cancellation or a return/refund request
    ALERT = "alert"  # an alert was raised (late, unpaid, overdue refund, unanswered customer…)
    DIGEST = "digest"  # the daily list of deadlines
    CUSTOMER_REPLY = "customer_reply"  # the merchant's answer to a customer
    ACCOUNT = "account"  # a supplier account needs re-authorization
    PRIVACY = "privacy"  # a customer asked the store for their data: the file to send them is ready


class EmailStatus(StrEnum):
    """Where an outbox row stands."""

    PENDING = "pending"  # waiting to be handed to the mail server (again, after a failure)
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # every attempt failed; the last error is kept
    SKIPPED = "skipped"  # this kind of e-mail is switched off for the shop, or nobody to send it to


MAX_ATTEMPTS = 8
# A claim older than this is taken to be a sender that died mid-send: the row is due again.
CLAIM_LEASE = timedelta(minutes=5)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4 … minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


class OutboxEmail(Base):
    __tablename__ = "email_outbox"
    __table_args__ = (
        UniqueConstraint("message_id"),
        # The same fact never queues two e-mails (a retried service, a second worker).
        UniqueConstraint("shop_id", "dedupe_key"),
        Index("ix_email_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), default=None, index=True)
    kind: Mapped[EmailKind]
    sender: Mapped[str]
    to_address: Mapped[str]
    subject: Mapped[str]
    text_body: Mapped[str]
    html_body: Mapped[str | None] = mapped_column(default=None)
    message_id: Mapped[str]  # "<…@…>", fixed at creation
    dedupe_key: Mapped[str | None] = mapped_column(default=None)
    status: Mapped[EmailStatus] = mapped_column(default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)

    def mark_sent(self, at: datetime) -> None:
        self.status, self.sent_at, self.claimed_until, self.last_error = EmailStatus.SENT, at, None, None

    def mark_failed_attempt(self, error: str, at: datetime) -> None:
        """One more failed attempt: due again after the back-off, or failed for good after the last try."""
        self.attempts += 1
        self.last_error = error[:1000]
        self.claimed_until = None
        if self.attempts >= MAX_ATTEMPTS:
            self.status = EmailStatus.FAILED
        else:
            self.next_attempt_at = at + retry_delay(self.attempts)
