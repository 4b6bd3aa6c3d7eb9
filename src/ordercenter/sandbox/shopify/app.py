"""The sandbox Shopify store as an ASGI app: Admin GraphQL, OAuth and the operator API.

Routes are relative, so the app works wherever it is mounted (the main server uses
`/sandbox/shopify/`). Faults injected by the operator apply to the Admin API only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordercenter.sandbox.operator_access import OperatorGuard
from ordercenter.sandbox.shopify.bulk import bulk_file_endpoint
from ordercenter.sandbox.shopify.compliance import ComplianceApi
from ordercenter.sandbox.shopify.config import SandboxStoreConfig
from ordercenter.sandbox.shopify.faults import DroppedConnection
from ordercenter.sandbox.shopify.graphql_api import GraphQLEndpoint
from ordercenter.sandbox.shopify.oauth import OAuthServer
from ordercenter.sandbox.shopify.operator import OperatorApi
from ordercenter.sandbox.shopify.state import SandboxStore


class SandboxShopifyApp(Starlette):
    """A Starlette app that also hands out its store (`app.store`) to tests and the demo."""

    store: SandboxStore


def _with_faults(store: SandboxStore, endpoint: GraphQLEndpoint) -> Callable[[Request], Awaitable[Response]]:
    async def guarded(request: Request) -> Response:
        settings = store.faults.snapshot()
        if settings.latency_seconds > 0:
            await asyncio.sleep(settings.latency_seconds)
        if store.faults.consume_drop():
            raise DroppedConnection("sandbox fault injection: connection dropped")
        failure = store.faults.consume_failure()
        if failure is not None:
            return JSONResponse({"errors": HTTPStatus(failure).phrase}, status_code=failure)
        return await endpoint(request)

    return guarded


def create_sandbox_store(config: SandboxStoreConfig | None = None, *,
                         store: SandboxStore | None = None) -> SandboxShopifyApp:
    """Build the ASGI app around `store` (or a new SandboxStore from `config`).

    Routes, relative to wherever the app is mounted:
    - POST /admin/api/{version}/graphql.json   Admin GraphQL (X-Shopify-Access-Token)
    - GET  /_files/bulk/{token}.jsonl              a bulk query's result file (expires 7 days after it finished)
    - GET  /admin/oauth/authorize, POST /admin/oauth/access_token
    - /_operator/...                           the operator API (see operator.py, compliance.py), behind
                                               the store's `operator_token` when it has one
    """
    sandbox = store or SandboxStore(config)
    graphql = GraphQLEndpoint(sandbox)
    routes = [
        Route("/admin/api/{version}/graphql.json", _with_faults(sandbox, graphql), methods=["POST"]),
        Route("/_files/bulk/{token}.jsonl", bulk_file_endpoint(sandbox), methods=["GET"]),
        *OAuthServer(sandbox).routes(),
        *OperatorApi(sandbox).routes(),
        *ComplianceApi(sandbox).routes(),
    ]
    app = SandboxShopifyApp(routes=routes,
                            middleware=[Middleware(OperatorGuard, token=sandbox.config.operator_token)])
    app.store = sandbox
    app.state.sandbox_store = sandbox
    return app
