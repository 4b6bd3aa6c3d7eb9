"""The AliExpress Open Platform adapter: `AliExpressClient` (real), `SandboxAliExpressClient`, OAuth."""

from ordercenter.adapters.aliexpress.client import AliExpressClient
from ordercenter.adapters.aliexpress.gateway import RetryPolicy
from ordercenter.adapters.aliexpress.oauth import AliExpressOAuth, TokenSet
from ordercenter.adapters.aliexpress.sandbox_client import SandboxAliExpressClient

__all__ = ["AliExpressClient", "AliExpressOAuth", "RetryPolicy", "SandboxAliExpressClient", "TokenSet"]
