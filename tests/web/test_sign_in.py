"""Signing in and out in Chromium: the front door, a refused password, the failure limit, sign-out."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from tests.after_sale.conftest import MERCHANT_EMAIL
from tests.web.conftest import NO_PLAYWRIGHT, PASSWORD, Web, assert_accessible, screenshot

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import expect  # noqa: E402  (imported once the skip is passed)


def test_a_visitor_without_a_session_gets_the_sign_in_page_and_lands_on_the_orders_after_signing_in(web: Web) -> None:
    page = web.page()
    # given: a page asked for without a session
    page.goto("/orders?tab=in_transit")
    # then: the sign-in page, which brings the person back to that page
    expect(page).to_have_title(re.compile("Sign in"))
    expect(page.get_by_role("heading", name="Sign in to Order Center")).to_be_visible()
    screenshot(page, "sign-in")
    assert_accessible(page)
    page.get_by_label("E-mail").fill(MERCHANT_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/orders\?tab=in_transit$"))
    expect(page.get_by_role("link", name=re.compile("In transit"))).to_have_attribute("aria-current", "page")
    cookie = next(c for c in page.context.cookies() if c["name"] == "oc_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain HTTP on loopback; over TLS it is Secure


def test_a_wrong_password_is_refused_next_to_the_password_with_the_email_kept(web: Web) -> None:
    page = web.page()
    page.goto("/")
    page.get_by_label("E-mail").fill(MERCHANT_EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_have_text("The e-mail or the password is wrong.")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("E-mail")).to_have_value(MERCHANT_EMAIL)
    assert not [c for c in page.context.cookies() if c["name"] == "oc_session"]


def test_five_failed_sign_ins_lock_the_account_even_for_the_right_password_with_the_time_to_wait(web: Web) -> None:
    page = web.page()
    page.goto("/")
    for _ in range(5):
        page.get_by_label("E-mail").fill(MERCHANT_EMAIL)
        page.get_by_label("Password").fill("guess-guess")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#password-error")).to_be_visible()
    # when: the right password, now
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # then: refused before the password is looked at, with the wait in words
    expect(page.locator("#email-error")).to_have_text(
        "Too many failed sign-ins for this account. Try again in 15 minutes.")
    # and: the limit is in the database, so it lifts when the window has passed
    web.shop.clock.advance(timedelta(minutes=15))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/orders$"))


def test_signing_out_ends_the_session_so_its_cookie_opens_nothing_any_more(web: Web) -> None:
    page = web.signed_in()
    cookies = web.cookies(page)
    page.get_by_text(MERCHANT_EMAIL).click()  # the person menu
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Order Center")).to_be_visible()
    # the old cookie, replayed: sent to the sign-in page
    answer = httpx.get(f"{web.url}/orders", cookies=cookies, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
    assert answer.headers["location"].startswith("/?next=")
