"""The Shopify adapter's write side against the sandbox store over real HTTP: fulfilments with tracking,
tracking changes, refunds, duplicating an order fulfilled by mistake, webhook registration, and how
transient server errors are handled on reads (retried) and on mutations (never sent twice)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
import pytest

from ordercenter.adapters.ports import FulfillmentLine, StoreError, TrackingInfo
from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.adapters.shopify.pacing import CostLimiter
from ordercenter.adapters.shopify.queries import operation_name
from ordercenter.domain.money import Money
from ordercenter.domain.snapshots import OrderSnapshot
from ordercenter.domain.status import FinancialStatus, FulfillmentStatus
from ordercenter.sandbox.shopify import SandboxStore, SandboxStoreConfig, ShopConfig, create_sandbox_store
from ordercenter.sandbox.shopify.catalog import CATALOG
from ordercenter.sandbox.shopify.records import Address, Customer, Order
from ordercenter.sandbox.shopify.records import TrackingInfo as StoreTracking
from ordercenter.sandbox.shopify.state import NewLine, NewOrder
from tests.live_server import live_server

SHOP = ShopConfig(domain="push-test.myshopify.com", name="Push Test", access_token="shpat_test_push_token",
                  client_id="push-client", client_secret="push-client-secret", currency="USD")
CALLBACK = "https://ordercenter.example/webhooks/shopify"
CAINIAO = TrackingInfo(number="LP00123456789012", company="Cainiao",
                       url="https://global.cainiao.com/detail.htm?mailNoList=LP00123456789012")


class RecordingTransport(httpx.BaseTransport):
    """Real HTTP, with a log of the GraphQL operation names sent: shows retries, or their absence."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(operation_name(json.loads(request.read())["query"]))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@dataclass
class Push:
    store: SandboxStore
    client: ShopifyClient
    transport: RecordingTransport
    sleeps: list[float] = field(default_factory=list)


# Every write runs at Shopify's own single-query ceiling, so a read that asks for too much fails here.
SHOPIFY_COST_LIMIT = 1000
needs_order_for_action = pytest.mark.parametrize("push", [
    pytest.param(SHOPIFY_COST_LIMIT, id="shopify-cost-limit"),
], indirect=True)


@pytest.fixture
def push(request: pytest.FixtureRequest) -> Iterator[Push]:
    # A generous bucket keeps the file quick; pacing at Shopify's real numbers is measured in bench/.
    config = SandboxStoreConfig(shops=[SHOP], bucket_size=20_000.0, restore_rate=10_000.0,
                                max_query_cost=getattr(request, "param", SHOPIFY_COST_LIMIT))
    app = create_sandbox_store(config)
    app.store.webhooks.set_options(drop=True)  # these tests look at the store, not at deliveries
    transport = RecordingTransport()
    sleeps: list[float] = []
    with live_server(app) as url:
        # A limiter of its own, so no other test's model of this shop's bucket leaks in; sleeps are
        # recorded, not slept, so a retry's backoff costs no time and shows in `sleeps`.
        client = ShopifyClient(SHOP.domain, SHOP.access_token, api_url=url, transport=transport,
                               limiter=CostLimiter(), sleep=sleeps.append)
        yield Push(app.store, client, transport, sleeps)
        client.close()
    app.store.close()


def usd_order(store: SandboxStore) -> Order:
    """A paid USD order: 2 × one variant and 1 × another, 4.99 shipping, a customer and an address."""
    first, second = CATALOG[0], CATALOG[3]
    customer = Customer(id=store.next_id("Customer"), first_name="Zoë", last_name="Müller",
                        email="zoe.muller@example.com")
    address = Address(first_name="Zoë", last_name="Müller", address1="12 Rue des Lilas", city="Lyon",
                      zip="69003", country="France", country_code="FR", phone="+33 612345678")
    return store.create_order(SHOP.domain, NewOrder(
        lines=[NewLine(title=v.product_title, quantity=q, price=v.price, sku=v.sku, variant_id=v.id,
                       product_id=v.product_id, variant_title=v.title, vendor=v.vendor)
               for v, q in ((first, 2), (second, 1))],
        presentment_currency="USD", email=customer.email, customer=customer, shipping_address=address,
        shipping_title="Standard", shipping_price=Decimal("4.99"), note="Ring twice", tags=["vip"],
    ))


