"""Customer refund requests end to end: recorded (by hand or from a pasted e-mail), answered from an edited
template through the outbox and a real SMTP server, refunded on the sandbox store in part and in full, set
against what the supplier gave back; refunds made directly on the store recorded once; the 24-hour alert."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordercenter.domain.alerts import AlertKind, request_subject
from ordercenter.domain.cancellations import CancellationReason, CancellationRequest
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import CancellationStatus
from ordercenter.domain.webhooks import DeliveryStatus
from ordercenter.services import access
from ordercenter.services.customer_refunds import scan_unanswered
from tests.after_sale.conftest import MERCHANT_EMAIL, SHOP, AfterSale, Placed


def usd_order(after_sale: AfterSale, *, shipped: bool = False) -> Placed:
    """A placed and paid order the customer paid in the shop's currency (refunds by amount need that)."""
    for _ in range(15):
        placed = after_sale.placed(paid=True, shipped=shipped)
        if after_sale.store.order(SHOP.domain, placed.store_order_id).presentment_currency == SHOP.currency:
            return placed
    raise AssertionError("the sandbox store made no order paid in USD in 15 tries")


def settle_webhooks(after_sale: AfterSale) -> None:
    """Wait until the store delivered its webhooks and Order Center applied every one of them."""
    assert after_sale.store.wait_idle(20)
    deadline = time.monotonic() + 20
    while True:
        with after_sale.container.uow() as uow:
            pending = [d for d in uow.webhooks.pending(500) if d.status is DeliveryStatus.RECEIVED]
            failed = [d.error for d in uow.webhooks.pending(500) if d.status is DeliveryStatus.FAILED]
        assert not failed, failed
        if not pending:
            return
        assert time.monotonic() < deadline, "webhooks still not applied"
        time.sleep(0.05)


def requests_of(after_sale: AfterSale, order_id: int) -> list[dict[str, Any]]:
    body = after_sale.api.get("/customer-refunds", params={"order_id": order_id}).json()
    data: list[dict[str, Any]] = body["data"]
    return data


def store_refunds_of(after_sale: AfterSale, placed: Placed) -> list[Decimal]:
    [order] = [o for o in after_sale.store.snapshot(SHOP.domain) if o["id"] == placed.store_order_id]
    return [Decimal(t["amount"]) for r in order["refunds"] for t in r["transactions"]]


def record(after_sale: AfterSale, order_id: int, **body: Any) -> httpx.Response:
    return after_sale.api.post(f"/orders/{order_id}/customer-refunds", json=body)


