"""Signing people in to the web pages: sessions with idle and absolute expiry, and the limit on failed
sign-ins that keeps a password from being guessed.

Pure rules plus the two tables; the service reads the clock and the rows and asks these rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.errors import NotAllowed

# A session ends after a working day without a request, and a week after sign-in whatever happens.
IDLE_TIMEOUT = timedelta(hours=8)
ABSOLUTE_TIMEOUT = timedelta(days=7)
# A session's last-seen time is written at most this often, so reading pages is not a write each time.
TOUCH_EVERY = timedelta(minutes=1)

# Failed sign-ins counted over a sliding window. Per account the limit is low (a guessed password);
# per client address it is higher, because a shop's staff often share one office address.
ATTEMPT_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 20
# Attempts older than this are of no use to any rule and are deleted.
ATTEMPTS_KEPT = timedelta(days=1)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 digest is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    token_digest: Mapped[str] = mapped_column(unique=True)
    # Sent in a hidden field of every form and checked on every POST (the CSRF token of this session).
    csrf_token: Mapped[str]
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # the absolute end
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    def is_live(self, now: datetime) -> bool:
        """Not signed out, not past its absolute end, and used within the idle timeout."""
        return self.revoked_at is None and now < self.expires_at and now - self.last_seen_at < IDLE_TIMEOUT

    def needs_touch(self, now: datetime) -> bool:
        return now - self.last_seen_at >= TOUCH_EVERY


def session_expiry(created_at: datetime) -> datetime:
    return created_at + ABSOLUTE_TIMEOUT


class SignInAttempt(Base):
    """One sign-in try, kept for a day so the failure limits hold across server processes.

    `shop_id` is set only when the e-mail belongs to a staff account: an attempt with an unknown
    e-mail belongs to no shop, which is why this table, unlike the others, may have none.
    """

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_email_time", "email", "attempted_at"),
        Index("ix_sign_in_attempts_address_time", "client_address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), default=None)
    email: Mapped[str]  # as typed, lower-cased
    client_address: Mapped[str]
    succeeded: Mapped[bool]
    attempted_at: Mapped[datetime]


class TooManyAttempts(NotAllowed):
    """Sign-in refused before the password is even checked: too many recent failures."""

    def __init__(self, message: str, *, retry_after: timedelta) -> None:
        super().__init__(message, field="email")
        self.retry_after = retry_after


@dataclass(frozen=True)
class AttemptHistory:
    """The recent failures that the limits count (each list: failure times inside the window)."""

    account_failures: Sequence[datetime]
    address_failures: Sequence[datetime]


def _wait(failures: Sequence[datetime], limit: int, now: datetime) -> timedelta | None:
    """How long until fewer than `limit` failures remain in the window, or None when that is already so."""
    recent = sorted(at for at in failures if now - at < ATTEMPT_WINDOW)
    if len(recent) < limit:
        return None
    # The block lifts when enough of the oldest failures have left the window.
    return recent[len(recent) - limit] + ATTEMPT_WINDOW - now


def minutes_text(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def check_attempts(history: AttemptHistory, now: datetime) -> None:
    """Raise TooManyAttempts (with the time to wait) when the account or the address is over its limit."""
    account = _wait(history.account_failures, ACCOUNT_FAILURE_LIMIT, now)
    address = _wait(history.address_failures, ADDRESS_FAILURE_LIMIT, now)
    if account is not None:
        raise TooManyAttempts(f"Too many failed sign-ins for this account. Try again in {minutes_text(account)}.",
                              retry_after=account)
    if address is not None:
        raise TooManyAttempts(f"Too many failed sign-ins from this network address. Try again in "
                              f"{minutes_text(address)}.", retry_after=address)
