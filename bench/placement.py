"""Placement benchmark: bulk placement of store orders at the sandbox supplier over real HTTP.

    .venv/bin/python -m bench.placement [--orders 1000] [--rate 25] [--sellers-per-order 1|2]
                                        [--client-rate R] [--burst B] [--database-url URL]

Everything on the path is the production code: `place_orders` (claim, supplier call, record, one
transaction each), its planning (`plan_order`: product details and a freight quote per line), the
`SandboxAliExpressClient` with its per-app-key rate limiter, and a database made by `bootstrap`. The
sandbox supplier enforces the same call rate per app key (`ApiCallLimit` beyond it), so the figures read
as "how close to the supplier's rate limit we place". Only the HTTP transport is wrapped, to count the
calls per API method, time the round trips and spot `ApiCallLimit` answers. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import select

from ordercenter.adapters.aliexpress import SandboxAliExpressClient
from ordercenter.adapters.aliexpress.rate_limit import bucket_for
from ordercenter.adapters.ports import SupplierPlatform
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.addresses import ShippingAddress
from ordercenter.domain.mappings import ProductMapping
from ordercenter.domain.shops import Shop
from ordercenter.domain.snapshots import LineSnapshot, OrderSnapshot
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.domain.suppliers import SupplierAccount, SupplierPlatformKind
from ordercenter.entrypoints.loopback import serve_on_loopback
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxSupplier, create_sandbox_supplier
from ordercenter.services.ingestion import import_order
from ordercenter.services.placement import PlacementOutcome, place_orders

METHOD_NAMES = {
    "aliexpress.ds.product.get": "product.get",
    "aliexpress.ds.freight.query": "freight.query",
    "aliexpress.ds.order.create": "order.create",
}
RATE_LIMIT_CODE = "ApiCallLimit"


@dataclass(frozen=True)
class Listing:
    """A store variant and the sandbox catalogue product it is mapped to (one seller each)."""

    variant_id: str
    title: str
    price: Decimal
    product_id: str
    sku_attr: str


# Two sellers of the demo catalogue. The cable ships free; the mug's free shipping starts at $15, so the
# client fetches the product again inside each freight quote to price the threshold (see the README).
LISTINGS = (
    Listing("40000000001", "USB-C Fast Charging Cable 2m", Decimal("9.90"), "1005006000000001", "14:193"),
    Listing("40000000002", "Ceramic Coffee Mug 350ml", Decimal("19.90"), "1005006000000005", "14:175"),
)

# Served countries (every zone of the sandbox's freight table), one address each; orders rotate over them.
ADDRESSES = (
    ShippingAddress(name="Jane Doe", first_name="Jane", last_name="Doe", address1="350 Fifth Avenue",
                    city="New York", province="New York", province_code="NY", zip="10118",
                    country="United States", country_code="US", phone="+1 212-555-0199"),
    ShippingAddress(name="Oliver Smith", first_name="Oliver", last_name="Smith", address1="10 Downing Street",
                    city="London", zip="SW1A 2AA", country="United Kingdom", country_code="GB",
                    phone="+44 20 7946 0958"),
    ShippingAddress(name="Lena Fischer", first_name="Lena", last_name="Fischer", address1="Unter den Linden 5",
                    city="Berlin", province="Berlin", zip="10117", country="Germany", country_code="DE",
                    phone="+49 30 901820"),
    ShippingAddress(name="Camille Martin", first_name="Camille", last_name="Martin", address1="12 Rue de la Paix",
                    city="Paris", zip="75002", country="France", country_code="FR", phone="+33 1 23 45 67 89"),
    ShippingAddress(name="Liam Tremblay", first_name="Liam", last_name="Tremblay", address1="290 Bremner Blvd",
                    city="Toronto", province="Ontario", province_code="ON", zip="M5V 3L9", country="Canada",
                    country_code="CA", phone="+1 416-555-0142"),
    ShippingAddress(name="Chloe Wilson", first_name="Chloe", last_name="Wilson", address1="1 Macquarie Street",
                    city="Sydney", province="New South Wales", province_code="NSW", zip="2000",
                    country="Australia", country_code="AU", phone="+61 2 9250 7111"),
    ShippingAddress(name="Daan de Vries", first_name="Daan", last_name="de Vries", address1="Damrak 1",
                    city="Amsterdam", province="Noord-Holland", zip="1012 LG", country="Netherlands",
                    country_code="NL", phone="+31 20 555 0101"),
    ShippingAddress(name="Lucia Garcia", first_name="Lucia", last_name="Garcia", address1="Calle de Alcala 42",
                    city="Madrid", province="Madrid", zip="28014", country="Spain", country_code="ES",
                    phone="+34 91 555 0123"),
    ShippingAddress(name="Haruto Sato", first_name="Haruto", last_name="Sato", address1="1-1 Chiyoda",
                    city="Tokyo", province="Tokyo", zip="100-0001", country="Japan", country_code="JP",
                    phone="+81 3 5555 0100"),
    ShippingAddress(name="Sofia Rossi", first_name="Sofia", last_name="Rossi", address1="Via del Corso 100",
                    city="Roma", province="RM", zip="00186", country="Italy", country_code="IT",
                    phone="+39 06 5555 0101"),
)
SHIPPING = Decimal("4.99")


@dataclass
class Exchange:
    """One HTTP round trip to the supplier as the client saw it."""

    method: str
    started: float  # perf_counter at the request
    seconds: float
    rate_limited: bool


class CountingTransport(httpx.BaseTransport):
    """Real HTTP, recording each request's API method, its duration and whether it was refused for rate."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method = request.url.params.get("method", "?")
        started = time.perf_counter()
        response = self._inner.handle_request(request)
        body = response.read()  # buffered, so the client reads the same bytes again
        seconds = time.perf_counter() - started
        self.exchanges.append(Exchange(method, started, seconds, _error_code(body) == RATE_LIMIT_CODE))
        return response

    def close(self) -> None:
        self._inner.close()


