"""Realistic random orders, reproducible from a seeded `random.Random`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from ordercenter.sandbox.shopify.catalog import CATALOG
from ordercenter.sandbox.shopify.records import Address, Customer

_FIRST_NAMES = ["Olivia", "Liam", "Emma", "Noah", "Chloé", "Lukas", "Sofía", "Giulia", "Oliver", "Amélie",
                "Jürgen", "Zoë", "Mateus", "Yuki", "Ngaio", "Aoife", "João", "Björn", "Ana", "Mei"]
_LAST_NAMES = ["Smith", "Martin", "Müller", "García", "Rossi", "Dubois", "Tremblay", "Silva", "Sato",
               "O'Connor", "Brown", "Nguyen", "Schmidt", "Fernández", "Bianchi", "Lefèvre", "Wilson"]

#: (country, code, [(city, province, province code, zip)], street format, phone prefix, currency)
_COUNTRIES: list[tuple[str, str, list[tuple[str, str | None, str | None, str]], str, str, str]] = [
    ("United States", "US", [("Austin", "Texas", "TX", "78701"), ("Brooklyn", "New York", "NY", "11201"),
                             ("Portland", "Oregon", "OR", "97205")], "{n} {street}", "+1", "USD"),
    ("United Kingdom", "GB", [("London", "England", "ENG", "SW1A 1AA"), ("Leeds", "England", "ENG", "LS1 4AP"),
                              ("Glasgow", "Scotland", "SCT", "G1 1XQ")], "{n} {street}", "+44", "GBP"),
    ("France", "FR", [("Paris", None, None, "75011"), ("Lyon", None, None, "69002")], "{n} rue {street}",
     "+33", "EUR"),
    ("Germany", "DE", [("Berlin", None, None, "10115"), ("München", None, None, "80331")], "{street}straße {n}",
     "+49", "EUR"),
    ("Spain", "ES", [("Madrid", "Madrid", "M", "28013"), ("Sevilla", "Sevilla", "SE", "41001")],
     "Calle {street} {n}", "+34", "EUR"),
    ("Italy", "IT", [("Milano", "Milano", "MI", "20121"), ("Roma", "Roma", "RM", "00184")], "Via {street} {n}",
     "+39", "EUR"),
    ("Canada", "CA", [("Toronto", "Ontario", "ON", "M5V 2T6"), ("Montréal", "Quebec", "QC", "H2Y 1C6")],
     "{n} {street}", "+1", "CAD"),
    ("Australia", "AU", [("Sydney", "New South Wales", "NSW", "2000"), ("Melbourne", "Victoria", "VIC", "3000")],
     "{n} {street}", "+61", "AUD"),
    ("Brazil", "BR", [("São Paulo", "São Paulo", "SP", "01310-100"), ("Rio de Janeiro", "Rio de Janeiro", "RJ",
                                                                     "20040-002")],
     "Rua {street}, {n}", "+55", "BRL"),
    ("Japan", "JP", [("Shibuya-ku", "Tokyo", "JP-13", "150-0002"), ("Osaka", "Osaka", "JP-27", "530-0001")],
     "{n}-1 {street}", "+81", "JPY"),
]
_STREETS = ["Main", "Oak", "Victoria", "Lafayette", "Linden", "Mayor", "Garibaldi", "King", "George", "Augusta",
            "Sakura", "Harbour"]

#: Presentment units per USD; shop amounts are converted with rate = presentment / shop.
USD_RATES: dict[str, Decimal] = {
    "USD": Decimal("1"), "EUR": Decimal("0.92"), "GBP": Decimal("0.79"), "CAD": Decimal("1.36"),
    "AUD": Decimal("1.52"), "BRL": Decimal("5.05"), "JPY": Decimal("151"),
}

_SHIPPING = [("Standard Shipping", Decimal("0")), ("Standard Shipping", Decimal("4.99")),
             ("Express Shipping", Decimal("12.90"))]


@dataclass
class DraftLine:
    variant_id: int
    quantity: int
    discount: Decimal = Decimal("0")


@dataclass
class DraftOrder:
    """What the generator decided; the store turns it into an Order with ids and transactions."""

    email: str
    customer: Customer | None
    shipping_address: Address | None
    presentment_currency: str
    lines: list[DraftLine]
    shipping_title: str | None
    shipping_price: Decimal
    order_discount: Decimal
    tax_rate: Decimal
    note: str | None
    tags: list[str] = field(default_factory=list)


def exchange_rate(shop_currency: str, presentment_currency: str) -> Decimal:
    if shop_currency == presentment_currency:
        return Decimal("1")
    shop_per_usd = USD_RATES.get(shop_currency, Decimal("1"))
    presentment_per_usd = USD_RATES.get(presentment_currency, Decimal("1"))
    return (presentment_per_usd / shop_per_usd).quantize(Decimal("0.000001"))


class OrderGenerator:
    """Makes plausible dropshipping orders: many countries, several lines, gaps where real data has them."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def draft(self, *, customer_id: int, with_shipping_address: bool | None = None) -> DraftOrder:
        rng = self._rng
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        email = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 99)}@example.com".lower()
        country, code, places, street_format, phone_prefix, currency = rng.choice(_COUNTRIES)
        city, province, province_code, zip_code = rng.choice(places)
        if with_shipping_address is None:
            with_shipping_address = rng.random() > 0.1
        address = None
        if with_shipping_address:
            address = Address(
                first_name=first, last_name=last,
                address1=street_format.format(n=rng.randint(1, 220), street=rng.choice(_STREETS)),
                address2=rng.choice([None, None, f"Apt {rng.randint(1, 40)}"]),
                city=city, province=province, province_code=province_code, zip=zip_code,
                country=country, country_code=code,
                phone=rng.choice([None, f"{phone_prefix} {rng.randint(100000000, 999999999)}"]),
                company=rng.choice([None, None, None, "Acme Ltd"]),
            )
        lines = [
            DraftLine(variant_id=variant.id, quantity=rng.choice([1, 1, 1, 2, 3]))
            for variant in rng.sample(CATALOG, rng.randint(1, 4))
        ]
        if rng.random() < 0.25:
            target = rng.choice(lines)
            target.discount = Decimal(rng.choice(["2.00", "5.00"]))
        shipping_title, shipping_price = rng.choice(_SHIPPING)
        return DraftOrder(
            email=email,
            customer=Customer(id=customer_id, first_name=first, last_name=last, email=email),
            shipping_address=address,
            presentment_currency=currency if rng.random() < 0.6 else "USD",
            lines=lines,
            shipping_title=shipping_title,
            shipping_price=shipping_price,
            order_discount=Decimal("3.00") if rng.random() < 0.15 else Decimal("0"),
            tax_rate=rng.choice([Decimal("0"), Decimal("0.08"), Decimal("0.2")]),
            note=rng.choice([None, None, "Please leave at the door", "Gift – no invoice please"]),
            tags=rng.choice([[], [], ["vip"], ["tiktok"]]),
        )


def _ascii(name: str) -> str:
    return "".join(ch for ch in name if ch.isascii() and ch.isalpha())
