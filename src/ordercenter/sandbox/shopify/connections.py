"""Relay connections the way Shopify pages them: opaque cursors holding the sort key, 250 per page."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import GraphQLError

T = TypeVar("T")
SortKey = tuple[Any, ...]

MAX_PAGE_SIZE = 250


def encode_cursor(key: SortKey) -> str:
    return base64.urlsafe_b64encode(json.dumps({"last": list(key)}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> SortKey:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return tuple(data["last"])
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise GraphQLError("Invalid cursor for current pagination sort.") from error


@dataclass
class Page(Generic[T]):
    items: list[tuple[str, T]]
    has_next_page: bool
    has_previous_page: bool

    def page_info(self) -> dict[str, Any]:
        return {
            "hasNextPage": self.has_next_page,
            "hasPreviousPage": self.has_previous_page,
            "startCursor": self.items[0][0] if self.items else None,
            "endCursor": self.items[-1][0] if self.items else None,
        }


def paginate(
    items: Sequence[T], *, key: Callable[[T], SortKey], first: int | None = None, after: str | None = None,
    last: int | None = None, before: str | None = None, reverse: bool = False,
) -> Page[T]:
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            raise GraphQLError(f"The '{name}' argument must be between 0 and {MAX_PAGE_SIZE}.")
    ordered = sorted(items, key=key, reverse=reverse)
    keyed = [(key(item), item) for item in ordered]
    total = len(keyed)

    def beyond(candidate: SortKey, mark: SortKey) -> bool:
        return candidate < mark if reverse else candidate > mark

    if after is not None:
        mark = decode_cursor(after)
        keyed = [(k, item) for k, item in keyed if beyond(k, mark)]
    skipped_front = total - len(keyed)
    if before is not None:
        mark = decode_cursor(before)
        keyed = [(k, item) for k, item in keyed if beyond(mark, k)]
    has_next = has_previous = False
    if first is not None and len(keyed) > first:
        keyed, has_next = keyed[:first], True
    if last is not None and len(keyed) > last:
        keyed, has_previous = keyed[len(keyed) - last:], True
    has_previous = has_previous or skipped_front > 0
    return Page([(encode_cursor(k), item) for k, item in keyed], has_next, has_previous)


def connection(page: Page[T], view: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    nodes = [(cursor, view(item)) for cursor, item in page.items]
    return {
        "edges": [{"cursor": cursor, "node": node} for cursor, node in nodes],
        "nodes": [node for _, node in nodes],
        "pageInfo": page.page_info(),
    }
