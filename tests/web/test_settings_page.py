"""Settings in Chromium: connections, the time zone every page uses, people, and API tokens shown once."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.conftest import NO_PLAYWRIGHT, Web, assert_accessible, screenshot

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import expect  # noqa: E402  (imported once the skip is passed)


def test_the_owner_sets_the_time_zone_and_every_time_is_shown_in_it_with_the_zone_on_hover(web: Web) -> None:
    placed = web.shop.placed(paid=False)
    page = web.signed_in()
    page.get_by_role("link", name="Settings").click()
    expect(page.locator("section[aria-labelledby=store-title]")).to_contain_text("Connected")
    expect(page.locator("section[aria-labelledby=suppliers-title]")).to_contain_text("AliExpress (sandbox)")
    screenshot(page, "settings")
    assert_accessible(page)
    page.get_by_label("Show every time in").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_role("status").first).to_have_text("Times are now shown in Asia/Tokyo.")
    page.goto(f"/orders/{placed.order_id}")
    stamp = page.locator(".timeline time").first
    expect(stamp).to_have_attribute("title", "Asia/Tokyo")
    # 09:30 UTC (the test clock) is 18:30 in Tokyo
    expect(stamp).to_have_text(re.compile(r"18:30$"))


def test_a_new_api_token_is_shown_once_and_works_until_revoked(web: Web) -> None:
    page = web.signed_in()
    page.goto("/settings")
    page.get_by_label("New token's name").fill("accounting export")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("oc_")
    assert httpx.get(f"{web.url}/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page.goto("/settings")
    expect(page.locator("#new-token")).to_have_count(0)  # never shown again
    page.get_by_role("button", name="Revoke token accounting export").click()
    expect(page.get_by_role("status").first).to_contain_text("revoked")
    assert httpx.get(f"{web.url}/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_adding_a_person_with_a_short_password_says_so_next_to_it_and_keeps_the_email(web: Web) -> None:
    page = web.signed_in()
    page.goto("/settings")
    page.get_by_label("E-mail").fill("packer@after.example")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Add person").click()
    expect(page.locator("#people-password-error")).to_have_text("the password must be at least 8 characters")
    expect(page.get_by_label("E-mail")).to_have_value("packer@after.example")
    page.get_by_label("Password").fill("long-enough-1")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("status").first).to_have_text("packer@after.example can now sign in as staff.")
    expect(page.locator("section#people tbody")).to_contain_text("packer@after.example")
