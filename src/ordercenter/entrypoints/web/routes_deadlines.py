"""Deadlines: what needs the merchant now, soonest first, each linking to its order (or its request)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ordercenter.domain.deadlines import Deadline, DeadlineKind
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.web import after_sale
from ordercenter.entrypoints.web.rendering import page
from ordercenter.entrypoints.web.sessions import CurrentPerson, Frame
from ordercenter.services import deadlines

router = APIRouter(include_in_schema=False)

LIMIT = 200
KIND_WORDS = {
    DeadlineKind.PROTECTION_CLOSING: "Buyer protection closes",
    DeadlineKind.PAYMENT_DUE: "Pay the supplier",
    DeadlineKind.REFUND_DUE: "Supplier refund due",
    DeadlineKind.REFUND_OVERDUE: "Supplier refund late",
    DeadlineKind.CUSTOMER_UNANSWERED: "Answer the customer",
    DeadlineKind.SUPPLIER_SILENT: "Seller silent",
    DeadlineKind.CANCELLATION_PENDING: "Cancellation undecided",
}


def link_of(deadline: Deadline) -> str:
    """Where the deadline is acted on: its request's page when it has one, else its order's."""
    if deadline.request_id is not None:
        if deadline.kind is DeadlineKind.CUSTOMER_UNANSWERED:
            return f"/customer-refunds/{deadline.request_id}"
        if deadline.kind is DeadlineKind.CANCELLATION_PENDING:
            return f"/cancellations/{deadline.request_id}"
    if deadline.kind is DeadlineKind.SUPPLIER_SILENT and deadline.supplier_order_id is not None:
        return f"/supplier-orders/{deadline.supplier_order_id}/messages"
    return deadline.link


@router.get("/deadlines")
def deadlines_page(request: Request, person: CurrentPerson, container: ContainerDep) -> Response:
    now = container.clock.now()
    found = deadlines.list_deadlines(container.uow(), shop_id=person.shop_id, now=now, limit=LIMIT)
    # Listed afresh: the badge of this page (and of the next ones, for a while) says the same.
    count = min(len(found), after_sale.BADGE_LIMIT)
    after_sale.badge_cache(request.app).keep(person.shop_id, count)
    request.state.frame = Frame(count)
    return page(request, "deadlines.html", {"title": "Deadlines", "deadlines": found, "kinds": KIND_WORDS,
                                            "link_of": link_of, "limit": LIMIT,
                                            "overdue": sum(1 for d in found if d.overdue)})
