"""The sandbox supplier's demo catalogue: stores, products with SKUs, and freight per destination.

Prices are USD `Decimal`s. Deliberate awkward cases for demos and tests:
- the "Wireless Earbuds Pro" are out of stock on every SKU;
- the 20000 mAh power bank SKU cannot be shipped to AU or NZ (battery rules), the 10000 mAh one can;
- countries outside `ZONES` are not served by any method;
- CAINIAO_SUPER_ECONOMY is cheap but untracked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Store:
    store_id: str
    name: str


@dataclass
class Sku:
    sku_id: str
    sku_attr: str  # what order create expects, e.g. "14:193;5:100014064"
    properties: list[tuple[str, str]]  # (property name, value name)
    price: Decimal
    stock: int
    blocked_countries: frozenset[str] = frozenset()


@dataclass
class Product:
    product_id: str
    subject: str
    store: Store
    category_id: str
    skus: list[Sku]
    free_shipping: bool = False  # CAINIAO_STANDARD always free
    free_shipping_threshold: Decimal | None = None  # CAINIAO_STANDARD free from this order total

    def sku_by_id(self, sku_id: str) -> Sku | None:
        return next((sku for sku in self.skus if sku.sku_id == sku_id), None)

    def sku_by_attr(self, sku_attr: str) -> Sku | None:
        if not sku_attr and len(self.skus) == 1:
            return self.skus[0]
        return next((sku for sku in self.skus if sku.sku_attr == sku_attr), None)


@dataclass(frozen=True)
class ShippingMethod:
    code: str  # passed back as logistics_service_name
    company: str
    tracked: bool
    fee_by_zone: dict[int, Decimal]
    days_by_zone: dict[int, tuple[int, int]]
    guaranteed_days: int


# Destination → zone: 1 North America, 2 Europe, 3 Oceania and Asia, 4 Latin America.
ZONES: dict[str, int] = {
    "US": 1, "CA": 1,
    "GB": 2, "IE": 2, "DE": 2, "FR": 2, "ES": 2, "IT": 2, "NL": 2, "BE": 2, "AT": 2, "CH": 2, "PL": 2, "SE": 2,
    "AU": 3, "NZ": 3, "JP": 3,
    "BR": 4, "MX": 4, "CL": 4,
}

METHODS: list[ShippingMethod] = [
    ShippingMethod("CAINIAO_STANDARD", "AliExpress Standard Shipping", True,
                   {1: Decimal("4.99"), 2: Decimal("3.99"), 3: Decimal("5.49"), 4: Decimal("6.99")},
                   {1: (10, 18), 2: (8, 15), 3: (12, 20), 4: (20, 40)}, 75),
    ShippingMethod("CAINIAO_PREMIUM", "AliExpress Premium Shipping", True,
                   {1: Decimal("12.50"), 2: Decimal("10.90"), 3: Decimal("13.80"), 4: Decimal("16.40")},
                   {1: (5, 9), 2: (4, 8), 3: (6, 10), 4: (10, 18)}, 45),
    ShippingMethod("CAINIAO_SUPER_ECONOMY", "Cainiao Super Economy", False,
                   {1: Decimal("1.29"), 2: Decimal("0.99"), 3: Decimal("1.49"), 4: Decimal("1.99")},
                   {1: (20, 45), 2: (18, 40), 3: (25, 50), 4: (30, 60)}, 90),
]

_STORES = {
    "gadgets": Store("912000001", "Shenzhen Gadget Hub Store"),
    "home": Store("912000002", "Cozy Home Official Store"),
    "fashion": Store("912000003", "Urban Threads Fashion Store"),
    "outdoor": Store("912000004", "TrailPeak Outdoor Store"),
}


def _sku(product_no: int, no: int, props: list[tuple[str, str, str, str]], price: str, stock: int,
         blocked: frozenset[str] = frozenset()) -> Sku:
    """`props` are (property id, value id, property name, value name)."""
    attr = ";".join(f"{pid}:{vid}" for pid, vid, _, _ in props)
    return Sku(sku_id=f"12000{product_no:04d}{no:04d}", sku_attr=attr,
               properties=[(name, value) for _, _, name, value in props], price=Decimal(price), stock=stock,
               blocked_countries=blocked)


def _color(value_id: str, name: str) -> tuple[str, str, str, str]:
    return ("14", value_id, "Color", name)


def _size(value_id: str, name: str) -> tuple[str, str, str, str]:
    return ("5", value_id, "Size", name)


def demo_catalog() -> dict[str, Product]:
    """A fresh copy of the demo catalogue (stock is mutable state), keyed by product id."""
    gadgets, home, fashion, outdoor = (_STORES[k] for k in ("gadgets", "home", "fashion", "outdoor"))
    products = [
        Product("1005006000000001", "USB-C Fast Charging Cable 2m Braided", gadgets, "200003573", [
            _sku(1, 1, [_color("193", "Black")], "2.35", 500), _sku(1, 2, [_color("29", "White")], "2.35", 320),
        ], free_shipping=True),
        Product("1005006000000002", "Portable Power Bank Slim", gadgets, "200084019", [
            _sku(2, 1, [("200000639", "201336100", "Capacity", "10000mAh")], "14.90", 80),
            _sku(2, 2, [("200000639", "201336101", "Capacity", "20000mAh")], "22.40", 45, frozenset({"AU", "NZ"})),
        ]),
        Product("1005006000000003", "Wireless Earbuds Pro with ANC", gadgets, "63705", [
            _sku(3, 1, [_color("193", "Black")], "18.75", 0), _sku(3, 2, [_color("29", "White")], "18.75", 0),
        ]),
        Product("1005006000000004", "Magnetic Phone Car Mount", gadgets, "200003574", [
            _sku(4, 1, [], "5.60", 250),
        ], free_shipping_threshold=Decimal("10.00")),
        Product("1005006000000005", "Ceramic Coffee Mug 350ml", home, "200001015", [
            _sku(5, 1, [_color("175", "Sage Green")], "6.80", 140), _sku(5, 2, [_color("29", "White")], "6.80", 90),
        ], free_shipping_threshold=Decimal("15.00")),
        Product("1005006000000006", "LED Strip Lights 5m RGB", home, "39050508", [
            _sku(6, 1, [("200000828", "201447598", "Length", "5m")], "9.20", 60),
            _sku(6, 2, [("200000828", "201447599", "Length", "10m")], "15.70", 35),
        ]),
        Product("1005006000000007", "Linen Throw Pillow Cover 45x45", home, "405", [
            _sku(7, 1, [_color("173", "Beige")], "4.10", 300), _sku(7, 2, [_color("366", "Grey")], "4.10", 12),
        ], free_shipping=True),
        Product("1005006000000008", "Oversized Cotton T-Shirt", fashion, "200000346", [
            _sku(8, 1, [_color("193", "Black"), _size("100014064", "S")], "8.90", 40),
            _sku(8, 2, [_color("193", "Black"), _size("361386", "M")], "8.90", 55),
            _sku(8, 3, [_color("193", "Black"), _size("361385", "L")], "8.90", 3),
            _sku(8, 4, [_color("29", "White"), _size("361386", "M")], "8.90", 25),
        ]),
        Product("1005006000000009", "Minimalist Leather Wallet", fashion, "200000466", [
            _sku(9, 1, [_color("365458", "Brown")], "11.30", 75), _sku(9, 2, [_color("193", "Black")], "11.30", 60),
        ], free_shipping_threshold=Decimal("0")),
        Product("1005006000000010", "Polarized Sunglasses UV400", fashion, "200000457", [
            _sku(10, 1, [("200000369", "200004358", "Lens Color", "Grey")], "7.45", 150),
        ]),
        Product("1005006000000011", "Ultralight Camping Hammock", outdoor, "100005663", [
            _sku(11, 1, [_color("175", "Army Green")], "19.99", 30),
            _sku(11, 2, [_color("173", "Orange")], "19.99", 18),
        ]),
        Product("1005006000000012", "Collapsible Silicone Water Bottle 600ml", outdoor, "100005702", [
            _sku(12, 1, [_color("771", "Blue")], "6.25", 110), _sku(12, 2, [_color("496", "Pink")], "6.25", 95),
        ], free_shipping=True),
    ]
    return {product.product_id: product for product in products}


@dataclass(frozen=True)
class FreightQuote:
    method: ShippingMethod
    fee: Decimal
    min_days: int
    max_days: int
    free_shipping: bool
    may_have_pfs: bool
    free_shipping_threshold: Decimal | None = field(default=None)


def freight_quotes(product: Product, sku: Sku, country: str) -> list[FreightQuote]:
    """What the seller offers to `country` for this SKU; empty when it cannot ship there at all."""
    zone = ZONES.get(country.upper())
    if zone is None or country.upper() in sku.blocked_countries:
        return []
    quotes = []
    for method in METHODS:
        standard = method.code == "CAINIAO_STANDARD"
        low, high = method.days_by_zone[zone]
        quotes.append(FreightQuote(
            method=method, fee=method.fee_by_zone[zone], min_days=low, max_days=high,
            free_shipping=standard and product.free_shipping,
            may_have_pfs=standard and product.free_shipping_threshold is not None,
            free_shipping_threshold=product.free_shipping_threshold if standard else None,
        ))
    return quotes


def shipping_fee(quote: FreightQuote, goods_total: Decimal) -> Decimal:
    """The fee after the free-shipping rule, for an order of `goods_total` from one seller."""
    if quote.free_shipping:
        return Decimal("0.00")
    if quote.may_have_pfs and quote.free_shipping_threshold is not None:
        if quote.free_shipping_threshold == 0 or goods_total >= quote.free_shipping_threshold:
            return Decimal("0.00")
    return quote.fee
