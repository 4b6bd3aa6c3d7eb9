"""Supplier faults injected through the sandbox supplier over real HTTP, against bulk placement as the
service runs it: a reply lost after the supplier committed, bursts of 5xx, rate-limit errors, and then
one reconciliation pass, after which every placed group has exactly one supplier order.

The sandbox's own 24-hour de-duplication of `out_order_id` is switched off here (`repeat_window = 0`):
only our guards (the claim, the stable key, the look-up before any resend) stand between a fault and a
second order. Already proven elsewhere and not repeated: the client alone against each fault
(tests/aliexpress/test_ae_orders.py, test_ae_rate_limit.py), one timeout through `place_order` and the
supplier's REPEATED_ORDER_ERROR (tests/placement/test_place.py), a real SIGKILL (tests/placement/test_crash.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from ordercenter.adapters.aliexpress import SandboxAliExpressClient
from ordercenter.adapters.clock import ManualClock
from ordercenter.domain.status import SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.services.placement import place_orders, reconcile_drafts
from tests.placement.conftest import Placement, placement, sandbox_supplier  # noqa: F401  (the fixtures; hence F811 below)
from tests.reliability import LONG

CREATE = "aliexpress.ds.order.create"
# The client gives up on an answer after this long; a held-back answer takes longer.
CLIENT_TIMEOUT = 0.4
HELD_BACK = 1.0


@dataclass
class Faulty:
    """The placement world with the supplier's de-duplication off and an impatient client that records
    its back-off instead of sleeping it."""

    world: Placement
    client: SandboxAliExpressClient
    sleeps: list[float]

    def place(self, order_ids: list[int], clock: ManualClock) -> list[bool]:
        results = place_orders(self.world.container.uow(), self.world.resolver(self.client), clock,
                               shop_id=self.world.shop_id, order_ids=order_ids)
        return [r.placed for r in results]

    def reconcile(self, clock: ManualClock) -> int:
        return reconcile_drafts(self.world.container.uow(), self.world.resolver(self.client), clock,
                                shop_id=self.world.shop_id, stale_after=timedelta(0))

    def orders_per_key(self) -> Counter[str]:
        """How many orders the supplier holds under each of our keys."""
        return Counter(o.out_order_id for o in self.world.supplier.orders())

    def groups(self, order_ids: list[int]) -> list[SupplierOrder]:
        """The latest attempt of every seller group of these orders (a reorder supersedes a cancelled one)."""
        latest: dict[tuple[int, str], SupplierOrder] = {}
        for order_id in order_ids:
            for so in self.world.supplier_orders(order_id):
                assert isinstance(so, SupplierOrder)
                key = (order_id, so.group_key)
                if key not in latest or so.attempt > latest[key].attempt:
                    latest[key] = so
        return list(latest.values())


@pytest.fixture
def faulty(placement: Placement) -> Iterator[Faulty]:  # noqa: F811
    placement.supplier.config.repeat_window = timedelta(0)
    creds = placement.supplier.credentials()
    sleeps: list[float] = []
    client = SandboxAliExpressClient(creds["app_key"], creds["app_secret"], creds["access_token"],
                                     base_url=placement.server.base_url, timeout=CLIENT_TIMEOUT,
                                     rate_limit_per_second=1000.0, sleep=sleeps.append)
    yield Faulty(placement, client, sleeps)
    client.close()


def _assert_exactly_one_supplier_order_per_group(faulty: Faulty, order_ids: list[int]) -> None:
    groups = faulty.groups(order_ids)
    assert len(groups) == 2 * len(order_ids)  # two sellers per order
    assert {so.status for so in groups} == {SupplierOrderStatus.PLACED}
    per_key = faulty.orders_per_key()
    assert {so.idempotency_key: per_key[so.idempotency_key] for so in groups} == {
        so.idempotency_key: 1 for so in groups}
    assert sum(per_key.values()) == len(groups)  # nothing at the supplier that no group stands for
    at_supplier = {o.out_order_id: o.order_id for o in faulty.world.supplier.orders()}
    assert {so.supplier_order_id for so in groups} == {at_supplier[so.idempotency_key] for so in groups}


def test_replies_lost_after_the_supplier_committed_are_found_by_look_up_not_placed_again(
        faulty: Faulty, clock: ManualClock) -> None:
    order_ids = [faulty.world.order(number) for number in (1001, 1002)]
    faulty.world.supplier.inject_fault("timeout_after_commit", method=CREATE, times=3, delay=HELD_BACK)

    assert faulty.place(order_ids, clock) == [True, True]

    _assert_exactly_one_supplier_order_per_group(faulty, order_ids)


def test_a_burst_of_server_errors_is_retried_with_growing_back_off_and_placed_once(
        faulty: Faulty, clock: ManualClock) -> None:
    order_id = faulty.world.order()
    faulty.world.supplier.inject_fault("server_error", method=CREATE, times=2)

    assert faulty.place([order_id], clock) == [True]

    # one wait before each resend of the same key, the second longer than the first
    assert len(faulty.sleeps) == 2
    assert 0 < faulty.sleeps[0] <= faulty.sleeps[1]
    _assert_exactly_one_supplier_order_per_group(faulty, [order_id])


def test_rate_limit_errors_make_placement_wait_then_succeed_without_a_duplicate(
        faulty: Faulty, clock: ManualClock) -> None:
    order_ids = [faulty.world.order(number) for number in (1001, 1002)]
    # within the client's three tries of one purchase: two refusals, then the call goes through
    faulty.world.supplier.inject_fault("rate_limit", method=CREATE, times=2)

    assert faulty.place(order_ids, clock) == [True, True]

    assert len(faulty.sleeps) == 2
    _assert_exactly_one_supplier_order_per_group(faulty, order_ids)


def test_after_a_storm_of_supplier_faults_and_one_reconciliation_pass_every_group_has_one_supplier_order(
        faulty: Faulty, clock: ManualClock) -> None:
    # given: a bulk selection, and the supplier losing replies, failing in bursts and limiting calls
    count, storms = (30, 4) if LONG else (5, 1)
    order_ids = [faulty.world.order(1001 + n) for n in range(count)]
    for _ in range(storms):
        faulty.world.supplier.inject_fault("timeout_after_commit", method=CREATE, times=2, delay=HELD_BACK)
        # Longer than the client's three tries: this purchase ends unconfirmed, for the reconciler.
        faulty.world.supplier.inject_fault("server_error", method=CREATE, times=5)
        faulty.world.supplier.inject_fault("rate_limit", method=CREATE, times=3)
    first = faulty.place(order_ids, clock)
    assert not all(first)  # the storm did leave purchases unplaced
    # when: the reconciler sweeps once, and the merchant places what is left
    faulty.reconcile(clock)
    left = [order_id for order_id, placed in zip(order_ids, first, strict=True) if not placed]
    assert all(faulty.place(left, clock))
    # then: every group placed, each exactly once at the supplier
    _assert_exactly_one_supplier_order_per_group(faulty, order_ids)
