"""`ordercenter messages …`."""

from __future__ import annotations

import typer

messages_app = typer.Typer(help="messages.", no_args_is_help=True)
