"""Messages to a supplier's seller written from templates, with the supplier order's facts filled in.

A template is plain text with `{placeholder}` fields (`string.Formatter` syntax). Only the names in
`PLACEHOLDERS` exist, and only as plain names: an attribute, an index or a format spec is refused, so
a template (one day edited by the merchant) can never reach into Python objects.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ordercenter.domain.errors import InvalidInput

FREE_MESSAGE = "free"  # the merchant's own words, no template

PLACEHOLDERS: dict[str, str] = {
    "number": "the supplier's order number",
    "seller": "the seller's store name",
    "order_name": "our store order's name (#1001)",
    "tracking": "the tracking numbers, or 'no tracking number yet'",
    "placed_on": "the day the order was placed",
    "paid_on": "the day it was paid",
    "shipped_on": "the day it shipped",
    "delivered_on": "the day it was delivered",
    "amount": "what the order cost",
    "packaging_note": "the packaging wishes sent with the order",
    "waiting_since": "when our unanswered message was sent",
}


@dataclass(frozen=True)
class MessageTemplate:
    key: str
    title: str
    body: str


TEMPLATES: dict[str, MessageTemplate] = {t.key: t for t in (
    MessageTemplate(
        "tracking_not_updating", "Tracking not updating",
        "Hello {seller},\n\n"
        "The tracking of order {number} ({tracking}) has not moved for several days. It shipped on "
        "{shipped_on}. Could you please check with the carrier and tell us where the parcel is and when it "
        "will arrive? If it is lost, please send a replacement or refund it.\n\nThank you."),
    MessageTemplate(
        "custom_packaging_request", "Custom packaging request",
        "Hello {seller},\n\n"
        "For order {number}, placed on {placed_on}, please follow our packaging wishes: {packaging_note}\n"
        "This is a dropshipping order sent straight to our customer. Could you please confirm before "
        "shipping?\n\nThank you."),
    MessageTemplate(
        "wrong_item_received", "Wrong item received",
        "Hello {seller},\n\n"
        "Our customer received order {number} (delivered on {delivered_on}), but the item is not the one we "
        "ordered. Could you please send the right item or refund the order ({amount})? We can send photos "
        "of what arrived.\n\nThank you."),
    MessageTemplate(
        "where_is_my_refund", "Where is my refund?",
        "Hello {seller},\n\n"
        "We are still waiting for the refund of order {number} ({amount}). Could you please tell us when it "
        "was issued and when it will reach our payment method?\n\nThank you."),
    MessageTemplate(
        "follow_up", "Follow-up",
        "Hello {seller},\n\n"
        "We wrote to you on {waiting_since} about order {number} and have not heard back yet. Could you "
        "please answer within 48 hours? Otherwise we will have to open a dispute with AliExpress.\n\n"
        "Thank you."),
)}


@dataclass(frozen=True)
class MessageFacts:
    """What a template may say about one supplier order (times aware UTC; None when not happened yet)."""

    number: str
    seller: str
    order_name: str
    tracking_numbers: tuple[str, ...] = ()
    placed_at: datetime | None = None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    amount: str = ""
    packaging_note: str = ""
    waiting_since: datetime | None = None


def _day(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d") if at else "not yet"


def placeholder_values(facts: MessageFacts) -> dict[str, str]:
    """Every placeholder's text for this supplier order."""
    return {
        "number": facts.number,
        "seller": facts.seller or "seller",
        "order_name": facts.order_name,
        "tracking": ", ".join(facts.tracking_numbers) or "no tracking number yet",
        "placed_on": _day(facts.placed_at),
        "paid_on": _day(facts.paid_at),
        "shipped_on": _day(facts.shipped_at),
        "delivered_on": _day(facts.delivered_at),
        "amount": facts.amount or "the amount paid",
        "packaging_note": facts.packaging_note or "no invoice or prices in the parcel",
        "waiting_since": facts.waiting_since.strftime("%Y-%m-%d %H:%M UTC") if facts.waiting_since else "earlier",
    }


def render(body: str, values: Mapping[str, str], *, field: str = "template") -> str:
    """The template text with its placeholders filled; an unknown or malformed placeholder is InvalidInput."""
    parts: list[str] = []
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError as error:  # a lone "{" or "}"
        raise InvalidInput(f"the template is malformed: {error}", field=field) from None
    for literal, name, spec, conversion in parsed:
        parts.append(literal)
        if name is None:
            continue
        if name not in values or spec or conversion:
            known = ", ".join("{" + key + "}" for key in values)
            raise InvalidInput(f"unknown placeholder {{{name}}} in the template; known ones: {known}", field=field)
        parts.append(values[name])
    return "".join(parts)


def template(key: str) -> MessageTemplate:
    """The template with this key, or InvalidInput naming the `template` field and the keys there are."""
    found = TEMPLATES.get(key.strip())
    if found is None:
        keys = ", ".join([*TEMPLATES, FREE_MESSAGE])
        raise InvalidInput(f"unknown template '{key}'; choose one of {keys}", field="template")
    return found


def compose(*, text: str | None, template_key: str | None, facts: MessageFacts) -> str:
    """The message to send: the merchant's text when given (a free message, or a template they edited),
    otherwise the template filled in. An empty message is InvalidInput naming `text`."""
    chosen = template_key.strip() if template_key is not None else None
    if chosen is not None and chosen != FREE_MESSAGE:
        proposal = render(template(chosen).body, placeholder_values(facts))
    else:
        proposal = None
    if text is not None:
        body = text.strip()
    elif proposal is not None:
        body = proposal
    else:
        body = ""
    if not body:
        raise InvalidInput("the message is empty: write a text, or choose a template", field="text")
    return body
