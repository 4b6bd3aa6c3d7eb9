"""A store webhook that fails to apply: tried again on a backoff schedule, then given up with one alert."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx

from ordercenter.domain.alerts import AlertKind, webhook_delivery_subject
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.shops import Shop
from ordercenter.domain.webhooks import DeliveryStatus
from ordercenter.entrypoints.worker import apply_pending_webhooks
from ordercenter.sandbox.shopify.webhooks import sign_body
from ordercenter.services import access, webhook_intake
from ordercenter.services.ingestion import import_order
from tests.factories import T0, snapshot
from tests.webhook_deliveries.conftest import SHOP, STALE_ORDER_NUMBER, World

# The waits after each failed try, from the first: 30 s doubling; the 8th try is the last.
SCHEDULE = [timedelta(seconds=30 * 2 ** n) for n in range(7)]


def test_a_failing_delivery_is_tried_again_on_the_backoff_schedule_then_gives_up_with_one_alert(
        world: World) -> None:
    # given: the order's webhooks failed their first try, at once, on a unique constraint
    deliveries = world.order_that_fails_to_apply()
    assert [(d.topic, d.status, d.attempts) for d in deliveries] == [
        ("orders/create", DeliveryStatus.FAILED, 1), ("orders/paid", DeliveryStatus.FAILED, 1)]
    assert all("IntegrityError" in (d.error or "") for d in deliveries)
    assert [d.next_attempt_at for d in deliveries] == [T0 + SCHEDULE[0]] * 2
    # when: the worker ticks just before and at each due time
    tried_at = []
    for wait in SCHEDULE:
        world.clock.advance(wait - timedelta(seconds=1))
        assert apply_pending_webhooks(world.container) == 0  # not due yet: left alone
        world.clock.advance(timedelta(seconds=1))
        assert apply_pending_webhooks(world.container) == 2
        tried_at.append(world.clock.now())
    # then: eight tries, the last about an hour after the first, and no more after it
    rows = [world.delivery(d.id) for d in deliveries]
    assert [(r.status, r.attempts, r.next_attempt_at) for r in rows] == [(DeliveryStatus.FAILED, 8, None)] * 2
    assert [r.gave_up_at for r in rows] == [tried_at[-1]] * 2
    assert tried_at[-1] - T0 == sum(SCHEDULE, timedelta())  # 63 min 30 s
    world.clock.advance(timedelta(days=1))
    assert apply_pending_webhooks(world.container) == 0
    # then: one alert per delivery, raised at the last try, naming the topic and the error, e-mailed once
    alerts = {a.subject: a for a in world.alerts()}
    assert [(a.subject, a.kind, a.raised_at, a.is_open) for a in alerts.values()] == sorted(
        (webhook_delivery_subject(d.id), AlertKind.WEBHOOK_FAILED, tried_at[-1], True) for d in deliveries)
    create = alerts[webhook_delivery_subject(deliveries[0].id)]
    assert "orders/create" in create.message and "after 8 tries" in create.message
    assert "unique" in create.message.lower()  # SQLite: UNIQUE constraint failed; PostgreSQL: UniqueViolation
    assert create.order_id is None  # the order never made it in
    with world.container.uow() as uow:
        emails = [e for e in uow.outbox.page(world.shop.id, status=None, limit=50) if e.kind is EmailKind.ALERT]
    assert sorted(e.subject for e in emails) == ["A store webhook could not be applied: orders/create",
                                                 "A store webhook could not be applied: orders/paid"]
    assert f"ordercenter webhooks replay {deliveries[0].id}" in emails[-1].text_body + emails[0].text_body


def test_the_failed_deliveries_are_listed_without_their_bodies_and_one_shows_its_body(world: World) -> None:
    deliveries = world.order_that_fails_to_apply()

    listed = world.api.get("/webhook-deliveries", params={"status": "failed"})

    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["count"], body["next_cursor"]) == (2, None)
    newest_first = sorted(deliveries, key=lambda d: d.id, reverse=True)
    assert [(d["id"], d["topic"], d["status"], d["attempts"]) for d in body["data"]] == [
        (d.id, d.topic, "failed", 1) for d in newest_first]
    assert all("body" not in d for d in body["data"])  # customer data stays out of lists
    assert body["data"][0]["next_attempt_at"].startswith("2026-03-02T09:30:30")
    one = world.api.get(f"/webhook-deliveries/{deliveries[0].id}").json()
    assert one["body"] == deliveries[0].body and '"line_items"' in one["body"]
    # a page at a time, newest first
    first = world.api.get("/webhook-deliveries", params={"status": "failed", "limit": 1}).json()
    second = world.api.get("/webhook-deliveries", params={"status": "failed", "limit": 1,
                                                          "cursor": first["next_cursor"]}).json()
    assert [d["id"] for d in first["data"] + second["data"]] == [d.id for d in newest_first]
    assert second["next_cursor"] is None
    assert world.api.get("/webhook-deliveries").json()["count"] == 2  # without a state: every one
    assert world.api.get("/webhook-deliveries", params={"status": "processed"}).json()["count"] == 0
    assert world.api.get("/webhook-deliveries", params={"cursor": "nope"}).json()["error"]["field"] == "cursor"
    assert world.api.get("/webhook-deliveries", params={"status": "lost"}).status_code == 422


def test_a_replay_through_the_api_applies_it_and_settles_the_alert(world: World) -> None:
    # given: both deliveries gave up, and then the cause was fixed
    deliveries = world.order_that_fails_to_apply()
    for wait in SCHEDULE:
        world.clock.advance(wait)
        apply_pending_webhooks(world.container)
    assert all(a.is_open for a in world.alerts())
    world.fix_the_cause()
    world.clock.advance(timedelta(hours=2))
    # when
    replayed = [world.api.post(f"/webhook-deliveries/{d.id}/replay") for d in deliveries]
    # then: applied, tries counted again, the order is in, the alerts are cleared
    assert [r.status_code for r in replayed] == [200, 200], [r.text for r in replayed]
    assert [(r.json()["status"], r.json()["attempts"], r.json()["gave_up_at"], r.json()["error"])
            for r in replayed] == [("processed", 1, None, None)] * 2
    with world.container.uow() as uow:
        order = uow.orders.by_platform_id(world.shop.id, _platform_id(deliveries[0].body))
    assert order is not None
    assert [(a.is_open, a.resolved_at) for a in world.alerts()] == [(False, world.clock.now())] * 2
    # then: once applied, a second replay is refused, saying why
    again = world.api.post(f"/webhook-deliveries/{deliveries[0].id}/replay")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == (f"webhook delivery {deliveries[0].id} was applied already "
                                                "(processed)")


def test_a_replay_that_fails_again_is_scheduled_again_from_the_first_wait(world: World) -> None:
    deliveries = world.order_that_fails_to_apply()
    world.clock.advance(timedelta(seconds=10))

    replayed = webhook_intake.replay_delivery(world.container.uow(), world.container.webhook_codec,
                                              shop_id=world.shop.id, delivery_id=deliveries[0].id,
                                              now=world.clock.now())

    assert (replayed.status, replayed.attempts) == (DeliveryStatus.FAILED, 1)
    assert replayed.next_attempt_at == world.clock.now() + SCHEDULE[0]
    assert world.alerts() == []


def test_another_shops_token_sees_none_of_these_deliveries(world: World) -> None:
    deliveries = world.order_that_fails_to_apply()
    with world.container.uow() as uow:
        other = uow.shops.add(Shop(domain="other.myshopify.com", name="Other", currency="EUR", created_at=T0))
        uow.commit()
    token = access.create_token(world.container.uow(), shop_id=other.id, name="other", now=T0).token
    headers = {"Authorization": f"Bearer {token}"}

    assert world.api.get("/webhook-deliveries", headers=headers).json()["count"] == 0
    assert world.api.get(f"/webhook-deliveries/{deliveries[0].id}", headers=headers).status_code == 404
    assert world.api.post(f"/webhook-deliveries/{deliveries[0].id}/replay", headers=headers).status_code == 404
    assert world.delivery(deliveries[0].id).attempts == 1


def _platform_id(body: str) -> str:
    return str(json.loads(body)["id"])


def test_a_delivery_stored_by_a_server_that_died_before_applying_it_is_applied_by_the_worker(
        world: World) -> None:
    # given: stored and answered, then the process died before its own apply
    world.store.generate_orders(SHOP.domain, 1)
    assert world.store.wait_idle(10)
    world.wait_for("the order's own webhooks", lambda: [d.status for d in world.deliveries()] == [
        DeliveryStatus.PROCESSED] * 2)
    sent = world.store.webhooks.deliveries()[-1]
    payload = json.loads(sent.body)
    payload["note"] = "changed while our server was down"
    body = json.dumps(payload).encode()
    headers = {**sent.headers, "X-Shopify-Hmac-Sha256": sign_body(body, SHOP.client_secret),
               "X-Shopify-Event-Id": "event-of-the-dead-server", "X-Shopify-Topic": "orders/updated"}
    received = webhook_intake.receive_webhook(world.container.uow(), world.container.webhook_codec,
                                              world.container.secrets, headers=headers, body=body,
                                              now=world.clock.now())
    assert received.status is DeliveryStatus.RECEIVED
    # when / then: the worker leaves it to the request for a minute, then applies it
    world.clock.advance(timedelta(seconds=59))
    assert apply_pending_webhooks(world.container) == 0
    world.clock.advance(timedelta(seconds=1))
    assert apply_pending_webhooks(world.container) == 1
    assert world.delivery(received.delivery_id).status is DeliveryStatus.PROCESSED
    with world.container.uow() as uow:
        order = uow.orders.by_platform_id(world.shop.id, str(payload["id"]))
    assert order is not None and order.note == "changed while our server was down"


def test_the_alert_about_an_order_we_hold_is_written_on_its_timeline(world: World) -> None:
    # given: an order in, then an update of it that adds a line item another order here holds
    world.store.generate_orders(SHOP.domain, 1)
    assert world.store.wait_idle(10)
    world.wait_for("the order", lambda: [d.status for d in world.deliveries()] == [DeliveryStatus.PROCESSED] * 2)
    stale = snapshot(STALE_ORDER_NUMBER, lines=1)
    import_order(world.container.uow(), shop_id=world.shop.id, snapshot=stale, at=T0, source="sync")
    payload = world.store.snapshot(SHOP.domain)[0]
    payload["updated_at"] = (datetime.fromisoformat(payload["updated_at"]) + timedelta(hours=1)).isoformat()
    payload["line_items"].append({**payload["line_items"][0], "id": int(stale.lines[0].platform_line_id)})
    body = json.dumps(payload).encode()
    sent = world.store.webhooks.deliveries()[-1]
    headers = {**sent.headers, "X-Shopify-Hmac-Sha256": sign_body(body, SHOP.client_secret),
               "X-Shopify-Event-Id": "event-of-the-update", "X-Shopify-Topic": "orders/updated"}
    assert httpx.post(world.container.webhook_callback_url, content=body, headers=headers).status_code == 200
    world.wait_for("the first try", lambda: world.deliveries()[-1].attempts == 1)
    # when: the last allowed try (two here) fails too
    world.clock.advance(SCHEDULE[0])
    webhook_intake.process_pending(world.container.uow(), world.container.webhook_codec, now=world.clock.now(),
                                   max_attempts=2)
    # then: the alert names the order, and the order's timeline says it
    (alert,) = world.alerts()
    with world.container.uow() as uow:
        order = uow.orders.by_platform_id(world.shop.id, str(payload["id"]))
        assert order is not None
        events = [e.message for e in uow.events.for_order(world.shop.id, order.id)]
    assert alert.order_id == order.id
    assert f"Alert: {alert.message}" in events
