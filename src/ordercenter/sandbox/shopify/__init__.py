"""A local Shopify store that speaks the real Admin GraphQL, webhook and OAuth protocols.

    app = create_sandbox_store(SandboxStoreConfig())
    app.store.generate_orders(count=5)
"""

from ordercenter.sandbox.shopify.app import SandboxShopifyApp, create_sandbox_store
from ordercenter.sandbox.shopify.config import DeliverWebhook, SandboxStoreConfig, ShopConfig
from ordercenter.sandbox.shopify.state import SandboxStore
from ordercenter.sandbox.shopify.webhooks import WebhookDelivery, WebhookOptions, sign_body

__all__ = [
    "DeliverWebhook",
    "SandboxShopifyApp",
    "SandboxStore",
    "SandboxStoreConfig",
    "ShopConfig",
    "WebhookDelivery",
    "WebhookOptions",
    "create_sandbox_store",
    "sign_body",
]
