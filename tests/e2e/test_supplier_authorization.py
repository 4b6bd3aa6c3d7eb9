"""Connecting a sandbox AliExpress account through the real OAuth dance over HTTP, then using it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from ordercenter.adapters.ports import AfterSaleAction
from ordercenter.bootstrap import Container
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.api.app import create_app
from ordercenter.sandbox.aliexpress import SandboxServer
from ordercenter.services import access
from ordercenter.services.suppliers import connect_supplier, get_supplier_account
from tests.factories import T0

CABLE = "1005006000000001"


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer(mount_path="/sandbox/aliexpress") as running:
        yield running


@pytest.fixture
def shop_id(container: Container) -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="e2e.myshopify.com", name="E2E shop", currency="USD", created_at=T0))
        uow.commit()
        return shop.id


@pytest.fixture
def client(container: Container, shop_id: int) -> Iterator[TestClient]:
    token = access.create_token(container.uow(), shop_id=shop_id, name="tests", now=T0).token
    with TestClient(create_app(container), headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def test_a_sandbox_account_is_authorized_through_the_consent_redirect_and_then_works(
        container: Container, shop_id: int, client: TestClient, server: SandboxServer) -> None:
    # given: a sandbox account connected without a token
    creds = server.supplier.credentials()
    account = connect_supplier(container.uow(), container.secrets, shop_id=shop_id, platform="aliexpress",
                               app_key=creds["app_key"], app_secret=creds["app_secret"], api_url=server.base_url,
                               sandbox=True, name="Sandbox AE", now=T0, probe=container.probe_supplier)
    assert not account.is_authorized

    # when: the merchant starts the authorization, consents at the sandbox, and is sent back to us
    start = client.get("/aliexpress/authorize", params={"account": account.id}, follow_redirects=False)
    assert start.status_code == 302
    consent_url = start.headers["location"]
    assert consent_url.startswith(f"{server.base_url}/oauth/authorize?")
    consent = httpx.get(consent_url, follow_redirects=False)
    assert consent.status_code == 302
    back = urlsplit(consent.headers["location"])
    assert back.path == "/aliexpress/callback" and "code" in parse_qs(back.query)
    finished = client.get(f"{back.path}?{back.query}")

    # then: the account holds working tokens for the sandbox's demo buyer
    assert finished.status_code == 200, finished.text
    assert "Sandbox AE is authorized" in finished.text
    stored = get_supplier_account(container.uow(), shop_id=shop_id, account_id=account.id)
    assert stored.is_authorized and stored.refresh_token_encrypted is not None
    assert stored.buyer_account == "ds-demo@sandbox.invalid"
    supplier = container.supplier_for(stored)
    assert supplier.get_product(CABLE, "US").product_id == CABLE
    assert supplier.capabilities == frozenset(AfterSaleAction)


def test_the_callback_refuses_a_state_we_did_not_issue(client: TestClient) -> None:
    response = client.get("/aliexpress/callback", params={"code": "3_x", "state": "forged"})

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "state"


def test_authorizing_needs_an_api_token_and_an_account_of_that_shop(container: Container, client: TestClient) -> None:
    with TestClient(create_app(container)) as anonymous:
        assert anonymous.get("/aliexpress/authorize", params={"account": 1},
                             follow_redirects=False).status_code == 401
    assert client.get("/aliexpress/authorize", params={"account": 999}, follow_redirects=False).status_code == 404


def test_the_supplier_list_shows_expiry_and_capabilities_but_never_a_secret(
        container: Container, shop_id: int, client: TestClient, server: SandboxServer) -> None:
    creds = server.supplier.credentials()
    connect_supplier(container.uow(), container.secrets, shop_id=shop_id, platform="aliexpress",
                     app_key=creds["app_key"], app_secret=creds["app_secret"], api_url=server.base_url, sandbox=True,
                     access_token=creds["access_token"], name="Sandbox AE", now=T0, probe=container.probe_supplier)
    connect_supplier(container.uow(), container.secrets, shop_id=shop_id, platform="aliexpress",
                     app_key="12345678", app_secret="real-app-secret", api_url=None, sandbox=False,
                     name="Real AE", now=T0, probe=container.probe_supplier)

    response = client.get("/api/v1/suppliers")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    sandbox, real = body["data"]
    assert (sandbox["name"], sandbox["sandbox"], sandbox["authorized"]) == ("Sandbox AE", True, True)
    assert sorted(sandbox["capabilities"]) == sorted(a.value for a in AfterSaleAction)
    assert (real["sandbox"], real["authorized"], real["capabilities"]) == (False, False, [])
    assert {"token_expires_at", "refresh_expires_at", "reauthorization_due", "app_key"} <= set(real)
    for secret in (creds["app_secret"], creds["access_token"], "real-app-secret"):
        assert secret not in response.text


def test_a_wrong_access_token_is_refused_by_the_sandbox_when_connecting(
        container: Container, shop_id: int, server: SandboxServer) -> None:
    creds = server.supplier.credentials()
    with pytest.raises(InvalidInput) as caught:
        connect_supplier(container.uow(), container.secrets, shop_id=shop_id, platform="aliexpress",
                         app_key=creds["app_key"], app_secret=creds["app_secret"], api_url=server.base_url,
                         sandbox=True, access_token="sbx_wrong", name="Sandbox AE", now=T0,
                         probe=container.probe_supplier)
    assert caught.value.field == "access_token"
