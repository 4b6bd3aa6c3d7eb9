"""POST /admin/api/{version}/graphql.json: auth, version fall-forward, cost, leaky bucket, execution."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    build_schema,
    execute,
    parse,
    validate,
)
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordercenter.sandbox.shopify.bucket import ThrottleStatus
from ordercenter.sandbox.shopify.bulk import BULK_RESOLVERS
from ordercenter.sandbox.shopify.context import RequestContext
from ordercenter.sandbox.shopify.cost import CostCalculator
from ordercenter.sandbox.shopify.mutations import MUTATION_RESOLVERS
from ordercenter.sandbox.shopify.queries import QUERY_RESOLVERS
from ordercenter.sandbox.shopify.records import Shop
from ordercenter.sandbox.shopify.state import SandboxStore

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"
SHOP_DOMAIN_HEADER = "X-Sandbox-Shop-Domain"


@lru_cache(maxsize=1)
def load_schema() -> GraphQLSchema:
    """The Admin API subset, read from the packaged `schema.graphql`."""
    sdl = resources.files("ordercenter.sandbox.shopify").joinpath("schema.graphql").read_text(encoding="utf-8")
    return build_schema(sdl)


def served_version(shop: Shop, requested: str) -> str:
    """The version that answers: the requested one if supported, else the oldest supported (fall forward)."""
    return requested if requested in shop.api_versions else shop.api_versions[0]


def authenticate(store: SandboxStore, request: Request) -> Shop | None:
    return store.shop_for_token(request.headers.get("X-Shopify-Access-Token"),
                                request.headers.get(SHOP_DOMAIN_HEADER))


def _cost(requested: int, actual: int | None, status: ThrottleStatus) -> dict[str, Any]:
    return {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status.to_graphql()}


class GraphQLEndpoint:
    def __init__(self, store: SandboxStore) -> None:
        self._store = store
        self._root: dict[str, Any] = {**QUERY_RESOLVERS, **MUTATION_RESOLVERS, **BULK_RESOLVERS}

    async def __call__(self, request: Request) -> Response:
        shop = authenticate(self._store, request)
        if shop is None:
            return JSONResponse({"errors": INVALID_TOKEN}, status_code=401)
        version = served_version(shop, request.path_params["version"])
        headers = {"X-Shopify-API-Version": version}
        body = await request.body()
        params = _request_params(request.headers.get("content-type", ""), body)
        if params is None:
            return JSONResponse({"errors": {"query": "Required parameter missing or invalid"}}, status_code=400,
                                headers=headers)
        query, variables, operation_name = params
        base_url = str(request.url.replace(path=request.scope.get("root_path", ""), query="")).rstrip("/")
        payload, status = await run_in_threadpool(self._run, shop, version, query, variables, operation_name,
                                                  base_url)
        return JSONResponse(payload, status_code=status, headers=headers)

    def _run(self, shop: Shop, version: str, query: str, variables: dict[str, Any] | None,
             operation_name: str | None, base_url: str = "") -> tuple[dict[str, Any], int]:
        schema = load_schema()
        try:
            document = parse(query)
        except GraphQLError as error:
            return {"errors": [error.formatted]}, 200
        validation_errors = validate(schema, document)
        if validation_errors:
            return {"errors": [error.formatted for error in validation_errors]}, 200
        calculator = CostCalculator(schema, document, operation_name, variables)
        requested = calculator.requested()
        bucket = self._store.bucket(shop.domain)
        if requested > self._store.config.max_query_cost:
            message = (f"Query cost is {requested}, which exceeds the single query max cost limit "
                       f"({self._store.config.max_query_cost}).\n\nSee {RATE_LIMIT_DOCS} for more information on "
                       "how the\ncost of a query is calculated.\n")
            return {"errors": [{"message": message, "extensions": {
                "code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": self._store.config.max_query_cost}}]}, 200
        faults = self._store.faults
        forced = faults.consume_throttle()
        taken, status = (False, bucket.status()) if forced else bucket.take(requested)
        if not taken:
            throttled = {
                "errors": [{"message": "Throttled",
                            "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOCS}}],
                "extensions": {"cost": _cost(requested, None, status)},
            }
            return throttled, 429 if faults.snapshot().throttle_with_429 else 200
        result = self._execute(shop, version, schema, document, variables, operation_name, base_url)
        actual = calculator.actual(result[0].data) if result[0].data is not None else 0
        status = bucket.give_back(requested - actual)
        payload: dict[str, Any] = {}
        if result[0].errors:
            payload["errors"] = [error.formatted for error in result[0].errors]
        payload["data"] = result[0].data
        extensions: dict[str, Any] = {"cost": _cost(requested, actual, status)}
        if result[1].search:
            extensions["search"] = result[1].search
        payload["extensions"] = extensions
        return payload, 200

    def _execute(
        self, shop: Shop, version: str, schema: GraphQLSchema, document: DocumentNode,
        variables: dict[str, Any] | None, operation_name: str | None, base_url: str = "",
    ) -> tuple[ExecutionResult, RequestContext]:
        context = RequestContext(store=self._store, shop=shop, api_version=version, base_url=base_url)
        with self._store.lock:  # one consistent view of the store per request
            result = execute(schema, document, root_value=self._root, context_value=context,
                             variable_values=variables, operation_name=operation_name)
        assert isinstance(result, ExecutionResult)  # every resolver is synchronous
        return result, context


def _request_params(content_type: str, body: bytes) -> tuple[str, dict[str, Any] | None, str | None] | None:
    """(query, variables, operationName) from a JSON or application/graphql body; None when unusable."""
    if content_type.startswith("application/graphql"):
        text = body.decode("utf-8", errors="replace")
        return (text, None, None) if text.strip() else None
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("query"), str) or not data["query"].strip():
        return None
    variables = data.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return None
    operation_name = data.get("operationName")
    return data["query"], variables, operation_name if isinstance(operation_name, str) else None
