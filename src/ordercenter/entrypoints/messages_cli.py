"""`ordercenter messages …`: the thread with the seller of a supplier order."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ordercenter.domain.message_templates import FREE_MESSAGE, PLACEHOLDERS, TEMPLATES
from ordercenter.domain.messages import MessageDirection
from ordercenter.entrypoints.cli_context import ShopOption, container, id_argument, out
from ordercenter.services import supplier_messages
from ordercenter.services.shops import resolve_shop

messages_app = typer.Typer(help="Messages with the seller of a supplier order: send (from a template), read the "
                                "thread, record an answer read on the supplier's website.", no_args_is_help=True)
SupplierOrderId = Annotated[int, id_argument("Our supplier order id (see 'orders show')")]


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@messages_app.command("send")
def messages_send(
    supplier_order_id: SupplierOrderId,
    template: Annotated[str | None, typer.Option(help="A template key (see 'messages templates')")] = None,
    text: Annotated[str | None, typer.Option(help="The message (with --template: your edited version of it)")] = None,
    shop: ShopOption = None,
) -> None:
    """Write to the seller: sent by API where the supplier allows it, else the text to paste and the steps."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    result = supplier_messages.send_message(c.uow(), c.supplier_resolver(shop_row.id), c.clock, shop_id=shop_row.id,
                                            supplier_order_id=supplier_order_id, text=text, template=template,
                                            actor_id="cli")
    message = result.message
    if not result.assisted:
        out.print(f"message {message.id} sent to the seller (supplier id {message.supplier_message_id}); an answer "
                  f"is expected by {_when(message.answer_due_at)}")
        return
    out.print(f"message {message.id} recorded: this supplier takes no messages by API, so send it yourself:")
    for number, step in enumerate(result.steps, start=1):
        out.print(f"  {number}. {step}", soft_wrap=True)
    out.print("\ntext to paste:\n", soft_wrap=True)
    out.print(result.text, soft_wrap=True, markup=False, highlight=False)
    out.print(f"\nthen record the seller's answer: ordercenter messages record {supplier_order_id} --text '…'")


@messages_app.command("list")
def messages_list(supplier_order_id: SupplierOrderId, shop: ShopOption = None) -> None:
    """The thread of a supplier order, oldest first, and since when an answer is awaited."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    thread = supplier_messages.get_thread(c.uow(), shop_id=shop_row.id, supplier_order_id=supplier_order_id)
    table = Table("id", "sent", "from", "message", "answered", title=f"messages of supplier order "
                  f"{supplier_order_id} ({thread.number or 'not placed'})")
    for m in thread.messages:
        ours = m.direction is MessageDirection.TO_SUPPLIER
        who = ("us" + (" (assisted)" if m.assisted else "")) if ours else "seller"
        table.add_row(str(m.id), _when(m.sent_at), who, Text(m.body), _when(m.answered_at) if ours else "")
    out.print(table)
    if thread.awaiting_reply_since is not None:
        out.print(f"awaiting reply since {_when(thread.awaiting_reply_since)} (silent from "
                  f"{_when(thread.answer_due_at)})")
    else:
        out.print("nothing awaits an answer")


@messages_app.command("record")
def messages_record(
    supplier_order_id: SupplierOrderId,
    text: Annotated[str, typer.Option(help="The seller's answer, as read on the supplier's website")],
    shop: ShopOption = None,
) -> None:
    """Record the seller's answer read on the supplier's website (an assisted supplier)."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    reply = supplier_messages.record_reply(c.uow(), c.clock, shop_id=shop_row.id,
                                           supplier_order_id=supplier_order_id, text=text, actor_id="cli")
    out.print(f"the seller's answer is recorded as message {reply.id}; nothing awaits an answer now")


@messages_app.command("templates")
def messages_templates() -> None:
    """The message templates and their placeholders."""
    table = Table("key", "title", "text", title="message templates")
    for t in TEMPLATES.values():
        table.add_row(t.key, t.title, Text(t.body))
    table.add_row(FREE_MESSAGE, "Free message", "your own words: --text without --template")
    out.print(table)
    out.print("placeholders: " + ", ".join("{" + name + "} " + meaning for name, meaning in PLACEHOLDERS.items()),
              markup=False, highlight=False, soft_wrap=True)
