"""Placing in bulk, and money never moving twice: double click, two workers, retry after a timeout,
the supplier's REPEATED_ORDER_ERROR. Each exactly-once test fails if the claim guard is removed."""

from __future__ import annotations

import threading

from ordercenter.adapters.aliexpress import SandboxAliExpressClient
from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.ports import PlacementItem, PlacementRequest, SupplierError, SupplierErrorKind
from ordercenter.domain.status import AttentionReason, Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import idempotency_key
from ordercenter.services.placement import GroupResult, place_order, place_orders
from ordercenter.services.placement_planning import preview_orders
from tests.placement.conftest import Placement


def stage(placement: Placement, order_id: int) -> tuple[Stage, AttentionReason | None]:
    with placement.container.uow() as uow:
        order = uow.orders.get(placement.shop_id, order_id)
        assert order is not None
        return order.stage, order.attention_reason


def test_placing_an_order_creates_one_supplier_order_per_seller(placement: Placement, clock: ManualClock) -> None:
    order_id = placement.order(currency="USD")
    outcome = place_order(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id,
                          order_id=order_id)
    assert outcome.placed, outcome.summary
    assert [g.result for g in outcome.groups] == [GroupResult.PLACED, GroupResult.PLACED]
    rows = placement.supplier_orders(order_id)
    assert {r.status for r in rows} == {SupplierOrderStatus.PLACED}  # type: ignore[attr-defined]
    assert len(placement.supplier.orders()) == 2
    assert stage(placement, order_id) == (Stage.AWAITING_PAYMENT, None)
    for row in rows:
        assert row.payment_deadline is not None  # type: ignore[attr-defined]
        assert row.idempotency_key in {o.out_order_id for o in placement.supplier.orders()}  # type: ignore[attr-defined]


def test_a_double_click_places_once(placement: Placement, clock: ManualClock) -> None:
    order_id = placement.order()
    place_order(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id, order_id=order_id)
    again = place_order(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id,
                        order_id=order_id)
    assert len(placement.supplier.orders()) == 2
    # the order has moved on, so the second click is refused before anything is sent
    assert not again.placed
    assert again.blockers == ("#1001 is at stage awaiting_payment",)


def test_two_workers_placing_the_same_order_at_once_place_it_once(placement: Placement, clock: ManualClock) -> None:
    order_ids = [placement.order(number) for number in range(1001, 1006)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            place_orders(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id,
                         order_ids=order_ids)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    keys = [o.out_order_id for o in placement.supplier.orders()]
    assert len(keys) == 10  # 5 orders × 2 sellers, each exactly once
    assert len(set(keys)) == 10


def test_a_timeout_after_the_supplier_committed_ends_with_one_order(placement: Placement, clock: ManualClock) -> None:
    placement.supplier.inject_fault("timeout_after_commit", method="aliexpress.ds.order.create", delay=3.0)
    creds = placement.supplier.credentials()
    impatient = SandboxAliExpressClient(creds["app_key"], creds["app_secret"], creds["access_token"],
                                        base_url=placement.server.base_url, timeout=1.0, sleep=lambda s: None,
                                        rate_limit_per_second=1000.0)
    order_id = placement.order()
    outcome = place_order(placement.container.uow(), placement.resolver(impatient), clock,
                          shop_id=placement.shop_id, order_id=order_id)
    impatient.close()
    assert outcome.placed, outcome.summary
    assert len(placement.supplier.orders()) == 2


def test_the_suppliers_repeated_order_error_is_taken_as_already_placed(placement: Placement,
                                                                      clock: ManualClock) -> None:
    order_id = placement.order()
    [plan] = preview_orders(placement.container.uow(), placement.resolver(), shop_id=placement.shop_id,
                            order_ids=[order_id])
    with placement.container.uow() as uow:
        order = uow.orders.get(placement.shop_id, order_id)
        assert order is not None and order.shipping_address is not None
        platform_id, address = order.platform_order_id, order.shipping_address
    # An earlier attempt reached the supplier under our key, but our record of it was lost.
    group = plan.groups[0]
    key = idempotency_key(placement.shop_id, platform_id, group.group_key, 1)
    earlier = placement.client.place_order(PlacementRequest(key, address, [
        PlacementItem(i.product_id, i.sku_attr, i.quantity, i.shipping.code if i.shipping else None)
        for i in group.items]))
    outcome = place_order(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id,
                          order_id=order_id)
    assert outcome.placed, outcome.summary
    assert outcome.groups[0].supplier_order_ids == tuple(earlier.supplier_order_ids)
    assert len(placement.supplier.orders()) == 2  # the earlier one, and the other seller's


class RefusingSupplier:
    """The sandbox client, except that placing is refused with an address error."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def place_order(self, request: PlacementRequest) -> object:
        raise SupplierError(SupplierErrorKind.INVALID_ADDRESS, "the supplier rejected the address: city",
                            supplier_code="B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL",
                            supplier_message="Please enter a city", field="city")


def test_a_refused_order_needs_attention_with_the_suppliers_words_and_can_be_retried(
        placement: Placement, clock: ManualClock) -> None:
    order_id = placement.order()
    refused = place_order(placement.container.uow(), placement.resolver(RefusingSupplier(placement.client)),  # type: ignore[arg-type]
                          clock, shop_id=placement.shop_id, order_id=order_id)
    assert [g.result for g in refused.groups] == [GroupResult.FAILED, GroupResult.FAILED]
    assert "Please enter a city" in refused.groups[0].message
    assert stage(placement, order_id) == (Stage.NEEDS_ATTENTION, AttentionReason.PLACEMENT_FAILED)
    assert placement.supplier.orders() == []
    retried = place_order(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id,
                          order_id=order_id)
    assert retried.placed, retried.summary
    assert len(placement.supplier.orders()) == 2
    keys = {so.idempotency_key for so in placement.supplier_orders(order_id)}  # type: ignore[attr-defined]
    assert len(keys) == 2  # the retry reused the same keys: nothing was recorded at the supplier


def test_bulk_placement_reports_each_order_and_one_failure_does_not_stop_the_others(
        placement: Placement, clock: ManualClock) -> None:
    good = placement.order(1001)
    unmapped = placement.order(1002, lines=3)
    results = place_orders(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id,
                           order_ids=[unmapped, good])
    assert [r.placed for r in results] == [False, True]
    assert "no supplier product" in results[0].summary


def test_automatic_payment_taken_at_placement_moves_the_order_to_awaiting_shipment(
        placement: Placement, clock: ManualClock) -> None:
    order_id = placement.order()
    outcome = place_order(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id,
                          order_id=order_id, auto_pay=True)
    assert outcome.placed, outcome.summary
    assert stage(placement, order_id) == (Stage.AWAITING_SHIPMENT, None)


def test_an_automatic_payment_the_supplier_did_not_take_needs_attention(placement: Placement,
                                                                        clock: ManualClock) -> None:
    placement.supplier.config.auto_pay_enabled = False  # the account is not allowed to pay automatically
    order_id = placement.order()
    place_order(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id,
                order_id=order_id, auto_pay=True)
    assert stage(placement, order_id) == (Stage.NEEDS_ATTENTION, AttentionReason.PAYMENT_FAILED)
    with placement.container.uow() as uow:
        order = uow.orders.get(placement.shop_id, order_id)
        assert order is not None
        assert "before 2026-03-22" in (order.attention_detail or "")
