"""The after-sale pages in Chromium: Cancel Order (pending, then the seller's decision without a reload),
Return/Refund with a photo followed to refunded, answering a customer's refund request and refunding part
of it on the store, Deadlines, and the assisted steps of a supplier without an after-sale API."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from ordercenter.domain.access import StaffRole
from ordercenter.services import access
from tests.after_sale.conftest import AfterSale, Placed
from tests.evidence_files import png
from tests.web.conftest import NO_PLAYWRIGHT, Web, assert_accessible, screenshot

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import Page, expect  # noqa: E402  (imported once the skip is passed)

DECISION_SEEN_WITHIN = 20_000  # ms: the status polls every 3 s and asks the supplier at most every 5 s


def use_the_real_aliexpress_client(shop: AfterSale) -> None:
    """The account as a real AliExpress one: no after-sale API, so every request is assisted."""
    with shop.container.uow() as uow:
        [account] = uow.supplier_accounts.all(shop.shop_id)
        account.is_sandbox = False
        uow.commit()


def pending_cancellation_at_the_supplier(shop: AfterSale, placed: Placed) -> str:
    cancellations, _, _ = shop.supplier.after_sale_of(placed.supplier_number)
    [pending] = [c.cancellation_id for c in cancellations if c.outcome == "pending"]
    return pending


def dispute_at_the_supplier(shop: AfterSale, placed: Placed) -> str:
    _, disputes, _ = shop.supplier.after_sale_of(placed.supplier_number)
    [dispute] = disputes
    return dispute.dispute_id


def top_screenshot(page: Page, name: str) -> None:
    """The page from its top (a redirect to an anchor, or a focused field, may have scrolled it)."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def open_cancel_page(web: Web, placed: Placed) -> Page:
    page = web.signed_in()
    page.goto(f"/orders/{placed.order_id}")
    page.locator(f"section[aria-labelledby=so-{placed.supplier_order_id}]").get_by_role(
        "link", name="Cancel Order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Cancel supplier order {placed.supplier_number}")
    page.wait_for_load_state()  # htmx binds the form (Submit opens the dialog) when the page has loaded
    return page


# ---------------------------------------------------------------- Cancel Order


def test_cancelling_an_order_confirms_what_will_be_asked_shows_it_pending_then_approved_without_a_reload(
        web: Web) -> None:
    # given a paid supplier order whose seller takes an hour to decide
    web.shop.supplier.config.cancel_decision_delay = timedelta(hours=1)
    placed = web.shop.placed(paid=True)
    page = open_cancel_page(web, placed)
    assert_accessible(page)
    # when the merchant picks the reason and submits
    page.get_by_label("Reason").select_option(label="The customer changed their mind")
    page.get_by_role("button", name="Submit").click()
    # then the dialog restates what will be asked, with a red Confirm and Back
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_contain_text(f"Ask the seller to cancel supplier order {placed.supplier_number} for reason: "
                                   "the customer changed their mind.")
    expect(dialog.get_by_role("button", name="Confirm")).to_have_class(re.compile(r"\bdanger\b"))
    expect(dialog.get_by_role("button", name="Back")).to_be_visible()
    screenshot(page, "cancel-confirm")
    assert_accessible(page)
    dialog.get_by_role("button", name="Confirm").click()
    # the request's own page shows it pending at once
    expect(page).to_have_url(re.compile(r"/cancellations/\d+$"))
    status = page.locator("#cancel-status")
    expect(status.locator(".badge")).to_have_text("Pending")
    expect(page.get_by_role("status").first).to_have_text("Cancellation asked: waiting for the seller's decision.")
    screenshot(page, "cancel-pending")
    assert_accessible(page)
    # when the seller approves at the supplier, the page shows it by itself
    web.shop.supplier.decide_cancellation(pending_cancellation_at_the_supplier(web.shop, placed), True)
    expect(page.locator("#cancel-status .badge")).to_have_text("Approved", timeout=DECISION_SEEN_WITHIN)
    expect(page.locator("#cancel-status")).to_contain_text("is back in To order")
    expect(page.locator("#cancel-status")).to_contain_text(re.compile(r"Refund of \$[\d.]+ expected between"))
    assert web.shop.order(placed.order_id)["stage"] == "to_order"


