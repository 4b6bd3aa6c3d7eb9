"""customers/data_request: the file of what this shop holds on that customer, for the merchant to send them."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.privacy import PrivacyRequestKind, PrivacyRequestStatus
from ordercenter.entrypoints.cli import main
from tests.privacy.conftest import ALICE, BOB, MERCHANT, SHOP_A, SHOP_B, World


def test_a_data_request_gives_a_file_of_that_customers_data_only_and_tells_the_merchant(world: World) -> None:
    # given: Alice and Bob bought at shop A, Alice also at shop B; Alice's order at A was placed and she
    # asked for a refund
    alice_a, bob_a, alice_b = world.buy(SHOP_A.domain, ALICE), world.buy(SHOP_A.domain, BOB), \
        world.buy(SHOP_B.domain, ALICE)
    supplier_order = world.place(SHOP_A.domain, alice_a)
    refund = world.api[SHOP_A.domain].post(f"/orders/{alice_a.id}/customer-refunds",
                                           json={"message": "The box arrived crushed, can I get money back?"})
    assert refund.status_code == 201, refund.text

    # when: the store sends the data request, and the background jobs run
    sent = world.operator("compliance/customers/data_request", shop=SHOP_A.domain, customer=ALICE.email)
    world.settle()
    assert world.complete_privacy_requests() == 1

    # then: one data request, done, whose file holds Alice's order at A only, with what followed it
    listed = world.api[SHOP_A.domain].get("/privacy/data-requests").json()
    [request] = listed["data"]
    assert request["status"] == PrivacyRequestStatus.COMPLETED
    assert request["customer_id"] == str(sent["payload"]["customer"]["id"])
    assert (request["orders"], request["file_ready"]) == (1, True)
    download = world.api[SHOP_A.domain].get(f"/privacy/data-requests/{request['id']}/file")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == f'attachment; filename="data-request-{request["id"]}.json"'
    document = download.json()
    [order] = document["orders"]
    assert (order["name"], order["email"], order["customer_name"]) == (alice_a.name, ALICE.email, ALICE.name)
    assert order["shipping_address"]["address1"] == ALICE.street
    assert [line["quantity"] for line in order["lines"]] == [1]
    assert [so["supplier_order_id"] for so in order["supplier_orders"]] == [supplier_order["supplier_order_id"]]
    assert [r["message"] for r in order["customer_refunds"]] == ["The box arrived crushed, can I get money back?"]
    assert order["timeline"] and order["store_payload"]["id"] == int(alice_a.platform_order_id)
    text = download.text
    assert BOB.email not in text and bob_a.name not in text
    assert alice_b.platform_order_id not in text and SHOP_B.domain not in text

    # the file is readable by Order Center's user only
    files = world.container.settings.resolved_files_dir
    [written] = list(files.glob(f"shop-{world.a}/privacy/*.json"))
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert json.loads(written.read_bytes()) == document

    # the merchant is e-mailed where to download it and what to send; the order's timeline says it went out
    with world.container.uow() as uow:
        emails = [e for e in uow.outbox.page(world.a, status=None, limit=50) if e.kind is EmailKind.PRIVACY]
        events = [e.type for e in uow.events.for_order(world.a, alice_a.id)]
    [email] = emails
    assert email.to_address == MERCHANT[SHOP_A.domain]
    assert f"ordercenter privacy download {request['id']}" in email.text_body
    assert f"/api/v1/privacy/data-requests/{request['id']}/file" in email.text_body
    assert "Send this file to the customer" in email.text_body
    assert OrderEventType.CUSTOMER_DATA_EXPORTED in events


def test_another_shop_cannot_list_or_download_a_shops_data_request(world: World) -> None:
    world.buy(SHOP_A.domain, ALICE)
    world.operator("compliance/customers/data_request", shop=SHOP_A.domain, customer=ALICE.email)
    world.settle()
    world.complete_privacy_requests()
    [request] = world.api[SHOP_A.domain].get("/privacy/data-requests").json()["data"]

    assert world.api[SHOP_B.domain].get("/privacy/data-requests").json() == {"data": [], "count": 0}
    refused = world.api[SHOP_B.domain].get(f"/privacy/data-requests/{request['id']}/file")
    assert refused.status_code == 404
    assert refused.json()["error"]["field"] == "request_id"


def test_a_data_request_not_assembled_yet_says_so(world: World) -> None:
    world.operator("compliance/customers/data_request", shop=SHOP_A.domain, customer=ALICE.email)
    world.settle()
    [request] = world.api[SHOP_A.domain].get("/privacy/data-requests").json()["data"]
    assert request["status"] == PrivacyRequestStatus.RECEIVED

    waiting = world.api[SHOP_A.domain].get(f"/privacy/data-requests/{request['id']}/file")
    assert waiting.status_code == 404
    assert "still being assembled" in waiting.json()["error"]["message"]


@pytest.mark.usefixtures("cli_env")
def test_the_merchant_lists_and_downloads_a_data_request_from_the_command_line(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world.buy(SHOP_A.domain, ALICE)
    world.operator("compliance/customers/data_request", shop=SHOP_A.domain, customer=ALICE.email)
    world.settle()
    world.complete_privacy_requests()

    assert main(["privacy", "requests", "--shop", SHOP_A.domain]) == 0
    listed = capsys.readouterr().out
    assert PrivacyRequestKind.DATA_REQUEST.value in listed and "completed" in listed and "ready" in listed

    with world.container.uow() as uow:
        [request] = uow.privacy.page(world.a, limit=5)
    target = tmp_path / "alice.json"
    assert main(["privacy", "download", str(request.id), "--to", str(target), "--shop", SHOP_A.domain]) == 0
    assert "send it to the customer" in capsys.readouterr().out
    assert json.loads(target.read_text())["customer"]["email"] == ALICE.email
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    assert main(["privacy", "download", "999999", "--to", str(target), "--shop", SHOP_A.domain]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "no data request 999999" in error
