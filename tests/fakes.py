"""In-memory fakes of the ports that remember every call and can be told to fail the next one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ordercenter.adapters.ports import (
    AfterSaleAction,
    FreightOption,
    FulfillmentLine,
    OrderPage,
    PlacementRequest,
    PlacementResult,
    StoreError,
    StoreShopInfo,
    SupplierError,
    SupplierErrorKind,
    SupplierOrderState,
    SupplierProduct,
    TrackingInfo,
    TrackingPackage,
)
from ordercenter.domain.money import Money
from ordercenter.domain.snapshots import OrderSnapshot


@dataclass
class FakeSupplier:
    """A supplier whose orders' status and packages the test sets; `calls` lists (method, order id)."""

    orders: dict[str, SupplierOrderState] = field(default_factory=dict)
    packages: dict[str, list[TrackingPackage]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    fail_next: SupplierError | None = None

    def set(self, order_id: str, status: str, *, logistics: str | None = None, end_reason: str | None = None,
            paid_at: datetime | None = None, pay_deadline: datetime | None = None) -> None:
        self.orders[order_id] = SupplierOrderState(order_id, status, logistics, None, end_reason, paid_at,
                                                   pay_deadline=pay_deadline)

    def _maybe_fail(self) -> None:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    @property
    def capabilities(self) -> frozenset[AfterSaleAction]:
        return frozenset()

    def get_product(self, product_id: str, ship_to_country: str) -> SupplierProduct:
        raise NotImplementedError

    def quote_freight(self, product_id: str, sku_id: str, quantity: int,
                      ship_to_country: str) -> list[FreightOption]:
        raise NotImplementedError

    def place_order(self, request: PlacementRequest) -> PlacementResult:
        raise NotImplementedError

    def find_orders_by_out_order_id(self, out_order_id: str) -> list[str] | None:
        return None

    def get_order(self, supplier_order_id: str) -> SupplierOrderState:
        self.calls.append(("get_order", supplier_order_id))
        self._maybe_fail()
        if supplier_order_id not in self.orders:
            raise SupplierError(SupplierErrorKind.ORDER_NOT_FOUND, f"no order {supplier_order_id}")
        return self.orders[supplier_order_id]

    def get_tracking(self, supplier_order_id: str) -> list[TrackingPackage]:
        self.calls.append(("get_tracking", supplier_order_id))
        self._maybe_fail()
        return list(self.packages.get(supplier_order_id, []))


@dataclass
class Fulfilment:
    order_gid: str
    lines: list[FulfillmentLine]
    tracking: TrackingInfo
    notify_customer: bool


@dataclass
class FakeStore:
    """A store that keeps the fulfilments made and the tracking updates asked for."""

    fulfilments: dict[str, Fulfilment] = field(default_factory=dict)
    updates: list[tuple[str, TrackingInfo, bool]] = field(default_factory=list)
    fail_next: StoreError | None = None

    def _maybe_fail(self) -> None:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    def fetch_shop(self) -> StoreShopInfo:
        return StoreShopInfo(name="Fake", currency="EUR")

    def iter_order_pages(self, *, updated_since: datetime | None) -> Iterator[OrderPage]:
        return iter(())

    def create_fulfillment(self, order_gid: str, lines: list[FulfillmentLine], tracking: TrackingInfo,
                           *, notify_customer: bool) -> str:
        self._maybe_fail()
        fulfillment_id = f"gid://shopify/Fulfillment/{len(self.fulfilments) + 1}"
        self.fulfilments[fulfillment_id] = Fulfilment(order_gid, lines, tracking, notify_customer)
        return fulfillment_id

    def update_tracking(self, fulfillment_id: str, tracking: TrackingInfo, *, notify_customer: bool) -> None:
        self._maybe_fail()
        self.updates.append((fulfillment_id, tracking, notify_customer))
        self.fulfilments[fulfillment_id].tracking = tracking

    def refund(self, order_gid: str, lines: list[FulfillmentLine], shipping: Money | None, note: str,
               *, notify_customer: bool) -> str:
        raise NotImplementedError

    def refund_amount(self, order_gid: str, amount: Money, note: str, *, notify_customer: bool,
                      key: str | None = None) -> str:
        raise NotImplementedError

    def cancel_order(self, order_gid: str, *, reason: str, refund: bool, restock: bool, notify_customer: bool,
                     staff_note: str) -> None:
        raise NotImplementedError

    def duplicate_order(self, original: OrderSnapshot, *, tag: str, note: str) -> OrderSnapshot:
        raise NotImplementedError

    def register_webhooks(self, callback_url: str, topics: list[str]) -> None:
        return None
