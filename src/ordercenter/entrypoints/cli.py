"""The `ordercenter` command line. Thin: parse, call one service, print, map errors to exit code 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ordercenter.adapters.db.repositories import OrderFilter
from ordercenter.domain.errors import DomainError
from ordercenter.domain.status import Stage
from ordercenter.entrypoints.cancellations_cli import cancellations_app
from ordercenter.entrypoints.cli_context import CliError, ShopOption, container, load_settings, out
from ordercenter.entrypoints.deadlines_cli import deadlines
from ordercenter.entrypoints.mappings_cli import mappings_app
from ordercenter.entrypoints.messages_cli import messages_app
from ordercenter.entrypoints.outbox_cli import outbox_app
from ordercenter.entrypoints.refunds_cli import refunds_app
from ordercenter.entrypoints.returns_cli import returns_app
from ordercenter.entrypoints.sandbox_cli import sandbox_app
from ordercenter.entrypoints.supplier_orders_cli import supplier_orders_app
from ordercenter.entrypoints.suppliers_cli import suppliers_app
from ordercenter.services import access, order_queries
from ordercenter.services.ingestion import ImportOutcome
from ordercenter.services.shops import connect_shop, resolve_shop
from ordercenter.services.store_sync import SyncReport, sync_orders

try:  # recent Typer ships its own copy of Click and raises that copy's exceptions
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

app = typer.Typer(help="Order Center: Shopify orders in, supplier orders out, and everything after the sale.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts that sign in to the web pages.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for the REST API.", no_args_is_help=True)
orders_app = typer.Typer(help="The Orders Center from the command line.", no_args_is_help=True)
shops_app = typer.Typer(help="Connected Shopify stores.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(orders_app, name="orders")
app.add_typer(shops_app, name="shops")
app.add_typer(suppliers_app, name="suppliers")
app.add_typer(mappings_app, name="mappings")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(supplier_orders_app, name="supplier-orders")
app.add_typer(cancellations_app, name="cancellations")
app.add_typer(returns_app, name="returns")
app.add_typer(refunds_app, name="refunds")
app.add_typer(messages_app, name="messages")
app.add_typer(outbox_app, name="outbox")
app.command("deadlines")(deadlines)

@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    c = container()
    out.print(f"database is up to date ({c.engine.url.render_as_string(hide_password=True)})")


@users_app.command("create")
def users_create(email: Annotated[str, typer.Option(help="Sign-in e-mail")],
                 password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="At least 8 characters")],
                 shop: ShopOption = None) -> None:
    """Create a staff account for a shop."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    user = access.create_staff_user(c.uow(), shop_id=shop_row.id, email=email, password=password,
                                    now=c.clock.now())
    out.print(f"created user {user.email} for {shop_row.domain}")


@tokens_app.command("create")
def tokens_create(name: Annotated[str, typer.Option(help="What the token is for")] = "api",
                  shop: ShopOption = None) -> None:
    """Create an API token and print it (it is shown only once)."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    issued = access.create_token(c.uow(), shop_id=shop_row.id, name=name, now=c.clock.now())
    print(issued.token)  # noqa: T201  (plain stdout so scripts can capture it)


@tokens_app.command("list")
def tokens_list(shop: ShopOption = None) -> None:
    """List a shop's API tokens (never the secret part)."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    with c.uow() as uow:
        rows = uow.tokens.all(shop_row.id)
    table = Table("id", "name", "prefix", "created", "last used", "state")
    for row in rows:
        table.add_row(str(row.id), row.name, row.prefix + "…", f"{row.created_at:%Y-%m-%d %H:%M}",
                      f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never",
                      "active" if row.is_active else "revoked")
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="The id from 'tokens list'")],
                  shop: ShopOption = None) -> None:
    """Revoke an API token; it stops working at once."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    access.revoke_token(c.uow(), shop_id=shop_row.id, token_id=token_id, now=c.clock.now())
    out.print(f"token {token_id} revoked")


@orders_app.command("list")
def orders_list(stage: Annotated[Stage | None, typer.Option(help="Only orders at this stage")] = None,
                search: Annotated[str | None, typer.Option("--search", "-q", help="Name, customer or e-mail")] = None,
                limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
                shop: ShopOption = None) -> None:
    """List orders newest first, with their stage."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    page = order_queries.list_orders(c.uow(), shop_id=shop_row.id, stage=stage, search=search, limit=limit)
    table = Table("id", "order", "customer", "total", "stage", "attention", title=f"{page.count} orders")
    for order in page.orders:
        stage_text = order.stage.value + (" (partial)" if order.stage_partial else "")
        table.add_row(str(order.id), order.name, order.customer_name, str(order.total), stage_text,
                      order.attention_detail or (order.attention_reason or ""))
    out.print(table)


