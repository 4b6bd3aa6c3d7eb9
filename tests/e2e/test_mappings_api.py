"""The product-mapping API through its HTTP interface."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ordercenter.bootstrap import Container
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.api.app import create_app
from ordercenter.services import access
from ordercenter.services.ingestion import import_order
from tests.factories import T0, snapshot

URL = "/api/v1/mappings"
VARIANT_1 = "40000000001"
VARIANT_2 = "40000000002"


def add_shop(container: Container, domain: str) -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=domain, name=domain, currency="EUR", created_at=T0))
        uow.commit()
        return shop.id


def client_for(container: Container, shop_id: int) -> TestClient:
    token = access.create_token(container.uow(), shop_id=shop_id, name="tests", now=T0).token
    return TestClient(create_app(container), headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def shop_id(container: Container) -> int:
    return add_shop(container, "maps.myshopify.com")


@pytest.fixture
def client(container: Container, shop_id: int) -> Iterator[TestClient]:
    with client_for(container, shop_id) as c:
        yield c


def test_put_creates_then_replaces_the_mapping_of_a_variant(client: TestClient) -> None:
    body = {"variant_id": f"gid://shopify/ProductVariant/{VARIANT_1}", "supplier_product_id": 1005001,
            "sku_attr": "14:193#Black", "ship_to_country": "fr"}
    created = client.put(URL, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["variant_id"] == VARIANT_1
    assert created.json()["supplier_product_id"] == "1005001"
    assert created.json()["ship_to_country"] == "FR"
    replaced = client.put(URL, json={**body, "backup_supplier_product_id": "1005009", "units_per_item": 2})
    assert replaced.status_code == 200
    assert replaced.json()["id"] == created.json()["id"]
    assert replaced.json()["backup_supplier_product_id"] == "1005009"
    assert client.get(f"{URL}/{created.json()['id']}").json()["units_per_item"] == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"variant_id": "not-a-number"}, "variant_id"),
    ({"units_per_item": 0}, "units_per_item"),
    ({"ship_to_country": "FRA"}, "ship_to_country"),
    ({"backup_sku_attr": "14:29#Red"}, "backup_sku_attr"),
    ({"supplier_account_id": 999}, "supplier_account_id"),
    ({"units_per_item": "many"}, "units_per_item"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_mapping_is_422_naming_the_field(client: TestClient, change: dict[str, object], field: str) -> None:
    response = client.put(URL, json={"variant_id": VARIANT_1, "supplier_product_id": "1005001", **change})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_input", field)
    assert client.get(URL).json()["count"] == 0


def test_mappings_are_listed_with_filters_and_keyset_pages(client: TestClient) -> None:
    for i in range(1, 6):
        client.put(URL, json={"variant_id": str(40_000_000_000 + i), "supplier_product_id": str(900 + i % 2)})
    first = client.get(URL, params={"limit": 3}).json()
    assert first["count"] == 5 and len(first["data"]) == 3
    second = client.get(URL, params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(second["data"]) == 2 and second["next_cursor"] is None
    assert client.get(URL, params={"supplier_product_id": "901"}).json()["count"] == 3
    only = client.get(URL, params={"variant_id": VARIANT_2}).json()
    assert [m["variant_id"] for m in only["data"]] == [VARIANT_2]
    assert client.get(URL, params={"cursor": "garbage"}).json()["error"]["field"] == "cursor"


def test_delete_removes_the_mapping_and_a_second_delete_is_404(client: TestClient) -> None:
    mapping_id = client.put(URL, json={"variant_id": VARIANT_1, "supplier_product_id": "1"}).json()["id"]
    assert client.delete(f"{URL}/{mapping_id}").status_code == 204
    assert client.get(URL).json()["count"] == 0
    gone = client.delete(f"{URL}/{mapping_id}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"


def test_a_csv_body_is_imported_with_a_per_row_report_and_unblocks_orders(client: TestClient, container: Container,
                                                                         shop_id: int) -> None:
    order = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="test")
    csv_text = ("variant_id;supplier_product_id;ship_to_country\n"
                f"{VARIANT_1};1005001;\n"
                f"{VARIANT_2};oops;\n"
                f"{VARIANT_2};1005002;\n")
    response = client.post(f"{URL}/import", content=csv_text.encode("utf-8-sig"),
                           headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert {k: report[k] for k in ("rows", "created", "updated", "failed", "orders_refreshed")} == {
        "rows": 3, "created": 2, "updated": 0, "failed": 1, "orders_refreshed": 1}
    assert report["errors"] == [{"row": 3, "field": "supplier_product_id", "variant_id": VARIANT_2,
                                 "message": report["errors"][0]["message"]}]
    assert "oops" in report["errors"][0]["message"]
    assert client.get(f"/api/v1/orders/{order.order_id}").json()["stage"] == "to_order"


def test_a_csv_can_be_uploaded_as_a_multipart_file(client: TestClient) -> None:
    files = {"file": ("mappings.csv", f"variant_id,supplier_product_id\n{VARIANT_1},1005001\n", "text/csv")}
    response = client.post(f"{URL}/import", files=files)
    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["failed"]) == (1, 0)


def test_a_csv_with_unknown_columns_is_422_naming_them(client: TestClient) -> None:
    response = client.post(f"{URL}/import", content=f"variant_id,supplier_product_id,colour\n{VARIANT_1},1,red\n",
                           headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "columns"
    assert "colour" in response.json()["error"]["message"]


def test_an_import_without_a_csv_says_how_to_send_one(client: TestClient) -> None:
    response = client.post(f"{URL}/import", json={"variant_id": VARIANT_1})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "Content-Type"


def test_another_shops_mappings_are_invisible(client: TestClient, container: Container) -> None:
    other_shop = add_shop(container, "other.myshopify.com")
    with client_for(container, other_shop) as other:
        theirs = other.put(URL, json={"variant_id": VARIANT_1, "supplier_product_id": "777"}).json()
    assert client.get(URL).json() == {"data": [], "count": 0, "next_cursor": None}
    assert client.get(f"{URL}/{theirs['id']}").status_code == 404
    assert client.delete(f"{URL}/{theirs['id']}").status_code == 404
    # the same variant in this shop is its own mapping, not an update of theirs
    mine = client.put(URL, json={"variant_id": VARIANT_1, "supplier_product_id": "1005001"})
    assert mine.status_code == 201 and mine.json()["id"] != theirs["id"]


def test_the_mapping_api_needs_a_token(container: Container) -> None:
    with TestClient(create_app(container)) as anonymous:
        assert anonymous.get(URL).status_code == 401
        assert anonymous.post(f"{URL}/import", content=b"variant_id,supplier_product_id\n",
                              headers={"Content-Type": "text/csv"}).status_code == 401