@pytest.mark.also_postgres
def test_a_request_answered_from_an_edited_template_and_refunded_in_part_then_in_full_shows_the_net_result(
    after_sale: AfterSale,
) -> None:
    # given a paid order whose supplier order has not shipped, and the shop's own wording of the answer
    placed = usd_order(after_sale)
    order = after_sale.order(placed.order_id)
    total = Decimal(order["total"]["amount"])
    edited = after_sale.api.put("/reply-templates/cancellation_in_progress", json={
        "subject": "Order {order_name}: we are on it",
        "body": "Hello {customer_name},\n\nWe are cancelling {order_name} right now and will refund "
                "{refund_amount}; expect it between {expected_from} and {expected_by}.\n\n{shop_name}"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["customized"] is True

    # when the customer's request is recorded
    created = record(after_sale, placed.order_id, message="Please cancel, I ordered the wrong size", amount="10.00")
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["status"] == "new"
    assert request["customer_email"] == order["email"]
    assert request["proposed_reply"]["template"] == "cancellation_in_progress"
    assert request["proposed_reply"]["subject"] == f"Order {order['name']}: we are on it"
    assert "will refund 10.00 USD" in request["proposed_reply"]["body"]
    assert request["recovery"]["action"] == "cancel_supplier_order"

    # then the reply goes to the customer exactly once through SMTP
    replied = after_sale.api.post(f"/customer-refunds/{request['id']}/reply", json={})
    assert replied.status_code == 200, replied.text
    assert replied.json()["request"]["status"] == "replied"
    assert after_sale.send_emails().sent == 1
    after_sale.send_emails()
    received = after_sale.mailbox.to(order["email"])
    assert len(received) == 1
    assert received[0].subject == f"Order {order['name']}: we are on it"
    assert "We are cancelling" in received[0].text
    double = after_sale.api.post(f"/customer-refunds/{request['id']}/reply", json={})
    assert double.json()["repeated"] is True
    after_sale.send_emails()
    assert len(after_sale.mailbox.to(order["email"])) == 1

    # when part is refunded on the store, then a second refund of the same request is refused
    part = after_sale.api.post(f"/customer-refunds/{request['id']}/refund", json={"amount": "10.00"})
    assert part.status_code == 200, part.text
    assert part.json()["status"] == "refunded"
    assert part.json()["store_refund_id"].startswith("gid://shopify/Refund/")
    again = after_sale.api.post(f"/customer-refunds/{request['id']}/refund", json={"amount": "1.00"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"

    # and the rest is refunded through a second request
    rest = record(after_sale, placed.order_id, message="The rest, please").json()
    assert Decimal(rest["refundable"]["amount"]) == total - Decimal("10.00")
    full = after_sale.api.post(f"/customer-refunds/{rest['id']}/refund", json={"full": True})
    assert full.status_code == 200, full.text
    settle_webhooks(after_sale)
    assert sorted(store_refunds_of(after_sale, placed)) == sorted([Decimal("10.00"), total - Decimal("10.00")])
    assert len(requests_of(after_sale, placed.order_id)) == 2  # our refunds' webhooks recorded nothing new

    # when the supplier side recovers the money (an approved cancellation, written as the supplier decided)
    so = order["supplier_orders"][0]
    recovered = Decimal(so["cost"]["amount"])
    assert so["cost"]["currency"] == "USD"
    with after_sale.container.uow() as uow:
        uow.cancellations.add(CancellationRequest(
            shop_id=after_sale.shop_id, order_id=placed.order_id, supplier_order_id=placed.supplier_order_id,
            reason=CancellationReason.CUSTOMER_CHANGED_MIND, status=CancellationStatus.APPROVED,
            requested_at=after_sale.clock.now(), decided_at=after_sale.clock.now(), currency="USD",
            refund_amount=recovered))
        uow.commit()

    # then the request shows the order's net result
    net = after_sale.api.get(f"/customer-refunds/{rest['id']}").json()["net_result"]
    assert Decimal(net["refunded_to_customer"]["amount"]) == total
    assert Decimal(net["recovered_from_supplier"]["amount"]) == recovered
    assert Decimal(net["net"]["amount"]) == recovered - total
    # and so does the order itself
    assert after_sale.order(placed.order_id)["net_result"] == net
    proposed = after_sale.api.get(f"/customer-refunds/{rest['id']}").json()["proposed_reply"]
    assert proposed["template"] == "refund_partial"


def test_a_pasted_customer_email_gives_the_sender_address_name_and_words(after_sale: AfterSale) -> None:
    placed = after_sale.placed(paid=True)
    pasted = ("From: Ana Silva <Ana.Silva@Example.com>\nTo: shop@after.example\nSubject: Broken lamp\n\n"
              "Hello, the lamp arrived broken. Can I have my money back?\n")

    created = record(after_sale, placed.order_id, email_text=pasted, source="email")

    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["customer_email"], body["customer_name"], body["source"]) == ("ana.silva@example.com", "Ana Silva",
                                                                               "email")
    assert body["message"] == "Broken lamp\n\nHello, the lamp arrived broken. Can I have my money back?"

    plain = record(after_sale, placed.order_id, email_text="I want a refund, the parcel never came.").json()
    assert plain["message"] == "I want a refund, the parcel never came."
    assert plain["customer_email"] == after_sale.order(placed.order_id)["email"]


@pytest.mark.also_postgres
def test_a_refund_made_directly_on_the_store_is_recorded_once_with_the_recovery_it_calls_for(
    after_sale: AfterSale,
) -> None:
    # given an order not shipped by the supplier, refunded in part on the store
    placed = usd_order(after_sale)
    after_sale.store.refund_order(SHOP.domain, placed.store_order_id, amount=Decimal("5.00"), note="Goodwill")
    settle_webhooks(after_sale)

    [request] = requests_of(after_sale, placed.order_id)
    assert (request["source"], request["status"]) == ("store", "refunded")
    assert request["refund_amount"]["amount"] == "5.00"
    detail = after_sale.api.get(f"/customer-refunds/{request['id']}").json()
    assert detail["recovery"]["action"] == "cancel_supplier_order"
    assert detail["recovery"]["supplier_order_id"] == placed.supplier_order_id
    assert detail["proposed_reply"]["template"] == "refund_partial"
    timeline = [e["message"] for e in after_sale.order(placed.order_id)["timeline"]]
    assert any("made on the store" in m and "cancel supplier order" in m for m in timeline)

    # when the order is then cancelled on the store with the rest refunded (the payloads list both refunds)
    after_sale.store.cancel_order(SHOP.domain, placed.store_order_id, refund_payment=True)
    settle_webhooks(after_sale)

    # then each store refund is one request, already refunded
    rows = requests_of(after_sale, placed.order_id)
    [store_order] = [o for o in after_sale.store.snapshot(SHOP.domain) if o["id"] == placed.store_order_id]
    assert len(store_order["refunds"]) == 2
    assert sorted(r["store_refund_id"] for r in rows) == sorted(r["admin_graphql_api_id"]
                                                               for r in store_order["refunds"])
    assert all((r["source"], r["status"]) == ("store", "refunded") for r in rows)


def test_a_refund_on_the_store_after_shipping_suggests_a_return_while_the_window_is_open(
    after_sale: AfterSale,
) -> None:
    placed = usd_order(after_sale, shipped=True)

    after_sale.store.refund_order(SHOP.domain, placed.store_order_id)
    settle_webhooks(after_sale)

    [request] = requests_of(after_sale, placed.order_id)
    recovery = after_sale.api.get(f"/customer-refunds/{request['id']}").json()["recovery"]
    assert recovery["action"] == "open_return"
    assert recovery["act_by"] is not None
    assert "open a return/refund request" in recovery["message"]


def test_a_request_unanswered_for_24_hours_raises_one_alert_and_one_email_that_a_reply_clears(
    after_sale: AfterSale,
) -> None:
    placed = after_sale.placed(paid=True)
    request = record(after_sale, placed.order_id, message="Where is my refund?").json()
    subject = request_subject("customer_refund", request["id"])
    assert scan_unanswered(after_sale.container.uow(), after_sale.clock) == 0
    after_sale.send_emails()
    before = len(after_sale.mailbox.to(MERCHANT_EMAIL))

    after_sale.clock.advance(timedelta(hours=25))
    assert scan_unanswered(after_sale.container.uow(), after_sale.clock) == 1
    assert scan_unanswered(after_sale.container.uow(), after_sale.clock) == 0
    after_sale.send_emails()

    with after_sale.container.uow() as uow:
        [alert] = uow.alerts.open_for_subject(after_sale.shop_id, subject)
    assert alert.kind is AlertKind.CUSTOMER_UNANSWERED
    assert len(after_sale.mailbox.to(MERCHANT_EMAIL)) == before + 1
    replied = after_sale.api.post(f"/customer-refunds/{request['id']}/reply",
                                  json={"template": "refund_request_received"})
    assert replied.status_code == 200, replied.text
    with after_sale.container.uow() as uow:
        assert uow.alerts.open_for_subject(after_sale.shop_id, subject) == []


def test_bad_input_is_refused_naming_the_field_and_changes_nothing(after_sale: AfterSale) -> None:
    placed = usd_order(after_sale)
    total = Decimal(after_sale.order(placed.order_id)["total"]["amount"])
    request = record(after_sale, placed.order_id, message="Refund please").json()
    templates_before = after_sale.api.get("/reply-templates").json()

    too_much = record(after_sale, placed.order_id, message="All and more", amount=str(total + 1))
    refund_too_much = after_sale.api.post(f"/customer-refunds/{request['id']}/refund", json={"amount": str(total + 1)})
    empty_body = after_sale.api.post(f"/customer-refunds/{request['id']}/reply", json={"subject": "Hi", "body": "  "})
    unknown_key = after_sale.api.post(f"/customer-refunds/{request['id']}/reply", json={"template": "nope"})
    bad_placeholder = after_sale.api.put("/reply-templates/refund_issued",
                                         json={"subject": "Refund", "body": "Dear {customer_nmae}, done."})

    for response, field in ((too_much, "amount"), (refund_too_much, "amount"), (empty_body, "body"),
                            (unknown_key, "template"), (bad_placeholder, "body")):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field
    assert "{customer_nmae}" in bad_placeholder.json()["error"]["message"]
    assert len(requests_of(after_sale, placed.order_id)) == 1
    assert after_sale.api.get(f"/customer-refunds/{request['id']}").json()["status"] == "new"
    assert after_sale.api.get("/reply-templates").json() == templates_before
    assert store_refunds_of(after_sale, placed) == []
    with after_sale.container.uow() as uow:
        assert [e for e in uow.outbox.page(after_sale.shop_id, status=None, limit=100)
                if e.kind is EmailKind.CUSTOMER_REPLY] == []

    # another shop's token sees none of it
    with after_sale.container.uow() as uow:
        other = uow.shops.add(Shop(domain="other.myshopify.com", name="Other", created_at=after_sale.clock.now()))
        uow.commit()
        other_id = other.id
    token = access.create_token(after_sale.container.uow(), shop_id=other_id, name="other",
                                now=after_sale.clock.now()).token
    headers = {"Authorization": f"Bearer {token}"}
    # each with a body it takes: an unknown field would be refused (422) before the row is looked up
    for method, path, body in (("GET", f"/customer-refunds/{request['id']}", None),
                               ("POST", f"/customer-refunds/{request['id']}/reply", {}),
                               ("POST", f"/customer-refunds/{request['id']}/refund", {"amount": "1"}),
                               ("POST", f"/orders/{placed.order_id}/customer-refunds",
                                {"message": "x", "amount": "1"})):
        response = after_sale.api.request(method, path, headers=headers, json=body)
        assert response.status_code == 404, (path, response.text)


def cli(after_sale: AfterSale, *args: str, answer: str | None = None) -> subprocess.CompletedProcess[str]:
    """`ordercenter ARGS` in its own process, on the fixture's database."""
    settings = after_sale.container.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
    env.update({"ORDERCENTER_DATA_DIR": str(settings.data_dir), "ORDERCENTER_SECRET_KEY": "t" * 40,
                **({"ORDERCENTER_DATABASE_URL": settings.database_url} if settings.database_url else {})})
    return subprocess.run([sys.executable, "-m", "ordercenter", *args], capture_output=True, text=True, env=env,
                          input=answer, timeout=60, check=False)


def test_the_refunds_commands_record_answer_and_refund_asking_before_money_moves(
    after_sale: AfterSale, tmp_path: Path,
) -> None:
    placed = usd_order(after_sale)
    name = after_sale.order(placed.order_id)["name"]
    mail = tmp_path / "mail.eml"
    mail.write_text("From: Bo Berg <bo@example.com>\nSubject: Refund\n\nPlease refund 5 dollars.\n", encoding="utf-8")
    body = tmp_path / "body.txt"
    body.write_text("Dear {customer_name}, sorted.", encoding="utf-8")

    recorded = cli(after_sale, "refunds", "record", name, "--from-email", str(mail), "--amount", "5.00")
    assert recorded.returncode == 0, recorded.stderr
    [row] = requests_of(after_sale, placed.order_id)
    assert row["customer_email"] == "bo@example.com"
    assert "Proposed reply" in recorded.stdout
    bad = cli(after_sale, "refunds", "templates", "edit", "refund_issued", "--subject", "Hi {nope}")
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "{nope}" in bad.stderr and "[subject]" in bad.stderr
    assert cli(after_sale, "refunds", "templates", "edit", "refund_partial", "--body-file", str(body)).returncode == 0
    assert "Dear {customer_name}, sorted." in cli(after_sale, "refunds", "templates", "show", "refund_partial").stdout

    replied = cli(after_sale, "refunds", "reply", str(row["id"]), "--template", "refund_request_received")
    assert replied.returncode == 0, replied.stderr
    declined = cli(after_sale, "refunds", "refund", str(row["id"]), answer="n\n")
    assert declined.returncode == 1
    assert "Refund 5.00 USD" in declined.stdout
    assert store_refunds_of(after_sale, placed) == []
    refunded = cli(after_sale, "refunds", "refund", str(row["id"]), "--yes")
    assert refunded.returncode == 0, refunded.stderr
    assert store_refunds_of(after_sale, placed) == [Decimal("5.00")]
    shown = cli(after_sale, "refunds", "show", str(row["id"]))
    assert "refunded" in shown.stdout and "Dear Bo Berg, sorted." in shown.stdout
    listed = cli(after_sale, "refunds", "list", "--status", "refunded")
    assert str(row["id"]) in listed.stdout
