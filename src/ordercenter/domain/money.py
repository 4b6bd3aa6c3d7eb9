"""Money: a Decimal amount with its ISO 4217 currency. Never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from ordercenter.domain.errors import CurrencyMismatch, InvalidInput

# ISO 4217 minor units where they differ from two.
_MINOR_UNITS = {
    "BHD": 3, "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0,
    "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3, "UGX": 0,
    "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}


def minor_units(currency: str) -> int:
    """How many decimals the currency shows (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


def parse_currency(value: str, *, field: str = "currency") -> str:
    """An upper-case three-letter currency code, or InvalidInput naming the field."""
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise InvalidInput(f"'{value}' is not a three-letter ISO 4217 currency code", field=field)
    return code


# Amounts are stored as NUMERIC(18, 4) (`base.Amount`): 14 digits before the point.
AMOUNT_LIMIT = Decimal(10) ** 14


def parse_amount(value: object, *, field: str = "amount") -> Decimal:
    """A finite Decimal from a string, int or Decimal; floats are refused to keep cents exact."""
    if isinstance(value, float | bool):
        raise InvalidInput("an amount must be given as a decimal string, not a float", field=field)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"'{value}' is not a decimal amount", field=field) from None
    if not amount.is_finite():
        raise InvalidInput(f"'{value}' is not a finite amount", field=field)
    if abs(amount) >= AMOUNT_LIMIT:
        raise InvalidInput(f"'{value}' is larger than any amount Order Center keeps (under {AMOUNT_LIMIT:,})",
                           field=field)
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise InvalidInput("money amounts are Decimal, never float", field="amount")
        object.__setattr__(self, "currency", parse_currency(self.currency))

    @classmethod
    def of(cls, amount: object, currency: str) -> Money:
        return cls(parse_amount(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise InvalidInput("multiply money by an int or a Decimal, never a float")
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def rounded(self) -> Money:
        """Rounded to the currency's minor units, banker's rounding as payment processors do."""
        exponent = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(exponent, rounding=ROUND_HALF_EVEN), self.currency)

    def __str__(self) -> str:
        return f"{self.rounded().amount} {self.currency}"


def total(amounts: list[Money], currency: str) -> Money:
    """The sum of amounts, all in `currency` (zero for an empty list)."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
