"""The after-sale pages with JavaScript off: Cancel Order confirms on a plain page, Return/Refund confirms on
the form itself and still uploads its photo, and every after-sale page reads."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.after_sale.conftest import MERCHANT_EMAIL
from tests.evidence_files import png
from tests.web.conftest import NO_PLAYWRIGHT, PASSWORD, VIEWPORT, Web

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import Page, expect  # noqa: E402  (imported once the skip is passed)


def _page_without_javascript(web: Web) -> Page:
    context = web.browser.new_context(viewport=VIEWPORT, base_url=web.url,  # type: ignore[arg-type]
                                      java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("E-mail").fill(MERCHANT_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/orders"))
    return page


def test_a_cancellation_is_confirmed_on_a_plain_page_and_its_decision_shows_on_reload(web: Web) -> None:
    web.shop.supplier.config.cancel_decision_delay = timedelta(hours=1)
    placed = web.shop.placed(paid=True)
    page = _page_without_javascript(web)
    page.goto(f"/supplier-orders/{placed.supplier_order_id}/cancel")
    page.get_by_label("Reason").select_option(label="Shipping is too slow")
    page.get_by_label("Note to the seller").fill("it has waited eight days")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the cancellation")
    expect(page.locator("main")).to_contain_text(f"Ask the seller to cancel supplier order {placed.supplier_number} "
                                                 "for reason: shipping is too slow: it has waited eight days.")
    # Back keeps what was chosen
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("Note to the seller")).to_have_value("it has waited eight days")
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#cancel-status .badge")).to_have_text("Pending")
    cancellations, _, _ = web.shop.supplier.after_sale_of(placed.supplier_number)
    web.shop.supplier.decide_cancellation(cancellations[0].cancellation_id, True)
    web.shop.refresh(placed.supplier_order_id)
    page.reload()
    expect(page.locator("#cancel-status .badge")).to_have_text("Approved")


def test_a_return_is_confirmed_on_the_form_itself_and_uploads_its_photo(web: Web, tmp_path: Path) -> None:
    placed = web.shop.placed(paid=True, delivered=True)
    photo = tmp_path / "scratch.png"
    photo.write_bytes(png())
    page = _page_without_javascript(web)
    page.goto(f"/supplier-orders/{placed.supplier_order_id}/return")
    page.get_by_label("Reason").select_option(label="Damaged or defective")
    page.get_by_label("Evidence: photos or videos").set_input_files(str(photo))
    page.get_by_role("button", name="Submit").click()
    # not confirmed: nothing is asked, the form says so next to the box
    expect(page.locator("#confirmed-error")).to_have_text("Tick the box to confirm what will be asked.")
    expect(page.get_by_label("Reason")).to_have_value("damaged")
    with web.shop.container.uow() as uow:
        assert not uow.returns.for_order(web.shop.shop_id, placed.order_id)
    page.get_by_label("Evidence: photos or videos").set_input_files(str(photo))
    page.get_by_role("checkbox", name=re.compile(r"Yes: ask the seller")).check()
    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(re.compile(r"/returns/\d+$"))
    expect(page.locator("#return-status .badge")).to_have_text("Under review")
    expect(page.get_by_role("img", name="Evidence 1: scratch.png")).to_be_visible()


def test_every_after_sale_page_reads_without_javascript(web: Web) -> None:
    placed = web.shop.placed(paid=True, shipped=True)
    request = web.shop.api.post(f"/orders/{placed.order_id}/customer-refunds", json={"message": "Refund please"})
    assert request.status_code == 201, request.text
    page = _page_without_javascript(web)
    for path, heading in ((f"/supplier-orders/{placed.supplier_order_id}/cancel", "Cancel supplier order"),
                          (f"/supplier-orders/{placed.supplier_order_id}/return", "Return/refund for supplier order"),
                          (f"/supplier-orders/{placed.supplier_order_id}/messages", "Messages with the seller"),
                          (f"/customer-refunds/{request.json()['id']}", "Refund request"),
                          (f"/orders/{placed.order_id}/customer-refunds/new", "Record a refund request"),
                          ("/deadlines", "Deadlines"), ("/settings/notifications", "Notification e-mails"),
                          ("/settings/reply-templates/refund_issued", "Reply template: Refund issued"),
                          ("/settings/outbox", "Outbox")):
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    # choosing a template reloads the page with it (the select's button, shown without JavaScript)
    page.goto(f"/customer-refunds/{request.json()['id']}")
    page.get_by_label("Template").select_option(label="No refund")
    page.get_by_role("button", name="Use this template").click()
    expect(page.get_by_label("Subject")).to_have_value(re.compile(r"^About your refund request for order"))