def _error_code(body: bytes) -> str | None:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    error = payload.get("error_response") if isinstance(payload, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code) if code is not None else None


@dataclass(frozen=True)
class Pause:
    """A sleep of the client: its limiter's wait before a request, or a backoff after a refusal."""

    seconds: float
    backoff: bool


@dataclass
class Run:
    orders: int
    groups_per_order: int
    rate: float
    client_rate: float
    burst: float
    wall_seconds: float
    import_seconds: float
    outcomes: list[PlacementOutcome]
    exchanges: list[Exchange]
    pauses: list[Pause] = field(default_factory=list)
    sandbox_orders: int = 0
    db_placed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def expected_supplier_orders(self) -> int:
        return self.orders * self.groups_per_order

    @property
    def calls(self) -> int:
        return len(self.exchanges)

    @property
    def rate_limited(self) -> int:
        return sum(1 for e in self.exchanges if e.rate_limited)

    @property
    def accepted(self) -> int:
        """Calls the sandbox processed: the ones its limit counts (a refused call is not counted)."""
        return self.calls - self.rate_limited

    @property
    def calls_per_order(self) -> float:
        return self.accepted / self.orders

    @property
    def by_method(self) -> Counter[str]:
        return Counter(METHOD_NAMES.get(e.method, e.method) for e in self.exchanges if not e.rate_limited)

    @property
    def theoretical_orders_per_second(self) -> float:
        """What the limit allows at best at the measured calls per order (the first second's burst aside)."""
        return self.rate / self.calls_per_order


@contextmanager
def _database(database_url: str | None) -> Iterator[Container]:
    with tempfile.TemporaryDirectory(prefix="ordercenter-bench-") as data_dir:
        container = bootstrap(Settings(data_dir=Path(data_dir), database_url=database_url,
                                       secret_key="bench-" + "k" * 40))
        try:
            yield container
        finally:
            container.engine.dispose()


