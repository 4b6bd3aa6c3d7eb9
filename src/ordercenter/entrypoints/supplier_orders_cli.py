"""`ordercenter supplier-orders …`: the merchant's actions on one supplier order."""

from __future__ import annotations

from typing import Annotated

import typer

from ordercenter.entrypoints.cli_context import ShopOption, container, id_argument, out
from ordercenter.services.shops import resolve_shop

supplier_orders_app = typer.Typer(help="Supplier orders: pay, look again at the supplier, cancel.",
                                  no_args_is_help=True)
SupplierOrderArgument = Annotated[int, id_argument("The supplier order's id (see 'orders show')")]


@supplier_orders_app.command("pay")
def supplier_orders_pay(
    supplier_order_id: SupplierOrderArgument,
    confirm: Annotated[bool, typer.Option("--confirm", help="Pay even though the store order was cancelled or "
                                                            "refunded")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before paying")] = False,
    shop: ShopOption = None,
) -> None:
    """Pay a supplier order awaiting payment (by API where the supplier allows it, else the steps and deadline)."""
    from ordercenter.services.payment import pay_supplier_order

    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    with c.uow() as uow:
        so = uow.supplier_orders.get(shop_row.id, supplier_order_id)
    if so is not None and not yes:
        typer.confirm(f"Pay supplier order {so.supplier_order_id} ({so.cost.rounded()}) to "
                      f"{so.seller_name or 'the supplier'}?", abort=True)
    result = pay_supplier_order(c.uow(), c.supplier_resolver(shop_row.id), c.clock, shop_id=shop_row.id,
                                supplier_order_id=supplier_order_id, actor_id="cli", confirm_store_gone=confirm)
    out.print(("paid: " if result.paid else "not paid: ") + result.message)


@supplier_orders_app.command("refresh")
def supplier_orders_refresh(supplier_order_id: SupplierOrderArgument, shop: ShopOption = None) -> None:
    """Ask the supplier now: status, packages and tracking pushed to the store, alerts, after-sale answers."""
    from ordercenter.services import polling

    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    with polling.clients(c.uow(), c.supplier_for, c.store_for) as (supplier_for, store_for):
        result = polling.refresh_one(c.uow(), supplier_for, store_for, c.clock, shop_id=shop_row.id,
                                     supplier_order_id=supplier_order_id)
    moved = (f"{result.status_before.value} → {result.status_after.value}"
             if result.status_before is not result.status_after else result.status_after.value)
    out.print(f"supplier order {supplier_order_id}: {moved} (supplier says {result.supplier_status}); "
              f"{result.new_packages} new package(s), {result.fulfilments_created} fulfilment(s) pushed")
    for line in [*(f"alert: {kind}" for kind in result.alerts_raised), *result.push_errors]:
        out.print(line)


@supplier_orders_app.command("cancel")
def supplier_orders_cancel(
    supplier_order_id: SupplierOrderArgument,
    reason: Annotated[str, typer.Option(help="customer_changed_mind, out_of_stock, shipping_too_slow, "
                                             "wrong_item_ordered, price_changed, wrong_address or other")],
    note: Annotated[str, typer.Option(help="Free text for the supplier (required with --reason other)")] = "",
    then: Annotated[str, typer.Option(help="Once approved: reorder, or cancel_on_store")] = "reorder",
    refund: Annotated[bool, typer.Option("--refund/--no-refund", help="cancel_on_store: refund the customer")] = True,
    restock: Annotated[bool, typer.Option("--restock/--no-restock", help="cancel_on_store: restock")] = True,
    notify: Annotated[bool, typer.Option("--notify/--no-notify", help="cancel_on_store: e-mail the customer")] = True,
    shop: ShopOption = None,
) -> None:
    """Ask the supplier to cancel a supplier order that has not shipped (assisted: prints the steps)."""
    from ordercenter.entrypoints.cancellations_cli import print_cancellation
    from ordercenter.services import cancellation, polling

    c = container()
    shop_row = resolve_shop(c.uow(), shop)
    with polling.clients(c.uow(), c.supplier_for, c.store_for) as (supplier_for, store_for):
        request = cancellation.request_cancellation(
            c.uow(), supplier_for, store_for, c.clock, shop_id=shop_row.id, supplier_order_id=supplier_order_id,
            reason=reason, note=note, follow_up=then, store_refund=refund, store_restock=restock,
            notify_customer=notify, actor_id="cli")
    print_cancellation(request)