@orders_app.command("duplicate")
def orders_duplicate(order: Annotated[str, typer.Argument(help="The order's name (#1017) or id")],
                     shop: ShopOption = None) -> None:
    """Duplicate an order fulfilled on the store by mistake: a paid, unfulfilled copy, no receipt e-mailed."""
    from ordercenter.services import duplicates

    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    order_id = duplicates.order_id_for(c.uow(), shop_id=shop_row.id, reference=order)
    result = duplicates.duplicate_order(c.uow(), c.store_for(shop_row), c.clock, shop_id=shop_row.id,
                                        order_id=order_id, actor_id="cli")
    out.print(f"duplicated {result.original_name} as {result.copy_name} (order id {result.copy_id})")


@orders_app.command("place")
def orders_place(
    orders: Annotated[list[str] | None, typer.Argument(help="Order names (#1017) or ids")] = None,
    all_ready: Annotated[bool, typer.Option("--all", help="Every order at the to_order stage")] = False,
    auto_pay: Annotated[bool, typer.Option(help="Ask the supplier to charge the saved payment method")] = False,
    backup: Annotated[bool, typer.Option("--backup", help="Place with the backup supplier products")] = False,
    shop: ShopOption = None,
) -> None:
    """Place orders with their suppliers (one supplier order per seller, never twice); a result per order."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ordercenter.services import duplicates
    from ordercenter.services.placement import PlacementOutcome, place_orders
    from ordercenter.services.placement_planning import PlacementOptions

    if all_ready == bool(orders):
        raise CliError("name the orders to place, or use --all (not both)")
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    if all_ready:
        with c.uow() as uow:
            ids = [o.id for o in uow.orders.page(shop_row.id, OrderFilter(stage=Stage.TO_ORDER, limit=10_000))]
        ids.reverse()  # oldest first: the customer who waited longest is served first
    else:
        ids = [duplicates.order_id_for(c.uow(), shop_id=shop_row.id, reference=ref) for ref in orders or []]
    if not ids:
        out.print("no orders to place")
        return
    options = {order_id: PlacementOptions(use_backup=backup) for order_id in ids}
    table = Table("order", "result", "details", title="placement")
    with Progress(TextColumn("placing"), BarColumn(), MofNCompleteColumn(), console=out) as bar:
        task = bar.add_task("placing", total=len(ids))

        def show(outcome: PlacementOutcome) -> None:
            bar.advance(task)
            table.add_row(outcome.order_name, "placed" if outcome.placed else "not placed", outcome.summary)

        results = place_orders(c.uow(), c.supplier_resolver(shop_row.id), c.clock, shop_id=shop_row.id,
                               order_ids=ids, options=options, auto_pay=auto_pay, actor_id="cli", on_result=show)
    out.print(table)
    placed = sum(1 for r in results if r.placed)
    out.print(f"{placed} placed, {len(results) - placed} not placed")


@shops_app.command("add")
def shops_add(
    domain: Annotated[str, typer.Option(help="The store's name.myshopify.com domain")],
    access_token: Annotated[str, typer.Option(help="Admin API access token of the custom app (shpat_…)")],
    webhook_secret: Annotated[str, typer.Option(help="The app's API secret key; signs the webhooks")],
    api_url: Annotated[str | None, typer.Option(help="Admin API base address instead of https://DOMAIN "
                                                     "(a sandbox or a proxy)")] = None,
) -> None:
    """Connect a store: checks the token, keeps it encrypted, subscribes to the order webhooks."""
    c = container()
    shop = connect_shop(c.uow(), c.connect_store, c.secrets, domain=domain, access_token=access_token,
                        webhook_secret=webhook_secret, api_url=api_url, callback_url=c.webhook_callback_url,
                        now=c.clock.now())
    out.print(f"connected {shop.name} ({shop.domain}, {shop.currency}); webhooks go to {c.webhook_callback_url}")


@shops_app.command("list")
def shops_list() -> None:
    """List connected stores."""
    c = container()
    with c.uow() as uow:
        shops = uow.shops.all()
    table = Table("domain", "name", "currency", "orders synced through", "state")
    for shop in shops:
        state = "uninstalled" if shop.uninstalled_at else ("connected" if shop.is_connected else "no token")
        synced = f"{shop.orders_synced_through:%Y-%m-%d %H:%M}" if shop.orders_synced_through else "never"
        table.add_row(shop.domain, shop.name, shop.currency, synced, state)
    out.print(table)


@app.command()
def sync(shop: ShopOption = None,
         full: Annotated[bool, typer.Option("--full", help="Backfill everything, not just what changed")] = False,
         ) -> None:
    """Pull paid, unfulfilled orders from the store (what changed since the last sync, or --full)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    store = c.store_for(shop_row)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=out) as bar:
        task = bar.add_task(f"syncing {shop_row.domain}", total=None)

        def show(report: SyncReport) -> None:
            bar.update(task, description=f"syncing {shop_row.domain}: {report.pages} pages, {report.seen} orders "
                       f"({report.count(ImportOutcome.CREATED)} new, {report.count(ImportOutcome.UPDATED)} updated)")

        report = sync_orders(c.uow(), store, c.clock, shop_id=shop_row.id, full=full, on_page=show)
    out.print(f"{report.seen} orders in {report.pages} pages: {report.count(ImportOutcome.CREATED)} new, "
              f"{report.count(ImportOutcome.UPDATED)} updated, {report.count(ImportOutcome.UNCHANGED)} unchanged, "
              f"{report.count(ImportOutcome.STALE)} stale")


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535)] = 8000) -> None:
    """Run the web server (API, webhooks, pages) on the configured database; migrates first."""
    import uvicorn

    from ordercenter.entrypoints.api.app import create_app
    from ordercenter.entrypoints.worker import start_in_thread

    c = container()
    if c.settings.broker_url is None:
        start_in_thread(c)  # the embedded default: background jobs run inside the server
    out.print(f"Order Center listening on http://{host}:{port}")
    uvicorn.run(create_app(c), host=host, port=port, log_level="info")


