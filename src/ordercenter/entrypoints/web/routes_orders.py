"""The orders page: one tab per stage with counts, search, filters, and Previous / Next by keyset cursor."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ordercenter.adapters.db.repositories import OrderFilter
from ordercenter.domain.orders import Order
from ordercenter.domain.status import Stage
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.request_models import row_id_in
from ordercenter.entrypoints.web.rendering import STAGE_LABELS, page
from ordercenter.entrypoints.web.sessions import CurrentPerson

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
ALL = "all"
FLAGS = {"cancellation_pending": "Cancellation pending", "return_open": "Return open",
         "customer_refund_open": "Customer refund open"}
EMPTY: dict[str, str] = {
    Stage.TO_ORDER: "No orders to place. New paid orders appear here within seconds of checkout.",
    Stage.NEEDS_ATTENTION: "Nothing needs your attention. Orders that cannot be placed, or that went wrong at "
                           "the supplier or on the store, appear here with the reason.",
    Stage.AWAITING_PAYMENT: "No supplier orders wait for payment. Orders placed with the supplier but not paid "
                            "yet appear here until they are paid.",
    Stage.AWAITING_SHIPMENT: "Nothing waits for the supplier to ship. Paid supplier orders appear here until "
                             "their tracking number reaches the store.",
    Stage.IN_TRANSIT: "Nothing is in transit. Orders move here once their tracking number is on the store.",
    Stage.DELIVERED: "No delivered orders yet. Orders move here when the carrier reports the delivery.",
    Stage.COMPLETED: "No completed orders yet. Orders move here when the supplier closes them.",
    Stage.CANCELLED: "No cancelled orders. Orders cancelled on the store before anything was ordered appear here.",
    Stage.UNPAID: "No unpaid orders. Orders whose payment is still pending on the store wait here and move to "
                  "To order once paid.",
    ALL: "No orders yet. Orders arrive from the store as soon as they are created.",
}


@dataclass
class OrdersView:
    """What the URL says: tab, search, filters and cursor, so a view can be bookmarked and go back."""

    tab: str = Stage.TO_ORDER.value
    q: str = ""
    date_from: str = ""
    date_to: str = ""
    supplier: str = ""
    flags: list[str] = field(default_factory=list)
    before: int | None = None
    after: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **changes: object) -> str:
        """The URL query of this view with some parts changed (a tab link drops the cursor)."""
        values: dict[str, object] = {"tab": self.tab, "q": self.q, "from": self.date_from, "to": self.date_to,
                                     "supplier": self.supplier, "flag": self.flags}
        values.update(changes)
        pairs = [(k, v) for k, v in values.items() if v not in ("", None, []) and not isinstance(v, list)]
        pairs += [(k, item) for k, v in values.items() if isinstance(v, list) for item in v]
        return urlencode(pairs)

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.date_from or self.date_to or self.supplier or self.flags)


def _local_midnight(value: str, zone: str, field_name: str, errors: dict[str, str]) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[field_name] = "Enter a date like 2026-12-31."
        return None
    return datetime.combine(day, time.min, ZoneInfo(zone)).astimezone(UTC)


def _filter(view: OrdersView, zone: str, *, limit: int) -> OrderFilter:
    stage = Stage(view.tab) if view.tab in Stage.__members__.values() else None
    start = _local_midnight(view.date_from, zone, "from", view.errors)
    end = _local_midnight(view.date_to, zone, "to", view.errors)
    supplier = row_id_in(view.supplier)
    if view.supplier and supplier is None:
        view.errors["supplier"] = "Choose a supplier account from the list."
    return OrderFilter(stage=stage, search=view.q or None, before_id=view.before, after_id=view.after, limit=limit,
                       created_from=start, created_before=end + timedelta(days=1) if end else None,
                       supplier_account_id=supplier,
                       cancellation_pending="cancellation_pending" in view.flags,
                       return_open="return_open" in view.flags,
                       customer_refund_open="customer_refund_open" in view.flags)


@router.get("/orders")
def orders_page(
    request: Request, person: CurrentPerson, container: ContainerDep,
    tab: str = Stage.TO_ORDER.value, q: str = "",
    date_from: Annotated[str, Query(alias="from")] = "", date_to: Annotated[str, Query(alias="to")] = "",
    supplier: str = "", flag: Annotated[list[str] | None, Query()] = None,
    before: int | None = None, after: int | None = None,
) -> Response:
    if tab != ALL and tab not in Stage.__members__.values():
        tab = Stage.TO_ORDER.value
    view = OrdersView(tab=tab, q=q.strip()[:200], date_from=date_from.strip(), date_to=date_to.strip(),
                      supplier=supplier.strip(), flags=[f for f in (flag or []) if f in FLAGS],
                      before=before if after is None else None, after=after)
    flt = _filter(view, person.shop_timezone, limit=PAGE_SIZE + 1)
    with container.uow() as uow:
        counts = uow.orders.stage_counts(person.shop_id)
        rows: list[Order] = list(uow.orders.page(person.shop_id, flt))
        accounts = list(uow.supplier_accounts.all(person.shop_id))
        if view.after is not None and len(rows) <= PAGE_SIZE:
            # Back at the top: show a full first page rather than the few rows above the cursor.
            view.after = None
            rows = list(uow.orders.page(person.shop_id, replace(flt, after_id=None)))
        if view.after is not None:
            has_previous, has_next = True, True
            rows = rows[-PAGE_SIZE:]  # the extra row is the newest one, beyond this page
        else:
            has_previous, has_next = view.before is not None, len(rows) > PAGE_SIZE
            rows = rows[:PAGE_SIZE]
        sellers = uow.orders.seller_names(person.shop_id, [o.id for o in rows])
    tabs = [(stage.value, STAGE_LABELS[stage], counts.get(stage, 0)) for stage in STAGE_LABELS]
    tabs.append((ALL, "All", sum(counts.values())))
    label = {value: name for value, name, _ in tabs}[view.tab]
    return page(request, "orders.html", {
        "title": f"Orders · {label}", "view": view, "tabs": tabs, "orders": rows, "sellers": sellers,
        "accounts": accounts, "flags": FLAGS, "tab_label": label,
        "empty": "No orders match this search and these filters. Clear them to see the whole tab."
                 if view.filtered else EMPTY[view.tab],
        "previous_url": f"/orders?{view.query(after=rows[0].id)}" if has_previous and rows else None,
        "next_url": f"/orders?{view.query(before=rows[-1].id)}" if has_next and rows else None,
        "placeable_tab": view.tab in (Stage.TO_ORDER.value, Stage.NEEDS_ATTENTION.value, ALL),
    })
