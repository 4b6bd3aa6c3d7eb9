"""The sandbox checks requests like the platform, and the client turns refusals into SupplierErrors."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ordercenter.adapters.aliexpress import AliExpressClient
from ordercenter.adapters.aliexpress.signing import sign
from ordercenter.adapters.ports import SupplierError, SupplierErrorKind
from ordercenter.sandbox.aliexpress import SandboxServer
from tests.aliexpress.aliexpress_fixtures import CABLE, ClientFactory


def _signed(server: SandboxServer, **changes: str) -> dict[str, str]:
    creds = server.supplier.credentials()
    params = {"app_key": creds["app_key"], "timestamp": str(int(datetime.now(UTC).timestamp() * 1000)),
              "sign_method": "sha256", "method": "aliexpress.ds.product.get", "access_token": creds["access_token"],
              "product_id": CABLE, "ship_to_country": "US"}
    params.update(changes)
    params["sign"] = sign(params, creds["app_secret"])
    return params


def test_a_well_signed_request_is_answered_in_the_method_envelope(server: SandboxServer) -> None:
    body = httpx.post(f"{server.base_url}/sync", data=_signed(server)).json()

    assert body["aliexpress_ds_product_get_response"]["rsp_code"] == 200


def test_a_bad_signature_is_refused_with_the_platform_error_shape(server: SandboxServer) -> None:
    params = _signed(server)
    params["sign"] = "0" * 64

    body = httpx.post(f"{server.base_url}/sync", data=params).json()

    error = body["error_response"]
    assert error["code"] == "IncompleteSignature"
    assert {"type", "code", "msg", "request_id"} <= set(error)


def test_a_parameter_changed_after_signing_breaks_the_signature(server: SandboxServer) -> None:
    params = _signed(server)
    params["product_id"] = "1005006000000002"

    body = httpx.post(f"{server.base_url}/sync", data=params).json()

    assert body["error_response"]["code"] == "IncompleteSignature"


def test_an_expired_timestamp_is_refused(server: SandboxServer) -> None:
    old = str(int((datetime.now(UTC) - timedelta(hours=1)).timestamp() * 1000))

    body = httpx.post(f"{server.base_url}/sync", data=_signed(server, timestamp=old)).json()

    assert body["error_response"]["code"] == "InvalidTimestamp"


def test_a_client_with_a_wrong_clock_gets_an_auth_error_naming_the_platform_code(make_client: ClientFactory) -> None:
    client = make_client(clock=lambda: datetime.now(UTC) - timedelta(hours=3))

    with pytest.raises(SupplierError) as caught:
        client.get_product(CABLE, "US")

    assert caught.value.kind is SupplierErrorKind.AUTH
    assert caught.value.supplier_code == "InvalidTimestamp"


def test_a_wrong_app_secret_is_an_auth_error(server: SandboxServer) -> None:
    creds = server.supplier.credentials()
    client = AliExpressClient(creds["app_key"], "not-the-secret", creds["access_token"], base_url=server.base_url)

    with pytest.raises(SupplierError) as caught:
        client.get_product(CABLE, "US")

    assert caught.value.kind is SupplierErrorKind.AUTH
    assert caught.value.supplier_code == "IncompleteSignature"
    client.close()


def test_an_unknown_access_token_is_an_auth_error(make_client: ClientFactory) -> None:
    client = make_client(access_token="sbx_revoked")

    with pytest.raises(SupplierError) as caught:
        client.get_order("8198352049851315")

    assert caught.value.kind is SupplierErrorKind.AUTH
    assert caught.value.supplier_code == "IllegalAccessToken"


def test_an_unknown_method_is_an_invalid_api_path(server: SandboxServer) -> None:
    body = httpx.post(f"{server.base_url}/sync", data=_signed(server, method="aliexpress.ds.nothing")).json()

    assert body["error_response"]["code"] == "InvalidApiPath"



def test_the_sandbox_answers_at_the_same_paths_when_mounted_under_a_prefix() -> None:
    with SandboxServer(mount_path="/sandbox/aliexpress") as mounted:
        creds = mounted.supplier.credentials()
        client = AliExpressClient(creds["app_key"], creds["app_secret"], creds["access_token"],
                                  base_url=mounted.base_url)
        try:
            assert client.get_product(CABLE, "US").product_id == CABLE
        finally:
            client.close()
    assert mounted.base_url.endswith("/sandbox/aliexpress")
