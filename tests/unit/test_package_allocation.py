"""Which store lines each package fulfils, and carrier tracking pages."""

from __future__ import annotations

from ordercenter.domain.package_allocation import LineToShip, PackedItem, allocate_package, tracking_url

LINES = [LineToShip(1, 11, "1005001", "14:175", 2, 2), LineToShip(2, 12, "1005002", "", 1, 1)]


def test_a_package_that_lists_its_items_fulfils_only_those() -> None:
    [only] = allocate_package(LINES, {}, [PackedItem("1005002", "", 1)], first_package=True)
    assert (only.line_item_id, only.quantity, only.store_quantity) == (12, 1, 1)


def test_a_package_never_takes_more_than_earlier_packages_left() -> None:
    [only] = allocate_package(LINES, {1: 1}, [PackedItem("1005001", "14:175", 2)], first_package=False)
    assert (only.quantity, only.store_quantity) == (1, 1)


def test_without_an_item_list_the_first_package_takes_the_whole_order() -> None:
    taken = allocate_package(LINES, {}, [], first_package=True)
    assert [(a.line_item_id, a.store_quantity) for a in taken] == [(11, 2), (12, 1)]


def test_without_an_item_list_a_later_package_takes_nothing() -> None:
    assert allocate_package(LINES, {1: 2, 2: 1}, [], first_package=False) == []


def test_supplier_units_convert_to_store_units_so_the_store_line_ends_whole() -> None:
    pack_of_two = [LineToShip(1, 11, "1005001", "", 4, 2)]  # 2 supplier items per store item
    first = allocate_package(pack_of_two, {}, [PackedItem("1005001", "", 3)], first_package=True)
    rest = allocate_package(pack_of_two, {1: 3}, [PackedItem("1005001", "", 1)], first_package=False)
    assert first[0].store_quantity + rest[0].store_quantity == 2


def test_known_carriers_get_their_tracking_page_and_others_none() -> None:
    assert tracking_url("Cainiao", "LP0012") == "https://global.cainiao.com/detail.htm?mailNoList=LP0012"
    assert tracking_url("AliExpress Standard Shipping", "LP0012") == (
        "https://global.cainiao.com/detail.htm?mailNoList=LP0012")
    assert tracking_url("YunExpress", "YT1") == "https://www.yuntrack.com/parcelTracking?id=YT1"
    assert tracking_url("Some Local Post", "X1") is None
