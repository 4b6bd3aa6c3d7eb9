"""A local AliExpress Open Platform for the demo and the tests: real wire protocol, in-memory state.

    app = create_sandbox_supplier(SandboxConfig())   # ASGI; mount it under /sandbox/aliexpress
    supplier = app.state.supplier                    # operator methods, .credentials()

Self-contained on purpose: imports nothing from ordercenter.domain, services or adapters.
"""

from ordercenter.sandbox.aliexpress.app import create_sandbox_supplier
from ordercenter.sandbox.aliexpress.clock import SandboxClock
from ordercenter.sandbox.aliexpress.config import SandboxConfig
from ordercenter.sandbox.aliexpress.faults import FaultKind
from ordercenter.sandbox.aliexpress.server import SandboxServer
from ordercenter.sandbox.aliexpress.supplier import SandboxSupplier

__all__ = ["FaultKind", "SandboxClock", "SandboxConfig", "SandboxServer", "SandboxSupplier", "create_sandbox_supplier"]
