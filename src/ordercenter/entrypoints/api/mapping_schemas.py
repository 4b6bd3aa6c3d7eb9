"""Request and response models of the product-mapping API (Pydantic v2)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ordercenter.domain.mappings import MappingInput, ProductMapping
from ordercenter.entrypoints.api.request_models import RequestBody, RowId
from ordercenter.services.mappings import ImportReport, RowError


class MappingCreate(RequestBody):
    """A mapping to create, or to replace: (variant_id, ship_to_country) says which one.

    Only the types are checked here; the business rules (numeric ids, country code, backup needs a
    product…) live in the domain and answer 422 with the field at fault.
    """

    # Ids are often pasted as JSON numbers; unknown fields are refused so a typo is not silently dropped.
    model_config = ConfigDict(coerce_numbers_to_str=True)

    variant_id: str = Field(description="Shopify variant id: 123 or gid://shopify/ProductVariant/123")
    supplier_product_id: str = Field(description="The supplier's numeric product id")
    sku_attr: str = Field("", description="The supplier SKU's attribute string, e.g. 14:193#Black;5:100014064")
    shipping_method: str | None = Field(None, description="Default shipping method, e.g. CAINIAO_STANDARD")
    ship_to_country: str = Field("", description="ISO 3166-1 alpha-2 destination; empty for every destination")
    units_per_item: int = Field(1, description="Supplier units bought per store unit (1 to 1000)")
    supplier_account_id: RowId | None = Field(None, description="The shop's supplier account to buy from")
    backup_supplier_product_id: str | None = Field(
        None, description="Bought instead when the primary is out of stock or unavailable")
    backup_sku_attr: str | None = None
    backup_shipping_method: str | None = None

    def to_input(self) -> MappingInput:
        return MappingInput(**self.model_dump())


class MappingPublic(BaseModel):
    id: int
    variant_id: str
    ship_to_country: str
    supplier_account_id: int | None
    supplier_product_id: str
    sku_attr: str
    shipping_method: str | None
    units_per_item: int
    backup_supplier_product_id: str | None
    backup_sku_attr: str | None
    backup_shipping_method: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, mapping: ProductMapping) -> MappingPublic:
        return cls(
            id=mapping.id, variant_id=mapping.variant_id, ship_to_country=mapping.ship_to_country,
            supplier_account_id=mapping.supplier_account_id, supplier_product_id=mapping.supplier_product_id,
            sku_attr=mapping.sku_attr, shipping_method=mapping.shipping_method,
            units_per_item=mapping.units_per_item, backup_supplier_product_id=mapping.backup_supplier_product_id,
            backup_sku_attr=mapping.backup_sku_attr, backup_shipping_method=mapping.backup_shipping_method,
            created_at=mapping.created_at, updated_at=mapping.updated_at,
        )


class MappingsPublic(BaseModel):
    data: list[MappingPublic]
    count: int
    next_cursor: str | None


class RowErrorPublic(BaseModel):
    row: int = Field(description="Spreadsheet row number; the header is row 1")
    field: str | None = Field(description="The column at fault, when one is")
    message: str
    variant_id: str = Field(description="The row's variant_id as written in the file")

    @classmethod
    def of(cls, error: RowError) -> RowErrorPublic:
        return cls(row=error.row, field=error.field, message=error.message, variant_id=error.variant_id)


class ImportReportPublic(BaseModel):
    rows: int = Field(description="Data rows read (blank lines are skipped)")
    created: int
    updated: int
    unchanged: int
    failed: int
    orders_refreshed: int = Field(description="Orders before placement whose stage was re-checked")
    errors: list[RowErrorPublic]

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportPublic:
        return cls(rows=report.rows, created=report.created, updated=report.updated, unchanged=report.unchanged,
                   failed=report.failed, orders_refreshed=report.orders_refreshed,
                   errors=[RowErrorPublic.of(e) for e in report.errors])
