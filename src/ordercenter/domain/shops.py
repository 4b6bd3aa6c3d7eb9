"""The Shopify store a merchant connects: the tenant every other row belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
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
    notify_customer_on_fulfillment: Mapped[bool] = mapped_column(default=True)
    orders_synced_through: Mapped[datetime | None] = mapped_column(default=None)
    uninstalled_at: Mapped[datetime | None] = mapped_column(default=None)
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
        return self.uninstalled_at is None and self.access_token_encrypted is not None
