"""The `ordercenter` command line. Thin: parse, call one service, print, map errors to exit code 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ordercenter.domain.access import StaffRole
from ordercenter.domain.errors import DomainError
from ordercenter.entrypoints.cancellations_cli import cancellations_app
from ordercenter.entrypoints.cli_context import (
    CliError,
    ShopOption,
    container,
    id_argument,
    load_settings,
    out,
)
from ordercenter.entrypoints.deadlines_cli import deadlines
from ordercenter.entrypoints.mappings_cli import mappings_app
from ordercenter.entrypoints.messages_cli import messages_app
from ordercenter.entrypoints.orders_cli import orders_app
from ordercenter.entrypoints.outbox_cli import outbox_app
from ordercenter.entrypoints.privacy_cli import privacy_app
from ordercenter.entrypoints.refunds_cli import refunds_app
from ordercenter.entrypoints.returns_cli import returns_app
from ordercenter.entrypoints.sandbox_cli import sandbox_app, store_app
from ordercenter.entrypoints.sandbox_clock_cli import clock_app
from ordercenter.entrypoints.sandbox_compliance_cli import store_compliance, store_uninstall
from ordercenter.entrypoints.secrets_cli import secrets_app
from ordercenter.entrypoints.supplier_orders_cli import supplier_orders_app
from ordercenter.entrypoints.suppliers_cli import suppliers_app
from ordercenter.entrypoints.sync_cli import sync
from ordercenter.entrypoints.webhooks_cli import webhooks_app
from ordercenter.services import access
from ordercenter.services.shops import connect_shop, resolve_shop

try:  # recent Typer ships its own copy of Click and raises that copy's exceptions
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

app = typer.Typer(help="Order Center: Shopify orders in, supplier orders out, and everything after the sale.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts that sign in to the web pages.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for the REST API.", no_args_is_help=True)
shops_app = typer.Typer(help="Connected Shopify stores.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(orders_app, name="orders")
app.add_typer(shops_app, name="shops")
app.add_typer(suppliers_app, name="suppliers")
app.add_typer(mappings_app, name="mappings")
app.add_typer(sandbox_app, name="sandbox")
sandbox_app.add_typer(clock_app, name="clock")
app.add_typer(supplier_orders_app, name="supplier-orders")
app.add_typer(cancellations_app, name="cancellations")
app.add_typer(returns_app, name="returns")
app.add_typer(refunds_app, name="refunds")
app.add_typer(messages_app, name="messages")
app.add_typer(outbox_app, name="outbox")
app.add_typer(privacy_app, name="privacy")
store_app.command("compliance")(store_compliance)
store_app.command("uninstall")(store_uninstall)
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(secrets_app, name="secrets")
app.command("deadlines")(deadlines)
app.command("sync")(sync)

@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    c = container()
    out.print(f"database is up to date ({c.engine.url.render_as_string(hide_password=True)})")


@users_app.command("create")
def users_create(email: Annotated[str, typer.Option(help="Sign-in e-mail")],
                 password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="At least 8 characters")],
                 role: Annotated[StaffRole | None, typer.Option(
                     help="owner: everything, with settings, users and tokens; staff: orders and after-sale "
                          "(default: owner for the shop's first user, staff after)")] = None,
                 shop: ShopOption = None) -> None:
    """Create a person who signs in to a shop's web pages."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    user = access.create_staff_user(c.uow(), shop_id=shop_row.id, email=email, password=password,
                                    now=c.clock.now(), role=role)
    out.print(f"created {user.role.value} {user.email} for {shop_row.domain}")


