"""POST /webhooks/shopify: authenticity, tenant, dedupe, staleness, malformed bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ordercenter.bootstrap import Container
from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import AttentionReason, Stage
from ordercenter.domain.webhooks import DeliveryStatus
from ordercenter.entrypoints.api.app import create_app
from tests.factories import T0

SECRET = "whsec-test-0123456789"
DOMAIN = "hooks.myshopify.com"
PAYLOAD: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "shopify_adapter" / "fixtures" / "order_webhook.json").read_text())


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with container.uow() as uow:
        uow.shops.add(Shop(domain=DOMAIN, name="Hooks", currency="USD", created_at=T0,
                           access_token_encrypted=container.secrets.encrypt("shpat_x"),
                           webhook_secret_encrypted=container.secrets.encrypt(SECRET)))
        uow.commit()
    with TestClient(create_app(container)) as c:
        yield c


def signed(body: bytes, *, topic: str = "orders/paid", event_id: str | None = None, secret: str = SECRET,
           domain: str = DOMAIN, drop: str | None = None) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode(),
        "X-Shopify-Shop-Domain": domain,
        "X-Shopify-API-Version": DEFAULT_SHOPIFY_API_VERSION,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2025-03-04T15:16:03.000Z",
    }
    if drop:
        headers.pop(drop)
    return headers


def body_of(**changes: Any) -> bytes:
    return json.dumps({**PAYLOAD, **changes}).encode()


def deliveries(container: Container) -> list[tuple[str, DeliveryStatus]]:
    with container.uow() as uow:
        shop = uow.shops.by_domain(DOMAIN)
        assert shop is not None
        rows = [uow.webhooks.get(shop.id, i) for i in range(1, 50)]
    return [(r.topic, r.status) for r in rows if r is not None]


def the_order(container: Container) -> Any:
    with container.uow() as uow:
        shop = uow.shops.by_domain(DOMAIN)
        assert shop is not None
        return uow.orders.by_platform_id(shop.id, str(PAYLOAD["id"]))


def test_a_valid_webhook_is_stored_then_applied(client: TestClient, container: Container) -> None:
    body = body_of()
    response = client.post("/webhooks/shopify", content=body, headers=signed(body))
    assert response.status_code == 200
    assert response.json()["status"] == "received"
    order = the_order(container)
    assert order is not None
    assert order.name == PAYLOAD["name"]
    assert order.stage is Stage.NEEDS_ATTENTION  # nothing mapped yet
    assert order.attention_reason is AttentionReason.UNMAPPED_ITEM
    assert deliveries(container) == [("orders/paid", DeliveryStatus.PROCESSED)]


def test_a_forged_signature_is_refused_and_nothing_stored(client: TestClient, container: Container) -> None:
    body = body_of()
    response = client.post("/webhooks/shopify", content=body, headers=signed(body, secret="not-the-secret"))
    assert response.status_code == 401
    assert response.json()["error"]["field"] == "X-Shopify-Hmac-Sha256"
    assert deliveries(container) == []
    assert the_order(container) is None


def test_a_missing_signature_header_is_refused(client: TestClient, container: Container) -> None:
    body = body_of()
    response = client.post("/webhooks/shopify", content=body, headers=signed(body, drop="X-Shopify-Hmac-Sha256"))
    assert response.status_code == 401
    assert deliveries(container) == []


def test_a_body_altered_by_one_byte_is_refused(client: TestClient, container: Container) -> None:
    body = body_of()
    headers = signed(body)
    altered = body.replace(b'"paid"', b'"pai"', 1)
    assert len(altered) == len(body) - 1
    assert client.post("/webhooks/shopify", content=altered, headers=headers).status_code == 401
    tampered = bytearray(body)
    tampered[10] ^= 0x01
    assert client.post("/webhooks/shopify", content=bytes(tampered), headers=headers).status_code == 401
    assert deliveries(container) == []


def test_an_unknown_shop_is_404_and_nothing_stored(client: TestClient, container: Container) -> None:
    body = body_of()
    response = client.post("/webhooks/shopify", content=body, headers=signed(body, domain="nobody.myshopify.com"))
    assert response.status_code == 404
    assert deliveries(container) == []


def test_a_duplicate_delivery_of_the_same_event_is_applied_once(client: TestClient, container: Container) -> None:
    body = body_of()
    first = client.post("/webhooks/shopify", content=body, headers=signed(body, event_id="evt-1"))
    second = client.post("/webhooks/shopify", content=body, headers=signed(body, event_id="evt-1"))
    assert (first.json()["status"], second.json()["status"]) == ("received", "duplicate")
    assert deliveries(container) == [("orders/paid", DeliveryStatus.PROCESSED)]
    with container.uow() as uow:
        events = uow.events.for_order(the_order(container).shop_id, the_order(container).id)
    assert [e.type.value for e in events].count("order_imported") == 1


def test_a_stale_update_arriving_after_a_newer_one_is_ignored(client: TestClient, container: Container) -> None:
    newer = body_of(updated_at="2025-03-04T12:00:00-05:00", cancelled_at="2025-03-04T12:00:00-05:00",
                    financial_status="refunded")
    older = body_of(updated_at="2025-03-04T10:16:02-05:00")
    client.post("/webhooks/shopify", content=newer, headers=signed(newer, topic="orders/cancelled"))
    client.post("/webhooks/shopify", content=older, headers=signed(older, topic="orders/updated"))
    assert the_order(container).stage is Stage.CANCELLED
    assert deliveries(container) == [("orders/cancelled", DeliveryStatus.PROCESSED),
                                     ("orders/updated", DeliveryStatus.IGNORED)]


def test_authentic_malformed_json_is_answered_200_rejected_and_kept_for_inspection(
        client: TestClient, container: Container) -> None:
    body = b'{"id": 1, "name": '
    response = client.post("/webhooks/shopify", content=body, headers=signed(body))
    # 200: Shopify would only send the same bytes again, eight times in vain.
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["field"]) == ("rejected", "body")
    assert "not JSON" in response.json()["error"]
    assert deliveries(container) == [("orders/paid", DeliveryStatus.REJECTED)]


def test_a_payload_missing_needed_fields_is_rejected_and_never_half_applied(client: TestClient,
                                                                            container: Container) -> None:
    payload = {k: v for k, v in PAYLOAD.items() if k != "updated_at"}
    body = json.dumps(payload).encode()
    response = client.post("/webhooks/shopify", content=body, headers=signed(body))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["field"]) == ("rejected", "updated_at")
    assert the_order(container) is None
    assert deliveries(container) == [("orders/paid", DeliveryStatus.REJECTED)]


def test_a_missing_topic_header_is_rejected_and_kept(client: TestClient, container: Container) -> None:
    body = body_of()
    response = client.post("/webhooks/shopify", content=body, headers=signed(body, drop="X-Shopify-Topic"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["field"]) == ("rejected", "X-Shopify-Topic")
    assert deliveries(container) == [("?", DeliveryStatus.REJECTED)]


def test_app_uninstalled_marks_the_shop(client: TestClient, container: Container) -> None:
    body = json.dumps({"id": 1, "domain": DOMAIN}).encode()
    assert client.post("/webhooks/shopify", content=body, headers=signed(body, topic="app/uninstalled")).json()[
        "status"] == "received"
    with container.uow() as uow:
        shop = uow.shops.by_domain(DOMAIN)
        assert shop is not None and shop.uninstalled_at is not None
