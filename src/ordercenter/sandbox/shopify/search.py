"""The subset of Shopify's search syntax that the `orders(query:)` argument understands.

Terms are `field:value` separated by spaces and ANDed; `OR` between groups, a leading `-` negates.
Values are lower-case snake_case; dates take `>`, `>=`, `<`, `<=` and may be quoted.
Unknown fields are ignored with a warning, as Shopify reports them in `extensions.search`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ordercenter.sandbox.shopify.records import Order

Predicate = Callable[[Order], bool]

_TOKEN = re.compile(r"""-?[\w.]+:(?:[<>]=?)?(?:'[^']*'|"[^"]*"|\S+)|'[^']*'|"[^"]*"|\S+""")
_TERM = re.compile(r"""^(?P<neg>-)?(?P<field>[\w.]+):(?P<op>[<>]=?)?(?P<value>.*)$""")

_FULFILLMENT = {
    "unfulfilled": {"UNFULFILLED", "PARTIALLY_FULFILLED"},
    "unshipped": {"UNFULFILLED"},
    "shipped": {"FULFILLED"},
    "fulfilled": {"FULFILLED"},
    "partial": {"PARTIALLY_FULFILLED"},
}


@dataclass
class ParsedQuery:
    groups: list[list[Predicate]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def matches(self, order: Order) -> bool:
        if not self.groups:
            return True
        return any(all(term(order) for term in group) for group in self.groups)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _parse_moment(value: str) -> tuple[datetime, datetime] | None:
    """The instant (or whole day, for a date) a value names, as [start, end)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return day, day + timedelta(days=1)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, moment


def _compare(op: str | None, start: Any, end: Any, actual: Any) -> bool:
    if op == ">":
        return bool(actual > start if start == end else actual >= end)
    if op == ">=":
        return bool(actual >= start)
    if op == "<":
        return bool(actual < start)
    if op == "<=":
        return bool(actual <= start if start == end else actual < end)
    return bool(start <= actual < end) if start != end else bool(actual == start)


def _date_term(attribute: str, op: str | None, value: str) -> Predicate | None:
    bounds = _parse_moment(value)
    if bounds is None:
        return None
    start, end = bounds
    return lambda order: (getattr(order, attribute) is not None
                          and _compare(op, start, end, getattr(order, attribute).replace(microsecond=0)))


def _term(name: str, op: str | None, value: str) -> Predicate | None:
    lowered = value.lower()
    if name == "financial_status":
        return (lambda order: True) if lowered == "any" else (lambda order: order.financial_status.lower() == lowered)
    if name == "fulfillment_status":
        if lowered == "any":
            return lambda order: True
        wanted = _FULFILLMENT.get(lowered, set())
        return lambda order: order.display_fulfillment_status in wanted
    if name == "status":
        checks: dict[str, Predicate] = {
            "open": lambda order: order.closed_at is None and order.cancelled_at is None,
            "closed": lambda order: order.closed_at is not None,
            "cancelled": lambda order: order.cancelled_at is not None,
            "any": lambda order: True,
        }
        return checks.get(lowered, _never)
    if name in ("updated_at", "created_at", "processed_at"):
        return _date_term(name, op, value)
    if name == "name":
        wanted_name = lowered if lowered.startswith("#") else f"#{lowered}"
        return lambda order: order.name.lower() == wanted_name
    if name == "id" and value.isdigit():
        number = int(value)
        return lambda order: _compare(op, number, number, order.id)
    if name == "email":
        return lambda order: (order.email or "").lower() == lowered
    if name in ("tag", "tags"):
        return lambda order: lowered in (tag.lower() for tag in order.tags)
    if name == "sku":
        return lambda order: any((line.sku or "").lower() == lowered for line in order.line_items)
    if name == "test":
        return lambda order: order.test == (lowered == "true")
    return None


def _never(order: Order) -> bool:
    return False


def _free_text(word: str) -> Predicate:
    needle = word.lower()

    def matches(order: Order) -> bool:
        customer = order.customer
        haystack = [order.name, order.email or ""]
        if customer is not None:
            haystack += [customer.first_name, customer.last_name]
        return any(needle in text.lower() for text in haystack)

    return matches


def parse_order_query(query: str | None) -> ParsedQuery:
    parsed = ParsedQuery()
    if not query or not query.strip():
        return parsed
    group: list[Predicate] = []
    for token in _TOKEN.findall(query):
        if token == "OR":
            parsed.groups.append(group)
            group = []
            continue
        if token == "AND":
            continue
        match = _TERM.match(token)
        if match is None:
            group.append(_free_text(_unquote(token)))
            continue
        name, op, value = match["field"], match["op"], _unquote(match["value"])
        predicate = _term(name, op, value)
        if predicate is None:
            parsed.warnings.append({"field": name, "message": "Invalid search field for this query."})
            continue
        if match["neg"]:
            predicate = _negate(predicate)
        group.append(predicate)
    parsed.groups.append(group)
    return parsed


def _negate(predicate: Predicate) -> Predicate:
    return lambda order: not predicate(order)
