"""Authorizing a supplier account (OAuth): /aliexpress/authorize starts it, /aliexpress/callback finishes it."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ordercenter.bootstrap import Container
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.entrypoints.api.errors import OAUTH_FLOW_ANSWERS
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.services import suppliers

router = APIRouter(prefix="/aliexpress", tags=["supplier authorization"], responses=OAUTH_FLOW_ANSWERS)


def callback_url(container: Container) -> str:
    """Where AliExpress sends the merchant back; register it as the app's callback URL."""
    return container.settings.public_url.rstrip("/") + "/aliexpress/callback"


@router.get("/authorize", summary="Start authorizing a supplier account (redirects to AliExpress)",
            response_class=RedirectResponse, status_code=302)
def authorize(container: ContainerDep, token: CurrentToken,
              account: Annotated[RowId, Query(description="The supplier account's id (GET /api/v1/suppliers)")]) -> str:
    return suppliers.begin_authorization(container.uow(), container.supplier_authorizer, shop_id=token.shop_id,
                                         account_id=account, redirect_uri=callback_url(container),
                                         now=container.clock.now(), key=container.settings.resolved_secret_key())


@router.get("/callback", summary="Finish authorizing a supplier account (AliExpress redirects here)",
            response_class=HTMLResponse)
def callback(container: ContainerDep, request: Request) -> str:
    account = suppliers.finish_authorization(
        container.uow(), container.supplier_authorizer, container.secrets, params=dict(request.query_params),
        now=container.clock.now(), key=container.settings.resolved_secret_key())
    who = f" as {html.escape(account.buyer_account)}" if account.buyer_account else ""
    until = (f" until {account.authorization_deadline:%Y-%m-%d %H:%M} UTC"
             if account.authorization_deadline else "")
    return (f"<!doctype html><title>Authorized</title><h1>{html.escape(account.name)} is authorized</h1>"
            f"<p>Order Center can now place and follow orders{who}{until}; it renews the access by itself "
            f"and e-mails you a week before you need to authorize again.</p>")
