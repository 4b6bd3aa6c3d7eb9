"""A refused refresh: the shop waits for a new install, one alert, one e-mail with the install link,
background jobs leave it alone; installing again clears it all."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from ordercenter.domain.alerts import AlertKind
from ordercenter.domain.errors import NotAllowed
from ordercenter.domain.outbox import EmailKind
from ordercenter.entrypoints.worker import refresh_store_tokens, sync_connected_shops
from ordercenter.services.access import create_token
from tests.store_tokens.conftest import MERCHANT, SHOP, World


def _refused(world: World) -> None:
    world.install()
    world.send_merchant_mail_to(MERCHANT)
    world.operator("revoke", shop=SHOP.domain)  # the store no longer honours our tokens
    world.clock.advance(timedelta(minutes=55))
    refresh_store_tokens(world.container)


def test_a_refused_refresh_asks_the_merchant_to_install_again_once(world: World) -> None:
    _refused(world)
    world.clock.advance(timedelta(minutes=30))
    refresh_store_tokens(world.container)  # a later run: nothing new to say

    shop = world.shop()
    assert shop.reauthorization_needed_since is not None and not shop.is_connected
    assert shop.refresh_token_encrypted is None
    with world.container.uow() as uow:
        alerts = uow.alerts.list(shop.id, open_only=True, limit=10)
        emails = uow.outbox.page(shop.id, status=None, limit=10)
    assert [(a.kind, a.order_id) for a in alerts] == [(AlertKind.STORE_REAUTHORIZATION_NEEDED, None)]
    install_link = f"{world.url}/shopify/install?shop={SHOP.domain}"
    assert install_link in alerts[0].message
    assert [(e.kind, e.to_address) for e in emails] == [(EmailKind.ACCOUNT, MERCHANT)]
    assert install_link in emails[0].text_body and "invalid_grant" not in emails[0].subject
    assert len([g for g in world.refresh_grants() if not g["accepted"]]) == 1


def test_background_jobs_and_calls_leave_a_shop_waiting_for_re_authorization_alone(world: World) -> None:
    _refused(world)
    world.clock.advance(timedelta(minutes=10))  # the last access token has run out too

    assert sync_connected_shops(world.container) == 0
    with pytest.raises(NotAllowed) as caught:
        world.container.store_for(world.shop())
    assert f"/shopify/install?shop={SHOP.domain}" in caught.value.message
    assert len(world.refresh_grants()) == 1


def test_installing_again_clears_the_re_authorization_and_its_alert(world: World) -> None:
    _refused(world)

    shop = world.install()

    assert shop.reauthorization_needed_since is None and shop.is_connected
    with world.container.uow() as uow:
        assert uow.alerts.list(shop.id, open_only=True, limit=10) == []
    assert sync_connected_shops(world.container) == 1
    world.clock.advance(timedelta(minutes=55))
    assert refresh_store_tokens(world.container) == 1


def test_the_alert_api_lists_the_re_authorization_alert_without_an_order(world: World) -> None:
    _refused(world)
    token = create_token(world.container.uow(), shop_id=world.shop().id, name="ops", now=world.clock.now()).token

    response = httpx.get(f"{world.url}/api/v1/alerts", headers={"Authorization": f"Bearer {token}"}, timeout=10)

    assert response.status_code == 200
    [alert] = response.json()["data"]
    assert (alert["kind"], alert["order_id"], alert["supplier_order_id"]) == ("store_reauthorization_needed", None,
                                                                               None)
