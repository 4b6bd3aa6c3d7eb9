"""Store faults: the database away for a few seconds, webhooks duplicated, a day late and reordered, and
Shopify throttling. After recovery (and one sync where the store's webhooks alone cannot tell), every store
order is present exactly once and in the store's own state."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, make_url, select

from ordercenter.adapters.clock import ManualClock
from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.domain.orders import Order
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.web.sessions import SESSION_COOKIE
from ordercenter.entrypoints.worker import apply_pending_webhooks
from ordercenter.sandbox.shopify import SandboxStoreConfig, create_sandbox_store
from ordercenter.services import access
from ordercenter.services.shops import connect_shop
from tests.conftest import POSTGRES_URL, settings_for
from tests.live_server import free_port, live_server
from tests.reliability import LONG
from tests.reliability.tcp_proxy import TcpFaultProxy
from tests.store_sync.conftest import SHOP, World

# How long the database stays away: longer than a request's patience, shorter than Shopify's retries.
OUTAGE_SECONDS = 8.0 if LONG else 2.0
STORE_ORDERS = 40 if LONG else 6


def store_world(settings: Settings, clock: ManualClock, *, webhook_attempts: int = 4,
                webhook_retry_delay: float = 0.2) -> Iterator[World]:
    """The store-sync world (tests/store_sync/conftest.py) with Shopify's retry schedule made configurable:
    the real one retries 8 times over 4 hours, longer than any outage here."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    container = bootstrap(settings.model_copy(update={"public_url": url}), clock=clock,
                          migrate=settings.database_url is None)
    store_clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    sandbox = create_sandbox_store(SandboxStoreConfig(
        shops=[SHOP], bucket_size=20_000.0, restore_rate=10_000.0, clock=store_clock.now,
        webhook_attempts=webhook_attempts, webhook_retry_delay=webhook_retry_delay))
    with live_server(create_app(container, mounts={"/sandbox/shopify": sandbox}), port):
        shop = connect_shop(container.uow(), container.connect_store, container.secrets, domain=SHOP.domain,
                            access_token=SHOP.access_token, webhook_secret=SHOP.client_secret,
                            api_url=f"{url}/sandbox/shopify", callback_url=container.webhook_callback_url,
                            now=clock.now())
        yield World(container, sandbox.store, store_clock, url, shop)
        sandbox.store.close()
    container.engine.dispose()


def apply_what_is_left(world: World, clock: ManualClock) -> None:
    """What the worker's "apply pending webhooks" job does, with its back-off waited out on the clock."""
    assert world.store.wait_idle(60), [d.summary() for d in world.store.webhooks.deliveries()
                                       if d.state != "delivered"]
    for _ in range(20):
        with world.container.uow() as uow:
            if not uow.webhooks.pending(1):
                return
        clock.advance(timedelta(hours=1))
        apply_pending_webhooks(world.container)
        time.sleep(0.05)
    raise AssertionError("stored webhooks were never applied")


def copies_by_store_id(world: World) -> Counter[str]:
    """How many rows hold each store order (the unique key should make it 1, always)."""
    with world.container.session_factory() as session:
        rows = session.execute(select(Order.platform_order_id, func.count()).where(Order.shop_id == world.shop.id)
                               .group_by(Order.platform_order_id)).all()
    return Counter(dict(rows))


def store_state(world: World) -> dict[str, tuple[str, bool]]:
    """Each store order's payment state and whether it is cancelled, as the store says."""
    return {str(o["id"]): (str(o["financial_status"]).lower(), o["cancelled_at"] is not None)
            for o in world.store.snapshot(SHOP.domain)}


def our_state(world: World) -> dict[str, tuple[str, bool]]:
    return {platform_id: (str(order.financial_status.value).lower(), order.cancelled_at is not None)
            for platform_id, order in world.orders().items()}


# -- the database briefly away ------------------------------------------------------------------------------


@pytest.fixture
def proxied_postgres(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, TcpFaultProxy]]:
    """Settings on this run's PostgreSQL database reached through a proxy the test can cut."""
    if POSTGRES_URL is None:
        pytest.skip("needs PostgreSQL: set ORDERCENTER_TEST_POSTGRES_URL")
    direct = settings_for("postgresql", request, tmp_path)
    target = make_url(POSTGRES_URL)
    with TcpFaultProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        through = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        yield direct.model_copy(update={"database_url": through}), proxy


