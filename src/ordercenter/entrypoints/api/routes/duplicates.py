"""Duplicating an order fulfilled on the store by mistake."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel

from ordercenter.domain.errors import NotFound
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.services import duplicates

router = APIRouter(prefix="/orders", tags=["orders"])


class DuplicatePublic(BaseModel):
    original_id: int
    copy_id: int
    copy_name: str


@router.post("/{order_id}/duplicate", response_model=DuplicatePublic, status_code=status.HTTP_201_CREATED,
             summary="Create the copy of an order fulfilled on the store by mistake",
             description="The copy is created on the store as paid and unfulfilled, with the same lines, "
                         "customer and address, tagged `ordercenter-duplicate` and noted with the original's "
                         "name; no receipt is e-mailed. Refused (409 `not_allowed`, with the reason) when the "
                         "order was already ordered from the supplier, already duplicated, or is not "
                         "fulfilled on the store.")
def duplicate_order(order_id: RowId, container: ContainerDep, token: CurrentToken) -> DuplicatePublic:
    with container.uow() as uow:
        shop = uow.shops.get(token.shop_id)
    if shop is None:  # pragma: no cover  (a token outlives no shop: tokens belong to a shop row)
        raise NotFound("the token's shop no longer exists", field="Authorization")
    result = duplicates.duplicate_order(container.uow(), container.store_for(shop), container.clock,
                                        shop_id=shop.id, order_id=order_id, actor_id=f"api-token:{token.id}")
    return DuplicatePublic(original_id=result.original_id, copy_id=result.copy_id, copy_name=result.copy_name)
