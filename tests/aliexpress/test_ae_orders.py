"""Placing, following and tracking supplier orders against the sandbox."""

from datetime import timedelta

import pytest

from ordercenter.adapters.aliexpress import SandboxAliExpressClient
from ordercenter.adapters.ports import PlacementItem, PlacementRequest, SupplierError, SupplierErrorKind
from ordercenter.sandbox.aliexpress import SandboxSupplier
from tests.aliexpress.aliexpress_fixtures import (
    CABLE,
    EARBUDS,
    MUG,
    POWER_BANK,
    T_SHIRT,
    ClientFactory,
    cable_order,
    us_address,
)


def test_one_request_for_three_sellers_becomes_three_supplier_orders(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    request = PlacementRequest("shop1-2001-a1", us_address(), [
        PlacementItem(CABLE, "14:193", 2), PlacementItem(POWER_BANK, "200000639:201336100", 1),
        PlacementItem(MUG, "14:175", 1), PlacementItem(T_SHIRT, "14:193;5:361386", 1)])

    result = client.place_order(request)

    assert len(result.supplier_order_ids) == 3
    stores = {supplier.order(order_id).store_name for order_id in result.supplier_order_ids}
    assert stores == {"Shenzhen Gadget Hub Store", "Cozy Home Official Store", "Urban Threads Fashion Store"}


def test_an_auto_paid_order_waits_for_the_seller_to_ship(client: SandboxAliExpressClient) -> None:
    [order_id] = client.place_order(cable_order(auto_pay=True, quantity=2)).supplier_order_ids

    state = client.get_order(order_id)

    assert state.status == "WAIT_SELLER_SEND_GOODS"
    assert state.paid_at is not None and state.paid_at.tzinfo is not None
    assert str(state.amount) == "4.70 USD"  # 2 × 2.35, free standard shipping


def test_an_unpaid_order_awaits_payment_and_closes_at_its_pay_deadline(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    [order_id] = client.place_order(cable_order(auto_pay=False, quantity=2)).supplier_order_ids
    awaiting = client.get_order(order_id)
    assert awaiting.status == "PLACE_ORDER_SUCCESS"
    # pay_timeout_second counts from gmt_create: the sandbox closes unpaid orders after 24 hours
    assert awaiting.created_at is not None and awaiting.pay_deadline == awaiting.created_at + timedelta(hours=24)

    supplier.advance_clock(timedelta(hours=25))

    state = client.get_order(order_id)
    assert (state.status, state.end_reason) == ("FINISH", "PAY_TIMEOUT")


def test_shipping_brings_tracking_numbers_and_events(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    [order_id] = client.place_order(cable_order()).supplier_order_ids
    assert client.get_tracking(order_id) == []

    supplier.ship(order_id, tracking_number="LP00123456789012")
    supplier.add_tracking_event(order_id, "Arrived at destination country")
    supplier.deliver(order_id)

    [package] = client.get_tracking(order_id)
    assert (package.number, package.carrier) == ("LP00123456789012", "Cainiao")
    assert package.events[-1].description == "Delivered to the recipient"
    state = client.get_order(order_id)
    assert (state.status, state.logistics_status) == ("WAIT_BUYER_ACCEPT_GOODS", "BUYER_ACCEPT_GOODS")
    supplier.complete(order_id)
    assert client.get_order(order_id).status == "FINISH"


def test_an_address_without_a_city_is_refused_naming_the_city(client: SandboxAliExpressClient) -> None:
    with pytest.raises(SupplierError) as caught:
        client.place_order(cable_order(city=""))

    error = caught.value
    assert (error.kind, error.field) == (SupplierErrorKind.INVALID_ADDRESS, "city")
    assert error.supplier_code == "B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL"
    assert error.supplier_message == "Please enter a city"


def test_an_out_of_stock_item_is_refused_as_out_of_stock(client: SandboxAliExpressClient) -> None:
    request = PlacementRequest("shop1-2002-a1", us_address(), [PlacementItem(EARBUDS, "14:193", 1)])

    with pytest.raises(SupplierError) as caught:
        client.place_order(request)

    assert (caught.value.kind, caught.value.supplier_code) == (SupplierErrorKind.OUT_OF_STOCK, "INVENTORY_HOLD_ERROR")


def test_an_unknown_shipping_method_is_delivery_not_available(client: SandboxAliExpressClient) -> None:
    request = PlacementRequest("shop1-2003-a1", us_address(), [PlacementItem(CABLE, "14:193", 1, "DHL_EXPRESS")])

    with pytest.raises(SupplierError) as caught:
        client.place_order(request)

    assert caught.value.kind is SupplierErrorKind.DELIVERY_NOT_AVAILABLE
    assert caught.value.supplier_code == "DELIVERY_METHOD_NOT_EXIST"


def test_an_unknown_order_id_is_order_not_found(client: SandboxAliExpressClient) -> None:
    with pytest.raises(SupplierError) as caught:
        client.get_order("1")

    assert caught.value.kind is SupplierErrorKind.ORDER_NOT_FOUND


def test_placing_the_same_out_order_id_twice_returns_the_first_orders(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    first = client.place_order(cable_order("shop1-3001-a1"))

    second = client.place_order(cable_order("shop1-3001-a1"))

    assert second == first
    assert len(supplier.orders()) == 1


def test_the_real_client_reports_a_repeat_as_already_placed_without_placing_again(
        make_client: ClientFactory, supplier: SandboxSupplier) -> None:
    from ordercenter.adapters.aliexpress import AliExpressClient

    real = make_client(AliExpressClient)
    real.place_order(cable_order("shop1-3002-a1"))

    with pytest.raises(SupplierError) as caught:
        real.place_order(cable_order("shop1-3002-a1"))

    assert (caught.value.kind, caught.value.supplier_code) == (SupplierErrorKind.ALREADY_PLACED, "REPEATED_ORDER_ERROR")
    assert len(supplier.orders()) == 1


def test_a_timeout_after_the_order_was_committed_ends_with_exactly_one_order(
        make_client: ClientFactory, supplier: SandboxSupplier) -> None:
    client = make_client(timeout=0.3)
    supplier.inject_fault("timeout_after_commit", method="aliexpress.ds.order.create", delay=0.8)

    result = client.place_order(cable_order("shop1-4001-a1"))

    assert result.supplier_order_ids == [order.order_id for order in supplier.orders()]
    assert len(supplier.orders()) == 1


def test_the_real_client_stops_after_an_ambiguous_timeout_and_asks_for_a_check(
        make_client: ClientFactory, supplier: SandboxSupplier) -> None:
    from ordercenter.adapters.aliexpress import AliExpressClient

    real = make_client(AliExpressClient, timeout=0.3)
    supplier.inject_fault("timeout_after_commit", method="aliexpress.ds.order.create", delay=0.8)

    with pytest.raises(SupplierError) as caught:
        real.place_order(cable_order("shop1-4002-a1"))

    assert caught.value.kind is SupplierErrorKind.TRANSIENT
    assert "check My Orders" in caught.value.message
    assert len(supplier.orders()) == 1


def test_a_server_error_before_processing_is_checked_then_placed_once(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    supplier.inject_fault("server_error", method="aliexpress.ds.order.create")

    result = client.place_order(cable_order("shop1-4003-a1"))

    assert len(result.supplier_order_ids) == 1
    assert len(supplier.orders()) == 1


def test_queries_retry_server_errors_with_backoff(
        client: SandboxAliExpressClient, supplier: SandboxSupplier, sleeps: list[float]) -> None:
    supplier.inject_fault("server_error", method="aliexpress.ds.product.get", times=2)

    product = client.get_product(CABLE, "US")

    assert product.product_id == CABLE
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 0.9


def test_queries_give_up_after_the_retry_budget_as_transient(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    supplier.inject_fault("server_error", method="aliexpress.ds.product.get", times=10)

    with pytest.raises(SupplierError) as caught:
        client.get_product(CABLE, "US")

    assert (caught.value.kind, caught.value.supplier_code) == (SupplierErrorKind.TRANSIENT, "HTTP_502")
