"""Deadlines end to end: one list soonest first for a shop with every kind, scoped to the shop, and the daily
digest queued once a day and received once by the SMTP server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ordercenter.config import Settings
from ordercenter.domain.cancellations import CancellationReason, CancellationRequest
from ordercenter.domain.customer_refunds import CustomerRefundRequest
from ordercenter.domain.orders import Order
from ordercenter.domain.returns import ReturnKind, ReturnReason, ReturnRequest
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import (
    CancellationStatus,
    FinancialStatus,
    FulfillmentStatus,
    ReturnStatus,
    SupplierOrderStatus,
)
from ordercenter.services import access
from ordercenter.services.deadlines import send_daily_digest
from tests.after_sale.conftest import MERCHANT_EMAIL, AfterSale, Placed
from tests.after_sale.test_daily_cli import cli

H = timedelta(hours=1)
D = timedelta(days=1)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _supplier_order(after_sale: AfterSale, placed: Placed) -> dict[str, Any]:
    found: list[dict[str, Any]] = after_sale.order(placed.order_id)["supplier_orders"]
    [so] = [s for s in found if s["id"] == placed.supplier_order_id]
    return so


@dataclass
class Shop1:
    """Expected deadlines as (kind, order id, due at)."""

    expected: list[tuple[str, int, datetime]]
    names: dict[int, str]


def _customer_request(shop_id: int, order_id: int, received_at: datetime) -> CustomerRefundRequest:
    return CustomerRefundRequest(shop_id=shop_id, order_id=order_id, customer_email="jane@example.com",
                                 customer_name="Jane Doe", message="I want my money back", currency="USD",
                                 received_at=received_at)


def _shop_with_every_kind(after_sale: AfterSale) -> Shop1:
    """Facts through the API where it has them, the other helpers' requests as rows."""
    now = after_sale.clock.now()
    unpaid = after_sale.placed(paid=False)
    silent = after_sale.placed(shipped=True)
    undecided = after_sale.placed(paid=True)
    refunding = after_sale.placed(delivered=True)
    cancelled = after_sale.placed(paid=True)
    sent = after_sale.api.post(f"/supplier-orders/{silent.supplier_order_id}/messages",
                               json={"template": "tracking_not_updating"})
    assert sent.status_code == 201, sent.text
    placed_long_ago = now - 85 * D
    today = now.date()
    with after_sale.container.uow() as uow:
        so = uow.supplier_orders.get(after_sale.shop_id, silent.supplier_order_id)
        assert so is not None
        so.placed_at = placed_long_ago  # its 90-day window closes in 5 days
        cancellation = uow.cancellations.add(CancellationRequest(
            shop_id=after_sale.shop_id, order_id=undecided.order_id, supplier_order_id=undecided.supplier_order_id,
            reason=CancellationReason.OUT_OF_STOCK, requested_at=now - H))
        customer = uow.customer_refunds.add(_customer_request(after_sale.shop_id, undecided.order_id, now - 2 * H))
        refund = uow.returns.add(ReturnRequest(
            shop_id=after_sale.shop_id, order_id=refunding.order_id, supplier_order_id=refunding.supplier_order_id,
            kind=ReturnKind.REFUND_ONLY, reason=ReturnReason.DAMAGED, currency="USD",
            amount_requested=Decimal("5.00"), opened_at=now - 30 * D, status=ReturnStatus.REFUND_PENDING,
            refund_expected_by=today - timedelta(days=1)))
        gone = uow.supplier_orders.get(after_sale.shop_id, cancelled.supplier_order_id)
        assert gone is not None
        gone.status, gone.cancelled_at = SupplierOrderStatus.CANCELLED, now
        approved = uow.cancellations.add(CancellationRequest(
            shop_id=after_sale.shop_id, order_id=cancelled.order_id, supplier_order_id=cancelled.supplier_order_id,
            reason=CancellationReason.CUSTOMER_CHANGED_MIND, requested_at=now - D, status=CancellationStatus.APPROVED,
            decided_at=now, refund_amount=Decimal("9.99"), refund_expected_by=today + timedelta(days=3)))
        uow.commit()
        assert cancellation.id and customer.id and refund.id and approved.id
    unpaid_so = _supplier_order(after_sale, unpaid)
    payment_due = (_at(unpaid_so["payment_deadline"]) if unpaid_so["payment_deadline"]
                   else _at(unpaid_so["placed_at"]) + 20 * D)
    expected = [
        ("payment_due", unpaid.order_id, payment_due),
        ("supplier_silent", silent.order_id, _at(sent.json()["sent_at"]) + 48 * H),
        ("protection_closing", silent.order_id, _end_of(placed_long_ago.date() + timedelta(days=90))),
        ("cancellation_pending", undecided.order_id, now - H + 48 * H),
        ("customer_unanswered", undecided.order_id, now - 2 * H + 24 * H),
        ("refund_overdue", refunding.order_id, _end_of(today - timedelta(days=1))),
        ("refund_due", cancelled.order_id, _end_of(today + timedelta(days=3))),
    ]
    placed = (unpaid, silent, undecided, refunding, cancelled)
    names = {p.order_id: after_sale.order(p.order_id)["name"] for p in placed}
    return Shop1(sorted(expected, key=lambda e: e[2]), names)


