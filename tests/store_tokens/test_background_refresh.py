"""The background job refreshes expiring tokens before they run out, rotating both; a call that finds
its token expired refreshes it first; a refresh token is never sent twice."""

from __future__ import annotations

from datetime import timedelta

import httpx

from ordercenter.entrypoints.worker import refresh_store_tokens
from tests.store_tokens.conftest import HOUR, SHOP, World


def test_the_background_refresh_renews_both_tokens_before_the_access_token_expires(world: World) -> None:
    world.install()
    first_access, first_refresh = world.stored_access_token(), world.stored_refresh_token()
    world.clock.advance(timedelta(minutes=45))
    assert refresh_store_tokens(world.container) == 0  # more than 10 minutes left: nothing to do yet
    world.clock.advance(timedelta(minutes=6))

    refreshed = refresh_store_tokens(world.container)

    shop = world.shop()
    assert refreshed == 1
    assert world.stored_access_token() != first_access
    assert world.stored_refresh_token() != first_refresh
    assert shop.access_token_expires_at == world.clock.now() + HOUR
    assert world.refresh_grants() == [{"shop": SHOP.domain, "refresh_token": first_refresh, "accepted": True}]
    world.clock.advance(timedelta(minutes=20))  # the first access token is dead by now; the new one lives
    assert world.container.store_for(shop).fetch_shop().name == SHOP.name
    assert len(world.refresh_grants()) == 1


def test_each_refresh_sends_the_newest_refresh_token_never_an_old_one(world: World) -> None:
    world.install()
    sent = []
    for _ in range(3):
        sent.append(world.stored_refresh_token())
        world.clock.advance(timedelta(minutes=55))
        assert refresh_store_tokens(world.container) == 1

    grants = world.refresh_grants()
    assert [g["refresh_token"] for g in grants] == sent
    assert all(g["accepted"] for g in grants)
    assert len(set(sent)) == 3


def test_a_call_that_finds_its_token_expired_refreshes_it_first(world: World) -> None:
    world.install()
    world.clock.advance(HOUR + timedelta(minutes=5))  # the worker did not run meanwhile

    name = world.container.store_for(world.shop()).fetch_shop().name

    assert name == SHOP.name
    assert len(world.refresh_grants()) == 1
    assert world.shop().access_token_expires_at == world.clock.now() + HOUR


def test_the_previous_refresh_token_stays_valid_until_its_replacement_is_used(world: World) -> None:
    world.install()
    first = world.stored_refresh_token()

    def refresh(token: str) -> httpx.Response:
        return httpx.post(f"{world.api_url}/admin/oauth/access_token", timeout=10, json={
            "client_id": SHOP.client_id, "client_secret": SHOP.client_secret, "grant_type": "refresh_token",
            "refresh_token": token})

    lost = refresh(first)  # an answer the app never stored
    again = refresh(first)
    replacement = again.json()["refresh_token"]

    assert lost.status_code == again.status_code == 200
    assert set(again.json()) == {"access_token", "scope", "expires_in", "refresh_token", "refresh_token_expires_in"}
    assert refresh(lost.json()["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(replacement).status_code == 200
    refused = refresh(first)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
