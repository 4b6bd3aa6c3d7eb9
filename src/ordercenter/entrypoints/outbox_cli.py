"""`ordercenter outbox …`: the e-mails Order Center wrote, and sending the due ones now."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ordercenter.adapters.notify import SmtpAddress
from ordercenter.domain.outbox import EmailStatus
from ordercenter.entrypoints.cli_context import ShopOption, container, out
from ordercenter.services import outbox
from ordercenter.services.shops import resolve_shop

outbox_app = typer.Typer(help="E-mails: every one Order Center wrote, sent or waiting.", no_args_is_help=True)


@outbox_app.command("list")
def outbox_list(status: Annotated[EmailStatus | None, typer.Option(help="Only e-mails in this state")] = None,
                limit: Annotated[int, typer.Option(min=1, max=outbox.MAX_LIST)] = 50,
                full: Annotated[bool, typer.Option("--full", help="Print each e-mail's text too")] = False,
                shop: ShopOption = None) -> None:
    """List the shop's e-mails, newest first."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    rows = outbox.list_outbox(c.uow(), shop_id=shop_row.id, status=status, limit=limit)
    table = Table("id", "written", "kind", "to", "subject", "state", title=f"{len(rows)} e-mails")
    for row in rows:
        state = row.status.value + (f" ({row.attempts} tries: {row.last_error})" if row.last_error else "")
        table.add_row(str(row.id), f"{row.created_at:%Y-%m-%d %H:%M}", row.kind.value, row.to_address, row.subject,
                      state)
    out.print(table)
    if full:
        for row in rows:
            out.rule(f"{row.id} · {row.subject}")
            out.print(f"To: {row.to_address}\nMessage-ID: {row.message_id}\n\n{row.text_body}", highlight=False)


@outbox_app.command("send")
def outbox_send() -> None:
    """Send the due e-mails now (the background jobs do it every few seconds)."""
    c = container()
    sender = SmtpAddress.parse(c.settings.smtp_url).sender if c.settings.smtp_url else None
    report = outbox.send_due(c.uow(), c.notifier, c.clock, default_sender=sender, limit=outbox.MAX_LIST)
    where = "the SMTP server" if c.settings.smtp_url else "the log (no ORDERCENTER_SMTP_URL set)"
    out.print(f"{report.sent} sent to {where}, {report.failed} failed (kept for another try)")
