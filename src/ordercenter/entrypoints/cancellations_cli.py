"""`ordercenter cancellations …`."""

from __future__ import annotations

import typer

cancellations_app = typer.Typer(help="cancellations.", no_args_is_help=True)
