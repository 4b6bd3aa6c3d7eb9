"""`ordercenter privacy …`: the store's privacy requests, and the file of a customer's data request."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ordercenter.domain.privacy import PrivacyRequestKind
from ordercenter.entrypoints.cli_context import CliError, ShopOption, container, id_argument, out
from ordercenter.services import privacy
from ordercenter.services.shops import resolve_shop

privacy_app = typer.Typer(help="Privacy requests from the store: customers' data requests and erasures.",
                          no_args_is_help=True)


@privacy_app.command("requests")
def privacy_requests(kind: Annotated[PrivacyRequestKind | None, typer.Option(help="Only requests of this kind")] = None,
                     limit: Annotated[int, typer.Option(min=1, max=privacy.MAX_LIST)] = 50,
                     shop: ShopOption = None) -> None:
    """List the shop's privacy requests, newest first."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    rows = privacy.list_requests(c.uow(), shop_id=shop_row.id, kind=kind, limit=limit)
    table = Table("id", "received", "kind", "customer", "orders", "state", "file", title=f"{len(rows)} requests")
    for row in rows:
        state = row.status.value + (f" ({row.attempts} tries: {row.last_error})" if row.last_error else "")
        file = ("ready" if row.file_key else "erased" if row.completed_at else "") \
            if row.kind is PrivacyRequestKind.DATA_REQUEST else ""
        table.add_row(str(row.id), f"{row.received_at:%Y-%m-%d %H:%M}", row.kind.value, row.customer_ref or "",
                      str(row.orders_matched), state, file)
    out.print(table)


@privacy_app.command("download")
def privacy_download(request_id: Annotated[int, id_argument("The data request's id (see 'privacy requests')")],
                     to: Annotated[Path, typer.Option("--to", help="Where to write the file")],
                     shop: ShopOption = None) -> None:
    """Write a data request's file (what Order Center holds on the customer), readable by you only."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    found = privacy.data_request_file(c.uow(), c.file_store, shop_id=shop_row.id, request_id=request_id)
    try:
        # Readable by its owner only from the start: the file holds a customer's personal data.
        descriptor = os.open(to, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # also when the file was there before
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(found.content)
    except OSError as error:
        raise CliError(f"cannot write {to}: {error.strerror or error}") from None
    out.print(f"wrote {to} ({len(found.content)} bytes): send it to the customer, then delete it")
