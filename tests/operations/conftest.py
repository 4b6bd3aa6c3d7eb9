"""A connected shop, an API token for it, and the app served through TestClient on the test's database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ordercenter.bootstrap import Container
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.api.app import create_app
from ordercenter.services import access
from tests.factories import T0

SHOP_DOMAIN = "ops.myshopify.com"
WEBHOOK_SECRET = "whsec-ops-0123456789"


@pytest.fixture
def shop(container: Container) -> Shop:
    with container.uow() as uow:
        row = uow.shops.add(Shop(domain=SHOP_DOMAIN, name="Ops", currency="USD", created_at=T0,
                                 access_token_encrypted=container.secrets.encrypt("shpat_ops"),
                                 webhook_secret_encrypted=container.secrets.encrypt(WEBHOOK_SECRET),
                                 notification_emails=["owner@ops.example"]))
        uow.commit()
        return row


@pytest.fixture
def api_token(container: Container, shop: Shop) -> str:
    return access.create_token(container.uow(), shop_id=shop.id, name="ops", now=T0).token


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as c:
        yield c
