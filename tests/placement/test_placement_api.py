"""Preview, bulk placement, payment, reorder and packaging through the REST API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from ordercenter.adapters.clock import SystemClock
from ordercenter.adapters.ports import SupplierError, SupplierErrorKind, SupplierPlatform
from ordercenter.domain.status import FinancialStatus
from ordercenter.entrypoints.api.app import create_app
from ordercenter.services import access
from ordercenter.services.ingestion import import_order
from ordercenter.services.payment import pay_supplier_order
from ordercenter.services.placement_planning import SupplierResolver
from tests.factories import T0, snapshot
from tests.placement.conftest import Placement


@pytest.fixture
def api(placement: Placement, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    # The container would build its own client from the stored account; use the test's sandbox client.
    def resolver(shop_id: int) -> SupplierResolver:
        return placement.resolver()

    monkeypatch.setattr(placement.container, "supplier_resolver", resolver)
    token = access.create_token(placement.container.uow(), shop_id=placement.shop_id, name="t", now=T0).token
    with TestClient(create_app(placement.container), base_url="http://test/api/v1",
                    headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def test_preview_shows_items_shipping_cost_and_profit_per_order(placement: Placement, api: TestClient) -> None:
    order_id = placement.order(currency="USD")
    body = api.post("/placements/preview", json={"orders": [{"order_id": order_id}]}).json()
    [preview] = body["data"]
    assert preview["placeable"] is True
    assert len(preview["groups"]) == 2
    item = preview["groups"][0]["items"][0]
    assert item["shipping"]["code"] in {o["code"] for o in item["options"]}
    assert preview["expected_profit"]["currency"] == "USD"


def test_bulk_placement_gives_a_result_per_order(placement: Placement, api: TestClient) -> None:
    good, unmapped = placement.order(1001), placement.order(1002, lines=3)
    body = api.post("/placements", json={"orders": [{"order_id": good}, {"order_id": unmapped}]}).json()
    assert (body["placed"], body["failed"]) == (1, 1)
    results = {r["order_id"]: r for r in body["data"]}
    assert results[good]["placed"] is True
    assert all(g["result"] == "placed" for g in results[good]["groups"])
    assert "no supplier product" in results[unmapped]["summary"]


def test_paying_a_placed_order_moves_it_to_awaiting_shipment(placement: Placement, api: TestClient) -> None:
    order_id = placement.order(1001)
    api.post("/placements", json={"orders": [{"order_id": order_id}]})
    detail = api.get(f"/orders/{order_id}").json()
    assert detail["stage"] == "awaiting_payment"
    for so in detail["supplier_orders"]:
        paid = api.post(f"/supplier-orders/{so['id']}/pay").json()
        assert paid["paid"] is True, paid
    assert api.get(f"/orders/{order_id}").json()["stage"] == "awaiting_shipment"
    again = api.post(f"/supplier-orders/{detail['supplier_orders'][0]['id']}/pay")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_allowed"


class NoPaymentsByApi:
    """The real AliExpress client's shape: no pay_order."""

    def __init__(self, inner: SupplierPlatform) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "pay_order":
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_without_payment_by_api_the_merchant_is_told_where_and_by_when_to_pay(
        placement: Placement, api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    order_id = placement.order(1001)
    api.post("/placements", json={"orders": [{"order_id": order_id}]})
    so = api.get(f"/orders/{order_id}").json()["supplier_orders"][0]
    monkeypatch.setattr(placement.container, "supplier_resolver",
                        lambda shop_id: placement.resolver(NoPaymentsByApi(placement.client)))
    result = api.post(f"/supplier-orders/{so['id']}/pay").json()
    assert result["paid"] is False
    assert "before 2026-03-22" in result["message"]  # placed 2026-03-02 + 20 days
    assert "Pay all" in result["message"]


def test_a_supplier_cancelled_order_can_be_reordered_from_the_backup(placement: Placement, api: TestClient) -> None:
    order_id = placement.order(1001)
    api.post("/placements", json={"orders": [{"order_id": order_id}]})
    first = api.get(f"/orders/{order_id}").json()["supplier_orders"]
    # the supplier cancels one purchase (out of stock after all)
    with placement.container.uow() as uow:
        from ordercenter.domain.status import ActorKind, SupplierOrderStatus
        so = uow.supplier_orders.get(placement.shop_id, first[0]["id"])
        assert so is not None
        so.transition_to(SupplierOrderStatus.CANCELLED, at=T0, reason="seller out of stock")
        so.cancelled_by = ActorKind.SUPPLIER
        order = uow.orders.get(placement.shop_id, order_id)
        assert order is not None
        from ordercenter.services.stage_refresh import refresh_stage
        refresh_stage(uow, order, at=T0)
        uow.commit()
    assert api.get(f"/orders/{order_id}").json()["attention_reason"] == "supplier_cancelled"
    result = api.post(f"/orders/{order_id}/reorder", json={}).json()
    assert result["placed"] is True, result
    after = api.get(f"/orders/{order_id}").json()
    assert after["stage"] == "awaiting_payment"
    attempts = sorted((so["attempt"], so["status"]) for so in after["supplier_orders"])
    assert attempts == [(1, "cancelled"), (1, "placed"), (2, "placed")]  # history kept


def test_packaging_preferences_reach_the_supplier_as_the_order_memo(placement: Placement, api: TestClient) -> None:
    saved = api.put("/packaging", json={"branded_packaging": True, "note": "Add the thank-you card"}).json()
    assert "branded packaging" in saved["memo"] and "thank-you card" in saved["memo"]
    order_id = placement.order(1001)
    preview = api.post("/placements/preview", json={"orders": [{"order_id": order_id}]}).json()["data"][0]
    assert preview["packaging_note"] == saved["memo"]
    api.post("/placements", json={"orders": [{"order_id": order_id}]})
    memos = {line.memo for o in placement.supplier.orders() for line in o.lines}
    assert memos == {saved["memo"]}


def test_a_too_long_packaging_note_is_refused_naming_the_field(api: TestClient) -> None:
    response = api.put("/packaging", json={"note": "x" * 400})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "note"


def test_paying_a_supplier_order_whose_store_order_was_cancelled_is_refused_unless_confirmed(
        placement: Placement, api: TestClient) -> None:
    # given: a placed supplier order, then the customer's order is cancelled on the store
    order_id = placement.order(1001)
    api.post("/placements", json={"orders": [{"order_id": order_id}]})
    so_id = api.get(f"/orders/{order_id}").json()["supplier_orders"][0]["id"]
    import_order(placement.container.uow(), shop_id=placement.shop_id, at=T0, source="test",
                 snapshot=snapshot(1001, updated=timedelta(hours=1), cancelled_at=T0 + timedelta(hours=1),
                                   financial=FinancialStatus.REFUNDED))

    # when: the merchant pays without confirming
    refused = api.post(f"/supplier-orders/{so_id}/pay")

    # then: refused with the reason, nothing paid; confirming pays it
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["field"] == "confirm" and "cancelled on the store on 2026-03-02" in error["message"]
    with placement.container.uow() as uow:
        number = uow.supplier_orders.get(placement.shop_id, so_id).supplier_order_id  # type: ignore[union-attr]
    assert number is not None and placement.supplier.order(number).paid_at is None
    paid = api.post(f"/supplier-orders/{so_id}/pay", json={"confirm": True})
    assert paid.status_code == 200 and paid.json()["paid"] is True


class PaidMeanwhile:
    """A supplier whose payment answer is an error because someone else paid the order a moment before."""

    def __init__(self, placement: Placement, ours: int) -> None:
        self._placement, self._ours = placement, ours

    def __getattr__(self, name: str) -> Any:
        return getattr(self._placement.client, name)

    def pay_order(self, supplier_order_id: str) -> None:
        # The other click: paid through the real supplier and recorded, while this call was on its way.
        assert pay_supplier_order(self._placement.container.uow(), self._placement.resolver(), SystemClock(),
                                  shop_id=self._placement.shop_id, supplier_order_id=self._ours).paid
        raise SupplierError(SupplierErrorKind.PAYMENT, "the order is not awaiting payment",
                            supplier_message="order status is not PLACE_ORDER_SUCCESS")


def test_a_payment_failure_that_arrives_after_the_order_was_paid_changes_nothing(
        placement: Placement, api: TestClient) -> None:
    order_id = placement.order(1001)
    api.post("/placements", json={"orders": [{"order_id": order_id}]})
    so_id = api.get(f"/orders/{order_id}").json()["supplier_orders"][0]["id"]
    # when: the second click's payment fails because the first one paid it
    supplier = cast(SupplierPlatform, PaidMeanwhile(placement, so_id))
    result = pay_supplier_order(placement.container.uow(), placement.resolver(supplier), SystemClock(),
                                shop_id=placement.shop_id, supplier_order_id=so_id)
    # then: told it is paid; the supplier order keeps no failure and the timeline none either
    assert result.paid and "paid already" in result.message, result
    detail = api.get(f"/orders/{order_id}").json()
    [so] = [s for s in detail["supplier_orders"] if s["id"] == so_id]
    assert so["status"] == "paid" and so["failure"] is None, so
    assert not [e for e in detail["timeline"] if "fail" in e["type"] or "failed" in e["message"]], detail["timeline"]
