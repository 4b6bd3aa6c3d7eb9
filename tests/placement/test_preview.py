"""Preview before placing: items per seller, shipping choices, cost against sale price, and every blocker."""

from __future__ import annotations

from ordercenter.domain.addresses import ShippingAddress
from ordercenter.domain.placement import BlockerKind
from ordercenter.services.placement_planning import PlacementOptions, preview_orders
from tests.placement.conftest import BANK, EARBUDS, Placement


def test_an_order_is_split_per_seller_with_shipping_cost_and_expected_profit(placement: Placement) -> None:
    order_id = placement.order(currency="USD")
    [plan] = preview_orders(placement.container.uow(), placement.resolver(), shop_id=placement.shop_id,
                            order_ids=[order_id])
    assert plan.placeable, plan.blockers
    assert len(plan.groups) == 2
    assert len({g.seller_id for g in plan.groups}) == 2
    assert all(g.seller_name for g in plan.groups)
    for group in plan.groups:
        for item in group.items:
            assert item.shipping is not None
            assert item.options
    cost = plan.supplier_cost
    assert cost is not None and cost.currency == "USD"
    assert plan.expected_profit == plan.sale_total - cost


def test_the_mapping_shipping_method_is_preselected_when_offered(placement: Placement) -> None:
    order_id = placement.order(currency="USD")
    [plan] = preview_orders(placement.container.uow(), placement.resolver(), shop_id=placement.shop_id,
                            order_ids=[order_id])
    item = plan.groups[0].items[0]
    other = next(o for o in item.options if o.code != item.shipping.code)  # type: ignore[union-attr]
    [chosen] = preview_orders(placement.container.uow(), placement.resolver(), shop_id=placement.shop_id,
                              order_ids=[order_id],
                              options={order_id: PlacementOptions(shipping={item.line_item_id: other.code})})
    assert chosen.groups[0].items[0].shipping == other


def test_an_out_of_stock_product_without_backup_blocks_with_the_reason(placement: Placement) -> None:
    placement.map(3, EARBUDS, "14:193")
    order_id = placement.order(lines=3)
    [plan] = preview_orders(placement.container.uow(), placement.resolver(), shop_id=placement.shop_id,
                            order_ids=[order_id])
    assert not plan.placeable
    [blocker] = plan.blockers
    assert blocker.kind is BlockerKind.OUT_OF_STOCK
    assert "0 in stock" in blocker.message


def test_an_out_of_stock_product_falls_back_to_its_backup(placement: Placement) -> None:
    placement.map(3, EARBUDS, "14:193", backup=(BANK, "200000639:201336100"))
    order_id = placement.order(lines=3)
    [plan] = preview_orders(placement.container.uow(), placement.resolver(), shop_id=placement.shop_id,
                            order_ids=[order_id])
    assert plan.placeable, plan.blockers
    backup_items = [i for g in plan.groups for i in g.items if i.from_backup]
    assert [i.product_id for i in backup_items] == [BANK]


def test_every_reason_an_order_cannot_be_placed_is_listed(placement: Placement) -> None:
    us_single_name = ShippingAddress(name="Cher", address1="1 Main St", city="Austin", zip="73301",
                                     country_code="US")
    order_id = placement.order(lines=4, address=us_single_name)
    [plan] = preview_orders(placement.container.uow(), placement.resolver(), shop_id=placement.shop_id,
                            order_ids=[order_id])
    assert [b.kind for b in plan.blockers] == [
        BlockerKind.INVALID_ADDRESS,  # a US recipient needs a first and a last name
        BlockerKind.UNMAPPED, BlockerKind.UNMAPPED,  # lines 3 and 4 have no mapping
    ]


def test_an_order_not_ready_for_any_other_reason_is_blocked_by_its_stage(placement: Placement) -> None:
    from ordercenter.domain.status import FinancialStatus

    order_id = placement.order(financial=FinancialStatus.PENDING)
    [plan] = preview_orders(placement.container.uow(), placement.resolver(), shop_id=placement.shop_id,
                            order_ids=[order_id])
    assert [(b.kind, b.message) for b in plan.blockers] == [(BlockerKind.NOT_PLACEABLE, "#1001 is at stage unpaid")]


def test_a_destination_the_seller_does_not_serve_is_a_blocker(placement: Placement) -> None:
    placement.map(3, BANK, "200000639:201336101")  # the 20000mAh SKU is not sold to AU
    address = ShippingAddress(name="Ava Jones", address1="1 George St", city="Sydney", zip="2000",
                              country_code="AU")
    order_id = placement.order(lines=3, address=address)
    [plan] = preview_orders(placement.container.uow(), placement.resolver(), shop_id=placement.shop_id,
                            order_ids=[order_id])
    assert any(b.kind in (BlockerKind.SHIPPING_UNAVAILABLE, BlockerKind.PRODUCT_UNAVAILABLE) for b in plan.blockers)
