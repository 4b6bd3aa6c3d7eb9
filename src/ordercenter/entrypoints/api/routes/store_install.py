"""The public app's install flow: /shopify/install starts it, /shopify/callback finishes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ordercenter.adapters.shopify.install import ShopifyInstaller
from ordercenter.bootstrap import Container
from ordercenter.domain.errors import NotAllowed
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.errors import OAUTH_FLOW_ANSWERS
from ordercenter.services import store_install

router = APIRouter(prefix="/shopify", tags=["store install"], responses=OAUTH_FLOW_ANSWERS)


def _installer(container: Container) -> ShopifyInstaller:
    s = container.settings
    if not s.shopify_client_id or not s.shopify_client_secret:
        raise NotAllowed("this server has no public app configured (ORDERCENTER_SHOPIFY_CLIENT_ID and "
                         "ORDERCENTER_SHOPIFY_CLIENT_SECRET)", field="shop")
    return ShopifyInstaller(s.shopify_client_id, s.shopify_client_secret, s.shopify_scopes.split(","),
                            s.shopify_api_url)


def _callback_url(container: Container) -> str:
    return container.settings.public_url.rstrip("/") + "/shopify/callback"


@router.get("/install", summary="Start installing the app on a store", response_class=RedirectResponse,
            status_code=302)
def install(container: ContainerDep, shop: Annotated[str, Query(description="name.myshopify.com")]) -> str:
    return store_install.begin_install(_installer(container), shop=shop, redirect_uri=_callback_url(container),
                                       now=container.clock.now(), key=container.settings.resolved_secret_key())


@router.get("/callback", summary="Finish installing the app (Shopify redirects here)", response_class=HTMLResponse)
def callback(container: ContainerDep, request: Request) -> str:
    shop = store_install.finish_install(
        container.uow(), _installer(container), container.connect_store, container.secrets,
        params=dict(request.query_params), callback_url=container.webhook_callback_url,
        now=container.clock.now(), key=container.settings.resolved_secret_key())
    return (f"<!doctype html><title>Connected</title><h1>{shop.name} is connected</h1>"
            f"<p>Orders from {shop.domain} now arrive in Order Center.</p>")
