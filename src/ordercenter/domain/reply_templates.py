"""Reply templates: the answers Order Center proposes to a customer who asks for a refund.

Each answer acknowledges the concern, says what happens next and by when. A shop may reword any of
them (a `ReplyTemplate` row per shop and key); a key without a row uses the built-in wording here.
Placeholders are `str.format` fields (`{customer_name}`), parsed by `string.Formatter`, and only the
names in `PLACEHOLDERS` are accepted, so a typo is refused when the template is saved, not when a
customer is waiting.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.policies import add_business_days
from ordercenter.domain.status import CustomerRefundStatus


class ReplyTemplate(Base):
    """A shop's edited version of a template; a key without a row uses the built-in wording."""

    __tablename__ = "reply_templates"
    __table_args__ = (UniqueConstraint("shop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    key: Mapped[str]
    subject: Mapped[str]
    body: Mapped[str]
    updated_at: Mapped[datetime]


class TemplateKey(StrEnum):
    """The situations Order Center has an answer for."""

    REFUND_REQUEST_RECEIVED = "refund_request_received"  # acknowledged, being looked into
    CANCELLATION_IN_PROGRESS = "cancellation_in_progress"  # the supplier order is being cancelled
    RETURN_INSTRUCTIONS = "return_instructions"  # where and by when to send the item back
    REFUND_ISSUED = "refund_issued"  # the whole order was refunded
    REFUND_PARTIAL = "refund_partial"  # part of the order was refunded
    REFUND_DECLINED = "refund_declined"  # no refund, with an invitation to say more


# Every placeholder a template may use, with what it becomes.
PLACEHOLDERS: dict[str, str] = {
    "customer_name": "the customer's name (or 'there' when unknown)",
    "customer_email": "the customer's e-mail address",
    "order_name": "the store order's name, e.g. #1042",
    "shop_name": "the shop's name",
    "refund_amount": "the amount refunded, or to be refunded, with its currency",
    "requested_amount": "the amount the customer asked for (the order total when they did not say)",
    "expected_from": "the first day the refund may show on the customer's statement",
    "expected_by": "the last day the refund should show on the customer's statement",
    "reply_by": "when the customer hears back from us (two business days from today)",
    "return_address": "where to send the item back",
    "return_ship_by": "the last day to ship the return",
    "today": "today's date",
}

# Values a template is checked with when a shop saves it.
SAMPLE_VALUES: dict[str, str] = {
    "customer_name": "Ana Silva", "customer_email": "ana@example.com", "order_name": "#1042",
    "shop_name": "Example Shop", "refund_amount": "24.90 USD", "requested_amount": "24.90 USD",
    "expected_from": "Monday 10 March 2025", "expected_by": "Friday 14 March 2025",
    "reply_by": "Wednesday 5 March 2025", "return_address": "Returns, 1 Example Road, Shenzhen, China",
    "return_ship_by": "Thursday 13 March 2025", "today": "Monday 3 March 2025",
}

# A refund on the store reaches a card in about 5-10 business days (bank dependent); the reply says so.
STORE_REFUND_BUSINESS_DAYS = (5, 10)
REPLY_WITHIN_BUSINESS_DAYS = 2
MAX_SUBJECT_LENGTH = 200
MAX_BODY_LENGTH = 10_000


@dataclass(frozen=True)
class BuiltInTemplate:
    key: TemplateKey
    title: str  # what the merchant picks from
    subject: str
    body: str


_SIGN_OFF = "\n\nKind regards,\n{shop_name}"

BUILT_IN: dict[TemplateKey, BuiltInTemplate] = {t.key: t for t in (
    BuiltInTemplate(
        TemplateKey.REFUND_REQUEST_RECEIVED, "Request received: we are looking into it",
        "We received your refund request for order {order_name}",
        "Dear {customer_name},\n\n"
        "Thank you for contacting us about order {order_name}, and we are sorry it has not gone as you hoped.\n\n"
        "We have received your request for a refund and are looking into it now. You will hear back from us "
        "by {reply_by} with what we can do.\n\n"
        "If you have photos of the item, or anything else that helps us understand what went wrong, simply "
        "reply to this e-mail." + _SIGN_OFF),
    BuiltInTemplate(
        TemplateKey.CANCELLATION_IN_PROGRESS, "We are cancelling the order",
        "We are cancelling order {order_name}",
        "Dear {customer_name},\n\n"
        "Thank you for letting us know. We have asked our supplier to cancel order {order_name} before it "
        "ships, and we will confirm by e-mail as soon as the cancellation goes through, by {reply_by} at the "
        "latest.\n\n"
        "Once it is confirmed we will refund {refund_amount} to your original payment method; the money should "
        "then show on your statement between {expected_from} and {expected_by}." + _SIGN_OFF),
    BuiltInTemplate(
        TemplateKey.RETURN_INSTRUCTIONS, "How to send the item back",
        "How to return order {order_name}",
        "Dear {customer_name},\n\n"
        "Thank you for your patience with order {order_name}. To send the item back, please pack it securely "
        "and ship it by {return_ship_by} to:\n\n{return_address}\n\n"
        "Please reply with the tracking number once it is on its way. As soon as the return is received we "
        "will refund {refund_amount} to your original payment method." + _SIGN_OFF),
    BuiltInTemplate(
        TemplateKey.REFUND_ISSUED, "Refund issued",
        "Your refund for order {order_name} is on its way",
        "Dear {customer_name},\n\n"
        "Thank you for your patience. We have refunded {refund_amount} for order {order_name} to your original "
        "payment method.\n\n"
        "Depending on your bank, the money should show on your statement between {expected_from} and "
        "{expected_by}. If it has not arrived by {expected_by}, please reply to this e-mail and we will look "
        "into it straight away.\n\n"
        "We are sorry for the trouble and hope to serve you better next time." + _SIGN_OFF),
    BuiltInTemplate(
        TemplateKey.REFUND_PARTIAL, "Part of the order refunded",
        "A partial refund for order {order_name}",
        "Dear {customer_name},\n\n"
        "Thank you for your patience. As agreed, we have refunded {refund_amount} of order {order_name} to "
        "your original payment method.\n\n"
        "Depending on your bank, the money should show on your statement between {expected_from} and "
        "{expected_by}. If you have any question about the amount, just reply to this e-mail." + _SIGN_OFF),
    BuiltInTemplate(
        TemplateKey.REFUND_DECLINED, "No refund",
        "About your refund request for order {order_name}",
        "Dear {customer_name},\n\n"
        "Thank you for contacting us about order {order_name}. We have looked carefully at your request and, "
        "unfortunately, we are not able to offer a refund for this order under our refund policy.\n\n"
        "If you think we have misunderstood something, please reply with any details or photos and we will "
        "gladly look at it again." + _SIGN_OFF),
)}


def template_key(value: str, *, field: str = "template") -> TemplateKey:
    """The key a person typed, or InvalidInput naming the field and the keys there are."""
    try:
        return TemplateKey(value.strip())
    except ValueError:
        known = ", ".join(k.value for k in TemplateKey)
        raise InvalidInput(f"there is no reply template '{value}'; the templates are {known}", field=field) from None


# ---------------------------------------------------------------- rendering

_FORMATTER = string.Formatter()


def placeholders_in(text: str, *, field: str) -> list[str]:
    """The placeholders a text uses, in order; InvalidInput naming the field for any it may not use."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:  # an unmatched '{' or '}'
        raise InvalidInput(f"the {field} is not a valid template ({exc}); write a literal brace as '{{{{' or "
                           "'}}}}'", field=field) from None
    names: list[str] = []
    for _, name, spec, _ in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            shown = "{" + name + "}" if name else "{}"
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise InvalidInput(f"unknown placeholder {shown} in the {field}; the placeholders are {known}",
                               field=field)
        if spec and "{" in spec:
            raise InvalidInput(f"the placeholder {{{name}}} in the {field} has a nested placeholder in its format",
                               field=field)
        names.append(name)
    return names


def render(text: str, values: Mapping[str, str], *, field: str) -> str:
    """The text with its placeholders filled in; InvalidInput naming the field when it cannot be."""
    placeholders_in(text, field=field)
    try:
        return _FORMATTER.vformat(text, (), {name: values.get(name, "") for name in PLACEHOLDERS})
    except (ValueError, TypeError) as exc:  # e.g. a format spec that does not apply to text
        raise InvalidInput(f"the {field} cannot be filled in: {exc}", field=field) from None


@dataclass(frozen=True)
class RenderedReply:
    subject: str
    body: str


def render_reply(subject: str, body: str, values: Mapping[str, str]) -> RenderedReply:
    """Subject and body filled in, both checked: an empty body or subject is refused, naming it."""
    check_wording(subject, body)
    return RenderedReply(render(subject, values, field="subject").strip(), render(body, values, field="body").strip())


def check_wording(subject: str, body: str) -> None:
    """A subject and a body a shop may save: not empty, not too long, only known placeholders."""
    if not subject.strip():
        raise InvalidInput("the subject is empty; write what the e-mail is about", field="subject")
    if "\n" in subject.strip() or "\r" in subject:
        raise InvalidInput("the subject must be a single line", field="subject")
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidInput(f"the subject is longer than {MAX_SUBJECT_LENGTH} characters", field="subject")
    if not body.strip():
        raise InvalidInput("the body is empty; write the answer to the customer", field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidInput(f"the body is longer than {MAX_BODY_LENGTH} characters", field="body")
    render(subject, SAMPLE_VALUES, field="subject")
    render(body, SAMPLE_VALUES, field="body")


# ---------------------------------------------------------------- what to propose, and the dates it names


@dataclass(frozen=True)
class ReplySituation:
    """What decides the proposed answer."""

    status: CustomerRefundStatus
    refunded_in_full: bool = False  # the refund given covers the whole order
    supplier_order_cancellable: bool = False  # a supplier order of the order has not shipped yet
    return_instructions_known: bool = False  # the supplier gave a return address for this order


def proposed_template(situation: ReplySituation) -> TemplateKey:
    """The answer that fits: what was done already first, then what is under way, else an acknowledgement."""
    if situation.status is CustomerRefundStatus.REFUNDED:
        return TemplateKey.REFUND_ISSUED if situation.refunded_in_full else TemplateKey.REFUND_PARTIAL
    if situation.status is CustomerRefundStatus.DECLINED:
        return TemplateKey.REFUND_DECLINED
    if situation.return_instructions_known:
        return TemplateKey.RETURN_INSTRUCTIONS
    if situation.supplier_order_cancellable:
        return TemplateKey.CANCELLATION_IN_PROGRESS
    return TemplateKey.REFUND_REQUEST_RECEIVED


@dataclass(frozen=True)
class RefundArrival:
    expected_from: date
    expected_by: date


def store_refund_arrival(issued_on: date, country_code: str | None) -> RefundArrival:
    """When a refund issued on the store shows on the customer's statement, in their country's business days."""
    earliest, latest = STORE_REFUND_BUSINESS_DAYS
    return RefundArrival(add_business_days(issued_on, earliest, country_code),
                         add_business_days(issued_on, latest, country_code))


def reply_by(today: date, country_code: str | None) -> date:
    """The day by which we promise the customer an answer."""
    return add_business_days(today, REPLY_WITHIN_BUSINESS_DAYS, country_code)


def long_date(day: date) -> str:
    """A date as a customer reads it: 'Monday 3 March 2025'."""
    return f"{day:%A} {day.day} {day:%B %Y}"
