"""The REST API through its HTTP interface."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from ordercenter.adapters.clock import ManualClock
from ordercenter.bootstrap import Container
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import FinancialStatus
from ordercenter.entrypoints.api.app import create_app
from ordercenter.services import access
from ordercenter.services.ingestion import import_order
from tests.factories import T0, snapshot


@pytest.fixture
def shop_id(container: Container) -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="api.myshopify.com", name="API shop", currency="EUR", created_at=T0))
        uow.commit()
        return shop.id


@pytest.fixture
def token(container: Container, shop_id: int) -> str:
    return access.create_token(container.uow(), shop_id=shop_id, name="tests", now=T0).token


@pytest.fixture
def client(container: Container, token: str) -> Iterator[TestClient]:
    with TestClient(create_app(container), headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def seed(container: Container, shop_id: int, count: int) -> None:
    for number in range(1001, 1001 + count):
        financial = FinancialStatus.PENDING if number % 5 == 0 else FinancialStatus.PAID
        import_order(container.uow(), shop_id=shop_id, at=T0, source="test",
                     snapshot=snapshot(number, customer=f"Customer {number}", financial=financial))


def test_health_answers_without_a_token(container: Container) -> None:
    with TestClient(create_app(container)) as anonymous:
        response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_the_api_refuses_a_missing_or_revoked_token(container: Container, shop_id: int, token: str) -> None:
    with TestClient(create_app(container)) as anonymous:
        missing = anonymous.get("/api/v1/orders")
        assert missing.status_code == 401
        assert missing.json()["error"]["code"] == "not_authenticated"
        with container.uow() as uow:
            token_id = uow.tokens.all(shop_id)[0].id
        access.revoke_token(container.uow(), shop_id=shop_id, token_id=token_id, now=T0)
        revoked = anonymous.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
        assert revoked.status_code == 401


def test_orders_are_listed_newest_first_with_keyset_pages(client: TestClient, container: Container,
                                                         shop_id: int) -> None:
    seed(container, shop_id, 12)
    first = client.get("/api/v1/orders", params={"limit": 5}).json()
    assert first["count"] == 12
    assert [o["name"] for o in first["data"]] == ["#1012", "#1011", "#1010", "#1009", "#1008"]
    names = [o["name"] for o in first["data"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get("/api/v1/orders", params={"limit": 5, "cursor": cursor}).json()
        names += [o["name"] for o in page["data"]]
        cursor = page["next_cursor"]
    assert len(names) == 12 and len(set(names)) == 12


def test_orders_filter_by_stage_and_search(client: TestClient, container: Container, shop_id: int) -> None:
    seed(container, shop_id, 10)
    unpaid = client.get("/api/v1/orders", params={"stage": "unpaid"}).json()
    assert {o["name"] for o in unpaid["data"]} == {"#1005", "#1010"}
    found = client.get("/api/v1/orders", params={"q": "customer 1003"}).json()
    assert [o["name"] for o in found["data"]] == ["#1003"]
    summary = found["data"][0]
    assert summary["stage"] == "needs_attention"
    assert summary["attention_reason"] == "unmapped_item"
    assert summary["after_sale"] == {"cancellation_pending": False, "return_open": False,
                                     "customer_refund_open": False}
    assert summary["total"] == {"amount": "64.69", "currency": "EUR"}


def test_one_order_shows_items_address_and_timeline(client: TestClient, container: Container,
                                                   shop_id: int, clock: ManualClock) -> None:
    result = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="test")
    import_order(container.uow(), shop_id=shop_id, at=T0 + timedelta(hours=1), source="test",
                 snapshot=snapshot(updated=timedelta(hours=1), financial=FinancialStatus.PARTIALLY_REFUNDED))
    body = client.get(f"/api/v1/orders/{result.order_id}").json()
    assert [line["quantity"] for line in body["lines"]] == [1, 2]
    assert body["lines"][0]["unit_price"] == {"amount": "19.90", "currency": "EUR"}
    assert body["shipping_address"]["city"] == "Paris"
    assert [e["type"] for e in body["timeline"]] == ["order_imported", "stage_changed", "order_updated"]
    assert body["supplier_orders"] == []


def test_an_unknown_order_is_a_404_with_a_json_error(client: TestClient) -> None:
    response = client.get("/api/v1/orders/999")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "no order with id 999",
                                         "field": "order_id"}}


def test_bad_query_parameters_name_the_field(client: TestClient) -> None:
    bad_stage = client.get("/api/v1/orders", params={"stage": "shipped-ish"})
    assert bad_stage.status_code == 422
    assert bad_stage.json()["error"]["field"] == "stage"
    bad_cursor = client.get("/api/v1/orders", params={"cursor": "garbage"})
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["error"] == {"code": "invalid_input", "field": "cursor",
                                          "message": "the cursor is not one this API gave out"}


def test_another_shops_order_is_invisible(client: TestClient, container: Container) -> None:
    with container.uow() as uow:
        other = uow.shops.add(Shop(domain="other.myshopify.com", name="Other", created_at=T0))
        uow.commit()
    result = import_order(container.uow(), shop_id=other.id, snapshot=snapshot(), at=T0, source="test")
    assert client.get(f"/api/v1/orders/{result.order_id}").status_code == 404
    assert client.get("/api/v1/orders").json()["count"] == 0


def test_the_openapi_document_describes_the_orders_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/healthz", "/api/v1/orders", "/api/v1/orders/{order_id}"} <= set(spec["paths"])
    stage_enum = spec["components"]["schemas"]["Stage"]["enum"]
    assert {"to_order", "needs_attention", "awaiting_payment", "awaiting_shipment", "in_transit", "delivered",
            "completed", "cancelled"} <= set(stage_enum)
