"""The Shopify adapter: Admin GraphQL client (the StorePlatform port), normalizer, webhooks and OAuth."""

from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.adapters.shopify.graphql import API_VERSION
from ordercenter.adapters.shopify.normalize import PayloadError, normalize_order

__all__ = ["API_VERSION", "PayloadError", "ShopifyClient", "normalize_order"]
