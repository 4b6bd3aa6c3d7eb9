from decimal import Decimal

import pytest

from ordercenter.domain.errors import CurrencyMismatch, InvalidInput
from ordercenter.domain.money import Money, parse_currency, total


def test_adding_money_in_the_same_currency_adds_amounts() -> None:
    assert Money.of("10.10", "eur") + Money.of("0.20", "EUR") == Money(Decimal("10.30"), "EUR")


def test_adding_different_currencies_is_an_error() -> None:
    with pytest.raises(CurrencyMismatch, match="USD with EUR"):
        _ = Money.of("1", "USD") + Money.of("1", "EUR")


def test_comparing_different_currencies_is_an_error() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "USD") < Money.of("2", "EUR")


def test_floats_are_refused_so_cents_stay_exact() -> None:
    with pytest.raises(InvalidInput, match="float"):
        Money.of(0.1, "USD")
    with pytest.raises(InvalidInput, match="float"):
        _ = Money.of("1", "USD") * 1.5  # type: ignore[operator]


def test_rounding_follows_the_currency_minor_units() -> None:
    assert Money.of("100.5", "JPY").rounded().amount == Decimal("100")
    assert Money.of("1.2345", "KWD").rounded().amount == Decimal("1.234")
    assert Money.of("2.675", "USD").rounded().amount == Decimal("2.68")


def test_a_bad_currency_code_names_the_field() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_currency("euro", field="currency")
    assert error.value.field == "currency"


def test_a_non_numeric_amount_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a decimal"):
        Money.of("12,50", "EUR")


def test_total_of_no_amounts_is_zero_in_the_currency() -> None:
    assert total([], "GBP") == Money.zero("GBP")
    assert total([Money.of("1.5", "GBP"), Money.of("2", "GBP")], "GBP") == Money.of("3.5", "GBP")


@pytest.mark.parametrize("amount", ["1e30", "-1e14", "100000000000000", "1e309"])
def test_an_amount_larger_than_any_kept_is_refused_naming_the_field(amount: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Money.of(amount, "EUR")
    assert refused.value.field == "amount"


def test_the_largest_amount_kept_is_accepted() -> None:
    assert Money.of("99999999999999.9999", "EUR").amount == Decimal("99999999999999.9999")
