"""The incremental sync reconciles every change, whatever the status; the first import keeps the rule that
only a paid, unfulfilled order is to be ordered."""

from __future__ import annotations

from decimal import Decimal

from ordercenter.domain.customer_refunds import CustomerRefundSource
from ordercenter.domain.stages import OrderFacts, derive_stage
from ordercenter.domain.status import AttentionReason, CustomerRefundStatus, FinancialStatus, FulfillmentStatus, Stage
from ordercenter.services.ingestion import ImportOutcome

from .conftest import SHOP, World


def test_the_next_sync_corrects_an_order_cancelled_and_one_refunded_while_their_webhooks_were_lost(
        world: World) -> None:
    # given two paid orders Order Center has, then the store's webhooks lost
    cancelled, refunded = world.store.generate_orders(SHOP.domain, 2)
    world.settle()
    world.sync()
    before = world.orders()
    assert before[str(cancelled.id)].stage is not Stage.CANCELLED
    world.store.webhooks.set_options(drop=True)
    # when one is cancelled and the other refunded on the store
    world.store.cancel_order(SHOP.domain, cancelled.id)
    refund = world.store.refund_order(SHOP.domain, refunded.id)
    lost = {d.topic for d in world.store.webhooks.deliveries() if d.state == "dropped"}
    assert {"orders/cancelled", "refunds/create"} <= lost
    assert world.orders()[str(cancelled.id)].stage is before[str(cancelled.id)].stage  # nobody told us
    report = world.sync()
    # then the sync corrected both: stages, and the refund recorded once as a customer refund
    assert report.count(ImportOutcome.UPDATED) == 2, report
    orders = world.orders()
    assert orders[str(cancelled.id)].stage is Stage.CANCELLED
    assert orders[str(cancelled.id)].cancelled_at is not None
    assert orders[str(refunded.id)].stage is Stage.CANCELLED
    assert orders[str(refunded.id)].financial_status is FinancialStatus.REFUNDED
    with world.container.uow() as uow:
        requests = uow.customer_refunds.for_order(world.shop.id, orders[str(refunded.id)].id)
        assert [(r.source, r.status, r.store_refund_id) for r in requests] == [
            (CustomerRefundSource.STORE, CustomerRefundStatus.REFUNDED, f"gid://shopify/Refund/{refund.id}")]
        assert requests[0].refund_amount == refund.amount
        assert not uow.customer_refunds.for_order(world.shop.id, orders[str(cancelled.id)].id)
    again = world.sync()
    assert again.count(ImportOutcome.UPDATED) == 0
    with world.container.uow() as uow:
        assert len(uow.customer_refunds.for_order(world.shop.id, orders[str(refunded.id)].id)) == 1


def test_an_order_fulfilled_on_the_store_before_its_first_import_is_history_not_to_order(world: World) -> None:
    world.store.webhooks.set_options(drop=True)
    shipped, open_order, pending = world.store.generate_orders(SHOP.domain, 2) + world.store.generate_orders(
        SHOP.domain, 1, financial_status="PENDING")
    world.store.fulfil_order(SHOP.domain, shipped.id)
    world.sync(full=True)
    orders = world.orders()
    assert orders[str(shipped.id)].stage is Stage.COMPLETED
    assert orders[str(shipped.id)].fulfilled_before_import
    assert orders[str(pending.id)].stage is Stage.UNPAID
    assert orders[str(open_order.id)].stage in (Stage.TO_ORDER, Stage.NEEDS_ATTENTION)
    assert orders[str(open_order.id)].attention_reason is not AttentionReason.FULFILLED_ON_STORE


def test_an_order_fulfilled_on_the_store_after_its_import_still_needs_the_merchant(world: World) -> None:
    world.store.webhooks.set_options(drop=True)
    order = world.store.generate_orders(SHOP.domain, 1)[0]
    world.sync(full=True)
    world.store.fulfil_order(SHOP.domain, order.id)  # fulfilled on Shopify by mistake, nothing ordered
    world.sync()
    stored = world.orders()[str(order.id)]
    assert stored.stage is Stage.NEEDS_ATTENTION
    assert stored.attention_reason is AttentionReason.FULFILLED_ON_STORE
    assert not stored.fulfilled_before_import


def test_an_order_first_seen_fulfilled_is_completed_and_a_later_unfulfilment_brings_it_back() -> None:
    history = OrderFacts(financial_status=FinancialStatus.PAID, fulfillment_status=FulfillmentStatus.FULFILLED,
                         fulfilled_before_import=True)
    assert derive_stage(history).stage is Stage.COMPLETED
    cancelled = OrderFacts(financial_status=FinancialStatus.PAID, fulfillment_status=FulfillmentStatus.FULFILLED,
                           cancelled_on_store=True, fulfilled_before_import=True)
    assert derive_stage(cancelled).stage is Stage.CANCELLED
    reopened = OrderFacts(financial_status=FinancialStatus.PAID, fulfillment_status=FulfillmentStatus.UNFULFILLED,
                          fulfilled_before_import=True)
    assert derive_stage(reopened).stage is Stage.TO_ORDER
    mistake = OrderFacts(financial_status=FinancialStatus.PAID, fulfillment_status=FulfillmentStatus.FULFILLED)
    assert derive_stage(mistake).attention_reason is AttentionReason.FULFILLED_ON_STORE


def test_a_refund_listed_by_the_graphql_order_counts_once_with_its_presentment_amount(world: World) -> None:
    world.store.webhooks.set_options(drop=True)
    order = world.store.generate_orders(SHOP.domain, 1)[0]
    refund = world.store.refund_order(SHOP.domain, order.id, amount=Decimal("5.00"), note="scratched box")
    world.sync(full=True)
    world.sync(full=True)
    stored = world.orders()[str(order.id)]
    with world.container.uow() as uow:
        requests = uow.customer_refunds.for_order(world.shop.id, stored.id)
    assert [(r.refund_amount, r.currency) for r in requests] == [(refund.amount, order.presentment_currency)]
    assert "scratched box" in requests[0].message
