"""One order's page in Chromium: supplier order, protection, money, timeline, and Pay with its confirmation."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import NO_PLAYWRIGHT, Web, assert_accessible, screenshot

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import expect  # noqa: E402  (imported once the skip is passed)


def test_the_order_page_shows_the_supplier_order_protection_money_and_timeline_newest_first(web: Web) -> None:
    placed = web.shop.placed(paid=True, shipped=True)
    order = web.shop.order(placed.order_id)
    page = web.signed_in()
    page.goto(f"/orders/{placed.order_id}")
    expect(page).to_have_title(re.compile(rf"Order {re.escape(order['name'])}"))
    card = page.locator(f"section[aria-labelledby=so-{placed.supplier_order_id}]")
    expect(card.get_by_role("heading", name=f"Supplier order {placed.supplier_number}")).to_be_visible()
    expect(card.locator(".badge")).to_have_text("Shipped")
    expect(card.get_by_text(re.compile("^Tracking:"))).to_be_visible()
    protection = page.locator("section[aria-labelledby=protection-title]")
    expect(protection).to_contain_text(re.compile(r"closes \d{1,2} \w{3} \d{4} · \d+ days left"))
    money = page.locator("section[aria-labelledby=money-title]")
    expect(money).to_contain_text("Expected profit")
    # the timeline, newest first, says who did what
    entries = page.locator(".timeline li")
    expect(entries.first).not_to_contain_text("imported from the store")
    expect(entries.last).to_contain_text("imported from the store")
    expect(page.locator(".timeline")).to_contain_text(re.compile(r"Staff · token:\d+"))  # placed through the API
    # the after-sale actions link to their pages
    page.get_by_text("More actions").click()
    expect(page.get_by_role("link", name="Return/Refund").first).to_have_attribute(
        "href", f"/supplier-orders/{placed.supplier_order_id}/return")
    expect(page.get_by_role("link", name="Message supplier").first).to_have_attribute(
        "href", f"/supplier-orders/{placed.supplier_order_id}/messages")
    page.keyboard.press("Escape")
    screenshot(page, "order")
    assert_accessible(page)


def test_paying_a_supplier_order_asks_for_a_confirmation_then_shows_it_paid(web: Web) -> None:
    placed = web.shop.placed(paid=False)
    page = web.signed_in()
    page.goto(f"/orders/{placed.order_id}")
    card = page.locator(f"section[aria-labelledby=so-{placed.supplier_order_id}]")
    expect(card.locator(".badge")).to_have_text("Placed")
    card.get_by_role("link", name="Pay").click()
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_contain_text(f"for supplier order {placed.supplier_number}")
    assert_accessible(page)
    dialog.get_by_role("button", name="Confirm payment").click()
    expect(page.get_by_role("status").first).to_have_text(f"Paid supplier order {placed.supplier_number}.")
    expect(card.locator(".badge")).to_have_text("Paid")
    expect(page.locator(".timeline li").filter(has_text="paid by API").first).to_contain_text(
        "Staff · owner@after.example")
    assert web.shop.order(placed.order_id)["stage"] == "awaiting_shipment"


def test_an_order_of_another_shop_is_a_not_found_page_for_this_shop(web: Web) -> None:
    page = web.signed_in()
    answer = page.goto("/orders/999999")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
