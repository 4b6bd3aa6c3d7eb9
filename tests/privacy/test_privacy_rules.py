"""The pure rules: what a privacy webhook's body must hold, and what an erasure takes out of a text."""

from __future__ import annotations

from typing import Any

import pytest

from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.privacy import (
    ERASED,
    PrivacyRequestKind,
    erased_address,
    personal_values,
    read_compliance,
    scrub,
)

SHOP = {"shop_id": 954889, "shop_domain": "snowdevil.myshopify.com"}


def test_the_three_bodies_shopify_documents_are_read() -> None:
    asked = read_compliance("customers/data_request", {
        **SHOP, "orders_requested": [299938, 280263], "data_request": {"id": 9999},
        "customer": {"id": 191167, "email": "John@Example.com", "phone": "555-625-1199"}})
    assert (asked.kind, asked.customer_id, asked.email, asked.phone) == (
        PrivacyRequestKind.DATA_REQUEST, "191167", "john@example.com", "555-625-1199")
    assert (asked.order_ids, asked.data_request_id) == (("299938", "280263"), "9999")
    erase = read_compliance("customers/redact", {**SHOP, "customer": {"email": "john@example.com"},
                                                  "orders_to_redact": [299938]})
    assert (erase.kind, erase.customer_id, erase.order_ids) == (PrivacyRequestKind.CUSTOMER_REDACT, None, ("299938",))
    assert read_compliance("shop/redact", SHOP).kind is PrivacyRequestKind.SHOP_REDACT


@pytest.mark.parametrize(("topic", "body", "field"), [
    ("shop/redact", {"shop_id": 1}, "shop_domain"),
    ("shop/redact", {"shop_domain": "a.myshopify.com"}, "shop_id"),
    ("customers/redact", {**SHOP, "orders_to_redact": []}, "customer"),
    ("customers/redact", {**SHOP, "customer": {"phone": "1"}}, "customer.id"),
    ("customers/redact", {**SHOP, "customer": {"id": "abc"}}, "customer.id"),
    ("customers/redact", {**SHOP, "customer": {"id": 1}, "orders_to_redact": "299938"}, "orders_to_redact"),
    ("customers/redact", {**SHOP, "customer": {"id": 1}, "orders_to_redact": [1, None, "x"]}, "orders_to_redact[2]"),
    ("customers/data_request", {**SHOP, "customer": {"id": 1}, "orders_requested": []}, "data_request.id"),
])
def test_a_body_missing_what_the_request_needs_is_refused_naming_the_field(topic: str, body: dict[str, Any],
                                                                            field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_compliance(topic, body)
    assert refused.value.field == field


def test_scrubbing_replaces_whole_values_in_any_case_and_leaves_other_words() -> None:
    values = personal_values(emails=["ann.lee@example.com"], names=["Ann Lee"],
                             addresses=[{"address1": "4 Elm Row", "city": "Leeds", "country": "United Kingdom"}],
                             phones=["+4411300000"])
    text = "ANN LEE (ann.lee@example.com, +4411300000) of 4 Elm Row, Leeds asked; Annual Leeway report."
    assert scrub(text, values) == (f"{ERASED} ({ERASED}, {ERASED}) of {ERASED}, {ERASED} asked; "
                                   "Annual Leeway report.")
    assert "United Kingdom" not in values


def test_an_erased_address_keeps_its_region_only() -> None:
    assert erased_address({"name": "Ann Lee", "address1": "4 Elm Row", "zip": "LS1", "phone": "1",
                           "country": "United Kingdom", "country_code": "GB", "province": "England"}) == {
        "name": "", "address1": "", "zip": "", "phone": "", "country": "United Kingdom", "country_code": "GB",
        "province": "England"}
    assert erased_address(None) is None
