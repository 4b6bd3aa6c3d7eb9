"""Messages with the seller of a supplier order: the thread, sending (by API or assisted), answers by hand."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ordercenter.domain.message_templates import FREE_MESSAGE, PLACEHOLDERS, TEMPLATES
from ordercenter.domain.messages import MessageDirection, SupplierMessage
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.entrypoints.api.request_models import RequestBody, RowId
from ordercenter.services import supplier_messages

router = APIRouter(tags=["messages"])


class MessageCreate(RequestBody):
    """Either the merchant's `text`, or a `template` key (the text then defaults to the filled template;
    both: the merchant edited the template)."""

    text: str | None = Field(default=None, max_length=5000)
    template: str | None = Field(default=None, max_length=60)


class ReplyCreate(RequestBody):
    text: str = Field(max_length=5000)


class MessagePublic(BaseModel):
    id: int
    supplier_order_id: int
    direction: MessageDirection
    body: str
    sent_at: datetime
    answer_due_at: datetime | None
    answered_at: datetime | None
    template: str | None
    assisted: bool
    supplier_message_id: str | None

    @classmethod
    def of(cls, m: SupplierMessage) -> MessagePublic:
        return cls(id=m.id, supplier_order_id=m.supplier_order_id, direction=m.direction, body=m.body,
                   sent_at=m.sent_at, answer_due_at=m.answer_due_at, answered_at=m.answered_at, template=m.template,
                   assisted=m.assisted, supplier_message_id=m.supplier_message_id)


class SentMessagePublic(MessagePublic):
    """The message sent; an assisted one also carries the steps, the link and the text to paste."""

    steps: list[str] | None = None
    link: str | None = None
    text: str | None = None

    @classmethod
    def sent(cls, result: supplier_messages.SentMessage) -> SentMessagePublic:
        base = MessagePublic.of(result.message).model_dump()
        if not result.assisted:
            return cls(**base)
        return cls(**base, steps=result.steps, link=result.link, text=result.text)


class TemplatePublic(BaseModel):
    key: str
    title: str
    text: str


class ThreadPublic(BaseModel):
    supplier_order_id: int
    order_id: int
    supplier_order_number: str | None
    awaiting_reply_since: datetime | None
    answer_due_at: datetime | None
    link: str | None
    data: list[MessagePublic]
    templates: list[TemplatePublic]


class PlaceholderPublic(BaseModel):
    name: str
    meaning: str


class TemplatesPublic(BaseModel):
    data: list[TemplatePublic]
    placeholders: list[PlaceholderPublic]
    free_message: str


@router.post("/supplier-orders/{supplier_order_id}/messages", response_model=SentMessagePublic, status_code=201,
             summary="Write to the seller: by API where the supplier allows it, else the text to paste and the link")
def send_message(supplier_order_id: RowId, body: MessageCreate, container: ContainerDep,
                 token: CurrentToken) -> SentMessagePublic:
    result = supplier_messages.send_message(
        container.uow(), container.supplier_resolver(token.shop_id), container.clock, shop_id=token.shop_id,
        supplier_order_id=supplier_order_id, text=body.text, template=body.template, actor_id=f"token:{token.id}")
    return SentMessagePublic.sent(result)


@router.get("/supplier-orders/{supplier_order_id}/messages", response_model=ThreadPublic,
            summary="The thread with the seller, 'awaiting reply since', and the templates filled in for it")
def get_thread(supplier_order_id: RowId, container: ContainerDep, token: CurrentToken) -> ThreadPublic:
    thread = supplier_messages.get_thread(container.uow(), shop_id=token.shop_id, supplier_order_id=supplier_order_id)
    return ThreadPublic(supplier_order_id=thread.supplier_order_id, order_id=thread.order_id,
                        supplier_order_number=thread.number, awaiting_reply_since=thread.awaiting_reply_since,
                        answer_due_at=thread.answer_due_at, link=thread.link,
                        data=[MessagePublic.of(m) for m in thread.messages],
                        templates=[TemplatePublic(key=t.key, title=t.title, text=t.text) for t in thread.templates])


@router.post("/supplier-orders/{supplier_order_id}/messages/replies", response_model=MessagePublic, status_code=201,
             summary="Record the seller's answer as read on the supplier's website")
def record_reply(supplier_order_id: RowId, body: ReplyCreate, container: ContainerDep,
                 token: CurrentToken) -> MessagePublic:
    reply = supplier_messages.record_reply(container.uow(), container.clock, shop_id=token.shop_id,
                                           supplier_order_id=supplier_order_id, text=body.text,
                                           actor_id=f"token:{token.id}")
    return MessagePublic.of(reply)


@router.get("/message-templates", response_model=TemplatesPublic,
            summary="The message templates with their placeholders")
def list_templates(token: CurrentToken) -> TemplatesPublic:
    return TemplatesPublic(
        data=[TemplatePublic(key=t.key, title=t.title, text=t.body) for t in TEMPLATES.values()],
        placeholders=[PlaceholderPublic(name=name, meaning=meaning) for name, meaning in PLACEHOLDERS.items()],
        free_message=f"send 'text' without a template (or with template '{FREE_MESSAGE}') to write freely")
