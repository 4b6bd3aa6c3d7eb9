"""`ordercenter sandbox clock …`: move the demo's time forward — Order Center, its sandbox store and its sandbox
supplier together — so protection windows, deadlines and alerts can be seen to move."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from ordercenter.adapters.clock import OffsetClock
from ordercenter.entrypoints.cli_context import DEMO_CLOCK_FILE, CliError, out

clock_app = typer.Typer(help="The demo's clock, shared by Order Center and both sandboxes.", no_args_is_help=True)
DataDir = Annotated[Path, typer.Option(help="The demo's folder (where demo.json is)")]


def _clock(data_dir: Path) -> OffsetClock:
    if not (data_dir / "demo.json").exists():
        raise CliError(f"{data_dir} holds no demo (no demo.json): the clock moves only in a demo; start one with "
                       "'ordercenter demo'")
    return OffsetClock(data_dir / DEMO_CLOCK_FILE)


@clock_app.command("advance")
def clock_advance(days: Annotated[float, typer.Option(min=0, help="Days forward")] = 0,
                  hours: Annotated[float, typer.Option(min=0, help="Hours forward")] = 0,
                  data_dir: DataDir = Path("data/demo")) -> None:
    """Move the demo's clock forward; the running demo and every command on this folder see the new time."""
    if days == 0 and hours == 0:
        raise CliError("say how far: --days N and/or --hours N")
    now = _clock(data_dir).advance(timedelta(days=days, hours=hours))
    out.print(f"the demo's clock is now {now:%Y-%m-%d %H:%M} UTC (Order Center, sandbox store and supplier); "
              "background alerts catch up within five minutes, 'ordercenter deadlines' at once")


@clock_app.command("show")
def clock_show(data_dir: DataDir = Path("data/demo")) -> None:
    """The demo's time and how far it was moved."""
    clock = _clock(data_dir)
    out.print(f"{clock.now():%Y-%m-%d %H:%M} UTC, {clock.offset.total_seconds() / 86400:g} days ahead of real time")
