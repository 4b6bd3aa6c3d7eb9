"""`ordercenter sync`: what changed since the last sync, or a full backfill (bulk query, or paged)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ordercenter.domain.errors import InvalidInput
from ordercenter.entrypoints.cli_context import CliError, ShopOption, container, out
from ordercenter.services.bulk_backfill import DEFAULT_BATCH_SIZE, BackfillReport, backfill_orders
from ordercenter.services.ingestion import ImportOutcome
from ordercenter.services.shops import resolve_shop
from ordercenter.services.store_sync import SyncReport, sync_orders


def parse_since(value: str) -> datetime:
    """`2024-01-01` (or a full ISO date-time) as an aware UTC moment."""
    text = value.strip()
    try:
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC) if len(text) == 10 \
            else datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"'{value}' is not a date like 2024-01-01", field="since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sync(shop: ShopOption = None,
         full: Annotated[bool, typer.Option("--full", help="Backfill every order, not just what changed, with one "
                                                           "bulk query (the fast way for a first import)")] = False,
         paged: Annotated[bool, typer.Option("--paged", help="With --full: page through the orders instead of a "
                                                             "bulk query (fine for a small store)")] = False,
         since: Annotated[str | None, typer.Option(help="With --full: only orders created since this date "
                                                        "(YYYY-MM-DD); more than 60 days back needs the "
                                                        "read_all_orders scope")] = None,
         batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="With --full: orders imported per "
                                                                         "transaction")] = DEFAULT_BATCH_SIZE,
         ) -> None:
    """Pull orders from the store, every status: what changed since the last sync, or --full."""
    if (paged or since is not None) and not full:
        raise CliError("--paged and --since go with --full")
    if paged and since is not None:
        raise CliError("--since works with the bulk backfill only (leave out --paged)")
    created_since = parse_since(since) if since is not None else None
    if full and not paged:
        _bulk_backfill(shop, created_since, batch_size)
        return
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    store = c.store_for(shop_row)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=out) as bar:
        task = bar.add_task(f"syncing {shop_row.domain}", total=None)

        def show(report: SyncReport) -> None:
            bar.update(task, description=f"syncing {shop_row.domain}: {report.pages} pages, {report.seen} orders "
                       f"({report.count(ImportOutcome.CREATED)} new, {report.count(ImportOutcome.UPDATED)} updated)")

        report = sync_orders(c.uow(), store, c.clock, shop_id=shop_row.id, full=full, on_page=show)
    out.print(f"{report.seen} orders in {report.pages} pages: {_outcomes(report.outcomes)}")


def _bulk_backfill(shop: str | None, since: datetime | None, batch_size: int) -> None:
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    bulk = c.bulk_export_for(shop_row)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=out) as bar:
        task = bar.add_task(f"starting the bulk query of {shop_row.domain}", total=None)

        def show(report: BackfillReport) -> None:
            if report.phase == "waiting":
                bar.update(task, description=f"Shopify is exporting the orders ({report.objects} objects so far)")
            elif report.phase in ("importing", "done"):
                bar.update(task, description="importing", total=report.expected or None, completed=report.seen)

        report = backfill_orders(c.uow(), bulk, c.clock, shop_id=shop_row.id, since=since, batch_size=batch_size,
                                 on_progress=show)
    out.print(f"{report.seen} orders from bulk query {report.operation_id} (finish told by {report.finished_by}): "
              f"{_outcomes(report.outcomes)}")
    if report.watermark is not None:
        out.print(f"the next sync continues from {report.watermark:%Y-%m-%d %H:%M:%S} UTC")
    if report.history_limited:
        out.print("[yellow]note:[/] " + escape(f"{shop_row.domain} has not granted read_all_orders, so the store "
                                               "showed the orders of the last 60 days only"), highlight=False)


def _outcomes(outcomes: dict[ImportOutcome, int]) -> str:
    return ", ".join(f"{outcomes.get(o, 0)} {label}" for o, label in (
        (ImportOutcome.CREATED, "new"), (ImportOutcome.UPDATED, "updated"),
        (ImportOutcome.UNCHANGED, "unchanged"), (ImportOutcome.STALE, "stale")))
