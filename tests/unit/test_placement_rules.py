"""Planning rules of a supplier purchase, without I/O."""

from __future__ import annotations

from ordercenter.domain.addresses import ShippingAddress
from ordercenter.domain.money import Money
from ordercenter.domain.packaging import PackagingPreferences, effective_preferences, packaging_memo
from ordercenter.domain.placement import (
    OrderPlan,
    PlannedItem,
    ShippingChoice,
    choose_shipping,
    group_by_seller,
    supplier_address_problems,
)
from tests.factories import T0

STANDARD = ShippingChoice("CAINIAO_STANDARD", "Cainiao", Money.of("2.50", "USD"), 10, 20, True, 60)
CHEAP = ShippingChoice("CAINIAO_ECONOMY", "Cainiao", Money.of("0.90", "USD"), 20, 40, False)
EXPRESS = ShippingChoice("DHL", "DHL", Money.of("12.00", "USD"), 3, 6, True)


def item(seller: str, account: int = 1, cost: str = "5.00", quantity: int = 1,
         shipping: ShippingChoice | None = STANDARD) -> PlannedItem:
    return PlannedItem(line_item_id=1, title="x", product_id="1", sku_id="1", sku_attr="", quantity=quantity,
                       unit_cost=Money.of(cost, "USD"), account_id=account, seller_id=seller, seller_name=seller,
                       options=(STANDARD,), shipping=shipping)


def test_the_mappings_shipping_method_wins_when_offered() -> None:
    assert choose_shipping([STANDARD, CHEAP, EXPRESS], "DHL") == EXPRESS


def test_otherwise_the_cheapest_tracked_option_is_chosen() -> None:
    assert choose_shipping([EXPRESS, CHEAP, STANDARD], None) == STANDARD
    assert choose_shipping([EXPRESS, CHEAP, STANDARD], "GONE") == STANDARD


def test_without_tracked_options_the_cheapest_is_chosen_and_none_without_options() -> None:
    assert choose_shipping([CHEAP], None) == CHEAP
    assert choose_shipping([], "DHL") is None


def test_items_are_grouped_per_account_and_seller() -> None:
    groups = group_by_seller([item("a"), item("b"), item("a"), item("a", account=2)])
    assert [(g.account_id, g.seller_id, len(g.items)) for g in groups] == [(1, "a", 2), (1, "b", 1), (2, "a", 1)]
    assert len({g.group_key for g in groups}) == 3


def test_group_cost_adds_items_and_each_items_shipping() -> None:
    [group] = group_by_seller([item("a", cost="4.00", quantity=2), item("a", cost="1.50")])
    assert group.items_cost == Money.of("9.50", "USD")
    assert group.shipping_cost == Money.of("5.00", "USD")


def test_expected_profit_is_sale_minus_supplier_cost_and_none_across_currencies() -> None:
    groups = tuple(group_by_seller([item("a", cost="10.00")]))
    plan = OrderPlan(1, "#1", groups, (), Money.of("30.00", "USD"))
    assert plan.expected_profit == Money.of("17.50", "USD")
    foreign = OrderPlan(1, "#1", groups, (), Money.of("30.00", "EUR"))
    assert foreign.expected_profit is None


def test_a_us_recipient_needs_a_first_and_last_name() -> None:
    assert supplier_address_problems("US", "Cher") != []
    assert supplier_address_problems("US", "Jo Li") == []
    assert supplier_address_problems("FR", "Cher") == []


def test_brazil_needs_the_recipients_cpf() -> None:
    with_cpf = ShippingAddress(name="Ana Lima", company="CPF 123.456.789-09", country_code="BR")
    assert with_cpf.tax_number == "12345678909"
    assert supplier_address_problems("BR", "Ana Lima", with_cpf.tax_number) == []
    assert "CPF" in supplier_address_problems("BR", "Ana Lima", None)[0]


def test_packaging_wishes_become_one_memo_and_a_supplier_override_wins() -> None:
    shop_wide = PackagingPreferences(shop_id=1, supplier_account_key=0, branded_packaging=True,
                                     no_invoice_or_prices=True, no_supplier_logo=False, note="", updated_at=T0)
    override = PackagingPreferences(shop_id=1, supplier_account_key=7, branded_packaging=False,
                                    no_invoice_or_prices=False, no_supplier_logo=True, note="Gift wrap", updated_at=T0)
    assert packaging_memo(shop_wide) == ("Please use our branded packaging. Dropshipping order: no invoice, receipt "
                                         "or prices in the parcel.")
    assert effective_preferences([shop_wide, override], 7) is override
    assert effective_preferences([shop_wide, override], 3) is shop_wide
    assert packaging_memo(override) == "No supplier logo or advertising. Gift wrap."
    assert packaging_memo(None) == ""
