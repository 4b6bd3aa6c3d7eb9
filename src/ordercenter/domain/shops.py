"""The Shopify store a merchant connects: the tenant every other row belongs to."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.bulk_operations import BulkOperationStatus
from ordercenter.domain.errors import InvalidInput


def normalize_shop_domain(value: str) -> str:
    """`name.myshopify.com` in lower case, or InvalidInput naming the `domain` field."""
    domain = value.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not domain:
        raise InvalidInput("the shop domain is empty", field="domain")
    if "." not in domain:
        domain = f"{domain}.myshopify.com"
    labels = domain.split(".")
    if any(not label or not all(c.isalnum() or c == "-" for c in label) for label in labels):
        raise InvalidInput(f"'{value}' is not a shop domain like name.myshopify.com", field="domain")
    return domain


def parse_timezone(value: str, *, field: str = "timezone") -> str:
    """An IANA time zone name ("Europe/Paris", "UTC") that this system knows, or InvalidInput."""
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"'{value}' is not a time zone name like Europe/Paris or America/New_York",
                           field=field) from None
    return name


class Shop(Base):
    """A connected store. `id` is the tenant key carried by every other table."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]
    currency: Mapped[str] = mapped_column(default="USD")
    # Where the Admin API lives when it is not https://{domain}: a sandbox or a proxy.
    api_url: Mapped[str | None] = mapped_column(default=None)
    # Secrets are stored encrypted by the adapter layer; the domain never sees them in clear.
    access_token_encrypted: Mapped[str | None] = mapped_column(default=None)
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(default=None)
    # An expiring offline token (public app) lives an hour and comes with a refresh token that the
    # store replaces at each use; a token pasted from a merchant's custom app never expires (None).
    access_token_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(default=None)
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when the store refused the refresh token: only the merchant installing the app again helps,
    # and background work leaves the shop alone until then.
    reauthorization_needed_since: Mapped[datetime | None] = mapped_column(default=None)
    notify_customer_on_fulfillment: Mapped[bool] = mapped_column(default=True)
    orders_synced_through: Mapped[datetime | None] = mapped_column(default=None)
    uninstalled_at: Mapped[datetime | None] = mapped_column(default=None)
    # The bulk query of the last full backfill and its status; the bulk_operations/finish webhook
    # writes the status here, which the waiting backfill reads.
    bulk_operation_id: Mapped[str | None] = mapped_column(default=None)
    bulk_operation_status: Mapped[BulkOperationStatus | None] = mapped_column(default=None)
    # E-mail: the sender of this shop's mail (None: the server's), who gets the merchant's mail
    # (empty: the staff), and the kinds switched off (values of outbox.EmailKind).
    email_sender: Mapped[str | None] = mapped_column(default=None)
    notification_emails: Mapped[list[Any]] = mapped_column(default=list)
    emails_off: Mapped[list[Any]] = mapped_column(default=list)
    # The IANA zone every page shows this shop's times in (stored times stay UTC).
    timezone: Mapped[str] = mapped_column(default="UTC")
    created_at: Mapped[datetime]

    @property
    def is_connected(self) -> bool:
        """Installed, with a token the store still honours: background jobs work only on these shops."""
        return (self.uninstalled_at is None and self.access_token_encrypted is not None
                and self.reauthorization_needed_since is None)

    @property
    def connection_state(self) -> str:
        """One word or two for lists: uninstalled, needs re-authorization, connected, no token."""
        if self.uninstalled_at is not None:
            return "uninstalled"
        if self.reauthorization_needed_since is not None:
            return "needs re-authorization"
        return "connected" if self.access_token_encrypted is not None else "no token"

    @property
    def has_expiring_token(self) -> bool:
        return self.access_token_expires_at is not None

    def token_refresh_due(self, now: datetime, margin: timedelta) -> bool:
        """A connected shop whose expiring access token runs out within `margin` (or did)."""
        return (self.is_connected and self.access_token_expires_at is not None
                and now >= self.access_token_expires_at - margin)

    def can_refresh(self, now: datetime) -> bool:
        """A refresh token is held and has not run out (past its end the store only says invalid_grant)."""
        return self.refresh_token_encrypted is not None and not (
            self.refresh_token_expires_at is not None and now >= self.refresh_token_expires_at)

    def require_reauthorization(self, now: datetime) -> bool:
        """Mark the shop as needing a new install; the refresh token is dead, so it is dropped.
        True when this is news (the shop was not marked yet)."""
        self.refresh_token_encrypted = None
        self.refresh_token_expires_at = None
        if self.reauthorization_needed_since is not None:
            return False
        self.reauthorization_needed_since = now
        return True