def test_a_supplier_order_that_has_shipped_cannot_be_cancelled_and_the_page_says_so_with_return_refund(
        web: Web) -> None:
    placed = web.shop.placed(paid=True, shipped=True)
    page = web.signed_in()
    page.goto(f"/supplier-orders/{placed.supplier_order_id}/cancel")
    expect(page.get_by_role("status")).to_contain_text("has already shipped (shipped), so it can no longer be "
                                                       "cancelled")
    expect(page.get_by_label("Reason")).to_have_count(0)
    page.get_by_role("link", name="Return/Refund").click()
    expect(page).to_have_url(re.compile(rf"/supplier-orders/{placed.supplier_order_id}/return$"))


def test_the_reason_other_without_a_note_is_refused_next_to_the_note_and_the_choice_is_kept(web: Web) -> None:
    placed = web.shop.placed(paid=True)
    page = open_cancel_page(web, placed)
    page.get_by_label("Reason").select_option(label="Other")
    page.get_by_label("Cancel store order").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#note-error")).to_have_text("The reason 'other' needs a note saying why")
    expect(page.get_by_label("Note to the seller")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Reason")).to_have_value("other")
    expect(page.get_by_label("Cancel store order")).to_be_checked()
    expect(page.locator("dialog#dialog")).not_to_be_visible()
    with web.shop.container.uow() as uow:
        assert not uow.cancellations.for_order(web.shop.shop_id, placed.order_id)


def test_an_assisted_cancellation_gives_the_numbered_steps_and_records_the_sellers_decision_by_hand(
        web: Web) -> None:
    placed = web.shop.placed(paid=True)
    use_the_real_aliexpress_client(web.shop)
    page = open_cancel_page(web, placed)
    page.get_by_label("Reason").select_option(label="The supplier is out of stock")
    page.get_by_role("button", name="Submit").click()
    page.locator("dialog#dialog").get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/cancellations/\d+$"))
    steps = page.locator("ol.steps li")
    expect(steps).to_have_count(5)
    expect(steps.nth(1)).to_contain_text(placed.supplier_number)
    link = page.get_by_role("link", name="Open the order on the supplier's website")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("href", re.compile(re.escape(placed.supplier_number)))
    expect(page.get_by_role("button", name="Copy text")).to_be_visible()
    expect(page.locator("#cancel-text")).to_have_text("the supplier is out of stock")
    screenshot(page, "cancel-assisted")
    assert_accessible(page)
    # the merchant saw it approved on the supplier's website
    form = page.get_by_role("form", name="What did the seller decide?")
    form.get_by_label("Approved: the order is cancelled").check()
    form.get_by_label("The seller's words (optional)").fill("cancelled on aliexpress.com")
    form.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status").first).to_have_text("Recorded: the seller approved the cancellation.")
    expect(page.locator("#cancel-status .badge")).to_have_text("Approved")
    expect(page.locator("#cancel-status")).to_contain_text("(recorded by hand)")
    expect(page.get_by_role("form", name="What did the seller decide?")).to_have_count(0)
    assert web.shop.order(placed.order_id)["stage"] == "to_order"


# ---------------------------------------------------------------- Return/Refund


def test_a_return_with_a_photo_is_followed_from_the_seller_accepting_to_refunded(web: Web, tmp_path: Path) -> None:
    # given a delivered order and a photo of the damage
    placed = web.shop.placed(paid=True, delivered=True)
    photo = tmp_path / "broken-lid.png"
    photo.write_bytes(png(32, 24))
    page = web.signed_in()
    page.goto(f"/orders/{placed.order_id}")
    page.locator(f"section[aria-labelledby=so-{placed.supplier_order_id}]").get_by_role(
        "link", name="Return/Refund").click()
    page.wait_for_url(re.compile(r"/return$"))  # and loaded: the form is bound to htmx then, as on the cancel page
    maximum = page.get_by_label(re.compile(r"^Amount")).input_value()
    expect(page.locator("#amount-hint")).to_contain_text(f"At most ${maximum}")
    # when the merchant asks for a return and refund with the photo
    page.get_by_label("Return and refund: send the goods back first").check()
    page.get_by_label("Reason").select_option(label="Damaged or defective")
    page.get_by_label("Description").fill("The lid arrived cracked in two.")
    page.get_by_label("Evidence: photos or videos").set_input_files(str(photo))
    expect(page.locator("#evidence-previews img")).to_have_attribute("alt", "Preview of broken-lid.png")
    screenshot(page, "return-form")
    assert_accessible(page)
    page.get_by_role("button", name="Submit").click()
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_contain_text(f"Ask the seller of supplier order {placed.supplier_number} for ${maximum} "
                                   "(return and refund) for reason: damaged or defective.")
    expect(dialog).to_contain_text("With 1 evidence file.")
    dialog.get_by_role("button", name="Confirm").click()
    # then the request is under review at the seller, with its evidence
    expect(page).to_have_url(re.compile(r"/returns/\d+$"))
    expect(page.locator("#return-status .badge")).to_have_text("Under review")
    thumbnail = page.get_by_role("img", name="Evidence 1: broken-lid.png")
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_js_property("naturalWidth", 32)  # served, and a real image (once it has loaded)
    # when the seller accepts: the return instructions appear by themselves
    dispute = dispute_at_the_supplier(web.shop, placed)
    web.shop.supplier.decide_dispute(dispute, True)
    expect(page.locator("#return-status .badge")).to_have_text("Awaiting return", timeout=DECISION_SEEN_WITHIN)
    instructions = page.locator("section[aria-labelledby=return-title]")
    expect(instructions).to_contain_text("Return Dept.")
    expect(instructions).to_contain_text("Ship by")
    screenshot(page, "return-instructions")
    assert_accessible(page)
    # the merchant gives the return's tracking number
    page.get_by_label("Return tracking number").fill("RR123456789CN")
    page.get_by_role("button", name="Send the tracking number").click()
    expect(page.get_by_role("status").first).to_have_text("Return tracking number RR123456789CN recorded.")
    expect(page.locator("#return-status .badge")).to_have_text("Return shipped")
    # the operator refunds: the page follows to refunded
    web.shop.supplier.refund_dispute(dispute)
    expect(page.locator("#return-status .badge")).to_have_text("Refunded", timeout=DECISION_SEEN_WITHIN)
    expect(page.locator("#return-status")).to_contain_text(f"${maximum}")
    page.goto(f"/orders/{placed.order_id}")
    money = page.locator("section[aria-labelledby=money-title]")
    expect(money.locator("dt", has_text="Recovered from the supplier").locator("+ dd")).to_have_text(f"${maximum}")
    expect(money.locator("dt", has_text="Profit after refunds")).to_be_visible()
    requests = page.locator("section[aria-labelledby=after-sale-title]")
    expect(requests.get_by_role("link", name=re.compile(r"^Return\/refund · return and refund"))).to_have_attribute(
        "href", re.compile(r"^/returns/\d+$"))
    screenshot(page, "order-after-sale")
    assert_accessible(page)


def test_an_html_file_named_photo_jpg_is_refused_next_to_the_evidence_and_the_form_keeps_what_was_typed(
        web: Web, tmp_path: Path) -> None:
    placed = web.shop.placed(paid=True, delivered=True)
    fake = tmp_path / "photo.jpg"
    fake.write_text("<!doctype html><html><script>alert(1)</script></html>")
    page = web.signed_in()
    page.goto(f"/supplier-orders/{placed.supplier_order_id}/return")
    page.get_by_label("Reason").select_option(label="Not as described (quality, size, colour or quantity)")
    page.get_by_label(re.compile(r"^Amount")).fill("3.50")
    page.get_by_label("Description").fill("The colour is wrong.")
    page.get_by_label("Evidence: photos or videos").set_input_files(str(fake))
    page.get_by_role("button", name="Submit").click()
    page.locator("dialog#dialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("#evidence-error")).to_contain_text("Evidence file 'photo.jpg' is not a JPEG, PNG or WebP "
                                                            "photo or an MP4 or MOV video")
    expect(page.get_by_label("Evidence: photos or videos")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Description")).to_have_value("The colour is wrong.")
    expect(page.get_by_label(re.compile(r"^Amount"))).to_have_value("3.50")
    expect(page.get_by_label("Reason")).to_have_value("not_as_described")
    assert_accessible(page)
    with web.shop.container.uow() as uow:
        assert not uow.returns.for_order(web.shop.shop_id, placed.order_id)


def open_refund_only_not_received(page: Page, web: Web, placed: Placed) -> None:
    page.goto(f"/supplier-orders/{placed.supplier_order_id}/return")
    page.get_by_label("Reason").select_option(label="The parcel never arrived")
    page.get_by_role("button", name="Submit").click()
    page.locator("dialog#dialog").get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/returns/\d+$"))


def test_a_refused_return_is_escalated_to_the_platform_from_its_page(web: Web) -> None:
    placed = web.shop.placed(paid=True, shipped=True)
    page = web.signed_in()
    open_refund_only_not_received(page, web, placed)
    expect(page.locator("#return-status .badge")).to_have_text("Under review")
    expect(page.locator("#return-status")).to_contain_text(re.compile(r"Refund takes\s*\d+–\d+ business days"))
    web.shop.supplier.decide_dispute(dispute_at_the_supplier(web.shop, placed), False,
                                     note="the tracking shows it delivered")
    refused = page.locator("section[aria-labelledby=refused-title]")
    expect(refused).to_be_visible(timeout=DECISION_SEEN_WITHIN)
    expect(page.locator("#return-status")).to_contain_text("the tracking shows it delivered")
    refused.get_by_role("button", name="Escalate to the platform").click()
    expect(page.get_by_role("status").first).to_have_text("Escalated: the platform now decides.")
    expect(page.locator("#return-status .badge")).to_have_text("Under review")
    expect(page.locator("#return-status")).to_contain_text("Escalated to the platform")


def test_an_assisted_return_is_opened_by_hand_and_followed_with_the_dispute_number_decision_and_refund(
        web: Web) -> None:
    placed = web.shop.placed(paid=True, shipped=True)
    use_the_real_aliexpress_client(web.shop)
    page = web.signed_in()
    open_refund_only_not_received(page, web, placed)
    expect(page.get_by_role("status").first).to_contain_text("open it on the supplier's website")
    expect(page.locator("ol.steps li")).to_have_count(6)
    expect(page.get_by_role("link", name="Open the order on the supplier's website")).to_have_attribute(
        "target", "_blank")
    expect(page.locator("#dispute-text")).to_contain_text("The parcel never arrived.")
    assert_accessible(page)
    page.get_by_label("Dispute number the website shows").fill("8123456789")
    page.get_by_role("button", name="Record the dispute number").click()
    expect(page.locator("#return-status .badge")).to_have_text("Under review")
    form = page.get_by_role("form", name="What did the seller decide?")
    form.get_by_label("Refund agreed").fill("99999")
    form.get_by_label("Accepted").check()
    form.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#refund_amount-error")).to_contain_text("at most the")
    page.get_by_role("form", name="What did the seller decide?").get_by_label("Refund agreed").fill("")
    page.get_by_role("form", name="What did the seller decide?").get_by_role(
        "button", name="Record the decision").click()
    expect(page.get_by_role("status").first).to_have_text("Recorded: the seller accepted it.")
    expect(page.locator("#return-status .badge")).to_have_text("Refund pending")
    expect(page.locator("#return-status")).to_contain_text(re.compile(r"Refund expected\s*between"))
    page.get_by_role("button", name="The refund arrived").click()
    expect(page.locator("#return-status .badge")).to_have_text("Refunded")


def test_once_the_buyer_protection_has_closed_the_page_gives_the_closing_date_and_no_form(web: Web) -> None:
    placed = web.shop.placed(paid=True, delivered=True)
    web.shop.clock.advance(timedelta(days=120))
    page = web.signed_in()
    page.goto(f"/supplier-orders/{placed.supplier_order_id}/return")
    expect(page.get_by_role("heading", name="The buyer protection has ended")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"The protection closed on \d{1,2} \w{3} \d{4}"))
    expect(page.get_by_role("button", name="Submit")).to_have_count(0)


# ---------------------------------------------------------------- customer refunds


def test_a_customer_refund_request_is_answered_from_the_edited_template_and_refunded_in_part(web: Web) -> None:
    placed = web.shop.placed(paid=True, shipped=True)
    customer = web.shop.order(placed.order_id)["email"]
    page = web.signed_in()
    page.goto(f"/orders/{placed.order_id}")
    # the panel on the order page records the request
    panel = page.locator("section[aria-labelledby=customer-refunds-title]")
    panel.get_by_text("Record a refund request").click()
    panel.get_by_label("What the customer asks").fill("The parcel is late, I want my money back.")
    panel.get_by_label(re.compile(r"^Amount asked")).fill("5.00")
    panel.get_by_role("button", name="Record the request").click()
    expect(page).to_have_url(re.compile(r"/customer-refunds/\d+$"))
    # the proposed reply, from a template, is edited and sent
    expect(page.get_by_label("Template")).to_have_value("refund_request_received")
    page.wait_for_load_state()  # htmx binds the template picker when the page has loaded, not when it shows
    page.get_by_label("Template").select_option(label="We are cancelling the order")
    expect(page.get_by_label("Subject")).to_have_value(re.compile(r"^We are cancelling order #\d+"))
    body = page.get_by_role("textbox", name="Reply")
    expect(body).to_have_value(re.compile(r"asked our supplier to cancel order"))
    page.get_by_label("Template").select_option(label="Request received: we are looking into it")
    expect(body).to_have_value(re.compile(r"We have received your request for a refund"))
    body.fill(body.input_value().rstrip() + "\n\nP.S. We will check with the carrier today.")
    top_screenshot(page, "customer-refund")
    assert_accessible(page)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").first).to_have_text(f"Reply to {customer} queued: it is e-mailed within a "
                                                          "minute.")
    web.shop.send_emails()
    [mail] = [m for m in web.shop.mailbox.to(customer) if "refund request" in m.subject]
    assert "P.S. We will check with the carrier today." in mail.text
    assert "We have received your request for a refund" in mail.text
    # then part of the order is refunded on the store, after a confirmation restating the amount
    page.get_by_label(re.compile(r"^Amount \(USD\)")).fill("5.00")
    page.get_by_role("button", name="Refund", exact=True).click()
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_contain_text("Refund $5.00 to Jane")
    expect(dialog.get_by_role("button", name="Confirm")).to_have_class(re.compile(r"\bdanger\b"))
    assert_accessible(page)
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status").first).to_have_text("Refunded $5.00 to the customer on the store.")
    net = page.locator("section[aria-labelledby=net-title]")
    expect(net.locator("dt", has_text="Refunded to the customer").locator("+ dd")).to_have_text("$5.00")
    expect(net.locator("dt", has_text="Net").locator("+ dd")).to_have_text("-$5.00")
    assert web.shop.order(placed.order_id)["financial_status"] == "partially_refunded"


