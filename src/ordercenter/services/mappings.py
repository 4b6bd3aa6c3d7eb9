"""Product mappings: save, delete, list and import from CSV; orders that wait on a mapping are re-checked.

A mapping change can make an order placeable (`needs_attention: unmapped_item` → `to_order`) or, when
one is deleted, unplaceable again, so every change re-derives the stage of the shop's open orders that
have a line with the variant, in the same transaction.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from ordercenter.adapters.db.repositories import MappingFilter
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.mappings import (
    MappingInput,
    ProductMapping,
    apply_mapping,
    new_mapping,
    normalize_variant_id,
    validate_mapping,
)
from ordercenter.domain.status import Stage
from ordercenter.services.stage_refresh import refresh_stage
from ordercenter.services.uow import UnitOfWork

MAX_PAGE = 200
MAX_IMPORT_ROWS = 5000
CSV_COLUMNS = ("variant_id", "supplier_product_id", "sku_attr", "shipping_method", "ship_to_country",
               "units_per_item", "backup_supplier_product_id", "backup_sku_attr", "backup_shipping_method")
REQUIRED_COLUMNS = ("variant_id", "supplier_product_id")
# Stages a mapping can change: later stages already have supplier orders and keep their SKUs.
MAPPING_SENSITIVE_STAGES = (Stage.TO_ORDER, Stage.NEEDS_ATTENTION)


@dataclass(frozen=True)
class SavedMapping:
    mapping: ProductMapping
    created: bool
    orders_refreshed: int  # open orders with this variant whose stage was re-derived


@dataclass(frozen=True)
class MappingsPage:
    mappings: Sequence[ProductMapping]
    count: int
    next_cursor: str | None


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number: the header is row 1
    field: str | None  # the column at fault, when one is
    message: str
    variant_id: str = ""  # as written in the file, to help find the row


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    orders_refreshed: int = 0

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors


def save_mapping(uow: UnitOfWork, shop_id: int, data: MappingInput, now: datetime) -> SavedMapping:
    """Create the mapping of (variant, ship-to country), or replace what it says; re-check waiting orders."""
    clean = validate_mapping(data)
    try:
        return _save_once(uow, shop_id, clean, now)
    except IntegrityError:
        # Another request created the same (variant, country) first: this save is now an update.
        return _save_once(uow, shop_id, clean, now)


def _save_once(uow: UnitOfWork, shop_id: int, data: MappingInput, now: datetime) -> SavedMapping:
    with uow:
        _require_shop(uow, shop_id)
        if data.supplier_account_id is not None and uow.supplier_accounts.get(
                shop_id, data.supplier_account_id) is None:
            raise InvalidInput(f"this shop has no supplier account {data.supplier_account_id}",
                               field="supplier_account_id")
        existing = _existing_by_key(uow, shop_id, [data.variant_id])
        mapping = existing.get(data.key)
        created = mapping is None
        if mapping is None:
            mapping = uow.mappings.add(new_mapping(shop_id, data, now))
            changed = True
        else:
            changed = apply_mapping(mapping, data, now)
        refreshed = _refresh_orders(uow, shop_id, {data.variant_id}, now) if changed else 0
        uow.commit()
        return SavedMapping(mapping, created, refreshed)


def delete_mapping(uow: UnitOfWork, shop_id: int, mapping_id: int, now: datetime) -> int:
    """Delete one mapping of the shop; returns how many waiting orders were re-checked."""
    with uow:
        mapping = uow.mappings.get(shop_id, mapping_id, for_update=True)
        if mapping is None:
            raise NotFound(f"no mapping with id {mapping_id}", field="mapping_id")
        variant_id = mapping.variant_id
        uow.mappings.delete(mapping)
        refreshed = _refresh_orders(uow, shop_id, {variant_id}, now)
        uow.commit()
        return refreshed


def get_mapping(uow: UnitOfWork, shop_id: int, mapping_id: int) -> ProductMapping:
    """One mapping of the shop."""
    with uow:
        mapping = uow.mappings.get(shop_id, mapping_id)
        if mapping is None:
            raise NotFound(f"no mapping with id {mapping_id}", field="mapping_id")
        return mapping


def list_mappings(uow: UnitOfWork, shop_id: int, *, variant_id: str | None = None,
                  supplier_product_id: str | None = None, cursor: str | None = None,
                  limit: int = 50) -> MappingsPage:
    """The shop's mappings newest first; `supplier_product_id` matches the primary or the backup product."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    variant = normalize_variant_id(variant_id) if variant_id else None
    product = supplier_product_id.strip() if supplier_product_id else None
    before_id = decode_cursor(cursor) if cursor else None
    # One row more than the page, to learn whether there is a next one.
    flt = MappingFilter(variant_id=variant, supplier_product_id=product, before_id=before_id, limit=limit + 1)
    with uow:
        count = uow.mappings.count(shop_id, flt)
        rows = list(uow.mappings.page(shop_id, flt))
    has_more = len(rows) > limit
    rows = rows[:limit]
    return MappingsPage(rows, count, encode_cursor(rows[-1].id) if has_more and rows else None)