def _setup(container: Container, supplier: SandboxSupplier, base_url: str, orders: int,
           listings: tuple[Listing, ...], now: datetime) -> tuple[int, int, list[int], float]:
    """A shop, its supplier account, mappings and `orders` imported orders: (shop, account, order ids, seconds)."""
    creds = supplier.credentials()
    # A fresh domain per run, so a reused PostgreSQL database does not collide with an earlier run.
    domain = f"bench-placement-{secrets.token_hex(4)}.myshopify.com"
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=domain, name="Bench Placement", currency="USD", created_at=now))
        uow.flush()
        account = uow.supplier_accounts.add(SupplierAccount(
            shop_id=shop.id, platform=SupplierPlatformKind.ALIEXPRESS, name="sandbox", app_key=creds["app_key"],
            app_secret_encrypted=container.secrets.encrypt(creds["app_secret"]),
            access_token_encrypted=container.secrets.encrypt(creds["access_token"]), api_url=base_url,
            created_at=now))
        uow.flush()
        for listing in listings:
            uow.mappings.add(ProductMapping(
                shop_id=shop.id, variant_id=listing.variant_id, supplier_product_id=listing.product_id,
                sku_attr=listing.sku_attr, ship_to_country="", shipping_method=None,
                supplier_account_id=account.id, created_at=now, updated_at=now))
        uow.commit()
        shop_id, account_id = shop.id, account.id
    for listing in listings:  # enough stock for every order, with room to spare
        product = supplier.product(listing.product_id, "US")
        sku = next(s for s in product.skus if s.sku_attr == listing.sku_attr)
        supplier.set_stock(listing.product_id, sku.sku_id, orders * 2 + 100)
    started = time.perf_counter()
    order_ids = []
    for number in range(1, orders + 1):
        result = import_order(container.uow(), shop_id=shop_id, snapshot=_snapshot(number, listings, now), at=now,
                              source="bench")
        order_ids.append(result.order_id)
        if number % 50 == 0 or number == orders:
            sys.stderr.write(f"\r  imported {number}/{orders} orders")
            sys.stderr.flush()
    sys.stderr.write("\n")
    return shop_id, account_id, order_ids, time.perf_counter() - started


def _snapshot(number: int, listings: tuple[Listing, ...], now: datetime) -> OrderSnapshot:
    """A paid, unfulfilled order with one line (one unit) per listing, shipped to a served country."""
    platform_id = str(5_000_000_000 + number)
    lines = tuple(
        LineSnapshot(platform_line_id=str(13_000_000_000 + number * 10 + i), title=listing.title, quantity=1,
                     unit_price=listing.price, sku=f"BENCH-{i}", variant_id=listing.variant_id,
                     product_id=str(7_000_000_000 + i))
        for i, listing in enumerate(listings, start=1)
    )
    subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
    address = ADDRESSES[number % len(ADDRESSES)]
    return OrderSnapshot(
        platform_order_id=platform_id, platform_gid=f"gid://shopify/Order/{platform_id}", name=f"#{1000 + number}",
        currency="USD", subtotal_price=subtotal, total_price=subtotal + SHIPPING, total_shipping=SHIPPING,
        financial_status=FinancialStatus.PAID, fulfillment_status=FulfillmentStatus.UNFULFILLED,
        created_at=now, updated_at=now, lines=lines, email=f"customer{number}@example.com",
        customer_name=address.full_name, shipping_address=address,
    )


def _progress(total: int) -> Callable[[PlacementOutcome], None]:
    done = [0]

    def show(_: PlacementOutcome) -> None:
        done[0] += 1
        if done[0] % 10 == 0 or done[0] == total:
            sys.stderr.write(f"\r  placed {done[0]}/{total} orders")
            sys.stderr.flush()

    return show


