"""Mapping use cases on a real database: saving, country routing, CSV import and the orders they unblock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercenter.bootstrap import Container
from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.mappings import MappingInput, choose_mapping
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import AttentionReason, Stage
from ordercenter.domain.suppliers import SupplierAccount, SupplierPlatformKind
from ordercenter.services.ingestion import import_order
from ordercenter.services.mappings import (
    delete_mapping,
    import_mappings_csv,
    list_mappings,
    save_mapping,
)
from tests.factories import T0, snapshot

VARIANT_1 = "40000000001"  # the variants of the lines `snapshot()` builds
VARIANT_2 = "40000000002"
HEADER = ("variant_id,supplier_product_id,sku_attr,shipping_method,ship_to_country,units_per_item,"
          "backup_supplier_product_id,backup_sku_attr,backup_shipping_method\n")


def add_shop(container: Container, domain: str = "maps.myshopify.com") -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=domain, name=domain, currency="EUR", created_at=T0))
        uow.commit()
        return shop.id


@pytest.fixture
def shop_id(container: Container) -> int:
    return add_shop(container)


def mapping(variant_id: str = VARIANT_1, product: str = "1005001", **fields: object) -> MappingInput:
    return MappingInput(variant_id=variant_id, supplier_product_id=product, **fields)  # type: ignore[arg-type]


def order_stage(container: Container, shop_id: int, order_id: int) -> tuple[Stage, AttentionReason | None]:
    with container.uow() as uow:
        order = uow.orders.get(shop_id, order_id)
        assert order is not None
        return order.stage, order.attention_reason


def test_saving_the_same_variant_and_country_again_updates_the_mapping(container: Container, shop_id: int) -> None:
    first = save_mapping(container.uow(), shop_id, mapping(sku_attr="14:193"), T0)
    later = T0 + timedelta(hours=1)
    second = save_mapping(container.uow(), shop_id, mapping(variant_id=f"gid://shopify/ProductVariant/{VARIANT_1}",
                                                            sku_attr="14:29", units_per_item=2), later)
    assert first.created and not second.created
    assert second.mapping.id == first.mapping.id
    page = list_mappings(container.uow(), shop_id)
    assert page.count == 1
    stored = page.mappings[0]
    assert (stored.sku_attr, stored.units_per_item, stored.created_at, stored.updated_at) == ("14:29", 2, T0, later)


def test_invalid_input_names_the_field_and_saves_nothing(container: Container, shop_id: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        save_mapping(container.uow(), shop_id, mapping(ship_to_country="France"), T0)
    assert caught.value.field == "ship_to_country"
    assert list_mappings(container.uow(), shop_id).count == 0


def test_a_supplier_account_of_another_shop_is_refused(container: Container, shop_id: int) -> None:
    other_shop = add_shop(container, "other.myshopify.com")
    with container.uow() as uow:
        account = uow.supplier_accounts.add(SupplierAccount(
            shop_id=other_shop, platform=SupplierPlatformKind.ALIEXPRESS, name="theirs", app_key="k",
            app_secret_encrypted="x", created_at=T0))
        uow.commit()
        account_id = account.id
    with pytest.raises(InvalidInput) as caught:
        save_mapping(container.uow(), shop_id, mapping(supplier_account_id=account_id), T0)
    assert caught.value.field == "supplier_account_id"
    assert save_mapping(container.uow(), other_shop, mapping(supplier_account_id=account_id), T0).created


def test_a_country_mapping_wins_over_the_default_for_orders_shipped_there(container: Container,
                                                                          shop_id: int) -> None:
    save_mapping(container.uow(), shop_id, mapping(product="111"), T0)
    save_mapping(container.uow(), shop_id, mapping(product="222", ship_to_country="fr"), T0)
    with container.uow() as uow:
        candidates = list(uow.mappings.for_variants(shop_id, {VARIANT_1}))
    chosen_fr, chosen_de = choose_mapping(candidates, "FR"), choose_mapping(candidates, "DE")
    assert chosen_fr is not None and chosen_fr.supplier_product_id == "222"
    assert chosen_de is not None and chosen_de.supplier_product_id == "111"


def test_an_unmapped_order_becomes_ready_to_order_once_its_variants_are_mapped(
        container: Container, shop_id: int) -> None:
    # given an order whose two variants have no mapping
    order = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="test")
    assert order_stage(container, shop_id, order.order_id) == (Stage.NEEDS_ATTENTION, AttentionReason.UNMAPPED_ITEM)
    # when the first variant is mapped, one line is still unmapped
    first = save_mapping(container.uow(), shop_id, mapping(VARIANT_1), T0)
    assert first.orders_refreshed == 1
    assert order_stage(container, shop_id, order.order_id)[0] is Stage.NEEDS_ATTENTION
    # when the second is mapped
    save_mapping(container.uow(), shop_id, mapping(VARIANT_2, "1005002"), T0 + timedelta(minutes=1))
    # then the order can be placed, and the timeline says so
    assert order_stage(container, shop_id, order.order_id) == (Stage.TO_ORDER, None)
    with container.uow() as uow:
        events = uow.events.for_order(shop_id, order.order_id)
    assert events[-1].type is OrderEventType.STAGE_CHANGED
    assert events[-1].parameters["new"] == Stage.TO_ORDER.value


def test_deleting_a_mapping_sends_a_waiting_order_back_to_needs_attention(container: Container,
                                                                          shop_id: int) -> None:
    save_mapping(container.uow(), shop_id, mapping(VARIANT_1), T0)
    second = save_mapping(container.uow(), shop_id, mapping(VARIANT_2, "1005002"), T0)
    order = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="test")
    assert order.stage is Stage.TO_ORDER
    assert delete_mapping(container.uow(), shop_id, second.mapping.id, T0) == 1
    assert order_stage(container, shop_id, order.order_id) == (Stage.NEEDS_ATTENTION, AttentionReason.UNMAPPED_ITEM)
    with pytest.raises(NotFound):
        delete_mapping(container.uow(), shop_id, second.mapping.id, T0)


def test_a_csv_saves_the_good_rows_and_reports_each_bad_one(container: Container, shop_id: int) -> None:
    order = import_order(container.uow(), shop_id=shop_id, snapshot=snapshot(), at=T0, source="test")
    text = HEADER + (
        f"{VARIANT_1},1005001,14:193#Black,CAINIAO_STANDARD,,1,1005009,14:193#Black,\n"  # row 2: good
        "abc,1005001,,,,,,,\n"                                                          # row 3: bad variant
        f"{VARIANT_2},1005002,,,FRA,,,,\n"                                              # row 4: bad country
        f"{VARIANT_2},1005002,,,,two,,,\n"                                              # row 5: bad units
        f"{VARIANT_2},1005002,,,,,,14:29,\n"                                            # row 6: backup sku, no product
        "\n"                                                                            # row 7: blank, skipped
        f"gid://shopify/ProductVariant/{VARIANT_2},1005002,,,fr,,,,\n"                  # row 8: good
        f"{VARIANT_2},1005002,,,,,,,\n"                                                 # row 9: good
    )
    report = import_mappings_csv(container.uow(), shop_id, text, T0)
    assert (report.rows, report.created, report.updated, report.failed) == (7, 3, 0, 4)
    assert [(e.row, e.field) for e in report.errors] == [
        (3, "variant_id"), (4, "ship_to_country"), (5, "units_per_item"), (6, "backup_sku_attr")]
    assert all(e.message for e in report.errors)
    assert report.errors[0].variant_id == "abc"
    saved = {(m.variant_id, m.ship_to_country): m for m in list_mappings(container.uow(), shop_id).mappings}
    assert set(saved) == {(VARIANT_1, ""), (VARIANT_2, "FR"), (VARIANT_2, "")}
    assert saved[(VARIANT_1, "")].backup_supplier_product_id == "1005009"
    # the batch re-checked the waiting order once, and it can now be placed
    assert report.orders_refreshed == 1
    assert order_stage(container, shop_id, order.order_id)[0] is Stage.TO_ORDER


def test_importing_the_same_csv_again_changes_nothing(container: Container, shop_id: int) -> None:
    text = HEADER + f"{VARIANT_1},1005001,,,,,,,\n"
    import_mappings_csv(container.uow(), shop_id, text, T0)
    again = import_mappings_csv(container.uow(), shop_id, text, T0 + timedelta(hours=1))
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 1, 0)


def test_a_csv_row_repeating_an_earlier_variant_and_country_is_reported(container: Container, shop_id: int) -> None:
    text = "variant_id,supplier_product_id\n" + f"{VARIANT_1},111\n{VARIANT_1},222\n"
    report = import_mappings_csv(container.uow(), shop_id, text, T0)
    assert (report.created, report.failed) == (1, 1)
    assert (report.errors[0].row, report.errors[0].field) == (3, "variant_id")
    assert list_mappings(container.uow(), shop_id).mappings[0].supplier_product_id == "111"


def test_a_semicolon_csv_with_a_byte_order_mark_and_only_required_columns_is_read(container: Container,
                                                                                  shop_id: int) -> None:
    text = "\ufeffVariant_ID; supplier_product_id\r\n" + f"{VARIANT_1};1005001\r\n"
    report = import_mappings_csv(container.uow(), shop_id, text, T0)
    assert (report.created, report.failed) == (1, 0)


def test_unknown_columns_are_named_and_nothing_is_imported(container: Container, shop_id: int) -> None:
    text = "variant_id,supplier_product_id,colour,price\n" + f"{VARIANT_1},1005001,red,3\n"
    with pytest.raises(InvalidInput) as caught:
        import_mappings_csv(container.uow(), shop_id, text, T0)
    assert caught.value.field == "columns"
    assert "colour" in caught.value.message and "price" in caught.value.message
    assert list_mappings(container.uow(), shop_id).count == 0


def test_a_csv_without_a_required_column_is_refused(container: Container, shop_id: int) -> None:
    with pytest.raises(InvalidInput, match="supplier_product_id") as caught:
        import_mappings_csv(container.uow(), shop_id, f"variant_id,sku_attr\n{VARIANT_1},14:193\n", T0)
    assert caught.value.field == "columns"


def test_mappings_are_listed_newest_first_in_keyset_pages_and_filtered(container: Container, shop_id: int) -> None:
    for i in range(1, 6):
        save_mapping(container.uow(), shop_id, mapping(str(40_000_000_000 + i), product=str(900 + i % 2)), T0)
    save_mapping(container.uow(), shop_id,
                 mapping(str(50_000_000_000), product="777", backup_supplier_product_id="901"), T0)
    first = list_mappings(container.uow(), shop_id, limit=4)
    assert first.count == 6 and len(first.mappings) == 4 and first.next_cursor
    rest = list_mappings(container.uow(), shop_id, limit=4, cursor=first.next_cursor)
    ids = [m.id for m in [*first.mappings, *rest.mappings]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6 and rest.next_cursor is None
    # a supplier product matches as primary or as backup
    assert list_mappings(container.uow(), shop_id, supplier_product_id="901").count == 4
    assert list_mappings(container.uow(), shop_id, variant_id=f"gid://shopify/ProductVariant/{VARIANT_2}").count == 1
