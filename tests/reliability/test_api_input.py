"""Bad input at the API's door: ids out of range, unknown fields, partial updates, the catch-all error, what
the OpenAPI description promises, the CLI's token list and the database file's permissions."""

from __future__ import annotations

import base64
import logging
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from ordercenter.adapters.db.session import build_engine
from ordercenter.bootstrap import Container
from ordercenter.config import Settings
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.api.deps import get_uow
from ordercenter.entrypoints.api.request_models import MAX_ID
from ordercenter.entrypoints.cli import app as cli
from ordercenter.entrypoints.cli_context import out as console
from ordercenter.services import access
from tests.factories import T0

TOO_BIG = MAX_ID + 1  # 2^31: an id PostgreSQL's INTEGER columns cannot hold
HUGE = 2**63  # the id of the fuzzer's 500s on either database
PASSWORD = "input-tests-pass-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _shop(container: Container, domain: str = "input.myshopify.com") -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=domain, name=domain.split(".")[0], currency="EUR", created_at=T0))
        uow.commit()
        shop_id: int = shop.id
    return shop_id


@pytest.fixture
def shop_id(container: Container) -> int:
    return _shop(container)


@pytest.fixture
def token(container: Container, shop_id: int) -> str:
    return access.create_token(container.uow(), shop_id=shop_id, name="input", now=T0).token


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
def client(app: FastAPI, token: str) -> Iterator[TestClient]:
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=False) as c:
        yield c


# ---------------------------------------------------------------- ids in range


OUT_OF_RANGE: list[tuple[str, str, dict[str, Any] | None, str]] = [  # method, path, body, field named
    ("GET", f"/api/v1/orders/{HUGE}", None, "order_id"),
    ("GET", f"/api/v1/orders/{TOO_BIG}", None, "order_id"),
    ("GET", "/api/v1/orders/0", None, "order_id"),
    ("GET", "/api/v1/supplier-orders/-1", None, "supplier_order_id"),
    ("POST", f"/api/v1/returns/{TOO_BIG}/escalate", None, "return_id"),
    ("GET", f"/api/v1/returns/1/evidence/{TOO_BIG}", None, "n"),
    ("GET", f"/api/v1/customer-refunds?order_id={TOO_BIG}", None, "order_id"),
    ("GET", f"/aliexpress/authorize?account={TOO_BIG}", None, "account"),
    ("POST", "/api/v1/placements/preview", {"orders": [{"order_id": TOO_BIG}]}, "orders.0.order_id"),
    ("PUT", "/api/v1/packaging", {"supplier_account_id": TOO_BIG}, "supplier_account_id"),
    ("POST", "/api/v1/customer-refunds/1/link", {"cancellation_id": 0}, "cancellation_id"),
]


def test_an_id_out_of_range_in_a_path_query_or_body_is_a_422_naming_it(client: TestClient) -> None:
    for method, path, body, field in OUT_OF_RANGE:
        answer = client.request(method, path, json=body)
        assert answer.status_code == 422, (method, path, answer.text)
        assert answer.headers["content-type"] == "application/json"
        assert answer.json()["error"]["code"] == "invalid_input"
        assert answer.json()["error"]["field"] == field, (method, path)