def _deadlines(after_sale: AfterSale, **params: Any) -> list[dict[str, Any]]:
    response = after_sale.api.get("/deadlines", params=params)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def _other_shop(after_sale: AfterSale) -> tuple[int, str]:
    """A second shop with one order and a customer waiting, and its own API token."""
    now = after_sale.clock.now()
    with after_sale.container.uow() as uow:
        shop = uow.shops.add(Shop(domain="second.myshopify.com", name="Second", created_at=now))
        uow.flush()
        order = uow.orders.add(Order(
            shop_id=shop.id, platform_order_id="77", platform_gid="gid://shopify/Order/77", name="#S-77",
            currency="USD", subtotal_price=Decimal(10), total_price=Decimal(10), financial_status=FinancialStatus.PAID,
            fulfillment_status=FulfillmentStatus.UNFULFILLED, platform_created_at=now, platform_updated_at=now,
            imported_at=now))
        uow.flush()
        uow.customer_refunds.add(_customer_request(shop.id, order.id, now - 30 * H))
        uow.commit()
        shop_id = shop.id
    return shop_id, access.create_token(after_sale.container.uow(), shop_id=shop_id, name="second", now=now).token


def test_every_kind_of_deadline_is_listed_once_soonest_first_with_what_to_do_and_the_link(
        after_sale: AfterSale) -> None:
    shop = _shop_with_every_kind(after_sale)
    _, other_token = _other_shop(after_sale)

    found = _deadlines(after_sale)

    assert [(d["kind"], d["order_id"], _at(d["due_at"])) for d in found] == shop.expected
    now = after_sale.clock.now()
    for d in found:
        assert d["overdue"] is (_at(d["due_at"]) <= now), d
        assert d["link"] == f"/orders/{d['order_id']}" and d["order_name"] == shop.names[d["order_id"]]
        assert d["what_to_do"] and "\n" not in d["what_to_do"]
    assert [d["kind"] for d in found if d["overdue"]] == ["refund_overdue"]
    assert all(d["supplier_order_id"] for d in found if d["kind"] != "customer_unanswered")
    # the other shop's customer is not in this list, and this shop's facts are not in the other's
    assert "#S-77" not in {d["order_name"] for d in found}
    theirs = after_sale.api.get("/deadlines", headers={"Authorization": f"Bearer {other_token}"}).json()["data"]
    assert [(d["kind"], d["order_name"], d["overdue"]) for d in theirs] == [("customer_unanswered", "#S-77", True)]