def test_a_customer_email_pasted_whole_is_recorded_with_its_sender_and_an_empty_one_is_refused(web: Web) -> None:
    placed = web.shop.placed(paid=True)
    page = web.signed_in()
    page.goto(f"/orders/{placed.order_id}/customer-refunds/new")
    page.get_by_role("button", name="Record the request").click()
    expect(page.locator("#message-error")).to_have_text("Write what the customer asked for, or paste their e-mail")
    page.get_by_label("Or paste the customer's e-mail").fill(
        "From: Ana Silva <Ana@Example.com>\nSubject: Broken holder\n\nMy phone holder broke after a day.")
    page.get_by_role("button", name="Record the request").click()
    asked = page.locator("section[aria-labelledby=asked-title]")
    expect(asked).to_contain_text("Ana Silva · ana@example.com")
    expect(asked).to_contain_text("(pasted e-mail)")
    expect(asked.locator(".mail-text")).to_contain_text("My phone holder broke after a day.")
    assert_accessible(page)


def test_a_refund_above_what_the_order_can_refund_is_refused_next_to_the_amount(web: Web) -> None:
    placed = web.shop.placed(paid=True)
    page = web.signed_in()
    page.goto(f"/orders/{placed.order_id}/customer-refunds/new")
    page.get_by_label("What the customer asks").fill("Refund please")
    page.get_by_role("button", name="Record the request").click()
    page.get_by_label(re.compile(r"^Amount \(USD\)")).fill("99999")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator("#amount-error")).to_contain_text("is more than the")
    expect(page.get_by_label(re.compile(r"^Amount \(USD\)"))).to_have_value("99999")
    expect(page.locator("dialog#dialog")).not_to_be_visible()


