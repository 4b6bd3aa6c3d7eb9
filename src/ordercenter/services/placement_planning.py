"""Preview before placing: what each order would become at the supplier, and why it could not."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ordercenter.adapters.ports import (
    FreightOption,
    SupplierError,
    SupplierErrorKind,
    SupplierPlatform,
    SupplierProduct,
)
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.mappings import ProductMapping, choose_mapping
from ordercenter.domain.money import Money
from ordercenter.domain.orders import Order
from ordercenter.domain.packaging import effective_preferences, packaging_memo
from ordercenter.domain.placement import (
    Blocker,
    BlockerKind,
    OrderPlan,
    PlannedItem,
    choose_shipping,
    group_by_seller,
    supplier_address_problems,
)
from ordercenter.domain.status import AttentionReason, Stage
from ordercenter.services.uow import UnitOfWork

# Resolves a supplier account id (None: the shop's default account) to its client.
SupplierResolver = Callable[[int | None], tuple[int, SupplierPlatform]]

MAX_ORDERS_PER_PREVIEW = 500


@dataclass(frozen=True)
class PlacementOptions:
    """What the merchant chose in the preview."""

    shipping: dict[int, str] = field(default_factory=dict)  # line item id → shipping method code
    use_backup: bool = False  # place with the backup supplier product


@dataclass
class SupplierCache:
    """Product details and quotes fetched once per bulk action, however many orders share a product.

    Stock read once would go stale as the action places orders, so each placement takes its quantities
    off the cached stock (`consume`); the supplier still has the last word when the order is created.
    """

    products: dict[tuple[int, str, str], SupplierProduct | SupplierError] = field(default_factory=dict)
    quotes: dict[tuple[int, str, str, int, str], list[FreightOption] | SupplierError] = field(default_factory=dict)

    def product(self, account: int, supplier: SupplierPlatform, product_id: str, country: str
                ) -> SupplierProduct | SupplierError:
        key = (account, product_id, country)
        if key not in self.products:
            try:
                self.products[key] = supplier.get_product(product_id, country)
            except SupplierError as error:
                self.products[key] = error
        return self.products[key]

    def consume(self, account: int, product_id: str, sku_attr: str, quantity: int) -> None:
        for key, product in list(self.products.items()):
            if key[0] != account or key[1] != product_id or isinstance(product, SupplierError):
                continue
            skus = [replace(sku, stock=sku.stock - quantity) if sku.sku_attr == sku_attr else sku
                    for sku in product.skus]
            self.products[key] = replace(product, skus=skus)

    def freight(self, account: int, supplier: SupplierPlatform, product_id: str, sku_id: str, quantity: int,
                country: str) -> list[FreightOption] | SupplierError:
        key = (account, product_id, sku_id, quantity, country)
        if key not in self.quotes:
            try:
                self.quotes[key] = supplier.quote_freight(product_id, sku_id, quantity, country)
            except SupplierError as error:
                self.quotes[key] = error
        return self.quotes[key]


@dataclass(frozen=True)
class _Candidate:
    product_id: str
    sku_attr: str
    shipping_method: str | None
    backup: bool


def _candidates(mapping: ProductMapping, use_backup: bool) -> list[_Candidate]:
    primary = _Candidate(mapping.supplier_product_id, mapping.sku_attr, mapping.shipping_method, False)
    backup = (_Candidate(mapping.backup_supplier_product_id, mapping.backup_sku_attr or "",
                         mapping.backup_shipping_method, True)
              if mapping.backup_supplier_product_id else None)
    if use_backup and backup:
        return [backup]
    return [primary, backup] if backup else [primary]


def _plan_line(cache: SupplierCache, resolve: SupplierResolver, mapping: ProductMapping, line_id: int,
               title: str, quantity: int, country: str, options: PlacementOptions
               ) -> tuple[PlannedItem | None, Blocker | None]:
    """The first candidate (primary, then backup) that exists, has stock and ships to the country."""
    account_id, supplier = resolve(mapping.supplier_account_id)
    units = quantity * mapping.units_per_item
    reasons: list[Blocker] = []
    for candidate in _candidates(mapping, options.use_backup):
        product = cache.product(account_id, supplier, candidate.product_id, country)
        if isinstance(product, SupplierError):
            kind = BlockerKind.SHIPPING_UNAVAILABLE if product.kind is SupplierErrorKind.DELIVERY_NOT_AVAILABLE \
                else BlockerKind.PRODUCT_UNAVAILABLE
            reasons.append(Blocker(kind, f"{title}: {product.message}", line_id))
            continue
        sku = next((s for s in product.skus if s.sku_attr == candidate.sku_attr), None)
        if sku is None:
            reasons.append(Blocker(BlockerKind.SKU_NOT_FOUND, f"{title}: the supplier has no variant "
                                   f"'{candidate.sku_attr or 'default'}' of product {candidate.product_id}", line_id))
            continue
        if sku.stock < units:
            reasons.append(Blocker(BlockerKind.OUT_OF_STOCK, f"{title}: {sku.stock} in stock at the supplier, "
                                   f"{units} needed", line_id))
            continue
        quotes = cache.freight(account_id, supplier, product.product_id, sku.sku_id, units, country)
        if isinstance(quotes, SupplierError) or not quotes:
            words = quotes.message if isinstance(quotes, SupplierError) else f"no shipping to {country}"
            reasons.append(Blocker(BlockerKind.SHIPPING_UNAVAILABLE, f"{title}: {words}", line_id))
            continue
        choices = tuple(quotes)
        shipping = choose_shipping(list(choices), options.shipping.get(line_id) or candidate.shipping_method)
        return PlannedItem(line_item_id=line_id, title=title, product_id=product.product_id, sku_id=sku.sku_id,
                           sku_attr=sku.sku_attr, quantity=units, unit_cost=sku.price, account_id=account_id,
                           seller_id=product.seller_id, seller_name=product.seller_name,
                           options=choices, shipping=shipping, from_backup=candidate.backup), None
    # Out of stock with a backup that also fails reads better as the primary's reason plus the backup's.
    message = "; ".join(r.message for r in reasons) + ("" if len(reasons) < 2 else " (backup tried)")
    return None, Blocker(reasons[0].kind, message, line_id)


# Blocked orders that placing again is the remedy for: a refusal to retry, a supplier cancellation to reorder.
_RETRYABLE = frozenset({AttentionReason.PLACEMENT_FAILED, AttentionReason.SUPPLIER_CANCELLED})


def _may_place(order: Order) -> bool:
    if order.stage is Stage.TO_ORDER:
        return True
    return order.stage is Stage.NEEDS_ATTENTION and order.attention_reason in _RETRYABLE


def plan_order(uow: UnitOfWork, resolve: SupplierResolver, order: Order, options: PlacementOptions,
               cache: SupplierCache | None = None) -> OrderPlan:
    """The plan for one order (its items per seller with shipping and cost), or the reasons it is blocked."""
    cache = cache or SupplierCache()
    sale = Money(order.total_price, order.currency)
    blockers: list[Blocker] = []
    address = order.shipping_address
    country = address.country_code.upper() if address else ""
    if address is None or address.problems():
        problems = address.problems() if address else ["shipping address is missing"]
        blockers.append(Blocker(BlockerKind.INVALID_ADDRESS, "; ".join(problems)))
    elif problems := supplier_address_problems(country, address.full_name, address.tax_number):
        blockers.append(Blocker(BlockerKind.INVALID_ADDRESS, "; ".join(problems)))
    with uow:
        variant_ids = {line.variant_id for line in order.lines if line.variant_id}
        mappings = uow.mappings.for_variants(order.shop_id, variant_ids)
        prefs = uow.packaging.for_shop(order.shop_id)
    items: list[PlannedItem] = []
    for line in order.lines:
        if line.quantity <= 0:
            continue
        mapping = choose_mapping([m for m in mappings if m.variant_id == line.variant_id], country)
        if mapping is None:
            blockers.append(Blocker(BlockerKind.UNMAPPED, f"{line.title}: no supplier product", line.id))
            continue
        if not country:
            continue
        item, blocker = _plan_line(cache, resolve, mapping, line.id, line.title, line.quantity, country, options)
        if blocker:
            blockers.append(blocker)
        if item:
            items.append(item)
    if not _may_place(order) and not (order.stage is Stage.NEEDS_ATTENTION and blockers):
        # Unpaid, cancelled or already placed is the reason itself; a needs_attention stage only repeats
        # what the other blockers already say, unless nothing else explains it.
        detail = f" ({order.attention_detail})" if order.attention_detail else ""
        blockers.insert(0, Blocker(BlockerKind.NOT_PLACEABLE, f"{order.name} is at stage {order.stage.value}{detail}"))
    blockers = list({b.message: b for b in blockers}.values())  # a product on two lines is named once
    groups = tuple(group_by_seller(items))
    memo = packaging_memo(effective_preferences(list(prefs), groups[0].account_id if groups else None))
    return OrderPlan(order.id, order.name, groups, tuple(blockers), sale, memo)


def preview_orders(uow: UnitOfWork, resolve: SupplierResolver, *, shop_id: int, order_ids: Sequence[int],
                   options: dict[int, PlacementOptions] | None = None) -> list[OrderPlan]:
    """Plans for a selection of orders; each order's blockers are listed, none stops the others."""
    if not order_ids:
        raise InvalidInput("choose at least one order", field="order_ids")
    if len(order_ids) > MAX_ORDERS_PER_PREVIEW:
        raise InvalidInput(f"at most {MAX_ORDERS_PER_PREVIEW} orders at a time", field="order_ids")
    cache = SupplierCache()
    plans = []
    for order_id in order_ids:
        with uow:
            order = uow.orders.get(shop_id, order_id)
        if order is None:
            raise NotFound(f"no order with id {order_id}", field="order_ids")
        plans.append(plan_order(uow, resolve, order, (options or {}).get(order_id, PlacementOptions()), cache))
    return plans
