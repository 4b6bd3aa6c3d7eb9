"""The demo's sandbox operator APIs hand out the store's access token, the webhook secret and the supplier's
app secret: they answer only with the demo's operator token, from the network and from loopback alike,
and `ordercenter sandbox …` finds that token in the demo's folder."""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from ordercenter.config import Settings
from ordercenter.entrypoints.cli import main
from ordercenter.entrypoints.demo import DemoWorld, demo_info, open_demo, write_demo_file
from ordercenter.entrypoints.sandbox_cli import DEMO_SECRETS_FILE
from tests.conftest import settings_for
from tests.live_server import free_port, live_server

#: Operator endpoints that hand out secrets or move things, one GET per sandbox part that mounts them.
STORE_SECRETS = "/sandbox/shopify/_operator/shops"
STORE_TOKENS = "/sandbox/shopify/_operator/oauth/refresh_grants"
SUPPLIER_SECRETS = "/sandbox/aliexpress/_operator/credentials"
SUPPLIER_ORDERS = "/sandbox/aliexpress/_operator/orders"
GUARDED = (STORE_SECRETS, STORE_TOKENS, SUPPLIER_SECRETS, SUPPLIER_ORDERS)
NETWORK_CLIENT = ("203.0.113.7", 51000)  # TEST-NET-3: an address from somewhere else on the network


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """SQLite only: the guard sits in front of the sandboxes and never reaches Order Center's database."""
    return settings_for("sqlite", request, tmp_path)


@pytest.fixture
def world(settings: Settings) -> Iterator[DemoWorld]:
    """The demo's Order Center and sandboxes on a fresh folder, not seeded (the operator APIs need no data)."""
    demo = open_demo(settings, url=f"http://127.0.0.1:{free_port()}")
    yield demo
    demo.close()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _non_loopback_address() -> str | None:
    """An IPv4 address of this machine that is not loopback (`hostname -I`), if it has one."""
    try:
        listed = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5, check=False).stdout
    except OSError:
        return None
    return next((a for a in listed.split() if a.count(".") == 3 and not a.startswith("127.")), None)


def test_a_client_on_the_network_without_the_operator_token_gets_401_and_no_secret(world: DemoWorld) -> None:
    client = TestClient(world.app(), client=NETWORK_CLIENT)
    secrets = [world.creds.access_token, world.creds.client_secret, world.supplier.credentials()["app_secret"]]

    for path in GUARDED:
        for headers in ({}, _bearer("sbxop_guessed"), {"Authorization": world.secrets.operator_token}):
            response = client.get(path, headers=headers)
            assert response.status_code == 401, (path, headers, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert "operator token" in response.json()["message"]
            assert not any(secret in response.text for secret in secrets)
    # a write is refused before it changes anything
    assert client.post("/sandbox/shopify/_operator/orders", json={"count": 3}).status_code == 401
    assert world.store_app.store.list_orders(world.creds.shop_domain) == []


def test_loopback_needs_the_operator_token_too_and_the_token_opens_every_operator_api(world: DemoWorld) -> None:
    # Nothing in the public contract calls these APIs without the token, and a web page open in the operator's
    # browser could reach loopback: loopback gets no exemption.
    local = TestClient(world.app(), client=("127.0.0.1", 52000))
    assert all(local.get(path).status_code == 401 for path in GUARDED)

    remote = TestClient(world.app(), client=NETWORK_CLIENT, headers=_bearer(world.secrets.operator_token))
    assert remote.get(SUPPLIER_SECRETS).json()["app_secret"] == world.supplier.credentials()["app_secret"]
    assert [s["access_token"] for s in remote.get(STORE_SECRETS).json()] == [world.creds.access_token]
    assert len(remote.post("/sandbox/shopify/_operator/orders", json={"count": 2}).json()) == 2
    # what Order Center and the platforms' clients call stays where it was: signed or token-checked, not ours
    assert local.get("/healthz").status_code == 200
    assert local.post("/sandbox/shopify/admin/api/2026-10/graphql.json", json={"query": "{shop{name}}"}).status_code \
        == 401  # the Admin API wants the store's access token, not the operator's


def test_a_demo_on_all_interfaces_answers_the_network_only_with_the_operator_token(world: DemoWorld) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address (the ASGI tests above cover the rule)")
    with live_server(world.app(), host="0.0.0.0") as url:  # noqa: S104  (what `demo --host 0.0.0.0` does)
        base = url.replace("0.0.0.0", address)
        with httpx.Client(base_url=base, timeout=10) as network:
            refused = [network.get(path) for path in GUARDED]
            allowed = network.get(SUPPLIER_SECRETS, headers=_bearer(world.secrets.operator_token))

    assert [r.status_code for r in refused] == [401] * len(GUARDED)
    assert allowed.status_code == 200
    assert allowed.json()["app_key"] == world.supplier.credentials()["app_key"]


def test_the_operator_token_is_made_once_kept_private_and_written_in_demo_json(settings: Settings) -> None:
    first = open_demo(settings, url=f"http://127.0.0.1:{free_port()}")
    first.close()
    again = open_demo(settings, url=f"http://127.0.0.1:{free_port()}")
    try:
        path = write_demo_file(settings.data_dir, demo_info(again))

        assert again.secrets.operator_token == first.secrets.operator_token
        assert json.loads(path.read_text())["operator_token"] == first.secrets.operator_token
        for private in (path, settings.data_dir / DEMO_SECRETS_FILE):
            assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
    finally:
        again.close()


def test_the_sandbox_commands_read_the_operator_token_from_the_demo_folder(
        world: DemoWorld, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = world.settings.data_dir
    with live_server(world.app(), port=int(world.settings.public_url.rsplit(":", 1)[1])) as url:
        write_demo_file(data_dir, demo_info(world))
        listed = main(["sandbox", "store", "orders", "create", "--count", "2", "--data-dir", str(data_dir)])
        by_url = main(["sandbox", "supplier", "orders", "--data-dir", str(data_dir),
                       "--url", f"{url}/sandbox/aliexpress/_operator"])
        info = json.loads((data_dir / "demo.json").read_text())
        del info["operator_token"]
        (data_dir / DEMO_SECRETS_FILE).unlink()
        Path(data_dir / "demo.json").write_text(json.dumps(info))
        without = main(["sandbox", "supplier", "orders", "--data-dir", str(data_dir)])

    assert (listed, by_url) == (0, 0)
    assert len(world.store_app.store.list_orders(world.creds.shop_domain)) == 2
    assert without == 2
    error = capsys.readouterr().err.strip()
    assert "operator token" in error and error.count("\n") == 0