# ---------------------------------------------------------------- deadlines and messages


def test_the_deadlines_page_lists_what_is_due_soonest_first_with_the_overdue_in_red_and_links_to_orders(
        web: Web) -> None:
    unpaid = web.shop.placed(paid=False)
    web.shop.supplier.config.cancel_decision_delay = timedelta(hours=1)
    undecided = web.shop.placed(paid=True)
    assert web.shop.api.post(f"/supplier-orders/{undecided.supplier_order_id}/cancellation",
                             json={"reason": "out_of_stock"}).status_code == 201
    web.shop.clock.advance(timedelta(hours=50))  # the cancellation waits past its 48 hours
    page = web.signed_in()
    badge = page.get_by_role("navigation", name="Main").locator(".count")
    expect(badge).not_to_have_text("0")
    page.get_by_role("link", name=re.compile(r"^Deadlines")).click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(int(badge.inner_text()))
    overdue = rows.filter(has_text="Cancellation undecided")
    expect(overdue).to_have_class(re.compile(r"\boverdue\b"))
    expect(overdue.locator(".badge-critical")).to_have_text("Overdue")
    # soonest first: the overdue cancellation before the payment still to make
    texts = rows.all_inner_texts()
    assert texts.index(next(t for t in texts if "Cancellation undecided" in t)) < \
        texts.index(next(t for t in texts if "Pay the supplier" in t))
    screenshot(page, "deadlines")
    assert_accessible(page)
    rows.filter(has_text="Pay the supplier").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/orders/{unpaid.order_id}$"))


