"""What the after-sale pages read before anything is asked (can it be cancelled, returned, how much, until
when), a reply template filled for a request, the order's after-sale money, and the notification e-mail
settings; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.reply_templates import TemplateKey
from ordercenter.services import after_sale_pages, customer_refunds
from tests.after_sale.conftest import AfterSale

pytestmark = pytest.mark.also_postgres


def _cost(after_sale: AfterSale, supplier_order_id: int) -> Decimal:
    with after_sale.container.uow() as uow:
        so = uow.supplier_orders.get(after_sale.shop_id, supplier_order_id)
        assert so is not None
        return so.cost.amount


def test_a_paid_supplier_order_can_be_cancelled_and_a_pending_request_is_offered_instead_of_a_second(
        after_sale: AfterSale) -> None:
    after_sale.supplier.config.cancel_decision_delay = timedelta(hours=1)
    placed = after_sale.placed(paid=True)
    uow = after_sale.container.uow()
    form = after_sale_pages.cancel_form(uow, shop_id=after_sale.shop_id, supplier_order_id=placed.supplier_order_id)
    assert form.refusal is None and form.open_request is None and form.requests == []
    asked = after_sale.api.post(f"/supplier-orders/{placed.supplier_order_id}/cancellation",
                                json={"reason": "out_of_stock"}).json()
    again = after_sale_pages.cancel_form(uow, shop_id=after_sale.shop_id, supplier_order_id=placed.supplier_order_id)
    assert again.open_request is not None and again.open_request.id == asked["id"]
    assert [r.id for r in again.requests] == [asked["id"]]


def test_a_shipped_supplier_order_is_refused_a_cancellation_in_words_pointing_to_a_return(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(paid=True, shipped=True)
    form = after_sale_pages.cancel_form(after_sale.container.uow(), shop_id=after_sale.shop_id,
                                        supplier_order_id=placed.supplier_order_id)
    assert form.shipped is True
    assert form.refusal == (f"Supplier order {placed.supplier_number} has already shipped (shipped), so it can no "
                            "longer be cancelled. Ask the seller for a return/refund instead.")


def test_the_return_form_offers_what_was_paid_until_the_protection_closes_then_says_when_it_closed(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(paid=True, delivered=True)
    uow = after_sale.container.uow()
    now = after_sale.clock.now()
    form = after_sale_pages.return_form(uow, shop_id=after_sale.shop_id, supplier_order_id=placed.supplier_order_id,
                                        now=now)
    assert form.refusal is None and form.window_closed is None and form.open_request is None
    assert form.maximum.amount == _cost(after_sale, placed.supplier_order_id)
    assert form.closes_on is not None and form.closes_on > now.date()
    later = now + timedelta(days=(form.closes_on - now.date()).days + 1)
    closed = after_sale_pages.return_form(uow, shop_id=after_sale.shop_id,
                                          supplier_order_id=placed.supplier_order_id, now=later)
    assert closed.window_closed is not None
    assert f"closed on {form.closes_on.isoformat()}" in closed.window_closed


def test_the_return_form_of_an_unshipped_order_points_to_a_cancellation_and_an_open_request_blocks_another(
        after_sale: AfterSale) -> None:
    unshipped = after_sale.placed(paid=True)
    uow = after_sale.container.uow()
    now = after_sale.clock.now()
    form = after_sale_pages.return_form(uow, shop_id=after_sale.shop_id,
                                        supplier_order_id=unshipped.supplier_order_id, now=now)
    assert form.cancellable is True and form.refusal is not None and "cancel" in form.refusal
    shipped = after_sale.placed(paid=True, shipped=True)
    opened = after_sale.api.post(f"/supplier-orders/{shipped.supplier_order_id}/returns",
                                 data={"kind": "refund_only", "reason": "not_received", "amount": "1.00"})
    assert opened.status_code == 201, opened.text
    blocked = after_sale_pages.return_form(uow, shop_id=after_sale.shop_id,
                                           supplier_order_id=shipped.supplier_order_id, now=now)
    assert blocked.open_request is not None and blocked.open_request.id == opened.json()["id"]


def test_a_chosen_reply_template_is_filled_in_for_the_request_and_an_unknown_one_is_refused(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(paid=True)
    order = after_sale.order(placed.order_id)
    view = customer_refunds.record_request(
        after_sale.container.uow(), after_sale.clock, shop_id=after_sale.shop_id, order_id=placed.order_id,
        data=customer_refunds.RefundRequestInput(message="Please cancel", amount="4.00"), actor_id="test")
    preview = after_sale_pages.reply_preview(after_sale.container.uow(), after_sale.clock, shop_id=after_sale.shop_id,
                                             request_id=view.request.id, template="cancellation_in_progress")
    assert preview.template is TemplateKey.CANCELLATION_IN_PROGRESS
    assert preview.subject == f"We are cancelling order {order['name']}"
    assert "{" not in preview.body and "4.00 USD" in preview.body
    # the proposed template, asked for by its key, reads as the service proposes it
    proposed = after_sale_pages.reply_preview(after_sale.container.uow(), after_sale.clock,
                                              shop_id=after_sale.shop_id, request_id=view.request.id,
                                              template=view.proposed_reply.template.value)
    assert (proposed.subject, proposed.body) == (view.proposed_reply.subject, view.proposed_reply.body)
    with pytest.raises(InvalidInput) as refused:
        after_sale_pages.reply_preview(after_sale.container.uow(), after_sale.clock, shop_id=after_sale.shop_id,
                                       request_id=view.request.id, template="thanks_a_lot")
    assert refused.value.field == "template"


def test_the_after_sale_money_appears_with_the_first_request_and_counts_the_store_refund(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(paid=True)
    uow = after_sale.container.uow()
    assert after_sale_pages.order_money(uow, shop_id=after_sale.shop_id, order_id=placed.order_id) is None
    view = customer_refunds.record_request(
        uow, after_sale.clock, shop_id=after_sale.shop_id, order_id=placed.order_id,
        data=customer_refunds.RefundRequestInput(message="Refund part"), actor_id="test")
    money = after_sale_pages.order_money(uow, shop_id=after_sale.shop_id, order_id=placed.order_id)
    assert money is not None and money.refunded_to_customer.amount == 0 and money.net.amount == 0
    refunded = after_sale.api.post(f"/customer-refunds/{view.request.id}/refund", json={"amount": "3.00"})
    assert refunded.status_code == 200, refunded.text
    money = after_sale_pages.order_money(uow, shop_id=after_sale.shop_id, order_id=placed.order_id)
    assert money is not None
    assert money.refunded_to_customer.amount == Decimal("3.00") and money.net.amount == Decimal("-3.00")


def test_notification_settings_are_kept_and_a_bad_address_changes_nothing(after_sale: AfterSale) -> None:
    uow = after_sale.container.uow()
    saved = after_sale_pages.save_notification_settings(
        uow, shop_id=after_sale.shop_id, emails="Orders@After.example, boss@after.example\norders@after.example",
        sender="After shop <Shop@After.example>", off=["digest", "alert"])
    assert saved.emails == ["orders@after.example", "boss@after.example"]
    assert saved.sender == "After shop <shop@after.example>"
    assert saved.off == frozenset({EmailKind.DIGEST, EmailKind.ALERT})
    with pytest.raises(InvalidInput) as refused:
        after_sale_pages.save_notification_settings(uow, shop_id=after_sale.shop_id, emails="someone@", sender="",
                                                    off=[])
    assert refused.value.field == "notification_emails"
    with pytest.raises(InvalidInput) as unknown:
        after_sale_pages.save_notification_settings(uow, shop_id=after_sale.shop_id, emails="", sender="",
                                                    off=["newsletter"])
    assert unknown.value.field == "emails_off"
    assert after_sale_pages.notification_settings(uow, shop_id=after_sale.shop_id) == saved
    # cleared, the merchant e-mails go to every person of the shop again, from the server's sender
    cleared = after_sale_pages.save_notification_settings(uow, shop_id=after_sale.shop_id, emails="", sender="",
                                                          off=[])
    assert cleared.emails == [] and cleared.sender is None and cleared.off == frozenset()
