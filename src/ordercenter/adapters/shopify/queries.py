"""The Admin GraphQL documents we send (API version 2026-10), and the order search string of the sync.

Each document's operation name is its pacing key: the limiter remembers the last requested cost per name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from textwrap import indent

# Shopify refuses a query whose *requested* cost exceeds 1,000 points, and a connection costs
# 2 + first × (cost of a node): 10 orders × (~15 + lineItems 2 + 15 × 5) ≈ 922. The bucket is then
# refunded down to the *actual* cost, which for typical orders of 1-3 lines is about a quarter of that.
PAGE_SIZE = 10
LINES_PER_ORDER = 15
MORE_LINES_PAGE = 100

# The sync follows `updated_at` alone, whatever the status: an order cancelled, refunded or fulfilled
# while its webhook was lost is corrected by the next sync. Which orders are to be placed is decided on
# import (services/ingestion.py), not by the search.

# What the normalizer reads of a line, and of an order besides its lines (with the refunds made on it,
# which ingestion records); shared by the sync's pages and the bulk query of a backfill.
LINE_ITEM_OWN_FIELDS = """
  id
  sku
  title
  name
  variantTitle
  quantity
  variant { id legacyResourceId }
  product { id legacyResourceId }
  originalUnitPriceSet { shopMoney { amount currencyCode } }
"""

ORDER_OWN_FIELDS = """
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
  tags
  note
  refunds { id note totalRefundedSet { presentmentMoney { amount currencyCode } } }
"""

LINE_ITEM_FIELDS = """
fragment LineItemFields on LineItem {""" + LINE_ITEM_OWN_FIELDS + """}
"""

ORDER_FIELDS = """
fragment OrderFields on Order {""" + ORDER_OWN_FIELDS + """  lineItems(first: 15) {
    pageInfo { hasNextPage endCursor }
    nodes { ...LineItemFields }
  }
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
  $orderId: ID!, $reason: OrderCancelReason!, $refundMethod: OrderCancelRefundMethodInput, $restock: Boolean!,
  $notifyCustomer: Boolean, $staffNote: String
) {
  orderCancel(
    orderId: $orderId, reason: $reason, refundMethod: $refundMethod, restock: $restock,
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


# ---------------------------------------------------------------- bulk queries (a full backfill)

BULK_OPERATION_FIELDS = """
fragment BulkOperationFields on BulkOperation {
  id
  status
  errorCode
  createdAt
  completedAt
  objectCount
  rootObjectCount
  fileSize
  url
  partialDataUrl
}
"""

# groupObjects: children right after their parent in the result, so a reader keeps one order in memory
# (the default is false from 2026-01: Shopify may then write children anywhere in the file).
BULK_OPERATION_RUN_QUERY = """
mutation BulkOperationRunQuery($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { ...BulkOperationFields }
    userErrors { field message code }
  }
}
""" + BULK_OPERATION_FIELDS

# `bulkOperation(id:)` exists from 2026-01; `currentBulkOperation` names only the latest of up to five.
BULK_OPERATION = """
query BulkOperation($id: ID!) {
  bulkOperation(id: $id) { ...BulkOperationFields }
}
""" + BULK_OPERATION_FIELDS

APP_SCOPES = """
query AppScopes {
  currentAppInstallation { accessScopes { handle } }
}
"""


def orders_bulk_query(created_since: datetime | None) -> str:
    """The bulk query of a backfill: every order (or those created since a moment) with its lines nested.

    A bulk query takes no page sizes, Shopify pages it itself; the lines come back as lines of their own
    in the result, each with the `__parentId` of its order.
    """
    search = f'query: "created_at:>=\'{search_stamp(created_since)}\'", ' if created_since is not None else ""
    return ("{\n  orders(" + search + "sortKey: UPDATED_AT) {\n    edges {\n      node {\n"
            + indent(ORDER_OWN_FIELDS.strip("\n"), " " * 6) + "\n        lineItems {\n          edges {\n"
            + "            node {\n" + indent(LINE_ITEM_OWN_FIELDS.strip("\n"), " " * 12)
            + "\n            }\n          }\n        }\n      }\n    }\n  }\n}\n")


def orders_search(updated_since: datetime | None) -> str | None:
    """The sync's search string: every order (None), or with a watermark those updated since it.

    Inclusive (`>=`) because the search compares whole seconds: an order updated later in the watermark's
    own second must not be skipped. Seeing the newest order again is harmless, ingestion is idempotent.
    """
    if updated_since is None:
        return None
    return f"updated_at:>='{search_stamp(updated_since)}'"


def search_stamp(moment: datetime) -> str:
    """A moment as the search syntax takes it: whole seconds, UTC."""
    if moment.tzinfo is None:
        raise ValueError("the moment must be an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def operation_name(document: str) -> str:
    """The operation name of a document (`query Shop {…}` → `Shop`): the pacing key of its cost."""
    for line in document.splitlines():
        words = line.strip().replace("(", " ").replace("{", " ").split()
        if len(words) >= 2 and words[0] in ("query", "mutation"):
            return words[1]
    return "anonymous"
