"""Request and response bodies of the customer refund and reply template endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from ordercenter.domain.customer_refunds import CustomerRefundRequest, CustomerRefundSource
from ordercenter.domain.money import Money
from ordercenter.domain.recovery import RecoveryAction, RecoverySuggestion
from ordercenter.domain.reply_templates import PLACEHOLDERS, TemplateKey
from ordercenter.domain.status import CustomerRefundStatus
from ordercenter.entrypoints.api.request_models import RequestBody, RowId
from ordercenter.entrypoints.api.schemas import MoneyPublic
from ordercenter.services.customer_refunds import CustomerRefundView, NetResult, ReplyResult
from ordercenter.services.reply_templates import TemplateView


def _money(money: Money) -> MoneyPublic:
    return MoneyPublic.of(money.amount, money.currency)


class CustomerRefundCreate(RequestBody):
    message: str = Field("", description="What the customer asked for (optional with `email_text`)")
    customer_email: str | None = Field(None, description="Default: the order's e-mail (or the pasted sender)")
    customer_name: str | None = Field(None, description="Default: the order's customer (or the pasted sender)")
    amount: str | None = Field(None, description="What the customer asks for, a decimal string; at most what "
                                                 "the order can still refund")
    source: Literal["manual", "email"] = "manual"
    email_text: str | None = Field(None, description="A customer e-mail pasted whole (From, Subject, body) or "
                                                     "only its text")


class ReplyCreate(RequestBody):
    template: str | None = Field(None, description="A template key; default: the one Order Center proposes")
    subject: str | None = Field(None, description="The subject, edited (placeholders allowed)")
    body: str | None = Field(None, description="The body, edited (placeholders allowed)")


class RefundCreate(RequestBody):
    amount: str | None = Field(None, description="A decimal string; default: the amount the customer asked for")
    full: bool = Field(False, description="Refund everything the order can still refund")
    notify_customer: bool = Field(False, description="Let the store e-mail its own refund receipt too")
    note: str | None = None


class LinkCreate(RequestBody):
    cancellation_id: RowId | None = None
    return_id: RowId | None = None


class ProposedReplyPublic(BaseModel):
    template: TemplateKey
    subject: str
    body: str


class RecoveryPublic(BaseModel):
    action: RecoveryAction
    message: str
    supplier_order_id: int | None
    act_by: date | None

    @classmethod
    def of(cls, suggestion: RecoverySuggestion) -> RecoveryPublic:
        return cls(action=suggestion.action, message=suggestion.message,
                   supplier_order_id=suggestion.supplier_order_id, act_by=suggestion.act_by)


class NetResultPublic(BaseModel):
    refunded_to_customer: MoneyPublic
    recovered_from_supplier: MoneyPublic
    net: MoneyPublic
    other_currencies: list[MoneyPublic]

    @classmethod
    def of(cls, net: NetResult) -> NetResultPublic:
        return cls(refunded_to_customer=_money(net.refunded_to_customer),
                   recovered_from_supplier=_money(net.recovered_from_supplier), net=_money(net.net),
                   other_currencies=[_money(m) for m in net.other_currencies])


class CustomerRefundSummaryPublic(BaseModel):
    id: int
    order_id: int
    status: CustomerRefundStatus
    source: CustomerRefundSource
    customer_email: str
    customer_name: str
    amount_requested: MoneyPublic | None
    refund_amount: MoneyPublic | None
    store_refund_id: str | None
    received_at: datetime
    replied_at: datetime | None
    resolved_at: datetime | None

    @classmethod
    def of(cls, r: CustomerRefundRequest) -> CustomerRefundSummaryPublic:
        return cls(id=r.id, order_id=r.order_id, status=r.status, source=r.source, customer_email=r.customer_email,
                   customer_name=r.customer_name,
                   amount_requested=MoneyPublic.of(r.amount_requested, r.currency)
                   if r.amount_requested is not None else None,
                   refund_amount=MoneyPublic.of(r.refund_amount, r.currency) if r.refund_amount is not None else None,
                   store_refund_id=r.store_refund_id, received_at=r.received_at, replied_at=r.replied_at,
                   resolved_at=r.resolved_at)


class CustomerRefundPublic(CustomerRefundSummaryPublic):
    order_name: str
    message: str
    reply_subject: str | None
    reply: str | None
    replies_sent: int
    refund_in_progress: bool  # decided, not confirmed by the store yet
    cancellation_request_id: int | None
    return_request_id: int | None
    refundable: MoneyPublic
    proposed_reply: ProposedReplyPublic
    recovery: RecoveryPublic
    net_result: NetResultPublic

    @classmethod
    def from_view(cls, view: CustomerRefundView) -> CustomerRefundPublic:
        r = view.request
        return cls(**CustomerRefundSummaryPublic.of(r).model_dump(), order_name=view.order_name, message=r.message,
                   reply_subject=r.reply_subject, reply=r.reply, replies_sent=view.replies,
                   refund_in_progress=r.refund_amount is not None and r.store_refund_id is None,
                   cancellation_request_id=r.cancellation_request_id, return_request_id=r.return_request_id,
                   refundable=_money(view.refundable),
                   proposed_reply=ProposedReplyPublic(template=view.proposed_reply.template,
                                                      subject=view.proposed_reply.subject,
                                                      body=view.proposed_reply.body),
                   recovery=RecoveryPublic.of(view.recovery), net_result=NetResultPublic.of(view.net))


class CustomerRefundsPublic(BaseModel):
    data: list[CustomerRefundSummaryPublic]
    count: int


class ReplyPublic(BaseModel):
    email_id: int | None  # the outbox row; None when the same reply was sent just before
    to: str
    repeated: bool
    request: CustomerRefundPublic

    @classmethod
    def of(cls, result: ReplyResult) -> ReplyPublic:
        return cls(email_id=result.email_id, to=result.to, repeated=result.repeated,
                   request=CustomerRefundPublic.from_view(result.view))


class ReplyTemplatePublic(BaseModel):
    key: TemplateKey
    title: str
    subject: str
    body: str
    customized: bool
    updated_at: datetime | None

    @classmethod
    def of(cls, t: TemplateView) -> ReplyTemplatePublic:
        return cls(key=t.key, title=t.title, subject=t.subject, body=t.body, customized=t.customized,
                   updated_at=t.updated_at)


class ReplyTemplatesPublic(BaseModel):
    data: list[ReplyTemplatePublic]
    placeholders: dict[str, str] = Field(default_factory=lambda: dict(PLACEHOLDERS))


class ReplyTemplateUpdate(RequestBody):
    subject: str
    body: str
