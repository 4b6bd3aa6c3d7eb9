"""Custom packaging: what the merchant asks suppliers to do with the parcel, sent as the order memo."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.errors import InvalidInput

# AliExpress keeps order memos short; longer notes are refused rather than silently cut.
MAX_NOTE_LENGTH = 300
SHOP_WIDE = 0


class PackagingPreferences(Base):
    """A shop's packaging wishes; a row with a supplier account overrides the shop-wide row for it."""

    __tablename__ = "packaging_preferences"
    __table_args__ = (UniqueConstraint("shop_id", "supplier_account_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    # The supplier account this override is for; SHOP_WIDE (0) for the shop-wide preferences.
    supplier_account_key: Mapped[int] = mapped_column(default=SHOP_WIDE)
    branded_packaging: Mapped[bool] = mapped_column(default=False)
    no_invoice_or_prices: Mapped[bool] = mapped_column(default=True)
    no_supplier_logo: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(default="")
    updated_at: Mapped[datetime]


def check_note(note: str) -> str:
    text = " ".join(note.split())
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"the packaging note is {len(text)} characters; at most {MAX_NOTE_LENGTH}",
                           field="note")
    return text


def packaging_memo(prefs: PackagingPreferences | None) -> str:
    """The memo sent with every supplier order: the wishes in plain words a seller understands."""
    if prefs is None:
        return ""
    wishes = []
    if prefs.branded_packaging:
        wishes.append("Please use our branded packaging")
    if prefs.no_invoice_or_prices:
        wishes.append("Dropshipping order: no invoice, receipt or prices in the parcel")
    if prefs.no_supplier_logo:
        wishes.append("No supplier logo or advertising")
    if prefs.note:
        wishes.append(prefs.note)
    return ". ".join(wishes) + ("." if wishes and not wishes[-1].endswith(".") else "")


def effective_preferences(rows: list[PackagingPreferences], supplier_account_id: int | None
                          ) -> PackagingPreferences | None:
    """The supplier's override if there is one, else the shop-wide preferences."""
    by_key = {row.supplier_account_key: row for row in rows}
    if supplier_account_id is not None and supplier_account_id in by_key:
        return by_key[supplier_account_id]
    return by_key.get(SHOP_WIDE)
