"""What the sandbox supplier keeps in its state file (when it has one): enough to carry on after a restart.

Faults and the per-second call budget are left out on purpose: they are an operator's passing settings,
and a restart is a fine moment to clear them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ordercenter.sandbox.aliexpress import records as r
from ordercenter.sandbox.aliexpress.tokens import TokenLedger


@dataclass
class SupplierState:
    #: The app's credentials and the demo account's token: Order Center's supplier account holds them.
    app_key: str
    app_secret: str
    access_token: str
    orders: dict[str, r.OrderRecord]
    #: out_order_id → (when it was first used, the orders made under it): the repeat guard.
    out_order_ids: dict[str, tuple[datetime, list[str]]]
    next_order_number: int
    #: product id → SKU id → units in stock (the rest of the catalogue is fixed).
    stock: dict[str, dict[str, int]]
    cancellations: dict[str, r.CancellationRecord]
    disputes: dict[str, r.DisputeRecord]
    messages: list[r.MessageRecord]
    next_after_sale_id: int
    seller_silent: bool
    #: How far the operator moved the supplier's clock ahead of the demo's.
    clock_offset: timedelta
    tokens: TokenLedger
