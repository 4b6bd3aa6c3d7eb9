"""`AliExpressClient`: the `SupplierPlatform` port over the AliExpress Dropshipping Open Platform.

Queries retry transient failures; order create never blindly repeats (see `place_order`).

Looking an order up by our `out_order_id`: the documented DS methods offer no such lookup.
`aliexpress.trade.ds.order.get` needs the AliExpress order id, and the only listing seen in
public SDKs (`aliexpress.ds.order.list`: start_time, end_time, status, page) neither filters by
`out_order_id` nor documents returning it. So the real client answers `None` ("cannot look up"),
and an ambiguous create ends in a TRANSIENT error asking a person to check My Orders first. The
sandbox client (`sandbox_client.py`) does have a lookup and recovers by itself.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from types import TracebackType

import httpx

from ordercenter.adapters.aliexpress import assisted, responses
from ordercenter.adapters.aliexpress.gateway import DEFAULT_BASE_URL, Gateway, RetryPolicy, _utc_now, never_sent
from ordercenter.adapters.aliexpress.placement import order_create_params
from ordercenter.adapters.ports import (
    AfterSaleAction,
    FreightOption,
    PlacementRequest,
    PlacementResult,
    SupplierError,
    SupplierErrorKind,
    SupplierOrderState,
    SupplierProduct,
    TrackingPackage,
)
from ordercenter.domain.money import Money

PRODUCT_GET = "aliexpress.ds.product.get"
FREIGHT_QUERY = "aliexpress.ds.freight.query"
ORDER_CREATE = "aliexpress.ds.order.create"
ORDER_GET = "aliexpress.trade.ds.order.get"
TRACKING_GET = "aliexpress.ds.order.tracking.get"
# How long a product read for planning also serves the freight quote's price check that follows it.
PRICE_MEMORY_SECONDS = 60.0


class AliExpressClient:
    """One AliExpress DS (buyer) account, authorized for our app by OAuth."""

    def __init__(self, app_key: str, app_secret: str, access_token: str, base_url: str = DEFAULT_BASE_URL,
                 transport: httpx.BaseTransport | None = None, *, timeout: float = 30.0,
                 rate_limit_per_second: float = 10.0, retry: RetryPolicy | None = None,
                 clock: Callable[[], datetime] = _utc_now, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                 currency: str = "USD", language: str = "en_US", placement_attempts: int = 3) -> None:
        self._gateway = Gateway(app_key, app_secret, access_token, base_url=base_url, transport=transport,
                                timeout=timeout, rate_limit_per_second=rate_limit_per_second, retry=retry,
                                clock=clock, monotonic=monotonic, sleep=sleep, rng=rng)
        self._sleep = sleep
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        # Products recently read, by (product id, country): prices for the free-shipping threshold.
        self._prices: dict[tuple[str, str], tuple[float, SupplierProduct]] = {}
        self.currency = currency
        self.language = language
        self.placement_attempts = placement_attempts

    def close(self) -> None:
        self._gateway.close()

    def __enter__(self) -> AliExpressClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ------------------------------------------------------------ after-sale: assisted on the website

    @property
    def capabilities(self) -> frozenset[AfterSaleAction]:
        """None by API: AliExpress has no buyer-side cancel, dispute or message API (done on aliexpress.com)."""
        return frozenset()

    def order_page_url(self, supplier_order_id: str) -> str:
        return assisted.order_page_url(supplier_order_id)

    # ------------------------------------------------------------ catalogue

    def get_product(self, product_id: str, ship_to_country: str) -> SupplierProduct:
        response = self._gateway.call(PRODUCT_GET, {
            "product_id": product_id, "ship_to_country": ship_to_country.upper(),
            "target_currency": self.currency, "target_language": self.language.split("_")[0],
        })
        product = responses.parse_product(response, product_id)
        self._prices[(product_id, ship_to_country.upper())] = (self._monotonic() + PRICE_MEMORY_SECONDS, product)
        return product

    def _product_for_prices(self, product_id: str, ship_to_country: str) -> SupplierProduct:
        """A product read moments ago (planning just did) serves for prices; otherwise it is fetched."""
        remembered = self._prices.get((product_id, ship_to_country.upper()))
        if remembered is not None and remembered[0] > self._monotonic():
            return remembered[1]
        return self.get_product(product_id, ship_to_country)

    def quote_freight(self, product_id: str, sku_id: str, quantity: int, ship_to_country: str) -> list[FreightOption]:
        request = {"quantity": quantity, "shipToCountry": ship_to_country.upper(), "productId": product_id,
                   "selectedSkuId": sku_id, "language": self.language, "locale": self.language,
                   "currency": self.currency}
        response = self._gateway.call(FREIGHT_QUERY, {"queryDeliveryReq": request})
        order_total: Money | None = None
        if responses.needs_order_total(response):
            # "Free above a threshold" needs the goods' total, which the freight answer does not carry.
            product = self._product_for_prices(product_id, ship_to_country)
            sku = next((s for s in product.skus if s.sku_id == sku_id), None)
            order_total = sku.price * quantity if sku else None
        return responses.parse_freight(response, order_total)

    # ------------------------------------------------------------ orders

    def place_order(self, request: PlacementRequest) -> PlacementResult:
        """Place the order once, whatever the network does.

        - A refusal before processing (rate limit, connection never made) is retried after backoff.
        - `REPEATED_ORDER_ERROR` means AliExpress already holds an order under our `out_order_id`:
          we look it up and return it.
        - A timeout or 5xx leaves the outcome unknown: we look up the `out_order_id` first and only
          place again, after backoff, when the platform says there is none. When the platform cannot
          look up by our key, we stop with a TRANSIENT error telling the merchant to check before placing again.
        """
        params = order_create_params(request, pay_currency=self.currency)
        attempt = 1
        while True:
            try:
                response = self._gateway.call(ORDER_CREATE, params, retry=False)
                return PlacementResult(responses.parse_created_order_ids(response))
            except SupplierError as error:
                if error.kind is SupplierErrorKind.RATE_LIMITED or never_sent(error):
                    if attempt >= self.placement_attempts:
                        raise
                    self._sleep(self._gateway.retry.delay(attempt, self._rng))
                elif error.kind is SupplierErrorKind.ALREADY_PLACED:
                    return self._existing_placement(request.out_order_id, error)
                elif error.kind is SupplierErrorKind.TRANSIENT:
                    found = self.find_orders_by_out_order_id(request.out_order_id)
                    if found is None:
                        raise _outcome_unknown(request.out_order_id, error) from error
                    if found:
                        return PlacementResult(found)
                    if attempt >= self.placement_attempts:
                        raise
                    # Not there: a failing platform gets the same back-off as a limit before the same key again.
                    self._sleep(self._gateway.retry.delay(attempt, self._rng))
                else:
                    raise
            attempt += 1

    def find_orders_by_out_order_id(self, out_order_id: str) -> list[str] | None:
        """None: the AliExpress Open Platform offers no lookup by `out_order_id` (see the module docstring)."""
        return None

    def _existing_placement(self, out_order_id: str, error: SupplierError) -> PlacementResult:
        found = self.find_orders_by_out_order_id(out_order_id)
        if found:
            return PlacementResult(found)
        raise SupplierError(
            SupplierErrorKind.ALREADY_PLACED,
            f"AliExpress already has an order for '{out_order_id}' but cannot tell us its number: "
            "find it under My Orders on aliexpress.com and record it instead of placing again",
            supplier_code=error.supplier_code, supplier_message=error.supplier_message)

    def get_order(self, supplier_order_id: str) -> SupplierOrderState:
        response = self._gateway.call(ORDER_GET, {"single_order_query": {"order_id": supplier_order_id}})
        return responses.parse_order_state(response, supplier_order_id)

    def get_tracking(self, supplier_order_id: str) -> list[TrackingPackage]:
        response = self._gateway.call(TRACKING_GET, {"ae_order_id": supplier_order_id, "language": self.language})
        return responses.parse_tracking(response)


def _outcome_unknown(out_order_id: str, error: SupplierError) -> SupplierError:
    return SupplierError(
        SupplierErrorKind.TRANSIENT,
        f"AliExpress did not confirm the order '{out_order_id}' and it may have been placed: check My Orders "
        "on aliexpress.com before placing it again",
        supplier_code=error.supplier_code, supplier_message=error.supplier_message)