def _integer_ids(schema: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every integer schema named like an id (order_id, account, n…), with where it was found."""
    for name, prop in schema.get("properties", {}).items():
        for option in prop.get("anyOf", [prop]):
            if option.get("type") == "integer" and (name.endswith("_id") or name in {"account", "n"}):
                yield f"{where}.{name}", option


def test_every_id_the_api_takes_is_checked_against_one_range(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    found: list[tuple[str, dict[str, Any]]] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                as_object = {"properties": {parameter["name"]: parameter["schema"]}}
                found += _integer_ids(as_object, f"{method.upper()} {path} {parameter['in']}")
    for name, component in spec["components"]["schemas"].items():
        if name.endswith(("Create", "Request", "Update", "Selection", "Choice")):
            found += _integer_ids(component, name)
            for key_schema in (p.get("propertyNames") for p in component.get("properties", {}).values()):
                if key_schema and key_schema.get("type") == "integer":
                    found.append((f"{name} keys", key_schema))
    assert len(found) > 40
    unchecked = [where for where, schema in found if (schema.get("minimum"), schema.get("maximum")) != (1, MAX_ID)]
    assert unchecked == []


def _sign_in(container: Container, app: FastAPI, shop_id: int) -> TestClient:
    access.create_staff_user(container.uow(), shop_id=shop_id, email="pages@input.example", password=PASSWORD,
                             now=T0)
    browser = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    token = CSRF.search(browser.get("/").text)
    assert token is not None
    signed = browser.post("/sign-in", data={"email": "pages@input.example", "password": PASSWORD,
                                            "csrf_token": token[1]})
    assert signed.status_code == 303, signed.text[:300]
    return browser


def test_an_id_out_of_range_in_a_page_address_is_the_not_found_page(container: Container, app: FastAPI,
                                                                     shop_id: int) -> None:
    with _sign_in(container, app, shop_id) as browser:
        for path in (f"/orders/{HUGE}", f"/orders/{TOO_BIG}", "/orders/0", f"/returns/{TOO_BIG}",
                     f"/supplier-orders/{TOO_BIG}/messages"):
            answer = browser.get(path)
            assert answer.status_code == 404, (path, answer.text[:300])
            assert answer.headers["content-type"].startswith("text/html")
            assert "There is no page at this address." in answer.text


def test_an_id_out_of_range_in_a_pages_form_or_query_is_refused_on_the_page(container: Container, app: FastAPI,
                                                                            shop_id: int) -> None:
    with _sign_in(container, app, shop_id) as browser:
        csrf = CSRF.search(browser.get("/orders").text)
        assert csrf is not None
        for value in (str(HUGE), str(TOO_BIG), "0"):
            placed = browser.post("/orders/place", data={"place": value, "csrf_token": csrf[1]})
            assert placed.status_code == 422 and "is not an order id" in placed.text, (value, placed.text[:300])
            previewed = browser.get("/orders/place", params={"ids": value})
            assert previewed.status_code == 422, (value, previewed.text[:300])
            listed = browser.get("/orders", params={"supplier": value})
            assert listed.status_code == 200 and listed.headers["content-type"].startswith("text/html"), value


# ---------------------------------------------------------------- no bare 500


def test_an_unexpected_error_answers_json_with_a_request_id_and_keeps_the_details_in_the_log(
        app: FastAPI, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    def database_gone() -> None:
        raise RuntimeError("connection to db-secret-host:5432 refused (password=hunter2)")

    app.dependency_overrides[get_uow] = database_gone
    with caplog.at_level(logging.ERROR, logger="ordercenter.entrypoints.api.errors"):
        answer = client.get("/api/v1/orders", headers={"X-Request-Id": "req-4711"})
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["X-Request-Id"] == "req-4711"
    error = answer.json()["error"]
    assert error["code"] == "internal_error"
    assert error["request_id"] == "req-4711"
    assert "hunter2" not in answer.text and "db-secret-host" not in answer.text
    [logged] = [r for r in caplog.records if "req-4711" in r.getMessage()]
    assert logged.exc_info is not None and "hunter2" in str(logged.exc_info[1])


# ---------------------------------------------------------------- unknown fields, partial updates


def test_every_json_body_the_api_takes_refuses_unknown_fields(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    bodies: list[str] = []
    for operations in spec["paths"].values():
        for operation in operations.values():
            json_body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if json_body:
                schema = json_body["schema"]
                ref = next(o["$ref"] for o in schema.get("anyOf", [schema]) if "$ref" in o)
                bodies.append(ref.rsplit("/", 1)[1])
    assert len(bodies) > 15
    assert [name for name in bodies if components[name].get("additionalProperties") is not False] == []


def test_a_misspelled_packaging_field_is_refused_by_name_and_changes_nothing(client: TestClient) -> None:
    client.put("/api/v1/packaging", json={"note": "Thanks!", "no_supplier_logo": True})
    answer = client.put("/api/v1/packaging", json={"brandd_packaging": True})
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "brandd_packaging"
    assert "is not a field" in answer.json()["error"]["message"]
    [kept] = client.get("/api/v1/packaging").json()
    assert (kept["note"], kept["no_supplier_logo"], kept["branded_packaging"]) == ("Thanks!", True, False)


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_packaging_update_changes_only_the_fields_it_names(client: TestClient, method: str) -> None:
    first = client.request(method, "/api/v1/packaging", json={"note": "Thanks!", "no_supplier_logo": True})
    assert first.status_code == 200
    assert (first.json()["no_invoice_or_prices"], first.json()["branded_packaging"]) == (True, False)  # defaults
    answer = client.request(method, "/api/v1/packaging", json={"branded_packaging": True})
    assert answer.status_code == 200
    changed = answer.json()
    assert (changed["branded_packaging"], changed["note"], changed["no_supplier_logo"]) == (True, "Thanks!", True)
    assert client.get("/api/v1/packaging").json() == [changed]


# ---------------------------------------------------------------- what the description promises


def test_the_openapi_description_documents_the_errors_each_api_operation_gives(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    error_schema = {"$ref": "#/components/schemas/ErrorPublic"}
    operations = [(path, method, op) for path, ops in spec["paths"].items() if path.startswith("/api/v1/")
                  for method, op in ops.items()]
    assert len(operations) > 50
    for path, method, operation in operations:
        answers = operation["responses"]
        where = f"{method.upper()} {path}"
        assert {"401", "500"} <= set(answers), where
        assert answers["401"]["headers"]["WWW-Authenticate"]["required"] is True, where
        for status, answer in answers.items():
            if status[0] in "45":
                assert answer["content"]["application/json"]["schema"] == error_schema, (where, status)
        if "{" in path:
            assert "404" in answers, where
        if method != "get":
            assert {"404", "409", "422"} <= set(answers), where
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_a_refused_token_names_the_bearer_scheme(app: FastAPI, token: str) -> None:
    with TestClient(app) as anonymous:
        missing = anonymous.get("/api/v1/orders")
        wrong = anonymous.get("/api/v1/orders", headers={"Authorization": "Bearer oc_not-a-token"})
    for answer in (missing, wrong):
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_path_answers_405_listing_every_method_it_takes(client: TestClient) -> None:
    answer = client.post("/api/v1/mappings")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, PUT"
    assert client.get("/api/v1/mappings/import").headers["Allow"] == "POST"


def test_a_webhook_without_the_shop_header_says_that_header_is_missing(client: TestClient) -> None:
    signature = base64.b64encode(bytes(32)).decode()
    answer = client.post("/webhooks/shopify", content=b"{}", headers={
        "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Topic": "orders/create", "Authorization": ""})
    assert answer.status_code == 404
    assert answer.json()["error"]["field"] == "X-Shopify-Shop-Domain"
    assert "header is missing" in answer.json()["error"]["message"]
    assert "None" not in answer.json()["error"]["message"]


# ---------------------------------------------------------------- the CLI and the database file


def test_tokens_list_shows_every_shops_tokens_with_their_shop(container: Container, settings: Settings,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for domain in ("first.myshopify.com", "second.myshopify.com"):
        access.create_token(container.uow(), shop_id=_shop(container, domain), name=f"{domain[:5]}-token", now=T0)
    monkeypatch.setenv("ORDERCENTER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ORDERCENTER_SECRET_KEY", str(settings.secret_key))
    if settings.database_url:
        monkeypatch.setenv("ORDERCENTER_DATABASE_URL", settings.database_url)
    monkeypatch.setattr(console, "width", 200)  # one table row per line, whatever terminal runs the tests
    every = CliRunner().invoke(cli, ["tokens", "list"])
    assert every.exit_code == 0, every.output
    assert {"first.myshopify.com", "second.myshopify.com", "first-token", "secon-token"} <= set(every.output.split())
    one = CliRunner().invoke(cli, ["tokens", "list", "--shop", "second.myshopify.com"])
    assert one.exit_code == 0, one.output
    assert "secon-token" in one.output and "first-token" not in one.output


def test_the_sqlite_database_and_its_folder_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "data" / "ordercenter.db"
    engine = build_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE customers (name TEXT)"))
            connection.execute(text("INSERT INTO customers VALUES ('Ada')"))
        written = [database, database.with_name("ordercenter.db-wal")]
        assert {path: stat.S_IMODE(path.stat().st_mode) for path in written} == dict.fromkeys(written, 384)
        assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    finally:
        engine.dispose()
