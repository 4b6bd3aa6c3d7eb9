"""Buyer protection of one supplier order, as the merchant reads it: until when a return/refund can be
opened, the free-return terms for that destination and seller, and when a refund would arrive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ordercenter.domain.policies import (
    DEFAULT_REFUND_ARRIVAL_DAYS,
    REFUND_ARRIVAL_DAYS,
    PaymentMethod,
    ProtectionRules,
    RefundWindow,
    SellerType,
    free_return_rule,
    protection_last_day,
    refund_arrival_window,
)


@dataclass(frozen=True)
class RefundEta:
    """When a refund reaches the payer: `business_days` after it is issued, with the dates if issued on
    `issued_on` (the refund's own day once issued, otherwise today)."""

    method: PaymentMethod
    business_days: tuple[int, int]
    issued_on: date
    window: RefundWindow
    issued: bool  # False: a projection for a refund issued today


@dataclass(frozen=True)
class Protection:
    closes_on: date | None  # the last day a return/refund can be opened (None: not placed yet)
    days_left: int | None  # 0 on the last day, negative once closed
    is_open: bool
    free_return: str | None  # the free-return terms, or None when the buyer pays the return
    refund_eta: RefundEta


def payment_method_of(value: str | None) -> PaymentMethod:
    try:
        return PaymentMethod(value or PaymentMethod.CARD)
    except ValueError:
        return PaymentMethod.CARD


def seller_type_of(value: str | None) -> SellerType:
    try:
        return SellerType(value or SellerType.STANDARD)
    except ValueError:
        return SellerType.STANDARD


def refund_eta(method: PaymentMethod, payer_country: str | None, *, now: datetime,
               issued_at: datetime | None = None) -> RefundEta:
    issued_on = (issued_at or now).date()
    return RefundEta(method=method, business_days=REFUND_ARRIVAL_DAYS.get(method, DEFAULT_REFUND_ARRIVAL_DAYS),
                     issued_on=issued_on, window=refund_arrival_window(issued_on, method, payer_country),
                     issued=issued_at is not None)


def protection(*, placed_at: datetime | None, delivered_at: datetime | None, rules: ProtectionRules,
               ship_to_country: str | None, seller_type: str | None, payment_method: str | None,
               payer_country: str | None, now: datetime, refund_issued_at: datetime | None = None) -> Protection:
    """The protection of a supplier order placed at `placed_at` (None: not placed, nothing to protect yet)."""
    rule = free_return_rule(ship_to_country, seller_type_of(seller_type)) if ship_to_country else None
    free_return = f"free return: {rule.note}" if rule else None
    eta = refund_eta(payment_method_of(payment_method), payer_country, now=now, issued_at=refund_issued_at)
    if placed_at is None:
        return Protection(None, None, False, free_return, eta)
    last = protection_last_day(placed_at, rules, delivered_at)
    days_left = (last - now.date()).days
    return Protection(last, days_left, days_left >= 0, free_return, eta)