def placement(orders: int, rate: float, client_rate: float, burst: float | None, sellers: int,
              database_url: str | None) -> Run:
    listings = LISTINGS[:sellers]
    supplier = SandboxSupplier(SandboxConfig(calls_per_second=rate))
    creds = supplier.credentials()
    # The client's limiter is one bucket per app key, shaped by its first user: made here so `--burst` applies
    # (None: the client's own default, one second's worth of calls).
    bucket = bucket_for(creds["app_key"], client_rate, burst)
    transport = CountingTransport()
    pauses: list[Pause] = []
    backed_off: set[int] = set()

    def sleep(seconds: float) -> None:
        # The first sleep after a refused call is the retry backoff; any other is the limiter's pacing.
        last = len(transport.exchanges) - 1
        backoff = last >= 0 and transport.exchanges[last].rate_limited and last not in backed_off
        if backoff:
            backed_off.add(last)
        pauses.append(Pause(seconds, backoff))
        time.sleep(seconds)

    now = datetime.now(UTC)
    with _database(database_url) as container, \
            serve_on_loopback(create_sandbox_supplier(supplier=supplier)) as url:
        sys.stderr.write(f"importing {orders} orders ({sellers} seller(s) each)…\n")
        shop_id, account_id, order_ids, import_seconds = _setup(container, supplier, url, orders, listings, now)
        client = SandboxAliExpressClient(creds["app_key"], creds["app_secret"], creds["access_token"], base_url=url,
                                         transport=transport, rate_limit_per_second=client_rate, timeout=10.0,
                                         sleep=sleep)

        def resolve(_: int | None) -> tuple[int, SupplierPlatform]:
            return account_id, client

        sys.stderr.write(f"placing at {client_rate:g} calls/s (sandbox limit {rate:g})…\n")
        started = time.perf_counter()
        outcomes = place_orders(container.uow(), resolve, container.clock, shop_id=shop_id, order_ids=order_ids,
                                on_result=_progress(orders))
        wall = time.perf_counter() - started
        sys.stderr.write("\n")
        client.close()
        run = Run(orders, sellers, rate, client_rate, bucket.capacity, wall, import_seconds, outcomes,
                  list(transport.exchanges), pauses)
        _verify(run, container, supplier, shop_id)
    return run


def _verify(run: Run, container: Container, supplier: SandboxSupplier, shop_id: int) -> None:
    """Exactly one supplier order per (order, seller) at the sandbox and in the database, same keys on both."""
    failed = [o.summary for o in run.outcomes if not o.placed]
    at_sandbox = [o.out_order_id for o in supplier.orders()]
    with container.session_factory() as session:
        placed = list(session.scalars(select(SupplierOrder.idempotency_key).where(
            SupplierOrder.shop_id == shop_id, SupplierOrder.status == SupplierOrderStatus.PLACED)))
    run.sandbox_orders, run.db_placed = len(at_sandbox), len(placed)
    expected = run.expected_supplier_orders
    problems = []
    if failed:
        problems.append(f"{len(failed)} orders not placed, e.g. {failed[0]}")
    if len(at_sandbox) != expected or len(set(at_sandbox)) != expected:
        problems.append(f"{len(at_sandbox)} supplier orders at the sandbox ({len(set(at_sandbox))} keys), "
                        f"expected {expected}")
    if len(placed) != expected:
        problems.append(f"{len(placed)} supplier orders placed in the database, expected {expected}")
    if set(placed) != set(at_sandbox):
        problems.append("the database's idempotency keys differ from the sandbox's out_order_ids")
    run.problems = problems