@tokens_app.command("create")
def tokens_create(name: Annotated[str, typer.Option(help="What the token is for")] = "api",
                  shop: ShopOption = None) -> None:
    """Create an API token and print it (it is shown only once)."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    issued = access.create_token(c.uow(), shop_id=shop_row.id, name=name, now=c.clock.now())
    print(issued.token)  # noqa: T201  (plain stdout so scripts can capture it)


@tokens_app.command("list")
def tokens_list(shop: Annotated[str | None, typer.Option(
        "--shop", help="Shop domain (default: every shop)")] = None) -> None:
    """List API tokens with their shop (never the secret part): every shop's, or one shop's with --shop."""
    c = container()
    with c.uow() as uow:
        connected = list(uow.shops.all())
    # With several shops and no --shop, all of them; otherwise the one named, or the only one (or why there is none).
    shops = connected if not shop and len(connected) > 1 else [resolve_shop(c.uow(), shop)]
    table = Table("id", "shop", "name", "prefix", "created", "last used", "state")
    with c.uow() as uow:
        for shop_row in shops:
            for row in uow.tokens.all(shop_row.id):
                table.add_row(str(row.id), shop_row.domain, row.name, row.prefix + "…",
                              f"{row.created_at:%Y-%m-%d %H:%M}",
                              f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never",
                              "active" if row.is_active else "revoked")
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, id_argument("The id from 'tokens list'")],
                  shop: ShopOption = None) -> None:
    """Revoke an API token; it stops working at once."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    access.revoke_token(c.uow(), shop_id=shop_row.id, token_id=token_id, now=c.clock.now())
    out.print(f"token {token_id} revoked")


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
        state = (f"disconnected since {shop.uninstalled_at:%Y-%m-%d %H:%M}" if shop.uninstalled_at
                 else shop.connection_state)
        synced = f"{shop.orders_synced_through:%Y-%m-%d %H:%M}" if shop.orders_synced_through else "never"
        table.add_row(shop.domain, shop.name, shop.currency, synced, state)
    out.print(table)
    warning = c.api_version_warning()
    if warning:
        out.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535)] = 8000) -> None:
    """Run the web server (API, webhooks, pages) on the configured database; migrates first."""
    import uvicorn

    from ordercenter.adapters.logging_setup import configure_logging
    from ordercenter.entrypoints.api.app import create_app
    from ordercenter.entrypoints.loopback import server_config
    from ordercenter.entrypoints.worker import start_in_thread

    configure_logging(load_settings())
    c = container()
    if c.settings.broker_url is None:
        # The embedded default: background jobs run inside the server, under the same claims as any worker's.
        start_in_thread(c)
    out.print(f"Order Center listening on http://{host}:{port}")
    # uvicorn's own lines go through our log setup; the app logs one access line per request itself.
    uvicorn.Server(server_config(create_app(c), host, port, forwarded_allow_ips=c.settings.forwarded_allow_ips,
                                 log_config=None, access_log=False)).run()


@app.command()
def worker(sync_every: Annotated[int, typer.Option(min=10, help="Seconds between order syncs of each shop")] = 600,
           metrics_port: Annotated[int | None, typer.Option(min=1, max=65535, help="Serve GET /metrics on this "
                                                            "port")] = None,
           metrics_host: Annotated[str, typer.Option(help="Interface of --metrics-port")] = "127.0.0.1",
           threads: Annotated[int, typer.Option(min=1, max=64, help="Jobs run at once by this process")] = 2,
           period_scale: Annotated[float, typer.Option(min=0.001, max=1.0, hidden=True,
                                                       help="Shorten every period (tests)")] = 1.0,
           ) -> None:
    """Run background jobs (stored webhooks, order sync, supplier polling, e-mails...) until interrupted.

    With ORDERCENTER_BROKER_URL the jobs go through Dramatiq on that broker; start as many workers as you
    like: each periodic job still runs once per period, claimed in the database."""
    import signal
    import threading

    from ordercenter.adapters.broker import build_broker, start_consumers
    from ordercenter.adapters.logging_setup import configure_logging
    from ordercenter.entrypoints.actors import declare_actors, use_container
    from ordercenter.entrypoints.worker import default_jobs, run_scheduler, scheduler_tick

    configure_logging(load_settings())
    c = container()
    if metrics_port is not None:
        from ordercenter.entrypoints.api.metrics import serve_metrics_in_thread

        serve_metrics_in_thread(c, metrics_host, metrics_port)
    jobs = default_jobs(float(sync_every), period_scale)
    broker = build_broker(c.settings.broker_url)
    use_container(c)
    actors = declare_actors(broker, jobs)
    consumers = start_consumers(broker, threads)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    where = "in this process" if c.settings.broker_url is None else "on the broker"
    out.print(f"Order Center worker running ({threads} threads, jobs {where}); Ctrl+C stops it")
    try:
        run_scheduler(jobs, actors.enqueue_job, stop, scheduler_tick(jobs))
    except KeyboardInterrupt:
        pass
    finally:
        consumers.stop()
        broker.close()
    out.print("worker stopped")


@app.command()
def demo(port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port")] = 8000,
         data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its database and demo.json")] = Path(
             "data/demo"),
         host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1") -> None:
    """Start everything on the embedded default with demo data; prints and writes DIR/demo.json."""
    from ordercenter.adapters.logging_setup import configure_logging
    from ordercenter.entrypoints.demo import run_demo

    settings = load_settings(data_dir=data_dir)
    configure_logging(settings, default_format="console", default_level="warning")
    run_demo(settings, host=host, port=port)


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
