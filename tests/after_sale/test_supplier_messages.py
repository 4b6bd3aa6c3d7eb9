"""Supplier messages end to end: a thread per supplier order, by API with the sandbox seller or assisted,
the seller's answers, and a silent seller followed up then escalated while buyer protection lasts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ordercenter.config import Settings
from ordercenter.domain.message_templates import TEMPLATES
from ordercenter.domain.shops import Shop
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.services import access
from ordercenter.services.supplier_messages import scan_silent_suppliers
from tests.after_sale.conftest import MERCHANT_EMAIL, AfterSale
from tests.after_sale.test_daily_cli import cli

H = timedelta(hours=1)


def _thread(after_sale: AfterSale, so_id: int) -> dict[str, Any]:
    response = after_sale.api.get(f"/supplier-orders/{so_id}/messages")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _send(after_sale: AfterSale, so_id: int, **body: str) -> dict[str, Any]:
    response = after_sale.api.post(f"/supplier-orders/{so_id}/messages", json=body)
    assert response.status_code == 201, response.text
    sent: dict[str, Any] = response.json()
    return sent


def _timeline_types(after_sale: AfterSale, order_id: int) -> list[str]:
    return [e["type"] for e in after_sale.order(order_id)["timeline"]]


def _silent_alerts(after_sale: AfterSale, so_id: int) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = after_sale.api.get("/alerts", params={"open": "false"}).json()["data"]
    return [a for a in alerts if a["kind"] == "supplier_silent" and a["supplier_order_id"] == so_id]


def _mails(after_sale: AfterSale, words: str) -> list[str]:
    after_sale.send_emails()
    return [r.text for r in after_sale.mailbox.to(MERCHANT_EMAIL) if words in r.text]


def _advance(after_sale: AfterSale, delta: timedelta) -> None:
    after_sale.clock.advance(delta)
    after_sale.supplier.advance_clock(delta)


def _scan(after_sale: AfterSale) -> int:
    return scan_silent_suppliers(after_sale.container.uow(), after_sale.clock)


def test_a_template_message_goes_to_the_seller_by_api_and_the_answer_is_recorded_at_the_next_look(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    [package] = after_sale.supplier.order(placed.supplier_number).packages

    # when
    sent = _send(after_sale, placed.supplier_order_id, template="tracking_not_updating")

    # then the seller has it, filled in with the order's tracking number
    assert sent["assisted"] is False and sent["steps"] is None and sent["supplier_message_id"]
    assert package.tracking_number in sent["body"] and sent["template"] == "tracking_not_updating"
    [at_supplier] = after_sale.supplier.after_sale_of(placed.supplier_number)[2]
    assert (at_supplier.message_id, at_supplier.text) == (sent["supplier_message_id"], sent["body"])
    thread = _thread(after_sale, placed.supplier_order_id)
    assert thread["awaiting_reply_since"] == sent["sent_at"]
    assert {t["key"] for t in thread["templates"]} == set(TEMPLATES)
    assert all("{" not in t["text"] for t in thread["templates"])  # filled in for this order
    listing = after_sale.api.get("/message-templates").json()
    assert {t["key"] for t in listing["data"]} == set(TEMPLATES)
    assert "packaging_note" in {p["name"] for p in listing["placeholders"]}

    # when the seller answers (after its reply delay, on its own clock) and Order Center looks
    after_sale.supplier.advance_clock(timedelta(hours=3))
    after_sale.refresh(placed.supplier_order_id)
    after_sale.refresh(placed.supplier_order_id)  # a second look records nothing twice

    # then
    thread = _thread(after_sale, placed.supplier_order_id)
    assert [m["direction"] for m in thread["data"]] == ["to_supplier", "from_supplier"]
    ours, answer = thread["data"]
    assert ours["answered_at"] is not None and thread["awaiting_reply_since"] is None
    assert placed.supplier_number in answer["body"]  # the sandbox seller's answer names the order
    types = _timeline_types(after_sale, placed.order_id)
    assert types.count("supplier_message_sent") == 1 and types.count("supplier_message_received") == 1


def test_a_silent_seller_gets_a_follow_up_reminder_then_the_suggestion_to_open_a_return_with_the_closing_date(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    after_sale.supplier.set_silent(True)
    _send(after_sale, placed.supplier_order_id, template="tracking_not_updating")
    placed_at = datetime.fromisoformat(after_sale.api.get(f"/supplier-orders/{placed.supplier_order_id}")
                                       .json()["placed_at"])

    # 47 hours: still within the 48 the seller has
    _advance(after_sale, 47 * H)
    assert _scan(after_sale) == 0

    # 49 hours: one reminder (alert + e-mail) proposing the follow-up, and a second scan changes nothing
    _advance(after_sale, 2 * H)
    assert _scan(after_sale) == 1
    assert _scan(after_sale) == 0
    [alert] = _silent_alerts(after_sale, placed.supplier_order_id)
    assert "follow-up" in alert["message"] and "49 hours" in alert["message"]
    assert len(_mails(after_sale, "send a follow-up")) == 1

    # the merchant follows up; the seller stays silent another 49 hours
    follow_up = _send(after_sale, placed.supplier_order_id, template="follow_up")
    assert "have not heard back" in follow_up["body"]
    _advance(after_sale, 49 * H)
    after_sale.refresh(placed.supplier_order_id)
    assert _scan(after_sale) == 1
    assert _scan(after_sale) == 0

    # then the suggestion names the day buyer protection closes, in the alert and in one e-mail
    closes_on = (placed_at.date() + timedelta(days=90)).isoformat()
    [alert] = _silent_alerts(after_sale, placed.supplier_order_id)
    assert "open a return/refund request" in alert["message"] and closes_on in alert["message"]
    assert len(_mails(after_sale, f"it closes on {closes_on}")) == 1
    assert _thread(after_sale, placed.supplier_order_id)["awaiting_reply_since"] is not None

    # when the seller finally writes, the alert clears
    after_sale.supplier.reply_as_seller(placed.supplier_number, "Sorry, the parcel is at customs.")
    after_sale.refresh(placed.supplier_order_id)
    [alert] = _silent_alerts(after_sale, placed.supplier_order_id)
    assert alert["resolved_at"] is not None
    assert _thread(after_sale, placed.supplier_order_id)["awaiting_reply_since"] is None
    assert _scan(after_sale) == 0


def test_after_the_second_silence_a_closed_window_is_said_to_be_closed_with_its_date(after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    with after_sale.container.uow() as uow:
        [account] = uow.supplier_accounts.all(after_sale.shop_id)
        account.protection_days = 3
        uow.commit()
    after_sale.supplier.set_silent(True)
    _send(after_sale, placed.supplier_order_id, text="Hello, where is the parcel?")
    placed_at = datetime.fromisoformat(after_sale.api.get(f"/supplier-orders/{placed.supplier_order_id}")
                                       .json()["placed_at"])

    # no follow-up sent: the second silence ends 96 hours after the first message; one scan does both steps
    _advance(after_sale, 97 * H)
    assert _scan(after_sale) == 1
    assert _scan(after_sale) == 0

    closed_on = (placed_at.date() + timedelta(days=3)).isoformat()
    [alert] = _silent_alerts(after_sale, placed.supplier_order_id)
    assert f"buyer protection closed on {closed_on}" in alert["message"]
    assert "open a return/refund request while" not in alert["message"]
    assert len(_mails(after_sale, f"closed on {closed_on}")) == 1  # the alert's e-mail, not a second one


def test_an_assisted_thread_gives_the_text_to_paste_and_the_link_and_takes_the_answer_by_hand(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    with after_sale.container.uow() as uow:
        [account] = uow.supplier_accounts.all(after_sale.shop_id)
        account.is_sandbox = False  # the real AliExpress client: no message API
        uow.commit()

    # when
    sent = _send(after_sale, placed.supplier_order_id, template="wrong_item_received")

    # then nothing went to the supplier; the merchant has the steps, the link and the text
    assert sent["assisted"] is True and sent["supplier_message_id"] is None
    assert f"orderId={placed.supplier_number}" in sent["link"]
    assert any(sent["link"] in step for step in sent["steps"])
    assert sent["text"] == sent["body"] and placed.supplier_number in sent["text"]
    assert after_sale.supplier.after_sale_of(placed.supplier_number)[2] == []
    assert _thread(after_sale, placed.supplier_order_id)["awaiting_reply_since"] == sent["sent_at"]

    # when the merchant pastes the seller's answer
    response = after_sale.api.post(f"/supplier-orders/{placed.supplier_order_id}/messages/replies",
                                   json={"text": "We will send the right colour tomorrow."})

    # then
    assert response.status_code == 201, response.text
    assert response.json()["direction"] == "from_supplier"
    thread = _thread(after_sale, placed.supplier_order_id)
    assert thread["awaiting_reply_since"] is None
    assert [m["direction"] for m in thread["data"]] == ["to_supplier", "from_supplier"]
    received = [e for e in after_sale.order(placed.order_id)["timeline"] if e["type"] == "supplier_message_received"]
    assert [e["actor"] for e in received] == ["staff"]


def _other_shop_token(after_sale: AfterSale) -> str:
    now = after_sale.clock.now()
    with after_sale.container.uow() as uow:
        shop = uow.shops.add(Shop(domain="other-shop.myshopify.com", name="Other", created_at=now))
        uow.commit()
        shop_id = shop.id
    return access.create_token(after_sale.container.uow(), shop_id=shop_id, name="other", now=now).token


def _never_placed(after_sale: AfterSale, order_id: int) -> int:
    with after_sale.container.uow() as uow:
        so = uow.supplier_orders.add(SupplierOrder(
            shop_id=after_sale.shop_id, order_id=order_id, group_key="draft", attempt=9,
            idempotency_key=f"draft-{order_id}", currency="USD", created_at=after_sale.clock.now()))
        uow.commit()
        return so.id


def test_bad_input_is_refused_naming_the_field_and_changes_nothing(after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    so_id = placed.supplier_order_id
    path = f"/supplier-orders/{so_id}/messages"
    other_shop = {"Authorization": f"Bearer {_other_shop_token(after_sale)}"}

    cases = [
        (after_sale.api.post(path, json={"text": "   "}), 422, "text"),
        (after_sale.api.post(path, json={}), 422, "text"),
        (after_sale.api.post(path, json={"template": "lost_parcel"}), 422, "template"),
        (after_sale.api.post(path, json={"text": "x" * 5001}), 422, "text"),
        (after_sale.api.post(f"{path}/replies", json={"text": ""}), 422, "text"),
        (after_sale.api.post("/supplier-orders/999999/messages", json={"text": "Hello"}), 404, "supplier_order_id"),
        (after_sale.api.get(path, headers=other_shop), 404, "supplier_order_id"),
        (after_sale.api.post(path, json={"text": "Hello"}, headers=other_shop), 404, "supplier_order_id"),
        (after_sale.api.post(f"{path}/replies", json={"text": "Hi"}, headers=other_shop), 404, "supplier_order_id"),
        (after_sale.api.post(f"/supplier-orders/{_never_placed(after_sale, placed.order_id)}/messages",
                             json={"text": "Hello"}), 409, "supplier_order_id"),
    ]

    for response, status, field in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"]["field"] == field, response.text
    assert _thread(after_sale, so_id)["data"] == []
    assert after_sale.supplier.after_sale_of(placed.supplier_number)[2] == []
    assert "supplier_message_sent" not in _timeline_types(after_sale, placed.order_id)


def test_the_messages_commands_send_from_a_template_list_the_thread_and_record_an_answer(
        after_sale: AfterSale, settings: Settings) -> None:
    placed = after_sale.placed(shipped=True)
    so_id = str(placed.supplier_order_id)

    templates = cli(settings, "messages", "templates")
    assert templates.returncode == 0, templates.stderr
    assert all(key in templates.stdout for key in TEMPLATES) and "{packaging_note}" in templates.stdout

    sent = cli(settings, "messages", "send", so_id, "--template", "where_is_my_refund")
    assert sent.returncode == 0, sent.stderr
    assert "sent to the seller" in sent.stdout
    [at_supplier] = after_sale.supplier.after_sale_of(placed.supplier_number)[2]
    assert "waiting for the refund" in at_supplier.text
    listed = cli(settings, "messages", "list", so_id)
    assert listed.returncode == 0, listed.stderr
    assert "awaiting reply since" in listed.stdout

    with after_sale.container.uow() as uow:
        [account] = uow.supplier_accounts.all(after_sale.shop_id)
        account.is_sandbox = False
        uow.commit()
    assisted = cli(settings, "messages", "send", so_id, "--text", "Please confirm the colour")
    assert assisted.returncode == 0, assisted.stderr
    assert "send it yourself" in assisted.stdout and f"orderId={placed.supplier_number}" in assisted.stdout
    assert "Please confirm the colour" in assisted.stdout
    recorded = cli(settings, "messages", "record", so_id, "--text", "Confirmed: blue")
    assert recorded.returncode == 0, recorded.stderr
    assert "nothing awaits an answer" in cli(settings, "messages", "list", so_id).stdout

    empty = cli(settings, "messages", "send", so_id, "--text", "  ")
    unknown = cli(settings, "messages", "send", so_id, "--template", "lost_parcel")
    for refused, field in ((empty, "[text]"), (unknown, "[template]")):
        assert refused.returncode == 2 and refused.stderr.strip().count("\n") == 0, refused.stderr
        assert field in refused.stderr
    assert len(_thread(after_sale, placed.supplier_order_id)["data"]) == 3
