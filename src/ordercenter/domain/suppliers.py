"""A supplier account the merchant buys from (an AliExpress dropshipping account, first)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base


class SupplierPlatformKind(StrEnum):
    """Which supplier platform an account is on."""

    ALIEXPRESS = "aliexpress"  # the AliExpress Open Platform (dropshipping APIs)


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
