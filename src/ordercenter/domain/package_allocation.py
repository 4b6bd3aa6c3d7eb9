"""Which store lines a supplier package fulfils, and the public tracking page of its carrier.

A supplier order can leave in several packages. When the supplier lists the items of each package we
fulfil exactly those (capped by what earlier packages already took); when it does not, the first
package takes the whole supplier order and later ones carry nothing of their own. Quantities are
counted in supplier units and converted to store units with cumulative rounding, so a mapping that
buys 2 supplier items per store item still ends with the whole store line fulfilled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class LineToShip:
    """One supplier order line, with the store line it buys for."""

    supplier_line_id: int
    line_item_id: int
    product_id: str
    sku_attr: str
    quantity: int  # supplier units
    store_quantity: int  # the store line's quantity this supplier line covers


@dataclass(frozen=True)
class PackedItem:
    product_id: str
    sku_attr: str
    quantity: int


@dataclass(frozen=True)
class Allocation:
    supplier_line_id: int
    line_item_id: int
    quantity: int  # supplier units in this package
    store_quantity: int  # store units this package fulfils


def _pick(lines: Sequence[LineToShip], item: PackedItem, left: Mapping[int, int]) -> list[LineToShip]:
    same_product = [line for line in lines if line.product_id == item.product_id and left[line.supplier_line_id] > 0]
    exact = [line for line in same_product if line.sku_attr == item.sku_attr]
    return exact or same_product


def allocate_package(lines: Sequence[LineToShip], taken: Mapping[int, int], items: Sequence[PackedItem],
                     *, first_package: bool) -> list[Allocation]:
    """What one new package fulfils. `taken` is supplier units per supplier line already claimed by
    earlier packages; `items` what the supplier says is inside (empty when it does not say)."""
    left = {line.supplier_line_id: line.quantity - taken.get(line.supplier_line_id, 0) for line in lines}
    units: dict[int, int] = {}
    for item in items:
        wanted = item.quantity
        for line in _pick(lines, item, left):
            share = min(wanted, left[line.supplier_line_id])
            units[line.supplier_line_id] = units.get(line.supplier_line_id, 0) + share
            left[line.supplier_line_id] -= share
            wanted -= share
            if wanted == 0:
                break
    if not units and first_package and not items_matched(lines, items):
        units = {line_id: qty for line_id, qty in left.items() if qty > 0}
    result = []
    for line in lines:
        got = units.get(line.supplier_line_id, 0)
        if got <= 0:
            continue
        before = taken.get(line.supplier_line_id, 0)
        store = _store_units(line, before + got) - _store_units(line, before)
        result.append(Allocation(line.supplier_line_id, line.line_item_id, got, store))
    return result


def items_matched(lines: Sequence[LineToShip], items: Sequence[PackedItem]) -> bool:
    """Whether the package list names any product of this supplier order (else it tells us nothing)."""
    products = {line.product_id for line in lines}
    return any(item.product_id in products for item in items)


def _store_units(line: LineToShip, supplier_units: int) -> int:
    if line.quantity <= 0:
        return 0
    return supplier_units * line.store_quantity // line.quantity


# ---------------------------------------------------------------- carriers

# Lower-case fragments of carrier names → their public tracking page ({n} is the number).
CARRIER_TRACKING_URLS: tuple[tuple[str, str], ...] = (
    ("cainiao", "https://global.cainiao.com/detail.htm?mailNoList={n}"),
    ("aliexpress", "https://global.cainiao.com/detail.htm?mailNoList={n}"),  # AliExpress Standard = Cainiao
    ("yunexpress", "https://www.yuntrack.com/parcelTracking?id={n}"),
    ("yanwen", "https://track.yw56.com.cn/en/querydel?nums={n}"),
    ("4px", "https://track.4px.com/#/result/0/{n}"),
    ("usps", "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}"),
    ("ups", "https://www.ups.com/track?tracknum={n}"),
    ("fedex", "https://www.fedex.com/fedextrack/?trknbr={n}"),
    ("dhl", "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={n}"),
    ("royal mail", "https://www.royalmail.com/track-your-item#/tracking-results/{n}"),
    ("la poste", "https://www.laposte.fr/outils/suivre-vos-envois?code={n}"),
    ("colissimo", "https://www.laposte.fr/outils/suivre-vos-envois?code={n}"),
)


def tracking_url(carrier: str, number: str) -> str | None:
    """The carrier's tracking page for `number`, or None for a carrier we do not know."""
    name = carrier.strip().lower()
    if not name or not number.strip():
        return None
    for fragment, template in CARRIER_TRACKING_URLS:
        if fragment in name:
            return template.format(n=quote(number.strip(), safe=""))
    return None
