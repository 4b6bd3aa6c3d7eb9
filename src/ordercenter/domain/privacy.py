"""The store's mandatory privacy requests (customers/data_request, customers/redact, shop/redact), what their
bodies must hold, and what erasing a customer's personal data takes out of a text.

A request is recorded when its webhook is applied and done right after by the background jobs (the
file store is needed: an export is a file, an erasure removes files), so a crash in between loses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.errors import InvalidInput


class PrivacyRequestKind(StrEnum):
    """Which privacy webhook a request came from."""

    DATA_REQUEST = "data_request"  # customers/data_request: what we hold on a customer, as a file for the merchant
    CUSTOMER_REDACT = "customer_redact"  # customers/redact: erase one customer's personal data
    SHOP_REDACT = "shop_redact"  # shop/redact: erase everything of the shop


KIND_OF_TOPIC = {
    "customers/data_request": PrivacyRequestKind.DATA_REQUEST,
    "customers/redact": PrivacyRequestKind.CUSTOMER_REDACT,
    "shop/redact": PrivacyRequestKind.SHOP_REDACT,
}


class PrivacyRequestStatus(StrEnum):
    """Where a privacy request stands."""

    RECEIVED = "received"  # recorded from the webhook; the export or the erasure is due
    COMPLETED = "completed"  # the file is written (data request) or the data is erased
    FAILED = "failed"  # every attempt failed; the last error is kept for the operator


MAX_ATTEMPTS = 10
# What stands where personal data was: in texts kept for their other content, and in erased payloads.
ERASED = "[erased]"
ERASED_BODY = '{"erased": "customers/redact"}'
# Address parts kept after an erasure: a region, not a person (used for supplier history and taxes).
KEPT_ADDRESS_FIELDS = ("country", "country_code", "province", "province_code")
# The order fields an erasure empties (the address keeps its region), named on the timeline, never their values.
ERASED_ORDER_FIELDS = ("email", "customer_name", "shipping_address", "raw_payload")


class PrivacyRequest(Base):
    """One privacy request from the store. Holds the Shopify customer id only, never an e-mail address."""

    __tablename__ = "privacy_requests"
    # A delivery applied twice (a retry after a crash) records its request once.
    __table_args__ = (UniqueConstraint("shop_id", "webhook_delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    kind: Mapped[PrivacyRequestKind]
    status: Mapped[PrivacyRequestStatus] = mapped_column(default=PrivacyRequestStatus.RECEIVED, index=True)
    received_at: Mapped[datetime]
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    customer_ref: Mapped[str | None] = mapped_column(default=None)  # the store's customer id, e.g. "207119551"
    platform_request_id: Mapped[str | None] = mapped_column(default=None)  # data_request.id
    # The delivery whose body names the customer and the orders; read when the work runs.
    webhook_delivery_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_deliveries.id"), default=None)
    file_key: Mapped[str | None] = mapped_column(default=None)  # the export in the file store
    orders_matched: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(default=None)

    def complete(self, at: datetime) -> None:
        self.status, self.completed_at, self.last_error = PrivacyRequestStatus.COMPLETED, at, None

    def mark_failed_attempt(self, error: str) -> None:
        """One more failed attempt: due again on the next sweep, or failed for good after the last one."""
        self.attempts += 1
        self.last_error = error[:1000]
        if self.attempts >= MAX_ATTEMPTS:
            self.status = PrivacyRequestStatus.FAILED


# ---------------------------------------------------------------- the webhook bodies


@dataclass(frozen=True)
class ComplianceBody:
    """What a privacy webhook asks for, read from its body."""

    kind: PrivacyRequestKind
    shop_domain: str
    customer_id: str | None = None
    email: str | None = None
    phone: str | None = None
    order_ids: tuple[str, ...] = ()  # the store's numeric order ids
    data_request_id: str | None = None


def _identifier(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise InvalidInput(f"{field} must be a numeric id", field=field)
    return str(value).strip()


def _text(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field=field)
    return value.strip() or None


def read_compliance(topic: str, payload: Mapping[str, Any]) -> ComplianceBody:
    """The request in a privacy webhook's body, or InvalidInput naming the missing or malformed field."""
    kind = KIND_OF_TOPIC[topic]
    domain = _text(payload.get("shop_domain"), "shop_domain")
    if domain is None:
        raise InvalidInput("a privacy webhook needs its shop_domain", field="shop_domain")
    if _identifier(payload.get("shop_id"), "shop_id") is None:
        raise InvalidInput("a privacy webhook needs its shop_id", field="shop_id")
    if kind is PrivacyRequestKind.SHOP_REDACT:
        return ComplianceBody(kind, domain)
    customer = payload.get("customer")
    if not isinstance(customer, Mapping):
        raise InvalidInput("a customer privacy webhook needs its customer object", field="customer")
    customer_id = _identifier(customer.get("id"), "customer.id")
    email = _text(customer.get("email"), "customer.email")
    if customer_id is None and email is None:
        raise InvalidInput("the customer needs an id or an e-mail address", field="customer.id")
    list_field = "orders_requested" if kind is PrivacyRequestKind.DATA_REQUEST else "orders_to_redact"
    # Shopify always sends the list (empty when the customer has no orders); a missing one is taken as empty.
    raw_ids = payload.get(list_field) or []
    if not isinstance(raw_ids, list):
        raise InvalidInput(f"{list_field} must be a list of order ids", field=list_field)
    order_ids = tuple(i for n, raw in enumerate(raw_ids) if (i := _identifier(raw, f"{list_field}[{n}]")))
    request_id = None
    if kind is PrivacyRequestKind.DATA_REQUEST:
        data_request = payload.get("data_request")
        request_id = _identifier(data_request.get("id"), "data_request.id") \
            if isinstance(data_request, Mapping) else None
        if request_id is None:
            raise InvalidInput("a data request needs its data_request.id", field="data_request.id")
    return ComplianceBody(kind, domain, customer_id, email.lower() if email else None,
                          _text(customer.get("phone"), "customer.phone"), order_ids, request_id)


