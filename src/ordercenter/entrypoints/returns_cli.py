"""`ordercenter returns …`: return/refund requests (disputes) with the supplier, from opening to the refund."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ordercenter.config import Settings
from ordercenter.domain.evidence import SNIFF_BYTES, EvidenceLimits, read_budget
from ordercenter.domain.money import Money
from ordercenter.domain.return_rules import allowed_actions
from ordercenter.domain.returns import ReturnKind, ReturnReason, ReturnRequest
from ordercenter.domain.status import ReturnStatus
from ordercenter.entrypoints.cli_context import CliError, ShopOption, container, id_argument, out
from ordercenter.services import return_actions, return_queries, returns
from ordercenter.services.shops import resolve_shop

returns_app = typer.Typer(help="Return/refund requests (disputes) with the supplier: open with evidence, follow, "
                               "record the supplier's decisions and the refund.", no_args_is_help=True)
ReturnArgument = Annotated[int, id_argument("The return/refund request's id")]


def evidence_limits(settings: Settings) -> EvidenceLimits:
    return EvidenceLimits(max_photo_bytes=settings.evidence_max_photo_bytes,
                          max_video_bytes=settings.evidence_max_video_bytes, max_files=settings.evidence_max_files)


def _read_evidence(paths: list[Path], limits: EvidenceLimits) -> list[tuple[str, bytes]]:
    """Each file's name and bytes, reading no more than its kind's limit (plus one byte, to see it is over)."""
    found = []
    for path in paths:
        try:
            with path.open("rb") as stream:
                head = stream.read(SNIFF_BYTES)
                found.append((path.name, head + stream.read(max(0, read_budget(head, limits) - len(head)))))
        except OSError as error:
            raise CliError(f"cannot read evidence file {path}: {error.strerror or error}") from None
    return found


def _money(amount: object, currency: str) -> str:
    money = Money.of(amount, currency).rounded()
    return f"{money.amount} {money.currency}"


def print_return(request: ReturnRequest) -> None:
    """One request as the merchant reads it: state, ask, evidence, the supplier's answer, the refund, next steps."""
    p = out.print
    p(f"return/refund request {request.id}: {request.status.value} (supplier order {request.supplier_order_id}, "
      f"order {request.order_id})", highlight=False)
    asked = _money(request.amount_requested, request.currency)
    p(f"{request.kind.value}, reason {request.reason.value}, asking {asked}; opened "
      f"{request.opened_at:%Y-%m-%d %H:%M} UTC", highlight=False)
    if request.description:
        p(f"description: {request.description}", highlight=False)
    for number, key in enumerate(request.evidence_keys, start=1):
        p(f"evidence {number}: {str(key).rsplit('/', 1)[-1].split('-', 1)[-1]}", highlight=False)
    if request.supplier_dispute_id:
        p(f"supplier dispute {request.supplier_dispute_id} ({request.supplier_status or 'status unknown'})"
          + (f", escalated {request.escalated_at:%Y-%m-%d}" if request.escalated_at else ""), highlight=False)
    if request.decision_note:
        p(f"supplier's words: {request.decision_note}", highlight=False)
    if request.return_address or request.return_instructions:
        p(f"return to: {request.return_address or request.return_instructions}"
          + (f", ship by {request.return_ship_by}" if request.return_ship_by else "")
          + (f", label {request.return_label_url}" if request.return_label_url else ""), highlight=False)
    if request.return_tracking_number:
        p(f"returned with tracking {request.return_tracking_number}", highlight=False)
    if request.refund_expected_by:
        amount = request.amount_refunded if request.amount_refunded is not None else request.amount_requested
        p(f"refund {_money(amount, request.currency)} to {request.payment_method or 'the payment method'}, expected "
          f"between {request.refund_expected_from} and {request.refund_expected_by}"
          + (f"; arrived {request.refund_arrived_at:%Y-%m-%d}" if request.refund_arrived_at else ""), highlight=False)
    if request.assisted and request.status is ReturnStatus.SUBMITTED:
        p("open it on the supplier's website:", highlight=False)
        for number, step in enumerate(request.steps, start=1):
            p(f"  {number}. {step}", highlight=False)
        p(f"link: {request.link}", highlight=False)
    actions = allowed_actions(request.status, escalated=request.escalated_at is not None)
    p("next: " + (", ".join(a.value for a in actions) if actions else "nothing, it is finished"), highlight=False)


