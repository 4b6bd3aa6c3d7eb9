"""Run the sandbox supplier on a real local port in a background thread (tests, scripts, a standalone demo).

Real HTTP on 127.0.0.1 rather than an in-process bridge: httpx's ASGITransport is async-only, and
only a real socket makes client timeouts, slow answers and held-back responses behave as they do
against the platform.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from ordercenter.sandbox.aliexpress.app import create_sandbox_supplier
from ordercenter.sandbox.aliexpress.config import SandboxConfig
from ordercenter.sandbox.aliexpress.supplier import SandboxSupplier


class SandboxServer:
    """`with SandboxServer() as server:` → `server.base_url`, `server.supplier`."""

    def __init__(self, supplier: SandboxSupplier | None = None, *, config: SandboxConfig | None = None,
                 host: str = "127.0.0.1", port: int = 0, mount_path: str = "") -> None:
        """`mount_path` (e.g. "/sandbox/aliexpress") serves the sandbox under a prefix, as the main server does."""
        self.supplier = supplier or SandboxSupplier(config)
        self.mount_path = mount_path.rstrip("/")
        sandbox = create_sandbox_supplier(supplier=self.supplier)
        self.app: Starlette = Starlette(routes=[Mount(self.mount_path, app=sandbox)]) if self.mount_path else sandbox
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="off",
                                                     timeout_graceful_shutdown=1))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name=f"aliexpress-sandbox-{self.port}", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{self.mount_path}"

    def start(self, timeout: float = 10.0) -> SandboxServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the sandbox supplier did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
