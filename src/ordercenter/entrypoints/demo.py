"""`ordercenter demo`: the embedded default with demo data, all in one process."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import uvicorn
from rich.console import Console

from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.entrypoints.api.app import create_app
from ordercenter.services.demo_setup import ensure_demo_account


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def write_demo_file(data_dir: Path, info: dict[str, Any]) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "demo.json"
    path.write_text(json.dumps(info, indent=2) + "\n")
    path.chmod(0o600)
    return path


def run_demo(settings: Settings, *, host: str, port: int) -> None:
    port = port or free_port(host)
    url = f"http://{host}:{port}"
    settings = settings.model_copy(update={"public_url": url})
    container = bootstrap(settings)
    account = ensure_demo_account(container.uow(), now=container.clock.now())
    info: dict[str, Any] = {
        "url": url,
        "email": account.email,
        "password": account.password,
        "api_token": account.api_token,
        "shop_domain": account.shop_domain,
        "database_url": container.engine.url.render_as_string(hide_password=True),
    }
    path = write_demo_file(settings.data_dir, info)
    console = Console()
    console.print(f"[bold]Order Center demo[/bold] at {url}")
    console.print(f"  sign in: {account.email} / {account.password}")
    console.print(f"  API token: {account.api_token}")
    console.print(f"  details written to {path}")
    uvicorn.run(create_app(container), host=host, port=port, log_level="warning")
