"""Place orders in bulk: preview (items per seller, shipping to change, cost, profit, blockers), a
confirmation, then a result per order with live progress.

Every step is a plain page first (so it works without JavaScript) and loads into the dialog with htmx.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.datastructures import FormData, QueryParams
from starlette.responses import Response

from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.money import Money
from ordercenter.domain.placement import OrderPlan
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.request_models import row_id_in
from ordercenter.entrypoints.web.csrf import PostedForm
from ordercenter.entrypoints.web.placement_runs import PlacementRun, PlacementRuns
from ordercenter.entrypoints.web.rendering import page
from ordercenter.entrypoints.web.sessions import CurrentPerson, see_other
from ordercenter.services.placement import PlacementOutcome, place_orders
from ordercenter.services.placement_planning import MAX_ORDERS_PER_PREVIEW, PlacementOptions, preview_orders

router = APIRouter(include_in_schema=False)

SHIP_PREFIX = "ship-"


def _ids(values: Iterable[str], field: str = "ids") -> list[int]:
    """Order ids as sent by the checkboxes: whole numbers, each once, in the order given."""
    ids: list[int] = []
    for value in values:
        order_id = row_id_in(value)
        if order_id is None:
            raise InvalidInput(f"'{value[:40]}' is not an order id", field=field)
        if order_id not in ids:
            ids.append(order_id)
    if len(ids) > MAX_ORDERS_PER_PREVIEW:
        raise InvalidInput(f"select at most {MAX_ORDERS_PER_PREVIEW} orders at a time", field=field)
    return ids


def _choices(values: QueryParams | FormData) -> dict[int, PlacementOptions]:
    """The shipping chosen per line, from fields named ship-<order id>-<line item id>."""
    shipping: dict[int, dict[int, str]] = {}
    for key, value in values.multi_items():
        if not key.startswith(SHIP_PREFIX) or not isinstance(value, str) or not value:
            continue
        order_part, _, line_part = key.removeprefix(SHIP_PREFIX).partition("-")
        order_id, line_id = row_id_in(order_part), row_id_in(line_part)
        if order_id is not None and line_id is not None:
            shipping.setdefault(order_id, {})[line_id] = value
    return {order_id: PlacementOptions(shipping=lines) for order_id, lines in shipping.items()}


def _ship_fields(choices: Mapping[int, PlacementOptions]) -> list[tuple[str, str]]:
    return [(f"{SHIP_PREFIX}{order_id}-{line_id}", code) for order_id, options in choices.items()
            for line_id, code in options.shipping.items()]


def _totals(plans: list[OrderPlan]) -> dict[str, Money | None]:
    """Sale, cost and profit of the placeable orders when they share one currency (else None)."""
    placeable = [p for p in plans if p.placeable and p.supplier_cost is not None]
    currencies = {p.sale_total.currency for p in placeable} | {p.supplier_cost.currency for p in placeable
                                                             if p.supplier_cost is not None}
    if len(currencies) != 1:
        return {"sale": None, "cost": None, "profit": None}
    [currency] = currencies
    sale = Money(sum((p.sale_total.amount for p in placeable), Decimal(0)), currency)
    cost = Money(sum((p.supplier_cost.amount for p in placeable if p.supplier_cost), Decimal(0)), currency)
    return {"sale": sale, "cost": cost, "profit": sale - cost}


@router.get("/orders/place")
def preview(request: Request, person: CurrentPerson, container: ContainerDep) -> Response:
    params = request.query_params
    ids = _ids(params.getlist("ids"))
    choices = _choices(params)
    plans = preview_orders(container.uow(), container.supplier_resolver(person.shop_id), shop_id=person.shop_id,
                           order_ids=ids, options=choices)
    notes = {p.packaging_note for p in plans if p.packaging_note}
    return page(request, "place_preview.html", {
        "title": f"Place {len(ids)} order{'s' if len(ids) != 1 else ''}", "plans": plans, "ids": ids,
        "placeable": [p.order_id for p in plans if p.placeable], "auto_pay": params.get("auto_pay") == "1",
        "totals": _totals(plans), "packaging_note": notes.pop() if len(notes) == 1 else None,
        "ship_prefix": SHIP_PREFIX})


@router.get("/orders/place/confirm")
def confirm(request: Request, person: CurrentPerson, container: ContainerDep) -> Response:
    params = request.query_params
    ids, place = _ids(params.getlist("ids")), _ids(params.getlist("place"), "place")
    with container.uow() as uow:
        names = uow.orders.names_by_id(person.shop_id, place)
    place = [i for i in place if i in names]
    if not place:
        raise InvalidInput("None of the selected orders can be placed: each one shows why in the preview.",
                           field="place")
    choices = {k: v for k, v in _choices(params).items() if k in names}
    back = [("ids", str(i)) for i in ids] + _ship_fields(choices) + (
        [("auto_pay", "1")] if params.get("auto_pay") == "1" else [])
    return page(request, "place_confirm.html", {
        "title": "Confirm placement", "place": place, "names": names, "ship_fields": _ship_fields(choices),
        "auto_pay": params.get("auto_pay") == "1", "back_query": back, "left_out": len(ids) - len(place)})


def _runs(request: Request) -> PlacementRuns:
    runs: PlacementRuns = request.app.state.placement_runs
    return runs


@router.post("/orders/place")
def place(request: Request, person: CurrentPerson, form: PostedForm, container: ContainerDep) -> Response:
    ids = _ids([v for v in form.getlist("place") if isinstance(v, str)], "place")
    if not ids:
        raise InvalidInput("Select at least one order to place.", field="place")
    with container.uow() as uow:
        names = uow.orders.names_by_id(person.shop_id, ids)
    missing = [i for i in ids if i not in names]
    if missing:
        raise NotFound(f"no order with id {missing[0]}", field="place")
    choices, auto_pay = _choices(form), form.get("auto_pay") == "1"
    resolver = container.supplier_resolver(person.shop_id)

    def work(record: Callable[[PlacementOutcome], None]) -> None:
        place_orders(container.uow(), resolver, container.clock, shop_id=person.shop_id, order_ids=ids,
                     options=choices, auto_pay=auto_pay, actor_id=person.actor_id, on_result=record)

    runs = _runs(request)
    if request.headers.get("HX-Request") == "true":
        run = runs.start(person.shop_id, ids, names, work)
        return see_other(request, f"/orders/place/runs/{run.id}")
    run = runs.run_now(person.shop_id, ids, names, work)
    return _run_page(request, run)


def _run_page(request: Request, run: PlacementRun) -> Response:
    return page(request, "place_run.html", {"title": "Placement results",
                                            "run": run})


def _run(request: Request, person: CurrentPerson, run_id: str) -> PlacementRun:
    run = _runs(request).get(person.shop_id, run_id)
    if run is None:
        raise NotFound("This placement's progress is no longer kept (or it ran on another server). Each "
                       "order's page shows what was placed.", field="run_id")
    return run


@router.get("/orders/place/runs/{run_id}")
def run_page(request: Request, run_id: str, person: CurrentPerson) -> Response:
    return _run_page(request, _run(request, person, run_id))


@router.get("/orders/place/runs/{run_id}/status")
def run_status(request: Request, run_id: str, person: CurrentPerson) -> Response:
    return page(request, "_place_progress.html", {"run": _run(request, person, run_id)})
