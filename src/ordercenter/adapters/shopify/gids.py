"""Shopify's two spellings of an id: the numeric legacy id and the GraphQL global id (gid)."""

from __future__ import annotations

from ordercenter.domain.errors import InvalidInput

_PREFIX = "gid://shopify/"


def to_gid(resource: str, value: str | int) -> str:
    """`gid://shopify/{resource}/{n}` from a numeric id or a gid (a gid of the same resource passes through)."""
    text = str(value).strip()
    if text.startswith(_PREFIX):
        if gid_resource(text) != resource:
            raise InvalidInput(f"'{text}' is not a {resource} id", field="id")
        return text
    return f"{_PREFIX}{resource}/{numeric_id(text)}"


def numeric_id(value: str | int) -> str:
    """The numeric id, as a string, from a numeric id or a gid (query strings such as `?v=1` are dropped)."""
    text = str(value).strip()
    if text.startswith(_PREFIX):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    if not text.isdigit():
        raise InvalidInput(f"'{value}' is not a Shopify id", field="id")
    return text


def gid_resource(gid: str) -> str:
    """The resource name of a gid, e.g. `Order` for `gid://shopify/Order/1`."""
    if not gid.startswith(_PREFIX) or gid.count("/") < 4:
        raise InvalidInput(f"'{gid}' is not a Shopify global id", field="id")
    return gid[len(_PREFIX):].split("/", 1)[0]
