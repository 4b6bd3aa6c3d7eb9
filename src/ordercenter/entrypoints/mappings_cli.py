"""`ordercenter mappings`: which supplier product and SKU fulfils each store variant."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ordercenter.domain.mappings import MappingInput
from ordercenter.entrypoints.cli_context import CliError, ShopOption, container, id_argument, id_option, out
from ordercenter.services import mappings
from ordercenter.services.shops import resolve_shop

mappings_app = typer.Typer(help="Product mappings: which supplier product and SKU fulfils each store variant.",
                           no_args_is_help=True)


@mappings_app.command("import")
def mappings_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="CSV with a header row: " + ",".join(mappings.CSV_COLUMNS))],
    shop: ShopOption = None,
) -> None:
    """Import mappings from a CSV file (',' or ';' separated; only variant_id and supplier_product_id are required).

    Good rows are saved even when others fail. Exit code 0 when every row was saved, 1 when some rows
    failed (listed with row number, column and reason), 2 when the file itself cannot be used.
    """
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{file} is not UTF-8 text; save it as 'CSV UTF-8'") from None
    report = mappings.import_mappings_csv(c.uow(), shop_row.id, text, c.clock.now())
    summary = Table("rows", "created", "updated", "unchanged", "failed", "orders re-checked",
                    title=f"mapping import into {shop_row.domain}")
    summary.add_row(*(str(n) for n in (report.rows, report.created, report.updated, report.unchanged,
                                       report.failed, report.orders_refreshed)))
    out.print(summary)
    if report.errors:
        errors = Table("row", "column", "variant_id", "reason", title="rows not imported")
        for error in report.errors:
            errors.add_row(str(error.row), error.field or "", error.variant_id, error.message)
        out.print(errors)
        raise typer.Exit(1)


@mappings_app.command("list")
def mappings_list(variant: Annotated[str | None, typer.Option(help="Only this store variant (id or gid)")] = None,
                  product: Annotated[str | None, typer.Option(help="Only this supplier product (primary or "
                                                                       "backup)")] = None,
                  limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
                  shop: ShopOption = None) -> None:
    """List a shop's product mappings, newest first."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    page = mappings.list_mappings(c.uow(), shop_row.id, variant_id=variant, supplier_product_id=product,
                                  limit=limit)
    table = Table("id", "variant", "country", "product", "sku_attr", "shipping", "units", "backup",
                  title=f"{page.count} mappings")
    for m in page.mappings:
        backup = f"{m.backup_supplier_product_id} {m.backup_sku_attr or ''}".strip() \
            if m.backup_supplier_product_id else ""
        table.add_row(str(m.id), m.variant_id, m.ship_to_country or "any", m.supplier_product_id, m.sku_attr,
                      m.shipping_method or "", str(m.units_per_item), backup)
    out.print(table)


@mappings_app.command("set")
def mappings_set(
    variant: Annotated[str, typer.Option(help="Store variant id, or gid://shopify/ProductVariant/…")],
    product: Annotated[str, typer.Option(help="Supplier product id")],
    sku_attr: Annotated[str, typer.Option(help="Supplier SKU attributes, e.g. 14:193#Black")] = "",
    shipping_method: Annotated[str | None, typer.Option(help="Default shipping method")] = None,
    country: Annotated[str, typer.Option(help="Only for orders shipped to this ISO-2 country "
                                              "(default: every country)")] = "",
    units: Annotated[int, typer.Option(help="Supplier units per store unit")] = 1,
    account: Annotated[int | None, id_option(help_text="Supplier account id to buy from")] = None,
    backup_product: Annotated[str | None, typer.Option(help="Bought when the primary is out of stock")] = None,
    backup_sku_attr: Annotated[str | None, typer.Option(help="SKU attributes of the backup product")] = None,
    backup_shipping_method: Annotated[str | None, typer.Option(help="Shipping method for the backup")] = None,
    shop: ShopOption = None,
) -> None:
    """Create the mapping of a variant (and country), or replace what it says."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    data = MappingInput(variant_id=variant, supplier_product_id=product, sku_attr=sku_attr,
                        shipping_method=shipping_method, ship_to_country=country, units_per_item=units,
                        supplier_account_id=account, backup_supplier_product_id=backup_product,
                        backup_sku_attr=backup_sku_attr, backup_shipping_method=backup_shipping_method)
    saved = mappings.save_mapping(c.uow(), shop_row.id, data, c.clock.now())
    m = saved.mapping
    out.print(f"{'created' if saved.created else 'updated'} mapping {m.id}: variant {m.variant_id} "
              f"({m.ship_to_country or 'any country'}) → product {m.supplier_product_id} {m.sku_attr}".rstrip()
              + f"; {saved.orders_refreshed} waiting orders re-checked")


@mappings_app.command("delete")
def mappings_delete(mapping_id: Annotated[int, id_argument("The id from 'mappings list'")],
                    shop: ShopOption = None) -> None:
    """Delete a mapping; orders waiting to be placed with it need a new one."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    refreshed = mappings.delete_mapping(c.uow(), shop_row.id, mapping_id, c.clock.now())
    out.print(f"mapping {mapping_id} deleted; {refreshed} waiting orders re-checked")
