"""Demo product ids, addresses and placement requests shared by the AliExpress tests."""

from __future__ import annotations

from collections.abc import Callable

from ordercenter.adapters.aliexpress import AliExpressClient
from ordercenter.adapters.ports import PlacementItem, PlacementRequest
from ordercenter.domain.addresses import ShippingAddress

CABLE = "1005006000000001"  # gadgets store, free shipping
POWER_BANK = "1005006000000002"  # 20000 mAh SKU not shippable to AU
EARBUDS = "1005006000000003"  # out of stock
MUG = "1005006000000005"  # home store, free shipping from 15 USD
T_SHIRT = "1005006000000008"  # fashion store

ClientFactory = Callable[..., AliExpressClient]


def us_address(**changes: str) -> ShippingAddress:
    fields = {"first_name": "Jane", "last_name": "Doe", "address1": "1600 Amphitheatre Pkwy", "city": "Mountain View",
              "province": "California", "province_code": "CA", "zip": "94043", "country": "United States",
              "country_code": "US", "phone": "+1 650-555-0100"}
    fields.update(changes)
    return ShippingAddress(**fields)


def cable_order(out_order_id: str = "shop1-1001-a1", *, auto_pay: bool = True, quantity: int = 1,
                **address: str) -> PlacementRequest:
    return PlacementRequest(out_order_id=out_order_id, address=us_address(**address), auto_pay=auto_pay,
                            items=[PlacementItem(CABLE, "14:193", quantity, "CAINIAO_STANDARD")])
