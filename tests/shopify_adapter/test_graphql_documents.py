"""Every GraphQL document the Shopify adapter sends is valid for the pinned Admin API version.

The documents are found by looking into the adapter's modules, not listed here, so a new query or
mutation is checked the day it is written. They are validated against the sandbox store's SDL, which
follows Shopify's schema of the pinned version.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    GraphQLEnumType,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoDeprecatedCustomRule

import ordercenter.adapters.shopify as adapter
from ordercenter.adapters.shopify.graphql import API_VERSION
from ordercenter.adapters.shopify.normalize import normalize_order
from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION
from ordercenter.sandbox.shopify.config import DEFAULT_API_VERSIONS

from .conftest import load

# `query Name(…) {`, `mutation {`, or a bare selection set `{ orders … }` (a bulk operation's query).
OPERATION_START = re.compile(r"\s*(?:(?:query|mutation)[\s({]|\{\s*[A-Za-z_])")


def _sdl() -> str:
    return resources.files("ordercenter.sandbox.shopify").joinpath("schema.graphql").read_text(encoding="utf-8")


@cache
def _schema() -> GraphQLSchema:
    return build_schema(_sdl())


def _adapter_modules() -> Iterator[ModuleType]:
    yield adapter
    for info in pkgutil.walk_packages(adapter.__path__, prefix=f"{adapter.__name__}."):
        yield importlib.import_module(info.name)


def _starts_like_an_operation(text: str) -> bool:
    return OPERATION_START.match(text) is not None


def _built(function: Any) -> Any:
    """What a document builder (`…_query(…)`) returns with every argument left out (None)."""
    return function(**dict.fromkeys(inspect.signature(function).parameters))


def _documents() -> dict[str, str]:
    """The adapter's module-level strings holding a query or mutation (fragments are part of those), and
    the documents its `…_query` functions build (such as a bulk operation's query, which takes no variables)."""
    found: dict[str, str] = {}
    for module in _adapter_modules():
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__ and name.endswith("_query"):
                name, value = f"{name}()", _built(value)
            if isinstance(value, str) and _starts_like_an_operation(value) and value not in found.values():
                found[f"{module.__name__.rsplit('.', 1)[-1]}.{name}"] = value
    return found


DOCUMENTS = _documents()


def _parsed(name: str) -> DocumentNode:
    document = parse(DOCUMENTS[name])
    assert any(isinstance(d, OperationDefinitionNode) for d in document.definitions), f"{name} runs nothing"
    return document


def test_the_adapter_sends_documents_and_all_are_found() -> None:
    names = {name.rsplit(".", 1)[-1] for name in DOCUMENTS}

    # A few we know of, so an introspection that silently finds nothing fails here.
    assert {"ORDERS_SYNC", "SHOP", "FULFILLMENT_CREATE", "REFUND_CREATE", "ORDER_CANCEL",
            "WEBHOOK_SUBSCRIPTION_CREATE"} <= names


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_document_is_valid_against_the_pinned_schema(name: str) -> None:
    errors = validate(_schema(), _parsed(name))

    assert [error.message for error in errors] == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_no_document_uses_what_the_pinned_version_deprecates(name: str) -> None:
    # Deprecated fields and arguments are the ones the next versions remove.
    errors = validate(_schema(), _parsed(name), [*specified_rules, NoDeprecatedCustomRule])

    assert [error.message for error in errors] == []


def test_every_operation_written_in_the_adapter_is_a_module_level_document() -> None:
    """A query written inside a function would escape the checks above; it must be a constant."""
    sources = [Path(module.__file__) for module in _adapter_modules() if module.__file__]
    hidden = []
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip() \
                    and _starts_like_an_operation(node.value) \
                    and not any(node.value.strip() in document for document in DOCUMENTS.values()):
                hidden.append(f"{source.name}:{node.lineno}")
            if isinstance(node, ast.JoinedStr) and any(
                    isinstance(part, ast.Constant) and isinstance(part.value, str)
                    and _starts_like_an_operation(part.value) for part in node.values[:1]):
                hidden.append(f"{source.name}:{node.lineno} (an f-string)")

    assert hidden == []


def test_the_sdl_is_the_pinned_version_and_the_sandbox_serves_it() -> None:
    header = _sdl().splitlines()[0]

    assert API_VERSION == DEFAULT_SHOPIFY_API_VERSION
    assert f"version {DEFAULT_SHOPIFY_API_VERSION}." in header
    assert DEFAULT_API_VERSIONS[-1] == DEFAULT_SHOPIFY_API_VERSION


@pytest.mark.parametrize(("enum", "field"), [("OrderDisplayFulfillmentStatus", "displayFulfillmentStatus"),
                                             ("OrderDisplayFinancialStatus", "displayFinancialStatus")])
def test_every_order_status_the_pinned_version_can_return_is_understood(enum: str, field: str) -> None:
    statuses = _schema().get_type(enum)
    assert isinstance(statuses, GraphQLEnumType)
    for value in statuses.values:
        node: dict[str, Any] = load("order_node.json")
        node[field] = value

        normalize_order(node)  # raises PayloadError for a status it does not know