def line_gid(order: Order, index: int) -> str:
    return f"gid://shopify/LineItem/{order.line_items[index].id}"


def synced(client: ShopifyClient) -> dict[str, OrderSnapshot]:
    return {o.platform_order_id: o for page in client.iter_order_pages(updated_since=None) for o in page.orders}


# ---------------------------------------------------------------- fulfilment and tracking


@needs_order_for_action
def test_fulfilling_some_lines_leaves_the_order_partially_fulfilled_with_the_tracking(push: Push) -> None:
    order = usd_order(push.store)
    fulfillment_id = push.client.create_fulfillment(
        str(order.id), [FulfillmentLine(line_gid(order, 0), 1)], CAINIAO, notify_customer=False)

    on_store = push.store.order(SHOP.domain, order.id)
    assert on_store.display_fulfillment_status == "PARTIALLY_FULFILLED"
    [fulfillment] = on_store.fulfillments
    assert fulfillment_id == f"gid://shopify/Fulfillment/{fulfillment.id}"
    assert fulfillment.lines == [(order.line_items[0].id, 1)]
    [tracking] = fulfillment.tracking
    assert (tracking.number, tracking.company, tracking.url) == (CAINIAO.number, CAINIAO.company, CAINIAO.url)


@needs_order_for_action
def test_fulfilling_the_rest_afterwards_makes_the_order_fulfilled(push: Push) -> None:
    order = usd_order(push.store)
    push.client.create_fulfillment(str(order.id), [FulfillmentLine(line_gid(order, 0), 1)], CAINIAO,
                                   notify_customer=False)
    second = TrackingInfo(number="LP00999999999999", company="Cainiao")
    push.client.create_fulfillment(
        str(order.id), [FulfillmentLine(line_gid(order, 0), 1), FulfillmentLine(line_gid(order, 1), 1)], second,
        notify_customer=True)

    on_store = push.store.order(SHOP.domain, order.id)
    assert on_store.display_fulfillment_status == "FULFILLED"
    assert [t.number for f in on_store.fulfillments for t in f.tracking] == [CAINIAO.number, second.number]
    assert all(fo.status == "CLOSED" for fo in on_store.fulfillment_orders)


@needs_order_for_action
def test_fulfilling_more_than_is_left_is_refused_before_anything_is_sent(push: Push) -> None:
    order = usd_order(push.store)
    push.client.create_fulfillment(str(order.id), [FulfillmentLine(line_gid(order, 1), 1)], CAINIAO,
                                   notify_customer=False)
    with pytest.raises(StoreError, match="has 0 left to fulfil, not 1"):
        push.client.create_fulfillment(str(order.id), [FulfillmentLine(line_gid(order, 1), 1)], CAINIAO,
                                       notify_customer=False)
    assert push.transport.sent.count("FulfillmentCreate") == 1
    assert len(push.store.order(SHOP.domain, order.id).fulfillments) == 1


def shipped_on_store(store: SandboxStore, order: Order) -> str:
    """The gid of a fulfilment of the whole order made on the store itself (so no ORDER_FOR_ACTION read)."""
    fulfillment = store.fulfil_order(SHOP.domain, order.id, tracking=StoreTracking(
        number=CAINIAO.number, company=CAINIAO.company, url=CAINIAO.url))
    return f"gid://shopify/Fulfillment/{fulfillment.id}"


def test_updating_tracking_changes_the_number_company_and_url_on_the_store(push: Push) -> None:
    order = usd_order(push.store)
    fulfillment_id = shipped_on_store(push.store, order)
    corrected = TrackingInfo(number="YT2412345678901", company="YunExpress",
                             url="https://www.yuntrack.com/parcelTracking?id=YT2412345678901")
    push.client.update_tracking(fulfillment_id, corrected, notify_customer=True)

    [fulfillment] = push.store.order(SHOP.domain, order.id).fulfillments
    assert [(t.number, t.company, t.url) for t in fulfillment.tracking] == [
        (corrected.number, corrected.company, corrected.url)]


def test_updating_the_tracking_of_an_unknown_fulfilment_raises_the_stores_words(push: Push) -> None:
    with pytest.raises(StoreError, match="Fulfillment does not exist"):
        push.client.update_tracking("4800999999", CAINIAO, notify_customer=False)


