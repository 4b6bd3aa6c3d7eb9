"""A supplier account the merchant buys from (an AliExpress dropshipping account, first)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base


class SupplierPlatformKind(StrEnum):
    """Which supplier platform an account is on."""

    ALIEXPRESS = "aliexpress"  # the AliExpress Open Platform (dropshipping APIs)


# AliExpress advises refreshing about 30 minutes before the access token expires.
REFRESH_MARGIN = timedelta(minutes=30)

# An account whose credentials are refused is tried again after a wait that doubles from the first to
# the cap: a revoked token costs a call an hour, not one per order per minute, and a fixed one is seen
# within the hour (at once after a new authorization, which ends the wait).
CREDENTIALS_RETRY_FIRST = timedelta(minutes=1)
CREDENTIALS_RETRY_CAP = timedelta(hours=1)


def credentials_retry_after(refused_tries: int, first: timedelta = CREDENTIALS_RETRY_FIRST,
                            cap: timedelta = CREDENTIALS_RETRY_CAP) -> timedelta:
    """The wait after the `refused_tries`-th refusal in a row (1-based): first, twice that, … at most `cap`."""
    if refused_tries <= 1:
        return min(first, cap)
    # Past the cap the doubling no longer matters; stopping there keeps the number small.
    doublings: int = min(refused_tries - 1, 32)
    return min(first * (1 << doublings), cap)


def supplier_account_subject(account_id: int) -> str:
    """The subject of an alert about a supplier account (its credentials), with no order."""
    return f"supplier_account:{account_id}"


class SupplierAccount(Base):
    """Credentials and rules of one supplier account of a shop. Secrets are stored encrypted."""

    __tablename__ = "supplier_accounts"
    __table_args__ = (UniqueConstraint("shop_id", "platform", "app_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    platform: Mapped[SupplierPlatformKind]
    name: Mapped[str]
    app_key: Mapped[str]
    app_secret_encrypted: Mapped[str]
    api_url: Mapped[str | None] = mapped_column(default=None)
    access_token_encrypted: Mapped[str | None] = mapped_column(default=None)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(default=None)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # Buyer-protection rules of this supplier (see policies.ProtectionRules).
    protection_days: Mapped[int] = mapped_column(default=90)
    days_after_delivery: Mapped[int | None] = mapped_column(default=15)
    auto_pay: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    # A sandbox supplier speaks the same protocol but also offers after-sale actions by API.
    is_sandbox: Mapped[bool] = mapped_column(default=False)
    # The AliExpress buyer account that authorized our app (shown so the merchant knows which login to use).
    buyer_account: Mapped[str | None] = mapped_column(default=None)
    buyer_user_id: Mapped[str | None] = mapped_column(default=None)
    authorized_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when the staff were told to re-authorize; cleared by a new authorization, so each
    # refresh-token lifetime is announced once.
    reauthorization_alerted_at: Mapped[datetime | None] = mapped_column(default=None)
    # Why the last token refresh failed (the supplier's words), until one succeeds.
    token_error: Mapped[str | None] = mapped_column(default=None)
    # The supplier refuses our credentials on its API calls: since when, its last words, how many tries
    # in a row, and when the next one may be made (the poller leaves the account alone until then).
    last_error: Mapped[str | None] = mapped_column(default=None)
    failing_since: Mapped[datetime | None] = mapped_column(default=None)
    refused_tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_authorized(self) -> bool:
        return self.access_token_encrypted is not None

    @property
    def is_refused(self) -> bool:
        """The supplier refused our credentials on the last call made with them."""
        return self.failing_since is not None

    def waiting_to_retry(self, now: datetime) -> bool:
        """Refused, and its next try has not come yet: no call is to be made with this account."""
        return self.is_refused and self.next_try_at is not None and now < self.next_try_at

    def record_refusal(self, message: str, now: datetime) -> bool:
        """The supplier refused our credentials again; schedules the next try. True when it just started."""
        started = not self.is_refused
        if started:
            self.failing_since, self.refused_tries = now, 0
        self.refused_tries = (self.refused_tries or 0) + 1
        self.last_error = message
        self.next_try_at = now + credentials_retry_after(self.refused_tries)
        return started

    def record_acceptance(self) -> bool:
        """A call with these credentials worked. True when it ends a refusal."""
        ended = self.is_refused
        self.last_error = self.failing_since = self.next_try_at = None
        self.refused_tries = 0
        return ended

    def credentials_replaced(self) -> None:
        """New credentials deserve a try at once; the refusal itself ends only when a call works."""
        self.next_try_at = None

    @property
    def authorization_deadline(self) -> datetime | None:
        """When the account stops working unless someone re-authorizes it: the refresh token's end, or
        without a refresh token the access token's own end (None when the supplier never said)."""
        if self.refresh_token_encrypted is not None and self.refresh_token_expires_at is not None:
            return self.refresh_token_expires_at
        return self.access_token_expires_at

    def can_refresh(self, now: datetime) -> bool:
        """A refresh token exists and has not expired; refreshing past its end only earns an error."""
        return (self.refresh_token_encrypted is not None and self.refresh_token_expires_at is not None
                and now < self.refresh_token_expires_at)

    def needs_token_refresh(self, now: datetime, margin: timedelta = REFRESH_MARGIN) -> bool:
        """Refresh `margin` before the access token expires, while the refresh token still works.

        Near the end of the refresh token's life the supplier caps the access token at the same
        deadline; a refresh then gains nothing, so it is not attempted (it would repeat every run).
        """
        expires = self.access_token_expires_at
        if expires is None or not self.can_refresh(now):
            return False
        assert self.refresh_token_expires_at is not None  # can_refresh checked it
        return now >= expires - margin and expires < self.refresh_token_expires_at

    def reauthorization_due(self, now: datetime, warn_days: int = 7) -> bool:
        """The account will stop working within `warn_days` (or already did) and only a person can fix it."""
        deadline = self.authorization_deadline
        if not self.is_authorized or deadline is None:
            return False
        return now >= deadline - timedelta(days=warn_days)
