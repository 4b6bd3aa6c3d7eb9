"""The store webhook topics Order Center handles (REST names; the GraphQL enum is ORDERS_PAID etc.)."""

from __future__ import annotations

ORDER_TOPICS = frozenset({"orders/create", "orders/paid", "orders/updated", "orders/cancelled",
                          "orders/fulfilled", "orders/partially_fulfilled"})

# A bulk query (the full backfill) finished; the waiting backfill reads it from the shop row.
BULK_OPERATIONS_FINISH = "bulk_operations/finish"

# Subscribed with webhookSubscriptionCreate when a shop connects.
SUBSCRIBED_TOPICS: tuple[str, ...] = (
    "orders/create",
    "orders/paid",
    "orders/updated",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "refunds/create",
    "app/uninstalled",
    BULK_OPERATIONS_FINISH,
)

# Mandatory for a public app; subscribed in the app's configuration (shopify.app.toml), not by API.
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})

SUPPORTED_TOPICS = frozenset(SUBSCRIBED_TOPICS) | COMPLIANCE_TOPICS