def import_mappings_csv(uow: UnitOfWork, shop_id: int, text: str, now: datetime) -> ImportReport:
    """Save every good row of a mapping CSV and report each bad one (row, field, reason).

    Rows are checked one by one and a bad row never stops the good ones. A file-level problem (no
    header, unknown or missing columns, too many rows) raises `InvalidInput` and saves nothing. A row
    that repeats the (variant, country) of an earlier row is reported, so the first one wins.
    """
    report = ImportReport()
    good: list[MappingInput] = []
    seen: dict[tuple[str, str], int] = {}
    for row in _csv_rows(text):
        report.rows += 1
        raw_variant = row.values.get("variant_id", "").strip()
        if row.problem is not None:
            report.errors.append(RowError(row.number, None, row.problem, raw_variant))
            continue
        try:
            data = validate_mapping(_row_input(row.values))
        except InvalidInput as exc:
            report.errors.append(RowError(row.number, exc.field, exc.message, raw_variant))
            continue
        if data.key in seen:
            report.errors.append(RowError(row.number, "variant_id", f"repeats row {seen[data.key]} (same variant_id "
                                          "and ship_to_country); the first row is kept", raw_variant))
            continue
        seen[data.key] = row.number
        good.append(data)
    try:
        _import_once(uow, shop_id, good, report, now)
    except IntegrityError:
        # A concurrent save created one of these keys first; run the batch again, as updates.
        _import_once(uow, shop_id, good, report, now)
    return report


def _import_once(uow: UnitOfWork, shop_id: int, rows: list[MappingInput], report: ImportReport,
                 now: datetime) -> None:
    report.created = report.updated = report.unchanged = report.orders_refreshed = 0
    with uow:
        _require_shop(uow, shop_id)
        existing = _existing_by_key(uow, shop_id, [row.variant_id for row in rows])
        changed_variants: set[str] = set()
        for data in rows:
            mapping = existing.get(data.key)
            if mapping is None:
                uow.mappings.add(new_mapping(shop_id, data, now))
                report.created += 1
            elif apply_mapping(mapping, data, now):
                report.updated += 1
            else:
                report.unchanged += 1
                continue
            changed_variants.add(data.variant_id)
        report.orders_refreshed = _refresh_orders(uow, shop_id, changed_variants, now)
        uow.commit()


def _require_shop(uow: UnitOfWork, shop_id: int) -> None:
    if uow.shops.get(shop_id) is None:
        raise NotFound(f"no shop with id {shop_id}", field="shop")


def _existing_by_key(uow: UnitOfWork, shop_id: int,
                     variant_ids: Iterable[str]) -> dict[tuple[str, str], ProductMapping]:
    mappings = uow.mappings.for_variants(shop_id, set(variant_ids))
    return {(m.variant_id, m.ship_to_country): m for m in mappings}


