"""`ordercenter orders …`: the Orders Center from the command line — list, show, preview, place, duplicate."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ordercenter.adapters.db.repositories import OrderFilter
from ordercenter.domain.placement import OrderPlan
from ordercenter.domain.status import Stage
from ordercenter.entrypoints.cli_context import CliError, ShopOption, container, out
from ordercenter.services import order_queries
from ordercenter.services.shops import resolve_shop

orders_app = typer.Typer(help="The Orders Center from the command line.", no_args_is_help=True)
OrderReference = Annotated[str, typer.Argument(help="The order's name (#1017) or id")]


@orders_app.command("list")
def orders_list(stage: Annotated[Stage | None, typer.Option(help="Only orders at this stage")] = None,
                search: Annotated[str | None, typer.Option("--search", "-q", help="Name, customer or e-mail")] = None,
                limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
                shop: ShopOption = None) -> None:
    """List orders newest first, with their stage."""
    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    page = order_queries.list_orders(c.uow(), shop_id=shop_row.id, stage=stage, search=search, limit=limit)
    counted = f"{page.count}" if page.count_is_exact else f"{page.count}+"
    table = Table("id", "order", "customer", "total", "stage", "attention", title=f"{counted} orders")
    for order in page.orders:
        stage_text = order.stage.value + (" (partial)" if order.stage_partial else "")
        flags = [name for name, on in (("cancellation pending", order.cancellation_pending),
                                       ("return open", order.return_open),
                                       ("customer refund open", order.customer_refund_open)) if on]
        attention = order.attention_detail or (order.attention_reason or "")
        table.add_row(str(order.id), order.name, order.customer_name, str(order.total), stage_text,
                      "; ".join([attention, *flags] if attention else flags))
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
    yes: Annotated[bool, typer.Option("--yes", help="Do not show the preview and ask first (--all, --auto-pay)")]
    = False,
    shop: ShopOption = None,
) -> None:
    """Place orders with their suppliers (one supplier order per seller, never twice); a result per order."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ordercenter.services import duplicates
    from ordercenter.services.placement import PlacementOutcome, place_orders
    from ordercenter.services.placement_planning import PlacementOptions, preview_orders

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
    if (all_ready or auto_pay) and not yes:
        _show_plans(preview_orders(c.uow(), c.supplier_resolver(shop_row.id), shop_id=shop_row.id, order_ids=ids,
                                   options=options))
        typer.confirm(f"Place {len(ids)} order(s) with the supplier" + (" and pay them now" if auto_pay else "")
                      + "?", abort=True)
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


def _show_plans(plans: list[OrderPlan]) -> None:
    table = Table("order", "sellers", "supplier cost", "expected profit", "placeable", title="preview")
    for plan in plans:
        sellers = "; ".join(f"{g.seller_name}: {', '.join(f'{i.quantity}× {i.title}' for i in g.items)}"
                            for g in plan.groups)
        verdict = "yes" if plan.placeable else "no: " + "; ".join(b.message for b in plan.blockers)
        table.add_row(plan.order_name, sellers or "-", str(plan.supplier_cost.rounded()) if plan.supplier_cost else "-",
                      str(plan.expected_profit.rounded()) if plan.expected_profit else "-", verdict)
    out.print(table)
    if any(plan.packaging_note for plan in plans):
        out.print(f"packaging note sent to the sellers: {next(p.packaging_note for p in plans if p.packaging_note)}")


@orders_app.command("preview")
def orders_preview(orders: Annotated[list[str], typer.Argument(help="Order names (#1017) or ids")],
                   backup: Annotated[bool, typer.Option("--backup", help="With the backup supplier products")] = False,
                   shop: ShopOption = None) -> None:
    """What placing these orders would do: items per seller, cost, profit, and every reason one cannot be placed."""
    from ordercenter.services import duplicates
    from ordercenter.services.placement_planning import PlacementOptions, preview_orders

    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    ids = [duplicates.order_id_for(c.uow(), shop_id=shop_row.id, reference=ref) for ref in orders]
    _show_plans(preview_orders(c.uow(), c.supplier_resolver(shop_row.id), shop_id=shop_row.id, order_ids=ids,
                               options={i: PlacementOptions(use_backup=backup) for i in ids}))


@orders_app.command("show")
def orders_show(order: OrderReference, shop: ShopOption = None) -> None:
    """One order's whole story: items, supplier orders, protection, after-sale requests and timeline."""
    from ordercenter.services import duplicates

    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    detail = order_queries.get_order(c.uow(), shop_id=shop_row.id,
                                     order_id=duplicates.order_id_for(c.uow(), shop_id=shop_row.id, reference=order))
    o = detail.order
    stage = o.stage.value + (" (partial)" if o.stage_partial else "")
    flags = [name for name, on in (("cancellation pending", o.cancellation_pending), ("return open", o.return_open),
                                   ("customer refund open", o.customer_refund_open)) if on]
    out.print(f"[bold]{o.name}[/bold]  {o.customer_name} <{o.email}>  {o.total}  stage: {stage}"
              + (f"  ({o.attention_detail or o.attention_reason})" if o.attention_reason else "")
              + (f"  [{', '.join(flags)}]" if flags else ""))
    lines = Table("item", "variant", "qty", "price", title="items")
    for line in o.lines:
        lines.add_row(line.title, line.variant_title, str(line.quantity), str(o.money(line.unit_price)))
    out.print(lines)
    if detail.supplier_orders:
        sos = Table("id", "supplier order", "seller", "status", "cost", "tracking", "problem", title="supplier orders")
        for so in detail.supplier_orders:
            tracking = ", ".join(s.tracking_number for s in so.shipments) or "-"
            sos.add_row(str(so.id), so.supplier_order_id or "-", so.seller_name, so.status.value,
                        str(so.cost.rounded()), tracking, so.failure_message or "")
        out.print(sos)
    requests = [*(("cancellation", r.id, r.status.value) for r in detail.cancellations),
                *(("return", r.id, r.status.value) for r in detail.returns),
                *(("customer refund", r.id, r.status.value) for r in detail.customer_refunds)]
    if requests:
        table = Table("request", "id", "status", title="after-sale requests")
        for kind, request_id, status in requests:
            table.add_row(kind, str(request_id), status)
        out.print(table)
    timeline = Table("when (UTC)", "who", "what", title="timeline")
    for event in detail.timeline:
        timeline.add_row(f"{event.created_at:%Y-%m-%d %H:%M}", event.actor_kind.value, event.message)
    out.print(timeline)