def test_as_time_passes_the_same_deadlines_become_overdue_and_stay_in_order(after_sale: AfterSale) -> None:
    shop = _shop_with_every_kind(after_sale)

    after_sale.clock.advance(2 * D)

    found = _deadlines(after_sale)
    now = after_sale.clock.now()
    assert [(d["kind"], d["order_id"], _at(d["due_at"])) for d in found] == shop.expected
    assert [d["overdue"] for d in found] == [due <= now for _, _, due in shop.expected]
    assert {"supplier_silent", "cancellation_pending", "customer_unanswered"} <= {
        d["kind"] for d in found if d["overdue"]}


def test_the_limit_keeps_the_soonest_and_a_limit_out_of_range_is_refused(after_sale: AfterSale) -> None:
    shop = _shop_with_every_kind(after_sale)

    found = _deadlines(after_sale, limit=3)

    assert [(d["kind"], d["order_id"]) for d in found] == [(k, o) for k, o, _ in shop.expected[:3]]
    for limit in (0, 501, "many"):
        response = after_sale.api.get("/deadlines", params={"limit": limit})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == "limit"


def test_the_daily_digest_is_queued_once_a_day_and_received_once(after_sale: AfterSale) -> None:
    unpaid = after_sale.placed(paid=False)
    silent = after_sale.placed(shipped=True)
    assert after_sale.api.post(f"/supplier-orders/{silent.supplier_order_id}/messages",
                               json={"text": "Any news of the parcel?"}).status_code == 201
    _other_shop(after_sale)  # its only recipient is nobody: its digest is written but never sent
    names = [after_sale.order(p.order_id)["name"] for p in (unpaid, silent)]
    soonest_first = [d["order_name"] for d in _deadlines(after_sale)]

    # when the job runs twice the same day
    queued = [send_daily_digest(after_sale.container.uow(), after_sale.clock) for _ in range(2)]
    after_sale.send_emails()

    # then
    assert queued == [2, 0]
    digests = [r for r in after_sale.mailbox.to(MERCHANT_EMAIL) if "deadline" in r.subject]
    assert len(digests) == 1
    text = digests[0].text
    assert all(name in text for name in names)
    assert [text.index(f"order {name}:") for name in soonest_first] == sorted(
        text.index(f"order {name}:") for name in soonest_first)
    assert after_sale.send_emails().sent == 0

    # the next day, one more
    after_sale.clock.advance(D)
    assert [send_daily_digest(after_sale.container.uow(), after_sale.clock) for _ in range(2)] == [2, 0]
    after_sale.send_emails()
    assert len([r for r in after_sale.mailbox.to(MERCHANT_EMAIL) if "deadline" in r.subject]) == 2


def test_a_shop_with_nothing_falling_due_gets_no_digest(after_sale: AfterSale) -> None:
    assert _deadlines(after_sale) == []
    assert send_daily_digest(after_sale.container.uow(), after_sale.clock) == 0
    after_sale.send_emails()
    assert [r for r in after_sale.mailbox.to(MERCHANT_EMAIL) if "deadline" in r.subject] == []


def test_the_deadlines_command_prints_them_soonest_first(after_sale: AfterSale, settings: Settings) -> None:
    unpaid = after_sale.placed(paid=False)
    silent = after_sale.placed(shipped=True)
    assert after_sale.api.post(f"/supplier-orders/{silent.supplier_order_id}/messages",
                               json={"text": "Any news of the parcel?"}).status_code == 201
    soonest_first = [d["order_name"] for d in _deadlines(after_sale)]
    assert len(soonest_first) == 2 and after_sale.order(unpaid.order_id)["name"] in soonest_first

    result = cli(settings, "deadlines")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = [next(i for i, line in enumerate(lines) if f" {name} " in line) for name in soonest_first]
    assert rows == sorted(rows)
    assert "payment_due" in result.stdout and "supplier_silent" in result.stdout and "OVERDUE" in result.stdout
    refused = cli(settings, "deadlines", "--limit", "0")
    assert refused.returncode == 2 and "--limit" in refused.stderr