def test_a_message_to_the_seller_is_sent_from_a_template_and_the_answer_joins_the_thread(web: Web) -> None:
    placed = web.shop.placed(paid=True, shipped=True)
    page = web.signed_in()
    page.goto(f"/orders/{placed.order_id}")
    page.locator(f"section[aria-labelledby=so-{placed.supplier_order_id}]").get_by_role(
        "link", name="Message supplier").click()
    expect(page.get_by_text("No messages with the seller yet.")).to_be_visible()
    page.wait_for_load_state()  # htmx binds the template picker when the page has loaded, not when it shows
    page.get_by_label("Template").select_option(label="Tracking not updating")
    expect(page.get_by_label("Message")).to_have_value(re.compile(rf"order {placed.supplier_number}"))
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").first).to_have_text("Message sent to the seller.")
    expect(page.locator("ol.thread li")).to_have_count(1)
    expect(page.locator(".banner.attention")).to_contain_text("Awaiting the seller's reply since")
    web.shop.supplier.reply_as_seller(placed.supplier_number, "We are checking with the carrier, dear friend.")
    page.get_by_role("button", name="Check for answers").click()
    expect(page.get_by_role("status").first).to_have_text("1 new message from the supplier.")
    thread = page.locator("ol.thread li")
    expect(thread).to_have_count(2)
    expect(thread.last).to_contain_text("We are checking with the carrier")  # newest last
    expect(page.locator(".banner.attention")).to_have_count(0)
    top_screenshot(page, "messages")
    assert_accessible(page)


