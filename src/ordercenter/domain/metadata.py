"""Imports every entity so that `Base.metadata` describes the whole schema (migrations, tests)."""

from ordercenter.domain import (  # noqa: F401  (imported for their table definitions)
    access,
    alerts,
    audit,
    cancellations,
    customer_refunds,
    job_runs,
    mappings,
    messages,
    order_counts,
    orders,
    outbox,
    packaging,
    privacy,
    reply_templates,
    returns,
    shops,
    supplier_orders,
    suppliers,
    web_sessions,
    webhooks,
)
from ordercenter.domain.base import Base

metadata = Base.metadata
