"""`ordercenter suppliers`: the supplier accounts (AliExpress) that orders are placed with."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ordercenter.bootstrap import Container
from ordercenter.domain.suppliers import SupplierPlatformKind
from ordercenter.entrypoints.cli_context import ShopOption, container, id_argument, out
from ordercenter.services import suppliers as supplier_accounts
from ordercenter.services.shops import resolve_shop

suppliers_app = typer.Typer(help="Supplier accounts (AliExpress) that orders are placed with.", no_args_is_help=True)


def _print_authorize_link(c: Container, shop_id: int, account_id: int) -> None:
    # The /aliexpress/authorize page needs an API token, so the CLI prints AliExpress's own consent
    # page with our signed state; AliExpress sends the merchant back to /aliexpress/callback.
    callback = c.settings.public_url.rstrip("/") + "/aliexpress/callback"
    url = supplier_accounts.begin_authorization(c.uow(), c.supplier_authorizer, shop_id=shop_id,
                                                account_id=account_id, redirect_uri=callback, now=c.clock.now(),
                                                key=c.settings.resolved_secret_key())
    out.print(f"authorize it within {supplier_accounts.STATE_LIFETIME_SECONDS // 60} minutes: open this link and "
              f"log in with the AliExpress account that buys the goods (the app's callback URL must be {callback}):")
    print(url)  # noqa: T201  (plain stdout: a wrapped URL cannot be copied)


@suppliers_app.command("add")
def suppliers_add(
    platform: Annotated[SupplierPlatformKind, typer.Argument(help="The supplier platform")],
    app_key: Annotated[str, typer.Option(help="App key of your AliExpress Open Platform app")],
    app_secret: Annotated[str, typer.Option(help="App secret (kept encrypted)")],
    access_token: Annotated[str | None, typer.Option(help="An access token you already have; without one, "
                                                          "a link to authorize the account is printed")] = None,
    api_url: Annotated[str | None, typer.Option(help="API base address instead of https://api-sg.aliexpress.com "
                                                     "(a sandbox or a proxy)")] = None,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="The address is a sandbox supplier (after-sale "
                                                            "actions by API)")] = False,
    name: Annotated[str | None, typer.Option(help="How the account is shown")] = None,
    shop: ShopOption = None,
) -> None:
    """Connect a supplier account: secrets kept encrypted; a given token is checked, else an authorize link printed."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    label = name or ("AliExpress sandbox" if sandbox else "AliExpress")
    account = supplier_accounts.connect_supplier(
        c.uow(), c.secrets, shop_id=shop_row.id, platform=platform.value, app_key=app_key, app_secret=app_secret,
        api_url=api_url, sandbox=sandbox, access_token=access_token, name=label, now=c.clock.now(),
        probe=c.probe_supplier)
    out.print(f"added supplier account {account.id}: {account.name} (app key {account.app_key}"
              f"{', sandbox' if account.is_sandbox else ''}) to {shop_row.domain}")
    if access_token is None and not account.is_authorized:
        _print_authorize_link(c, shop_row.id, account.id)


@suppliers_app.command("authorize")
def suppliers_authorize(account_id: Annotated[int, id_argument("The id from 'suppliers list'")],
                        shop: ShopOption = None) -> None:
    """Print a fresh link to authorize (or re-authorize) a supplier account."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    _print_authorize_link(c, shop_row.id, account_id)


@suppliers_app.command("list")
def suppliers_list(shop: ShopOption = None) -> None:
    """List a shop's supplier accounts and whether their authorization still holds (never secrets)."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    views = supplier_accounts.list_supplier_accounts(c.uow(), shop_id=shop_row.id, now=c.clock.now(),
                                                     capabilities=c.supplier_capabilities)
    table = Table("id", "name", "platform", "app key", "buyer account", "token expires", "authorized until",
                  "state")
    for v in views:
        refused = f"refused by the supplier since {v.failing_since:%Y-%m-%d %H:%M}" if v.failing_since else ""
        state = (refused or "not authorized" if not v.authorized else "re-authorize soon" if v.reauthorization_due
                 else "authorized") + (" (sandbox)" if v.sandbox else "")
        state += f": {v.last_error}" if v.last_error else ""
        table.add_row(str(v.id), v.name, v.platform.value, v.app_key, v.buyer_account or "",
                      f"{v.token_expires_at:%Y-%m-%d %H:%M}" if v.token_expires_at else "",
                      f"{v.refresh_expires_at:%Y-%m-%d %H:%M}" if v.refresh_expires_at else "",
                      state + (f": {v.token_error}" if v.token_error else ""))
    out.print(table)


@suppliers_app.command("refresh-tokens")
def suppliers_refresh_tokens() -> None:
    """Refresh the supplier tokens that expire within 30 minutes (the worker does this every 5 minutes)."""
    c = container()
    count = supplier_accounts.refresh_due_tokens(c.uow(), c.secrets, c.supplier_authorizer, c.clock.now())
    out.print(f"refreshed {count} supplier token{'s' if count != 1 else ''}")
