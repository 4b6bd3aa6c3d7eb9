"""The privacy webhooks at the door: signed like every webhook, checked before anything is recorded."""

from __future__ import annotations

from typing import Any

import pytest

from ordercenter.domain.webhooks import DeliveryStatus
from tests.privacy.conftest import ALICE, SHOP_A, SHOP_B, World


def _deliveries(world: World, shop_id: int) -> list[tuple[str, DeliveryStatus]]:
    with world.container.uow() as uow:
        return [(d.topic, d.status) for d in uow.webhooks.page(shop_id, statuses=None, before_id=None, limit=100)
                if d.topic not in ("orders/create", "orders/paid")]


def _requests(world: World, shop_id: int) -> int:
    with world.container.uow() as uow:
        return len(uow.privacy.page(shop_id, limit=100))


@pytest.mark.parametrize("topic", ["customers/data_request", "customers/redact", "shop/redact"])
def test_a_forged_privacy_webhook_is_refused_and_changes_nothing(world: World, topic: str) -> None:
    alice = world.buy(SHOP_A.domain, ALICE)
    before = world.rows_of(world.a)
    payload: dict[str, Any] = {"shop_id": 1, "shop_domain": SHOP_A.domain,
                               "customer": {"id": 1, "email": ALICE.email, "phone": None},
                               "orders_to_redact": [int(alice.platform_order_id)],
                               "orders_requested": [int(alice.platform_order_id)], "data_request": {"id": 7}}

    response = world.post_webhook(topic, payload, secret="not-the-app-secret")
    assert response.status_code == 401
    assert response.json()["error"]["field"] == "X-Shopify-Hmac-Sha256"
    assert world.complete_privacy_requests() == 0

    assert world.rows_of(world.a) == before
    order = world.order(SHOP_A.domain, alice.platform_order_id)
    assert order is not None and (order.email, order.raw_payload is not None) == (ALICE.email, True)


def test_a_privacy_webhook_without_its_customer_is_rejected_and_applies_nothing(world: World) -> None:
    world.buy(SHOP_A.domain, ALICE)
    response = world.post_webhook("customers/redact", {"shop_id": 1, "shop_domain": SHOP_A.domain,
                                                       "orders_to_redact": []})
    assert response.status_code < 500
    assert _deliveries(world, world.a) == [("customers/redact", DeliveryStatus.REJECTED)]
    with world.container.uow() as uow:
        [rejected] = uow.webhooks.page(world.a, statuses=[DeliveryStatus.REJECTED], before_id=None, limit=5)
    assert rejected.error is not None and "customer" in rejected.error
    assert _requests(world, world.a) == 0


def test_a_privacy_webhook_naming_another_shop_is_ignored(world: World) -> None:
    alice_b = world.buy(SHOP_B.domain, ALICE)
    response = world.post_webhook("customers/redact", {
        "shop_id": 2, "shop_domain": SHOP_B.domain, "customer": {"id": 1, "email": ALICE.email},
        "orders_to_redact": [int(alice_b.platform_order_id)]}, domain=SHOP_A.domain)
    assert response.status_code == 200
    assert _deliveries(world, world.a) == [("customers/redact", DeliveryStatus.IGNORED)]
    assert (_requests(world, world.a), _requests(world, world.b)) == (0, 0)
    order = world.order(SHOP_B.domain, alice_b.platform_order_id)
    assert order is not None and order.email == ALICE.email
