"""After an approved cancellation: the refund is confirmed as arrived (it leaves the deadlines, its overdue
alert clears), and a store cancellation interrupted by a crash is finished by the sweeper."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercenter.domain.alerts import AlertKind, request_subject
from ordercenter.services import cancellation, cancellation_refunds, returns
from ordercenter.services.polling import clients
from tests.after_sale.conftest import AfterSale


@pytest.mark.also_postgres
def test_a_confirmed_refund_leaves_the_deadlines_and_clears_its_overdue_alert(after_sale: AfterSale) -> None:
    # given: an approved cancellation of a paid order, whose refund is overdue
    placed = after_sale.placed(paid=True)
    response = after_sale.api.post(f"/supplier-orders/{placed.supplier_order_id}/cancellation",
                                   json={"reason": "out_of_stock"})
    assert response.status_code == 201, response.text
    request = response.json()
    assert request["status"] == "approved" and request["refund"]["expected_by"]
    after_sale.clock.advance(timedelta(days=40))
    assert returns.scan_overdue_refunds(after_sale.container.uow(), after_sale.clock) == 1
    kinds = [d["kind"] for d in after_sale.api.get("/deadlines").json()["data"]]
    assert "refund_overdue" in kinds

    # when: the merchant says it arrived (twice: the second changes nothing)
    first = after_sale.api.post(f"/cancellations/{request['id']}/refund-arrived")
    again = after_sale.api.post(f"/cancellations/{request['id']}/refund-arrived")

    # then: no deadline, no open alert, one timeline entry
    assert first.status_code == again.status_code == 200, first.text
    assert "refund_overdue" not in [d["kind"] for d in after_sale.api.get("/deadlines").json()["data"]]
    with after_sale.container.uow() as uow:
        assert uow.alerts.open_for_subject(after_sale.shop_id, request_subject("cancellation", request["id"])) == []
        alerts = list(uow.alerts.list(after_sale.shop_id, open_only=False, limit=50))
    assert any(a.kind is AlertKind.REFUND_OVERDUE and a.resolved_at is not None for a in alerts)
    timeline = after_sale.order(placed.order_id)["timeline"]
    assert sum(1 for e in timeline if e["parameters"].get("phase") == "refund_arrived") == 1


def test_a_refund_arrival_is_refused_for_a_request_that_expects_none(after_sale: AfterSale) -> None:
    placed = after_sale.placed(paid=False)
    request = after_sale.api.post(f"/supplier-orders/{placed.supplier_order_id}/cancellation",
                                  json={"reason": "price_changed"}).json()
    refused = after_sale.api.post(f"/cancellations/{request['id']}/refund-arrived")
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "status"
    assert after_sale.api.post("/cancellations/999999/refund-arrived").status_code == 404


def test_a_store_cancellation_a_crash_interrupted_is_finished_by_the_sweeper(
        after_sale: AfterSale, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: approved with cancel_on_store, and the process dies right after committing the approval,
    # before the store is asked (the server runs in this process: its follow-up is switched off)
    placed = after_sale.placed(paid=True)
    with monkeypatch.context() as crash:
        crash.setattr(cancellation, "run_follow_up", lambda *args, **kwargs: None)
        request = after_sale.api.post(f"/supplier-orders/{placed.supplier_order_id}/cancellation",
                                      json={"reason": "customer_changed_mind", "then": "cancel_on_store"}).json()
    assert request["status"] == "approved" and request["follow_up_done_at"] is None
    container = after_sale.container

    def sweep() -> int:
        with clients(container.uow(), container.supplier_for, container.store_for) as (_, store_for):
            return cancellation_refunds.resume_follow_ups(container.uow(), store_for, after_sale.clock)

    # when: the sweeper runs right away (the approving process may still be at work), then later
    assert sweep() == 0
    after_sale.clock.advance(timedelta(minutes=6))
    assert sweep() == 1

    # then: the store order is cancelled, the follow-up done, and nothing is left to sweep
    assert after_sale.api.get(f"/cancellations/{request['id']}").json()["follow_up_done_at"] is not None
    [on_store] = [o for o in after_sale.store.snapshot("after.myshopify.com") if o["id"] == placed.store_order_id]
    assert on_store["cancelled_at"] is not None
    assert sweep() == 0
