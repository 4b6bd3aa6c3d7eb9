"""Each policy at its edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ordercenter.domain.addresses import ShippingAddress
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.policies import (
    PaymentMethod,
    ProtectionRules,
    SellerType,
    add_business_days,
    free_return_rule,
    payment_deadline,
    payment_warning_due,
    protection_days_left,
    protection_open,
    refund_arrival_window,
)

PLACED = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
RULES = ProtectionRules(window_days=90, days_after_delivery=15)


def test_a_return_can_be_opened_on_day_90_after_placing() -> None:
    assert protection_open(PLACED + timedelta(days=90, hours=8), PLACED, RULES)
    assert protection_days_left(PLACED + timedelta(days=90), PLACED, RULES) == 0


def test_a_return_cannot_be_opened_on_day_91() -> None:
    assert not protection_open(PLACED + timedelta(days=91), PLACED, RULES)
    assert protection_days_left(PLACED + timedelta(days=91), PLACED, RULES) == -1


def test_confirmed_delivery_closes_the_window_15_days_later() -> None:
    delivered = PLACED + timedelta(days=20)
    assert protection_open(delivered + timedelta(days=15), PLACED, RULES, delivered)
    assert not protection_open(delivered + timedelta(days=16), PLACED, RULES, delivered)


def test_late_delivery_never_extends_the_window_past_90_days() -> None:
    delivered = PLACED + timedelta(days=85)
    assert not protection_open(PLACED + timedelta(days=91), PLACED, RULES, delivered)


def test_a_supplier_without_the_delivery_rule_keeps_the_whole_window() -> None:
    rules = ProtectionRules(window_days=60, days_after_delivery=None)
    delivered = PLACED + timedelta(days=5)
    assert protection_open(PLACED + timedelta(days=60), PLACED, rules, delivered)
    assert not protection_open(PLACED + timedelta(days=61), PLACED, rules, delivered)


def test_a_window_shorter_than_a_day_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one day"):
        ProtectionRules(window_days=0)


def test_an_unpaid_supplier_order_is_closed_20_days_after_placing() -> None:
    assert payment_deadline(PLACED) == PLACED + timedelta(days=20)


def test_the_payment_warning_starts_three_days_before_the_deadline() -> None:
    deadline = payment_deadline(PLACED)
    assert not payment_warning_due(deadline - timedelta(days=3, seconds=1), deadline)
    assert payment_warning_due(deadline - timedelta(days=3), deadline)
    assert not payment_warning_due(deadline, deadline)


def test_free_returns_depend_on_country_and_seller_type() -> None:
    rule = free_return_rule("fr", SellerType.CHOICE)
    assert rule is not None and rule.return_days == 15
    assert free_return_rule("FR", SellerType.STANDARD) is None
    assert free_return_rule("NG", SellerType.CHOICE) is None


def test_business_days_skip_weekends() -> None:
    friday = date(2026, 3, 6)
    assert add_business_days(friday, 1, None) == date(2026, 3, 9)


def test_a_refund_window_crossing_a_weekend_and_a_holiday_skips_both() -> None:
    # Issued Thursday 2026-12-24 in the US: Christmas (Fri 25) and the weekend do not count.
    window = refund_arrival_window(date(2026, 12, 24), PaymentMethod.CARD, "US")
    assert window.earliest == date(2026, 12, 30)  # Mon 28, Tue 29, Wed 30
    # 20 business days: 25 Dec, 1 Jan and Martin Luther King Day (Mon 18 Jan 2027) are holidays.
    assert window.latest == date(2027, 1, 26)


def test_the_same_refund_elsewhere_counts_only_that_countrys_holidays() -> None:
    # In Germany 26 Dec (a Saturday in 2026) is a holiday too but already a weekend; 25 Dec counts.
    assert refund_arrival_window(date(2026, 12, 24), PaymentMethod.CARD, "DE").earliest == date(2026, 12, 30)
    # With no country only weekends are skipped: Fri 25, Mon 28, Tue 29.
    assert refund_arrival_window(date(2026, 12, 24), PaymentMethod.CARD, None).earliest == date(2026, 12, 29)


def test_an_unknown_payment_method_uses_the_default_3_to_20_days() -> None:
    window = refund_arrival_window(date(2026, 3, 2), None, None)
    assert (window.earliest, window.latest) == (date(2026, 3, 5), date(2026, 3, 30))


def test_an_address_without_city_or_postcode_says_what_is_missing() -> None:
    address = ShippingAddress(name="Jo Li", address1="1 Main St", country_code="US")
    assert address.problems() == ["city is missing", "postal code is missing"]
    assert ShippingAddress(name="Jo Li", address1="1 Main St", city="Dublin", country_code="IE").problems() == []
