"""`SandboxSupplier`: the in-memory, thread-safe state of the sandbox AliExpress platform.

The HTTP layer (`app.py`) turns signed requests into calls here; tests and the demo may call the
operator methods directly (pay, ship, deliver, decide, refund, go silent, advance the clock, inject
faults). Time-based changes (pay timeouts, delayed seller decisions and replies) are applied lazily,
at the start of every call, from the sandbox clock.
"""

from __future__ import annotations

import copy
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ordercenter.sandbox.aliexpress import records as r
from ordercenter.sandbox.aliexpress.after_sale import AfterSaleDesk
from ordercenter.sandbox.aliexpress.catalog import (
    FreightQuote,
    Product,
    Sku,
    demo_catalog,
    freight_quotes,
    shipping_fee,
)
from ordercenter.sandbox.aliexpress.clock import SandboxClock
from ordercenter.sandbox.aliexpress.config import SandboxConfig
from ordercenter.sandbox.aliexpress.faults import FaultKind, FaultPlan
from ordercenter.sandbox.aliexpress.saved_state import SupplierState
from ordercenter.sandbox.aliexpress.tokens import TokenDesk
from ordercenter.sandbox.state_file import SavingLock, StateFile

_ADDRESS_REQUIRED = [("address", "Please enter a street address"), ("city", "Please enter a city"),
                     ("province", "Please enter a province/state"), ("country", "Please select a country")]
_NO_ZIP = frozenset({"IE", "HK", "AE"})
_FIRST_ORDER_NUMBER, _ORDER_NUMBER_STEP = 8198352049851315, 7919


def _fail(code: str, message: str) -> r.SandboxApiError:
    return r.SandboxApiError(code, message)


