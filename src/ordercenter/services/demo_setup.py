"""The demo's shop, account and token: created once; the password is new on every start, the token kept."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from ordercenter.domain.shops import Shop
from ordercenter.services import access
from ordercenter.services.uow import UnitOfWork

DEMO_SHOP_DOMAIN = "demo-store.myshopify.com"
DEMO_EMAIL = "demo@ordercenter.example"


@dataclass(frozen=True)
class DemoAccount:
    shop_id: int
    shop_domain: str
    email: str
    password: str
    api_token: str


def ensure_demo_account(uow: UnitOfWork, *, now: datetime, api_token: str | None = None) -> DemoAccount:
    """The demo shop and staff user (new password each start) and its API token: `api_token`, the one a
    previous start handed out, while it still opens the demo shop; a new one otherwise."""
    password = secrets.token_urlsafe(12)
    with uow:
        shop = uow.shops.by_domain(DEMO_SHOP_DOMAIN)
        if shop is None:
            shop = uow.shops.add(Shop(domain=DEMO_SHOP_DOMAIN, name="Demo Store", currency="USD", created_at=now))
            uow.flush()
        user = uow.staff.by_email(DEMO_EMAIL)
        if user is not None:
            user.password_hash = access.hash_password(password)
        shop_id = shop.id
        uow.commit()
    if user is None:
        access.create_staff_user(uow, shop_id=shop_id, email=DEMO_EMAIL, password=password, now=now)
    kept = access.authenticate(uow, api_token, now=now) if api_token else None
    if kept is not None and kept.shop_id == shop_id and api_token:
        return DemoAccount(shop_id, DEMO_SHOP_DOMAIN, DEMO_EMAIL, password, api_token)
    token = access.create_token(uow, shop_id=shop_id, name=f"demo {now:%Y-%m-%d %H:%M}", now=now)
    return DemoAccount(shop_id, DEMO_SHOP_DOMAIN, DEMO_EMAIL, password, token.token)
