"""The demo's after-sale day: a few orders in each after-sale state, made the way a merchant makes them.

Each story drives the sandbox store and supplier like their operators would (a customer orders, the seller
ships, refuses, refunds) and Order Center through its own REST API with the demo's token, so what the demo
shows is what the product does: cancellations pending, approved and refused; return/refund requests under
review, awaiting the return parcel and refunded; customer refund requests new and answered; a seller who
does not answer; an order cancelled on the store after the supplier shipped it.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from ordercenter.sandbox.aliexpress import SandboxSupplier
from ordercenter.sandbox.shopify import SandboxStore
from ordercenter.sandbox.shopify.catalog import VARIANTS_BY_ID
from ordercenter.sandbox.shopify.order_builder import NewLine, NewOrder
from ordercenter.sandbox.shopify.records import Address, Customer

log = logging.getLogger(__name__)

SIMPLE_VARIANT = 81_000_000_011  # mapped in the demo to one product of one seller

_CUSTOMERS = [("Amélie", "Laurent", "FR", "Paris", "8 Rue Oberkampf", "75011"),
              ("Jonas", "Becker", "DE", "Berlin", "Torstraße 12", "10119"),
              ("Lucía", "Romero", "ES", "Madrid", "Calle de Atocha 27", "28012"),
              ("Noah", "Williams", "GB", "London", "14 Camden High St", "NW1 0JH"),
              ("Emma", "Jansen", "NL", "Amsterdam", "Prinsengracht 263", "1016 GV"),
              ("Chiara", "Russo", "IT", "Milano", "Via Torino 51", "20123"),
              ("Olivia", "Peeters", "BE", "Bruxelles", "Rue Neuve 30", "1000"),
              ("Mateo", "Gruber", "AT", "Wien", "Kärntner Straße 12", "1010"),
              ("Sofia", "Nowak", "PL", "Warszawa", "ul. Chmielna 33", "00-021"),
              ("Lea", "Meyer", "DE", "Hamburg", "Spitalerstraße 9", "20095")]


def sample_photo(width: int = 96, height: int = 64) -> bytes:
    """A real PNG (a brown parcel on white): what a customer's photo of a damaged box stands for."""
    rows = b"".join(b"\x00" + b"".join(
        bytes((150, 100, 50)) if width // 4 < x < 3 * width // 4 and height // 4 < y < 3 * height // 4
        else b"\xff\xff\xff" for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@dataclass
class _Story:
    api: httpx.Client
    store: SandboxStore
    supplier: SandboxSupplier
    shop_domain: str
    order_id_of: Callable[[int], int | None]
    made: int = 0

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.api.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body

    def placed(self, *, paid: bool = True, shipped: bool = False, delivered: bool = False) -> tuple[int, int, str]:
        """A customer's order of one item, placed with the supplier: (order id, supplier order id, its number)."""
        first, last, country, city, street, zip_code = _CUSTOMERS[self.made % len(_CUSTOMERS)]
        self.made += 1
        variant = VARIANTS_BY_ID[SIMPLE_VARIANT]
        email = f"{first.lower()}.{last.lower()}@example.com".replace("é", "e").replace("í", "i")
        made = self.store.create_order(self.shop_domain, NewOrder(
            lines=[NewLine(title=variant.product_title, quantity=1, price=variant.price, sku=variant.sku,
                           variant_id=variant.id, product_id=variant.product_id, variant_title=variant.title,
                           vendor=variant.vendor)],
            presentment_currency="USD", email=email,
            customer=Customer(id=70_000 + self.made, first_name=first, last_name=last, email=email),
            shipping_address=Address(first_name=first, last_name=last, address1=street, city=city, zip=zip_code,
                                     country=country, country_code=country, phone="+441234567890"),
            shipping_price=Decimal("3.99")))
        self.store.wait_idle(20)
        order_id = self.order_id_of(made.id)
        if order_id is None:
            raise RuntimeError(f"store order {made.id} did not arrive")
        self.call("POST", "/placements", json={"orders": [{"order_id": order_id}]})
        [so] = self.call("GET", f"/orders/{order_id}")["supplier_orders"]
        if paid:
            self.call("POST", f"/supplier-orders/{so['id']}/pay")
        if shipped or delivered:
            self.supplier.ship(so["supplier_order_id"], carrier="Cainiao")
            self.call("POST", f"/supplier-orders/{so['id']}/refresh")
        if delivered:
            self.supplier.deliver(so["supplier_order_id"])
            self.call("POST", f"/supplier-orders/{so['id']}/refresh")
        return order_id, int(so["id"]), str(so["supplier_order_id"])

    def open_return(self, so_id: int, kind: str, reason: str, amount: str, text: str) -> dict[str, Any]:
        return self.call("POST", f"/supplier-orders/{so_id}/returns",
                         data={"kind": kind, "reason": reason, "amount": amount, "description": text},
                         files=[("evidence", ("parcel.png", sample_photo(), "image/png"))])

    def dispute_of(self, number: str) -> str:
        _, disputes, _ = self.supplier.after_sale_of(number)
        return disputes[-1].dispute_id


def _cancellations(s: _Story) -> None:
    # Approved at once (unpaid): the order goes back to To order, to be placed again.
    _, so_id, _ = s.placed(paid=False)
    s.call("POST", f"/supplier-orders/{so_id}/cancellation", json={"reason": "price_changed"})
    # Pending: the seller takes two days to decide a paid order.
    s.supplier.config.cancel_decision_delay = timedelta(days=2)
    _, so_id, _ = s.placed(paid=True)
    s.call("POST", f"/supplier-orders/{so_id}/cancellation",
           json={"reason": "customer_changed_mind", "then": "cancel_on_store"})
    # Refused: the seller shipped before deciding.
    _, so_id, number = s.placed(paid=True)
    request = s.call("POST", f"/supplier-orders/{so_id}/cancellation", json={"reason": "shipping_too_slow"})
    s.supplier.ship(number, carrier="Cainiao")
    s.supplier.decide_cancellation(str(request["supplier_request_id"]))
    s.call("POST", f"/supplier-orders/{so_id}/refresh")
    s.supplier.config.cancel_decision_delay = timedelta(0)


def _returns(s: _Story) -> None:
    _, so_id, _ = s.placed(delivered=True)
    s.open_return(so_id, "refund_only", "damaged", "5.00", "The box arrived crushed and the holder is cracked.")
    _, so_id, number = s.placed(delivered=True)
    s.open_return(so_id, "return_and_refund", "not_as_described", "7.00", "Silver was ordered, black arrived.")
    s.supplier.decide_dispute(s.dispute_of(number), True, note="Please send it back")
    s.call("POST", f"/supplier-orders/{so_id}/refresh")
    _, so_id, number = s.placed(delivered=True)
    s.open_return(so_id, "refund_only", "not_received", "6.50", "Tracking stopped two weeks ago.")
    dispute = s.dispute_of(number)
    s.supplier.decide_dispute(dispute, True, note="Sorry for the trouble")
    s.supplier.refund_dispute(dispute)
    s.call("POST", f"/supplier-orders/{so_id}/refresh")


def _customers(s: _Story) -> None:
    order_id, _, _ = s.placed(shipped=True)
    s.call("POST", f"/orders/{order_id}/customer-refunds",
           json={"message": "Hi, the parcel is late and I need it for a birthday on Friday. Can I get a refund?"})
    order_id, _, _ = s.placed(delivered=True)
    request = s.call("POST", f"/orders/{order_id}/customer-refunds",
                     json={"message": "The holder does not fit my car's vent. I would like my money back.",
                           "amount": "10.00"})
    s.call("POST", f"/customer-refunds/{request['id']}/reply", json={})
    s.call("POST", f"/customer-refunds/{request['id']}/refund", json={"amount": "10.00"})


def _messages_and_store_cancel(s: _Story) -> None:
    _, so_id, _ = s.placed(shipped=True)
    s.supplier.set_silent(True)
    s.call("POST", f"/supplier-orders/{so_id}/messages", json={"template": "tracking_not_updating"})
    s.supplier.set_silent(False)
    _, so_id, _ = s.placed(shipped=True)
    s.call("POST", f"/supplier-orders/{so_id}/messages", json={"template": "custom_packaging_request"})
    # Cancelled on the store after the seller shipped: flagged until a return/refund request is opened.
    order_id, so_id, _ = s.placed(shipped=True)
    store_id = int(s.call("GET", f"/orders/{order_id}")["platform_order_id"])
    s.store.cancel_order(s.shop_domain, store_id)
    s.store.wait_idle(20)


def seed_after_sale(api: httpx.Client, store: SandboxStore, supplier: SandboxSupplier, shop_domain: str,
                    order_id_of: Callable[[int], int | None]) -> list[str]:
    """Play every story; one that fails is logged and the others still run. Returns the failures."""
    story = _Story(api, store, supplier, shop_domain, order_id_of)
    failures = []
    for name, play in (("cancellations", _cancellations), ("returns", _returns), ("customer refunds", _customers),
                       ("messages", _messages_and_store_cancel)):
        try:
            play(story)
        except Exception as error:  # noqa: BLE001  (the demo stays usable without one story)
            log.warning("demo after-sale story '%s' failed: %s", name, error)
            failures.append(f"{name}: {error}")
    return failures
