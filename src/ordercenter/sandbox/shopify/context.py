"""What a GraphQL resolver knows about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLResolveInfo

from ordercenter.sandbox.shopify.records import Shop
from ordercenter.sandbox.shopify.state import SandboxStore


@dataclass
class RequestContext:
    store: SandboxStore
    shop: Shop
    #: The API version that serves this request (after falling forward).
    api_version: str
    #: Search warnings for `extensions.search`, one entry per searched connection.
    search: list[dict[str, Any]] = field(default_factory=list)
    #: Where the sandbox app is served, as the client reached it (bulk result files are served under it).
    base_url: str = ""


def request_context(info: GraphQLResolveInfo[Any]) -> RequestContext:
    context = info.context
    assert isinstance(context, RequestContext)
    return context
