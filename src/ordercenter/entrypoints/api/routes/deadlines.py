"""Deadlines: what needs the merchant now, soonest first."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from ordercenter.domain.deadlines import Deadline, DeadlineKind
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.services import deadlines

router = APIRouter(tags=["deadlines"])


class DeadlinePublic(BaseModel):
    kind: DeadlineKind
    due_at: datetime
    overdue: bool
    order_id: int
    order_name: str
    supplier_order_id: int | None
    request_id: int | None
    what_to_do: str
    link: str

    @classmethod
    def of(cls, d: Deadline) -> DeadlinePublic:
        return cls(kind=d.kind, due_at=d.due_at, overdue=d.overdue, order_id=d.order_id, order_name=d.order_name,
                   supplier_order_id=d.supplier_order_id, request_id=d.request_id, what_to_do=d.what_to_do,
                   link=d.link)


class DeadlinesPublic(BaseModel):
    now: datetime
    count: int
    data: list[DeadlinePublic]


@router.get("/deadlines", response_model=DeadlinesPublic,
            summary="One list, soonest first: closing protection windows, payments, refunds, customers, sellers, "
                    "cancellations")
def list_deadlines(container: ContainerDep, token: CurrentToken, limit: int = 100) -> DeadlinesPublic:
    now = container.clock.now()
    found = deadlines.list_deadlines(container.uow(), shop_id=token.shop_id, now=now, limit=limit)
    return DeadlinesPublic(now=now, count=len(found), data=[DeadlinePublic.of(d) for d in found])
