"""Customer refund requests: record one, answer it from a template, refund it on the store, link it to the
supplier side; and the shop's reply templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from ordercenter.domain.customer_refunds import CustomerRefundSource
from ordercenter.domain.errors import NotFound
from ordercenter.domain.status import CustomerRefundStatus
from ordercenter.entrypoints.api.customer_refund_schemas import (
    CustomerRefundCreate,
    CustomerRefundPublic,
    CustomerRefundsPublic,
    CustomerRefundSummaryPublic,
    LinkCreate,
    RefundCreate,
    ReplyCreate,
    ReplyPublic,
    ReplyTemplatePublic,
    ReplyTemplatesPublic,
    ReplyTemplateUpdate,
)
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.services import customer_refunds, reply_templates

router = APIRouter(tags=["customer refunds"])


def _actor(token: CurrentToken) -> str:
    return f"api-token:{token.id}"


@router.post("/orders/{order_id}/customer-refunds", response_model=CustomerRefundPublic,
             status_code=status.HTTP_201_CREATED, summary="Record a customer's refund request",
             description="By hand (`message`) or from the customer's e-mail pasted in (`email_text`: the sender and "
                         "the body are taken from it). The answer carries the reply Order Center proposes.")
def create_customer_refund(order_id: RowId, body: CustomerRefundCreate, container: ContainerDep,
                           token: CurrentToken) -> CustomerRefundPublic:
    data = customer_refunds.RefundRequestInput(
        message=body.message, customer_email=body.customer_email, customer_name=body.customer_name,
        amount=body.amount, source=CustomerRefundSource(body.source), email_text=body.email_text)
    view = customer_refunds.record_request(container.uow(), container.clock, shop_id=token.shop_id,
                                           order_id=order_id, data=data, actor_id=_actor(token))
    return CustomerRefundPublic.from_view(view)


@router.get("/customer-refunds", response_model=CustomerRefundsPublic, summary="The shop's customer refund requests")
def list_customer_refunds(
    container: ContainerDep,
    token: CurrentToken,
    status_: Annotated[CustomerRefundStatus | None, Query(alias="status")] = None,
    order_id: RowId | None = None,
    limit: Annotated[int, Query(ge=1, le=customer_refunds.MAX_LIST)] = 50,
) -> CustomerRefundsPublic:
    rows = customer_refunds.list_requests(container.uow(), shop_id=token.shop_id, status=status_, order_id=order_id,
                                          limit=limit)
    return CustomerRefundsPublic(data=[CustomerRefundSummaryPublic.of(r) for r in rows], count=len(rows))


@router.get("/customer-refunds/{request_id}", response_model=CustomerRefundPublic,
            summary="One request: the proposed reply, the supplier-side recovery and the order's net result")
def get_customer_refund(request_id: RowId, container: ContainerDep, token: CurrentToken) -> CustomerRefundPublic:
    return CustomerRefundPublic.from_view(customer_refunds.get_request(
        container.uow(), container.clock, shop_id=token.shop_id, request_id=request_id))


@router.post("/customer-refunds/{request_id}/reply", response_model=ReplyPublic,
             summary="E-mail the reply to the customer",
             description="A template (default: the proposed one) or the merchant's edited subject and body; "
                         "queued in the outbox and sent by the background sender, once.")
def reply_to_customer(request_id: RowId, body: ReplyCreate, container: ContainerDep,
                      token: CurrentToken) -> ReplyPublic:
    result = customer_refunds.reply_to_customer(container.uow(), container.clock, shop_id=token.shop_id,
                                                request_id=request_id, template=body.template, subject=body.subject,
                                                body=body.body, actor_id=_actor(token))
    return ReplyPublic.of(result)


@router.post("/customer-refunds/{request_id}/refund", response_model=CustomerRefundPublic,
             summary="Refund the customer on the store, in full or in part",
             description="Checked against what the order can still refund (422 naming `amount`); made once "
                         "(409 when the request was refunded already or its refund is under way).")
def refund_customer(request_id: RowId, body: RefundCreate, container: ContainerDep,
                    token: CurrentToken) -> CustomerRefundPublic:
    with container.uow() as uow:
        shop = uow.shops.get(token.shop_id)
    if shop is None:  # pragma: no cover  (a token belongs to a shop row)
        raise NotFound("the token's shop no longer exists", field="Authorization")
    view = customer_refunds.refund_customer(container.uow(), lambda: container.store_for(shop), container.clock,
                                            shop_id=shop.id, request_id=request_id, amount=body.amount,
                                            full=body.full, notify_customer=body.notify_customer, note=body.note,
                                            actor_id=_actor(token))
    return CustomerRefundPublic.from_view(view)


@router.post("/customer-refunds/{request_id}/link", response_model=CustomerRefundPublic,
             summary="Link the request to the supplier-side cancellation or return/refund request")
def link_customer_refund(request_id: RowId, body: LinkCreate, container: ContainerDep,
                         token: CurrentToken) -> CustomerRefundPublic:
    return CustomerRefundPublic.from_view(customer_refunds.link_request(
        container.uow(), container.clock, shop_id=token.shop_id, request_id=request_id,
        cancellation_id=body.cancellation_id, return_id=body.return_id, actor_id=_actor(token)))


# ---------------------------------------------------------------- reply templates


@router.get("/reply-templates", response_model=ReplyTemplatesPublic, tags=["reply templates"],
            summary="The shop's reply templates and the placeholders they may use")
def list_reply_templates(container: ContainerDep, token: CurrentToken) -> ReplyTemplatesPublic:
    return ReplyTemplatesPublic(data=[ReplyTemplatePublic.of(t) for t in
                                      reply_templates.list_templates(container.uow(), shop_id=token.shop_id)])


@router.get("/reply-templates/{key}", response_model=ReplyTemplatePublic, tags=["reply templates"],
            summary="One reply template as the shop uses it")
def get_reply_template(key: str, container: ContainerDep, token: CurrentToken) -> ReplyTemplatePublic:
    return ReplyTemplatePublic.of(reply_templates.get_template(container.uow(), shop_id=token.shop_id, key=key))


@router.put("/reply-templates/{key}", response_model=ReplyTemplatePublic, tags=["reply templates"],
            summary="Reword a reply template",
            description="Checked by filling it with sample values: an unknown placeholder is refused (422 naming "
                        "`subject` or `body`).")
def save_reply_template(key: str, body: ReplyTemplateUpdate, container: ContainerDep,
                        token: CurrentToken) -> ReplyTemplatePublic:
    return ReplyTemplatePublic.of(reply_templates.save_template(
        container.uow(), shop_id=token.shop_id, key=key, subject=body.subject, body=body.body,
        now=container.clock.now()))


@router.delete("/reply-templates/{key}", response_model=ReplyTemplatePublic, tags=["reply templates"],
               summary="Go back to the built-in wording of a template")
def reset_reply_template(key: str, container: ContainerDep, token: CurrentToken) -> ReplyTemplatePublic:
    return ReplyTemplatePublic.of(reply_templates.reset_template(container.uow(), shop_id=token.shop_id, key=key))
