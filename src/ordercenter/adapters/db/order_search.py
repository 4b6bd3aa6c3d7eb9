"""The orders search: an order name is looked up exactly, other text through a trigram index.

PostgreSQL keeps `pg_trgm` GIN indexes on the orders' searchable text and on tracking numbers;
SQLite keeps FTS5 tables with the trigram tokenizer, filled by triggers (both made by migration
0013). Either way a search reads the index, never every order of the shop.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Integer, Select, column, func, literal_column, or_, select, table, union

from ordercenter.domain.orders import Order
from ordercenter.domain.supplier_orders import Shipment, SupplierOrder

# "#1017" or "1017": the name Shopify gives an order.
_ORDER_NAME = re.compile(r"#?(\d{1,9})")
# A trigram index needs three characters; shorter text falls back to a plain scan.
_TRIGRAM = 3


def searchable_text() -> ColumnElement[str]:
    """The expression PostgreSQL's trigram index covers (the query must repeat it exactly)."""
    return func.lower(Order.name + " " + Order.customer_name + " " + Order.email)


def _like_pattern(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_ids(name: str, term: str) -> Select[tuple[int]]:
    """The rowids an FTS5 table finds for the text as one phrase (quotes doubled, so nothing is syntax)."""
    phrase = '"' + term.replace('"', '""') + '"'
    fts = table(name, column("rowid", Integer))
    return select(fts.c.rowid).where(literal_column(name).op("MATCH")(phrase))


def matching(dialect: str, shop_id: int, term: str) -> ColumnElement[bool]:
    """The condition on `orders` for a search box's text."""
    term = term.strip()
    name = _ORDER_NAME.fullmatch(term)
    if name is not None:
        return Order.name == f"#{name.group(1)}"
    by_tracking = select(SupplierOrder.order_id).join(Shipment, Shipment.supplier_order_id == SupplierOrder.id)
    if len(term) < _TRIGRAM:
        pattern = _like_pattern(term)
        return or_(*(func.lower(col).like(pattern, escape="\\")
                     for col in (Order.name, Order.customer_name, Order.email)))
    if dialect == "sqlite":
        # Driven by the FTS rowids (the outer query keeps to the shop): filtering shipments by shop here
        # would make SQLite walk every shipment of the shop instead.
        tracked = by_tracking.where(Shipment.id.in_(_fts_ids("shipments_search", term)))
        return Order.id.in_(union(_fts_ids("orders_search", term), tracked))
    pattern = _like_pattern(term)
    tracked = by_tracking.where(Shipment.shop_id == shop_id, func.lower(Shipment.tracking_number).like(pattern))
    # A UNION, not an OR: PostgreSQL cannot combine an index scan with a subquery's result under OR,
    # and would walk every order of the shop backwards instead.
    by_text = select(Order.id).where(Order.shop_id == shop_id, searchable_text().like(pattern))
    return Order.id.in_(union(by_text, tracked))


# Made by migration 0013 beside the entities' tables: FTS5 tables (with their shadow tables) on
# SQLite and trigram indexes on PostgreSQL. Schema comparisons leave them out.
SEARCH_TABLES = ("orders_search", "shipments_search")
SEARCH_INDEXES = frozenset({"ix_orders_search_trgm", "ix_shipments_tracking_trgm"})


def is_search_object(name: str | None, kind: str) -> bool:
    """Whether a schema object is part of the search machinery rather than of the entities."""
    if name is None:
        return False
    if kind == "table":
        return any(name == table or name.startswith(f"{table}_") for table in SEARCH_TABLES)
    return kind == "index" and name in SEARCH_INDEXES
