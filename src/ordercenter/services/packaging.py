"""Packaging preferences: shop-wide, with an override per supplier account."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from ordercenter.domain.errors import NotFound
from ordercenter.domain.packaging import SHOP_WIDE, PackagingPreferences, check_note, packaging_memo
from ordercenter.services.uow import UnitOfWork


@dataclass(frozen=True)
class PackagingInput:
    branded_packaging: bool = False
    no_invoice_or_prices: bool = True
    no_supplier_logo: bool = False
    note: str = ""
    supplier_account_id: int | None = None  # None: the shop-wide preferences


@dataclass(frozen=True)
class PackagingView:
    supplier_account_id: int | None
    branded_packaging: bool
    no_invoice_or_prices: bool
    no_supplier_logo: bool
    note: str
    memo: str  # exactly what suppliers receive

    @classmethod
    def of(cls, row: PackagingPreferences) -> PackagingView:
        return cls(None if row.supplier_account_key == SHOP_WIDE else row.supplier_account_key,
                   row.branded_packaging, row.no_invoice_or_prices, row.no_supplier_logo, row.note,
                   packaging_memo(row))


def save_packaging(uow: UnitOfWork, *, shop_id: int, data: PackagingInput, now: datetime,
                   only: Collection[str] | None = None) -> PackagingView:
    """Create or replace the shop-wide preferences, or one supplier account's override; with `only`, change just
    those fields of existing preferences (new ones take `data` whole)."""
    note = check_note(data.note)
    with uow:
        key = SHOP_WIDE
        if data.supplier_account_id is not None:
            if uow.supplier_accounts.get(shop_id, data.supplier_account_id) is None:
                raise NotFound(f"no supplier account with id {data.supplier_account_id}",
                               field="supplier_account_id")
            key = data.supplier_account_id
        row = uow.packaging.by_key(shop_id, key)
        if row is None:
            row, only = uow.packaging.add(PackagingPreferences(shop_id=shop_id, supplier_account_key=key,
                                                               updated_at=now)), None
        values = {"branded_packaging": data.branded_packaging, "no_invoice_or_prices": data.no_invoice_or_prices,
                  "no_supplier_logo": data.no_supplier_logo, "note": note}
        for name, value in values.items():
            if only is None or name in only:
                setattr(row, name, value)
        row.updated_at = now
        uow.commit()
        return PackagingView.of(row)


def list_packaging(uow: UnitOfWork, *, shop_id: int) -> list[PackagingView]:
    with uow:
        return [PackagingView.of(row) for row in uow.packaging.for_shop(shop_id)]
