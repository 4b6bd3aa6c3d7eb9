"""After-sale: assisted on real AliExpress, by API on the sandbox (cancel, dispute, message)."""

from datetime import timedelta
from decimal import Decimal

import httpx

from ordercenter.adapters.aliexpress import AliExpressClient, SandboxAliExpressClient
from ordercenter.adapters.aliexpress.assisted import instructions_text
from ordercenter.adapters.ports import AfterSaleAction
from ordercenter.adapters.supplier_after_sale import CancellationOutcome, DisputeKind, DisputeRequest
from ordercenter.domain.money import Money
from ordercenter.sandbox.aliexpress import SandboxServer, SandboxSupplier
from tests.aliexpress.aliexpress_fixtures import ClientFactory, cable_order


def test_real_aliexpress_offers_no_after_sale_api_only_a_deep_link_and_steps(make_client: ClientFactory) -> None:
    real = make_client(AliExpressClient)

    assert real.capabilities == frozenset()
    assert real.order_page_url("8198352049851315") == (
        "https://www.aliexpress.com/p/order/detail.html?orderId=8198352049851315")
    steps = instructions_text(AfterSaleAction.CANCEL_ORDER, "8198352049851315", "customer cancelled")
    assert steps.startswith("1. Log in") and "orderId=8198352049851315" in steps


def test_the_sandbox_client_offers_every_after_sale_action(client: SandboxAliExpressClient) -> None:
    assert client.capabilities == frozenset(AfterSaleAction)


def test_an_unpaid_order_is_cancelled_at_once(client: SandboxAliExpressClient) -> None:
    [order_id] = client.place_order(cable_order(auto_pay=False)).supplier_order_ids

    ticket = client.request_cancellation(order_id, "customer_cancelled")

    assert ticket.outcome is CancellationOutcome.APPROVED
    state = client.get_order(order_id)
    assert (state.status, state.end_reason) == ("FINISH", "CANCELED")


def test_a_paid_cancellation_is_decided_after_the_seller_delay_and_approved_while_not_shipped(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    supplier.config.cancel_decision_delay = timedelta(hours=12)
    [order_id] = client.place_order(cable_order()).supplier_order_ids

    ticket = client.request_cancellation(order_id, "customer_cancelled")
    assert ticket.outcome is CancellationOutcome.PENDING
    assert client.get_order(order_id).status == "IN_CANCEL"
    supplier.advance_clock(timedelta(hours=13))

    [decided] = client.get_after_sale(order_id).cancellations
    assert decided.outcome is CancellationOutcome.APPROVED
    assert client.get_order(order_id).end_reason == "CANCELED"


def test_a_cancellation_is_rejected_once_the_order_has_shipped(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    [order_id] = client.place_order(cable_order()).supplier_order_ids
    supplier.ship(order_id)

    ticket = client.request_cancellation(order_id, "customer_cancelled")

    assert ticket.outcome is CancellationOutcome.REJECTED
    assert client.get_order(order_id).status == "WAIT_BUYER_ACCEPT_GOODS"


def test_a_return_and_refund_dispute_runs_to_the_refund(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    # given a delivered order
    [order_id] = client.place_order(cable_order(quantity=4)).supplier_order_ids
    supplier.ship(order_id)
    supplier.deliver(order_id)
    # when the merchant disputes and the seller asks for the item back
    ticket = client.open_dispute(DisputeRequest(order_id, DisputeKind.RETURN_AND_REFUND, "damaged",
                                                "Two cables arrived frayed", Money.of("4.70", "USD"), ["photo1.jpg"]))
    supplier.decide_dispute(ticket.dispute_id, True)
    [waiting] = client.get_after_sale(order_id).disputes
    client.confirm_return_shipped(ticket.dispute_id, "RR123456789CN")
    supplier.refund_dispute(ticket.dispute_id)
    # then the return instructions were given and the refund is recorded
    assert ticket.status == "WAIT_SELLER_RESPONSE"
    assert waiting.status == "WAIT_BUYER_RETURN" and waiting.return_instructions
    [refunded] = client.get_after_sale(order_id).disputes
    assert (refunded.status, refunded.refund_amount) == ("REFUNDED", Money(Decimal("4.70"), "USD"))


def test_a_refused_dispute_can_be_escalated_for_the_platform_to_decide(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    [order_id] = client.place_order(cable_order()).supplier_order_ids
    supplier.ship(order_id)
    ticket = client.open_dispute(DisputeRequest(order_id, DisputeKind.REFUND_ONLY, "not_received", "Nothing came",
                                                Money.of("2.35", "USD")))
    supplier.decide_dispute(ticket.dispute_id, False)

    escalated = client.escalate_dispute(ticket.dispute_id)
    supplier.decide_dispute(ticket.dispute_id, True, by="platform")

    assert escalated.status == "IN_PLATFORM_ARBITRATION"
    [decided] = client.get_after_sale(order_id).disputes
    assert (decided.status, decided.decided_by) == ("REFUND_PENDING", "platform")


def test_the_seller_answers_messages_after_its_delay_unless_silent(
        client: SandboxAliExpressClient, supplier: SandboxSupplier) -> None:
    [order_id] = client.place_order(cable_order()).supplier_order_ids
    [other_id] = client.place_order(cable_order("shop1-6002-a1")).supplier_order_ids
    client.send_message(order_id, "Any news on shipping?")
    supplier.advance_clock(timedelta(hours=3))
    supplier.set_silent(True)
    client.send_message(other_id, "Hello?")
    supplier.advance_clock(timedelta(days=2))

    assert [m.from_seller for m in client.get_after_sale(order_id).messages] == [False, True]
    assert [m.from_seller for m in client.get_after_sale(other_id).messages] == [False]


def test_operators_drive_the_order_over_http(client: SandboxAliExpressClient, server: SandboxServer) -> None:
    [order_id] = client.place_order(cable_order(auto_pay=False)).supplier_order_ids
    base = f"{server.base_url}/_operator"

    assert httpx.post(f"{base}/orders/{order_id}/pay").status_code == 200
    shipped = httpx.post(f"{base}/orders/{order_id}/ship", json={"tracking_number": "LP00999"}).json()
    refused = httpx.post(f"{base}/orders/{order_id}/pay")

    assert shipped["order_status"] == "WAIT_BUYER_ACCEPT_GOODS"
    assert refused.status_code == 409 and refused.json()["error"] == "ORDER_STATUS_ERROR"
    assert client.get_tracking(order_id)[0].number == "LP00999"
    assert httpx.get(f"{base}/credentials").json()["app_key"] == server.supplier.config.app_key
