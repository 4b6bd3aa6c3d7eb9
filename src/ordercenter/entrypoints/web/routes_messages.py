"""Message supplier: the thread with the seller (newest last), "awaiting reply since", templates, sending.

A supplier with a message API gets the message at once and its answers come back with each look at
the supplier ("Check for answers", or the background follow-up). An assisted one (real AliExpress)
gets the text to paste with Copy and the link to its order page, and a form for the seller's answer.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ordercenter.adapters.ports import AfterSaleAction
from ordercenter.domain.errors import DomainError, InvalidInput
from ordercenter.domain.message_templates import FREE_MESSAGE
from ordercenter.domain.messages import MessageDirection
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.entrypoints.web.csrf import PostedForm, text
from ordercenter.entrypoints.web.rendering import page
from ordercenter.entrypoints.web.routes_cancel import supplier_takes
from ordercenter.entrypoints.web.sessions import CurrentPerson, see_other
from ordercenter.services import after_sale_pages, polling, supplier_messages
from ordercenter.services.returns import label_of

router = APIRouter(include_in_schema=False)


def _thread_page(request: Request, container: ContainerDep, shop_id: int, supplier_order_id: int, *,
                 template: str = "", message: str | None = None, error: DomainError | None = None,
                 reply: str = "", reply_error: DomainError | None = None) -> Response:
    thread = supplier_messages.get_thread(container.uow(), shop_id=shop_id, supplier_order_id=supplier_order_id)
    with container.uow() as uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        order = uow.orders.get(shop_id, thread.order_id)
    assert so is not None and order is not None  # get_thread found them
    proposals = {t.key: t for t in thread.templates}
    chosen = template if template in proposals else FREE_MESSAGE
    if message is None:
        message = proposals[chosen].text if chosen in proposals else ""
    # The newest of our messages to paste on the supplier's website that has no answer yet.
    to_paste = next((m for m in reversed(thread.messages) if m.direction is MessageDirection.TO_SUPPLIER
                     and m.assisted and m.answered_at is None), None)
    failed = error or reply_error
    return page(request, "messages.html", {
        "title": f"Messages with the seller of supplier order {label_of(so)}", "thread": thread, "so": so,
        "order": order, "templates": thread.templates, "chosen": chosen, "free": FREE_MESSAGE, "message": message,
        "error": error, "reply": reply, "reply_error": reply_error, "to_paste": to_paste,
        "steps": after_sale_pages.message_steps(so, to_paste.template) if to_paste else [],
        "by_api": supplier_takes(request, container, so, AfterSaleAction.MESSAGE_SELLER),
    }, status_code=200 if failed is None else 422 if isinstance(failed, InvalidInput) else 409)


@router.get("/supplier-orders/{supplier_order_id}/messages")
def thread_page(request: Request, supplier_order_id: RowId, person: CurrentPerson, container: ContainerDep,
                template: str = "") -> Response:
    return _thread_page(request, container, person.shop_id, supplier_order_id, template=template)


@router.get("/supplier-orders/{supplier_order_id}/messages/compose")
def compose(request: Request, supplier_order_id: RowId, person: CurrentPerson, container: ContainerDep,
            template: str = "") -> Response:
    """The message field filled from the chosen template (the select swaps it in)."""
    thread = supplier_messages.get_thread(container.uow(), shop_id=person.shop_id,
                                          supplier_order_id=supplier_order_id)
    found = next((t for t in thread.templates if t.key == template), None)
    return page(request, "messages_compose.html", {"message": found.text if found else "", "error": None})


@router.post("/supplier-orders/{supplier_order_id}/messages")
def send(request: Request, supplier_order_id: RowId, person: CurrentPerson, form: PostedForm,
         container: ContainerDep) -> Response:
    template, message = text(form, "template"), text(form, "text")
    try:
        sent = supplier_messages.send_message(
            container.uow(), container.supplier_resolver(person.shop_id), container.clock, shop_id=person.shop_id,
            supplier_order_id=supplier_order_id, text=message or None,
            template=template if template and template != FREE_MESSAGE else None, actor_id=person.actor_id)
    except DomainError as refused:
        return _thread_page(request, container, person.shop_id, supplier_order_id, template=template,
                            message=message, error=refused)
    notice = "Message ready: paste it on the supplier's website with the steps below." if sent.assisted \
        else "Message sent to the seller."
    return see_other(request, f"/supplier-orders/{supplier_order_id}/messages#thread-end", notice)


@router.post("/supplier-orders/{supplier_order_id}/messages/replies")
def record_reply(request: Request, supplier_order_id: RowId, person: CurrentPerson, form: PostedForm,
                 container: ContainerDep) -> Response:
    answer = text(form, "text")
    try:
        supplier_messages.record_reply(container.uow(), container.clock, shop_id=person.shop_id,
                                       supplier_order_id=supplier_order_id, text=answer, actor_id=person.actor_id)
    except DomainError as refused:
        return _thread_page(request, container, person.shop_id, supplier_order_id, reply=answer,
                            reply_error=refused)
    return see_other(request, f"/supplier-orders/{supplier_order_id}/messages#thread-end",
                     "The seller's answer is recorded.")


@router.post("/supplier-orders/{supplier_order_id}/messages/refresh")
def check_answers(request: Request, supplier_order_id: RowId, person: CurrentPerson, form: PostedForm,
                  container: ContainerDep) -> Response:
    before = len(supplier_messages.get_thread(container.uow(), shop_id=person.shop_id,
                                              supplier_order_id=supplier_order_id).messages)
    try:
        with polling.clients(container.uow(), container.supplier_for, container.store_for) as (suppliers, stores):
            polling.refresh_one(container.uow(), suppliers, stores, container.clock, shop_id=person.shop_id,
                                supplier_order_id=supplier_order_id)
    except DomainError as failed:
        return _thread_page(request, container, person.shop_id, supplier_order_id, error=failed)
    after = len(supplier_messages.get_thread(container.uow(), shop_id=person.shop_id,
                                             supplier_order_id=supplier_order_id).messages)
    new = after - before
    notice = f"{new} new message{'s' if new != 1 else ''} from the supplier." if new else "No new answer yet."
    return see_other(request, f"/supplier-orders/{supplier_order_id}/messages#thread-end", notice)
