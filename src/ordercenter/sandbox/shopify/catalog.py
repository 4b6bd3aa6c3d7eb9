"""The sandbox shop's small product catalog: products, variants, numeric ids and SKUs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Variant:
    id: int
    product_id: int
    product_title: str
    vendor: str
    #: None for a single-variant product ("Default Title" on Shopify).
    title: str | None
    #: Empty string when the merchant never set one, as Shopify stores it.
    sku: str
    price: Decimal


def _variants(product_id: int, title: str, vendor: str, rows: list[tuple[str | None, str, str]]) -> list[Variant]:
    return [
        Variant(
            id=product_id * 10 + index + 1,
            product_id=product_id,
            product_title=title,
            vendor=vendor,
            title=variant_title,
            sku=sku,
            price=Decimal(price),
        )
        for index, (variant_title, sku, price) in enumerate(rows)
    ]


CATALOG: tuple[Variant, ...] = tuple(
    _variants(8_100_000_001, "Magnetic Phone Holder", "Sandbox Goods", [
        ("Black", "MPH-BLK", "19.99"),
        ("Silver", "MPH-SLV", "19.99"),
    ])
    + _variants(8_100_000_002, "LED Strip Lights 5m", "Sandbox Goods", [
        ("RGB / EU plug", "LED5-RGB-EU", "24.90"),
        ("RGB / US plug", "LED5-RGB-US", "24.90"),
        ("Warm white / EU plug", "", "21.50"),
    ])
    + _variants(8_100_000_003, "Posture Corrector", "Back Better", [
        ("S", "PC-S", "29.00"),
        ("M", "PC-M", "29.00"),
        ("L", "PC-L", "29.00"),
    ])
    + _variants(8_100_000_004, "Pet Hair Remover Roller", "FurAway", [(None, "PHR-1", "14.95")])
    + _variants(8_100_000_005, "Mini Portable Blender", "Sandbox Goods", [
        ("Pink", "BLEND-PNK", "34.99"),
        ("Mint", "", "34.99"),
    ])
    + _variants(8_100_000_006, "Wireless Earbuds Pro", "SoundWave", [(None, "EARBUDS-PRO", "49.00")])
    + _variants(8_100_000_007, "Silk Sleep Mask", "Dreamy", [
        ("Champagne", "MASK-CHP", "12.50"),
        ("Noir", "MASK-NOIR", "12.50"),
    ])
    + _variants(8_100_000_008, "Café Crème Mug – 350 ml", "Tasse & Co", [(None, "", "17.00")])
)

VARIANTS_BY_ID: dict[int, Variant] = {variant.id: variant for variant in CATALOG}
