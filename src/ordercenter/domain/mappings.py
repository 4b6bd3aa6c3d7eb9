"""Product mapping: which supplier product and SKU fulfils a store variant."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.errors import InvalidInput

ANY_COUNTRY = ""
VARIANT_GID_PREFIX = "gid://shopify/ProductVariant/"
MAX_UNITS_PER_ITEM = 1000
MAX_TEXT_LENGTH = 500
_DIGITS = re.compile(r"[0-9]{1,20}")  # ASCII only: str.isdigit() would accept "²" or Arabic-Indic digits
_COUNTRY = re.compile(r"[A-Z]{2}")


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


@dataclass(frozen=True)
class MappingInput:
    """What a merchant says about one variant (and destination): the fields of a mapping, unchecked.

    The attribute names are the API fields and the CSV columns, so an error's `field` means the same
    thing everywhere.
    """

    variant_id: str
    supplier_product_id: str
    sku_attr: str = ""
    shipping_method: str | None = None
    ship_to_country: str = ANY_COUNTRY
    units_per_item: int = 1
    supplier_account_id: int | None = None
    backup_supplier_product_id: str | None = None
    backup_sku_attr: str | None = None
    backup_shipping_method: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """What makes a mapping unique within a shop."""
        return self.variant_id, self.ship_to_country


def normalize_variant_id(raw: str, *, field: str = "variant_id") -> str:
    """The numeric store variant id; a Shopify GraphQL gid is accepted and reduced to its number."""
    value = raw.strip()
    if value.startswith(VARIANT_GID_PREFIX):
        value = value.removeprefix(VARIANT_GID_PREFIX)
    if not value:
        raise InvalidInput(f"{field} is required", field=field)
    if not _DIGITS.fullmatch(value):
        raise InvalidInput(f"{field} must be a numeric Shopify variant id or a {VARIANT_GID_PREFIX}… gid, "
                           f"not '{raw.strip()}'", field=field)
    return value


def _product_id(raw: str | None, field: str) -> str | None:
    value = (raw or "").strip()
    if value and not _DIGITS.fullmatch(value):
        raise InvalidInput(f"{field} must be a numeric supplier product id, not '{value}'", field=field)
    return value or None


def normalize_country(raw: str | None) -> str:
    """"" for every destination, else an upper-cased ISO 3166-1 alpha-2 code."""
    value = (raw or "").strip().upper()
    if value and not _COUNTRY.fullmatch(value):
        raise InvalidInput(f"ship_to_country must be a two-letter ISO country code such as FR, or empty for "
                           f"every country, not '{(raw or '').strip()}'", field="ship_to_country")
    return value


def _text(raw: str | None, field: str) -> str | None:
    value = (raw or "").strip()
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidInput(f"{field} is longer than {MAX_TEXT_LENGTH} characters", field=field)
    return value or None


def validate_mapping(data: MappingInput) -> MappingInput:
    """The input cleaned up (trimmed, gid reduced, country upper-cased), or `InvalidInput` naming the field.

    Checks run in field order and the first failure is reported, so a form shows one clear message.
    """
    variant_id = normalize_variant_id(data.variant_id)
    product_id = _product_id(data.supplier_product_id, "supplier_product_id")
    if product_id is None:
        raise InvalidInput("supplier_product_id is required", field="supplier_product_id")
    sku_attr = _text(data.sku_attr, "sku_attr") or ""
    shipping_method = _text(data.shipping_method, "shipping_method")
    country = normalize_country(data.ship_to_country)
    if not MAX_UNITS_PER_ITEM >= data.units_per_item >= 1:
        raise InvalidInput(f"units_per_item must be between 1 and {MAX_UNITS_PER_ITEM}, not {data.units_per_item}",
                           field="units_per_item")
    if data.supplier_account_id is not None and data.supplier_account_id < 1:
        raise InvalidInput("supplier_account_id must be a positive id", field="supplier_account_id")
    backup_id = _product_id(data.backup_supplier_product_id, "backup_supplier_product_id")
    backup_sku = _text(data.backup_sku_attr, "backup_sku_attr")
    backup_method = _text(data.backup_shipping_method, "backup_shipping_method")
    if backup_id is None:
        # A backup SKU or method without a product would silently never be used.
        for field, value in (("backup_sku_attr", backup_sku), ("backup_shipping_method", backup_method)):
            if value is not None:
                raise InvalidInput(f"{field} needs a backup_supplier_product_id", field=field)
    elif backup_id == product_id and (backup_sku or "") == sku_attr:
        raise InvalidInput("the backup is the same product and SKU as the primary; it could never help when "
                           "the primary is unavailable", field="backup_supplier_product_id")
    return MappingInput(
        variant_id=variant_id, supplier_product_id=product_id, sku_attr=sku_attr,
        shipping_method=shipping_method, ship_to_country=country, units_per_item=data.units_per_item,
        supplier_account_id=data.supplier_account_id, backup_supplier_product_id=backup_id,
        backup_sku_attr=backup_sku, backup_shipping_method=backup_method,
    )


def new_mapping(shop_id: int, data: MappingInput, now: datetime) -> ProductMapping:
    """A mapping for a validated input."""
    mapping = ProductMapping(shop_id=shop_id, variant_id=data.variant_id, ship_to_country=data.ship_to_country,
                             created_at=now, updated_at=now)
    apply_mapping(mapping, data, now)
    return mapping


def apply_mapping(mapping: ProductMapping, data: MappingInput, now: datetime) -> bool:
    """Make the mapping say what the validated input says; False when it already did (nothing touched)."""
    if mapping_input_of(mapping) == data:
        return False
    for item in fields(MappingInput):
        setattr(mapping, item.name, getattr(data, item.name))
    mapping.updated_at = now
    return True


def mapping_input_of(mapping: ProductMapping) -> MappingInput:
    """The stored mapping as an input, to compare it with a new one."""
    return MappingInput(**{item.name: getattr(mapping, item.name) for item in fields(MappingInput)})
