"""Business policies as data plus small functions: protection window, payment deadline,
free returns, and when a refund should reach the payer. Time is always passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache, lru_cache

import holidays

from ordercenter.domain.errors import InvalidInput

# ---------------------------------------------------------------- buyer protection


@dataclass(frozen=True)
class ProtectionRules:
    """How long a return/refund can be opened with a supplier.

    `window_days` counts from the day the supplier order was placed (AliExpress: up to 90).
    `days_after_delivery`, when set, closes the window earlier: that many days after the buyer
    confirmed delivery (AliExpress: 15).
    """

    window_days: int = 90
    days_after_delivery: int | None = 15

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise InvalidInput("the protection window must be at least one day", field="window_days")
        if self.days_after_delivery is not None and self.days_after_delivery < 0:
            raise InvalidInput("days after delivery cannot be negative", field="days_after_delivery")


def protection_last_day(placed_at: datetime, rules: ProtectionRules,
                        delivery_confirmed_at: datetime | None = None) -> date:
    """The last (UTC) day on which a return/refund can still be opened; that whole day counts."""
    last = placed_at.date() + timedelta(days=rules.window_days)
    if delivery_confirmed_at is not None and rules.days_after_delivery is not None:
        last = min(last, delivery_confirmed_at.date() + timedelta(days=rules.days_after_delivery))
    return last


def protection_open(now: datetime, placed_at: datetime, rules: ProtectionRules,
                    delivery_confirmed_at: datetime | None = None) -> bool:
    """True while a return/refund can be opened."""
    return now.date() <= protection_last_day(placed_at, rules, delivery_confirmed_at)


def protection_days_left(now: datetime, placed_at: datetime, rules: ProtectionRules,
                         delivery_confirmed_at: datetime | None = None) -> int:
    """Whole days left, 0 on the last day, negative once closed."""
    return (protection_last_day(placed_at, rules, delivery_confirmed_at) - now.date()).days


# ---------------------------------------------------------------- supplier payment

PAYMENT_DEADLINE_DAYS = 20
PAYMENT_WARNING_DAYS = 3


def payment_deadline(placed_at: datetime, days: int = PAYMENT_DEADLINE_DAYS) -> datetime:
    """When an unpaid supplier order is closed by the supplier."""
    return placed_at + timedelta(days=days)


def payment_warning_due(now: datetime, deadline: datetime, warn_days: int = PAYMENT_WARNING_DAYS) -> bool:
    """True from `warn_days` before the deadline until it passes."""
    return deadline - timedelta(days=warn_days) <= now < deadline


def payment_warning_starts(placed_at: datetime, deadline: datetime) -> datetime:
    """When to warn that an unpaid order will be closed: 3 days before, or halfway for a shorter deadline
    (the supplier's own, e.g. one day), so a warning never comes at the very moment the order is placed."""
    return deadline - min(timedelta(days=PAYMENT_WARNING_DAYS), (deadline - placed_at) / 2)


# ---------------------------------------------------------------- free returns


class SellerType(StrEnum):
    """How the seller fulfils, which decides return terms."""

    CHOICE = "choice"  # platform-fulfilled "Choice" items
    STANDARD = "standard"  # ordinary marketplace sellers
    LOCAL_WAREHOUSE = "local_warehouse"  # ships from a warehouse in the buyer's country


@dataclass(frozen=True)
class FreeReturnRule:
    return_days: int  # days after delivery to start the free return
    note: str


_CHOICE_FREE_RETURN_COUNTRIES = frozenset(
    {"US", "GB", "FR", "DE", "ES", "IT", "NL", "BE", "PL", "PT", "KR", "BR", "SA", "AE", "CL", "MX", "IL"}
)
_LOCAL_FREE_RETURN_COUNTRIES = frozenset({"US", "GB", "FR", "DE", "ES", "IT", "PL", "BR"})

FREE_RETURN_TABLE: dict[tuple[SellerType, str], FreeReturnRule] = {
    **{(SellerType.CHOICE, c): FreeReturnRule(15, "one free return per item within 15 days of delivery")
       for c in _CHOICE_FREE_RETURN_COUNTRIES},
    **{(SellerType.LOCAL_WAREHOUSE, c): FreeReturnRule(15, "free return to the local warehouse")
       for c in _LOCAL_FREE_RETURN_COUNTRIES},
}


def free_return_rule(country_code: str, seller_type: SellerType) -> FreeReturnRule | None:
    """The free-return terms for this destination and seller type, or None (the buyer pays the return)."""
    return FREE_RETURN_TABLE.get((seller_type, country_code.upper()))


# ---------------------------------------------------------------- refund arrival


class PaymentMethod(StrEnum):
    """How the payer paid, which decides how long a refund takes to arrive."""

    CARD = "card"  # credit or debit card
    PAYPAL = "paypal"  # PayPal balance or linked account
    BANK_TRANSFER = "bank_transfer"  # wire or local bank transfer
    BALANCE = "balance"  # the platform's own balance or bonus


# Business days from the refund being issued to the money showing on the payer's statement.
REFUND_ARRIVAL_DAYS: dict[PaymentMethod, tuple[int, int]] = {
    PaymentMethod.CARD: (3, 20),
    PaymentMethod.PAYPAL: (3, 20),
    PaymentMethod.BANK_TRANSFER: (3, 20),
    PaymentMethod.BALANCE: (0, 1),
}
DEFAULT_REFUND_ARRIVAL_DAYS = (3, 20)


@cache
def _calendar(country_code: str | None) -> holidays.HolidayBase:
    """The country's working-day calendar: its own weekend and public holidays (Saudi Arabia and Israel
    rest on Friday and Saturday); a country the library does not know gets Saturday-Sunday and no holidays."""
    if country_code:
        try:
            return holidays.country_holidays(country_code.upper())
        except NotImplementedError:
            pass
    return holidays.HolidayBase()


def is_business_day(day: date, country_code: str | None) -> bool:
    return bool(_calendar(country_code).is_working_day(day))


def add_business_days(start: date, days: int, country_code: str | None) -> date:
    """The date `days` business days after `start` (the country's weekend and public holidays skipped)."""
    if days < 0:
        raise InvalidInput("business days cannot be negative", field="days")
    if days == 0:
        return start
    return _nth_working_day(start, days, country_code)


# A page of orders asks the same few questions (today + 3 and + 20 days, per country) many times.
@lru_cache(maxsize=4096)
def _nth_working_day(start: date, days: int, country_code: str | None) -> date:
    nth: date = _calendar(country_code).get_nth_working_day(start, days)
    return nth


@dataclass(frozen=True)
class RefundWindow:
    earliest: date
    latest: date


def refund_arrival_window(issued_on: date, method: PaymentMethod | None,
                          payer_country: str | None) -> RefundWindow:
    """When a refund issued on `issued_on` should reach the payer (3–20 business days by default)."""
    low, high = REFUND_ARRIVAL_DAYS.get(method, DEFAULT_REFUND_ARRIVAL_DAYS) if method else \
        DEFAULT_REFUND_ARRIVAL_DAYS
    return RefundWindow(add_business_days(issued_on, low, payer_country),
                        add_business_days(issued_on, high, payer_country))
