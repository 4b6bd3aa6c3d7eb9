"""Product-mapping rules: what a merchant may say about a variant, and how it is cleaned up."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.mappings import (
    MappingInput,
    ProductMapping,
    apply_mapping,
    choose_mapping,
    new_mapping,
    validate_mapping,
)
from tests.factories import T0

GOOD = MappingInput(variant_id="40000000001", supplier_product_id="1005001234567890", sku_attr="14:193#Black")


def refused_field(data: MappingInput) -> str | None:
    with pytest.raises(InvalidInput) as caught:
        validate_mapping(data)
    return caught.value.field


def test_a_shopify_variant_gid_is_stored_as_its_number() -> None:
    clean = validate_mapping(replace(GOOD, variant_id=" gid://shopify/ProductVariant/40000000001 "))
    assert clean.variant_id == "40000000001"


def test_the_ship_to_country_is_upper_cased_and_blank_means_every_country() -> None:
    assert validate_mapping(replace(GOOD, ship_to_country=" fr ")).ship_to_country == "FR"
    assert validate_mapping(replace(GOOD, ship_to_country="  ")).ship_to_country == ""


def test_text_fields_are_trimmed_and_empty_optional_ones_become_none() -> None:
    clean = validate_mapping(replace(GOOD, sku_attr="  14:193#Black ", shipping_method=" ",
                                     backup_supplier_product_id="", backup_sku_attr=None))
    assert clean.sku_attr == "14:193#Black"
    assert clean.shipping_method is None
    assert clean.backup_supplier_product_id is None


@pytest.mark.parametrize(("change", "field"), [
    ({"variant_id": ""}, "variant_id"),
    ({"variant_id": "abc"}, "variant_id"),
    ({"variant_id": "gid://shopify/Product/123"}, "variant_id"),
    ({"variant_id": "٣٤"}, "variant_id"),  # non-ASCII digits are not a Shopify id
    ({"supplier_product_id": ""}, "supplier_product_id"),
    ({"supplier_product_id": "https://aliexpress.com/item/1.html"}, "supplier_product_id"),
    ({"ship_to_country": "FRA"}, "ship_to_country"),
    ({"ship_to_country": "F1"}, "ship_to_country"),
    ({"units_per_item": 0}, "units_per_item"),
    ({"units_per_item": -2}, "units_per_item"),
    ({"supplier_account_id": 0}, "supplier_account_id"),
    ({"backup_supplier_product_id": "x12"}, "backup_supplier_product_id"),
    ({"sku_attr": "x" * 501}, "sku_attr"),
])
def test_bad_input_is_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    assert refused_field(replace(GOOD, **change)) == field  # type: ignore[arg-type]


def test_a_backup_sku_or_shipping_method_needs_a_backup_product() -> None:
    assert refused_field(replace(GOOD, backup_sku_attr="14:29#Red")) == "backup_sku_attr"
    assert refused_field(replace(GOOD, backup_shipping_method="EMS")) == "backup_shipping_method"


def test_a_backup_identical_to_the_primary_is_refused() -> None:
    same = replace(GOOD, backup_supplier_product_id=GOOD.supplier_product_id, backup_sku_attr=GOOD.sku_attr)
    assert refused_field(same) == "backup_supplier_product_id"


def test_a_backup_may_be_another_sku_of_the_same_product() -> None:
    other_colour = replace(GOOD, backup_supplier_product_id=GOOD.supplier_product_id, backup_sku_attr="14:29#Red")
    assert validate_mapping(other_colour).backup_sku_attr == "14:29#Red"


def test_applying_the_same_input_again_changes_nothing() -> None:
    mapping = new_mapping(1, validate_mapping(GOOD), T0)
    assert apply_mapping(mapping, validate_mapping(GOOD), T0.replace(hour=12)) is False
    assert mapping.updated_at == T0


def test_applying_a_new_input_replaces_every_field_and_stamps_the_time() -> None:
    mapping = new_mapping(1, validate_mapping(replace(GOOD, shipping_method="EMS")), T0)
    later = T0.replace(hour=12)
    assert apply_mapping(mapping, validate_mapping(replace(GOOD, units_per_item=2)), later) is True
    assert (mapping.units_per_item, mapping.shipping_method, mapping.updated_at) == (2, None, later)


def test_the_mapping_for_the_destination_country_wins_over_the_default() -> None:
    default = new_mapping(1, validate_mapping(GOOD), T0)
    france = new_mapping(1, validate_mapping(replace(GOOD, ship_to_country="FR", supplier_product_id="9")), T0)
    candidates: list[ProductMapping] = [default, france]
    assert choose_mapping(candidates, "fr") is france
    assert choose_mapping(candidates, "DE") is default
    assert choose_mapping([france], "DE") is None
