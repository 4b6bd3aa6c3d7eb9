"""The shipping address of an order and the check a supplier will apply to it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

# Countries whose carriers reject a parcel without a postal code (those without postcodes are exempt).
_NO_POSTAL_CODE = frozenset({"AE", "AG", "AO", "BS", "BZ", "HK", "IE", "JM", "QA", "TT", "UG", "ZW"})


@dataclass(frozen=True)
class ShippingAddress:
    name: str = ""
    first_name: str = ""
    last_name: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    province: str = ""
    province_code: str = ""
    zip: str = ""
    country: str = ""
    country_code: str = ""
    phone: str = ""
    company: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ShippingAddress | None:
        if not data:
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: str(v or "") for k, v in data.items() if k in known})

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @property
    def full_name(self) -> str:
        return self.name or f"{self.first_name} {self.last_name}".strip()

    @property
    def tax_number(self) -> str | None:
        """A Brazilian CPF (11 digits) or CNPJ (14) written in the company or second address line, which is
        where Brazilian checkouts put it; None when there is none."""
        for text in (self.company, self.address2):
            digits = "".join(ch for ch in text if ch.isdigit())
            if len(digits) in (11, 14):
                return digits
        return None

    def problems(self) -> list[str]:
        """What a supplier would reject, in words; empty when the address can be shipped to."""
        problems = []
        if len(self.full_name) < 2:
            problems.append("recipient name is missing")
        if not self.address1.strip():
            problems.append("street address is missing")
        if not self.city.strip():
            problems.append("city is missing")
        if len(self.country_code) != 2:
            problems.append("country is missing")
        elif not self.zip.strip() and self.country_code.upper() not in _NO_POSTAL_CODE:
            problems.append("postal code is missing")
        return problems
