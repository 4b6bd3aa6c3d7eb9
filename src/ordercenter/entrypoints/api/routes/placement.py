"""Fulfilment in a few clicks: preview a selection, place it, and the packaging settings."""

from __future__ import annotations

from fastapi import APIRouter

from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken, UowDep
from ordercenter.entrypoints.api.placement_schemas import (
    OrderPreviewPublic,
    PackagingCreate,
    PackagingPublic,
    PaymentPublic,
    PayRequest,
    PlacementResultPublic,
    PlacementResultsPublic,
    PlacementSelection,
    PreviewPublic,
    ReorderRequest,
)
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.services import packaging
from ordercenter.services.payment import pay_supplier_order
from ordercenter.services.placement import place_order, place_orders
from ordercenter.services.placement_planning import PlacementOptions, preview_orders

router = APIRouter(tags=["placement"])


def _options(selection: PlacementSelection) -> dict[int, PlacementOptions]:
    return {c.order_id: PlacementOptions(shipping=c.shipping, use_backup=c.use_backup) for c in selection.orders}


@router.post("/placements/preview", response_model=PreviewPublic,
             summary="What each selected order would become at the supplier, and why it could not")
def preview(selection: PlacementSelection, container: ContainerDep, uow: UowDep, token: CurrentToken) -> PreviewPublic:
    plans = preview_orders(uow, container.supplier_resolver(token.shop_id), shop_id=token.shop_id,
                           order_ids=[c.order_id for c in selection.orders], options=_options(selection))
    return PreviewPublic(data=[OrderPreviewPublic.of(plan) for plan in plans])


@router.post("/placements", response_model=PlacementResultsPublic,
             summary="Place the selected orders with their suppliers; a result per order")
def place(selection: PlacementSelection, container: ContainerDep, uow: UowDep,
          token: CurrentToken) -> PlacementResultsPublic:
    results = place_orders(uow, container.supplier_resolver(token.shop_id), container.clock, shop_id=token.shop_id,
                           order_ids=[c.order_id for c in selection.orders], options=_options(selection),
                           auto_pay=selection.auto_pay, actor_id=f"token:{token.id}")
    placed = sum(1 for r in results if r.placed)
    return PlacementResultsPublic(data=[PlacementResultPublic.of(r) for r in results], placed=placed,
                                  failed=len(results) - placed)


@router.get("/packaging", response_model=list[PackagingPublic], summary="Packaging preferences")
def list_packaging(uow: UowDep, token: CurrentToken) -> list[PackagingPublic]:
    return [PackagingPublic.of(v) for v in packaging.list_packaging(uow, shop_id=token.shop_id)]


@router.put("/packaging", response_model=PackagingPublic,
            summary="Change the shop-wide packaging preferences, or one supplier account's override",
            description="Changes only the fields the body names; the others keep their value (preferences set "
                        "for the first time take the defaults for them). `PATCH` does the same.")
@router.patch("/packaging", response_model=PackagingPublic, summary="The same as PUT /packaging")
def save_packaging(body: PackagingCreate, container: ContainerDep, uow: UowDep,
                   token: CurrentToken) -> PackagingPublic:
    # A field left out keeps its value: a client that knows one field does not reset the ones added later.
    view = packaging.save_packaging(uow, shop_id=token.shop_id, data=packaging.PackagingInput(**body.model_dump()),
                                    now=container.clock.now(), only=body.model_fields_set - {"supplier_account_id"})
    return PackagingPublic.of(view)


@router.post("/orders/{order_id}/reorder", response_model=PlacementResultPublic,
             summary="Order again what the supplier or the merchant cancelled, from the same or the backup product")
def reorder(order_id: RowId, body: ReorderRequest, container: ContainerDep, uow: UowDep,
            token: CurrentToken) -> PlacementResultPublic:
    outcome = place_order(uow, container.supplier_resolver(token.shop_id), container.clock, shop_id=token.shop_id,
                          order_id=order_id, options=PlacementOptions(use_backup=body.use_backup),
                          auto_pay=body.auto_pay, actor_id=f"token:{token.id}")
    return PlacementResultPublic.of(outcome)


@router.post("/supplier-orders/{supplier_order_id}/pay", response_model=PaymentPublic,
             summary="Pay a supplier order awaiting payment (or get the steps to pay it on the supplier's site)")
def pay(supplier_order_id: RowId, container: ContainerDep, uow: UowDep, token: CurrentToken,
        body: PayRequest | None = None) -> PaymentPublic:
    result = pay_supplier_order(uow, container.supplier_resolver(token.shop_id), container.clock,
                                shop_id=token.shop_id, supplier_order_id=supplier_order_id,
                                actor_id=f"token:{token.id}", confirm_store_gone=bool(body and body.confirm))
    return PaymentPublic(supplier_order_id=result.supplier_order_id, paid=result.paid, message=result.message)
