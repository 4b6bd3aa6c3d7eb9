"""With JavaScript off every page still reads and the bulk placement still works, one full page at a time."""

from __future__ import annotations

import re

import pytest

from tests.after_sale.conftest import MERCHANT_EMAIL
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
    return page


def test_orders_are_placed_in_bulk_without_javascript_through_plain_pages(web: Web) -> None:
    ready = [o for o in web.paid_orders(4) if o["stage"] == "to_order"]
    assert ready
    page = _page_without_javascript(web)
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    page.get_by_label(f"Select order {ready[0]['name']}", exact=True).check()
    page.get_by_role("button", name="Place orders").click()
    expect(page).to_have_url(re.compile(r"/orders/place\?ids="))
    expect(page.get_by_role("heading", name="Place 1 order", level=1)).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(re.compile(r"/orders/place/confirm\?"))
    page.get_by_role("button", name="Confirm").click()
    # the whole result at once: the request waited for the placement
    expect(page.get_by_role("status")).to_contain_text("Done: 1 of 1 handled")
    assert web.shop.order(ready[0]["id"])["stage"] in ("awaiting_payment", "needs_attention")


def test_every_main_page_reads_without_javascript(web: Web) -> None:
    placed = web.shop.placed(paid=False)
    page = _page_without_javascript(web)
    for path, heading in (("/orders?tab=awaiting_payment", "Orders"), (f"/orders/{placed.order_id}", "Order #"),
                          ("/mappings", "Product mapping"), ("/settings", "Settings"),
                          (f"/supplier-orders/{placed.supplier_order_id}/pay", "Pay supplier order")):
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
