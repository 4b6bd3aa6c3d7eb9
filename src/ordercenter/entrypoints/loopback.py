"""How uvicorn serves our ASGI apps: the settings `ordercenter serve` runs with, and an app served on a
loopback port, in a thread, for as long as a `with` block runs.

The benchmarks and the tests that need the real wire (HTTP parsing, JSON, connection reuse) between a
client and a sandbox use it; serving in-process keeps them one command with nothing else to start.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

START_TIMEOUT_SECONDS = 10.0


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def server_config(app: ASGIApp, host: str, port: int, *, forwarded_allow_ips: str = "127.0.0.1",
                  **options: Any) -> uvicorn.Config:
    """How Order Center is served: the client's address and scheme are the ones a trusted proxy forwards
    (the sign-in limits count by address, cookies are `Secure` over HTTPS), anyone else's headers ignored."""
    return uvicorn.Config(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                          **options)


@contextmanager
def serve_on_loopback(app: ASGIApp, port: int | None = None, *, host: str = "127.0.0.1",
                      forwarded_allow_ips: str = "127.0.0.1") -> Iterator[str]:
    """Serve `app` at http://HOST:PORT until the block ends (`host` 0.0.0.0: on every interface, as
    `demo --host 0.0.0.0` does); yields that base URL."""
    port = port or free_port(host)
    server = uvicorn.Server(server_config(app, host, port, forwarded_allow_ips=forwarded_allow_ips,
                                          log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"loopback-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the server did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