# ---------------------------------------------------------------- refunds


@needs_order_for_action
def test_refunding_one_line_and_the_shipping_moves_that_money_and_leaves_the_order_partially_refunded(
        push: Push) -> None:
    order = usd_order(push.store)
    paid = order.refundable
    refund_id = push.client.refund(str(order.id), [FulfillmentLine(line_gid(order, 1), 1)],
                                   Money(Decimal("4.99"), "USD"), "Item arrived broken", notify_customer=False)

    on_store = push.store.order(SHOP.domain, order.id)
    [refund] = on_store.refunds
    assert refund_id == f"gid://shopify/Refund/{refund.id}"
    expected = order.line_items[1].price + Decimal("4.99")
    assert refund.amount == expected
    assert refund.shipping == Decimal("4.99")
    assert refund.lines == [(order.line_items[1].id, 1, "NO_RESTOCK")]
    assert on_store.financial_status == "PARTIALLY_REFUNDED"
    assert on_store.refundable == paid - expected


@needs_order_for_action
def test_a_refund_above_what_is_refundable_is_refused_with_the_reason_and_moves_no_money(push: Push) -> None:
    order = usd_order(push.store)
    push.store.refund_order(SHOP.domain, order.id, amount=order.refundable - Decimal("5.00"))
    before = push.store.snapshot(SHOP.domain)

    with pytest.raises(StoreError, match=r"exceeds the 5\.00 USD still refundable") as refused:
        push.client.refund(str(order.id), [FulfillmentLine(line_gid(order, 0), 1)], None, "Too much",
                           notify_customer=False)
    assert refused.value.field == "amount"
    assert "RefundCreate" not in push.transport.sent
    assert push.store.snapshot(SHOP.domain) == before


@needs_order_for_action
def test_a_refund_the_store_itself_refuses_raises_its_words_and_moves_no_money(push: Push) -> None:
    # More shipping than the order charged passes the adapter's money check but not Shopify's.
    order = usd_order(push.store)
    before = push.store.snapshot(SHOP.domain)
    with pytest.raises(StoreError, match="Shipping refund amount must be between 0 and 4.99"):
        push.client.refund(str(order.id), [], Money(Decimal("6.00"), "USD"), "Shipping twice",
                           notify_customer=False)
    assert push.store.snapshot(SHOP.domain) == before


# ---------------------------------------------------------------- duplicate an order fulfilled by mistake


def _fulfilled_by_mistake(push: Push) -> tuple[Order, OrderSnapshot]:
    order = usd_order(push.store)
    original = synced(push.client)[str(order.id)]  # what Order Center holds from before the mistake
    push.store.fulfil_order(SHOP.domain, order.id)
    assert synced(push.client)[str(order.id)].fulfillment_status is FulfillmentStatus.FULFILLED
    return order, original


def test_duplicating_an_order_fulfilled_by_mistake_creates_a_paid_unfulfilled_copy_with_the_same_lines(
        push: Push) -> None:
    order, original = _fulfilled_by_mistake(push)
    copy = push.client.duplicate_order(original, tag=f"reship-of:{original.name}",
                                       note=f"Replaces {original.name}, fulfilled on Shopify by mistake")

    assert copy.platform_order_id != original.platform_order_id
    assert copy.financial_status is FinancialStatus.PAID
    assert copy.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert [(line.variant_id, line.sku, line.quantity) for line in copy.lines] == [
        (line.variant_id, line.sku, line.quantity) for line in original.lines]
    assert copy.email == original.email
    assert copy.shipping_address is not None and original.shipping_address is not None
    assert (copy.shipping_address.full_name, copy.shipping_address.address1, copy.shipping_address.city,
            copy.shipping_address.zip, copy.shipping_address.country_code) == (
        original.shipping_address.full_name, original.shipping_address.address1, original.shipping_address.city,
        original.shipping_address.zip, original.shipping_address.country_code)
    assert f"reship-of:{original.name}" in copy.tags and "vip" in copy.tags
    assert original.name in copy.note
    on_store = push.store.order(SHOP.domain, int(copy.platform_order_id))
    assert on_store.financial_status == "PAID"
    assert on_store.display_fulfillment_status == "UNFULFILLED"
    # The copy costs what the original cost: its margin at placement is the real one.
    assert on_store.total_price == order.total_price
    assert (on_store.total_tax, on_store.total_discounts, on_store.shipping_price) == (
        order.total_tax, order.total_discounts, order.shipping_price)