@app.command()
def worker(sync_every: Annotated[int, typer.Option(min=10, help="Seconds between order syncs of each shop")] = 600,
           ) -> None:
    """Run background jobs (apply stored webhooks, periodic order sync) until interrupted."""
    import logging
    import threading

    from ordercenter.entrypoints.worker import default_jobs, run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    c = container()
    out.print("Order Center worker running; Ctrl+C stops it")
    try:
        run_worker(c, threading.Event(), default_jobs(float(sync_every)))
    except KeyboardInterrupt:
        out.print("worker stopped")


@app.command()
def demo(port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port")] = 8000,
         data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its database and demo.json")] = Path(
             "data/demo"),
         host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1") -> None:
    """Start everything on the embedded default with demo data; prints and writes DIR/demo.json."""
    from ordercenter.entrypoints.demo import run_demo

    run_demo(load_settings(data_dir=data_dir), host=host, port=port)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; bad input is one line on stderr and exit code 2, never a traceback."""
    command = typer.main.get_command(app)
    try:
        # Without standalone mode Click returns a command's `typer.Exit` code instead of exiting.
        exit_code = command.main(args=argv if argv is not None else sys.argv[1:], prog_name="ordercenter",
                                 standalone_mode=False)
    except click_errors.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            print(exc.ctx.get_help(), file=sys.stderr)  # noqa: T201
            return 2
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        print(f"ordercenter: error: {exc.format_message()}{hint}", file=sys.stderr)  # noqa: T201
        return 2
    except typer.Abort:
        print("ordercenter: aborted", file=sys.stderr)  # noqa: T201
        return 1
    except (CliError, DomainError) as exc:
        field = getattr(exc, "field", None)
        message = getattr(exc, "message", str(exc))
        print(f"ordercenter: error: {message}" + (f" [{field}]" if field else ""), file=sys.stderr)  # noqa: T201
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    return exit_code if isinstance(exit_code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
