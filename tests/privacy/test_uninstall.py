"""app/uninstalled: the store's tokens wiped, the shop shown disconnected, background work stopped for it; a
reinstall connects it again and catches up what changed meanwhile."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx
import pytest

from ordercenter.domain.alerts import AlertKind
from ordercenter.domain.outbox import EmailKind, EmailStatus
from ordercenter.domain.shops import Shop
from ordercenter.domain.webhooks import DeliveryStatus
from ordercenter.entrypoints.cli import main
from ordercenter.entrypoints.worker import default_jobs
from ordercenter.sandbox.shopify.payloads import order_json
from ordercenter.services import access
from ordercenter.services.store_sync import sync_orders
from tests.privacy.conftest import ALICE, APP_SECRET, BOB, MERCHANT, SHOP_A, SHOP_B, World


@pytest.mark.usefixtures("cli_env")
def test_app_uninstalled_wipes_the_tokens_keeps_the_webhook_secret_and_shows_the_shop_disconnected(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "store", "uninstall", "--url", f"{world.url}/sandbox/shopify/_operator"]) == 0
    assert "app/uninstalled sent to 1 subscriber(s)" in capsys.readouterr().out
    world.settle()

    shop = world.shop(SHOP_A.domain)
    assert shop is not None and shop.uninstalled_at == world.clock.now()
    tokens = {c.name: getattr(shop, c.name) for c in Shop.__table__.columns if c.name.endswith("_encrypted")}
    assert tokens.pop("webhook_secret_encrypted") is not None  # shop/redact, 48 hours later, is signed too
    assert tokens and set(tokens.values()) == {None}
    assert not shop.is_connected
    assert world.store.shop(SHOP_A.domain).subscriptions == []  # the store stops sending order webhooks
    other = world.shop(SHOP_B.domain)
    assert other is not None and other.is_connected

    since = f"disconnected since {world.clock.now():%Y-%m-%d %H:%M}"
    assert main(["shops", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = {domain: next(line for line in lines if domain in line) for domain in (SHOP_A.domain, SHOP_B.domain)}
    assert since in listed[SHOP_A.domain]
    assert "connected" in listed[SHOP_B.domain] and "disconnected" not in listed[SHOP_B.domain]
    # the merchant trying the web pages is told the same
    access.create_staff_user(world.container.uow(), shop_id=world.a, email=MERCHANT[SHOP_A.domain],
                             password="owner-pass-1", now=world.clock.now())
    with httpx.Client(base_url=world.url, timeout=10) as browser:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/").text)
        assert csrf is not None
        refused = browser.post("/sign-in", data={"email": MERCHANT[SHOP_A.domain], "password": "owner-pass-1",
                                                 "csrf_token": csrf[1]})
    assert since in html.unescape(refused.text)


def test_an_order_webhook_arriving_after_the_uninstall_is_not_applied(world: World) -> None:
    world.operator("uninstall", shop=SHOP_A.domain)
    world.settle()
    late = world.store.create_order(SHOP_A.domain, world.new_order(ALICE))

    assert world.post_webhook("orders/paid", order_json(late), secret=APP_SECRET).status_code == 200
    assert world.order(SHOP_A.domain, str(late.id)) is None
    with world.container.uow() as uow:
        statuses = {d.topic: d.status for d in uow.webhooks.page(world.a, statuses=None, before_id=None, limit=10)}
    assert statuses["orders/paid"] is DeliveryStatus.IGNORED


def test_background_jobs_leave_an_uninstalled_shop_alone(world: World) -> None:
    # given: in both shops a placed order due for a tracking look, a refund request nobody answers, and an
    # e-mail waiting in the outbox; then A uninstalls, and a day passes
    placed = {}
    for domain, person in ((SHOP_A.domain, ALICE), (SHOP_B.domain, BOB)):
        order = world.buy(domain, person)
        placed[domain] = world.place(domain, order)["id"]
        assert world.api[domain].post(f"/orders/{order.id}/customer-refunds",
                                      json={"message": "Where is my parcel?"}).status_code == 201
        world.operator("compliance/customers/data_request", shop=domain, customer=person.email)
    world.settle()
    assert world.complete_privacy_requests() == 2  # each shop's merchant gets an e-mail: waiting to be sent
    world.operator("uninstall", shop=SHOP_A.domain)
    world.settle()
    world.clock.advance(timedelta(hours=25))
    untouched = world.store.bucket(SHOP_A.domain).status().currently_available

    # when: every periodic job of the worker runs once
    for job in default_jobs():
        job.run(world.container)

    # then: the store was not called for A (its cost bucket is as full as before), nor the supplier
    assert world.store.bucket(SHOP_A.domain).status().currently_available == untouched
    with world.container.uow() as uow:
        polled = {d: uow.supplier_orders.get(world.shop_ids[d], so_id) for d, so_id in placed.items()}
        alerts = {d: [a.kind for a in uow.alerts.list(world.shop_ids[d], open_only=True, limit=20)]
                  for d in placed}
        emails = {d: {e.status for e in uow.outbox.page(world.shop_ids[d], status=None, limit=50)
                      if e.kind is EmailKind.PRIVACY} for d in placed}
    assert {d: so.last_polled_at is not None for d, so in polled.items() if so is not None} == {
        SHOP_A.domain: False, SHOP_B.domain: True}
    assert alerts[SHOP_A.domain] == [] and AlertKind.CUSTOMER_UNANSWERED in alerts[SHOP_B.domain]
    # e-mails to A's merchant are held, not sent; B's go out
    assert (emails[SHOP_A.domain], emails[SHOP_B.domain]) == ({EmailStatus.PENDING}, {EmailStatus.SENT})


def test_a_reinstall_connects_the_shop_again_and_catches_up_an_order_created_while_uninstalled(
        world: World) -> None:
    # given: A synced, then uninstalled; an order is placed on the store while the app is away
    world.buy(SHOP_A.domain, ALICE)
    shop = world.shop(SHOP_A.domain)
    assert shop is not None
    sync_orders(world.container.uow(), world.container.store_for(shop), world.container.clock, shop_id=world.a)
    world.operator("uninstall", shop=SHOP_A.domain)
    world.settle()
    world.clock.advance(timedelta(hours=2))
    meanwhile = world.store.create_order(SHOP_A.domain, world.new_order(BOB))
    assert world.store.wait_idle(10)
    assert world.order(SHOP_A.domain, str(meanwhile.id)) is None

    # when: the merchant installs the app again (the store's approval page, then our callback)
    response = httpx.get(f"{world.url}/shopify/install", params={"shop": SHOP_A.domain}, follow_redirects=True,
                         timeout=20)
    assert response.status_code == 200, response.text

    # then: connected, subscribed again, and the order made meanwhile is here without waiting for the sync job
    shop = world.shop(SHOP_A.domain)
    assert shop is not None and shop.is_connected and shop.uninstalled_at is None
    assert world.store.shop(SHOP_A.domain).subscriptions
    caught_up = world.order(SHOP_A.domain, str(meanwhile.id))
    assert caught_up is not None and caught_up.email == BOB.email
    assert shop.orders_synced_through is not None and shop.orders_synced_through >= caught_up.platform_updated_at
