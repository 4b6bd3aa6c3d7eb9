"""`ordercenter deadlines`: what needs the merchant now, soonest first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ordercenter.entrypoints.cli_context import ShopOption, container, out
from ordercenter.services import deadlines as deadline_service
from ordercenter.services.shops import resolve_shop


def _in(due_at: datetime, now: datetime) -> str:
    """'in 2d 3h' or '5h ago': how far the deadline is from now."""
    delta = due_at - now
    span = abs(delta)
    days, hours = span.days, span.seconds // 3600
    text = f"{days}d {hours}h" if days else f"{hours}h {span.seconds % 3600 // 60}m"
    return f"{text} ago" if delta < timedelta(0) else f"in {text}"


def deadlines(limit: Annotated[int, typer.Option(min=1, max=deadline_service.MAX_LIMIT,
                                                 help="At most this many, soonest first")] = 100,
              shop: ShopOption = None) -> None:
    """What needs you now, soonest first: closing protection windows, payments, refunds, customers, sellers."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    now = c.clock.now()
    found = deadline_service.list_deadlines(c.uow(), shop_id=shop_row.id, now=now, limit=limit)
    if not found:
        out.print(f"nothing falls due for {shop_row.domain}")
        return
    overdue = sum(1 for d in found if d.overdue)
    table = Table("due (UTC)", "when", "kind", "order", "supplier order", "what to do", "link",
                  title=f"{len(found)} deadlines for {shop_row.domain} ({overdue} overdue), soonest first")
    for d in found:
        when = Text("OVERDUE " + _in(d.due_at, now), style="bold red") if d.overdue else Text(_in(d.due_at, now))
        table.add_row(d.due_at.strftime("%Y-%m-%d %H:%M"), when, d.kind.value, d.order_name,
                      str(d.supplier_order_id or ""), Text(d.what_to_do), d.link)
    out.print(table)
