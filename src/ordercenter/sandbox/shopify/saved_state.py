"""What the sandbox store keeps in its state file (when it has one): enough to carry on after a restart.

Faults, webhook delivery options, bulk operations and the leaky buckets are left out on purpose: they are
an operator's passing settings or are rebuilt at once, and a restart is a fine moment to clear them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ordercenter.sandbox.shopify.records import Shop
from ordercenter.sandbox.shopify.tokens import TokenLedger

#: `random.getstate()`: (version, the Mersenne Twister's words, the cached gauss value).
RandomState = tuple[int, tuple[int, ...], float | None]


@dataclass
class StoreState:
    #: Every shop with its orders, webhook subscriptions and pasted access token.
    shops: list[Shop]
    #: The next number of each id sequence (orders, line items, …), so ids are never handed out twice.
    next_ids: dict[str, int]
    #: Where the order generator is, so generated customers keep changing after a restart.
    generator: RandomState
    #: The expiring access and refresh tokens handed to installs.
    tokens: TokenLedger
