"""A shop's reply templates (its own wording, else the built-in one) and the values they are filled with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from ordercenter.domain.customer_refunds import CustomerRefundRequest
from ordercenter.domain.errors import NotFound
from ordercenter.domain.money import Money
from ordercenter.domain.orders import Order
from ordercenter.domain.reply_templates import (
    BUILT_IN,
    PLACEHOLDERS,
    ReplyTemplate,
    TemplateKey,
    check_wording,
    long_date,
    reply_by,
    store_refund_arrival,
    template_key,
)
from ordercenter.domain.returns import ReturnRequest
from ordercenter.services.uow import UnitOfWork


@dataclass(frozen=True)
class TemplateView:
    key: TemplateKey
    title: str
    subject: str
    body: str
    customized: bool  # the shop's own wording, not the built-in one
    updated_at: datetime | None


def _view(key: TemplateKey, row: ReplyTemplate | None) -> TemplateView:
    built_in = BUILT_IN[key]
    if row is None:
        return TemplateView(key, built_in.title, built_in.subject, built_in.body, False, None)
    return TemplateView(key, built_in.title, row.subject, row.body, True, row.updated_at)


def _path_key(key: str) -> TemplateKey:
    try:
        return TemplateKey(key.strip())
    except ValueError:
        known = ", ".join(k.value for k in TemplateKey)
        raise NotFound(f"there is no reply template '{key}'; the templates are {known}", field="key") from None


def templates_of(uow: UnitOfWork, shop_id: int) -> dict[TemplateKey, TemplateView]:
    """Every template as the shop uses it (inside the caller's unit of work)."""
    rows = {row.key: row for row in uow.reply_templates.for_shop(shop_id)}
    return {key: _view(key, rows.get(key.value)) for key in TemplateKey}


def list_templates(uow: UnitOfWork, *, shop_id: int) -> list[TemplateView]:
    """The shop's templates, built-in order."""
    with uow:
        return list(templates_of(uow, shop_id).values())


def get_template(uow: UnitOfWork, *, shop_id: int, key: str) -> TemplateView:
    """One template as the shop uses it; NotFound for a key there is none of."""
    wanted = _path_key(key)
    with uow:
        return _view(wanted, uow.reply_templates.by_key(shop_id, wanted.value))


def save_template(uow: UnitOfWork, *, shop_id: int, key: str, subject: str, body: str, now: datetime) -> TemplateView:
    """Keep the shop's wording of a template, checked by filling it with sample values first."""
    wanted = _path_key(key)
    check_wording(subject, body)
    for attempt in (1, 2):
        with uow:
            row = uow.reply_templates.by_key(shop_id, wanted.value, for_update=True)
            if row is None:
                row = uow.reply_templates.add(ReplyTemplate(shop_id=shop_id, key=wanted.value, subject=subject,
                                                            body=body, updated_at=now))
            else:
                row.subject, row.body, row.updated_at = subject, body, now
            try:
                uow.commit()
            except IntegrityError:
                # Two saves of a new key raced on (shop, key); the second saves again as an update.
                uow.rollback()
                if attempt == 2:
                    raise
                continue
            return _view(wanted, row)
    raise AssertionError("unreachable")  # pragma: no cover


def reset_template(uow: UnitOfWork, *, shop_id: int, key: str) -> TemplateView:
    """Forget the shop's wording of a template: the built-in one applies again."""
    wanted = _path_key(key)
    with uow:
        row = uow.reply_templates.by_key(shop_id, wanted.value, for_update=True)
        if row is not None:
            uow.reply_templates.delete(row)
            uow.commit()
        return _view(wanted, None)


def requested_key(value: str | None) -> TemplateKey | None:
    """The template a reply names (InvalidInput naming `template` for one there is none of)."""
    return template_key(value) if value is not None else None


# ---------------------------------------------------------------- the values a reply is filled with


def reply_values(*, request: CustomerRefundRequest, order: Order, shop_name: str, today: date,
                 refundable: Money, return_request: ReturnRequest | None = None) -> dict[str, str]:
    """Every placeholder's value for this request, in the customer's words (dates in their country's days)."""
    address = order.shipping_address
    country = address.country_code if address else None
    refund_day = request.resolved_at.date() if request.refund_amount is not None and request.resolved_at else today
    arrival = store_refund_arrival(refund_day, country)
    amount = request.refund_amount if request.refund_amount is not None else request.amount_requested
    refund_money = Money(amount, request.currency) if amount is not None else refundable
    requested = Money(request.amount_requested, request.currency) if request.amount_requested is not None \
        else order.total
    first_name = (request.customer_name or "").strip()
    values = {
        "customer_name": first_name or "there",
        "customer_email": request.customer_email,
        "order_name": order.name,
        "shop_name": shop_name,
        "refund_amount": str(refund_money if refund_money.amount > 0 else Money(Decimal(0), order.currency)),
        "requested_amount": str(requested),
        "expected_from": long_date(arrival.expected_from),
        "expected_by": long_date(arrival.expected_by),
        "reply_by": long_date(reply_by(today, country)),
        "return_address": (return_request.return_address if return_request and return_request.return_address
                           else "the address we will send you shortly"),
        "return_ship_by": (long_date(return_request.return_ship_by) if return_request and return_request.return_ship_by
                           else "the date we will send you with the address"),
        "today": long_date(today),
    }
    assert set(values) == set(PLACEHOLDERS)  # every placeholder has a value
    return values
