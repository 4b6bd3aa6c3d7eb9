"""Cancelling a supplier order end to end: the sandbox store and supplier over HTTP, a real SMTP server."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ordercenter.domain.alerts import AlertKind
from ordercenter.domain.cancellations import CancellationRequest
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints import cli
from ordercenter.sandbox.aliexpress.faults import FaultKind
from ordercenter.services import access, cancellation
from tests.after_sale.conftest import MERCHANT_EMAIL, SHOP, AfterSale
from tests.factories import T0

# What a cancellation writes on the timeline (the store's own webhooks may add other rows at any time).
CANCELLATION_EVENTS = frozenset({"cancellation_requested", "cancellation_decided", "order_cancelled_on_store",
                                 "email_queued", "alert_raised", "stage_changed"})


def ask(after_sale: AfterSale, supplier_order_id: int, **body: Any) -> httpx.Response:
    return after_sale.api.post(f"/supplier-orders/{supplier_order_id}/cancellation",
                               json={"reason": "out_of_stock", **body})


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def supplier_order(after_sale: AfterSale, order_id: int, supplier_order_id: int) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in after_sale.order(order_id)["supplier_orders"]
                                   if s["id"] == supplier_order_id]
    assert len(found) == 1, found
    return found[0]


def subjects(after_sale: AfterSale, words: str) -> list[str]:
    return [m.subject for m in after_sale.mailbox.to(MERCHANT_EMAIL) if words in m.subject]


@dataclass(frozen=True)
class Footprint:
    """Everything a cancellation request could leave behind."""

    cancellations: int
    events: int
    emails: int


def footprint(after_sale: AfterSale, order_id: int) -> Footprint:
    with after_sale.container.uow() as uow:
        return Footprint(
            cancellations=len(uow.cancellations.page(after_sale.shop_id, status=None, limit=500)),
            events=len([e for e in uow.events.for_order(after_sale.shop_id, order_id)
                        if e.type.value in CANCELLATION_EVENTS]),
            emails=len(uow.outbox.page(after_sale.shop_id, status=None, limit=500)))


def use_the_real_aliexpress_client(after_sale: AfterSale) -> None:
    """The account as a real AliExpress one: no cancel API, so cancellations are assisted."""
    with after_sale.container.uow() as uow:
        [account] = uow.supplier_accounts.all(after_sale.shop_id)
        account.is_sandbox = False
        uow.commit()


def sandbox_cancellation_id(after_sale: AfterSale, supplier_number: str) -> str:
    cancellations, _, _ = after_sale.supplier.after_sale_of(supplier_number)
    pending = [c.cancellation_id for c in cancellations if c.outcome == "pending"]
    assert len(pending) == 1, cancellations
    return pending[0]


def test_a_cancellation_approved_before_shipping_sends_the_order_back_to_to_order_with_the_refund_dates(
        after_sale: AfterSale) -> None:
    # given a paid supplier order, not shipped
    placed = after_sale.placed(paid=True)
    cost = Decimal(supplier_order(after_sale, placed.order_id, placed.supplier_order_id)["cost"]["amount"])
    # when the merchant cancels it (the sandbox seller decides at once by its rule: not shipped → approve)
    body = created(ask(after_sale, placed.supplier_order_id, note="seller has no red left", then="reorder"))
    # then
    assert body["status"] == "approved" and body["then"] == "reorder"
    assert body["supplier_order_id"] == placed.supplier_order_id and body["order_id"] == placed.order_id
    assert body["steps"] is None and body["link"] is None and body["assisted"] is False
    assert body["decided_by"] == "supplier" and body["decision_note"]
    assert Decimal(body["refund"]["amount"]) == cost
    assert date.fromisoformat(body["refund"]["expected_from"]) > after_sale.clock.now().date()
    assert body["refund"]["expected_by"] > body["refund"]["expected_from"]
    order = after_sale.order(placed.order_id)
    assert order["stage"] == "to_order"
    assert order["after_sale"]["cancellation_pending"] is False
    assert supplier_order(after_sale, placed.order_id, placed.supplier_order_id)["status"] == "cancelled"
    assert ("cancellation", body["id"], "approved") in {(r["kind"], r["id"], r["status"])
                                                       for r in order["after_sale_requests"]}
    assert {"cancellation_requested", "cancellation_decided"} <= {e["type"] for e in order["timeline"]}
    assert after_sale.supplier.order(placed.supplier_number).end_reason == "CANCELED"
    assert after_sale.api.get(f"/cancellations/{body['id']}").json() == body
    # and one e-mail reaches the merchant, once, however often the sender runs
    after_sale.send_emails()
    after_sale.send_emails()
    [mail] = [m for m in after_sale.mailbox.to(MERCHANT_EMAIL) if "approved the cancellation" in m.subject]
    assert placed.supplier_number in mail.text and body["refund"]["expected_by"] in mail.text
    assert "to order" in mail.text and "reorder" in mail.text


def test_a_cancellation_approved_with_cancel_on_store_cancels_the_store_order_with_the_choices(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(paid=True)
    body = created(ask(after_sale, placed.supplier_order_id, reason="customer_changed_mind", then="cancel_on_store",
                       store_refund=True, store_restock=False, notify_customer=False))
    assert body["status"] == "approved"
    assert body["follow_up_error"] is None, body["follow_up_error"]
    assert body["follow_up_done_at"] is not None
    deadline = time.monotonic() + 20
    while True:
        [store_order] = [o for o in after_sale.store.snapshot(SHOP.domain) if o["id"] == placed.store_order_id]
        if store_order["cancelled_at"] is not None and store_order["financial_status"] == "refunded" \
                or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert store_order["cancelled_at"] is not None
    assert store_order["cancel_reason"] == "customer"
    assert store_order["financial_status"] == "refunded"
    order = after_sale.order(placed.order_id)
    assert order["stage"] == "cancelled"
    assert "order_cancelled_on_store" in {e["type"] for e in order["timeline"]}
    after_sale.send_emails()
    [mail] = [m for m in after_sale.mailbox.to(MERCHANT_EMAIL) if "approved the cancellation" in m.subject]
    assert "cancels the order on the store" in mail.text and "restock: no" in mail.text


def test_a_cancellation_after_shipping_is_refused_pointing_to_a_return_and_changes_nothing(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    before = footprint(after_sale, placed.order_id)
    response = ask(after_sale, placed.supplier_order_id)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert "already shipped" in error["message"] and "return/refund request" in error["message"]
    assert f"/api/v1/supplier-orders/{placed.supplier_order_id}/returns" in error["message"]
    assert footprint(after_sale, placed.order_id) == before
    assert after_sale.order(placed.order_id)["stage"] == "in_transit"


def test_a_pending_cancellation_approved_later_by_the_seller_is_applied_at_the_next_look(
        after_sale: AfterSale) -> None:
    after_sale.supplier.config.cancel_decision_delay = timedelta(hours=1)
    placed = after_sale.placed(paid=True)
    body = created(ask(after_sale, placed.supplier_order_id))
    assert body["status"] == "pending" and body["supplier_request_id"]
    assert after_sale.order(placed.order_id)["after_sale"]["cancellation_pending"] is True
    after_sale.supplier.decide_cancellation(body["supplier_request_id"], True, "cancelled, refund on its way")
    after_sale.refresh(placed.supplier_order_id)
    decided = after_sale.api.get(f"/cancellations/{body['id']}").json()
    assert decided["status"] == "approved" and decided["decision_note"] == "cancelled, refund on its way"
    assert decided["refund"] is not None
    order = after_sale.order(placed.order_id)
    assert order["stage"] == "to_order" and order["after_sale"]["cancellation_pending"] is False


def test_a_pending_cancellation_refused_by_the_seller_lets_the_order_continue_with_the_reason_shown(
        after_sale: AfterSale) -> None:
    after_sale.supplier.config.cancel_decision_delay = timedelta(hours=1)
    placed = after_sale.placed(paid=True)
    body = created(ask(after_sale, placed.supplier_order_id))
    after_sale.supplier.decide_cancellation(body["supplier_request_id"], False, "already packed and labelled")
    after_sale.refresh(placed.supplier_order_id)
    decided = after_sale.api.get(f"/cancellations/{body['id']}").json()
    assert decided["status"] == "rejected" and decided["decision_note"] == "already packed and labelled"
    assert decided["refund"] is None
    order = after_sale.order(placed.order_id)
    assert order["stage"] == "awaiting_shipment" and order["after_sale"]["cancellation_pending"] is False
    assert supplier_order(after_sale, placed.order_id, placed.supplier_order_id)["status"] == "paid"
    after_sale.send_emails()
    [mail] = [m for m in after_sale.mailbox.to(MERCHANT_EMAIL) if "refused the cancellation" in m.subject]
    assert "already packed and labelled" in mail.text and "order continues" in mail.text


def test_an_assisted_cancellation_gives_the_steps_and_link_and_is_decided_by_hand(after_sale: AfterSale) -> None:
    placed = after_sale.placed(paid=True)
    use_the_real_aliexpress_client(after_sale)
    body = created(ask(after_sale, placed.supplier_order_id, reason="other", note="ordered twice by mistake"))
    assert body["status"] == "pending" and body["assisted"] is True
    assert placed.supplier_number in body["link"]
    assert len(body["steps"]) >= 3 and any(body["link"] in step for step in body["steps"])
    assert any("ordered twice by mistake" in step for step in body["steps"])
    decided = after_sale.api.post(f"/cancellations/{body['id']}/decision",
                                  json={"decision": "approved", "note": "seen cancelled on aliexpress.com"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved" and decided.json()["decided_by"] == "staff"
    assert after_sale.order(placed.order_id)["stage"] == "to_order"
    # the same decision again changes nothing; the opposite one is refused
    again = after_sale.api.post(f"/cancellations/{body['id']}/decision", json={"decision": "approved"})
    assert again.status_code == 200 and again.json()["decided_at"] == decided.json()["decided_at"]
    opposite = after_sale.api.post(f"/cancellations/{body['id']}/decision", json={"decision": "rejected"})
    assert opposite.status_code == 409 and "approved" in opposite.json()["error"]["message"]
    after_sale.send_emails()
    assert len(subjects(after_sale, "the cancellation")) == 1


def test_an_assisted_cancellation_is_approved_by_polling_once_the_supplier_closes_the_order(
        after_sale: AfterSale) -> None:
    after_sale.supplier.config.cancel_decision_delay = timedelta(hours=1)
    placed = after_sale.placed(paid=True)
    use_the_real_aliexpress_client(after_sale)
    body = created(ask(after_sale, placed.supplier_order_id))
    # the merchant follows the steps on the website: the order shows IN_CANCEL, nothing decided yet
    after_sale.supplier.request_cancellation(placed.supplier_number, "out of stock")
    after_sale.refresh(placed.supplier_order_id)
    assert after_sale.api.get(f"/cancellations/{body['id']}").json()["status"] == "pending"
    assert any("IN_CANCEL" in e["message"] for e in after_sale.order(placed.order_id)["timeline"])
    # the seller approves: FINISH with end reason CANCELED
    after_sale.supplier.decide_cancellation(sandbox_cancellation_id(after_sale, placed.supplier_number), True)
    after_sale.refresh(placed.supplier_order_id)
    decided = after_sale.api.get(f"/cancellations/{body['id']}").json()
    assert decided["status"] == "approved" and decided["decided_by"] == "supplier"
    assert decided["refund"] is not None
    assert after_sale.order(placed.order_id)["stage"] == "to_order"


def test_an_assisted_cancellation_is_refused_by_polling_when_the_order_goes_back_to_normal(
        after_sale: AfterSale) -> None:
    after_sale.supplier.config.cancel_decision_delay = timedelta(hours=1)
    placed = after_sale.placed(paid=True)
    use_the_real_aliexpress_client(after_sale)
    body = created(ask(after_sale, placed.supplier_order_id))
    after_sale.supplier.request_cancellation(placed.supplier_number, "out of stock")
    after_sale.refresh(placed.supplier_order_id)
    after_sale.supplier.decide_cancellation(sandbox_cancellation_id(after_sale, placed.supplier_number), False)
    after_sale.refresh(placed.supplier_order_id)
    decided = after_sale.api.get(f"/cancellations/{body['id']}").json()
    assert decided["status"] == "rejected" and "WAIT_SELLER_SEND_GOODS" in decided["decision_note"]
    assert after_sale.order(placed.order_id)["stage"] == "awaiting_shipment"


def test_a_request_the_supplier_never_answered_is_kept_and_sent_again_by_the_next_ask(after_sale: AfterSale) -> None:
    # given a supplier that fails every try of the cancel call
    placed = after_sale.placed(paid=True)
    after_sale.supplier.inject_fault(FaultKind.SERVER_ERROR, method="aliexpress.ds.sandbox.order.cancel", times=4)
    failed = ask(after_sale, placed.supplier_order_id)
    assert failed.status_code == 502, failed.text
    # then the fact that we asked is kept, pending, and the merchant sees the order as such
    [kept] = _requests(after_sale)
    assert kept.status.value == "pending" and kept.supplier_request_id is None
    assert after_sale.order(placed.order_id)["after_sale"]["cancellation_pending"] is True
    # when the merchant asks again, the same request is sent again instead of a conflict
    again = created(ask(after_sale, placed.supplier_order_id))
    assert again["id"] == kept.id and again["status"] == "approved" and again["supplier_request_id"]
    assert len(_requests(after_sale)) == 1


def test_bad_cancellation_input_is_refused_naming_the_field_and_changes_nothing(after_sale: AfterSale) -> None:
    after_sale.supplier.config.cancel_decision_delay = timedelta(hours=1)
    placed = after_sale.placed(paid=True)
    before = footprint(after_sale, placed.order_id)
    unknown_reason = ask(after_sale, placed.supplier_order_id, reason="bored")
    assert unknown_reason.status_code == 422
    assert unknown_reason.json()["error"]["field"] == "reason"
    assert "out_of_stock" in unknown_reason.json()["error"]["message"]
    other_without_note = ask(after_sale, placed.supplier_order_id, reason="other", note="  ")
    assert other_without_note.status_code == 422
    assert other_without_note.json()["error"]["field"] == "note"
    bad_then = ask(after_sale, placed.supplier_order_id, then="refund")
    assert bad_then.status_code == 422 and bad_then.json()["error"]["field"] == "then"
    assert ask(after_sale, 999_999).status_code == 404
    assert after_sale.api.get("/cancellations/999999").status_code == 404
    assert after_sale.api.post("/cancellations/999999/decision", json={"decision": "approved"}).status_code == 404
    assert footprint(after_sale, placed.order_id) == before
    # a second open request on the same supplier order
    first = created(ask(after_sale, placed.supplier_order_id))
    after_first = footprint(after_sale, placed.order_id)
    second = ask(after_sale, placed.supplier_order_id, reason="price_changed")
    assert second.status_code == 409, second.text
    assert str(first["id"]) in second.json()["error"]["message"]
    assert footprint(after_sale, placed.order_id) == after_first


def test_another_shops_cancellation_and_supplier_order_are_not_found(after_sale: AfterSale) -> None:
    after_sale.supplier.config.cancel_decision_delay = timedelta(hours=1)
    placed = after_sale.placed(paid=True)
    mine = created(ask(after_sale, placed.supplier_order_id))
    with after_sale.container.uow() as uow:
        other = uow.shops.add(Shop(domain="other.myshopify.com", name="Other", currency="USD", created_at=T0))
        uow.commit()
        other_id = other.id
    token = access.create_token(after_sale.container.uow(), shop_id=other_id, name="other", now=T0).token
    before = footprint(after_sale, placed.order_id)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=str(after_sale.api.base_url), headers=headers, timeout=30) as stranger:
        assert stranger.get(f"/cancellations/{mine['id']}").status_code == 404
        assert stranger.post(f"/cancellations/{mine['id']}/decision",
                             json={"decision": "rejected"}).status_code == 404
        assert stranger.post(f"/supplier-orders/{placed.supplier_order_id}/cancellation",
                             json={"reason": "out_of_stock"}).status_code == 404
        assert stranger.get("/cancellations").json()["count"] == 0
    assert footprint(after_sale, placed.order_id) == before
    assert after_sale.api.get(f"/cancellations/{mine['id']}").json()["status"] == "pending"


def test_a_cancellation_the_silent_seller_leaves_undecided_48_hours_raises_an_alert_until_decided(
        after_sale: AfterSale) -> None:
    # given a silent seller: not even its rule decides a paid order's cancellation
    after_sale.supplier.set_silent(True)
    placed = after_sale.placed(paid=True)
    body = created(ask(after_sale, placed.supplier_order_id))
    assert body["status"] == "pending"
    uow, clock = after_sale.container.uow(), after_sale.clock
    assert cancellation.scan_undecided(uow, clock) == 0
    # when 49 hours pass
    clock.advance(timedelta(hours=49))
    assert cancellation.scan_undecided(uow, clock) == 1
    assert cancellation.scan_undecided(uow, clock) == 0  # raised once
    alerts = after_sale.api.get("/alerts").json()["data"]
    [alert] = [a for a in alerts if a["kind"] == AlertKind.CANCELLATION_UNDECIDED.value]
    assert alert["subject"] == f"cancellation:{body['id']}" and "49 hours" in alert["message"]
    after_sale.send_emails()
    after_sale.send_emails()
    assert len([m for m in after_sale.mailbox.to(MERCHANT_EMAIL) if "still not decided" in m.subject]) == 1
    # then the seller speaks again and its rule decides: the alert clears
    after_sale.supplier.set_silent(False)
    after_sale.refresh(placed.supplier_order_id)
    assert after_sale.api.get(f"/cancellations/{body['id']}").json()["status"] == "approved"
    open_kinds = {a["kind"] for a in after_sale.api.get("/alerts").json()["data"]}
    assert AlertKind.CANCELLATION_UNDECIDED.value not in open_kinds


# ---------------------------------------------------------------- the command line


@pytest.fixture
def command_line(after_sale: AfterSale, monkeypatch: pytest.MonkeyPatch) -> AfterSale:
    """The `ordercenter` command run in this process against the same database as the server."""
    settings = after_sale.container.settings
    for name in [n for n in os.environ if n.startswith("ORDERCENTER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ORDERCENTER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ORDERCENTER_SECRET_KEY", str(settings.secret_key))
    if settings.database_url:
        monkeypatch.setenv("ORDERCENTER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("COLUMNS", "200")
    return after_sale


def test_the_command_line_cancels_a_supplier_order_and_records_a_decision(
        command_line: AfterSale, capsys: pytest.CaptureFixture[str]) -> None:
    after_sale = command_line
    approved_at_once = after_sale.placed(paid=True)
    assert cli.main(["supplier-orders", "cancel", str(approved_at_once.supplier_order_id), "--reason",
                     "out_of_stock", "--then", "reorder"]) == 0
    shown = capsys.readouterr().out
    assert "approved" in shown and "refund expected" in shown
    after_sale.supplier.set_silent(True)
    pending = after_sale.placed(paid=True)
    assert cli.main(["supplier-orders", "cancel", str(pending.supplier_order_id), "--reason", "other", "--note",
                     "duplicate order", "--then", "cancel_on_store", "--no-refund", "--no-notify"]) == 0
    assert "pending" in capsys.readouterr().out
    [request] = [r for r in _requests(after_sale) if r.supplier_order_id == pending.supplier_order_id]
    assert (request.store_refund, request.store_restock, request.notify_customer) == (False, True, False)
    assert cli.main(["cancellations", "decide", str(request.id), "--rejected", "--note", "already packed"]) == 0
    assert "rejected" in capsys.readouterr().out and "already packed" in \
        after_sale.api.get(f"/cancellations/{request.id}").json()["decision_note"]
    assert cli.main(["cancellations", "list"]) == 0
    assert str(request.id) in capsys.readouterr().out
    assert cli.main(["cancellations", "show", str(request.id)]) == 0
    assert "already packed" in capsys.readouterr().out


def test_a_bad_command_line_argument_is_one_line_on_stderr_and_exit_code_2(
        command_line: AfterSale, capsys: pytest.CaptureFixture[str]) -> None:
    placed = command_line.placed(paid=True)
    for argv, words in [
        (["supplier-orders", "cancel", str(placed.supplier_order_id), "--reason", "bored"], "reason"),
        (["supplier-orders", "cancel", str(placed.supplier_order_id), "--reason", "other"], "note"),
        (["supplier-orders", "cancel", "abc", "--reason", "out_of_stock"], "supplier_order_id"),
        (["cancellations", "decide", "1", "--approved", "--rejected"], "exactly one"),
        (["cancellations", "show", "999999"], "no cancellation request"),
    ]:
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.strip().count("\n") == 0 and words in err.lower(), (argv, err)
    assert _requests(command_line) == []


def _requests(after_sale: AfterSale) -> list[CancellationRequest]:
    with after_sale.container.uow() as uow:
        return list(uow.cancellations.page(after_sale.shop_id, status=None, limit=500))
