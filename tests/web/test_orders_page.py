"""The orders page in Chromium: tabs with counts, selecting rows, and placing them in bulk through the
preview dialog, the confirmation and the live result per order."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import NO_PLAYWRIGHT, Web, assert_accessible, screenshot

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import expect  # noqa: E402  (imported once the skip is passed)


def test_placing_orders_in_bulk_from_the_to_order_tab_shows_a_result_for_each_order(web: Web) -> None:
    web.paid_orders(6)
    to_order = list(web.shop.api.get("/orders", params={"stage": "to_order"}).json()["data"])
    assert len(to_order) >= 2, "the sandbox store made fewer than two orders ready to place"
    page = web.signed_in()
    expect(page.get_by_role("link", name=re.compile(r"To order")).locator(".count")).to_have_text(str(len(to_order)))
    screenshot(page, "orders")
    assert_accessible(page)
    # when: two rows ticked
    chosen = to_order[:2]
    for order in chosen:
        page.get_by_label(f"Select order {order['name']}", exact=True).check()
    expect(page.get_by_text("2 selected")).to_be_visible()
    page.get_by_role("button", name="Place orders").click()
    # then: the preview in a dialog, items per seller with the shipping to choose
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name=chosen[0]["name"])).to_be_visible()
    expect(dialog.get_by_text("Expected profit").first).to_be_visible()
    shipping = dialog.get_by_label(re.compile("^Shipping for ")).first
    expect(shipping).to_be_visible()
    screenshot(page, "place-orders-preview")
    assert_accessible(page)
    placeable = dialog.locator("input[name=place]").count()
    assert placeable >= 1, dialog.inner_text()
    dialog.get_by_role("button", name="Submit").click()
    # then: the confirmation says what will happen, and Confirm places
    expect(dialog.get_by_text(re.compile(rf"Place {placeable} orders? with the supplier\."))).to_be_visible()
    expect(dialog.get_by_text("Nothing is paid", exact=False)).to_be_visible()
    dialog.get_by_role("button", name="Confirm").click()
    # then: the result page, filled in live until every order is handled
    expect(page).to_have_url(re.compile(r"/orders/place/runs/"))
    expect(page.get_by_role("status")).to_contain_text("Done:", timeout=30_000)
    expect(page.get_by_role("status")).to_contain_text(f"{placeable} of {placeable} handled")
    expect(page.locator(".progress-list .badge-success")).to_have_count(placeable)
    screenshot(page, "place-orders-results")
    # and: the orders moved on at the supplier
    stages = {o["id"]: o["stage"] for o in web.shop.api.get("/orders", params={"limit": 200}).json()["data"]}
    assert sum(1 for o in chosen if stages[o["id"]] == "awaiting_payment") == placeable


def test_the_dialog_closes_with_escape_and_gives_the_focus_back(web: Web) -> None:
    [order] = [o for o in web.paid_orders(3) if o["stage"] == "to_order"][:1]
    page = web.signed_in()
    page.get_by_label(f"Select order {order['name']}", exact=True).check()
    button = page.get_by_role("button", name="Place orders")
    button.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_be_visible()
    # the focus is inside the dialog, and Tab keeps it there (the page behind is inert)
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('dialog').contains(document.activeElement)"), \
            "the focus left the open dialog"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()


def test_a_tab_without_orders_says_what_it_means_and_the_next_step(web: Web) -> None:
    page = web.signed_in()
    page.get_by_role("link", name=re.compile(r"^Delivered")).click()
    expect(page).to_have_url(re.compile(r"tab=delivered"))
    expect(page.get_by_text("No delivered orders yet. Orders move here when the carrier reports the delivery.")
           ).to_be_visible()