def test_the_duplicate_belongs_to_the_same_customer(push: Push) -> None:
    _, original = _fulfilled_by_mistake(push)
    copy = push.client.duplicate_order(original, tag="reship", note=f"Duplicate of {original.name}")
    assert original.customer_name == "Zoë Müller"
    assert copy.customer_name == original.customer_name


def test_the_duplicate_comes_in_with_the_next_sync_as_paid_and_unfulfilled(push: Push) -> None:
    _, original = _fulfilled_by_mistake(push)
    copy = push.client.duplicate_order(original, tag="reship", note="Reship")

    orders = synced(push.client)  # every order comes in; the copy is the one to place
    assert set(orders) == {original.platform_order_id, copy.platform_order_id}
    came_in = orders[copy.platform_order_id]
    assert came_in == copy
    assert (came_in.financial_status, came_in.fulfillment_status) == (FinancialStatus.PAID,
                                                                       FulfillmentStatus.UNFULFILLED)
    assert f"Duplicate of {original.name}" in came_in.note


# ---------------------------------------------------------------- webhooks


def test_registering_webhooks_twice_subscribes_each_topic_once(push: Push) -> None:
    topics = ["orders/create", "orders/paid", "orders/updated", "refunds/create"]
    push.client.register_webhooks(CALLBACK, topics)
    push.client.register_webhooks(CALLBACK, topics)

    subscriptions = push.store.shop(SHOP.domain).subscriptions
    assert sorted(s.topic for s in subscriptions) == ["ORDERS_CREATE", "ORDERS_PAID", "ORDERS_UPDATED",
                                                      "REFUNDS_CREATE"]
    assert {s.callback_url for s in subscriptions} == {CALLBACK}


def test_registering_an_unusable_callback_address_raises_the_stores_words(push: Push) -> None:
    with pytest.raises(StoreError, match="Address is invalid"):
        push.client.register_webhooks("not-a-url", ["orders/paid"])
    assert push.store.shop(SHOP.domain).subscriptions == []


# ---------------------------------------------------------------- transient server errors


def test_a_503_on_a_read_is_retried_transparently(push: Push) -> None:
    push.store.generate_orders(SHOP.domain, 3)
    push.store.faults.update(fail_next=1, fail_status=503)

    orders = synced(push.client)

    assert len(orders) == 3
    assert push.transport.sent == ["OrdersSync", "OrdersSync"]
    assert len(push.sleeps) == 1 and push.sleeps[0] > 0  # one backoff pause before the retry


def test_a_5xx_on_a_mutation_says_the_outcome_is_unknown_and_is_not_sent_again(push: Push) -> None:
    order, original = _fulfilled_by_mistake(push)
    orders_before = len(push.store.list_orders(SHOP.domain))
    sent_before = len(push.transport.sent)
    push.store.faults.update(fail_next=1, fail_status=502)

    with pytest.raises(StoreError, match="outcome is unknown") as failed:
        push.client.duplicate_order(original, tag="reship", note="Reship")

    assert "HTTP 502" in failed.value.message
    assert push.transport.sent[sent_before:] == ["OrderCreate"]  # exactly one attempt: no blind retry
    assert len(push.store.list_orders(SHOP.domain)) == orders_before


def test_a_5xx_on_a_tracking_update_is_not_retried_either(push: Push) -> None:
    order = usd_order(push.store)
    fulfillment_id = shipped_on_store(push.store, order)
    push.store.faults.update(fail_next=1, fail_status=500)

    with pytest.raises(StoreError, match="outcome is unknown"):
        push.client.update_tracking(fulfillment_id, TrackingInfo(number="NEW1", company="Other"),
                                    notify_customer=False)

    assert push.transport.sent == ["FulfillmentTrackingInfoUpdate"]
    [fulfillment] = push.store.order(SHOP.domain, order.id).fulfillments
    assert [t.number for t in fulfillment.tracking] == [CAINIAO.number]
