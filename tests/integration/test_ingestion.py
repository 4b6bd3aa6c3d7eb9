"""Ingestion is an idempotent upsert keyed by the platform id and guarded by updated_at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ordercenter.bootstrap import Container
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.mappings import ProductMapping
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import AttentionReason, FinancialStatus, FulfillmentStatus, Stage
from ordercenter.services.ingestion import ImportOutcome, import_order
from tests.factories import T0, snapshot


def shop_with_mappings(container: Container) -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="m.myshopify.com", name="m", currency="EUR", created_at=T0))
        uow.flush()
        for i in (1, 2):
            uow.mappings.add(ProductMapping(shop_id=shop.id, variant_id=str(40_000_000_000 + i),
                                            supplier_product_id=f"100500{i}", sku_attr="14:175",
                                            created_at=T0, updated_at=T0))
        uow.commit()
        return shop.id


def test_a_paid_unfulfilled_mapped_order_is_ready_to_order(container: Container) -> None:
    shop_id = shop_with_mappings(container)
    result = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="sync")
    assert result.outcome is ImportOutcome.CREATED
    assert result.stage is Stage.TO_ORDER


def test_the_same_version_twice_changes_nothing(container: Container) -> None:
    shop_id = shop_with_mappings(container)
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="webhook")
    again = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="webhook")
    assert again.outcome is ImportOutcome.UNCHANGED
    with container.uow() as uow:
        assert len(uow.events.for_order(shop_id, again.order_id)) == 2  # imported + stage changed


def test_an_older_version_arriving_late_is_ignored(container: Container) -> None:
    shop_id = shop_with_mappings(container)
    newer = snapshot(updated=timedelta(minutes=5), cancelled_at=T0 + timedelta(minutes=5),
                     financial=FinancialStatus.REFUNDED)
    import_order(container.uow(), shop_id=shop_id, snapshot=newer, at=T0, source="webhook")
    stale = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="webhook")
    assert stale.outcome is ImportOutcome.STALE
    assert stale.stage is Stage.CANCELLED


def test_an_update_is_written_on_the_timeline_and_moves_the_stage(container: Container) -> None:
    shop_id = shop_with_mappings(container)
    first = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(financial=FinancialStatus.PENDING),
                         at=T0, source="webhook")
    assert first.stage is Stage.UNPAID
    paid = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(updated=timedelta(hours=1)),
                        at=T0 + timedelta(hours=1), source="webhook")
    assert (paid.outcome, paid.stage) == (ImportOutcome.UPDATED, Stage.TO_ORDER)
    with container.uow() as uow:
        events = uow.events.for_order(shop_id, paid.order_id)
    types = [e.type for e in events]
    assert types.count(OrderEventType.ORDER_UPDATED) == 1
    update = next(e for e in events if e.type is OrderEventType.ORDER_UPDATED)
    assert update.parameters["changes"]["financial_status"] == ["pending", "paid"]


def test_an_order_without_shipping_address_needs_attention(container: Container) -> None:
    shop_id = shop_with_mappings(container)
    result = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(address=None), at=T0, source="sync")
    with container.uow() as uow:
        order = uow.orders.get(shop_id, result.order_id)
        assert order is not None
        assert order.attention_reason is AttentionReason.INVALID_ADDRESS
        assert order.attention_detail == "shipping address is missing"


def test_an_order_fulfilled_on_the_store_before_ordering_needs_attention(container: Container) -> None:
    shop_id = shop_with_mappings(container)
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="sync")
    result = import_order(container.uow(), shop_id=shop_id, at=T0, source="webhook",
                          snapshot=snapshot(updated=timedelta(minutes=1),
                                            fulfillment=FulfillmentStatus.FULFILLED))
    with container.uow() as uow:
        order = uow.orders.get(shop_id, result.order_id)
        assert order is not None and order.attention_reason is AttentionReason.FULFILLED_ON_STORE


def test_lines_are_updated_in_place_by_platform_line_id(container: Container) -> None:
    shop_id = shop_with_mappings(container)
    import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(lines=2), at=T0, source="sync")
    result = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(lines=2, updated=timedelta(1)),
                          at=datetime(2026, 3, 3, tzinfo=UTC), source="sync")
    with container.uow() as uow:
        order = uow.orders.get(shop_id, result.order_id)
        assert order is not None and len(order.lines) == 2