def _refresh_orders(uow: UnitOfWork, shop_id: int, variant_ids: set[str], now: datetime) -> int:
    """Re-derive the stage of the shop's orders still before placement that have a line with these variants."""
    if not variant_ids:
        return 0
    uow.flush()
    # One query for the whole batch. Locked in id order, the order every writer locks in, so a sync
    # updating the same orders waits instead of deadlocking or overwriting a stale stage.
    orders = uow.orders.with_variants(shop_id, variant_ids, stages=MAPPING_SENSITIVE_STAGES, for_update=True)
    for order in orders:
        refresh_stage(uow, order, at=now)
    return len(orders)


@dataclass(frozen=True)
class _CsvRow:
    number: int  # as a spreadsheet shows it: the header is row 1, and a quoted cell may span lines
    values: dict[str, str]  # column → cell; a missing trailing cell is ""
    problem: str | None = None  # a row whose shape does not fit the header


def _csv_rows(text: str) -> list[_CsvRow]:
    """The non-blank data rows of the file; a file-level problem raises `InvalidInput` before anything is saved."""
    text = text.removeprefix("\ufeff")  # Excel's "CSV UTF-8" starts with a byte-order mark
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise InvalidInput("the file is empty; its first line must be the header: " + ",".join(CSV_COLUMNS),
                           field="file")
    # Spreadsheets set to a European locale write ';' between columns.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[_CsvRow] = []
    try:
        header = [name.strip().lower() for name in next(reader)]
        _check_header(header)
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if any(cell.strip() for cell in record[len(header):]):
                rows.append(_CsvRow(number, {}, f"has {len(record)} values but the header has {len(header)} "
                                                "columns"))
                continue
            # Some tools drop empty trailing cells: a short row means those columns are empty.
            cells = record[:len(header)] + [""] * (len(header) - len(record))
            rows.append(_CsvRow(number, dict(zip(header, cells, strict=True))))
            if len(rows) > MAX_IMPORT_ROWS:
                raise InvalidInput(f"the file has more than {MAX_IMPORT_ROWS} rows; split it", field="file")
    except csv.Error as exc:
        raise InvalidInput(f"the file is not valid CSV near line {reader.line_num}: {exc}", field="file") from None
    return rows


def _check_header(header: list[str]) -> None:
    unknown = [name or f"(unnamed column {i})" for i, name in enumerate(header, start=1) if name not in CSV_COLUMNS]
    if unknown:
        raise InvalidInput(f"unknown columns: {', '.join(unknown)}; the columns are {', '.join(CSV_COLUMNS)}",
                           field="columns")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InvalidInput(f"columns appear more than once: {', '.join(repeated)}", field="columns")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InvalidInput(f"missing required columns: {', '.join(missing)}", field="columns")


def _row_input(values: dict[str, str]) -> MappingInput:
    """One CSV row as an input; an empty cell means "not given"."""
    units_text = values.get("units_per_item", "").strip()
    try:
        units = int(units_text) if units_text else 1
    except ValueError:
        raise InvalidInput(f"units_per_item must be a whole number, not '{units_text}'",
                           field="units_per_item") from None
    return MappingInput(
        variant_id=values.get("variant_id", ""),
        supplier_product_id=values.get("supplier_product_id", ""),
        sku_attr=values.get("sku_attr", ""),
        shipping_method=values.get("shipping_method") or None,
        ship_to_country=values.get("ship_to_country", ""),
        units_per_item=units,
        backup_supplier_product_id=values.get("backup_supplier_product_id") or None,
        backup_sku_attr=values.get("backup_sku_attr") or None,
        backup_shipping_method=values.get("backup_shipping_method") or None,
    )


def encode_cursor(mapping_id: int) -> str:
    return base64.urlsafe_b64encode(f"m:{mapping_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "m":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the cursor is not one this API gave out", field="cursor") from None
