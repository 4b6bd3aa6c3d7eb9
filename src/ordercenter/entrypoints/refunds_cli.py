"""`ordercenter refunds …`."""

from __future__ import annotations

import typer

refunds_app = typer.Typer(help="refunds.", no_args_is_help=True)
