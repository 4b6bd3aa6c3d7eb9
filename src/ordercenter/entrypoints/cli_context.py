"""What every command needs: settings, the container, the console, the shop option, and its error type."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.entrypoints.api.request_models import MAX_ID

out = Console()
ShopOption = Annotated[str | None, typer.Option("--shop", help="Shop domain (default: the only shop)")]


class CliError(Exception):
    """A user-facing error: printed as one line on stderr, exit code 2."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise CliError(f"setting {field} (ORDERCENTER_{field.upper()}): {message}") from None


DEMO_CLOCK_FILE = "demo-clock.json"


def demo_clock_file(settings: Settings) -> Settings:
    """A demo's folder (it holds demo.json) shares the demo's moved clock with its command line."""
    if settings.demo_clock_file is None and (settings.data_dir / "demo.json").exists():
        return settings.model_copy(update={"demo_clock_file": settings.data_dir / DEMO_CLOCK_FILE})
    return settings


def container(**overrides: object) -> Container:
    return bootstrap(demo_clock_file(load_settings(**overrides)))


def id_argument(help_text: str) -> Any:
    """A row id on the command line: 1 … MAX_ID as in the API, anything else refused in one line."""
    return typer.Argument(min=1, max=MAX_ID, help=help_text)


def id_option(*names: str, help_text: str) -> Any:
    """An optional row id, checked like `id_argument`."""
    return typer.Option(*names, min=1, max=MAX_ID, help=help_text)
