from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, urlsplit

from starlette.testclient import TestClient

from ordercenter.sandbox.shopify import SandboxStore


def _authorize(client: TestClient, store: SandboxStore) -> dict[str, str]:
    response = client.get("/admin/oauth/authorize", params={
        "client_id": store.shop().client_id, "scope": "read_orders,write_orders",
        "redirect_uri": "https://ordercenter.test/auth/callback", "state": "nonce-42"}, follow_redirects=False)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://ordercenter.test/auth/callback"
    return dict(parse_qsl(location.query))


def test_authorize_redirects_with_a_verifiable_hmac(client: TestClient, store: SandboxStore) -> None:
    params = _authorize(client, store)

    assert set(params) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert params["state"] == "nonce-42"
    assert params["shop"] == store.shop().domain
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac")
    expected = hmac.new(store.shop().client_secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    assert params["hmac"] == expected


def test_the_code_buys_the_access_token_once(client: TestClient, store: SandboxStore) -> None:
    code = _authorize(client, store)["code"]
    form = {"client_id": store.shop().client_id, "client_secret": store.shop().client_secret, "code": code}

    first = client.post("/admin/oauth/access_token", data=form)
    replay = client.post("/admin/oauth/access_token", data=form)

    assert first.status_code == 200
    assert first.json() == {"access_token": store.shop().access_token, "scope": "read_orders,write_orders"}
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_request"


def test_a_wrong_client_secret_gets_no_token(client: TestClient, store: SandboxStore) -> None:
    code = _authorize(client, store)["code"]

    response = client.post("/admin/oauth/access_token", json={
        "client_id": store.shop().client_id, "client_secret": "nope", "code": code})

    assert response.status_code == 400
    assert "access_token" not in response.json()
