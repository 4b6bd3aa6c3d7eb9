"""Pacing per app key on our side, and the platform's ApiCallLimit on theirs."""

import pytest

from ordercenter.adapters.aliexpress.rate_limit import PACING_FACTOR, TokenBucket
from ordercenter.adapters.ports import SupplierError, SupplierErrorKind
from ordercenter.sandbox.aliexpress import SandboxSupplier
from tests.aliexpress.aliexpress_fixtures import CABLE, ClientFactory, cable_order


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_token_bucket_lets_a_burst_through_then_spaces_calls_at_the_rate() -> None:
    bucket = TokenBucket(rate=2.0, capacity=2.0)

    waits = [bucket.reserve(now=0.0) for _ in range(4)]

    assert waits == [0.0, 0.0, 0.5, 1.0]
    assert bucket.reserve(now=10.0) == 0.0  # refilled while idle


def test_two_clients_of_the_same_app_key_share_one_budget(make_client: ClientFactory) -> None:
    clock = FakeTime()
    first = make_client(rate_limit_per_second=2.0, monotonic=clock.monotonic, sleep=clock.sleep)
    second = make_client(rate_limit_per_second=2.0, monotonic=clock.monotonic, sleep=clock.sleep)

    for client in (first, second, first, second):
        client.get_product(CABLE, "US")

    # 4 calls at 2/s, paced just under the limit with nothing saved up: each after the first waits its turn
    assert clock.slept == pytest.approx([1 / (2.0 * PACING_FACTOR)] * 3)


def test_an_api_call_limit_on_a_query_is_retried_after_backoff(
        make_client: ClientFactory, supplier: SandboxSupplier, sleeps: list[float]) -> None:
    supplier.inject_fault("rate_limit", method="aliexpress.ds.product.get")

    assert make_client().get_product(CABLE, "US").product_id == CABLE
    assert len(sleeps) == 1


def test_an_api_call_limit_on_order_create_is_safe_to_retry_because_nothing_was_placed(
        make_client: ClientFactory, supplier: SandboxSupplier) -> None:
    supplier.inject_fault("rate_limit", method="aliexpress.ds.order.create")

    result = make_client().place_order(cable_order("shop1-5001-a1"))

    assert len(result.supplier_order_ids) == 1 and len(supplier.orders()) == 1


def test_a_persistent_call_limit_surfaces_as_rate_limited(
        make_client: ClientFactory, supplier: SandboxSupplier) -> None:
    supplier.inject_fault("rate_limit", times=20)

    with pytest.raises(SupplierError) as caught:
        make_client().get_order("8198352049851315")

    assert (caught.value.kind, caught.value.supplier_code) == (SupplierErrorKind.RATE_LIMITED, "ApiCallLimit")


def test_the_sandbox_enforces_a_per_app_key_call_limit(make_client: ClientFactory, supplier: SandboxSupplier) -> None:
    supplier.config.calls_per_second = 2
    client = make_client(retry=None)
    client.get_product(CABLE, "US")
    client.get_product(CABLE, "US")

    with pytest.raises(SupplierError) as caught:
        make_client(placement_attempts=1).place_order(cable_order("shop1-5002-a1"))

    assert caught.value.kind is SupplierErrorKind.RATE_LIMITED
    assert supplier.orders() == []
