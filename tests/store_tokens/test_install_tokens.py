"""Installing the public app gets expiring offline tokens, kept encrypted; a pasted custom-app token
never expires and is never refreshed."""

from __future__ import annotations

from datetime import timedelta

import httpx

from ordercenter.entrypoints.worker import refresh_store_tokens
from ordercenter.services.shops import connect_shop
from tests.store_tokens.conftest import HOUR, SHOP, World


def test_installing_the_app_keeps_an_expiring_access_token_and_a_refresh_token_encrypted(world: World) -> None:
    installed_at = world.clock.now()

    shop = world.install()

    assert shop.access_token_expires_at == installed_at + HOUR
    assert shop.refresh_token_expires_at == installed_at + 90 * 24 * HOUR
    access, refresh = world.stored_access_token(), world.stored_refresh_token()
    assert access.startswith("shpat_") and access != SHOP.access_token
    assert refresh.startswith("shprt_")
    assert access not in (shop.access_token_encrypted or "") and refresh not in (shop.refresh_token_encrypted or "")
    assert shop.is_connected
    assert world.container.store_for(shop).fetch_shop().name == SHOP.name


def test_a_pasted_custom_app_token_never_expires_and_is_never_refreshed(world: World) -> None:
    c = world.container
    shop = connect_shop(c.uow(), c.connect_store, c.secrets, domain=SHOP.domain, access_token=SHOP.access_token,
                        webhook_secret=SHOP.client_secret, api_url=world.api_url, callback_url=c.webhook_callback_url,
                        now=world.clock.now())
    world.clock.advance(30 * 24 * HOUR)

    refreshed = refresh_store_tokens(c)

    assert (shop.access_token_expires_at, shop.refresh_token_encrypted) == (None, None)
    assert refreshed == 0
    assert world.refresh_grants() == []
    assert c.store_for(world.shop()).fetch_shop().name == SHOP.name


def test_pasting_a_custom_app_token_over_an_install_drops_the_expiring_tokens(world: World) -> None:
    world.install()
    c = world.container

    connect_shop(c.uow(), c.connect_store, c.secrets, domain=SHOP.domain, access_token=SHOP.access_token,
                 webhook_secret=SHOP.client_secret, api_url=world.api_url, callback_url=c.webhook_callback_url,
                 now=world.clock.now())

    shop = world.shop()
    assert (shop.access_token_expires_at, shop.refresh_token_encrypted, shop.refresh_token_expires_at) == (
        None, None, None)
    assert world.stored_access_token() == SHOP.access_token


def test_the_sandbox_refuses_an_expired_access_token_the_way_shopify_does(world: World) -> None:
    world.install()
    token = world.stored_access_token()
    world.clock.advance(HOUR)

    response = httpx.post(f"{world.api_url}/admin/api/2026-10/graphql.json", json={"query": "{ shop { name } }"},
                          headers={"X-Shopify-Access-Token": token}, timeout=10)

    assert response.status_code == 401
    assert response.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong "
                                         "password)"}


def test_the_sandbox_operator_can_make_access_tokens_short_lived(world: World) -> None:
    answer = world.operator("lifetimes", access_token_seconds=120)

    shop = world.install()

    assert answer["access_token_seconds"] == 120
    assert shop.access_token_expires_at == world.clock.now() + timedelta(seconds=120)
