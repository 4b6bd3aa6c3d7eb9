"""Planning a supplier purchase for a store order: items per seller, shipping, cost, profit, blockers.

Pure: the service gathers product details and freight quotes from the supplier, this module decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from ordercenter.domain.money import Money


class BlockerKind(StrEnum):
    """Why an order cannot be placed as it stands."""

    UNMAPPED = "unmapped"  # a line has no supplier product
    OUT_OF_STOCK = "out_of_stock"  # not enough stock and no backup with stock
    SKU_NOT_FOUND = "sku_not_found"  # the mapped sku_attr no longer exists at the supplier
    PRODUCT_UNAVAILABLE = "product_unavailable"  # the supplier no longer sells it
    INVALID_ADDRESS = "invalid_address"  # the supplier would reject the address
    SHIPPING_UNAVAILABLE = "shipping_unavailable"  # the seller does not ship there
    NOT_PLACEABLE = "not_placeable"  # not at the to_order stage (unpaid, cancelled, already placed)


@dataclass(frozen=True)
class Blocker:
    kind: BlockerKind
    message: str
    line_item_id: int | None = None


@dataclass(frozen=True)
class ShippingChoice:
    code: str
    company: str
    cost: Money
    min_days: int | None
    max_days: int | None
    tracked: bool
    guaranteed_days: int | None = None


def choose_shipping(options: list[ShippingChoice], preferred: str | None) -> ShippingChoice | None:
    """The mapping's method when offered, else the cheapest tracked option, else the cheapest."""
    if not options:
        return None
    if preferred:
        for option in options:
            if option.code == preferred:
                return option
    tracked = [o for o in options if o.tracked]
    return min(tracked or options, key=lambda o: (o.cost.amount, o.max_days or 999))


@dataclass(frozen=True)
class PlannedItem:
    line_item_id: int
    title: str
    product_id: str
    sku_id: str
    sku_attr: str
    quantity: int  # supplier units (store quantity × units per item)
    unit_cost: Money
    account_id: int  # the supplier account buying it
    seller_id: str
    seller_name: str
    options: tuple[ShippingChoice, ...]
    shipping: ShippingChoice | None
    from_backup: bool = False

    @property
    def cost(self) -> Money:
        return self.unit_cost * self.quantity


@dataclass(frozen=True)
class PlannedGroup:
    """What one seller ships: one supplier order."""

    account_id: int
    seller_id: str
    seller_name: str
    items: tuple[PlannedItem, ...]

    @property
    def group_key(self) -> str:
        """Stable for the same account and seller: part of the idempotency key."""
        return f"a{self.account_id}-s{self.seller_id}"

    @property
    def currency(self) -> str:
        return self.items[0].unit_cost.currency

    @property
    def items_cost(self) -> Money:
        total = Money.zero(self.currency)
        for item in self.items:
            total = total + item.cost
        return total

    @property
    def shipping_cost(self) -> Money:
        total = Money.zero(self.currency)
        for item in self.items:
            if item.shipping is not None:
                total = total + item.shipping.cost
        return total

    @property
    def guaranteed_days(self) -> int | None:
        days = [i.shipping.guaranteed_days for i in self.items if i.shipping and i.shipping.guaranteed_days]
        return max(days) if days else None


def group_by_seller(items: list[PlannedItem]) -> list[PlannedGroup]:
    """One group per supplier account and seller, in the order they first appear."""
    groups: dict[tuple[int, str], list[PlannedItem]] = {}
    names: dict[tuple[int, str], str] = {}
    for item in items:
        key = (item.account_id, item.seller_id)
        groups.setdefault(key, []).append(item)
        names[key] = item.seller_name
    return [PlannedGroup(key[0], key[1], names[key], tuple(group)) for key, group in groups.items()]


@dataclass(frozen=True)
class OrderPlan:
    order_id: int
    order_name: str
    groups: tuple[PlannedGroup, ...]
    blockers: tuple[Blocker, ...]
    sale_total: Money
    packaging_note: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def placeable(self) -> bool:
        return not self.blockers and bool(self.groups)

    @property
    def supplier_cost(self) -> Money | None:
        if not self.groups:
            return None
        currency = self.groups[0].currency
        if any(g.currency != currency for g in self.groups):
            return None
        total = Money.zero(currency)
        for group in self.groups:
            total = total + group.items_cost + group.shipping_cost
        return total

    @property
    def expected_profit(self) -> Money | None:
        """Sale price minus supplier cost; None when they are in different currencies (no guessed rate)."""
        cost = self.supplier_cost
        if cost is None or cost.currency != self.sale_total.currency:
            return None
        return self.sale_total - cost


def supplier_address_problems(country_code: str, full_name: str, tax_number: str | None = None) -> list[str]:
    """Rules suppliers add on top of a complete address (AliExpress: US names need 2–32 characters
    on each side of the space; Brazil needs the recipient's CPF for customs)."""
    if country_code.upper() == "BR" and not tax_number:
        return ["Brazil needs the recipient's CPF (tax number): add it to the order's company field"]
    if country_code.upper() == "US":
        first, _, last = full_name.strip().partition(" ")
        if not (2 <= len(first) <= 32 and 2 <= len(last.strip()) <= 32):
            return ["the recipient needs a first and last name of 2 to 32 characters each"]
    return []


# A claim without an answer this long is presumed interrupted (its process died mid-call) and is
# looked up at the supplier before anything is sent again.
CLAIM_PRESUMED_INTERRUPTED = timedelta(minutes=2)
# While the supplier cannot be asked, the look-up is retried this long before a person is asked to
# check: long enough for a brief supplier outage to pass, short enough to act the same hour.
UNCONFIRMED_CLAIM_ATTENTION_AFTER = timedelta(minutes=30)


def unconfirmed_claim_needs_attention(claimed_at: datetime, now: datetime,
                                      after: timedelta = UNCONFIRMED_CLAIM_ATTENTION_AFTER) -> bool:
    """An interrupted claim the supplier still cannot be asked about is a person's job once `after` has passed."""
    return now >= claimed_at + after


def unconfirmed_claim_message(out_order_id: str, seller_name: str, claimed_at: datetime, supplier_words: str) -> str:
    """What the merchant reads: why nothing is known, and what to look for at the supplier before placing again."""
    seller = f" with {seller_name}" if seller_name else ""
    return (f"placing the purchase{seller} was interrupted on {claimed_at:%Y-%m-%d %H:%M} UTC and the supplier "
            f"could not be asked whether it arrived ({supplier_words}): look in your AliExpress order list for "
            f"an order with the note or out-order-id '{out_order_id}' before placing it again")
