"""A real HTTP server on a free loopback port, in a thread, for tests that need the wire."""

from ordercenter.entrypoints.loopback import free_port
from ordercenter.entrypoints.loopback import serve_on_loopback as live_server

__all__ = ["free_port", "live_server"]
