"""Products and freight from the sandbox, as SupplierProduct and FreightOption."""

from decimal import Decimal

import pytest

from ordercenter.adapters.aliexpress import SandboxAliExpressClient
from ordercenter.adapters.ports import SupplierError, SupplierErrorKind
from ordercenter.domain.money import Money
from tests.aliexpress.aliexpress_fixtures import CABLE, EARBUDS, MUG, POWER_BANK


def test_a_product_comes_with_its_skus_prices_stock_and_seller(client: SandboxAliExpressClient) -> None:
    product = client.get_product(CABLE, "US")

    assert product.title == "USB-C Fast Charging Cable 2m Braided"
    assert product.seller_name == "Shenzhen Gadget Hub Store"
    assert [(s.sku_attr, s.price, s.stock) for s in product.skus] == [
        ("14:193", Money(Decimal("2.35"), "USD"), 500), ("14:29", Money(Decimal("2.35"), "USD"), 320)]


def test_an_out_of_stock_product_shows_zero_stock(client: SandboxAliExpressClient) -> None:
    assert {sku.stock for sku in client.get_product(EARBUDS, "US").skus} == {0}


def test_an_unknown_product_is_product_not_found(client: SandboxAliExpressClient) -> None:
    with pytest.raises(SupplierError) as caught:
        client.get_product("1005000000000000", "US")

    assert caught.value.kind is SupplierErrorKind.PRODUCT_NOT_FOUND
    assert caught.value.supplier_code == "ITEM_ID_NOT_FOUND"


def test_freight_lists_tracked_and_untracked_methods_with_delivery_days(client: SandboxAliExpressClient) -> None:
    options = {o.code: o for o in client.quote_freight(POWER_BANK, "1200000020001", 1, "DE")}

    assert set(options) == {"CAINIAO_STANDARD", "CAINIAO_PREMIUM", "CAINIAO_SUPER_ECONOMY"}
    assert options["CAINIAO_STANDARD"].company == "AliExpress Standard Shipping"
    assert options["CAINIAO_STANDARD"].cost == Money(Decimal("3.99"), "USD")
    assert options["CAINIAO_STANDARD"].guaranteed_days == 75
    assert options["CAINIAO_SUPER_ECONOMY"].tracked is False
    assert (options["CAINIAO_PREMIUM"].min_days, options["CAINIAO_PREMIUM"].max_days) == (4, 8)


def test_free_shipping_products_cost_nothing_to_ship_by_standard(client: SandboxAliExpressClient) -> None:
    options = {o.code: o for o in client.quote_freight(CABLE, "1200000010001", 1, "US")}

    assert options["CAINIAO_STANDARD"].cost.is_zero
    assert not options["CAINIAO_PREMIUM"].cost.is_zero


def test_threshold_free_shipping_applies_only_from_the_threshold(client: SandboxAliExpressClient) -> None:
    one_mug = {o.code: o for o in client.quote_freight(MUG, "1200000050001", 1, "US")}  # 6.80 < 15
    three_mugs = {o.code: o for o in client.quote_freight(MUG, "1200000050001", 3, "US")}  # 20.40 >= 15

    assert one_mug["CAINIAO_STANDARD"].cost == Money(Decimal("4.99"), "USD")
    assert three_mugs["CAINIAO_STANDARD"].cost.is_zero


def test_a_sku_that_cannot_ship_to_the_country_is_delivery_not_available(client: SandboxAliExpressClient) -> None:
    with pytest.raises(SupplierError) as caught:
        client.quote_freight(POWER_BANK, "1200000020002", 1, "AU")

    assert caught.value.kind is SupplierErrorKind.DELIVERY_NOT_AVAILABLE
    assert caught.value.supplier_code == "DELIVERY_NOT_AVAILABLE_TO_YOUR_ADDRESS"
    assert client.quote_freight(POWER_BANK, "1200000020001", 1, "AU")  # the smaller battery may fly


def test_a_country_the_sellers_do_not_serve_gets_no_delivery(client: SandboxAliExpressClient) -> None:
    with pytest.raises(SupplierError) as caught:
        client.quote_freight(CABLE, "1200000010001", 1, "AQ")

    assert caught.value.kind is SupplierErrorKind.DELIVERY_NOT_AVAILABLE
