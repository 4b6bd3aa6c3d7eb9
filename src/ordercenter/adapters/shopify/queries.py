"""The Admin GraphQL documents we send (API version 2025-01), and the order search string of the sync.

Each document's operation name is its pacing key: the limiter remembers the last requested cost per name.
"""

from __future__ import annotations

from datetime import UTC, datetime

# Shopify refuses a query whose *requested* cost exceeds 1,000 points, and a connection costs
# 2 + first × (cost of a node): 10 orders × (~15 + lineItems 2 + 15 × 5) ≈ 922. The bucket is then
# refunded down to the *actual* cost, which for typical orders of 1-3 lines is about a quarter of that.
PAGE_SIZE = 10
LINES_PER_ORDER = 15
MORE_LINES_PAGE = 100

# The search that lists orders to place: paid, nothing shipped, not closed or cancelled.
SYNC_SEARCH = "financial_status:paid fulfillment_status:unfulfilled status:open"

LINE_ITEM_FIELDS = """
fragment LineItemFields on LineItem {
  id
  sku
  title
  name
  variantTitle
  quantity
  variant { id legacyResourceId }
  product { id legacyResourceId }
  originalUnitPriceSet { shopMoney { amount currencyCode } }
}
"""

ORDER_FIELDS = """
fragment OrderFields on Order {
  id
  legacyResourceId
  name
  email
  createdAt
  updatedAt
  cancelledAt
  closedAt
  currencyCode
  subtotalPriceSet { shopMoney { amount currencyCode } }
  totalPriceSet { shopMoney { amount currencyCode } }
  totalShippingPriceSet { shopMoney { amount currencyCode } }
  totalTaxSet { shopMoney { amount currencyCode } }
  totalDiscountsSet { shopMoney { amount currencyCode } }
  displayFinancialStatus
  displayFulfillmentStatus
  customer { firstName lastName email }
  shippingAddress {
    name firstName lastName address1 address2 city province provinceCode
    zip country countryCodeV2 phone company
  }
  lineItems(first: 15) {
    pageInfo { hasNextPage endCursor }
    nodes { ...LineItemFields }
  }
  tags
  note
}
""" + LINE_ITEM_FIELDS

# The lines beyond the first page of an order with many lines (rare; fetched only when needed).
ORDER_MORE_LINES = """
query OrderMoreLines($id: ID!, $cursor: String) {
  order(id: $id) {
    lineItems(first: 100, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes { ...LineItemFields }
    }
  }
}
""" + LINE_ITEM_FIELDS

ORDERS_SYNC = """
query OrdersSync($first: Int!, $cursor: String, $query: String) {
  orders(first: $first, after: $cursor, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderFields }
  }
}
""" + ORDER_FIELDS

SHOP = """
query Shop {
  shop { name currencyCode }
}
"""

# What a fulfilment or a refund needs to know first: the open fulfillment orders with their remaining
# quantities per order line, the payment transactions (parent of a refund) and the line prices.
# Kept under Shopify's 1,000-point ceiling for one query (about 710 requested): up to 50 lines, 5 open
# fulfillment orders and 10 transactions, far more than a dropshipping order carries.
ORDER_FOR_ACTION = """
query OrderForAction($id: ID!) {
  order(id: $id) {
    id
    name
    currencyCode
    presentmentCurrencyCode
    lineItems(first: 50) {
      nodes {
        id
        quantity
        originalUnitPriceSet { shopMoney { amount currencyCode } }
      }
    }
    fulfillmentOrders(first: 5) {
      nodes {
        id
        status
        lineItems(first: 50) {
          nodes { id remainingQuantity totalQuantity lineItem { id } }
        }
      }
    }
    transactions(first: 10) {
      id
      kind
      status
      gateway
      amountSet { shopMoney { amount currencyCode } }
      parentTransaction { id }
    }
  }
}
"""

FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!, $message: String) {
  fulfillmentCreate(fulfillment: $fulfillment, message: $message) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""

FULFILLMENT_TRACKING_UPDATE = """
mutation FulfillmentTrackingInfoUpdate(
  $fulfillmentId: ID!, $trackingInfoInput: FulfillmentTrackingInput!, $notifyCustomer: Boolean
) {
  fulfillmentTrackingInfoUpdate(
    fulfillmentId: $fulfillmentId, trackingInfoInput: $trackingInfoInput, notifyCustomer: $notifyCustomer
  ) {
    fulfillment { id }
    userErrors { field message }
  }
}
"""

REFUND_CREATE = """
mutation RefundCreate($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id }
    userErrors { field message }
  }
}
"""

# What a refund by amount needs: the payments it goes back through and the refunds made so far (their
# notes carry the key of a refund asked for before, so a retry after a lost answer finds it).
ORDER_FOR_REFUND = """
query OrderForRefund($id: ID!) {
  order(id: $id) {
    id
    name
    currencyCode
    presentmentCurrencyCode
    transactions(first: 20) {
      id
      kind
      status
      gateway
      amountSet { shopMoney { amount currencyCode } }
      parentTransaction { id }
    }
    refunds(first: 50) { id note }
  }
}
"""

# `orderCancel` reports its refusals in `orderCancelUserErrors` (its `userErrors` is deprecated and may
# stay empty); the alias gives them the name every other payload uses, so one check reads them all.
ORDER_CANCEL = """
mutation OrderCancel(
  $orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!, $restock: Boolean!,
  $notifyCustomer: Boolean, $staffNote: String
) {
  orderCancel(
    orderId: $orderId, reason: $reason, refund: $refund, restock: $restock,
    notifyCustomer: $notifyCustomer, staffNote: $staffNote
  ) {
    job { id done }
    userErrors: orderCancelUserErrors { field message code }
  }
}
"""

ORDER_CREATE = """
mutation OrderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { ...OrderFields }
    userErrors { field message }
  }
}
""" + ORDER_FIELDS

WEBHOOK_SUBSCRIPTION_CREATE = """
mutation WebhookSubscriptionCreate(
  $topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!
) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}
"""


def orders_search(updated_since: datetime | None) -> str:
    """The sync's search string; with a watermark, only orders updated since it.

    Inclusive (`>=`) because the search compares whole seconds: an order updated later in the watermark's
    own second must not be skipped. Seeing the newest order again is harmless, ingestion is idempotent.
    """
    if updated_since is None:
        return SYNC_SEARCH
    if updated_since.tzinfo is None:
        raise ValueError("updated_since must be an aware datetime")
    stamp = updated_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{SYNC_SEARCH} updated_at:>='{stamp}'"


def operation_name(document: str) -> str:
    """The operation name of a document (`query Shop {…}` → `Shop`): the pacing key of its cost."""
    for line in document.splitlines():
        words = line.strip().replace("(", " ").replace("{", " ").split()
        if len(words) >= 2 and words[0] in ("query", "mutation"):
            return words[1]
    return "anonymous"