@pytest.mark.timeout(120)
def test_while_the_database_is_away_requests_get_503_and_no_webhook_is_lost_once_it_is_back(
        proxied_postgres: tuple[Settings, TcpFaultProxy], clock: ManualClock) -> None:
    settings, proxy = proxied_postgres
    # Retries 0.25, 0.5, 1, 2, 4, 8... seconds apart: the store keeps asking past the outage, as Shopify does.
    for world in store_world(settings, clock, webhook_attempts=10, webhook_retry_delay=0.25):
        token = access.create_token(world.container.uow(), shop_id=world.shop.id, name="tests",
                                    now=clock.now()).token
        with httpx.Client(base_url=world.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            # given: orders that came in while all was well
            world.store.generate_orders(SHOP.domain, STORE_ORDERS // 2, with_shipping_address=True)
            apply_what_is_left(world, clock)
            known = http.get("/api/v1/orders").json()["data"][0]["id"]

            # when: the database goes away, with requests and webhooks arriving meanwhile
            proxy.cut()
            cut_at = time.monotonic()
            arriving = world.store.generate_orders(SHOP.domain, STORE_ORDERS - STORE_ORDERS // 2,
                                                   with_shipping_address=True)
            answers = [http.get("/api/v1/orders"), http.get(f"/api/v1/orders/{known}"),
                       http.get("/orders", cookies={SESSION_COOKIE: "a-session-token"}),
                       http.get("/api/v1/outbox")]
            refused_hooks = _wait_for_refused_webhooks(world, {str(o.id) for o in arriving})
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - cut_at)))
            proxy.restore()

            # then: every answer meanwhile said "try again" (JSON for machines, a page for people), never a 500
            for answer in answers:
                assert answer.status_code == 503, (answer.request.url, answer.status_code, answer.text[:300])
                assert answer.headers["Retry-After"] == "5"
            for answer in answers[:2]:
                assert answer.json()["error"]["code"] == "database_unavailable"
            assert answers[2].headers["content-type"].startswith("text/html")
            assert refused_hooks >= len(arriving)  # at least each order's orders/create was refused once
            # and once it is back, the very first request works (dead pooled connections are replaced)
            assert http.get("/api/v1/orders").status_code == 200
            apply_what_is_left(world, clock)

        # then: every store order is here exactly once, in the store's state; the store gave up on no webhook
        assert copies_by_store_id(world) == Counter(dict.fromkeys(store_state(world), 1))
        assert our_state(world) == store_state(world)
        states = Counter(d.state for d in world.store.webhooks.deliveries())
        assert set(states) == {"delivered"}, states
        print(f"\nfigures: database away {OUTAGE_SECONDS:.0f} s ({proxy.cut_connections} connections cut); "  # noqa: T201
              f"{len(answers)} requests answered 503; {refused_hooks} webhook tries refused and retried; "
              f"{states['delivered']} webhooks delivered, 0 lost; {len(store_state(world))} orders, each once")


def _wait_for_refused_webhooks(world: World, store_ids: set[str]) -> int:
    """Until each arriving order's webhooks were refused at least once; the number of refused tries."""
    deadline = time.monotonic() + 10
    while True:
        refused = [d for d in world.store.webhooks.deliveries()
                   if d.last_status is not None and d.last_status >= 500]
        seen = {_store_id(d.body) for d in refused}
        if store_ids <= seen:
            return sum(d.attempts for d in refused)
        assert time.monotonic() < deadline, [d.summary() for d in world.store.webhooks.deliveries()]
        time.sleep(0.05)


def _store_id(body: bytes) -> str:
    import json

    payload: dict[str, Any] = json.loads(body)
    return str(payload.get("id"))


# -- webhooks duplicated, reordered and a day late; Shopify throttling ---------------------------------------


