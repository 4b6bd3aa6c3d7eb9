"""What a page request may reach: only the signed-in person's shop, only with the form's own token, and
only what the person's role allows."""

from __future__ import annotations

import re

import httpx
import pytest

from ordercenter.domain.access import StaffRole
from ordercenter.domain.shops import Shop
from ordercenter.services import access
from tests.web.conftest import NO_PLAYWRIGHT, PASSWORD, Web

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import expect  # noqa: E402  (imported once the skip is passed)


def _other_shop_person(web: Web, email: str = "owner@other.example") -> None:
    container = web.shop.container
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="other.myshopify.com", name="Other", currency="EUR",
                                  created_at=web.shop.clock.now()))
        uow.flush()
        shop_id = shop.id
        uow.commit()
    access.create_staff_user(container.uow(), shop_id=shop_id, email=email, password=PASSWORD,
                             now=web.shop.clock.now())


def test_a_form_posted_without_its_csrf_token_changes_nothing(web: Web) -> None:
    page = web.signed_in()
    with web.shop.container.uow() as uow:
        before = len(uow.tokens.all(web.shop.shop_id))
    # when: the settings form, its hidden token removed in the page, sent by the browser
    page.goto("/settings")
    page.locator("form[action='/settings/tokens'] input[name=csrf_token]").evaluate("input => input.remove()")
    page.get_by_label("New token's name").fill("sneaky")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("nothing was changed", exact=False)).to_be_visible()
    # and: the same form sent from elsewhere with the session cookie but a made-up token
    answer = httpx.post(f"{web.url}/settings/tokens", data={"name": "sneaky", "csrf_token": "guessed"},
                        cookies=web.cookies(page))
    assert answer.status_code == 403
    with web.shop.container.uow() as uow:
        assert len(uow.tokens.all(web.shop.shop_id)) == before


def test_another_shops_session_sees_no_page_and_no_data_of_this_shop(web: Web) -> None:
    placed = web.shop.placed(paid=False)
    order = web.shop.order(placed.order_id)
    _other_shop_person(web)
    page = web.signed_in("owner@other.example")
    # the other shop's orders page knows nothing of this shop's orders
    page.goto("/orders?tab=all")
    expect(page.get_by_text("No orders yet.", exact=False)).to_be_visible()
    expect(page.get_by_text(order["name"], exact=True)).to_have_count(0)
    # this shop's ids are not found from there, whatever the page
    for path in (f"/orders/{placed.order_id}", f"/orders/place?ids={placed.order_id}",
                 f"/supplier-orders/{placed.supplier_order_id}/pay", f"/orders/{placed.order_id}/reorder"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404, path
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        assert order["name"] not in page.content()
    # and a payment of this shop's supplier order, posted with a valid form of the other shop, is refused
    page.goto("/settings")
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    posted = httpx.post(f"{web.url}/supplier-orders/{placed.supplier_order_id}/pay",
                        data={"csrf_token": csrf or ""}, cookies=web.cookies(page))
    assert posted.status_code == 404
    assert web.shop.order(placed.order_id)["supplier_orders"][0]["status"] == "placed"


def test_a_request_without_a_session_gets_no_page_and_changes_nothing(web: Web) -> None:
    placed = web.shop.placed(paid=False)
    with httpx.Client(base_url=web.url, follow_redirects=False) as anonymous:
        page = anonymous.get(f"/orders/{placed.order_id}")
        assert page.status_code == 303
        assert page.headers["location"] == f"/?next=/orders/{placed.order_id}"
        paid = anonymous.post(f"/supplier-orders/{placed.supplier_order_id}/pay", data={"csrf_token": "x"})
        assert paid.status_code == 303
    assert web.shop.order(placed.order_id)["supplier_orders"][0]["status"] == "placed"


def test_staff_work_on_orders_but_the_settings_are_for_owners(web: Web) -> None:
    access.create_staff_user(web.shop.container.uow(), shop_id=web.shop.shop_id, email="helper@after.example",
                             password=PASSWORD, now=web.shop.clock.now(), role=StaffRole.STAFF)
    page = web.signed_in("helper@after.example")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")).to_have_count(0)
    answer = page.goto("/settings")
    assert answer is not None and answer.status == 403
    expect(page.get_by_text(re.compile("Only the shop's owners can open the settings"))).to_be_visible()
    answer = page.goto("/mappings")
    assert answer is not None and answer.status == 200
