"""Product mapping in Chromium: the table, editing a row, and a CSV import with a bad row."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import NO_PLAYWRIGHT, Web, assert_accessible, screenshot

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import FilePayload, expect  # noqa: E402  (imported once the skip is passed)

CSV = (
    "variant_id,supplier_product_id,sku_attr,ship_to_country,units_per_item\n"
    "44712345678901,1005006000000001,14:193,,1\n"
    "not-a-variant,1005006000000002,,,1\n"
    "44712345678902,1005006000000003,,FR,two\n"
    "44712345678903,1005006000000004,,,2\n"
)


def test_importing_a_csv_with_bad_rows_saves_the_good_ones_and_reports_each_bad_row(web: Web) -> None:
    page = web.signed_in()
    page.get_by_role("link", name="Product mapping", exact=True).first.click()
    expect(page.get_by_role("heading", name="Product mapping", level=1)).to_be_visible()
    before = web.shop.api.get("/mappings").json()["count"]
    screenshot(page, "mappings")
    assert_accessible(page)
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(files=FilePayload(name="mappings.csv", mimeType="text/csv",
                                                                buffer=CSV.encode()))
    page.get_by_role("button", name="Import").click()
    # then: a line per bad row with its row number, column and reason; the good rows are saved
    expect(page.get_by_role("status")).to_contain_text("2 created")
    expect(page.get_by_role("status")).to_contain_text("2 not imported")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("3")
    expect(rows.nth(0)).to_contain_text("variant_id")
    expect(rows.nth(1)).to_contain_text("units_per_item")
    expect(rows.nth(1)).to_contain_text("'two'")
    screenshot(page, "mappings-import-results")
    assert_accessible(page)
    assert web.shop.api.get("/mappings").json()["count"] == before + 2


def test_editing_a_mapping_keeps_what_was_typed_when_a_field_is_refused(web: Web) -> None:
    mapping = web.shop.api.get("/mappings", params={"limit": 1}).json()["data"][0]
    page = web.signed_in()
    page.goto("/mappings")
    page.get_by_role("link", name=re.compile(rf"Edit the mapping of variant {mapping['variant_id']}")).first.click()
    page.get_by_label("SKU attributes", exact=True).fill("14:771#Blue")
    page.get_by_label("Supplier product id", exact=True).fill("")
    page.get_by_role("button", name="Save").click()
    # then: the error next to the product field, the SKU as typed
    product = page.get_by_label("Supplier product id", exact=True)
    expect(product).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#supplier_product_id-error")).to_be_visible()
    expect(page.get_by_label("SKU attributes", exact=True)).to_have_value("14:771#Blue")
    # when: corrected
    product.fill("1005006000000009")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Mapping for variant {mapping['variant_id']} saved.")
    saved = web.shop.api.get(f"/mappings/{mapping['id']}").json()
    assert (saved["supplier_product_id"], saved["sku_attr"]) == ("1005006000000009", "14:771#Blue")
