"""`ordercenter returns …`."""

from __future__ import annotations

import typer

returns_app = typer.Typer(help="returns.", no_args_is_help=True)
