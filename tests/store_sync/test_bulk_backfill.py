"""The full backfill through a bulk query, against the sandbox store over real HTTP."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import httpx
import pytest

from ordercenter.adapters.ports import StoreError
from ordercenter.adapters.shopify.bulk import BulkOperations
from ordercenter.adapters.shopify.queries import orders_bulk_query
from ordercenter.bootstrap import Container
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.bulk_operations import BulkOperationStatus
from ordercenter.domain.errors import NotAllowed
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import Stage
from ordercenter.services.bulk_backfill import BackfillReport, BulkWait, record_finish
from ordercenter.services.ingestion import ImportOutcome
from tests.factories import T0

from .conftest import POLL_ONLY, SHOP, World


def _mixed_store(world: World) -> dict[str, int]:
    """A store with orders of every kind; the number of lines of each, by order id."""
    store = world.store
    orders = store.generate_orders(SHOP.domain, 30) + store.generate_orders(SHOP.domain, 4, financial_status="PENDING")
    store.cancel_order(SHOP.domain, orders[0].id, refund_payment=True)
    store.refund_order(SHOP.domain, orders[1].id)
    store.fulfil_order(SHOP.domain, orders[2].id)
    return {str(o.id): len(o.line_items) for o in store.list_orders(SHOP.domain)}


def test_a_bulk_backfill_imports_every_order_with_its_lines_exactly_once(world: World) -> None:
    world.store.webhooks.set_options(drop=True)
    lines = _mixed_store(world)
    world.store.webhooks.set_options(drop=False)  # the finish webhook tells the backfill, nothing else
    report = world.backfill()
    assert report.finished_by == "webhook" and report.polls == 0
    assert report.expected == len(lines) == report.seen == report.count(ImportOutcome.CREATED)
    assert report.batches == -(-len(lines) // 7)
    orders = world.orders()
    assert {pid: len(o.lines) for pid, o in orders.items()} == lines
    with world.container.uow() as uow:
        imported = Counter(e.order_id for o in orders.values() for e in uow.events.for_order(world.shop.id, o.id)
                           if e.type is OrderEventType.ORDER_IMPORTED)
    assert set(imported.values()) == {1} and len(imported) == len(lines)
    stages = Counter(o.stage for o in orders.values())
    assert stages[Stage.CANCELLED] == 2 and stages[Stage.COMPLETED] == 1 and stages[Stage.UNPAID] == 4
    # the same orders as the paged sync reads them
    by_page = {o.platform_order_id: o for page in world.client().iter_order_pages(updated_since=None)
               for o in page.orders}
    by_bulk = {o.platform_order_id: o for o in world.client().bulk.iter_orders(_url(world))}
    assert by_bulk == by_page


def _url(world: World) -> str:
    operation = world.client().bulk.operation(world.shop_row().bulk_operation_id or "")
    assert operation.url is not None
    return operation.url


def test_without_the_finish_webhook_the_backfill_polls_the_store_until_done(world: World) -> None:
    world.store.webhooks.set_options(drop=True)
    world.store.generate_orders(SHOP.domain, 12)
    world.bulk.set_options(hold=True)  # written but still RUNNING, until released
    seen: list[tuple[str, int]] = []

    def release_after_a_poll(report: BackfillReport) -> None:
        seen.append((report.phase, report.polls))
        if report.polls == 1:
            world.bulk.set_options(hold=False)

    report = world.backfill(wait=POLL_ONLY, on_progress=release_after_a_poll)
    assert report.finished_by == "poll" and report.polls >= 2
    assert ("waiting", 1) in seen and seen[-1][0] == "done"
    assert report.count(ImportOutcome.CREATED) == 12
    assert world.shop_row().bulk_operation_status is BulkOperationStatus.COMPLETED


def test_a_second_backfill_changes_nothing_and_the_sync_continues_from_it(world: World) -> None:
    world.store.webhooks.set_options(drop=True)
    created = world.store.generate_orders(SHOP.domain, 9)
    world.store_clock.advance(timedelta(seconds=5))
    first = world.backfill(wait=POLL_ONLY)
    with world.container.uow() as uow:
        events = len([e for o in world.orders().values() for e in uow.events.for_order(world.shop.id, o.id)])
    second = world.backfill(wait=POLL_ONLY)
    assert second.count(ImportOutcome.UNCHANGED) == 9 and second.seen == 9
    with world.container.uow() as uow:
        assert events == len([e for o in world.orders().values() for e in uow.events.for_order(world.shop.id, o.id)])
    shop = world.shop_row()
    assert shop.orders_synced_through == second.watermark
    assert first.watermark is not None and second.watermark is not None and second.watermark >= first.watermark
    # the incremental sync goes on from the bulk query's start: a change made since is picked up
    world.store_clock.advance(timedelta(seconds=5))
    world.store.cancel_order(SHOP.domain, created[3].id)
    report = world.sync()
    assert report.count(ImportOutcome.UPDATED) == 1 and report.seen == 1, report
    assert world.orders()[str(created[3].id)].stage is Stage.CANCELLED


def test_the_sixth_bulk_query_at_once_is_refused_by_the_store(world: World) -> None:
    world.store.generate_orders(SHOP.domain, 2)
    world.bulk.set_options(hold=True)
    bulk = world.client().bulk
    running = [bulk.start_orders_export(created_since=None) for _ in range(5)]
    assert len({op.id for op in running}) == 5
    with pytest.raises(StoreError, match="limit reached"):
        bulk.start_orders_export(created_since=None)
    assert {bulk.operation(op.id).status for op in running} == {BulkOperationStatus.RUNNING}
    world.bulk.set_options(hold=False)
    assert world.bulk.wait_finished()
    assert {bulk.operation(op.id).status for op in running} == {BulkOperationStatus.COMPLETED}
    assert bulk.operation(running[0].id).object_count > 2  # the orders and their lines


def test_history_beyond_60_days_needs_read_all_orders(world: World) -> None:
    world.store.webhooks.set_options(drop=True)
    now = world.store_clock.now()
    world.store.generate_orders(SHOP.domain, 2, created_at=now - timedelta(days=90))
    world.store.generate_orders(SHOP.domain, 3)
    since = world.container.clock.now() - timedelta(days=365)
    with pytest.raises(NotAllowed, match="read_all_orders") as refused:
        world.backfill(since=since)
    assert refused.value.field == "since"
    limited = world.backfill(wait=POLL_ONLY)
    assert limited.history_limited and limited.count(ImportOutcome.CREATED) == 3  # the store hid the old two
    world.store.shop(SHOP.domain).scopes += ",read_all_orders"
    everything = world.backfill(since=since, wait=POLL_ONLY)
    assert not everything.history_limited and everything.count(ImportOutcome.CREATED) == 2
    assert len(world.orders()) == 5


def test_a_result_address_expires_seven_days_after_the_bulk_query_finished(world: World) -> None:
    world.store.generate_orders(SHOP.domain, 2)
    bulk = world.client().bulk
    started = bulk.start_orders_export(created_since=None)
    assert world.bulk.wait_finished()
    done = bulk.operation(started.id)
    assert done.status is BulkOperationStatus.COMPLETED and done.url is not None
    assert len(list(bulk.iter_orders(done.url))) == 2
    world.store_clock.advance(timedelta(days=7, minutes=1))
    expired = bulk.operation(started.id)
    assert expired.status is BulkOperationStatus.EXPIRED and expired.url is None
    with pytest.raises(StoreError, match="expired"):
        list(bulk.iter_orders(done.url))


def test_a_failed_bulk_query_imports_nothing_and_says_why(world: World) -> None:
    world.store.webhooks.set_options(drop=True)
    world.store.generate_orders(SHOP.domain, 3)
    world.bulk.set_options(fail_with="TIMEOUT")
    with pytest.raises(StoreError, match="failed.*TIMEOUT"):
        world.backfill(wait=POLL_ONLY)
    assert not world.orders()
    assert world.shop_row().bulk_operation_status is BulkOperationStatus.FAILED


def test_a_result_not_grouped_by_order_is_refused_rather_than_joined_wrongly(world: World) -> None:
    world.store.generate_orders(SHOP.domain, 3)
    client = world.client()
    mutation = "mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) { " \
               "bulkOperation { id } userErrors { message } } }"
    answer = httpx.post(client.endpoint, json={"query": mutation, "variables": {"q": orders_bulk_query(None)}},
                        headers={"X-Shopify-Access-Token": SHOP.access_token}).json()
    operation_id = answer["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    assert world.bulk.wait_finished()
    url = client.bulk.operation(operation_id).url
    assert url is not None
    with pytest.raises(StoreError, match="not grouped"):
        list(BulkOperations.iter_orders(client.bulk, url))


@pytest.mark.parametrize(("query", "words"), [
    ("{ shop { name } }", "at least one connection"),
    ("{ orders { edges { node { lineItems { edges { node { id } } } } } } }", "must select the 'id' field"),
    ("{ orders { edges { node { id refunds { id transactions { edges { node { id } } } } "
     "lineItems { edges { node { id } } } } } } }", None),
])
def test_the_store_checks_a_bulk_query_as_shopify_does(world: World, query: str, words: str | None) -> None:
    mutation = "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } " \
               "userErrors { code field message } } }"
    answer = httpx.post(world.client().endpoint, json={"query": mutation, "variables": {"q": query}},
                        headers={"X-Shopify-Access-Token": SHOP.access_token}).json()
    errors = answer["data"]["bulkOperationRunQuery"]["userErrors"]
    if words is None:
        assert errors == []
        assert world.bulk.wait_finished()
    else:
        assert [e["code"] for e in errors] == ["INVALID"] and words in errors[0]["message"]


def test_the_wait_gives_up_after_its_timeout_and_names_the_bulk_query(world: World) -> None:
    world.store.webhooks.set_options(drop=True)
    world.bulk.set_options(hold=True)
    with pytest.raises(StoreError, match="still running") as caught:
        world.backfill(wait=BulkWait(check_every=0.02, first_poll=0.05, max_poll=0.1, timeout=0.3))
    assert "gid://shopify/BulkOperation/" in caught.value.message


def test_a_finish_webhook_counts_only_for_the_shops_current_bulk_query(container: Container) -> None:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="finish.myshopify.com", name="Finish", created_at=T0,
                                  bulk_operation_id="gid://shopify/BulkOperation/7",
                                  bulk_operation_status=BulkOperationStatus.RUNNING))
        uow.commit()
        shop_id = shop.id
    other = {"admin_graphql_api_id": "gid://shopify/BulkOperation/6", "status": "completed", "type": "query"}
    mine = {**other, "admin_graphql_api_id": "gid://shopify/BulkOperation/7", "status": "failed",
            "error_code": "timeout"}
    with container.uow() as uow:
        assert not record_finish(uow, shop_id, other)
        assert not record_finish(uow, shop_id, {**mine, "status": "running"})  # not a finish
        assert record_finish(uow, shop_id, mine)
        uow.commit()
    with container.uow() as uow:
        stored = uow.shops.get(shop_id)
        assert stored is not None and stored.bulk_operation_status is BulkOperationStatus.FAILED
