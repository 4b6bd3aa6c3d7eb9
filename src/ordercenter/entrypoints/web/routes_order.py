"""One order's page: items, supplier orders, protection, money, after-sale requests, timeline; and the
actions that apply (Pay, Reorder, Duplicate order here; Cancel Order, Return/Refund and Message supplier
link to the after-sale pages).

Anything that spends money asks first: a confirmation page (or dialog) restates what will happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from ordercenter.domain.audit import OrderEvent, OrderEventType
from ordercenter.domain.duplicates import DuplicationPhase, duplication_refusal
from ordercenter.domain.errors import DomainError, NotFound
from ordercenter.domain.money import Money
from ordercenter.domain.orders import Order
from ordercenter.domain.status import AttentionReason, CancellationStatus, Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.entrypoints.web import after_sale
from ordercenter.entrypoints.web.csrf import PostedForm
from ordercenter.entrypoints.web.rendering import page
from ordercenter.entrypoints.web.sessions import CurrentPerson, see_other
from ordercenter.services import order_queries
from ordercenter.services.duplicates import duplicate_order
from ordercenter.services.payment import pay_supplier_order
from ordercenter.services.placement import place_order
from ordercenter.services.placement_planning import PlacementOptions

router = APIRouter(include_in_schema=False)

_CANCELLABLE = frozenset({SupplierOrderStatus.PLACED, SupplierOrderStatus.PAID})
_RETURNABLE = frozenset({SupplierOrderStatus.SHIPPED, SupplierOrderStatus.DELIVERED, SupplierOrderStatus.COMPLETED})
_REORDERABLE = frozenset({AttentionReason.SUPPLIER_CANCELLED, AttentionReason.PLACEMENT_FAILED})
NEXT_STEP = {
    "pending": "Waiting for the seller's decision.",
    "approved": "Approved by the seller.",
    "rejected": "Refused by the seller.",
    "submitted": "Sent to the seller; waiting for the answer.",
    "under_review": "The seller or the platform is looking at it.",
    "awaiting_return": "Send the goods back with the instructions below.",
    "return_shipped": "The parcel is on its way back; the refund follows its arrival.",
    "refund_pending": "The refund was issued; the money is on its way.",
    "refunded": "The money arrived.",
    "new": "Not answered yet.",
    "replied": "Answered; refund or decline next.",
}


@dataclass(frozen=True)
class SupplierOrderCard:
    """One supplier order as its card shows it, with what can be done about it."""

    so: SupplierOrder
    titles: list[tuple[str, int]]  # the store lines it buys: title, supplier quantity
    events: list[OrderEvent]  # its package and status events, newest first
    can_pay: bool
    can_cancel: bool
    can_return: bool
    can_message: bool


def _concerns(event: OrderEvent, so_id: int) -> bool:
    params = event.parameters or {}
    return params.get("supplier_order_id") == so_id or (
        event.type.value == "supplier_order_status_changed" and params.get("entity_id") == so_id)


def _cards(order: Order, supplier_orders: Sequence[SupplierOrder], timeline: Sequence[OrderEvent],
           pending_cancellations: set[int]) -> list[SupplierOrderCard]:
    titles = {line.id: line.title for line in order.lines}
    cards = []
    for so in supplier_orders:
        placed = so.supplier_order_id is not None and so.status is not SupplierOrderStatus.DRAFT
        cards.append(SupplierOrderCard(
            so=so, titles=[(titles.get(line.line_item_id, "item"), line.quantity) for line in so.lines],
            events=[e for e in reversed(timeline) if _concerns(e, so.id)],
            can_pay=so.status is SupplierOrderStatus.PLACED and placed,
            can_cancel=so.status in _CANCELLABLE and placed and so.id not in pending_cancellations,
            can_return=so.status in _RETURNABLE, can_message=placed))
    return cards


def _money(order: Order, supplier_orders: Sequence[SupplierOrder]) -> dict[str, object]:
    """Sale, supplier cost and expected profit; cost in another currency is shown but not subtracted."""
    active = [so for so in supplier_orders if so.status is not SupplierOrderStatus.CANCELLED]
    same = [so.cost.amount for so in active if so.currency == order.currency]
    other = [so.cost for so in active if so.currency != order.currency]
    cost = Money(sum(same, Decimal(0)), order.currency) if active and not other else None
    return {"sale": order.total, "cost": cost, "other_costs": other,
            "profit": order.total - cost if cost is not None else None}


def _who(event: OrderEvent) -> str:
    kind = {"staff": "Staff", "system": "Order Center", "store": "Store", "supplier": "Supplier",
            "customer": "Customer"}[event.actor_kind.value]
    return f"{kind} · {event.actor_id}" if event.actor_id else kind


@router.get("/orders/{order_id}")
def order_page(request: Request, order_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    now = container.clock.now()
    detail = order_queries.get_order(container.uow(), shop_id=person.shop_id, order_id=order_id, now=now)
    order = detail.order
    # The copy is named on the original's timeline, so no search through the orders is needed to find it.
    copy_id = next((e.parameters.get("copy_id") for e in reversed(detail.timeline)
                    if e.type is OrderEventType.ORDER_DUPLICATED
                    and e.parameters.get("phase") == DuplicationPhase.DUPLICATED.value), None)
    with container.uow() as uow:
        copy = uow.orders.get(person.shop_id, copy_id) if isinstance(copy_id, int) else None
        original = (uow.orders.get(person.shop_id, order.duplicate_of_order_id)
                    if order.duplicate_of_order_id else None)
    pending = {c.supplier_order_id for c in detail.cancellations if c.status is CancellationStatus.PENDING}
    cards = _cards(order, detail.supplier_orders, detail.timeline, pending)
    cancelled_before = any(so.status is SupplierOrderStatus.CANCELLED for so in detail.supplier_orders)
    can_reorder = cancelled_before and (order.stage is Stage.TO_ORDER or (
        order.stage is Stage.NEEDS_ATTENTION and order.attention_reason in _REORDERABLE))
    return page(request, "order.html", {
        "title": f"Order {order.name}", "order": order, "detail": detail, "cards": cards,
        "address": order.shipping_address, "money": _money(order, detail.supplier_orders),
        "after_sale_money": after_sale.after_sale_money(container.uow(), shop_id=person.shop_id, order_id=order.id),
        "protection": detail.protection, "summary": detail.protection_summary,
        "timeline": list(reversed(detail.timeline)), "who": _who, "next_step": NEXT_STEP,
        "can_place": order.stage is Stage.TO_ORDER and not cancelled_before, "can_reorder": can_reorder,
        "can_duplicate": duplication_refusal(order, detail.supplier_orders, copy) is None,
        "copy": copy, "original": original,
    })


# ---------------------------------------------------------------- Pay


def _supplier_order(container: ContainerDep, shop_id: int, supplier_order_id: int) -> tuple[SupplierOrder, Order]:
    with container.uow() as uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        order = uow.orders.get(shop_id, so.order_id) if so else None
    if so is None or order is None:
        raise NotFound(f"no supplier order with id {supplier_order_id}", field="supplier_order_id")
    return so, order


def _pay_page(request: Request, so: SupplierOrder, order: Order, error: DomainError | None = None) -> Response:
    return page(request, "pay_confirm.html", {"title": f"Pay supplier order {so.supplier_order_id or so.id}",
                                              "so": so, "order": order, "gone": order.gone_on_store,
                                              "error": error}, status_code=409 if error else 200)


@router.get("/supplier-orders/{supplier_order_id}/pay")
def pay_form(request: Request, supplier_order_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    so, order = _supplier_order(container, person.shop_id, supplier_order_id)
    return _pay_page(request, so, order)


@router.post("/supplier-orders/{supplier_order_id}/pay")
def pay(request: Request, supplier_order_id: RowId, person: CurrentPerson, form: PostedForm,
        container: ContainerDep) -> Response:
    so, order = _supplier_order(container, person.shop_id, supplier_order_id)
    try:
        result = pay_supplier_order(container.uow(), container.supplier_resolver(person.shop_id), container.clock,
                                    shop_id=person.shop_id, supplier_order_id=so.id, actor_id=person.actor_id,
                                    confirm_store_gone=form.get("confirm_store_gone") == "1")
    except DomainError as refused:
        return _pay_page(request, so, order, refused)
    notice = f"Paid supplier order {so.supplier_order_id}." if result.paid else result.message[:1].upper() + \
        result.message[1:]
    return see_other(request, f"/orders/{order.id}", notice)


# ---------------------------------------------------------------- Reorder and Duplicate order


def _order(container: ContainerDep, shop_id: int, order_id: int) -> Order:
    with container.uow() as uow:
        order = uow.orders.get(shop_id, order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}", field="order_id")
    return order


@router.get("/orders/{order_id}/reorder")
def reorder_form(request: Request, order_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    order = _order(container, person.shop_id, order_id)
    return page(request, "reorder_confirm.html", {"title": f"Reorder {order.name}", "order": order})


@router.post("/orders/{order_id}/reorder")
def reorder(request: Request, order_id: RowId, person: CurrentPerson, form: PostedForm,
            container: ContainerDep) -> Response:
    order = _order(container, person.shop_id, order_id)
    outcome = place_order(container.uow(), container.supplier_resolver(person.shop_id), container.clock,
                          shop_id=person.shop_id, order_id=order.id,
                          options=PlacementOptions(use_backup=form.get("use_backup") == "1"),
                          actor_id=person.actor_id)
    words = "Ordered again: " if outcome.placed else "Not ordered again: "
    return see_other(request, f"/orders/{order.id}", words + outcome.summary)


@router.get("/orders/{order_id}/duplicate")
def duplicate_form(request: Request, order_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    order = _order(container, person.shop_id, order_id)
    return page(request, "duplicate_confirm.html", {"title": f"Duplicate {order.name}", "order": order,
                                                    "error": None})


@router.post("/orders/{order_id}/duplicate")
def duplicate(request: Request, order_id: RowId, person: CurrentPerson, form: PostedForm,
              container: ContainerDep) -> Response:
    order = _order(container, person.shop_id, order_id)
    with container.uow() as uow:
        shop = uow.shops.get(person.shop_id)
    assert shop is not None
    try:
        result = duplicate_order(container.uow(), container.store_for(shop), container.clock, shop_id=person.shop_id,
                                 order_id=order.id, actor_id=person.actor_id)
    except DomainError as refused:
        return page(request, "duplicate_confirm.html", {"title": f"Duplicate {order.name}", "order": order,
                                                        "error": refused}, status_code=409)
    return see_other(request, f"/orders/{result.copy_id}",
                     f"{result.original_name} was duplicated as {result.copy_name}: place the copy with the supplier.")
