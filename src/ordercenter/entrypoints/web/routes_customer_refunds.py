"""A customer's refund request: recorded (typed, or their e-mail pasted), answered from a template that
the merchant edits and sends (through the outbox), refunded on the store after a confirmation that
restates the amount, and linked to the supplier-side recovery, with the order's net result.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ordercenter.domain.customer_refunds import CustomerRefundSource
from ordercenter.domain.errors import DomainError, InvalidInput, NotFound
from ordercenter.domain.money import Money, parse_amount
from ordercenter.domain.recovery import RecoveryAction
from ordercenter.domain.reply_templates import BUILT_IN, TemplateKey
from ordercenter.domain.status import CustomerRefundStatus
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.request_models import RowId, row_id_in
from ordercenter.entrypoints.web.csrf import PostedForm, text
from ordercenter.entrypoints.web.rendering import DIALOG_TARGET, money, page
from ordercenter.entrypoints.web.routes_cancel import field
from ordercenter.entrypoints.web.sessions import CurrentPerson, see_other
from ordercenter.services import after_sale_pages, customer_refunds
from ordercenter.services.customer_refunds import CustomerRefundView, ProposedReply

router = APIRouter(include_in_schema=False)

NEW_FIELDS = ("message", "email_text", "customer_email", "customer_name", "amount")
TEMPLATE_TITLES = [(key.value, BUILT_IN[key].title) for key in TemplateKey]
STATUS_WORDS = {
    CustomerRefundStatus.NEW: "Not answered yet: reply within a day.",
    CustomerRefundStatus.REPLIED: "Answered. Refund the customer, or reply again.",
    CustomerRefundStatus.REFUNDED: "Refunded on the store.",
    CustomerRefundStatus.DECLINED: "Declined in the reply.",
    CustomerRefundStatus.RESOLVED: "Settled otherwise.",
}


# ---------------------------------------------------------------- recording a request


def _new_page(request: Request, container: ContainerDep, shop_id: int, order_id: int,
              values: dict[str, str] | None = None, error: DomainError | None = None) -> Response:
    with container.uow() as uow:
        order = uow.orders.get(shop_id, order_id)
        refundable = customer_refunds.refundable_of(uow, order) if order else None
    if order is None:
        raise NotFound(f"no order with id {order_id}", field="order_id")
    return page(request, "refund_new.html", {
        "title": f"Record a refund request for {order.name}", "order": order, "refundable": refundable,
        "values": values or dict.fromkeys(NEW_FIELDS, ""), "error": error},
        status_code=200 if error is None else 422 if isinstance(error, InvalidInput) else 409)


@router.get("/orders/{order_id}/customer-refunds/new")
def new_request(request: Request, order_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    return _new_page(request, container, person.shop_id, order_id)


@router.post("/orders/{order_id}/customer-refunds")
def record_request(request: Request, order_id: RowId, person: CurrentPerson, form: PostedForm,
                   container: ContainerDep) -> Response:
    values = {name: text(form, name) for name in NEW_FIELDS}
    data = customer_refunds.RefundRequestInput(
        message=values["message"], customer_email=values["customer_email"] or None,
        customer_name=values["customer_name"] or None, amount=values["amount"] or None,
        source=CustomerRefundSource.MANUAL, email_text=values["email_text"] or None)
    try:
        view = customer_refunds.record_request(container.uow(), container.clock, shop_id=person.shop_id,
                                               order_id=order_id, data=data, actor_id=person.actor_id)
    except DomainError as refused:
        return _new_page(request, container, person.shop_id, order_id, values, refused)
    return see_other(request, f"/customer-refunds/{view.request.id}",
                     "Refund request recorded. Answer the customer: the proposed reply is below.")


# ---------------------------------------------------------------- the request's page


def _recovery_link(view: CustomerRefundView) -> str | None:
    suggestion = view.recovery
    if suggestion.supplier_order_id is None:
        return None
    if suggestion.action is RecoveryAction.CANCEL_SUPPLIER_ORDER:
        return f"/supplier-orders/{suggestion.supplier_order_id}/cancel"
    if suggestion.action is RecoveryAction.OPEN_RETURN:
        return f"/supplier-orders/{suggestion.supplier_order_id}/return"
    return None


def _request_page(request: Request, container: ContainerDep, shop_id: int, request_id: int, *,
                  reply: ProposedReply | None = None, reply_error: DomainError | None = None,
                  refund_values: dict[str, str] | None = None, refund_error: DomainError | None = None,
                  link_error: DomainError | None = None) -> Response:
    view = customer_refunds.get_request(container.uow(), container.clock, shop_id=shop_id, request_id=request_id)
    chosen = request.query_params.get("template", "")
    if reply is None and chosen:
        try:
            reply = after_sale_pages.reply_preview(container.uow(), container.clock, shop_id=shop_id,
                                                   request_id=request_id, template=chosen)
        except DomainError as unknown:
            reply_error = unknown
    cr = view.request
    with container.uow() as uow:
        cancellations = list(uow.cancellations.for_order(shop_id, cr.order_id))
        returned = list(uow.returns.for_order(shop_id, cr.order_id))
    default_amount = cr.amount_requested if cr.amount_requested is not None else view.refundable.amount
    error = reply_error or refund_error or link_error
    return page(request, "refund_request.html", {
        "title": f"Refund request {cr.id} · {view.order_name}", "view": view, "cr": cr,
        "reply": reply or view.proposed_reply, "reply_error": reply_error, "templates": TEMPLATE_TITLES,
        "status_words": STATUS_WORDS.get(cr.status, ""), "recovery_link": _recovery_link(view),
        "refund_values": refund_values or {"amount": str(Money(min(default_amount, view.refundable.amount),
                                                               view.refundable.currency).rounded().amount),
                                           "full": "", "notify_customer": "1", "note": ""},
        "refund_error": refund_error, "link_error": link_error, "cancellations": cancellations, "returns": returned,
        "can_refund": cr.store_refund_id is None and cr.status in (CustomerRefundStatus.NEW,
                                                                   CustomerRefundStatus.REPLIED)
        and view.refundable.amount > 0,
    }, status_code=200 if error is None else 422 if isinstance(error, InvalidInput) else 409)


@router.get("/customer-refunds/{request_id}")
def request_page(request: Request, request_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    return _request_page(request, container, person.shop_id, request_id)


@router.get("/customer-refunds/{request_id}/reply-preview")
def reply_preview(request: Request, request_id: RowId, person: CurrentPerson, container: ContainerDep,
                  template: str = "") -> Response:
    """The subject and body fields filled from the chosen template (the select swaps them in)."""
    reply = after_sale_pages.reply_preview(container.uow(), container.clock, shop_id=person.shop_id,
                                           request_id=request_id, template=template)
    return page(request, "refund_reply_fields.html", {"reply": reply, "reply_error": None})


@router.post("/customer-refunds/{request_id}/reply")
def send_reply(request: Request, request_id: RowId, person: CurrentPerson, form: PostedForm,
               container: ContainerDep) -> Response:
    template, subject, body = text(form, "template"), text(form, "subject"), text(form, "body")
    try:
        sent = customer_refunds.reply_to_customer(
            container.uow(), container.clock, shop_id=person.shop_id, request_id=request_id,
            template=template or None, subject=subject, body=body, actor_id=person.actor_id)
    except DomainError as refused:
        key = TemplateKey(template) if template in TemplateKey.__members__.values() else TemplateKey(
            TemplateKey.REFUND_REQUEST_RECEIVED)
        return _request_page(request, container, person.shop_id, request_id,
                             reply=ProposedReply(key, subject, body), reply_error=refused)
    notice = "This reply was sent already: nothing new was queued." if sent.repeated else \
        f"Reply to {sent.to} queued: it is e-mailed within a minute."
    return see_other(request, f"/customer-refunds/{request_id}", notice)


# ---------------------------------------------------------------- the refund on the store


def _refund_values(params: Any) -> dict[str, str]:
    return {"amount": field(params, "amount"), "full": "1" if params.get("full") == "1" else "",
            "notify_customer": "1" if params.get("notify_customer") == "1" else "", "note": field(params, "note")}


def _amount_of(values: dict[str, str], view: CustomerRefundView) -> Money:
    """What the confirmation restates; the service checks it again when refunding."""
    if values["full"]:
        return view.refundable
    amount = parse_amount(values["amount"] or "", field="amount")
    if amount <= 0:
        raise InvalidInput("the amount must be more than zero", field="amount")
    if amount > view.refundable.amount:
        raise InvalidInput(f"the refund of {Money(amount, view.refundable.currency)} is more than the "
                           f"{view.refundable} order {view.order_name} can still refund", field="amount")
    return Money(amount, view.refundable.currency)


def _refused(request: Request, container: ContainerDep, shop_id: int, request_id: int, values: dict[str, str],
             error: DomainError) -> Response:
    response = _request_page(request, container, shop_id, request_id, refund_values=values, refund_error=error)
    if request.headers.get("HX-Target") == DIALOG_TARGET:  # back from the dialog to the field at fault
        response.headers.update({"HX-Retarget": "#main", "HX-Reswap": "outerHTML", "HX-Reselect": "#main"})
    return response


@router.get("/customer-refunds/{request_id}/refund/confirm")
def confirm_refund(request: Request, request_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    values = _refund_values(request.query_params)
    view = customer_refunds.get_request(container.uow(), container.clock, shop_id=person.shop_id,
                                        request_id=request_id)
    try:
        amount = _amount_of(values, view)
    except DomainError as bad:
        return _refused(request, container, person.shop_id, request_id, values, bad)
    cr = view.request
    return page(request, "refund_confirm.html", {
        "title": "Confirm the refund", "view": view, "cr": cr, "amount": amount, "values": values,
        "back": f"/customer-refunds/{cr.id}"})


@router.post("/customer-refunds/{request_id}/refund")
def refund(request: Request, request_id: RowId, person: CurrentPerson, form: PostedForm,
           container: ContainerDep) -> Response:
    values = _refund_values(form)
    with container.uow() as uow:
        shop = uow.shops.get(person.shop_id)
    if shop is None:
        raise NotFound("this shop no longer exists", field="shop")
    try:
        view = customer_refunds.refund_customer(
            container.uow(), lambda: container.store_for(shop), container.clock, shop_id=person.shop_id,
            request_id=request_id, amount=None if values["full"] else values["amount"], full=bool(values["full"]),
            notify_customer=bool(values["notify_customer"]), note=values["note"] or None, actor_id=person.actor_id)
    except DomainError as refused:
        return _refused(request, container, person.shop_id, request_id, values, refused)
    given = Money(view.request.refund_amount or Decimal(0), view.request.currency)
    return see_other(request, f"/customer-refunds/{request_id}",
                     f"Refunded {money(given)} to the customer on the store.")


@router.post("/customer-refunds/{request_id}/link")
def link(request: Request, request_id: RowId, person: CurrentPerson, form: PostedForm,
         container: ContainerDep) -> Response:
    kind, _, number = text(form, "target").partition(":")
    target_id = row_id_in(number)
    try:
        if target_id is None or kind not in ("cancellation", "return"):
            raise InvalidInput("Choose the cancellation or return/refund request that recovers the money.",
                               field="target")
        customer_refunds.link_request(
            container.uow(), container.clock, shop_id=person.shop_id, request_id=request_id,
            cancellation_id=target_id if kind == "cancellation" else None,
            return_id=target_id if kind == "return" else None, actor_id=person.actor_id)
    except DomainError as refused:
        return _request_page(request, container, person.shop_id, request_id, link_error=refused)
    return see_other(request, f"/customer-refunds/{request_id}", "Linked to the supplier-side request.")
