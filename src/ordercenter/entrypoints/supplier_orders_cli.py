"""`ordercenter supplier-orders …`: the merchant's actions on one supplier order."""

from __future__ import annotations

import typer

supplier_orders_app = typer.Typer(help="Supplier orders: pay, look again at the supplier, cancel.",
                                  no_args_is_help=True)