class SandboxSupplier(AfterSaleDesk):
    def __init__(self, config: SandboxConfig | None = None, clock: SandboxClock | None = None) -> None:
        self.config = config or SandboxConfig()
        self.clock = clock or SandboxClock()
        self._lock = SavingLock()
        self._catalog = demo_catalog()
        self._orders = {}
        self._by_out_order_id: dict[str, tuple[datetime, list[str]]] = {}
        self._next_order_number = _FIRST_ORDER_NUMBER
        self._state_file = StateFile(self.config.state_file, SupplierState) if self.config.state_file else None
        saved = self._state_file.load() if self._state_file is not None else None
        if saved is not None:  # before the tokens: the demo grant is the saved access token
            self.config.app_key, self.config.app_secret = saved.app_key, saved.app_secret
            self.config.access_token = saved.access_token
        self.tokens = TokenDesk(self.config, self.clock, lock=self._lock)
        self.faults = FaultPlan()
        self._init_after_sale()
        if saved is not None:
            self._restore(saved)
        if self._state_file is not None:
            self._lock.save = self._save
            with self._lock:  # the file exists from the start
                pass

    def credentials(self) -> dict[str, str]:
        return self.config.credentials()

    # ------------------------------------------------------------ the state file (the demo's; none in tests)

    def _restore(self, saved: SupplierState) -> None:
        self._orders = dict(saved.orders)
        self._by_out_order_id = dict(saved.out_order_ids)
        self._next_order_number = saved.next_order_number
        for product_id, skus in saved.stock.items():
            for sku_id, units in skus.items():
                sku = self._catalog[product_id].sku_by_id(sku_id) if product_id in self._catalog else None
                if sku is not None:
                    sku.stock = units
        self._cancellations, self._disputes = dict(saved.cancellations), dict(saved.disputes)
        self._messages, self._next_id = list(saved.messages), saved.next_after_sale_id
        self.config.seller_silent = saved.seller_silent
        self.clock.advance(saved.clock_offset)
        self.tokens.restore(saved.tokens)

    def _save(self) -> None:
        assert self._state_file is not None
        self._state_file.save(SupplierState(
            app_key=self.config.app_key, app_secret=self.config.app_secret, access_token=self.config.access_token,
            orders=self._orders, out_order_ids=self._by_out_order_id, next_order_number=self._next_order_number,
            stock={p.product_id: {sku.sku_id: sku.stock for sku in p.skus} for p in self._catalog.values()},
            cancellations=self._cancellations, disputes=self._disputes, messages=self._messages,
            next_after_sale_id=self._next_id, seller_silent=self.config.seller_silent,
            clock_offset=self.clock.offset, tokens=self.tokens.ledger()))

    # ------------------------------------------------------------ time

    def _tick(self) -> datetime:
        now = self.clock.now()
        for order in self._orders.values():
            if order.status == r.PLACE_ORDER_SUCCESS and order.pay_deadline <= now:
                order.status, order.end_reason, order.finished_at = r.FINISH, r.END_PAY_TIMEOUT, order.pay_deadline
                self._restock(order)
        self._tick_after_sale(now)
        return now

    def advance_clock(self, delta: timedelta) -> datetime:
        """Operator: move the sandbox's time forward and apply whatever fell due."""
        with self._lock:
            self.clock.advance(delta)
            return self._tick()

    # ------------------------------------------------------------ catalogue

    def product(self, product_id: str, country: str) -> Product:
        with self._lock:
            product = self._catalog.get(str(product_id))
            if product is None:
                raise _fail("ITEM_ID_NOT_FOUND", f"Product {product_id} does not exist or is offline")
            if not any(freight_quotes(product, sku, country) for sku in product.skus):
                raise _fail("ITEM_NOT_ALLOWED_TO_COUNTRY", "Item is not allowed to this country")
            return copy.deepcopy(product)

    def freight(self, product_id: str, sku_id: str, country: str) -> tuple[Product, list[FreightQuote]]:
        with self._lock:
            product = self._catalog.get(str(product_id))
            sku = product.sku_by_id(str(sku_id)) if product else None
            if product is None or sku is None:
                raise _fail("DELIVERY_INFO_EMPTY", "No delivery information for this product")
            quotes = freight_quotes(product, sku, country)
            if not quotes:
                raise _fail("DELIVERY_NOT_AVAILABLE_TO_YOUR_ADDRESS", "Delivery is not available to your address")
            return copy.deepcopy(product), quotes

    def set_stock(self, product_id: str, sku_id: str, stock: int) -> None:
        """Operator: change a SKU's available stock."""
        with self._lock:
            sku = self._catalog[product_id].sku_by_id(sku_id)
            if sku is None:
                raise KeyError(sku_id)
            sku.stock = stock

    # ------------------------------------------------------------ placing

    def create_order(self, request: dict[str, Any], extend: dict[str, Any] | None = None) -> list[str]:
        """`aliexpress.ds.order.create`: validate, hold stock, one order per store. Returns the order ids."""
        with self._lock:
            now = self._tick()
            out_order_id = str(request.get("out_order_id") or "")
            previous = self._by_out_order_id.get(out_order_id) if out_order_id else None
            if previous is not None and now - previous[0] < self.config.repeat_window:
                raise _fail("REPEATED_ORDER_ERROR",
                            f"The order for out_order_id {out_order_id} has already been created")
            address = self._checked_address(request.get("logistics_address"))
            lines = self._checked_lines(request.get("product_items"), address["country"])
            by_store: dict[str, list[tuple[Product, Sku, r.LineRecord]]] = defaultdict(list)
            for product, sku, line in lines:
                by_store[product.store.store_id].append((product, sku, line))
            payment = (extend or {}).get("payment") or {}
            pays_now = str(payment.get("try_to_pay", "")).lower() == "true" and self.config.auto_pay_enabled
            order_ids = []
            for entries in by_store.values():
                store = entries[0][0].store
                number, self._next_order_number = self._next_order_number, self._next_order_number + _ORDER_NUMBER_STEP
                order = r.OrderRecord(
                    order_id=str(number), out_order_id=out_order_id, store_id=store.store_id,
                    store_name=store.name, address=address, lines=[line for _, _, line in entries],
                    created_at=now, pay_deadline=now + self.config.pay_timeout)
                for _, sku, line in entries:
                    sku.stock -= line.quantity
                if pays_now:
                    self._mark_paid(order, now)
                self._orders[order.order_id] = order
                order_ids.append(order.order_id)
            if out_order_id:
                self._by_out_order_id[out_order_id] = (now, order_ids)
            return order_ids

    def _checked_address(self, raw: object) -> dict[str, str]:
        address = {str(k): str(v).strip() for k, v in raw.items()} if isinstance(raw, dict) else {}
        for field, message in _ADDRESS_REQUIRED:
            if not address.get(field):
                raise _fail("B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL", message)
        address["country"] = address["country"].upper()
        name = address.get("contact_person") or address.get("full_name") or ""
        parts = name.split(" ", 1)
        if len(parts) != 2 or not all(2 <= len(part.strip()) <= 32 for part in parts):
            raise _fail("B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL",
                        "Please enter the contact person as first and last name, 2-32 characters each")
        if not address.get("zip") and address["country"] not in _NO_ZIP:
            raise _fail("B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL", "Please enter a ZIP/postal code")
        if address["country"] == "BR" and not address.get("cpf"):
            raise _fail("B_DROPSHIPPER_DELIVERY_ADDRESS_CPF_CN_INVALID", "Please enter a valid CPF number")
        return address

    def _checked_lines(self, raw: object, country: str) -> list[tuple[Product, Sku, r.LineRecord]]:
        items = [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
        if not items:
            raise _fail("ERROR_WHEN_BUILD_FOR_PLACE_ORDER", "product_items must list at least one product")
        wanted: dict[str, int] = defaultdict(int)
        lines = []
        for item in items:
            product = self._catalog.get(str(item.get("product_id", "")))
            if product is None:
                raise _fail("ITEM_ID_NOT_FOUND", f"Product {item.get('product_id')} does not exist or is offline")
            sku = product.sku_by_attr(str(item.get("sku_attr") or ""))
            if sku is None:
                raise _fail("ERROR_WHEN_BUILD_FOR_PLACE_ORDER",
                            f"sku_attr '{item.get('sku_attr')}' matches no SKU of product {product.product_id}")
            quantity = int(str(item.get("product_count") or 0))
            if quantity < 1:
                raise _fail("ERROR_WHEN_BUILD_FOR_PLACE_ORDER", "product_count must be at least 1")
            quotes = freight_quotes(product, sku, country)
            if not quotes:
                raise _fail("DELIVERY_NOT_AVAILABLE_TO_YOUR_ADDRESS", "Delivery is not available to your address")
            method = str(item.get("logistics_service_name") or "CAINIAO_STANDARD")
            quote = next((q for q in quotes if q.method.code == method), None)
            if quote is None:
                raise _fail("DELIVERY_METHOD_NOT_EXIST", f"The delivery method {method} does not exist for this item")
            wanted[sku.sku_id] += quantity
            if wanted[sku.sku_id] > sku.stock:
                raise _fail("INVENTORY_HOLD_ERROR", f"Not enough stock for {product.subject} ({sku.stock} left)")
            fee = shipping_fee(quote, sku.price * quantity)
            lines.append((product, sku, r.LineRecord(
                product_id=product.product_id, sku_id=sku.sku_id, sku_attr=sku.sku_attr, title=product.subject,
                quantity=quantity, unit_price=sku.price, shipping_method=method, shipping_fee=fee,
                memo=str(item.get("order_memo") or ""))))
        return lines

    def find_orders(self, out_order_id: str) -> list[str]:
        """The orders created under `out_order_id` (sandbox-only lookup, any age)."""
        with self._lock:
            found = self._by_out_order_id.get(out_order_id)
            return list(found[1]) if found else []

    # ------------------------------------------------------------ reading

    def order(self, order_id: str) -> r.OrderRecord:
        with self._lock:
            self._tick()
            return copy.deepcopy(self._order(order_id))

    def orders(self) -> list[r.OrderRecord]:
        with self._lock:
            self._tick()
            return [copy.deepcopy(order) for order in self._orders.values()]

    # ------------------------------------------------------------ operator: the order's life

    def _mark_paid(self, order: r.OrderRecord, now: datetime) -> None:
        order.paid_at, order.status, order.logistics_status = now, r.WAIT_SELLER_SEND_GOODS, r.LOGISTICS_WAIT_SEND

    def pay(self, order_id: str) -> r.OrderRecord:
        with self._lock:
            now = self._tick()
            order = self._order(order_id)
            if order.status != r.PLACE_ORDER_SUCCESS:
                raise _fail("ORDER_STATUS_ERROR", f"order {order_id} is {order.status}, not awaiting payment")
            self._mark_paid(order, now)
            return copy.deepcopy(order)

    def ship(self, order_id: str, *, carrier: str = "Cainiao", tracking_number: str | None = None,
             items: list[tuple[str, int]] | None = None) -> r.OrderRecord:
        """The seller ships (a pending cancellation is refused: the parcel is gone); `items` (product id,
        quantity) makes this one package of several, listing only those in `package_item_list`."""
        with self._lock:
            now = self._tick()
            order = self._order(order_id)
            shippable = (r.WAIT_SELLER_SEND_GOODS, r.IN_CANCEL, r.WAIT_BUYER_ACCEPT_GOODS)
            if not order.is_paid or order.status not in shippable:
                raise _fail("ORDER_STATUS_ERROR", f"order {order_id} is {order.status} and cannot ship")
            for cancellation in self._cancellations.values():
                if cancellation.order_id == order.order_id and cancellation.outcome == "pending":
                    self._apply_cancellation(cancellation, False, now, "the seller has already shipped the order")
            number = tracking_number or f"LP00{secrets.randbelow(10**12):012d}"
            package = r.PackageRecord(number, carrier, eta=now + timedelta(days=20), nodes=[
                r.TrackingNode(now, "SHIPPED", "The seller has shipped your order"),
                r.TrackingNode(now, "ACCEPTED", f"Accepted by carrier {carrier}")], items=items)
            order.packages.append(package)
            order.status, order.logistics_status, order.shipped_at = r.WAIT_BUYER_ACCEPT_GOODS, r.SELLER_SEND_GOODS, now
            return copy.deepcopy(order)

    def change_tracking(self, order_id: str, old_number: str, new_number: str, carrier: str | None = None) -> None:
        """The seller corrects a package's tracking number (and carrier), as AliExpress sellers sometimes do."""
        with self._lock:
            self._tick()
            order = self._order(order_id)
            package = next((p for p in order.packages if p.tracking_number == old_number), None)
            if package is None:
                raise _fail("ORDER_STATUS_ERROR", f"order {order_id} has no package {old_number}")
            package.tracking_number = new_number
            package.carrier = carrier or package.carrier

    def add_tracking_event(self, order_id: str, description: str, name: str = "IN_TRANSIT") -> None:
        with self._lock:
            now = self._tick()
            order = self._order(order_id)
            if not order.packages:
                raise _fail("ORDER_STATUS_ERROR", f"order {order_id} has not shipped")
            order.packages[-1].nodes.append(r.TrackingNode(now, name, description))

    def deliver(self, order_id: str) -> r.OrderRecord:
        with self._lock:
            now = self._tick()
            order = self._order(order_id)
            if order.shipped_at is None:
                raise _fail("ORDER_STATUS_ERROR", f"order {order_id} has not shipped")
            for package in order.packages:
                package.nodes.append(r.TrackingNode(now, "DELIVERED", "Delivered to the recipient"))
            order.logistics_status, order.delivered_at = r.BUYER_ACCEPT_GOODS, now
            return copy.deepcopy(order)

    def complete(self, order_id: str) -> r.OrderRecord:
        """The buyer confirms receipt (or the confirmation timer runs out): FINISH."""
        with self._lock:
            now = self._tick()
            order = self._order(order_id)
            if order.status != r.WAIT_BUYER_ACCEPT_GOODS:
                raise _fail("ORDER_STATUS_ERROR", f"order {order_id} is {order.status}, not shipped")
            order.status, order.end_reason, order.finished_at = r.FINISH, r.END_BUYER_ACCEPTED, now
            if order.delivered_at is None:
                order.logistics_status, order.delivered_at = r.BUYER_ACCEPT_GOODS, now
            return copy.deepcopy(order)

    def refund(self, order_id: str, amount: Decimal, reason: str = "refund by the platform") -> r.OrderRecord:
        """Operator: a refund outside any dispute (goodwill, platform decision)."""
        with self._lock:
            now = self._tick()
            order = self._order(order_id)
            if amount <= 0 or amount > order.amount - order.refunded:
                raise _fail("REFUND_AMOUNT_INVALID", f"at most {order.amount - order.refunded} can be refunded")
            self._refund(order, amount, reason, now)
            return copy.deepcopy(order)

    def inject_fault(self, kind: FaultKind | str, *, method: str | None = None, times: int = 1,
                     delay: float = 5.0) -> None:
        """Operator: make the next matching call(s) fail; see `faults.py`."""
        self.faults.inject(kind, method=method, times=times, delay=delay)