# ---------------------------------------------------------------- erasing personal data from texts

_SHORTEST = 3  # shorter values ("Al", "1") would erase pieces of unrelated words


def personal_values(*, emails: Iterable[str | None] = (), names: Iterable[str | None] = (),
                    addresses: Iterable[Mapping[str, Any] | None] = (),
                    phones: Iterable[str | None] = ()) -> list[str]:
    """The customer's identifying values worth looking for in free text, longest first."""
    values = {str(v).strip() for v in (*emails, *names, *phones) if v and str(v).strip()}
    for address in addresses:
        for key, value in (address or {}).items():
            if key not in KEPT_ADDRESS_FIELDS and value and str(value).strip():
                values.add(str(value).strip())
    for name in list(values):
        if " " in name and "@" not in name:
            values.update(part for part in name.split() if len(part) >= _SHORTEST)  # "Jane" of "Jane Doe"
    return sorted((v for v in values if len(v) >= _SHORTEST), key=lambda v: (-len(v), v))


def scrub(text: str, values: Iterable[str]) -> str:
    """`text` with each of the values (whole words, any case) replaced by the erased marker."""
    for value in values:
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", ERASED, text, flags=re.IGNORECASE)
    return text


def scrub_json(value: Any, values: list[str]) -> Any:
    """A JSON value with every string in it scrubbed."""
    if isinstance(value, str):
        return scrub(value, values)
    if isinstance(value, list):
        return [scrub_json(v, values) for v in value]
    if isinstance(value, dict):
        return {k: scrub_json(v, values) for k, v in value.items()}
    return value


def erased_address(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The shipping address reduced to its region; None when there was none."""
    if not data:
        return None
    return {key: (data.get(key, "") if key in KEPT_ADDRESS_FIELDS else "") for key in data}
