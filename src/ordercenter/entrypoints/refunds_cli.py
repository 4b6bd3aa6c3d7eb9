"""`ordercenter refunds …`: customer refund requests, their replies, refunds on the store, and reply templates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ordercenter.domain.customer_refunds import CustomerRefundSource
from ordercenter.domain.money import Money
from ordercenter.domain.status import CustomerRefundStatus
from ordercenter.entrypoints.cli_context import CliError, ShopOption, container, id_argument, id_option, out
from ordercenter.services import customer_refunds, reply_templates
from ordercenter.services.customer_refunds import CustomerRefundView
from ordercenter.services.shops import resolve_shop

refunds_app = typer.Typer(help="Customer refund requests: record, answer, refund on the store, link to the supplier.",
                          no_args_is_help=True)
templates_app = typer.Typer(help="The reply templates Order Center proposes answers from.", no_args_is_help=True)
refunds_app.add_typer(templates_app, name="templates")

RequestArgument = Annotated[int, id_argument("The request's id (from 'refunds list')")]
ACTOR = "cli"


def _read(file: Path, what: str) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{file} is not UTF-8 text ({what})") from None
    except OSError as exc:
        raise CliError(f"cannot read {file}: {exc.strerror}") from None


def _amount(value: Decimal | None, currency: str) -> str:
    return str(Money(value, currency)) if value is not None else "-"


def _show(view: CustomerRefundView) -> None:
    r = view.request
    out.print(f"[bold]Request {r.id}[/bold] for order {view.order_name} ({r.status.value}, {r.source.value})")
    out.print(f"from {r.customer_name or '-'} <{r.customer_email or 'no e-mail'}>, "
              f"received {r.received_at:%Y-%m-%d %H:%M}")
    out.print(f"asked: {_amount(r.amount_requested, r.currency)}   "
              f"refunded: {_amount(r.refund_amount, r.currency)}"
              + (f" (store refund {r.store_refund_id})" if r.store_refund_id else "")
              + f"   still refundable on the order: {view.refundable}")
    out.print(f"\n{r.message}\n", markup=False, highlight=False)
    if r.reply:
        out.print(f"[bold]Last reply[/bold] ({view.replies} sent): {r.reply_subject}")
    out.print(f"[bold]Supplier side[/bold]: {view.recovery.message}", highlight=False)
    net = view.net
    out.print(f"[bold]Net result[/bold]: refunded {net.refunded_to_customer}, recovered {net.recovered_from_supplier},"
              f" net {net.net}")
    out.print(f"\n[bold]Proposed reply[/bold] ({view.proposed_reply.template.value}):")
    out.print(f"Subject: {view.proposed_reply.subject}\n\n{view.proposed_reply.body}", markup=False, highlight=False)


@refunds_app.command("record")
def refunds_record(
    order: Annotated[str, typer.Argument(help="The order's name (#1017) or id")],
    message: Annotated[str, typer.Option(help="What the customer asked for")] = "",
    email: Annotated[str | None, typer.Option(help="The customer's e-mail (default: the order's)")] = None,
    name: Annotated[str | None, typer.Option(help="The customer's name (default: the order's)")] = None,
    amount: Annotated[str | None, typer.Option(help="The amount the customer asks for")] = None,
    from_email: Annotated[Path | None, typer.Option("--from-email", help="A file with the customer's e-mail "
                                                    "(headers and body, or just its text)")] = None,
    shop: ShopOption = None,
) -> None:
    """Record a customer's refund request, typed in or from their e-mail; shows the reply proposed."""
    from ordercenter.services.duplicates import order_id_for

    if not message.strip() and from_email is None:
        raise CliError("give --message, or --from-email with the customer's e-mail")
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    order_id = order_id_for(c.uow(), shop_id=shop_row.id, reference=order)
    data = customer_refunds.RefundRequestInput(
        message=message, customer_email=email, customer_name=name, amount=amount,
        source=CustomerRefundSource.EMAIL if from_email else CustomerRefundSource.MANUAL,
        email_text=_read(from_email, "the customer's e-mail") if from_email else None)
    view = customer_refunds.record_request(c.uow(), c.clock, shop_id=shop_row.id, order_id=order_id, data=data,
                                           actor_id=ACTOR)
    _show(view)


@refunds_app.command("list")
def refunds_list(status: Annotated[CustomerRefundStatus | None, typer.Option(help="Only this status")] = None,
                 limit: Annotated[int, typer.Option(min=1, max=customer_refunds.MAX_LIST)] = 50,
                 shop: ShopOption = None) -> None:
    """List the shop's customer refund requests, newest first."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    rows = customer_refunds.list_requests(c.uow(), shop_id=shop_row.id, status=status, limit=limit)
    table = Table("id", "order id", "customer", "status", "source", "asked", "refunded", "received",
                  title=f"{len(rows)} customer refund requests")
    for r in rows:
        table.add_row(str(r.id), str(r.order_id), r.customer_name or r.customer_email, r.status.value, r.source.value,
                      str(Money(r.amount_requested, r.currency)) if r.amount_requested is not None else "",
                      str(Money(r.refund_amount, r.currency)) if r.refund_amount is not None else "",
                      f"{r.received_at:%Y-%m-%d %H:%M}")
    out.print(table)


@refunds_app.command("show")
def refunds_show(request_id: RequestArgument, shop: ShopOption = None) -> None:
    """One request: what the customer said, the reply proposed, the supplier-side recovery and the net result."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    _show(customer_refunds.get_request(c.uow(), c.clock, shop_id=shop_row.id, request_id=request_id))


