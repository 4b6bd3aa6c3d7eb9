"""`ordercenter cancellations …`: the requests to cancel supplier orders, and recording the supplier's decision.

Asking for one is `ordercenter supplier-orders cancel`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ordercenter.domain.cancellations import CancellationRequest
from ordercenter.domain.money import Money
from ordercenter.domain.status import CancellationStatus
from ordercenter.entrypoints.cli_context import CliError, ShopOption, container, id_argument, out
from ordercenter.services import cancellation, polling
from ordercenter.services.shops import resolve_shop

cancellations_app = typer.Typer(help="Cancellations of supplier orders: list, show, record the supplier's decision.",
                                no_args_is_help=True)
CancellationArgument = Annotated[int, id_argument("The cancellation request's id")]


def print_cancellation(request: CancellationRequest) -> None:
    """One request as the merchant reads it: state, reason, decision, refund, and the steps when assisted."""
    out.print(f"cancellation {request.id}: {request.status.value} (supplier order {request.supplier_order_id}, "
              f"order {request.order_id})", highlight=False)
    out.print(f"reason: {request.reason.value}" + (f" ({request.note})" if request.note else "")
              + f"; then: {request.follow_up.value}", highlight=False)
    if request.decided_at is not None:
        by = request.decided_by.value if request.decided_by else "?"
        out.print(f"decided {request.decided_at:%Y-%m-%d %H:%M} UTC (recorded by {by})"
                  + (f": {request.decision_note}" if request.decision_note else ""), highlight=False)
    if request.refund_amount is not None:
        amount = Money(request.refund_amount, request.currency).rounded()
        out.print(f"refund expected: {amount.amount} {amount.currency} between {request.refund_expected_from} and "
                  f"{request.refund_expected_by}", highlight=False)
    if request.follow_up_error:
        out.print(f"store follow-up failed: {request.follow_up_error}", highlight=False)
    if request.assisted and request.is_open:
        out.print("do it on the supplier's website:", highlight=False)
        for number, step in enumerate(request.steps, start=1):
            out.print(f"  {number}. {step}", highlight=False)
        out.print(f"link: {request.link}", highlight=False)


@cancellations_app.command("list")
def cancellations_list(
    status: Annotated[CancellationStatus | None, typer.Option(help="Only requests in this state")] = None,
    limit: Annotated[int, typer.Option(min=1, max=cancellation.SCAN_LIMIT)] = 50,
    shop: ShopOption = None,
) -> None:
    """List the shop's cancellation requests, newest first."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    requests = cancellation.list_cancellations(c.uow(), shop_id=shop_row.id, status=status, limit=limit)
    table = Table("id", "asked", "supplier order", "order", "reason", "then", "state", "decision",
                  title=f"{len(requests)} cancellation requests")
    for r in requests:
        table.add_row(str(r.id), f"{r.requested_at:%Y-%m-%d %H:%M}", str(r.supplier_order_id), str(r.order_id),
                      r.reason.value, r.follow_up.value, r.status.value + (" (assisted)" if r.assisted else ""),
                      r.decision_note or "")
    out.print(table)


@cancellations_app.command("show")
def cancellations_show(cancellation_id: CancellationArgument, shop: ShopOption = None) -> None:
    """One cancellation request: its state, the supplier's decision, the refund expected, the steps if assisted."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    print_cancellation(cancellation.get_cancellation(c.uow(), shop_id=shop_row.id, cancellation_id=cancellation_id))


@cancellations_app.command("decide")
def cancellations_decide(
    cancellation_id: CancellationArgument,
    approved: Annotated[bool, typer.Option("--approved", help="The supplier cancelled the order")] = False,
    rejected: Annotated[bool, typer.Option("--rejected", help="The supplier refused to cancel it")] = False,
    note: Annotated[str, typer.Option(help="The supplier's words (its reason when it refused)")] = "",
    shop: ShopOption = None,
) -> None:
    """Record what the supplier decided (seen on its website or told by the seller)."""
    if approved == rejected:
        raise CliError("give exactly one of --approved or --rejected")
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    with polling.clients(c.uow(), c.supplier_for, c.store_for) as (_, store_for):
        request = cancellation.decide_cancellation(
            c.uow(), store_for, c.clock, shop_id=shop_row.id, cancellation_id=cancellation_id,
            decision=CancellationStatus.APPROVED if approved else CancellationStatus.REJECTED, note=note,
            actor_id="cli")
    print_cancellation(request)


@cancellations_app.command("refund-arrived")
def cancellations_refund_arrived(cancellation_id: CancellationArgument, shop: ShopOption = None) -> None:
    """Record that the supplier's refund of an approved cancellation reached your account."""
    from ordercenter.services import cancellation_refunds

    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    print_cancellation(cancellation_refunds.record_refund_arrived(c.uow(), c.clock, shop_id=shop_row.id,
                                                                  cancellation_id=cancellation_id, actor_id="cli"))