def test_an_assisted_message_gives_the_text_to_paste_and_takes_the_sellers_answer_by_hand(web: Web) -> None:
    placed = web.shop.placed(paid=True)
    use_the_real_aliexpress_client(web.shop)
    page = web.signed_in()
    page.goto(f"/supplier-orders/{placed.supplier_order_id}/messages")
    page.get_by_label("Message").fill("Please ship this week, it is a gift.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").first).to_contain_text("paste it on the supplier's website")
    expect(page.locator("#paste-text")).to_have_text("Please ship this week, it is a gift.")
    expect(page.get_by_role("link", name="Open the order on the supplier's website")).to_have_attribute(
        "target", "_blank")
    expect(page.get_by_role("button", name="Copy text")).to_be_visible()
    page.get_by_label("Paste what the seller wrote").fill("OK, shipping tomorrow.")
    page.get_by_role("button", name="Record the answer").click()
    expect(page.get_by_role("status").first).to_have_text("The seller's answer is recorded.")
    expect(page.locator("ol.thread li").last).to_contain_text("OK, shipping tomorrow.")
    expect(page.locator("#paste-text")).to_have_count(0)


def test_the_owner_sets_who_gets_the_emails_edits_a_reply_template_and_reads_the_outbox(web: Web) -> None:
    page = web.signed_in()
    page.goto("/settings")
    page.get_by_role("link", name="Notification e-mails and reply templates").click()
    page.get_by_label("Send the merchant's e-mails to").fill("orders@after.example\nnot-an-address")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#notification_emails-error")).to_have_text("'not-an-address' is not an e-mail address")
    expect(page.get_by_label("Send the merchant's e-mails to")).to_have_value("orders@after.example\nnot-an-address")
    page.get_by_label("Send the merchant's e-mails to").fill("orders@after.example")
    page.get_by_label("The daily list of deadlines").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_have_text("Notification e-mail settings saved.")
    expect(page.get_by_label("The daily list of deadlines")).not_to_be_checked()
    with web.shop.container.uow() as uow:
        shop = uow.shops.get(web.shop.shop_id)
        assert shop is not None
        assert shop.notification_emails == ["orders@after.example"] and shop.emails_off == ["digest"]
    screenshot(page, "settings-notifications")
    assert_accessible(page)
    # a reply template with an unknown placeholder is refused next to the wording, then reset
    page.get_by_role("link", name="Edit the template Refund issued").click()
    page.get_by_label("Wording").fill("Dear {customer}, your refund is on its way.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#body-error")).to_contain_text("Unknown placeholder {customer} in the body")
    page.get_by_label("Wording").fill("Dear {customer_name}, {refund_amount} is on its way.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_have_text("Reply template “Refund issued” saved.")
    expect(page.locator("#templates tr", has_text="Refund issued")).to_contain_text("Yours")
    page.get_by_role("link", name="Edit the template Refund issued").click()
    page.get_by_role("button", name="Reset to the built-in wording").click()
    expect(page.locator("#templates tr", has_text="Refund issued")).to_contain_text("Built in")
    # the outbox shows what was written: a seller's decision, to the address set above
    placed = web.shop.placed(paid=True)
    assert web.shop.api.post(f"/supplier-orders/{placed.supplier_order_id}/cancellation",
                             json={"reason": "out_of_stock"}).json()["status"] == "approved"
    page.goto("/settings/outbox")
    row = page.locator("tbody tr", has_text="the supplier approved the cancellation")
    expect(row).to_contain_text("orders@after.example")
    expect(row.locator(".badge")).to_have_text("Waiting to be sent")
    web.shop.send_emails()
    page.reload()
    expect(row.locator(".badge")).to_have_text("Sent")
    row.locator("summary").click()
    expect(row.locator(".mail-text")).to_contain_text(f"supplier order {placed.supplier_number}")
    screenshot(page, "outbox")
    assert_accessible(page)


def test_a_staff_member_gets_no_notification_settings_nor_outbox(web: Web) -> None:
    access.create_staff_user(web.shop.container.uow(), shop_id=web.shop.shop_id, email="packer@after.example",
                             password="packer-pass-1", now=web.shop.clock.now(), role=StaffRole.STAFF)
    page = web.signed_in("packer@after.example", "packer-pass-1")
    for path in ("/settings/notifications", "/settings/outbox", "/settings/reply-templates/refund_issued"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 403, path
