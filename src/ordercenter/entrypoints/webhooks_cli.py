"""`ordercenter webhooks …`: the store webhooks that arrived, those that failed to apply, and a replay."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.webhooks import DeliveryStatus, WebhookDelivery
from ordercenter.entrypoints.cli_context import ShopOption, container, id_argument, out
from ordercenter.services import webhook_deliveries, webhook_intake
from ordercenter.services.shops import resolve_shop

webhooks_app = typer.Typer(help="Store webhooks: what arrived, what failed to apply, and replaying one.",
                           no_args_is_help=True)
DeliveryArgument = Annotated[int, id_argument("The delivery's id (see 'webhooks list')")]


def _state(row: WebhookDelivery) -> str:
    if row.gave_up_at is not None:
        return f"{row.status.value}, gave up {row.gave_up_at:%Y-%m-%d %H:%M}"
    if row.status is DeliveryStatus.FAILED and row.next_attempt_at is not None:
        return f"{row.status.value}, next try {row.next_attempt_at:%Y-%m-%d %H:%M:%S}"
    return row.status.value


@webhooks_app.command("list")
def webhooks_list(
    failed: Annotated[bool, typer.Option("--failed", help="Only deliveries that failed to apply")] = False,
    status: Annotated[DeliveryStatus | None, typer.Option(help="Only deliveries in this state")] = None,
    limit: Annotated[int, typer.Option(min=1, max=webhook_deliveries.MAX_PAGE)] = 50,
    shop: ShopOption = None,
) -> None:
    """List the shop's webhook deliveries, newest first (times in UTC)."""
    if failed and status not in (None, DeliveryStatus.FAILED):
        raise InvalidInput("--failed and --status name different states; give one of them", field="status")
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    page = webhook_deliveries.list_deliveries(c.uow(), shop_id=shop_row.id,
                                              status=DeliveryStatus.FAILED if failed else status, limit=limit)
    table = Table("id", "received", "topic", "state", "tries", "error", title=f"{len(page.deliveries)} deliveries")
    for row in page.deliveries:
        table.add_row(str(row.id), f"{row.received_at:%Y-%m-%d %H:%M:%S}", row.topic, _state(row),
                      str(row.attempts), escape(row.error or ""))
    out.print(table)
    if page.next_cursor:
        out.print(f"more below; raise --limit (at most {webhook_deliveries.MAX_PAGE}) or use the API's cursor")


@webhooks_app.command("show")
def webhooks_show(delivery_id: DeliveryArgument, shop: ShopOption = None) -> None:
    """One delivery with what the store sent."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    row = webhook_deliveries.get_delivery(c.uow(), shop_id=shop_row.id, delivery_id=delivery_id)
    out.print(f"delivery {row.id}: {row.topic}, {_state(row)}, {row.attempts} tries, received "
              f"{row.received_at:%Y-%m-%d %H:%M:%S}", highlight=False)
    if row.error:
        out.print(f"error: {escape(row.error)}", highlight=False)
    out.print(row.body, markup=False, highlight=False)


@webhooks_app.command("replay")
def webhooks_replay(delivery_id: DeliveryArgument, shop: ShopOption = None) -> None:
    """Apply a failed (or rejected) delivery again now; its tries count from zero again."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    row = webhook_intake.replay_delivery(c.uow(), c.webhook_codec, shop_id=shop_row.id, delivery_id=delivery_id,
                                         now=c.clock.now(), max_attempts=c.settings.webhook_max_attempts)
    out.print(f"delivery {row.id} ({row.topic}): {_state(row)}" + (f": {escape(row.error)}" if row.error else ""),
              highlight=False)
    if row.status is DeliveryStatus.FAILED:
        raise typer.Exit(1)
