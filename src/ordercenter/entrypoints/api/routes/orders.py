"""Orders: the Orders Center list and one order's detail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ordercenter.domain.status import Stage
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken, UowDep
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.entrypoints.api.schemas import OrderPublic, OrdersPublic, OrderSummaryPublic
from ordercenter.services import order_queries

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("", response_model=OrdersPublic, summary="List orders, newest first")
def list_orders(
    uow: UowDep,
    token: CurrentToken,
    container: ContainerDep,
    stage: Stage | None = None,
    q: Annotated[str | None, Query(description="Search order name, customer name or e-mail")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=order_queries.MAX_PAGE)] = 50,
) -> OrdersPublic:
    page = order_queries.list_orders(uow, shop_id=token.shop_id, stage=stage, search=q, cursor=cursor,
                                     limit=limit, now=container.clock.now())
    return OrdersPublic(data=[OrderSummaryPublic.of(o, page.protection.get(o.id)) for o in page.orders],
                        count=page.count, count_is_exact=page.count_is_exact,
                        next_cursor=page.next_cursor)


@router.get("/{order_id}", response_model=OrderPublic, summary="One order with its whole story")
def get_order(order_id: RowId, uow: UowDep, token: CurrentToken, container: ContainerDep) -> OrderPublic:
    return OrderPublic.from_detail(order_queries.get_order(uow, shop_id=token.shop_id, order_id=order_id,
                                                           now=container.clock.now()))