def test_webhooks_sent_twice_and_in_reverse_order_end_in_the_stores_state(settings: Settings,
                                                                           clock: ManualClock) -> None:
    for world in store_world(settings, clock):
        hooks = world.store.webhooks
        # given: every webhook sent twice, and held to be sent newest first
        hooks.set_options(duplicate=True, reorder=True, reorder_batch_size=100_000)
        # an order paid after its creation (its orders/updated arrives before its orders/create) ...
        paid_later = world.store.generate_orders(SHOP.domain, 1, financial_status="PENDING",
                                                 with_shipping_address=True)[0]
        world.store_clock.advance(timedelta(seconds=1))  # Shopify's updated_at counts whole seconds
        world.store.mark_paid(SHOP.domain, paid_later.id)
        # ... and one cancelled after it was paid (orders/cancelled arrives before orders/paid)
        cancelled = world.store.generate_orders(SHOP.domain, 1, with_shipping_address=True)[0]
        world.store_clock.advance(timedelta(seconds=1))
        world.store.cancel_order(SHOP.domain, cancelled.id)
        sent = [d.topic for d in hooks.deliveries() if _store_id(d.body) == str(cancelled.id)]
        # when: they are released, newest first
        hooks.set_options(reorder=False)
        apply_what_is_left(world, clock)
        # then: each order once, in the store's state
        arrived = [d.topic for d in sorted(hooks.deliveries(), key=lambda d: d.webhook_id)
                   if _store_id(d.body) == str(cancelled.id)]
        assert len(sent) == len(arrived) == 2 * len(set(sent))  # every webhook twice
        assert copies_by_store_id(world) == Counter({str(paid_later.id): 1, str(cancelled.id): 1})
        assert our_state(world) == store_state(world)
        assert our_state(world)[str(cancelled.id)] == ("paid", True)
        assert our_state(world)[str(paid_later.id)] == ("paid", False)
        with world.container.uow() as uow:
            stored = uow.webhooks.page(world.shop.id, statuses=None, before_id=None, limit=1000)
        assert len(stored) == len(hooks.deliveries()) // 2  # the copies were recognised, not stored again


def test_two_changes_within_one_second_delivered_newest_first_end_in_the_newest(settings: Settings,
                                                                               clock: ManualClock) -> None:
    for world in store_world(settings, clock):
        hooks = world.store.webhooks
        order = world.store.generate_orders(SHOP.domain, 1, financial_status="PENDING", with_shipping_address=True)[0]
        apply_what_is_left(world, clock)
        # given: the order paid and then cancelled within one second (the store's clock stands still), so
        # both versions carry the same whole-second updated_at; their webhooks held, to go newest first
        hooks.set_options(reorder=True, reorder_batch_size=100_000)
        world.store.mark_paid(SHOP.domain, order.id)
        world.store.cancel_order(SHOP.domain, order.id)
        # when: they arrive, the cancellation's before the payment's (and no sync runs)
        hooks.set_options(reorder=False)
        apply_what_is_left(world, clock)
        # then: the older event (X-Shopify-Triggered-At) did not undo the newer one
        assert store_state(world)[str(order.id)] == ("paid", True)
        assert our_state(world) == store_state(world)


def test_webhooks_a_day_late_do_not_undo_what_the_sync_already_brought(settings: Settings,
                                                                       clock: ManualClock) -> None:
    for world in store_world(settings, clock):
        hooks = world.store.webhooks
        # given: an order's orders/create and orders/paid held back by the store for a day
        hooks.set_options(reorder=True, reorder_batch_size=100_000)
        late = world.store.generate_orders(SHOP.domain, 1, with_shipping_address=True)[0]
        day_old = len(hooks.deliveries())
        world.store_clock.advance(timedelta(days=1))
        clock.advance(timedelta(days=1))
        # and, a day later, the order cancelled on the store; the next sync brings that in
        world.store.cancel_order(SHOP.domain, late.id)
        world.sync()
        assert our_state(world)[str(late.id)] == ("paid", True)
        # when: the day-old webhooks arrive at last (with the newer ones)
        hooks.set_options(reorder=False)
        apply_what_is_left(world, clock)
        # then: the order is still cancelled, as on the store, and here once
        assert day_old >= 2
        assert copies_by_store_id(world) == Counter({str(late.id): 1})
        assert our_state(world) == store_state(world)


def test_a_throttled_sync_waits_and_brings_every_order(settings: Settings, clock: ManualClock) -> None:
    for world in store_world(settings, clock):
        world.store.webhooks.set_options(drop=True)  # the orders come in by the sync alone
        seen = 0
        # Shopify throttles with a 200 + THROTTLED error, and (in front of some proxies) with an HTTP 429
        for with_429 in (False, True):
            # given: new orders on the store, and a store that throttles the next requests
            world.store.generate_orders(SHOP.domain, STORE_ORDERS // 2, with_shipping_address=True)
            world.store.faults.update(throttle_next=1, throttle_with_429=with_429)
            # when: the sync runs
            seen += world.sync().seen
            # then: it was throttled (every forced answer used up), waited, and skipped nothing
            assert world.store.faults.snapshot().throttle_next == 0
            assert copies_by_store_id(world) == Counter(dict.fromkeys(store_state(world), 1))
            assert our_state(world) == store_state(world)
        assert seen >= len(store_state(world)) == 2 * (STORE_ORDERS // 2)  # a sync may look at one twice
