"""Product mapping: the table, one mapping to add or edit, and CSV import with a result per row.

Both roles use it: fixing an unmapped item is part of the day's work, not a setting.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from ordercenter.domain.errors import DomainError, InvalidInput
from ordercenter.domain.mappings import MappingInput, ProductMapping
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.request_models import RowId, row_id_in
from ordercenter.entrypoints.web.csrf import PostedForm, text
from ordercenter.entrypoints.web.rendering import page
from ordercenter.entrypoints.web.sessions import CurrentPerson, see_other
from ordercenter.services import mappings

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_CSV_BYTES = 5 * 1024 * 1024
FIELDS = ("variant_id", "ship_to_country", "supplier_product_id", "sku_attr", "shipping_method", "units_per_item",
          "supplier_account_id", "backup_supplier_product_id", "backup_sku_attr", "backup_shipping_method")


def _values_of(mapping: ProductMapping | None) -> dict[str, str]:
    if mapping is None:
        return dict.fromkeys(FIELDS, "") | {"units_per_item": "1"}
    return {name: "" if getattr(mapping, name) is None else str(getattr(mapping, name)) for name in FIELDS}


def _input(values: dict[str, str]) -> MappingInput:
    units = values.get("units_per_item", "").strip() or "1"
    if not units.isdigit():
        raise InvalidInput(f"units per item must be a whole number, not '{units}'", field="units_per_item")
    account = values.get("supplier_account_id", "").strip()
    return MappingInput(
        variant_id=values.get("variant_id", ""), supplier_product_id=values.get("supplier_product_id", ""),
        sku_attr=values.get("sku_attr", ""), shipping_method=values.get("shipping_method") or None,
        ship_to_country=values.get("ship_to_country", ""), units_per_item=int(units),
        supplier_account_id=row_id_in(account),
        backup_supplier_product_id=values.get("backup_supplier_product_id") or None,
        backup_sku_attr=values.get("backup_sku_attr") or None,
        backup_shipping_method=values.get("backup_shipping_method") or None)


def _stack(value: str) -> list[str]:
    return [part for part in value.split(",") if part][:50]


@router.get("/mappings")
def mappings_page(request: Request, person: CurrentPerson, container: ContainerDep, variant: str = "",
                  product: str = "", cursor: str = "", back: str = "") -> Response:
    # Previous pages are the cursors that led here, kept in the URL (the list's cursor only goes forward).
    try:
        listing = mappings.list_mappings(container.uow(), person.shop_id, variant_id=variant.strip() or None,
                                         supplier_product_id=product.strip() or None, cursor=cursor or None,
                                         limit=PAGE_SIZE)
        error: DomainError | None = None
    except InvalidInput as bad:
        listing, error = mappings.list_mappings(container.uow(), person.shop_id, limit=PAGE_SIZE), bad
    with container.uow() as uow:
        accounts = {a.id: a.name for a in uow.supplier_accounts.all(person.shop_id)}
    trail = _stack(back)
    base = {"variant": variant, "product": product}
    return page(request, "mappings.html", {
        "title": "Product mapping", "listing": listing, "accounts": accounts, "filters": base, "error": error,
        "next_params": base | {"cursor": listing.next_cursor, "back": ",".join([*trail, cursor or "-"])}
        if listing.next_cursor else None,
        "previous_params": base | {"cursor": "" if trail[-1] == "-" else trail[-1], "back": ",".join(trail[:-1])}
        if trail else None,
        "csv_columns": mappings.CSV_COLUMNS})


def _edit_page(request: Request, mapping: ProductMapping | None, values: dict[str, str], accounts: dict[int, str],
               error: DomainError | None = None) -> Response:
    return page(request, "mapping_edit.html", {
        "title": "Edit mapping" if mapping else "Add a mapping", "mapping": mapping, "values": values,
        "accounts": accounts, "error": error}, status_code=422 if error else 200)


def _accounts(container: ContainerDep, shop_id: int) -> dict[int, str]:
    with container.uow() as uow:
        return {a.id: a.name for a in uow.supplier_accounts.all(shop_id)}


@router.get("/mappings/new")
def new_mapping(request: Request, person: CurrentPerson, container: ContainerDep, variant: str = "") -> Response:
    values = _values_of(None) | {"variant_id": variant}
    return _edit_page(request, None, values, _accounts(container, person.shop_id))


@router.get("/mappings/{mapping_id}")
def edit_mapping(request: Request, mapping_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    mapping = mappings.get_mapping(container.uow(), person.shop_id, mapping_id)
    return _edit_page(request, mapping, _values_of(mapping), _accounts(container, person.shop_id))


def _save(request: Request, person: CurrentPerson, container: ContainerDep, form: FormData,
          mapping: ProductMapping | None) -> Response:
    values = {name: text(form, name) for name in FIELDS}
    if mapping is not None:  # the key (variant, country) of an existing mapping stays as it is
        values |= {"variant_id": mapping.variant_id, "ship_to_country": mapping.ship_to_country}
    try:
        saved = mappings.save_mapping(container.uow(), person.shop_id, _input(values), container.clock.now())
    except DomainError as bad:
        return _edit_page(request, mapping, values, _accounts(container, person.shop_id), bad)
    rechecked = f" {saved.orders_refreshed} waiting order(s) re-checked." if saved.orders_refreshed else ""
    verb = "added" if saved.created else "saved"
    return see_other(request, "/mappings", f"Mapping for variant {saved.mapping.variant_id} {verb}.{rechecked}")


@router.post("/mappings/new")
def create_mapping(request: Request, person: CurrentPerson, form: PostedForm, container: ContainerDep) -> Response:
    return _save(request, person, container, form, None)


@router.post("/mappings/{mapping_id}")
def update_mapping(request: Request, mapping_id: RowId, person: CurrentPerson, form: PostedForm,
                   container: ContainerDep) -> Response:
    mapping = mappings.get_mapping(container.uow(), person.shop_id, mapping_id)
    return _save(request, person, container, form, mapping)


@router.post("/mappings/{mapping_id}/delete")
def delete_mapping(request: Request, mapping_id: RowId, person: CurrentPerson, form: PostedForm,
                   container: ContainerDep) -> Response:
    mapping = mappings.get_mapping(container.uow(), person.shop_id, mapping_id)
    mappings.delete_mapping(container.uow(), person.shop_id, mapping.id, container.clock.now())
    return see_other(request, "/mappings", f"Mapping for variant {mapping.variant_id} deleted.")


def _csv_text(form: FormData) -> str:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("Choose a CSV file to import.", field="file")
    data = upload.file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise InvalidInput(f"The file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB; split it.", field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text; save it as 'CSV UTF-8'.", field="file") from None


@router.get("/mappings/import/csv")
def import_form(request: Request, person: CurrentPerson) -> Response:
    return page(request, "mapping_import.html", {"title": "Import mappings", "report": None, "error": None,
                                                 "csv_columns": mappings.CSV_COLUMNS})


@router.post("/mappings/import/csv")
def import_csv(request: Request, person: CurrentPerson, form: PostedForm, container: ContainerDep) -> Response:
    context: dict[str, Any] = {"title": "Import mappings", "report": None, "error": None,
                               "csv_columns": mappings.CSV_COLUMNS}
    try:
        report = mappings.import_mappings_csv(container.uow(), person.shop_id, _csv_text(form), container.clock.now())
    except InvalidInput as bad:
        return page(request, "mapping_import.html", context | {"error": bad}, status_code=422)
    return page(request, "mapping_import.html", context | {
        "title": "Import results", "report": report, "errors": [asdict(e) for e in report.errors]})
