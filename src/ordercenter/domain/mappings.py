"""Product mapping: which supplier product and SKU fulfils a store variant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base

ANY_COUNTRY = ""


class ProductMapping(Base):
    """Store variant → supplier product + `sku_attr`, with a default shipping method and a backup.

    `ship_to_country` routes by destination: a mapping for "FR" wins over the default one ("") for
    orders shipped to France.
    """

    __tablename__ = "product_mappings"
    __table_args__ = (UniqueConstraint("shop_id", "variant_id", "ship_to_country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    variant_id: Mapped[str]
    ship_to_country: Mapped[str] = mapped_column(default=ANY_COUNTRY)
    supplier_account_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_accounts.id"), default=None)
    supplier_product_id: Mapped[str]
    sku_attr: Mapped[str] = mapped_column(default="")
    shipping_method: Mapped[str | None] = mapped_column(default=None)
    # Quantity of supplier units per store unit (a "pack of 2" listing bought as 2 single units).
    units_per_item: Mapped[int] = mapped_column(default=1)
    backup_supplier_product_id: Mapped[str | None] = mapped_column(default=None)
    backup_sku_attr: Mapped[str | None] = mapped_column(default=None)
    backup_shipping_method: Mapped[str | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


def choose_mapping(mappings: list[ProductMapping], country_code: str | None) -> ProductMapping | None:
    """The mapping for the destination country if there is one, else the default one."""
    by_country = {m.ship_to_country: m for m in mappings}
    if country_code and country_code.upper() in by_country:
        return by_country[country_code.upper()]
    return by_country.get(ANY_COUNTRY)
