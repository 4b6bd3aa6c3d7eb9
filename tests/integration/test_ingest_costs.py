"""A new order's webhook is stored and applied with few statements, and a rotated secret is honoured at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from ordercenter.bootstrap import Container
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import Stage
from ordercenter.services.ingestion import ImportOutcome, import_order
from ordercenter.services.webhook_intake import BadSignature, ShopSecretCache, receive_webhook
from tests.e2e.test_webhooks import DOMAIN, SECRET, body_of, signed
from tests.factories import T0, snapshot
from tests.integration.test_ingestion import shop_with_mappings

# What importing a new order of two lines takes: the shop, the order by its platform id, the mappings, the
# insert of the order, of its lines (one each on SQLite) and of its two timeline lines, the per-stage
# counter, and nothing about after-sale rows. (Before: 16, with five after-sale lookups and an UPDATE.)
NEW_ORDER_STATEMENTS = 9


@contextmanager
def statements(container: Container) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(container.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(container.engine, "before_cursor_execute", note)


def test_a_new_order_is_imported_with_its_stage_in_the_insert_and_no_after_sale_lookups(
        container: Container) -> None:
    shop_id = shop_with_mappings(container)
    with statements(container) as seen:
        result = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(lines=2), at=T0, source="sync")
    assert (result.outcome, result.stage) == (ImportOutcome.CREATED, Stage.TO_ORDER)
    assert len(seen) <= NEW_ORDER_STATEMENTS, "\n".join(s.split("\n")[0][:80] for s in seen)
    assert not [s for s in seen if s.startswith("UPDATE orders")]
    after_sale = ("supplier_orders", "return_requests", "cancellation_requests", "customer_refund_requests")
    assert not [s for s in seen if s.startswith("SELECT") and any(f"FROM {t}" in s for t in after_sale)]
    with container.uow() as uow:
        events = [e.type.value for e in uow.events.for_order(shop_id, result.order_id)]
    assert events == ["order_imported", "stage_changed"]


@pytest.fixture
def shop(container: Container) -> Shop:
    with container.uow() as uow:
        added = uow.shops.add(Shop(domain=DOMAIN, name="Hooks", currency="USD", created_at=T0,
                                   webhook_secret_encrypted=container.secrets.encrypt(SECRET)))
        uow.commit()
        return added


def rotate_secret(container: Container, shop: Shop, secret: str) -> None:
    with container.uow() as uow:
        row = uow.shops.get(shop.id)
        assert row is not None
        row.webhook_secret_encrypted = container.secrets.encrypt(secret)
        uow.commit()


def test_a_rotated_webhook_secret_is_honoured_at_once_and_the_old_one_refused(container: Container,
                                                                              shop: Shop) -> None:
    cache = ShopSecretCache(ttl_seconds=60)
    codec, secrets = container.webhook_codec, container.secrets

    def receive(secret: str, order_id: int) -> int:
        body = body_of(id=order_id)
        return receive_webhook(container.uow(), codec, secrets, headers=signed(body, secret=secret), body=body,
                               now=T0, cache=cache).shop_id

    # given: the secret is cached by a first delivery
    assert receive(SECRET, 1) == shop.id
    # when: the store's secret is rotated
    rotate_secret(container, shop, "whsec-rotated-secret")
    # then: a delivery signed with the new secret is taken, and the old secret no longer works
    assert receive("whsec-rotated-secret", 2) == shop.id
    with pytest.raises(BadSignature):
        receive(SECRET, 3)


def test_a_cached_shop_costs_no_query_on_its_next_delivery(container: Container, shop: Shop) -> None:
    cache = ShopSecretCache(ttl_seconds=60)
    first, second = body_of(id=11), body_of(id=12)
    receive_webhook(container.uow(), container.webhook_codec, container.secrets, headers=signed(first),
                    body=first, now=T0, cache=cache)
    with statements(container) as seen:
        receive_webhook(container.uow(), container.webhook_codec, container.secrets, headers=signed(second),
                        body=second, now=T0, cache=cache)
    assert [s.split()[0] for s in seen] == ["INSERT"]  # the delivery itself, nothing else


def new_order_body(order_id: int) -> bytes:
    payload = json.loads(body_of(id=order_id))
    for number, line in enumerate(payload["line_items"]):
        line["id"] = order_id * 100 + number  # line ids are unique across orders, like the store's
    return json.dumps(payload).encode()


def test_webhooks_through_the_endpoint_are_applied_in_batches_with_their_outcome(container: Container,
                                                                                 shop: Shop) -> None:
    with TestClient(create_app_for(container)) as client:
        for order_id in (21, 22, 23):
            body = new_order_body(order_id)
            assert client.post("/webhooks/shopify", content=body, headers=signed(body)).json()["status"] == "received"
    with container.uow() as uow:
        rows = uow.webhooks.page(shop.id, statuses=None, before_id=None, limit=10)
        assert sorted((r.status.value, r.attempts, r.next_attempt_at) for r in rows) == [("processed", 1, None)] * 3
        assert {o.platform_order_id for o in (uow.orders.by_platform_id(shop.id, str(i)) for i in (21, 22, 23))
                if o is not None} == {"21", "22", "23"}


def create_app_for(container: Container) -> Any:
    from ordercenter.entrypoints.api.app import create_app

    return create_app(container)