@refunds_app.command("reply")
def refunds_reply(
    request_id: RequestArgument,
    template: Annotated[str | None, typer.Option(help="A template key (default: the one proposed)")] = None,
    body_file: Annotated[Path | None, typer.Option("--body-file", help="A file with the body you edited")] = None,
    subject: Annotated[str | None, typer.Option(help="The subject, edited")] = None,
    shop: ShopOption = None,
) -> None:
    """E-mail the reply to the customer (sent by the background sender, once)."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    body = _read(body_file, "the reply's body") if body_file else None
    result = customer_refunds.reply_to_customer(c.uow(), c.clock, shop_id=shop_row.id, request_id=request_id,
                                                template=template, subject=subject, body=body, actor_id=ACTOR)
    if result.repeated:
        out.print(f"the same reply was sent to {result.to} already; nothing new queued")
        return
    out.print(f"reply to {result.to} queued (e-mail {result.email_id}); request {request_id} is now "
              f"{result.view.request.status.value}")


@refunds_app.command("refund")
def refunds_refund(
    request_id: RequestArgument,
    amount: Annotated[str | None, typer.Option(help="How much to refund (default: what the customer asked)")] = None,
    full: Annotated[bool, typer.Option("--full", help="Everything the order can still refund")] = False,
    notify_customer: Annotated[bool, typer.Option(help="Let the store e-mail its refund receipt too")] = False,
    note: Annotated[str | None, typer.Option(help="A note kept with the refund on the store")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before spending the money")] = False,
    shop: ShopOption = None,
) -> None:
    """Refund the customer on the store, in full or in part; asks before it spends money unless --yes."""
    if full and amount is not None:
        raise CliError("give --amount or --full, not both")
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    view = customer_refunds.get_request(c.uow(), c.clock, shop_id=shop_row.id, request_id=request_id)
    r = view.request
    shown = (str(view.refundable) if full else f"{amount} {r.currency}" if amount is not None
             else str(Money(r.amount_requested, r.currency)) if r.amount_requested is not None else None)
    if shown is None:
        raise CliError("say how much to refund: --amount X, or --full")
    if not yes:
        typer.confirm(f"Refund {shown} to {r.customer_name or r.customer_email or 'the customer'} on the store for "
                      f"order {view.order_name}?", abort=True)
    done = customer_refunds.refund_customer(c.uow(), lambda: c.store_for(shop_row), c.clock, shop_id=shop_row.id,
                                            request_id=request_id, amount=amount, full=full,
                                            notify_customer=notify_customer, note=note, actor_id=ACTOR)
    out.print(f"refunded {_amount(done.request.refund_amount, done.request.currency)} on the store "
              f"(refund {done.request.store_refund_id}); {done.recovery.message}")


@refunds_app.command("link")
def refunds_link(request_id: RequestArgument,
                 cancellation: Annotated[int | None, id_option(help_text="A cancellation request id")] = None,
                 return_id: Annotated[int | None, id_option("--return", help_text="A return request id")] = None,
                 shop: ShopOption = None) -> None:
    """Link the request to the supplier-side cancellation or return/refund request of its order."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    view = customer_refunds.link_request(c.uow(), c.clock, shop_id=shop_row.id, request_id=request_id,
                                         cancellation_id=cancellation, return_id=return_id, actor_id=ACTOR)
    out.print(f"request {request_id} linked; net result: {view.net.net}")


# ---------------------------------------------------------------- templates


@templates_app.command("list")
def templates_list(shop: ShopOption = None) -> None:
    """The reply templates: built-in, or reworded by the shop."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    table = Table("key", "what it says", "subject", "wording", title="reply templates")
    for t in reply_templates.list_templates(c.uow(), shop_id=shop_row.id):
        table.add_row(t.key.value, t.title, t.subject, "the shop's own" if t.customized else "built-in")
    out.print(table)


@templates_app.command("show")
def templates_show(key: Annotated[str, typer.Argument(help="The template key")], shop: ShopOption = None) -> None:
    """One template as the shop uses it, with the placeholders it may use."""
    from ordercenter.domain.reply_templates import PLACEHOLDERS

    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    t = reply_templates.get_template(c.uow(), shop_id=shop_row.id, key=key)
    out.print(f"[bold]{t.key.value}[/bold]: {t.title} ({'the shop' if t.customized else 'built-in'} wording)")
    out.print(f"Subject: {t.subject}\n\n{t.body}\n", markup=False, highlight=False)
    out.print("placeholders: " + ", ".join("{" + p + "}" for p in PLACEHOLDERS), markup=False, highlight=False)


@templates_app.command("edit")
def templates_edit(
    key: Annotated[str, typer.Argument(help="The template key")],
    subject: Annotated[str | None, typer.Option(help="The new subject (default: keep it)")] = None,
    body_file: Annotated[Path | None, typer.Option("--body-file", help="A file with the new body")] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Go back to the built-in wording")] = False,
    shop: ShopOption = None,
) -> None:
    """Reword a template (checked with sample values first), or --reset it to the built-in wording."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    if reset:
        if subject is not None or body_file is not None:
            raise CliError("--reset takes no --subject or --body-file")
        t = reply_templates.reset_template(c.uow(), shop_id=shop_row.id, key=key)
        out.print(f"{t.key.value} uses the built-in wording again")
        return
    if subject is None and body_file is None:
        raise CliError("give --subject and/or --body-file, or --reset")
    current = reply_templates.get_template(c.uow(), shop_id=shop_row.id, key=key)
    t = reply_templates.save_template(c.uow(), shop_id=shop_row.id, key=key,
                                      subject=subject if subject is not None else current.subject,
                                      body=_read(body_file, "the template's body") if body_file else current.body,
                                      now=c.clock.now())
    out.print(f"{t.key.value} saved")