def render(run: Run) -> str:
    n, wall = run.orders, run.wall_seconds
    methods = run.by_method
    breakdown = ", ".join(f"{name} {methods[name]}" for name in ("product.get", "freight.query", "order.create"))
    others = sum(count for name, count in methods.items() if name not in METHOD_NAMES.values())
    if others:
        breakdown += f", other {others}"
    calls_per_second = run.accepted / wall
    orders_per_second = n / wall
    theory = run.theoretical_orders_per_second
    http = sum(e.seconds for e in run.exchanges)
    paced = sum(p.seconds for p in run.pauses if not p.backoff)
    backoff = sum(p.seconds for p in run.pauses if p.backoff)
    rest = wall - http - paced - backoff
    verdict = (f"exactly {run.sandbox_orders} supplier orders at the sandbox and {run.db_placed} placed in "
               "the DB, one per key" if not run.problems else "FAILED: " + "; ".join(run.problems))
    lines = [
        f"orders                      {n}  ({run.groups_per_order} seller(s) each: "
        f"{run.expected_supplier_orders} supplier orders)",
        f"verified                    {verdict}",
        f"supplier calls              {run.accepted}  ({breakdown}); "
        f"plus {run.rate_limited} refused",
        f"calls per order             {run.calls_per_order:.2f}  "
        f"({run.calls_per_order / run.groups_per_order:.2f} per supplier order; refused calls not counted)",
        f"wall time                   {wall:.1f} s  (importing the orders beforehand, not counted: "
        f"{run.import_seconds:.1f} s)",
        f"throughput                  {orders_per_second:.2f} orders/s, {calls_per_second:.2f} supplier calls/s",
        f"rate limit                  {run.rate:g} calls/s per app key (sandbox ApiCallLimit over any 1 s; "
        f"client limiter {run.client_rate:g}/s, burst {run.burst:g})",
        f"calls/s ÷ limit             {calls_per_second / run.rate:.1%}",
        f"theoretical best            {theory:.2f} orders/s  ({run.rate:g} ÷ {run.calls_per_order:.2f} calls "
        "per order)",
        f"measured / theoretical      {orders_per_second / theory:.1%}",
        f"rate-limit errors           {run.rate_limited}  (ApiCallLimit answers, of {run.calls} requests sent)",
        "split of the wall time:",
        f"  waiting on the limiter     {paced:6.1f} s  {_share(paced, wall)}  "
        f"({sum(1 for p in run.pauses if not p.backoff)} pauses)",
        f"  backoff after ApiCallLimit {backoff:6.1f} s  {_share(backoff, wall)}  "
        f"({sum(1 for p in run.pauses if p.backoff)} pauses)",
        f"  HTTP round trips           {http:6.1f} s  {_share(http, wall)}  (sandbox execution included)",
        f"  DB, planning, the rest     {rest:6.1f} s  {_share(rest, wall)}  "
        f"({n / rest if rest > 0 else 0:.0f} orders/s if the supplier were unlimited and instant)",
    ]
    return "\n".join(lines) + "\n"


def _share(part: float, whole: float) -> str:
    return f"{part / whole:5.1%}" if whole else "  n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.placement", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders to import and place (default 1000)")
    parser.add_argument("--rate", type=float, default=25.0,
                        help="supplier calls per second per app key, at the sandbox and the client (default 25)")
    parser.add_argument("--client-rate", type=float,
                        help="the client limiter's calls per second (default: --rate, as production configures it)")
    parser.add_argument("--burst", type=float,
                        help="calls the client's limiter may save up and send at once (default: the client's own, "
                             "one second's worth of --client-rate)")
    parser.add_argument("--sellers-per-order", type=int, choices=[1, 2], default=1,
                        help="sellers (so supplier orders) per store order (default 1)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (e.g. PostgreSQL); default: SQLite in a temp folder")
    args = parser.parse_args(argv)
    client_rate = args.client_rate or args.rate
    if args.orders < 1 or args.rate <= 0 or client_rate <= 0 or (args.burst is not None and args.burst < 1):
        parser.error("--orders, --rate and --client-rate must be positive, --burst at least 1")
    run = placement(args.orders, args.rate, client_rate, args.burst, args.sellers_per_order, args.database_url)
    sys.stdout.write(render(run))
    if run.problems:
        sys.stderr.write("placement benchmark FAILED: " + "; ".join(run.problems) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