@returns_app.command("open")
def returns_open(
    supplier_order_id: Annotated[int, id_argument("The supplier order's id (Order Center's)")],
    kind: Annotated[ReturnKind, typer.Option(help="Refund only, or return the goods and refund")],
    reason: Annotated[ReturnReason, typer.Option(help="What is wrong")],
    amount: Annotated[str, typer.Option(help="The amount asked for, at most what was paid (e.g. 12.50)")],
    description: Annotated[str, typer.Option(help="What is wrong, in words (required for 'other')")] = "",
    evidence: Annotated[list[Path] | None, typer.Option(
        "--evidence", exists=True, dir_okay=False, readable=True,
        help="A photo (JPEG, PNG, WebP) or video (MP4, MOV); repeat for several")] = None,
    payer_country: Annotated[str | None, typer.Option(help="Country of the payment method (default: ship-to)")] = None,
    shop: ShopOption = None,
) -> None:
    """Open a return/refund request with the supplier, with evidence checked by its content."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    limits = evidence_limits(c.settings)
    files = _read_evidence(list(evidence or []), limits)
    request = returns.open_return(c.uow(), c.supplier_resolver(shop_row.id), c.file_store, c.clock, limits,
                                  shop_id=shop_row.id, supplier_order_id=supplier_order_id, kind=kind.value,
                                  reason=reason.value, amount=amount, description=description, evidence=files,
                                  actor_id="cli", payer_country=payer_country)
    print_return(request)


@returns_app.command("list")
def returns_list(
    status: Annotated[ReturnStatus | None, typer.Option(help="Only requests in this state")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only requests still open")] = False,
    limit: Annotated[int, typer.Option(min=1, max=return_queries.MAX_LIST)] = 50,
    shop: ShopOption = None,
) -> None:
    """List the shop's return/refund requests, newest first."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    rows = return_queries.list_returns(c.uow(), shop_id=shop_row.id, status=status, open_only=open_only, limit=limit)
    table = Table("id", "opened", "supplier order", "order", "kind", "reason", "asked", "state", "refund by",
                  title=f"{len(rows)} return/refund requests")
    for r in rows:
        table.add_row(str(r.id), f"{r.opened_at:%Y-%m-%d}", str(r.supplier_order_id), str(r.order_id), r.kind.value,
                      r.reason.value, _money(r.amount_requested, r.currency),
                      r.status.value + (" (assisted)" if r.assisted else ""), str(r.refund_expected_by or ""))
    out.print(table)


@returns_app.command("show")
def returns_show(return_id: ReturnArgument, shop: ShopOption = None) -> None:
    """One return/refund request: its state, evidence, the supplier's answer, the refund, what to do next."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    print_return(return_queries.get_return(c.uow(), shop_id=shop_row.id, return_id=return_id))


@returns_app.command("dispute")
def returns_dispute(return_id: ReturnArgument,
                    dispute_id: Annotated[str, typer.Option(help="The number the supplier's site shows")],
                    shop: ShopOption = None) -> None:
    """Record the dispute number of a request opened by hand on the supplier's site."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    print_return(return_actions.record_dispute_opened(c.uow(), c.clock, shop_id=shop_row.id, return_id=return_id,
                                                      dispute_id=dispute_id, actor_id="cli"))


@returns_app.command("decide")
def returns_decide(
    return_id: ReturnArgument,
    approved: Annotated[bool, typer.Option("--approved", help="The supplier accepted")] = False,
    rejected: Annotated[bool, typer.Option("--rejected", help="The supplier refused")] = False,
    note: Annotated[str, typer.Option(help="The supplier's words")] = "",
    return_address: Annotated[str | None, typer.Option(help="Where to send the goods back")] = None,
    ship_by: Annotated[str | None, typer.Option(help="The last day to send them (YYYY-MM-DD)")] = None,
    label_url: Annotated[str | None, typer.Option(help="A prepaid return label's link")] = None,
    refund_amount: Annotated[str | None, typer.Option(help="The refund agreed, when less than asked")] = None,
    shop: ShopOption = None,
) -> None:
    """Record what the supplier decided (an assisted supplier, or what you saw on its website)."""
    if approved == rejected:
        raise CliError("give exactly one of --approved or --rejected")
    try:
        ship_by_day = date.fromisoformat(ship_by) if ship_by else None
    except ValueError:
        raise CliError(f"--ship-by: '{ship_by}' is not a date like 2026-04-30") from None
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    print_return(return_actions.record_decision(
        c.uow(), c.clock, shop_id=shop_row.id, return_id=return_id, decision="approved" if approved else "rejected",
        note=note, return_address=return_address, return_ship_by=ship_by_day, return_label_url=label_url,
        refund_amount=refund_amount, actor_id="cli"))


@returns_app.command("shipped")
def returns_shipped(return_id: ReturnArgument,
                    tracking: Annotated[str, typer.Option(help="The return parcel's tracking number")],
                    shop: ShopOption = None) -> None:
    """The goods went back to the supplier, with this tracking number."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    print_return(return_actions.record_return_shipment(c.uow(), c.supplier_resolver(shop_row.id), c.clock,
                                                       shop_id=shop_row.id, return_id=return_id,
                                                       tracking_number=tracking, actor_id="cli"))


@returns_app.command("escalate")
def returns_escalate(return_id: ReturnArgument, shop: ShopOption = None) -> None:
    """Ask the platform to decide a dispute the seller refused."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    print_return(return_actions.escalate_return(c.uow(), c.supplier_resolver(shop_row.id), c.clock,
                                                shop_id=shop_row.id, return_id=return_id, actor_id="cli"))


@returns_app.command("close")
def returns_close(return_id: ReturnArgument, note: Annotated[str, typer.Option(help="Why")] = "",
                  shop: ShopOption = None) -> None:
    """Close a refused request, or drop an open one."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    print_return(return_actions.close_return(c.uow(), c.clock, shop_id=shop_row.id, return_id=return_id, note=note,
                                             actor_id="cli"))


@returns_app.command("refund-issued")
def returns_refund_issued(return_id: ReturnArgument,
                          amount: Annotated[str | None, typer.Option(help="When less than asked for")] = None,
                          shop: ShopOption = None) -> None:
    """The supplier issued the refund: its expected arrival is counted from today."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    print_return(return_actions.record_refund_issued(c.uow(), c.clock, shop_id=shop_row.id, return_id=return_id,
                                                     amount=amount, actor_id="cli"))


@returns_app.command("refund-arrived")
def returns_refund_arrived(return_id: ReturnArgument, shop: ShopOption = None) -> None:
    """The refund reached the payment method."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    print_return(return_actions.confirm_refund_arrived(c.uow(), c.clock, shop_id=shop_row.id, return_id=return_id,
                                                       actor_id="cli"))
